"""Hostile files: each bad input alone, then all of them mixed with good files through ``qualcode code``.

For each input of :data:`bad_inputs.BAD_INPUTS`: the expected outcome (an error of a given kind naming the
file and what to do, or a transcript read with the expected warning and offsets that slice back). For the
whole batch, run as a child process through the real command: the rest is coded, the exit status is the
documented one, every input is byte-identical afterwards, nothing is written but the output folder, the
project file (and SQLite's journal files), qualcode's cache (see README) and matplotlib's folders (its font cache, and its configuration
folder, which it creates empty), and no traceback is printed.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from bad_inputs import BAD_INPUTS, GOOD, HUGE, BadInput, faults, make_all, png
from cli_child import install

import qualcode as qc
from qualcode.ingest.corpus import read_corpus

CHILD = Path(__file__).with_name("cli_child.py")
READ = [item for item in BAD_INPUTS if item.kind is None and item.doc_id != ""]
REFUSED = [item for item in BAD_INPUTS if item.kind is not None]


# --- helpers shared with the other hostile tests -----------------------------------------------------------


def tree(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, str]:
    """Every entry under ``root`` but those under ``skip``: files by hash, links by target, folders."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath, name)
            if any(path == s or s in path.parents for s in skip):
                continue
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            elif path.is_dir():
                out[rel] = "folder"
            elif path.is_file():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[rel] = "special"
    return out


def child_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a child run whose home, cache and temporary folders are all under ``root``."""
    for name in ("home", "cache", "tmp"):
        (root / name).mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUALCODE_", "MPL", "XDG_"))}
    env.update(HOME=str(root / "home"), XDG_CACHE_HOME=str(root / "cache"), TMPDIR=str(root / "tmp"),
               PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHILD), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def read_csv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(2**31 - 1)  # a 50 MB paragraph is one field of segments.csv
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def assert_offsets_slice_back(out: Path) -> None:
    """Every match of evidence.csv is its segment's text at its offsets, and segments do not overlap."""
    segments = {(r["document"], r["segment_id"]): r for r in read_csv(out / "segments.csv")}
    for row in read_csv(out / "evidence.csv"):
        seg = segments[(row["document"], row["segment_id"])]
        start, end = int(row["start"]) - int(seg["start"]), int(row["end"]) - int(seg["start"])
        assert seg["text"][start:end] == row["matched"], (row, seg["text"])
    for seg in segments.values():
        assert int(seg["end"]) - int(seg["start"]) == len(seg["text"]), seg


# --- each input alone -------------------------------------------------------------------------------------


def check_transcript(t: qc.Transcript, item: BadInput) -> None:
    assert t.text.strip(), item.name
    assert "\x00" not in t.text and not any("\ud800" <= c <= "\udfff" for c in t.text)
    for span in t.spans:
        assert 0 <= span.start <= span.end <= len(t.text), span
    for p in t.paragraphs:
        assert t.text[p.start : p.end].strip(), p
    covered = set()
    for span in t.spans:
        if span.kind in ("paragraph", "label", "heading"):
            covered.update(range(span.start, span.end))
    missed = [i for i, c in enumerate(t.text) if not c.isspace() and i not in covered]
    assert not missed, f"text outside every paragraph, label and heading: {t.text[missed[0]:missed[0] + 40]!r}"
    warnings = " ".join(t.metadata.get("warnings", []))
    assert item.warning in warnings, warnings


@pytest.mark.parametrize("item", BAD_INPUTS, ids=[i.name for i in BAD_INPUTS])
def test_each_bad_input_alone(tmp_path, item):
    folder = tmp_path / "in"
    make_all(folder, [item], good=False)
    before = tree(tmp_path)
    restore = install(json.loads(faults(folder, [item])))
    try:
        corpus = read_corpus(folder)
    finally:
        restore()
    assert tree(tmp_path) == before, "reading must change nothing"
    if item.kind is None:
        assert not corpus.errors, [str(e) for e in corpus.errors]
        assert corpus.ids == ([item.id] if item.doc_id != "" else [])
        for t in corpus:
            check_transcript(t, item)
        return
    assert corpus.ids == [] and len(corpus.errors) == 1, (corpus.ids, [str(e) for e in corpus.errors])
    error = corpus.errors[0]
    assert (error.kind, error.path) == (item.kind, str(folder / item.name)), str(error)
    assert item.message in error.problem, error.problem
    assert error.hint and item.hint in error.hint, error.hint
    assert str(error).startswith(f"{folder / item.name}: ")


def test_explicit_bad_paths_raise_read_errors_only(tmp_path):
    """read_transcript on each input (no faults injected) raises a ReadError or returns a transcript."""
    folder = tmp_path / "in"
    make_all(folder, [i for i in BAD_INPUTS if not i.fault], good=False)
    for item in BAD_INPUTS:
        if item.fault:
            continue
        try:
            qc.read_transcript(folder / item.name)
        except qc.ReadError as error:
            assert error.path == str(folder / item.name) and error.hint, str(error)


# --- the whole batch through the command -------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Every bad input mixed with the good files, coded by the real command in a child process."""
    root = tmp_path_factory.mktemp("batch")
    folder = root / "in"
    make_all(folder)
    out, project = root / "out", root / "study.qualcode"
    env = child_env(root, QUALCODE_TEST_FAULTS=faults(folder, BAD_INPUTS), COLUMNS="200")
    inputs = tree(root)
    run = run_cli(["code", str(folder), "--out", str(out), "--project", str(project)], env)
    return {"root": root, "folder": folder, "out": out, "project": project, "inputs": inputs, "run": run}


def test_batch_exit_status_is_1_and_no_traceback(batch):
    run = batch["run"]
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    for line in run.stderr.splitlines():
        assert line.startswith(("error: ", "warning: ")), line


def test_batch_reports_every_refused_file_with_its_kind_and_hint(batch):
    folder, errors = batch["folder"], read_csv(batch["out"] / "errors.csv")
    by_path = {row["path"]: row for row in errors}
    assert len(by_path) == len(errors) == len(REFUSED), sorted(by_path)
    for item in REFUSED:
        row = by_path[str(folder / item.name)]
        assert row["error"] == item.kind and item.message in row["problem"] and item.hint in row["hint"], row
        assert f"error: {folder / item.name}: {row['problem']}" in batch["run"].stderr


def test_batch_codes_every_readable_file(batch):
    out = batch["out"]
    documents = {row["document"] for row in read_csv(out / "documents.csv")}
    expected = {item.id for item in READ} | {name.rsplit(".", 1)[0] for name in GOOD}
    assert documents == expected
    coded = {row["document"] for row in read_csv(out / "codings.csv")}
    assert expected <= coded, expected - coded  # every file speaks of trust or time
    assert {row["document"] for row in read_csv(out / "segments.csv")} == expected
    for item in READ:
        if item.warning:
            assert any(line.startswith(f"warning: {item.id}: ") and item.warning in line
                       for line in batch["run"].stderr.splitlines()), item.name
    assert_offsets_slice_back(out)


def test_batch_project_holds_the_same_documents_and_is_intact(batch):
    db = sqlite3.connect(batch["project"])
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        ids = {r[0] for r in db.execute("SELECT id FROM documents")}
        for doc, text, start, end, matched in db.execute(
            'SELECT document, (SELECT text FROM documents WHERE id = document), start, "end", text FROM codings'
        ):
            assert text[start:end] == matched, (doc, start, end)
    finally:
        db.close()
    assert ids == {row["document"] for row in read_csv(batch["out"] / "documents.csv")}


def test_batch_changes_no_input_and_writes_nowhere_else(batch):
    root = batch["root"]
    assert_wrote_only(root, batch["out"], batch["project"], batch["inputs"])


def assert_wrote_only(root: Path, out: Path, project: Path | None, before: dict[str, str]) -> None:
    """Nothing under ``root`` changed but ``out``, the ``project`` and its journals, qualcode's documented
    cache (whole entries, compiled expressions and lemma arrays only) and matplotlib's folders."""
    cache, config = root / "cache" / "matplotlib", root / "home" / ".config" / "matplotlib"
    ours = root / "cache" / "qualcode"
    journals = () if project is None else tuple(project.with_name(project.name + s)
                                                 for s in ("", "-wal", "-shm", "-journal"))
    after = tree(root, skip=(out, cache, config, ours, *journals))
    after.pop("home/.config", None)
    assert after == before
    assert not list((root / "tmp").iterdir()), "temporary files left behind"
    assert not config.exists() or not list(config.iterdir())
    assert {p.name for p in (root / "cache").iterdir()} <= {"matplotlib", "qualcode"}
    entries = [p for p in ours.rglob("*") if p.is_file()] if ours.exists() else []
    # Entries are pickles; ``regex/`` keeps the French tokenizer's compiled expression, like bytecode, and
    # ``lemmas/`` the lookup lemma tables as arrays.
    suffixes = {"regex": ".regex", "lemmas": ".npz"}
    assert all(p.suffix == suffixes.get(p.parent.name, ".pickle") and not p.name.startswith(".")
               for p in entries), "partial cache entries"


def test_batch_outputs_name_no_absolute_path_but_the_errors(batch):
    for name in ("segments.csv", "codings.csv", "evidence.csv", "documents.csv", "run.json"):
        assert str(batch["root"]) not in (batch["out"] / name).read_text(encoding="utf-8"), name


# --- the huge single line --------------------------------------------------------------------------------


def test_a_huge_single_line_file_is_coded_in_pieces(tmp_path):
    """spaCy's max_length is no excuse: a transcript without any line break (2 MB here, twice spaCy's
    max_length; 50 MB in benchmarks/huge_line.py) is still coded whole, through the real command with the
    report."""
    folder = tmp_path / "in"
    make_all(folder, [HUGE], good=False)
    GOOD["good fr.txt"](folder / "good fr.txt")
    out = tmp_path / "out"
    run = run_cli(["code", str(folder), "--out", str(out)], child_env(tmp_path), timeout=1800)
    assert "Traceback" not in run.stderr
    assert run.returncode == 0, run.stderr[-2000:]
    codings = read_csv(out / "codings.csv")
    huge = [row for row in codings if row["document"] == HUGE.id]
    segments = [row for row in read_csv(out / "segments.csv") if row["document"] == HUGE.id]
    size = (folder / HUGE.name).stat().st_size
    assert sum(int(s["end"]) - int(s["start"]) for s in segments) >= size - 1
    assert {"trust", "temporality", "turnover"} <= {row["code"] for row in huge}
    assert max(int(row["end"]) for row in huge) > size - 1000, "coding stopped before the end of the text"


# --- unexpected errors and --debug -----------------------------------------------------------------------


@pytest.fixture
def two_files(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    GOOD["good fr.txt"](folder / "fr.txt")
    GOOD["good en.md"](folder / "en.md")
    return folder


@pytest.mark.parametrize("debug", [False, True])
def test_a_reader_bug_costs_one_file_not_the_batch(tmp_path, two_files, debug):
    env = child_env(tmp_path, QUALCODE_TEST_FAULTS=json.dumps([["reader-bug", str(two_files / "fr.txt")]]))
    out = tmp_path / "out"
    run = run_cli([*(["--debug"] if debug else []), "code", str(two_files), "--out", str(out)], env)
    assert run.returncode == 1, run.stderr
    assert ("Traceback" in run.stderr) is debug
    line = f"error: {two_files / 'fr.txt'}: could not be read: unexpected RuntimeError: a bug in a library."
    assert line in run.stderr and "please report it" in run.stderr
    assert [r["error"] for r in read_csv(out / "errors.csv")] == ["unexpected"]
    assert {r["document"] for r in read_csv(out / "codings.csv")} == {"en"}


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_is_one_line_naming_what_was_processed(tmp_path, two_files, debug):
    env = child_env(tmp_path, QUALCODE_TEST_FAULTS='[["write-bug", ""]]')
    out = tmp_path / "out"
    run = run_cli([*(["--debug"] if debug else []), "code", str(two_files), "--out", str(out)], env)
    assert run.returncode == 3, run.stderr
    if debug:
        assert "Traceback" in run.stderr and "RuntimeError: a bug while writing" in run.stderr
    else:
        assert run.stderr.splitlines()[-1] == (
            f"error: unexpected RuntimeError while processing {out}: a bug while writing. This is a bug in "
            "qualcode: re-run with --debug (before the command name) to see the traceback, and please report it."
        )
        assert "Traceback" not in run.stderr
    assert not out.exists()


# --- bad attributes files ---------------------------------------------------------------------------------

ATTRIBUTES = {
    "broken-quote.csv": (b'document,role\n"fr,director\n', "is not a readable CSV file"),
    "ragged.csv": (b"document,role\nfr,director,extra,cells\n", "line 2 has 4 cells but the header has 2"),
    "no-document.csv": (b"id,role\nfr,director\n", "has no 'document' column"),
    "duplicate.csv": (b"document,role\nfr,a\nfr,b\n", "the same document appears on several rows: fr"),
    "empty.csv": (b"", "is empty"),
    "image.csv": (png(), "PNG image"),
}


@pytest.mark.parametrize("name", sorted(ATTRIBUTES))
def test_a_bad_attributes_file_is_a_usage_error_naming_it(tmp_path, two_files, name):
    from typer.testing import CliRunner

    from qualcode.cli.app import app

    data, expected = ATTRIBUTES[name]
    attributes = tmp_path / name
    attributes.write_bytes(data)
    before = tree(tmp_path)
    result = CliRunner().invoke(app, ["code", str(two_files), "--attributes", str(attributes),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert str(attributes) in result.output and expected in result.output
    assert tree(tmp_path) == before



def test_ctrl_c_prints_one_line_and_no_worker_noise(tmp_path, two_files):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) printed click's 'Aborted!' and a
    traceback from every worker process."""
    import signal
    import time

    for i in range(6):
        GOOD["good fr.txt"](two_files / f"more{i}.txt")
    started = tmp_path / "started"
    env = child_env(tmp_path, QUALCODE_TEST_FAULTS=json.dumps([["slow", str(started)]]))
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, str(CHILD), "code", str(two_files), "--out", str(out), "--jobs", "2",
                              "--no-cache"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    # Wait for a worker to begin coding (8 files at a second each on 2 workers leave 3 s or more), rather than a
    # fixed time: since workers fork from a parent with spaCy loaded, the run could finish within a fixed wait.
    deadline = time.monotonic() + 120
    while not started.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "no worker began coding"
    time.sleep(0.5)
    os.killpg(child.pid, signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("interrupted:")
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr and "Aborted" not in stderr
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
