"""The CLI's messages name commands and flags, never the Python calls the library's messages name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_project_io import BOOK, TEXTS
from typer.testing import CliRunner

import qualcode as qc
from qualcode.cli.app import app
from qualcode.cli.words import cli_words
from qualcode.ingest.structure import build_transcript
from qualcode.model.transcript import Block, RawDocument

runner = CliRunner()
LIBRARY_ONLY = {"Project.open(path)"}  # a project used unopened: the CLI always opens it
PYTHON = re.compile(r"\w\(\)|\bProject\.|\bqc\.|\w+=True|The '\w+' parameter")


@pytest.fixture
def study(tmp_path) -> str:
    path = tmp_path / "study.qualcode"
    with qc.open_project(path) as project:
        project.code(qc.Coder(BOOK), [build_transcript(RawDocument([Block(t)], "txt"), d, language="fr")
                                      for d, t in TEXTS.items()])
    return str(path)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["project", "code", "{p}", "d9", "temps", "--coder", "m", "--segment", "1"],
         "Add documents with qualcode code PATH --project {p}"),
        (["project", "code", "{p}", "d1", "temps", "--coder", "m", "--segment", "9"],
         "List them with qualcode project segments {p} 'd1' --unit paragraph"),
        (["project", "code", "{p}", "d1", "tmps", "--coder", "m", "--segment", "1"], "give --new-code"),
        (["project", "uncode", "{p}", "d1", "temps", "--coder", "m", "--segment", "1"],
         "qualcode project codings {p} --coder 'm'"),
        (["project", "accept", "{p}", "999", "--coder", "m"], "from qualcode project codings {p}."),
        (["project", "review-export", "{p}", "{tmp}/sheet.csv", "--coder", "m", "--code", "zzz"],
         "List them with qualcode project codes {p}."),
    ],
)  # fmt: skip
def test_commands_name_commands_and_flags_not_python_calls(study, tmp_path, args, says):
    result = runner.invoke(app, [a.format(p=study, tmp=tmp_path) for a in args])
    assert result.exit_code == 1, result.output
    assert says.format(p=study) in result.stderr
    assert not PYTHON.search(result.stderr), result.stderr


def test_parameters_become_their_flags():
    said = cli_words("The 'attribute' parameter of theme_by_attribute must be a column; pass new_code=True or "
                     "pass coder=NAME. Add documents with Project.add_documents() or Project.code(). The 'jobs' "
                     "parameter must be 0.")
    assert said == ("The option --by must be a column; give --new-code or give --coder NAME. Add documents with "
                    "qualcode code PATH --project FILE. The option --jobs must be 0.")


def test_a_report_without_an_automatic_run_asks_for_the_coder_flag(tmp_path):
    path = tmp_path / "hand.qualcode"
    with qc.open_project(path) as project:
        project.add_documents([build_transcript(RawDocument([Block(TEXTS["d1"])], "txt"), "d1", language="fr")])
        project.add_coding("d1", "temps", coder="marie", start=0, end=5, new_code=True)
    result = runner.invoke(app, ["report", "--project", str(path), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1 and "no automatic coder has run; give --coder NAME." in result.stderr


def test_every_python_call_in_a_library_message_has_its_command():
    """Each `Project.x(...)` a library message (reachable from the CLI) names is translated."""
    root = Path(__file__).resolve().parents[1] / "qualcode"
    named = set()
    for path in [*(root / "project").glob("*.py"), *(root / "exchange").glob("*.py")]:
        if path.name == "widget.py":  # the widget's messages are shown in Jupyter, where Python is the language
            continue
        for literal in re.findall(r'f?"([^"\n]*)"', path.read_text(encoding="utf-8")):
            named.update(re.findall(r"Project\.\w+\((?:[^()]|\{[^}]*\})*\)", literal))
    assert named
    for call in named - LIBRARY_ONLY:
        sample = re.sub(r"\{[^}]*\}", "'x'", call)
        assert "Project." not in cli_words(sample), f"{call} has no command in qualcode/cli/words.py"
