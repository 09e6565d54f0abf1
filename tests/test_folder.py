"""``qc.code_folder`` is ``qualcode code`` as a library call: the same output folder, the same project."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import qualcode as qc
from qualcode.cli.app import app
from qualcode.model.errors import OutputError

FR = "Travail avec le PRE mais manque de pérennité car changements d’interlocuteur fréquents.\n" \
     "Les parents ne viennent jamais aux réunions.\n"
EN = "I: Do parents come?\nR: Hardly any parents come to the coffee mornings, we have no time.\n"


def _bytes(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def interviews(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "fr.txt").write_text(FR, encoding="utf-8")
    (folder / "en.txt").write_text(EN, encoding="utf-8")
    (folder.parent / "attributes.csv").write_text("document,role\nfr,director\nen,parent\n", encoding="utf-8")
    return folder


def test_code_folder_writes_what_the_command_writes(interviews, tmp_path):
    attributes = tmp_path / "attributes.csv"
    run = qc.code_folder(interviews, out=tmp_path / "lib", project=tmp_path / "lib.qcproj", attributes=attributes,
                         by=["role"], jobs=1)
    assert run.complete and run.out == tmp_path / "lib" and run.project.added == ["en", "fr"]
    command = CliRunner().invoke(app, ["code", str(interviews), "--out", str(tmp_path / "cli"), "--project",
                                       str(tmp_path / "cli.qcproj"), "--attributes", str(attributes), "--by", "role",
                                       "--no-cache"])
    assert command.exit_code == 0, command.output
    assert _bytes(tmp_path / "lib") == _bytes(tmp_path / "cli")
    with qc.open_project(tmp_path / "lib.qcproj") as one, qc.open_project(tmp_path / "cli.qcproj") as two:
        columns = ["document", "coder", "code", "start", "end", "rule"]
        assert one.codings(placed_only=False)[columns].equals(two.codings(placed_only=False)[columns])


def test_code_folder_checks_before_reading(interviews, tmp_path):
    with pytest.raises(ValueError, match="out="):
        qc.code_folder(interviews)
    with pytest.raises(OutputError):
        qc.code_folder(interviews, out=interviews)
    with pytest.raises(qc.CodebookError):
        qc.code_folder(interviews, out=tmp_path / "o", codebook=tmp_path / "missing.yml")
    assert not (tmp_path / "o").exists()


def test_an_unreadable_file_is_recorded_and_the_others_coded(interviews, tmp_path):
    (interviews / "empty.txt").write_bytes(b"")
    run = qc.code_folder(interviews, out=tmp_path / "o", jobs=1)
    assert not run.complete and [e.kind for e in run.corpus.errors] == ["empty"]
    assert run.result.documents == ["en", "fr"]


def test_an_unknown_by_attribute_names_the_flag_in_the_command(interviews, tmp_path):
    """The command printed "The 'attribute' parameter of theme_by_attribute must be ...": a Python call."""
    run = CliRunner().invoke(app, ["code", str(interviews), "--out", str(tmp_path / "out"), "--by", "rle",
                                   "--attributes", str(tmp_path / "attributes.csv"), "--no-cache"])
    assert run.exit_code == 2
    assert "--by rle: no transcript has this attribute; give one of language, role with --by" in run.output
    assert "parameter" not in run.output and not (tmp_path / "out").exists()
