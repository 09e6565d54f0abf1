"""PDF reader: the text layer, cleaned of page furniture and re-joined into paragraphs.

Uses pdfplumber (on pdfminer.six) rather than pypdf. On the real transcripts (MAXQDA exports), pypdf puts
a tab between every two words, moves the margin paragraph numbers to the end of each page and gives no
layout, so paragraphs can only be guessed from speaker labels. pdfplumber gives words with positions:
spaces come out right, margin numbers are recognised by where they stand (left of the text column),
text printed outside the page is dropped, and paragraph breaks come from vertical gaps between lines.
Once cleaned, both find about as many of the 262 human-coded segments (pypdf 254, pdfplumber 256);
pdfplumber wins on structure (P1 comes out as exactly its 95 numbered paragraphs), at about twice
pypdf's time (some 0.25 s a page).

Page numbers (``1/5``, ``Page 1 of 5``, ``- 3 -``, a lone number) at the top or bottom of a page, headers
and footers repeated on most pages, and a line repeated at the top of the next page are dropped. Lines
are then grouped into paragraphs (a vertical gap, a speaker label after a finished sentence, a short
line ending a sentence before a page break) and re-joined with :func:`qualcode.ingest.normalize.join_lines`.
"""

from __future__ import annotations

import re
import statistics
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from qualcode.ingest.normalize import join_lines
from qualcode.ingest.speakers import parse_label
from qualcode.model.errors import CorruptFileError, EmptyFileError, ReadError, TooLargeError
from qualcode.model.transcript import Block, RawDocument

__all__ = ["read_pdf"]

_PAGE_NUMBER = re.compile(
    r"^(?:(?:page|p\.|seite|pagina|página)\s*)?\d{1,4}(?:\s*(?:/|of|sur|de|von|di)\s*\d{1,4})?$"
    r"|^[-–—]\s*\d{1,4}\s*[-–—]$",
    re.IGNORECASE,
)
_SPEAKER = re.compile(r"^[A-ZÀ-Þ][\w'’.-]*(?:[ \t][\w'’.-]+){0,3}[ \t]*:(?:\s|$)")
_SENTENCE_END = re.compile(r"[.?!…:][\"'”’»)\]]*$")
_FURNITURE_LINES = 2  # lines at the top and bottom of a page that may be headers, footers or page numbers
_REPEATED_SHARE = 0.6
_RESAVE = "Open it in a PDF viewer and print or export it again as PDF, or export the transcript as .docx."


@dataclass
class _Line:
    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    page: int


def read_pdf(path: Path) -> RawDocument:
    """Read a PDF's text layer into paragraphs (one block each)."""
    path = Path(path)
    pages = _extract(path)
    if not any(pages):
        raise ReadError(
            path,
            "has no text layer (it is probably a scanned image).",
            "Run OCR on it first, e.g. `ocrmypdf --force-ocr in.pdf out.pdf`, then read the new file.",
        )
    lines = _drop_furniture(pages)
    blocks = [
        Block(join_lines([line.text for line in group]), kind="paragraph") for group in _paragraphs(lines)
    ]
    return RawDocument(blocks=blocks, format="pdf", wrapped=False, metadata={"pages": len(pages)})


def _extract(path: Path) -> list[list[_Line]]:
    """The lines of each page, margin numbers and text outside the page removed."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if not head.strip():
        raise EmptyFileError(path, "is empty.", "Check that you exported the right file.")
    if b"%PDF-" not in head:
        raise CorruptFileError(path, "is not a PDF file (no %PDF header).", _RESAVE)
    try:
        with _inflation_budget(path), pdfplumber.open(path) as pdf:
            pages = [_page_rows(page) for page in pdf.pages]
    except TooLargeError:
        raise
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, TooLargeError):  # pdfplumber wraps what pdfminer raised
            raise cause from exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise ReadError(
                path,
                "is protected by a password.",
                "Remove the password (open it with the password, save an unprotected copy), then read that.",
            ) from exc
        raise CorruptFileError(path, f"is a damaged PDF ({cause!r}).", _RESAVE) from exc
    except Exception as exc:  # pdfminer raises many unrelated types on damaged files
        raise CorruptFileError(path, f"is a damaged PDF ({exc!r}).", _RESAVE) from exc
    return _lines(pages)


MAX_INFLATED = 256 * 2**20  # bytes all of a PDF's compressed streams may inflate to (qualcode.ingest.readers.MAX_FILE)


class _Inflater:
    """Stands for :mod:`zlib` in pdfminer while one PDF is read: the same ``decompress``, within a budget."""

    error = zlib.error
    decompressobj = staticmethod(zlib.decompressobj)

    def __init__(self, path: Path, budget: int) -> None:
        self.path, self.left = path, budget

    def decompress(self, data: bytes, wbits: int = zlib.MAX_WBITS, bufsize: int = zlib.DEF_BUF_SIZE) -> bytes:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(data, self.left + 1)
        if len(out) <= self.left and not inflater.unconsumed_tail:
            out += inflater.flush()
        if len(out) > self.left or inflater.unconsumed_tail:
            raise TooLargeError(
                self.path,
                f"holds compressed content that inflates to more than {MAX_INFLATED // 2**20} MB: a forged file "
                "(a 'decompression bomb'), or not a transcript.",
                "Check where the file comes from; export the transcript again as PDF, or as .docx or .txt.",
            )
        self.left -= len(out)
        return out


@contextmanager
def _inflation_budget(path: Path) -> Iterator[None]:
    """While a PDF is read, its streams inflate to at most :data:`MAX_INFLATED` in all (a 1 MB file can state
    1 GB of content, which pdfminer would build in memory): pdfminer's zlib is the guarded one."""
    from pdfminer import pdftypes

    real = pdftypes.zlib
    pdftypes.zlib = _Inflater(path, MAX_INFLATED)  # type: ignore[assignment]
    try:
        yield
    finally:
        pdftypes.zlib = real


Row = list[dict[str, Any]]


def _page_rows(page: Any) -> list[Row]:
    """Words of one page grouped into rows, top to bottom; words outside the page are dropped."""
    words = [
        w
        for w in page.extract_words(x_tolerance=1.5, y_tolerance=3)
        if w["bottom"] > 0 and w["top"] < page.height and w["x1"] > 0 and w["x0"] < page.width
    ]
    rows: list[Row] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if rows and word["top"] - rows[-1][0]["top"] < max(2.0, 0.5 * (word["bottom"] - word["top"])):
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w["x0"]) for row in rows]


def _lines(pages: list[list[Row]]) -> list[list[_Line]]:
    """Rows as lines, without line or paragraph numbers printed in the margin left of the text column."""
    starts = Counter(round(row[0]["x0"]) for page in pages for row in page if not row[0]["text"].isdigit())
    left = starts.most_common(1)[0][0] if starts else 0
    lines: list[list[_Line]] = []
    for number, page in enumerate(pages):
        rows = [row[1:] if row[0]["text"].isdigit() and row[0]["x1"] < left - 1 else row for row in page]
        lines.append([_line(row, number) for row in rows if row])
    return lines


def _line(words: Row, page: int) -> _Line:
    return _Line(
        text=" ".join(w["text"] for w in words),
        top=min(w["top"] for w in words),
        bottom=max(w["bottom"] for w in words),
        x0=words[0]["x0"],
        x1=words[-1]["x1"],
        page=page,
    )


def _drop_furniture(pages: list[list[_Line]]) -> list[_Line]:
    """All lines of all pages, without page numbers, repeated headers/footers and carried-over lines."""
    repeated = _repeated(pages)
    lines: list[_Line] = []
    for page in pages:
        edge = {id(line) for line in page[:_FURNITURE_LINES] + page[-_FURNITURE_LINES:]}
        for line in page:
            if id(line) in edge and (_PAGE_NUMBER.match(line.text) or _furniture_key(line) in repeated):
                continue
            if line.top < 0 and lines and lines[-1].text == line.text and lines[-1].page == line.page - 1:
                continue  # the last line of the previous page, printed again above this one
            lines.append(line)
    return lines


def _furniture_key(line: _Line) -> tuple[str, int]:
    return re.sub(r"\d+", "#", line.text.lower()), round(line.top / 3)


def _repeated(pages: list[list[_Line]]) -> set[tuple[str, int]]:
    """Header and footer lines: the same text (digits aside) at the same height on most pages."""
    if len(pages) < 2:
        return set()
    counts = Counter(
        key
        for page in pages
        for key in {_furniture_key(line) for line in page[:_FURNITURE_LINES] + page[-_FURNITURE_LINES:]}
    )
    return {key for key, n in counts.items() if n >= 2 and n >= _REPEATED_SHARE * len(pages)}


def _same_size(a: _Line, b: _Line) -> bool:
    """Whether two lines have about the same height (a heading's font is larger than the body's)."""
    return abs((a.bottom - a.top) - (b.bottom - b.top)) <= 0.2 * max(a.bottom - a.top, b.bottom - b.top)


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    """Group lines into paragraphs: at a vertical gap, a speaker label after a finished sentence, a timestamped
    speaker label or one alone on its line anywhere, after a label alone on its line, or at a page break
    after a short line."""
    if not lines:
        return []
    height = statistics.median(line.bottom - line.top for line in lines)
    pitches = sorted(b.top - a.top for a, b in pairwise(lines) if a.page == b.page and b.top > a.top)
    pitch = pitches[len(pitches) // 10] if pitches else height
    gap = max(1.5 * height, 1.3 * pitch)
    right = sorted(line.x1 for line in lines)[int(0.95 * (len(lines) - 1))]
    left = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
    short = left + 0.8 * (right - left)
    groups: list[list[_Line]] = [[lines[0]]]
    label = parse_label(lines[0].text)
    for previous, line in pairwise(lines):
        ended = bool(_SENTENCE_END.search(previous.text))
        same_page = line.page == previous.page
        new = line.top - previous.top > gap if same_page else ended and previous.x1 < short
        new = new or not _same_size(previous, line)
        alone = label is not None and label.content >= len(previous.text.rstrip())  # a label on its own line
        label = parse_label(line.text)
        # "[36:53] RESEARCHER:" or "RESEARCHER:" alone on its line starts a turn wherever it is
        sure = label is not None and (label.time is not None or label.content >= len(line.text.rstrip()))
        if new or alone or sure or (_SPEAKER.match(line.text) and (ended or previous.x1 < short)):
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups
