"""Property tests on hostile data: the readers, the codebook loader and the review-sheet importer.

Whatever the bytes or the data, each either succeeds with its invariants (offsets that slice the text, a
valid codebook, a sheet applied) or fails with qualcode's own error and changes nothing; no other
exception. A few dozen examples each, so the whole file runs in well under 30 s.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.ingest.codebook_io import codebook_from_dict, read_codebook
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Rules
from qualcode.model.errors import CodebookError, ReadError
from qualcode.model.transcript import Block, RawDocument
from qualcode.project.review import ReviewSheetError
from qualcode.project.reviewing import export_review, import_review
from qualcode.project.store import ProjectError, open_project

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# --- readers ----------------------------------------------------------------------------------------------

SPEECH = st.sampled_from(["I: ", "P1 : ", "Directrice : ", "Interviewer: ", "", "", "# ", "- "])
LINE = st.builds(lambda who, said: who + said, SPEECH, st.text(max_size=60))
TEXTS = st.one_of(st.text(max_size=300), st.lists(LINE, max_size=12).map("\n".join))
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"])


def check_offsets(t: qc.Transcript) -> None:
    text = t.text
    assert "\x00" not in text and not any("\ud800" <= c <= "\udfff" for c in text)
    for span in t.spans:
        assert 0 <= span.start <= span.end <= len(text), span
    covered = set()
    for span in t.spans:
        if span.kind in ("paragraph", "label", "heading"):
            assert text[span.start : span.end].strip(), span
            covered.update(range(span.start, span.end))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())
    for unit in ("paragraph", "sentence", "turn"):
        for segment in t.segments(unit):
            assert text[segment.start : segment.end] == segment.text


def read(work: Path, data: bytes, suffix: str) -> qc.Transcript | None:
    path = work / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        return qc.read_transcript(path)
    except ReadError as error:
        assert error.path == str(path) and error.problem
        return None


@FUZZ
@given(text=TEXTS, encoding=ENCODINGS, suffix=st.sampled_from([".txt", ".md"]))
def test_any_text_in_any_encoding_reads_with_offsets_that_slice_back(work, text, encoding, suffix):
    t = read(work, text.encode(encoding, errors="replace"), suffix)
    if t is not None:
        check_offsets(t)
    elif encoding.startswith("utf") and suffix == ".txt" and any(c.isalnum() for c in text) and not any(
        unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n\r" for c in text
    ) and _detectable(text, encoding):
        pytest.fail(f"readable {encoding} text refused: {text!r}")


def _detectable(text: str, encoding: str) -> bool:
    """UTF-16 without a byte-order mark is told from binary only as Latin-script text looks: two code units or
    more, over 70% of them below U+0100 (a NUL high byte). « Ā » alone is the bytes 00 01 in UTF-16-LE, which
    are also U+0001 in UTF-16-BE: nothing can tell which it is (hypothesis found it)."""
    if encoding not in ("utf-16-le", "utf-16-be"):
        return True
    units = len(text.encode(encoding)) // 2
    latin = sum(1 for c in text if "\x01" <= c <= "\xff")
    return units >= 2 and latin > 0.7 * units


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".md", ".srt", ".vtt", ".TextGrid", ".rtf"]))
def test_any_bytes_give_a_transcript_or_a_read_error(work, data, suffix):
    t = read(work, data, suffix)
    if t is not None:
        check_offsets(t)


@FUZZ
@given(head=st.text(max_size=80), tail=st.binary(max_size=80), nuls=st.integers(0, 3000))
def test_damaged_utf8_is_read_with_its_text_and_a_warning(work, head, tail, nuls):
    data = ("Interviewer: " + head).encode("utf-8") + tail + bytes(nuls)
    t = read(work, data, ".txt")
    if t is not None:
        check_offsets(t)
        assert "Interviewer" in t.text
        if nuls:
            assert any("NUL character" in w for w in t.metadata["warnings"]), t.metadata["warnings"]


# --- codebooks --------------------------------------------------------------------------------------------

KEYS = ["version", "codes", "id", "name", "parent", "rules", "fr", "en", "any", "terms", "patterns", "near",
        "regex", "exclude", "words", "window", "pattern", "LOWER", "LEMMA", "OP", "IN", "color", "examples"]
SCALARS = (st.none() | st.booleans() | st.integers(-3, 40) | st.floats(allow_nan=False, width=16)
           | st.text(max_size=8) | st.sampled_from(["a", "b", "trust", "#00ff00", "(a+)+", "x*", "?", "*", "a|b"]))
DATA = st.deferred(lambda: SCALARS | st.lists(DATA, max_size=4)
                   | st.dictionaries(st.sampled_from(KEYS) | SCALARS, DATA, max_size=5))
CODE = st.fixed_dictionaries({"id": st.sampled_from(["a", "b", "c"]) | SCALARS},
                             optional={k: DATA for k in ("name", "parent", "rules", "color", "examples")})
BOOKS = DATA | st.fixed_dictionaries({"version": SCALARS, "codes": st.lists(CODE | DATA, max_size=4)})


@FUZZ
@given(data=BOOKS)
def test_any_data_makes_a_codebook_or_a_codebook_error(data):
    try:
        book = codebook_from_dict(data, source="fuzz.yml")
    except CodebookError as error:
        assert error.problems and len(str(error)) < 50_000
        return
    assert len(book) == len(data["codes"]) and book.hash


@FUZZ
@given(data=BOOKS)
def test_any_yaml_file_makes_a_codebook_or_a_codebook_error(work, data):
    path = work / "fuzz.yml"
    try:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    except yaml.YAMLError:
        return
    try:
        read_codebook(path)
    except CodebookError as error:
        assert all(p.path == str(path) for p in error.problems)


@FUZZ
@given(text=st.text(max_size=200))
def test_any_text_as_a_yaml_or_csv_codebook(work, text):
    for suffix in (".yml", ".csv"):
        path = work / f"fuzz{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            read_codebook(path)
        except CodebookError as error:
            assert error.problems


# --- review sheets ----------------------------------------------------------------------------------------

BOOK = qc.Codebook("t", [qc.Code("turnover", rules={"fr": Rules(terms=("interlocuteur",))}),
                         qc.Code("temps", rules={"fr": Rules(terms=("durée",))})])
TRANSCRIPTS = {
    "d1": "I: Comment ça se passe ?\n\nP: Les interlocuteurs changent.\n\nP: Il faudrait agir dans la durée.",
    "d2": "P: Un interlocuteur unique, enfin.\n\nP: Une action dans la durée.",
}
CELLS = st.sampled_from(["", "1", "x", "0", "oui", "yes", "no", "2", "X ", "1.0", "d1", "d3", "-1", "99",
                         "paragraph", "sentence", "=1+1", "\x00", "é", "1;x"]) | st.text(max_size=6)


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    path = root / "study.qualcode"
    with open_project(path) as project:
        project.code(qc.Coder(BOOK), [build_transcript(RawDocument([Block(t)], "txt"), d, language="fr")
                                      for d, t in TRANSCRIPTS.items()])
        export_review(project, root / "sheet.csv", coder="marie")
    with open(root / "sheet.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return {"root": root, "project": path, "rows": rows}


def dump(path: Path) -> dict[str, list]:
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        db.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(marks=st.lists(st.tuples(st.integers(1, 5), st.sampled_from(["", "x", "1"]), st.sampled_from(["", "x"])),
                     max_size=5),
       edits=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 12), CELLS), max_size=4),
       extra=st.lists(st.lists(CELLS, max_size=10), max_size=1), drop=st.sets(st.integers(0, 11), max_size=1))
def test_any_review_sheet_is_applied_whole_or_refused_leaving_the_project_unchanged(review, marks, edits, extra, drop):
    rows = [list(r) for r in review["rows"]]
    header = rows[0]
    for row_index, turnover, temps in marks:  # a reviewer's work...
        row = rows[row_index % len(rows)] if row_index % len(rows) else rows[1]
        row[header.index("reviewed")] = "oui"
        row[header.index("turnover")], row[header.index("temps")] = turnover, temps
    rows += extra  # ... and what can go wrong in a spreadsheet

    for row_index, column, value in edits:
        row = rows[row_index % len(rows)]
        if row:
            row[column % len(row)] = value
    rows = [[c for i, c in enumerate(r) if i not in drop] for r in rows]
    sheet = review["root"] / "fuzz.csv"
    with open(sheet, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    path = review["root"] / "fuzz.qualcode"
    shutil.copy(review["project"], path)
    before = dump(path)
    try:
        with open_project(path) as project:
            summary = import_review(project, sheet, coder="marie")
    except (ReviewSheetError, ProjectError) as error:
        event("refused")
        assert str(error)
        assert dump(path) == before, "a refused sheet changed the project"
        return
    event(f"applied ({'changed' if summary.changed else 'unchanged'})")
    after = dump(path)
    assert summary.reviewed >= 0
    assert after["documents"] == before["documents"]
    with open_project(path) as project:
        again = import_review(project, sheet, coder="marie")
    assert dump(path)["codings"] == after["codings"], "importing the same sheet twice changed it again"
    assert again.added == 0
