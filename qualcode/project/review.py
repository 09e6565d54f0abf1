"""Review sheets: automatic codes exported to a spreadsheet, checked by a person, read back as their codings.

One row per segment: ``document, segment_id, unit, speaker, section, text``, one column per code (``1`` =
coded, empty = not), then ``reviewed`` and ``comment``. The reviewer marks a code cell with ``1`` or ``x``
(coded) or ``0``/empty (not coded), and a row as reviewed with ``1``, ``x``, ``yes``, ``oui`` or ``true``.
Only reviewed rows are read back. A sheet is read whole or not at all: every problem is reported at once,
with its row as the spreadsheet shows it (header = row 1) and its column.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.model.cells import neutralise, restore
from qualcode.model.errors import QualcodeError
from qualcode.model.files import write_atomic_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ReviewSheet", "ReviewSheetError", "SheetProblem", "export_review_sheet", "read_review_sheet"]

LEADING = ["document", "segment_id", "unit", "speaker", "section", "text"]
TRAILING = ["reviewed", "comment"]
REQUIRED = ["document", "segment_id", "unit", "reviewed"]
CODING_COLUMNS = ["document", "segment_id", "unit", "code", "coder"]
_YES = {"1", "x", "yes", "oui", "true", "vrai"}
_NO = {"", "0", "no", "non", "false", "faux"}
_CODED, _NOT_CODED = {"1", "x"}, {"", "0"}
_ALLOWED = {  # keyed by "is it the reviewed column"
    False: "a code cell must be 1 or x (coded), or 0 or empty (not coded)",
    True: "reviewed must be 1, x, yes, oui or true (reviewed), or 0, no or empty (not reviewed)",
}
_XLSX_MAX_CELL = 32767


@dataclass(frozen=True)
class SheetProblem:
    """One problem of a review sheet: its row (header = 1) and column where known."""

    message: str
    row: int | None = None
    column: str | None = None
    letter: str | None = None

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row is not None else []
        if self.column is not None:
            where.append(
                f"column {self.letter} ({self.column!r})" if self.letter else f"column {self.column!r}"
            )
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ReviewSheetError(QualcodeError):
    """A review sheet cannot be read. ``problems`` lists every problem found; nothing was imported."""

    def __init__(self, path: str | os.PathLike[str], problems: Sequence[SheetProblem], shown: int = 50) -> None:
        self.path = str(path)
        self.problems = list(problems)
        count = len(self.problems)
        lines = [
            f"{self.path}: the review sheet has {count} problem{'s' if count != 1 else ''}; "
            "nothing was imported. Fix them and read the sheet again:"
        ]
        lines += [f"  - {p}" for p in self.problems[:shown]]
        if count > shown:
            lines.append(f"  ... and {count - shown} more (see the error's .problems)")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class ReviewSheet:
    """A review sheet read back.

    ``codings``: the reviewer's codings (``document, segment_id, unit, code, coder``) on reviewed rows;
    ``reviewed``: every reviewed (document, segment_id), coded or not; ``codes``: the code columns the sheet
    has (a reviewed row without a mark in one of them rejects that code there); ``comments``: ``document,
    segment_id, comment`` of reviewed rows with a comment.
    """

    codings: pd.DataFrame
    reviewed: frozenset[tuple[str, int]]
    codes: tuple[str, ...]
    comments: pd.DataFrame

    @property
    def uncoded(self) -> frozenset[tuple[str, int]]:
        """The reviewed rows the reviewer left without any code ("no code here")."""
        coded = set(zip(self.codings["document"], self.codings["segment_id"], strict=True))
        return frozenset(self.reviewed - coded)


# --- export ------------------------------------------------------------------------------------------


def export_review_sheet(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    codes: Sequence[str],
    documents: Iterable[str] | None = None,
    coder: str | None = None,
    delimiter: str = ",",
) -> None:
    """Write a review sheet of ``segments``, prefilled with ``codings``, to a .csv or .xlsx file.

    Parameters
    ----------
    segments : ``document, segment_id, unit, speaker, section, text``, one row per segment.
    codings : ``document, segment_id, code`` (and ``coder``): the codes to prefill.
    path : ``.xlsx`` (bold frozen header, wrapped text, a 1/x/0 list on code cells) or ``.csv`` (UTF-8 with
        a byte-order mark, so that Excel shows accents right). Written atomically.
    codes : the code columns, in order.
    documents : the documents to include, by default all.
    coder : prefill with this coder's codings only; by default with all of ``codings``.
    delimiter : of the CSV; ``";"`` for Excel set to French (or another comma-decimal locale).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(
            f"The 'path' parameter of export_review_sheet must end in .csv or .xlsx. "
            f"Got {str(path)!r} instead."
        )
    codes = list(codes)
    clashes = sorted({c for c in codes if c in LEADING + TRAILING or codes.count(c) > 1})
    if not codes or clashes:
        raise ValueError(
            "The 'codes' parameter of export_review_sheet must be distinct code ids other "
            f"than {', '.join(LEADING + TRAILING)}. Got {codes!r} instead."
        )
    if documents is not None:
        documents = list(documents)
        unknown = sorted(set(documents) - set(segments["document"]))
        if unknown:
            raise ValueError(
                f"The 'documents' parameter of export_review_sheet names documents without "
                f"segments: {', '.join(map(repr, unknown))}."
            )
        segments = segments[segments["document"].isin(documents)]
    if coder is not None and "coder" in codings:
        codings = codings[codings["coder"] == coder]
    marked = set(
        zip(codings["document"], (int(s) for s in codings["segment_id"]), codings["code"], strict=True)
    )
    header = LEADING + codes + TRAILING
    rows = []
    seg: Any  # a row of the segments table
    for seg in segments.itertuples(index=False):
        key = (seg.document, int(seg.segment_id))
        cells = [seg.document, key[1], *(_text(getattr(seg, c, "")) for c in LEADING[2:])]
        rows.append(cells + [1 if (*key, c) in marked else None for c in codes] + [None, None])
    if suffix == ".csv":
        _atomic_write(path, lambda tmp: _write_csv(tmp, header, rows, delimiter))
    else:
        _atomic_write(path, lambda tmp: _write_xlsx(tmp, header, rows, len(codes)))


def _text(value: Any) -> str:
    import pandas as pd

    return "" if pd.isna(value) else str(value)


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename it over ``path``."""
    write_atomic_path(path, write)


def _write_csv(path: Path, header: list[str], rows: list[list[Any]], delimiter: str) -> None:
    """The sheet as CSV for a spreadsheet: a text cell that would run as a formula gets a leading quote
    (:mod:`qualcode.model.cells`); reading the sheet back removes it, so the round trip is exact."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows([neutralise(v) for v in row] for row in rows)


def _write_xlsx(path: Path, header: list[str], rows: list[list[Any]], n_codes: int) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    assert ws is not None, "a new workbook has a sheet"
    ws.title = "review"
    ws.append(header)
    for values in rows:
        ws.append(
            [ILLEGAL_CHARACTERS_RE.sub("", v)[:_XLSX_MAX_CELL] if isinstance(v, str) else v for v in values]
        )
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, even for a text that starts with "="
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column == LEADING.index("text") + 1)
    first, last = len(LEADING) + 1, len(LEADING) + n_codes
    for cell in ws[1]:
        cell.font = Font(bold=True)
        if cell.column is not None and first <= cell.column <= last:
            cell.alignment = Alignment(text_rotation=90, horizontal="center")
    widths = dict(zip(LEADING + TRAILING, [18, 10, 10, 14, 20, 80, 10, 40], strict=True))
    for i, name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 5 if first <= i <= last else widths[name]
    ws.freeze_panes = "A2"
    if rows:
        check = DataValidation(
            type="list",
            formula1='"1,x,0"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Code cell",
            error="Type 1 or x (coded), 0 or nothing (not coded).",
        )
        check.add(f"{get_column_letter(first)}2:{get_column_letter(last)}{len(rows) + 1}")
        ws.add_data_validation(check)
    wb.save(path)


# --- reading -----------------------------------------------------------------------------------------


def read_review_sheet(
    path: str | os.PathLike[str],
    *,
    coder: str,
    known_documents: Mapping[str, Iterable[int]],
    known_codes: Iterable[str],
    known_texts: Mapping[tuple[str, int], str] | None = None,
) -> ReviewSheet:
    """Read a filled review sheet back as ``coder``'s codings on its reviewed rows.

    With ``known_texts`` ((document, segment_id) -> current segment text), a reviewed row whose ``text``
    cell no longer matches its segment (the document was edited after the sheet was exported) is refused,
    so that no mark lands on the wrong passage.

    Parameters
    ----------
    path : ``.xlsx``/``.xlsm`` (first sheet), or ``.csv`` separated by commas, semicolons or tabs, in UTF-8
        (with or without a byte-order mark), UTF-16 with a byte-order mark, or Windows-1252.
    coder : the reviewer, written in the ``coder`` column of the codings.
    known_documents : each known document's segment ids.
    known_codes : the codebook's code ids; any other column but the fixed ones is an error.

    Raises
    ------
    ReviewSheetError : listing every problem (unknown code column, unknown document or segment, a value
        that is not 1/x/0/empty, a duplicate row, a missing column); nothing is returned then. Cells are
        checked on every row, reviewed or not: a stray value usually means a forgotten ``reviewed`` mark.
    """
    import pandas as pd

    path = Path(path)
    header, records = _load(path)
    known = {d: set(map(int, ids)) for d, ids in known_documents.items()}
    problems, columns, codes = _check_header(header, records, set(known_codes))
    seen: dict[tuple[str, int], int] = {}
    codings, reviewed, comments = [], set(), []
    for number, cells in records:
        row = {name: cells[i] for name, i in columns.items()}
        key = _check_keys(row, number, columns, known, problems)
        if key in seen:
            message = f"duplicate row: segment {key[1]} of {key[0]!r} is already on row {seen[key]}"
            problems.append(_problem(message, number, "segment_id", columns))
        elif key is not None:
            seen[key] = number
        flags = {c: _flag(row[c], c == "reviewed") for c in ["reviewed", *codes] if c in row}
        problems += [
            _problem(f"{row[c]!r} is not allowed: {_ALLOWED[c == 'reviewed']}", number, c, columns)
            for c, flag in flags.items()
            if flag is None
        ]
        if not flags.get("reviewed") or key is None:
            continue
        unit = row.get("unit", "").strip()
        if not unit and "unit" in row:
            problems.append(_problem("a reviewed row needs its unit", number, "unit", columns))
        if known_texts is not None and "text" in row and not _same_text(row["text"], known_texts.get(key, "")):
            message = (f"the text of segment {key[1]} of {key[0]!r} changed since the sheet was exported; "
                       "export a new sheet and copy your marks to it")
            problems.append(_problem(message, number, "text", columns))
        reviewed.add(key)
        codings += [(*key, unit, c, coder) for c in codes if flags[c]]
        if row.get("comment", "").strip():
            comments.append((*key, row["comment"].strip()))
    if problems:
        raise ReviewSheetError(path, sorted(problems, key=lambda p: p.row or 0))
    frame = pd.DataFrame(codings, columns=CODING_COLUMNS).astype({"segment_id": "int64"})
    notes = pd.DataFrame(comments, columns=["document", "segment_id", "comment"]).astype(
        {"segment_id": "int64"}
    )
    return ReviewSheet(frame, frozenset(reviewed), tuple(codes), notes)


def _same_text(cell: str, current: str) -> bool:
    """Whitespace aside; a cell cut at Excel's 32,767-character limit matches the text it starts."""
    a, b = " ".join(cell.split()), " ".join(current.split())
    return a == b or (len(cell) >= 32_000 and b.startswith(a))


def _problem(message: str, row: int | None, column: str | None, columns: Mapping[str, int]) -> SheetProblem:
    return SheetProblem(message, row, column, _letter(columns[column]) if column is not None and column in columns else None)


def _letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_header(
    header: list[str], records: list[tuple[int, list[str]]], known_codes: set[str]
) -> tuple[list[SheetProblem], dict[str, int], list[str]]:
    """Problems of the header row, each named column's index, and the code columns in sheet order."""
    problems: list[SheetProblem] = []
    columns: dict[str, int] = {}
    codes: list[str] = []
    for i, name in enumerate(header):
        letter = _letter(i)
        if not name:
            if any(cells[i].strip() for _, cells in records):
                problems.append(SheetProblem("this column has values but no header", 1, "", letter))
        elif name in columns:
            problems.append(
                SheetProblem(
                    f"the column appears twice (also column {_letter(columns[name])})", 1, name, letter
                )
            )
        elif name in LEADING or name in TRAILING or name in known_codes:
            columns[name] = i
            codes += [name] if name in known_codes and name not in LEADING + TRAILING else []
        else:
            close = difflib.get_close_matches(name, sorted(known_codes), n=3)
            hint = (
                f"; did you mean {' or '.join(map(repr, close))}?"
                if close
                else ("; rename it to a code id or delete the column")
            )
            problems.append(SheetProblem(f"{name!r} is not a code of the codebook{hint}", 1, name, letter))
    problems += [
        SheetProblem("required column is missing", 1, name) for name in REQUIRED if name not in columns
    ]
    return problems, columns, codes


def _check_keys(
    row: dict[str, str],
    number: int,
    columns: Mapping[str, int],
    known: dict[str, set[int]],
    problems: list[SheetProblem],
) -> tuple[str, int] | None:
    """The row's (document, segment_id) if both are valid; else record why."""
    document, raw = row.get("document", "").strip(), row.get("segment_id", "").strip()
    segment_id = _integer(raw)
    if "segment_id" in columns and segment_id is None:
        problems.append(
            _problem(f"segment_id must be a whole number; got {raw!r}", number, "segment_id", columns)
        )
    if "document" not in columns:
        return None
    if document not in known:
        close = difflib.get_close_matches(document, list(known), n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        problems.append(_problem(f"unknown document {document!r}{hint}", number, "document", columns))
        return None
    if segment_id is not None and segment_id not in known[document]:
        ids = known[document]
        span = f" (its segments are {min(ids)} to {max(ids)})" if ids else " (it has no segments)"
        problems.append(
            _problem(
                f"document {document!r} has no segment {segment_id}{span}", number, "segment_id", columns
            )
        )
        return None
    return None if segment_id is None else (document, segment_id)


def _integer(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def _flag(value: str, reviewed: bool) -> bool | None:
    """True for a yes value, False for a no value, None for anything else."""
    value = value.strip().lower()
    value = {"1.0": "1", "0.0": "0"}.get(value, value)
    yes, no = (_YES, _NO) if reviewed else (_CODED, _NOT_CODED)
    return True if value in yes else False if value in no else None


def _load(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-empty rows (with their row number, header = 1), every cell as text.

    Work is in proportion to the cells that hold something: a sheet whose stated size is the whole grid (one
    space typed in cell XFD1048576) is not padded out to its 17 billion cells.
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ReviewSheetError(path, [SheetProblem("a review sheet must be a .csv or .xlsx file")])
    try:
        rows = _xlsx_rows(path) if suffix != ".csv" else _csv_rows(path.read_bytes())
        table = [(number, cells) for number, cells in rows if number == 1 or any(c.strip() for c in cells)]
    except OSError as e:
        raise ReviewSheetError(path, [SheetProblem(f"cannot read the file: {e.strerror or e}")]) from e
    except Exception as e:  # openpyxl and zipfile raise many kinds on a damaged file
        raise ReviewSheetError(path, [SheetProblem(f"not a readable {suffix} file ({e})")]) from e
    if not table or table[0][0] != 1:
        raise ReviewSheetError(path, [SheetProblem("the sheet is empty: it needs a header row", 1)])
    header = [c.strip() for c in table[0][1]]
    while header and not header[-1]:
        header.pop()
    records = [(i, [c for c in cells]) for i, cells in table[1:]]
    for _, cells in records:  # cells past the header only where a row holds something there
        while len(cells) > len(header) and not cells[-1].strip():
            cells.pop()
    width = max([len(header), *(len(cells) for _, cells in records)])
    header += [""] * (width - len(header))
    return header, [(i, cells + [""] * (width - len(cells))) for i, cells in records]


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    header = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=header.count)  # French Excel writes ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number, row in enumerate(reader, start=1):
        yield number, [restore(cell) for cell in row]  # a text cell neutralised against formulas, as it was


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = wb.worksheets[0]
        sheet.reset_dimensions()  # the rows the file holds, not the size it claims
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number == 1 or any(v is not None for v in row):
                yield number, [_cell(v) for v in row]
    finally:
        wb.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
