"""Faults while writing: runs killed at named points, a full disk, a read-only or forbidden output folder.

A killed run (a child process of the real command, killed with SIGKILL at a point named by
``QUALCODE_TEST_KILL_AT``: see ``tests/kill_points.py``) leaves the previous outputs or the new ones, never a mix, and the project
consistent with its human codings intact; the next run finishes the job and removes what the killed one
left. A full disk or a read-only folder gives a clear error and leaves no partial file.
"""

from __future__ import annotations

import errno
import json
import os
import pathlib
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from bad_inputs import GOOD_EN, GOOD_FR
from kill_points import KILL_ENV
from test_hostile_inputs import CHILD, child_env, tree
from typer.testing import CliRunner

import qualcode as qc
from qualcode.cli.app import app
from qualcode.run import outputs

runner = CliRunner()
V1 = {"fr.txt": GOOD_FR, "en.txt": GOOD_EN, "site/b.txt": GOOD_FR.replace("familles", "parents d'élèves")}
V2 = {**V1, "en.txt": GOOD_EN + "\nTeacher: Trust is everything, and the staff keep leaving.\n", "new.txt": GOOD_EN}
OUTPUT_POINTS = {  # kill point -> which outputs must be in place after the kill
    "outputs-writing": "old",
    "outputs-written": "old",
    "outputs-exchanged": "new",
}
BOOK2 = "version: 2\nname: other\ncodes:\n  - id: trust\n    rules:\n      any:\n        terms: [trust, confiance]\n"


def corpus(folder: Path, texts: dict[str, str]) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    for name, text in texts.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def beside(out: Path) -> list[str]:
    """What is left next to the output folder: staging or moved-aside folders of killed runs."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


# --- killed runs: outputs ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def killed_outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("killed-outputs")
    # The killed children write outputs, they do not test coding: they read v2's codings from the cache that
    # the run making `new` just filled (warm, a child takes about 3 s of CPU instead of 8: no spaCy to load).
    cache = {"QUALCODE_CACHE_DIR": str(root / "cache" / "qualcode")}
    env = {**child_env(root), **cache}
    v1, v2 = corpus(root / "v1", V1), corpus(root / "v2", V2)
    old, new = root / "old", root / "new"
    assert runner.invoke(app, ["code", str(v1), "--out", str(old)], env=cache).exit_code == 0
    assert runner.invoke(app, ["code", str(v2), "--out", str(new)], env=cache).exit_code == 0
    runs = {}
    points = [*((p, "") for p in OUTPUT_POINTS), ("outputs-moved-aside", "no-exchange")]
    for point, fault in points:
        out = root / f"out-{point}"
        shutil.copytree(old, out)
        child_env_ = {**env, KILL_ENV: point, "QUALCODE_TEST_FAULTS": f'[["{fault}", ""]]' if fault else "[]"}
        runs[point] = (out, subprocess.Popen([sys.executable, str(CHILD), "code", str(v2), "--out", str(out)],
                                             env=child_env_, stderr=subprocess.PIPE, text=True))
    done = {point: (out, child.wait(timeout=600), child.stderr.read()) for point, (out, child) in runs.items()}
    return {"root": root, "v2": v2, "old": tree(old), "new": tree(new), "runs": done, "env": env}


@pytest.mark.parametrize("point", list(OUTPUT_POINTS))
def test_a_killed_run_leaves_the_old_or_the_new_outputs_whole(killed_outputs, point):
    out, returncode, stderr = killed_outputs["runs"][point]
    assert returncode == -signal.SIGKILL, f"not killed at {point}: {stderr}"
    assert killed_outputs["old"] != killed_outputs["new"]
    assert tree(out) == killed_outputs[OUTPUT_POINTS[point]]


def test_a_run_killed_between_the_two_renames_is_repaired_by_the_next(killed_outputs):
    """Where the two folders cannot be exchanged atomically, the old one is moved aside first."""
    out, returncode, stderr = killed_outputs["runs"]["outputs-moved-aside"]
    assert returncode == -signal.SIGKILL, stderr
    assert not out.exists() and [n.rsplit("-", 1)[0] for n in beside(out)] == [f".{out.name}.partial", f".{out.name}.previous"]
    outputs._recover(out)
    assert tree(out) == killed_outputs["old"] and beside(out) == []


@pytest.mark.parametrize("point", [*OUTPUT_POINTS, "outputs-moved-aside"])
def test_the_next_run_finishes_the_job_and_cleans_up(killed_outputs, point):
    out = killed_outputs["runs"][point][0]
    run = runner.invoke(app, ["code", str(killed_outputs["v2"]), "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert tree(out) == killed_outputs["new"] and beside(out) == []


# --- killed runs: the project ------------------------------------------------------------------------------

PROJECT_POINTS = ["inside-transaction:1", "before-commit:2", "after-document:2"]  # all of them: test_store.py


def human_codings(path: Path) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        return db.execute('SELECT document, coder, code, start, "end", text, status FROM codings '
                          "WHERE coder NOT LIKE 'auto:%' ORDER BY id").fetchall()
    finally:
        db.close()


@pytest.fixture(scope="module")
def killed_projects(tmp_path_factory):
    root = tmp_path_factory.mktemp("killed-project")
    cache = {"QUALCODE_CACHE_DIR": str(root / "cache" / "qualcode")}  # warm for the children: see killed_outputs
    env = {**child_env(root), **cache}
    v1 = corpus(root / "v1", V1)
    book2 = root / "other.yml"
    book2.write_text(BOOK2, encoding="utf-8")
    base = root / "base.qualcode"
    assert runner.invoke(app, ["code", str(v1), "--project", str(base)], env=cache).exit_code == 0
    with qc.open_project(base) as project:
        project.add_coding("fr", "trust", coder="ana", new_code=True, unit="paragraph", segment_id=1)
        project.add_coding("en", "turnover", coder="ana", new_code=True, start=60, end=90)
        project.add_memo("Trust, again.", author="ana", document="fr")
    human = human_codings(base)
    whole = root / "whole.qualcode"  # the run the children are killed in, left to finish: it fills the cache
    shutil.copy(base, whole)
    run = runner.invoke(app, ["code", str(v1), "--codebook", str(book2), "--project", str(whole)], env=cache)
    assert run.exit_code == 0, run.output
    assert human_codings(whole) == human
    runs = {}
    for i, point in enumerate(PROJECT_POINTS):
        path = root / f"killed{i}.qualcode"
        shutil.copy(base, path)
        runs[point] = (path, subprocess.Popen(
            [sys.executable, str(CHILD), "code", str(v1), "--codebook", str(book2), "--project", str(path)],
            env={**env, KILL_ENV: point}, stderr=subprocess.PIPE, text=True))
    done = {point: (path, child.wait(timeout=600), child.stderr.read()) for point, (path, child) in runs.items()}
    return {"v1": v1, "book2": book2, "human": human, "runs": done, "env": env}


@pytest.mark.parametrize("point", PROJECT_POINTS)
def test_a_killed_project_run_keeps_the_database_consistent_and_human_codings_intact(killed_projects, point):
    path, returncode, stderr = killed_projects["runs"][point]
    assert returncode == -signal.SIGKILL, f"not killed at {point}: {stderr}"
    assert len(killed_projects["human"]) == 2
    assert human_codings(path) == killed_projects["human"]
    run = runner.invoke(app, ["code", str(killed_projects["v1"]), "--codebook", str(killed_projects["book2"]),
                              "--project", str(path)])
    assert run.exit_code == 0, run.output
    assert human_codings(path) == killed_projects["human"]
    with qc.open_project(path) as project:
        assert set(project.codings("auto:other")["document"]) == {"fr", "en", "site/b"}


# --- full disk, read-only folder, no permission ------------------------------------------------------------


@pytest.fixture
def previous(tmp_path) -> dict:
    """Outputs of a first run, to be kept whole by a failing second run."""
    folder = corpus(tmp_path / "in", V1)
    out = tmp_path / "out"
    first = runner.invoke(app, ["code", str(folder), "--out", str(out)])
    assert first.exit_code == 0, first.output
    corpus(folder, V2)
    return {"in": folder, "out": out, "tree": tree(tmp_path)}


def _disk_full_after_half(real):
    def write(frame, path):
        real(frame, path)
        if path.name == "evidence.csv":
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])  # the disk filled up half-way through
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    return write


def test_a_full_disk_leaves_the_previous_outputs_and_no_partial_file(previous, monkeypatch):
    monkeypatch.setattr(outputs, "_csv", _disk_full_after_half(outputs._csv))
    result = runner.invoke(app, ["code", str(previous["in"]), "--out", str(previous["out"])])
    assert result.exit_code == 1
    assert f"cannot write {previous['out']}" in result.output and "the disk is full" in result.output
    assert "evidence.csv" in result.output and "Free some space" in result.output
    assert tree(previous["out"].parent) == previous["tree"], "a partial file or folder was left behind"


def test_a_full_disk_while_drawing_a_chart(previous, monkeypatch):
    from qualcode.views import plots
    def full(figure, path, *args, **kwargs):
        Path(path).write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(plots, "save_chart", full)
    result = runner.invoke(app, ["code", str(previous["in"]), "--out", str(previous["out"])])
    assert result.exit_code == 1 and "the disk is full" in result.output
    assert tree(previous["out"].parent) == previous["tree"]


def test_a_read_only_output_folder(tmp_path, monkeypatch):
    folder = corpus(tmp_path / "in", V1)
    target = tmp_path / "mounted"
    target.mkdir()
    real = pathlib.Path.mkdir

    def mkdir(self, *args, **kwargs):
        if target in (self, *self.parents) and self != target:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    before = tree(tmp_path)
    result = runner.invoke(app, ["code", str(folder), "--out", str(target / "results")])
    assert result.exit_code == 1
    assert "the file system is read-only" in result.output and "Choose a place you can write to" in result.output
    assert tree(tmp_path) == before


def test_no_permission_to_replace_the_outputs(previous, monkeypatch):
    real = os.replace

    def replace(src, dst):
        if Path(dst) == previous["out"] or Path(src) == previous["out"]:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    result = runner.invoke(app, ["code", str(previous["in"]), "--out", str(previous["out"])])
    assert result.exit_code == 1 and "permission denied" in result.output
    assert tree(previous["out"].parent) == previous["tree"]


def test_a_full_disk_under_the_project(tmp_path, monkeypatch):
    folder = corpus(tmp_path / "in", V1)
    path = tmp_path / "study.qualcode"
    assert runner.invoke(app, ["code", str(folder), "--project", str(path)]).exit_code == 0
    with qc.open_project(path) as project:
        project.add_coding("fr", "trust", coder="ana", new_code=True, unit="paragraph", segment_id=1)
    human = human_codings(path)
    db = sqlite3.connect(path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    real = sqlite3.connect

    def connect(*args, **kwargs):
        db = real(*args, **kwargs)
        db.execute(f"PRAGMA max_page_count = {pages + 1}")  # the disk fills up with the next document
        return db

    monkeypatch.setattr(sqlite3, "connect", connect)
    book2 = tmp_path / "other.yml"
    book2.write_text(BOOK2.replace("[trust, confiance]", "[trust, confiance, " + ", ".join(
        f"mot{i}" for i in range(3000)) + "]"), encoding="utf-8")
    corpus(folder, {**V1, **{f"more{i}.txt": GOOD_FR * 40 for i in range(3)}})
    result = runner.invoke(app, ["code", str(folder), "--codebook", str(book2), "--project", str(path)])
    monkeypatch.setattr(sqlite3, "connect", real)
    assert result.exit_code == 1, result.output
    assert "could not be written (database or disk is full)" in result.output
    assert "Free some disk space" in result.output
    assert human_codings(path) == human


def test_a_worker_killed_by_the_system_is_reported_and_the_run_goes_on(tmp_path):
    """The out-of-memory killer takes the worker coding one file: that file is reported unreadable, every
    other file is coded, and the run ends (it used to wait forever on the dead worker)."""
    texts = {f"f{i:02d}.txt": GOOD_FR if i % 2 else GOOD_EN for i in range(6)}
    folder = corpus(tmp_path / "in", texts)
    out = tmp_path / "out"
    env = {**child_env(tmp_path), "QUALCODE_TEST_FAULTS": json.dumps([["worker-dies", str(folder / "f03.txt")]])}
    child = subprocess.run([sys.executable, str(CHILD), "code", str(folder), "--out", str(out), "--jobs", "2",
                            "--no-cache"], env=env, capture_output=True, text=True, timeout=300)
    assert child.returncode == 1, child.stderr
    assert "f03.txt" in child.stderr and "died before it finished" in child.stderr
    documents = (out / "documents.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert sorted(line.split(",")[0] for line in documents) == sorted(f"f{i:02d}" for i in range(6) if i != 3)
    assert "crashed" in (out / "errors.csv").read_text(encoding="utf-8")
    assert beside(out) == []


# --- one document failing while it is stored in the project (issue 14, item 5) ----------------------------


def test_a_document_failing_in_the_project_costs_that_document_only(tmp_path, monkeypatch):
    from qualcode.project.store import Project

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.txt").write_text(GOOD_EN, encoding="utf-8")
    real = Project._write_document

    def write(self, t, *args, **kwargs):
        if t.id == "b":
            self.db.execute("DELETE FROM attributes WHERE document = 'a'")  # half-way: must be rolled back
            raise RuntimeError("a bug while storing")
        return real(self, t, *args, **kwargs)

    monkeypatch.setattr(Project, "_write_document", write)
    project = tmp_path / "study.qcproj"
    result = runner.invoke(app, ["code", str(folder), "--project", str(project), "--no-cache", "--jobs", "1",
                                 "--no-similarity"])
    assert result.exit_code == 1, result.output
    assert "b" in result.output and "a bug while storing" in result.output and "could not be stored" in result.output
    assert "2 documents added" in result.output and "1 not stored" in result.output
    with qc.open_project(project) as opened:
        assert opened.documents()["document"].tolist() == ["a", "c"]
        assert set(opened.codings()["document"]) == {"a", "c"}
    monkeypatch.setattr(Project, "_write_document", real)  # the next run stores it
    again = runner.invoke(app, ["code", str(folder), "--project", str(project), "--no-cache", "--jobs", "1",
                                "--no-similarity"])
    assert again.exit_code == 0 and "1 documents added" in again.output, again.output


@pytest.mark.parametrize("version", ["9" * 5000, "1e400"])
@pytest.mark.parametrize("command", [["report", "--project", "{p}", "--out", "{o}.html"],
                                     ["project", "codes", "{p}"]])
def test_a_huge_version_in_a_stored_codebook_is_named_with_status_1(tmp_path, version, command):
    """A project whose stored codebook says ``"version": 999…`` (5,000 digits: more than Python's int() reads)
    or 1e400 (infinity) is damaged: a clear error naming the file, exit 1, never a bug (issue 14, item 12)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD_EN, encoding="utf-8")
    path = tmp_path / "study.qcproj"
    with qc.open_project(path) as opened:
        opened.code(qc.Coder(similarity=False), qc.read_corpus(folder))
    db = sqlite3.connect(path)
    (content,) = db.execute("SELECT content FROM codebooks").fetchone()
    damaged = content.replace('"version": "1"', f'"version": {version}', 1)
    assert damaged != content
    db.execute("UPDATE codebooks SET content = ?", (damaged,))
    db.commit()
    db.close()
    result = runner.invoke(app, [p.replace("{p}", str(path)).replace("{o}", str(tmp_path / "r")) for p in command])
    if command[0] == "project":  # listing codes reads no codebook content: it must still work
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1, result.output
    assert f"{path}: " in result.output and "codebook" in result.output and "bug" not in result.output
    assert not (tmp_path / "r.html").exists()
