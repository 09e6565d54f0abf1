"""What the command shows a person (issue 21): tables without NaN or None, help that names what each option
and argument takes (no '<bool>' after a flag, no Python types), on every command."""

from __future__ import annotations

import re

import typer
from conftest import SAMPLES
from typer.testing import CliRunner

from qualcode.cli.app import app

runner = CliRunner()


def _commands(command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if hasattr(command, "list_commands"):  # a group (Typer's own click)
        context = command.make_context("qualcode", [], resilient_parsing=True)
        for name in command.list_commands(context):
            found += _commands(command.get_command(context, name), (*path, name))
    return found


def test_every_help_names_values_in_words_not_python_types():
    paths = _commands(typer.main.get_command(app))
    assert ("project", "review-export") in paths and ("codebook", "check") in paths
    for path in paths:
        shown = runner.invoke(app, [*path, "--help"]).output
        assert "Usage:" in shown, path
        python_types = re.findall(r"<(?:bool|str|int|float|path|file|list\[[^>]*\]|int range)>", shown)
        assert not python_types, (path, python_types)
        assert not re.search(r"\{[a-z_]+\}", shown), (path, shown)  # arguments in capitals, as click writes them
    code = runner.invoke(app, ["code", "--help"]).output
    assert "--svg " in code and "--debug" in runner.invoke(app, ["--help"]).output
    assert "--coder NAME" in runner.invoke(app, ["report", "--help"]).output
    assert "{FILE} {SHEET}" in runner.invoke(app, ["project", "review-export", "--help"]).output


def test_load_table_has_no_nan_or_none():
    """A .docx or .pdf has no text encoding: the column was printed NaN."""
    result = runner.invoke(app, ["load", str(SAMPLES / "fr_association_clas.docx"), str(SAMPLES / "fr_mediatrice.TextGrid")])
    assert result.exit_code == 0, result.output
    assert "fr_association_clas" in result.output and "utf-8" in result.output
    assert not re.search(r"\b(NaN|None|nan|<NA>)\b", result.output), result.output


def test_code_says_which_outputs_it_wrote(tmp_path):
    """The summary named '.png' charts only, with --svg too, and neither run.json nor theme_by_<attribute>."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("I: Do parents come?\nR: Hardly any parents come, we have no time.\n", encoding="utf-8")
    (tmp_path / "attributes.csv").write_text("document,role\na,teacher\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["code", str(folder), "--out", str(out), "--svg", "--no-similarity", "--no-cache",
                                 "--attributes", str(tmp_path / "attributes.csv"), "--by", "role"])
    assert result.exit_code == 0, result.output
    said = result.output.split("Outputs written to", 1)[1]
    for name in ("theme_by_role", "theme_heatmap", ".png", ".svg", "report.html", "run.json", "errors"):
        assert name in said, (name, said)
