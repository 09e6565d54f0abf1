"""``qualcode export`` and ``qualcode import`` end to end, through the real app and Typer's test runner."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import require_shared
from refi_build import build_study, copy_of, file_hash, make_qdpx
from typer.testing import CliRunner

from qualcode.cli.app import app
from qualcode.project.store import open_project

runner = CliRunner()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_study(tmp_path_factory.mktemp("template") / "study.qualcode")


def run(*args: str, code: int = 0):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def test_export_then_import_into_a_new_project(template, tmp_path):
    study = copy_of(template, tmp_path)
    xsd = require_shared("refi-qda/Project-mrt2019.xsd")
    out = run("export", "--project", study, "--format", "qdpx", "--positions", "nvivo", "--schema", xsd,
              tmp_path / "study.qdpx").output
    assert "3 sources, 4 codes, 3 users" in out and "positions in UTF-16 units (NVivo)" in out
    assert "Left out: 1 rejections, 1 stale codings, 1 unplaced codings." in out
    assert zipfile.ZipFile(tmp_path / "study.qdpx").namelist()[0] == "project.qde"
    out = run("import", tmp_path / "study.qdpx", "--project", tmp_path / "copy.qualcode").output
    assert "3 sources added" in out and "Positions read as UTF-16 units (NVivo)" in out
    with open_project(tmp_path / "copy.qualcode") as project:
        assert len(project.documents()) == 3


def test_codebook_export_from_a_project_or_a_codebook_file_and_import(template, tmp_path):
    study = copy_of(template, tmp_path)
    xsd = require_shared("refi-qda/Codebook-mrt2019.xsd")
    assert "4 codes written" in run("export", "--project", study, "--schema", xsd, tmp_path / "codes.qdc").output
    book = tmp_path / "book.yml"
    book.write_text("version: 1\nname: b\ncodes:\n  - id: accueil\n    name: Accueil\n  - id: merci\n"
                    "    parent: accueil\n", encoding="utf-8")
    assert "2 codes written" in run("export", "--codebook", book, "--format", "qdc", tmp_path / "b.qdc").output
    out = run("import", tmp_path / "b.qdc", "--project", tmp_path / "new.qualcode").output
    assert "2 codes added" in out
    assert "valid codebook 'b'" in run("codebook", "check", tmp_path / "b.qdc").output


def test_a_refused_archive_exits_1_and_creates_no_project(tmp_path):
    archive = make_qdpx(tmp_path / "bad.qdpx", "<Project")
    result = run("import", archive, "--project", tmp_path / "new.qualcode", code=1)
    assert f"error: {archive}: entry 'project.qde' is not well-formed XML" in result.output
    assert not (tmp_path / "new.qualcode").exists()


def test_a_refused_archive_leaves_an_existing_project_unchanged(template, tmp_path):
    study = copy_of(template, tmp_path)
    before = file_hash(study)
    with zipfile.ZipFile(tmp_path / "evil.qdpx", "w") as z:
        z.writestr("project.qde", "<Project/>")
        z.writestr("../../evil.txt", "x")
    result = run("import", tmp_path / "evil.qdpx", "--project", study, code=1)
    assert "'../../evil.txt' points outside the archive" in result.output
    assert file_hash(study) == before


@pytest.mark.parametrize(("args", "message"), [
    (["export", "out.txt", "--project", "{study}"], "--format qdpx, qdc or csv"),
    (["export", "out.qdpx"], "give --project FILE"),
    (["export", "out.qdpx", "--project", "{study}", "--codebook", "{study}"], "not both"),
    (["import", "file.csv", "--project", "p.qualcode"], "give a .qdpx project or a .qdc codebook"),
    (["import", "missing.qdpx", "--project", "p.qualcode"], "no such file"),
])
def test_usage_errors_exit_2(template, tmp_path, args, message):
    study = copy_of(template, tmp_path)
    result = run(*[a.format(study=study) for a in args], code=2)
    assert message in result.output


def test_help_lists_the_commands():
    out = run("--help").output
    assert "export" in out and "import" in out


def test_a_codebook_exports_as_the_tag_description_csv_taguette_imports(tmp_path):
    import csv

    book = tmp_path / "book.yml"
    book.write_text("version: 1\ncodes:\n  - id: parents\n    name: Parents\n    definition: '=families'\n"
                    "  - id: absent\n    name: Absent\n    parent: parents\n", encoding="utf-8")
    run = runner.invoke(app, ["export", str(tmp_path / "tags.csv"), "--codebook", str(book)])
    assert run.exit_code == 0, run.output
    with open(tmp_path / "tags.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["tag", "description"], ["Parents", "'=families"], ["Parents/Absent", ""]]
