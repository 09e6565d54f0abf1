"""README's claims about installing and about what 'qualcode code' writes, against the files (issue 21)."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT

import qualcode as qc

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _row(command: str) -> list[str]:
    """The cells of the Commands table's row for ``command``."""
    line = next(line for line in README.splitlines() if line.startswith(f"| `{command}`"))
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


def _section(title: str) -> str:
    return README.split(f"### {title}\n", 1)[1].split("\n#", 1)[0]


def test_the_outputs_readme_names_are_the_files_code_writes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("I: Do parents come?\nR: Hardly any parents come, we have no time.\n", encoding="utf-8")
    attributes = tmp_path / "attributes.csv"
    attributes.write_text("document,role\na,teacher\n", encoding="utf-8")
    out = tmp_path / "out"
    qc.code_folder(folder, out=out, attributes=attributes, by=["role"], charts=("png", "svg"), similarity=False, jobs=1)
    outputs = _row("qualcode code PATH... --out DIR")[3]
    named = {n.replace("<attribute>", "role") for n in re.findall(r"`([\w<>]+\.(?:csv|png|json|html))`", outputs)}
    assert "(and `.svg` with `--svg`)" in outputs
    named |= {n.replace(".png", ".svg") for n in named if n.endswith(".png")}
    assert named == {p.name for p in out.iterdir()}


def test_the_columns_readme_lists_are_the_columns_written(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("R: Hardly any parents come, we have no time.\n", encoding="utf-8")
    out = tmp_path / "out"
    qc.code_folder(folder, out=out, similarity=True, jobs=1)
    bullets = dict(re.findall(r"^- `(\w+\.csv)`: (.*?)(?=^- `|\Z)", _section("Output tables"), re.S | re.M))
    assert {"segments.csv", "codings.csv", "evidence.csv", "errors.csv"} <= set(bullets)
    for name in ("segments.csv", "codings.csv", "evidence.csv", "errors.csv"):
        header = (out / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        said = set(re.findall(r"\w+", " ".join(re.findall(r"`([^`]*)`", bullets[name], re.S))))
        assert set(header) <= said, (name, set(header) - said)


def test_install_notes_match_pyproject():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert '`.venv/bin/pip install -e ".[jupyter]"`' in README  # how to open the notebooks
    assert any(d.startswith("jupyterlab") for d in extras["jupyter"])
    formats = README.split("## Formats read", 1)[1].split("\n## ", 1)[0]
    assert "| `.pdf` | pdfplumber" in formats and "pypdf" not in formats  # the reader qualcode uses
