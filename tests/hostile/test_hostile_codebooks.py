"""Hostile codebooks through the command: each bad codebook is refused with its problem named, before
anything is read or written; a 10,000-code codebook loads fast.

The messages of the YAML cases of ``tests/test_codebook.py`` (invalid YAML, duplicate ids, cycles, unknown
parents, empty rules, invalid and catastrophic regexes, punctuation-only terms...) are checked there on
:func:`read_codebook`; here every one of them, and the wrong types and spreadsheet cases below, goes
through ``qualcode codebook check`` and ``qualcode code --codebook``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from bad_inputs import GOOD, png
from cli_child import install
from test_codebook import BAD
from test_hostile_inputs import child_env, run_cli, tree
from typer.testing import CliRunner

from qualcode.cli.app import app
from qualcode.ingest.codebook_io import read_codebook

runner = CliRunner()

CODE = "version: 1\ncodes:\n  - id: a\n"
RULES = CODE + "    rules:\n      en:\n"
# name -> (file content, a fragment of the expected problem)
WRONG_TYPES = {
    "top-list.yml": ("- a\n- b\n", "must be a mapping with 'version' and 'codes'"),
    "top-scalar.yml": ("just words\n", "must be a mapping"),
    "empty.yml": ("", "is empty"),
    "comments-only.yml": ("# nothing here\n", "must be a mapping"),
    "codes-mapping.yml": ("version: 1\ncodes: {a: 1}\n", "non-empty 'codes' list"),
    "version-list.yml": ("version: [1]\ncodes:\n  - id: a\n", "version [1] must be a number"),
    "version-empty.yml": ("version:\ncodes:\n  - id: a\n", "version None must be a number"),
    "name-list.yml": ("version: 1\nname: [x]\ncodes:\n  - id: a\n", "'name' must be text"),
    "id-number.yml": ("version: 1\ncodes:\n  - id: 12\n", "invalid code id 12"),
    "code-string.yml": ("version: 1\ncodes: [a, b]\n", "each code must be a mapping"),
    "parent-list.yml": (CODE + "    parent: [b]\n  - id: b\n", "parent ['b'] must be the id of another code"),
    "parent-mapping.yml": (CODE + "    parent: {x: 1}\n", "must be the id of another code"),
    "examples-number.yml": (CODE + "    examples: 5\n", "'examples' must be a list of texts"),
    "code-name-list.yml": (CODE + "    name: [x, y]\n", "'name' must be text, or a mapping of languages"),
    "definition-nested.yml": (CODE + "    definition: {en: [x]}\n", "'definition' must be text"),
    "field-number.yml": ("version: 1\ncodes:\n  - {1: a, id: a}\n", "unknown key 1 in a code"),
    "rules-list.yml": (CODE + "    rules: [en]\n", "'rules' must map languages"),
    "terms-string.yml": (RULES + "        terms: word\n", "'terms' must be a list; got str"),
    "terms-nested.yml": (RULES + "        terms: [[x]]\n", "has no letter or digit"),
    "terms-punctuation.yml": (RULES + "        terms: ['!!!', '…', '--']\n", "'!!!' in 'en' has no letter or digit"),
    "window-text.yml": (RULES + "        near: [{id: n, words: [[a], [b]], window: '4'}]\n", "window '4' must"),
    "window-boolean.yml": (RULES + "        near: [{id: n, words: [[a], [b]], window: true}]\n", "window True must"),
    "regex-number.yml": (RULES + "        regex: [{pattern: 5}]\n", "a regex must be a non-empty string"),
    "regex-id-list.yml": (RULES + "        regex: [{pattern: 'ab+c', id: [1]}]\n", "regex rule id [1] must be text"),
    "regex-ambiguous.yml": (RULES + "        regex: ['(e|ee)+z']\n", "can backtrack catastrophically"),
    "regex-huge-repeat.yml": (RULES + "        regex: ['a{4000000000}']\n", "repeats something 4,000,000,000 times"),
    "pattern-id-number.yml": (RULES + "        patterns: [{id: 5, pattern: [{LOWER: a}]}]\n", "has no 'id'"),
    "language-number.yml": (CODE + "    rules:\n      1: {terms: [x]}\n", "rules language 1 is not one qualcode codes in"),
    "color-number.yml": (CODE + "    color: 0x123456\n", "is not of the form '#RRGGBB'"),
    "python-tag.yml": ("version: 1\ncodes: !!python/object/apply:os.system ['echo hi']\n", "is not valid YAML"),
    "alias-bomb.yml": (
        "a: &a [x,x,x,x,x,x,x,x,x]\n"
        + "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdef", "bcdefg", strict=True))
        + "version: 1\ncodes: *g\n",
        "each code must be a mapping",
    ),
    "binary.yml": (png(), "is not a text file: it looks like a PNG image"),
    "utf16.yml": (None, ""),  # written below: a valid codebook saved as UTF-16 is read
    "empty.csv": ("", "is empty"),
    "image.csv": (png(), "PNG image"),
    "no-code-column.csv": ("name,terms\nTime,temps\n", "needs a 'code' column"),
    "bad-json.csv": ("code,patterns_en\na,[{not json\n", "is not valid JSON"),
    "ragged.csv": ("code,terms_en\na,x,y,z\n", "more field(s) than the header"),
    "catastrophic.csv": ("code,regex_en\na,(x+x+)+y\n", "backtrack catastrophically"),
    "unknown-suffix.json": ("{}", "unknown codebook format '.json'"),
}
CASES = {**{f"{name}.yml": (text, expected) for name, (text, expected, _) in BAD.items()}, **WRONG_TYPES}
CASES = {name: case for name, case in CASES.items() if name != "utf16.yml"}


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


@pytest.fixture
def transcripts(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    GOOD["good fr.txt"](folder / "fr.txt")
    return folder


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_bad_codebook_is_refused_before_anything_is_written(tmp_path, transcripts, name):
    content, expected = CASES[name]
    book = write(tmp_path / name, content)
    before = tree(tmp_path)
    check = runner.invoke(app, ["codebook", "check", str(book)])
    assert check.exit_code == 1, check.output
    assert str(book) in check.output and expected in check.output, check.output
    assert len(check.output) < 20_000, "a hostile codebook must not make a huge message"
    out = tmp_path / "out"
    coded = runner.invoke(app, ["code", str(transcripts), "--codebook", str(book), "--out", str(out)])
    assert coded.exit_code == 2, coded.output
    assert str(book) in coded.output and expected in coded.output
    assert not out.exists() and tree(tmp_path) == before, "nothing may be written for a refused codebook"


def test_a_valid_codebook_in_utf16_is_read(tmp_path):
    book = tmp_path / "utf16.yml"
    book.write_bytes(("\ufeff" + RULES + "        terms: [temps]\n").encode("utf-16-le"))
    assert read_codebook(book).ids == ["a"]


def test_an_unreadable_or_missing_codebook_is_a_usage_error(tmp_path, transcripts):
    book = write(tmp_path / "locked.yml", RULES + "        terms: [temps]\n")
    restore = install(json.loads(json.dumps([["unreadable", str(book)]])))
    try:
        locked = runner.invoke(app, ["code", str(transcripts), "--codebook", str(book), "--out", str(tmp_path / "o")])
    finally:
        restore()
    assert locked.exit_code == 2 and "cannot be read (Permission denied)" in locked.output
    missing = runner.invoke(app, ["codebook", "check", str(tmp_path / "nowhere.yml")])
    assert missing.exit_code == 1 and "nowhere.yml: cannot be read" in missing.output


def big_codebook(size: int = 10_000) -> dict:
    codes = []
    for i in range(size):
        code = {"id": f"code{i:05d}", "name": {"fr": f"Code {i}", "en": f"Code {i}"},
                "rules": {"fr": {"terms": [f"mot{i}", f"terme{i} composé"]},
                          "en": {"terms": [f"word{i}"], "near": [{"id": f"n{i}", "words": [[f"a{i}"], [f"b{i}"]]}]}}}
        if i >= 10:
            code["parent"] = f"code{i // 10:05d}"
        if i % 10 == 0:
            code["rules"]["any"] = {"regex": [rf"\bcode{i}\w*\b"]}
        codes.append(code)
    return {"version": 1, "name": "big", "codes": codes}


def _dump(data: dict) -> str:
    """Block-style YAML, written by libyaml's emitter (PyYAML's own took most of this test's time)."""
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True)


def test_a_large_codebook_loads_and_validates_in_linear_time(tmp_path):
    """5,000 codes cost about five times 1,000 (a quadratic check would cost 25 times): a ratio within one
    run, not a clock limit (10,000 codes are timed in benchmarks/codebook_scale.py)."""
    costs = {}
    for size in (1_000, 5_000):
        path = tmp_path / f"big{size}.yml"
        path.write_text(_dump(big_codebook(size)), encoding="utf-8")
        started = time.perf_counter()
        book = read_codebook(path)
        costs[size] = time.perf_counter() - started
        assert len(book) == size and book.codes[-1].parent == f"code{(size - 1) // 10:05d}"
    assert costs[5_000] < 12 * costs[1_000], f"1,000 codes: {costs[1_000]:.1f} s, 5,000: {costs[5_000]:.1f} s"
    broken = big_codebook(5_000)
    broken["codes"][2500]["parent"] = "nowhere"
    broken["codes"][3500]["rules"]["en"]["terms"] = ["?!"]
    path.write_text(_dump(broken), encoding="utf-8")
    check = runner.invoke(app, ["codebook", "check", str(path)])
    assert check.exit_code == 1 and "2 problems" in check.output, check.output[:500]


def test_bad_codebooks_through_the_real_command_print_no_traceback(tmp_path, transcripts):
    env = child_env(tmp_path)
    for name in ("cycle.yml", "catastrophic-regex.yml", "alias-bomb.yml", "parent-list.yml", "image.csv"):
        content, expected = CASES[name]
        book = write(tmp_path / name, content)
        run = run_cli(["code", str(transcripts), "--codebook", str(book), "--out", str(tmp_path / "out")], env)
        assert run.returncode == 2, run.stderr
        assert expected in run.stderr and "Traceback" not in run.stderr + run.stdout
        assert not (tmp_path / "out").exists()
