"""Review sheets: export, fill as a reviewer would, read back exactly; bad sheets refused whole."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.model.cells import restore
from qualcode.project.review import (
    ReviewSheetError,
    export_review_sheet,
    read_review_sheet,
)

openpyxl = pytest.importorskip("openpyxl")

CODES = ["santé", "travail", "famille"]
SEGMENTS = pd.DataFrame(
    {
        "document": ["entretien_é", "entretien_é", "entretien_é", "p02", "p02"],
        "segment_id": [0, 1, 2, 0, 1],
        "unit": "paragraph",
        "speaker": ["I", "P", None, "P", "P"],
        "section": ["Travail", "Travail", "Santé", None, None],
        "text": [
            "=SUM(A1) n'est pas une formule",
            "Là, j'ai été malade ; vraiment",
            "deux\nlignes",
            'des "guillemets"',
            "fin",
        ],
    }
)
AUTO = pd.DataFrame(
    {
        "document": ["entretien_é", "p02", "p02"],
        "segment_id": [1, 0, 0],
        "code": ["santé", "travail", "famille"],
        "coder": "auto:default",
    }
)
KNOWN = {"entretien_é": {0, 1, 2}, "p02": {0, 1}}


def read(path, **kwargs):
    return read_review_sheet(path, coder="marie", known_documents=KNOWN, known_codes=set(CODES), **kwargs)


def load(path: Path) -> list[list]:
    """The sheet's cells, header first, as Python values."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return list(csv.reader(f))
    wb = openpyxl.load_workbook(path)
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def fill(path: Path, edits: dict[tuple[int, str], object]) -> None:
    """Set cells by (sheet row number, column name), as a reviewer would, keeping the file's format."""
    if path.suffix == ".csv":
        rows = load(path)
        for (row, column), value in edits.items():
            rows[row - 1][rows[0].index(column)] = "" if value is None else str(value)
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(rows)
        return
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    header = [c.value for c in ws[1]]
    for (row, column), value in edits.items():
        ws.cell(row=row, column=header.index(column) + 1).value = value  # cell(value=None) keeps the old one
    wb.save(path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_prefills_the_automatic_codes(tmp_path, suffix):
    path = tmp_path / f"review{suffix}"
    export_review_sheet(SEGMENTS, AUTO, path, codes=CODES)
    rows = load(path)
    assert rows[0] == [
        "document",
        "segment_id",
        "unit",
        "speaker",
        "section",
        "text",
        *CODES,
        "reviewed",
        "comment",
    ]
    marks = [[c or None for c in row[6:9]] for row in rows[1:]]
    assert marks == [[None] * 3, ["1", None, None], [None] * 3, [None, "1", "1"], [None] * 3] or marks == [
        [None] * 3,
        [1, None, None],
        [None] * 3,
        [None, 1, 1],
        [None] * 3,
    ]
    texts = [row[5] for row in rows[1:]]
    if suffix == ".csv":  # a spreadsheet must not run a text as a formula: a leading quote, read back off
        assert texts[0].startswith("'=SUM(A1)")
        texts = [restore(t) for t in texts]
    assert texts == SEGMENTS["text"].tolist()  # text kept as text, formula or not
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left


def test_csv_has_a_byte_order_mark_and_excel_options(tmp_path):
    path = tmp_path / "r.csv"
    export_review_sheet(SEGMENTS, AUTO, path, codes=CODES, documents=["p02"], delimiter=";")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfdocument;segment_id;")
    assert data.count(b"\n") == 3


def test_xlsx_layout(tmp_path):
    path = tmp_path / "r.xlsx"
    export_review_sheet(SEGMENTS, AUTO, path, codes=CODES)
    ws = openpyxl.load_workbook(path).active
    assert ws.freeze_panes == "A2"
    assert all(c.font.bold for c in ws[1])
    assert ws["F2"].alignment.wrap_text and ws.column_dimensions["F"].width >= 60
    assert ws.column_dimensions["G"].width < 10
    assert ws["F2"].data_type == "s"
    (check,) = ws.data_validations.dataValidation
    assert check.formula1 == '"1,x,0"' and str(check.sqref) == "G2:I6"


def test_export_rejects_bad_parameters(tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.csv or \.xlsx"):
        export_review_sheet(SEGMENTS, AUTO, tmp_path / "r.ods", codes=CODES)
    with pytest.raises(ValueError, match="'codes' parameter"):
        export_review_sheet(SEGMENTS, AUTO, tmp_path / "r.csv", codes=["text"])
    with pytest.raises(ValueError, match="'nope'"):
        export_review_sheet(SEGMENTS, AUTO, tmp_path / "r.csv", codes=CODES, documents=["nope"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip(tmp_path, suffix):
    path = tmp_path / f"review{suffix}"
    export_review_sheet(SEGMENTS, AUTO, path, codes=CODES)
    fill(
        path,
        {
            (2, "reviewed"): "x",
            (2, "famille"): "X",  # reviewed, one code added
            (3, "reviewed"): "Oui",
            (3, "santé"): None,
            (3, "comment"): "pas de santé ici",  # code removed
            (4, "santé"): 1,  # not reviewed: ignored
            (5, "reviewed"): "TRUE",
            (5, "travail"): "0",
        },
    )
    sheet = read(path)
    assert sheet.codings.to_dict("records") == [
        {
            "document": "entretien_é",
            "segment_id": 0,
            "unit": "paragraph",
            "code": "famille",
            "coder": "marie",
        },
        {"document": "p02", "segment_id": 0, "unit": "paragraph", "code": "famille", "coder": "marie"},
    ]
    assert sheet.reviewed == {("entretien_é", 0), ("entretien_é", 1), ("p02", 0)}
    assert sheet.uncoded == {("entretien_é", 1)}
    assert sheet.codes == tuple(CODES)
    assert sheet.comments.to_dict("records") == [
        {"document": "entretien_é", "segment_id": 1, "comment": "pas de santé ici"}
    ]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [
        ("cp1252", ";", b""),
        ("utf-8", ";", b""),
        ("utf-8", ",", b"\xef\xbb\xbf"),
        ("utf-8", "\t", b""),
        ("utf-16", "\t", b""),
    ],
)
def test_excel_csv_variants(tmp_path, encoding, delimiter, bom):
    header = [
        "document",
        "segment_id",
        "unit",
        "speaker",
        "section",
        "text",
        "santé",
        "travail",
        "reviewed",
        "comment",
    ]
    rows = [
        header,
        ["entretien_é", "1", "paragraph", "P", "", "Là, j'ai été malade", "x", "", "oui", "déjà vu"],
        ["p02", "0", "paragraph", "P", "", "texte", "", "", "VRAI", ""],
        ["p02", "1", "paragraph", "P", "", "", "1", "", "", ""],
    ]
    text = (
        "\r\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in row) for row in rows) + "\r\n"
    )
    path = tmp_path / "french.csv"
    path.write_bytes(bom + text.encode(encoding))
    sheet = read(path)
    assert sheet.codings[["document", "segment_id", "code"]].values.tolist() == [["entretien_é", 1, "santé"]]
    assert sheet.uncoded == {("p02", 0)}
    assert sheet.comments["comment"].tolist() == ["déjà vu"]


BAD = {
    "unknown code column": (
        {(1, "comment"): "sante"},
        1,
        "K",
        "'sante' is not a code of the codebook; did you mean 'santé'?",
    ),
    "unknown document": ({(3, "document"): "p03"}, 3, "A", "unknown document 'p03'; did you mean 'p02'?"),
    "unknown segment": ({(4, "segment_id"): 9}, 4, "B", "document 'entretien_é' has no segment 9"),
    "malformed segment id": ({(2, "segment_id"): "deux"}, 2, "B", "segment_id must be a whole number"),
    "malformed code cell": (
        {(5, "travail"): "oui"},
        5,
        "H",
        "'oui' is not allowed: a code cell must be 1 or x",
    ),
    "malformed reviewed": ({(6, "reviewed"): "ok"}, 6, "J", "'ok' is not allowed: reviewed must be"),
    "duplicate row": (
        {(6, "document"): "p02", (6, "segment_id"): 0},
        6,
        "B",
        "duplicate row: segment 0 of 'p02' is already on row 5",
    ),
}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("kind", list(BAD))
def test_bad_sheet_is_refused_whole(tmp_path, suffix, kind):
    edits, row, letter, message = BAD[kind]
    path = tmp_path / f"review{suffix}"
    export_review_sheet(SEGMENTS, AUTO, path, codes=CODES)
    fill(path, {**{(r, "reviewed"): "x" for r in range(2, 7)}, **edits})
    with pytest.raises(ReviewSheetError) as error:
        read(path)
    problems = error.value.problems
    assert [(p.row, p.letter) for p in problems] == [(row, letter)], problems
    assert message in problems[0].message
    assert f"row {row}" in str(error.value) and "nothing was imported" in str(error.value)


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "review.xlsx"
    export_review_sheet(SEGMENTS, AUTO, path, codes=CODES)
    fill(path, {edit: value for edits, *_ in BAD.values() for edit, value in edits.items()})
    with pytest.raises(ReviewSheetError) as error:
        read(path)
    assert [(p.row, p.letter) for p in error.value.problems] == [
        (1, "K"),
        (2, "B"),
        (3, "A"),
        (4, "B"),
        (5, "H"),
        (6, "B"),
        (6, "J"),
    ]


def test_missing_columns(tmp_path):
    path = tmp_path / "review.csv"
    path.write_text("document,segment_id,santé\np02,0,1\n", encoding="utf-8")
    with pytest.raises(ReviewSheetError) as error:
        read(path)
    assert [(p.row, p.column, p.message) for p in error.value.problems] == [
        (1, "unit", "required column is missing"),
        (1, "reviewed", "required column is missing"),
    ]


def test_unreadable_files(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"not a zip")
    (tmp_path / "b.csv").write_bytes(b"")
    for name, message in [
        ("a.xlsx", r"not a readable \.xlsx file"),
        ("b.csv", "the sheet is empty"),
        ("c.ods", r"must be a \.csv or \.xlsx"),
        ("d.csv", "cannot read the file"),
    ]:
        with pytest.raises(ReviewSheetError, match=message):
            read(tmp_path / name)


cell = st.sampled_from(["1", "x", "X", "0", "", None])
mark = st.sampled_from(["1", "x", "yes", "OUI", "True", "", "0", "non", None])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from([".csv", ".xlsx"]), data=st.data())
def test_random_fills_round_trip(suffix, data):
    segments = SEGMENTS.iloc[: data.draw(st.integers(1, len(SEGMENTS)))]
    codes = data.draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))
    fills = {(r, c): data.draw(cell) for r in range(2, len(segments) + 2) for c in codes}
    reviews = {(r, "reviewed"): data.draw(mark) for r in range(2, len(segments) + 2)}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"review{suffix}"
        export_review_sheet(segments, AUTO, path, codes=codes)
        fill(path, {**fills, **reviews})
        sheet = read(path)
    keys = list(zip(segments["document"], segments["segment_id"], strict=True))
    done = {
        keys[r - 2] for (r, _), v in reviews.items() if (v or "").lower() in {"1", "x", "yes", "oui", "true"}
    }
    expected = [
        (*keys[r - 2], c) for (r, c), v in fills.items() if keys[r - 2] in done and v in {"1", "x", "X"}
    ]
    assert sheet.reviewed == done
    assert sorted(map(tuple, sheet.codings[["document", "segment_id", "code"]].values.tolist())) == sorted(
        expected
    )
    assert sheet.uncoded == done - {(d, s) for d, s, _ in expected}


def test_reviewed_row_needs_its_unit_and_errors_are_qualcode_errors(tmp_path):
    from qualcode.model.errors import QualcodeError

    assert issubclass(ReviewSheetError, QualcodeError)
    path = tmp_path / "review.csv"
    export_review_sheet(SEGMENTS, AUTO, path, codes=CODES)
    fill(path, {(2, "reviewed"): "x", (2, "unit"): ""})
    with pytest.raises(ReviewSheetError, match=r"row 2, column C \('unit'\): a reviewed row needs its unit"):
        read(path)


def test_csv_sheet_neutralises_formulas_and_reads_them_back_exactly(tmp_path):
    """A text starting with = (or +, -, @) would run as a formula when the CSV is opened in Excel
    (=HYPERLINK(...&A1) sends the sheet away): it gets a leading quote, which reading the sheet removes."""
    path = tmp_path / "review.csv"
    export_review_sheet(SEGMENTS, AUTO, path, codes=CODES)
    assert all(not cell.startswith(("=", "+", "@")) for row in load(path) for cell in row)
    fill(path, {(2, "reviewed"): "x", (2, "comment"): "'=pas une formule non plus"})
    texts = {(d, s): t for d, s, t in SEGMENTS[["document", "segment_id", "text"]].itertuples(index=False)}
    sheet = read(path, known_texts=texts)  # the text cell matches its segment: the round trip is exact
    assert sheet.reviewed == {("entretien_é", 0)}
    assert sheet.comments["comment"].tolist() == ["=pas une formule non plus"]


def test_a_sheet_claiming_the_whole_grid_is_read_in_proportion_to_its_cells(tmp_path):
    """One space typed in cell XFD1048576: openpyxl padded every row to 16,384 cells and the sheet to a
    million rows (45 s, 5.5 GB)."""
    import time

    path = tmp_path / "review.xlsx"
    export_review_sheet(SEGMENTS, AUTO, path, codes=CODES)
    wb = openpyxl.load_workbook(path)
    wb.active["XFD1048576"] = " "
    wb.save(path)
    started = time.perf_counter()
    sheet = read(path)
    assert time.perf_counter() - started < 15  # about 0.5 s
    assert sheet.reviewed == frozenset()
