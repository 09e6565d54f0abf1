"""The bad-input corpus of the hostile suite, generated in a folder (no binary blobs are committed).

Each :class:`BadInput` writes one file (or folder, or link) and states what qualcode must make of it:
either an error of a given kind whose message names the file and says what to do, or a transcript read
with a given warning. ``tests/hostile/test_hostile_*.py`` run them one by one through
:func:`qualcode.read_transcript`, and all together, mixed with good files, through the real
``qualcode code`` command in a child process.

Faults that need root to stage with permissions (an unreadable file, a file deleted between listing and
reading, an unreadable folder) are *injected*: :mod:`cli_child` makes ``open`` or ``os.scandir`` raise
for the paths named in ``QUALCODE_TEST_FAULTS``.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GOOD_FR = (
    "Intervieweuse : Comment se passe la relation avec les familles ?\n\n"
    "Directrice : Les parents nous font confiance, mais il faut du temps pour construire ce lien. "
    "Chaque année l'équipe change et tout est à refaire.\n\n"
    "Intervieweuse : Et les délais ?\n\n"
    "Directrice : On attend toujours les réponses, c'est long, très long.\n"
)
GOOD_EN = (
    "Interviewer: How do families get involved?\n\n"
    "Teacher: Parents trust us, but it takes time to build that trust. Staff turnover is high, every year "
    "new teachers arrive and leave.\n\n"
    "Interviewer: And the waiting?\n\n"
    "Teacher: We are always waiting for answers, it takes months.\n"
)
RTL_EMOJI = (
    "Interviewer 👩🏽‍🏫: مرحبا، how do parents 👨‍👩‍👧 get involved?\n\n"
    "Parent: שלום! Parents trust the school 🙏🏾 but it takes time, always waiting ⏳ for answers.\n\n"
    "Parent: الثقة مع الأسرة 🤝 parents trust the teachers here.\n"
)


@dataclass(frozen=True)
class BadInput:
    """One hostile input: how to make it, and what qualcode must make of it.

    ``name`` is the file's path relative to the folder; ``make(path)`` creates it. ``kind`` is the
    expected error kind (``ReadError.kind``) or None when the file must be read; then ``warning`` (a
    fragment) must be among the transcript's warnings, if given. ``message`` is a fragment of the error's
    problem, ``hint`` one of its hint. ``fault`` names a fault to inject (see :mod:`cli_child`).
    ``category`` groups inputs in the report.
    """

    name: str
    category: str
    make: Callable[[Path], None]
    kind: str | None = None
    message: str = ""
    hint: str = ""
    warning: str = ""
    fault: str | None = None
    doc_id: str | None = None  # the transcript id when read, if not the name without suffix

    @property
    def id(self) -> str:
        return self.doc_id or self.name.rsplit(".", 1)[0]


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _text(text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda path: path.write_bytes(text.encode(encoding))


# --- images, zips and office files ------------------------------------------------------------------------


def png(width: int = 4, height: int = 4) -> bytes:
    """A small valid grey PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(range(width)) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal valid .docx made by hand (the parts Word and python-docx need)."""
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>" for p in paragraphs)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}"><w:body>{body}'
        "</w:body></w:document>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _zip_bomb(path: Path) -> None:
    """A .docx whose one image unpacks 2,000 times larger than it is stored (20 MB of zeros)."""
    path.write_bytes(_zip({"word/document.xml": b"<x/>"}))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("word/media/a.bin", "w") as m:
        for _ in range(20):
            m.write(bytes(1 << 20))


# --- PDFs -------------------------------------------------------------------------------------------------


def pdf_bytes(objects: dict[int, bytes]) -> bytes:
    """A PDF file of the given numbered objects (1 must be the catalog), with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(content), extra, content)


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a Helvetica text layer."""
    content = b"".join(b"BT /F1 11 Tf 72 %d Td (%s) Tj ET\n" % (760 - 16 * i, s.encode("cp1252"))
                       for i, s in enumerate(lines))
    return pdf_bytes({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
           b"/Contents 5 0 R >>",
        5: _stream(content),
    })


def scanned_pdf() -> bytes:
    """A one-page PDF holding only an image, as a scanner makes: no text layer."""
    pixels = bytes(range(0, 256, 4)) * 64  # 64 x 64 grey
    image = _stream(pixels, b"/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                            b"/BitsPerComponent 8 ")
    return pdf_bytes({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        3: image,
        4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 3 0 R >> >> "
           b"/Contents 5 0 R >>",
        5: _stream(b"q 500 0 0 700 40 70 cm /Im1 Do Q"),
    })


def _protected_pdf(path: Path) -> None:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(text_pdf(["Interviewer: secret words."])))
    writer.encrypt("secret", algorithm="AES-128")
    writer.write(path)


# --- text -------------------------------------------------------------------------------------------------


def _mixed_encodings(path: Path) -> None:
    """Two files pasted together: one saved as UTF-8, the other by Windows in cp1252."""
    path.write_bytes(GOOD_FR.encode("utf-8") + "\nDirectrice : Les élèves et leurs pères arrivent tôt.\n"
                     .encode("cp1252"))


def _surrogates(path: Path) -> None:
    """UTF-8 as Java or a broken converter writes it: a lone high surrogate (ED A0 BD) in the text."""
    path.write_bytes(GOOD_EN.encode("utf-8").replace(b"Parents trust", b"Parents \xed\xa0\xbd trust"))


def _utf16_surrogate(path: Path) -> None:
    """UTF-16 with BOM whose emoji was cut in half (a lone high surrogate) by a truncating editor."""
    data = "\ufeff".encode("utf-16-le") + GOOD_EN.replace("trust us", "trust \U0001f600 us").encode("utf-16-le")
    cut = data.index("\U0001f600".encode("utf-16-le")) + 2
    path.write_bytes(data[:cut] + data[cut + 2:])


def _nul_tail(path: Path) -> None:
    """A half-synced cloud file: the text, then a block of NUL bytes never filled in."""
    path.write_bytes(GOOD_EN.encode("utf-8") + bytes(2048))


def _nul_inside(path: Path) -> None:
    path.write_bytes(GOOD_FR.encode("utf-8").replace(b"confiance", b"conf\x00iance"))


HUGE_MB = 2  # twice spaCy's max_length (1M characters) and 21 of qualcode's pieces (nlp.PIECE_CHARS): the case
# of a file too long for spaCy in one go, at a quarter of the cost of 8 MB; benchmarks/huge_line.py runs 50 MB


def _huge_line(path: Path, megabytes: int = HUGE_MB) -> None:
    """A single line of ``megabytes`` MB: a transcript exported without any line break."""
    sentence = ("Parents trust the school but waiting for answers takes time and staff turnover is high. ")
    count = (megabytes * 2**20) // len(sentence) + 1
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(count // 1000):
            handle.write(sentence * 1000)
        handle.write(sentence * (count % 1000))


# --- links, folders and faults ----------------------------------------------------------------------------


def _symlink_loop(path: Path) -> None:
    path.symlink_to(path.name)  # a link to itself


def _dir_loop(path: Path) -> None:
    path.symlink_to(".", target_is_directory=True)  # a link to the folder it is in


def _dangling(path: Path) -> None:
    path.symlink_to("nowhere/gone.txt")


def _folder_named_like_a_file(path: Path) -> None:
    path.mkdir()
    (path / "inside.txt").write_text(GOOD_EN, encoding="utf-8")


def _linked_folder(path: Path) -> None:
    target = path.parent.parent / "elsewhere"  # outside the folder given
    target.mkdir(exist_ok=True)
    (target / "linked.txt").write_text(GOOD_FR, encoding="utf-8")
    path.symlink_to("../elsewhere", target_is_directory=True)


def _unreadable_folder(path: Path) -> None:
    path.mkdir()
    (path / "hidden.txt").write_text(GOOD_FR, encoding="utf-8")


HUGE = BadInput("huge single line.txt", "text", _huge_line, warning="")

BAD_INPUTS: list[BadInput] = [
    # empty and binary
    BadInput("empty.txt", "empty", _bytes(b""), kind="empty", message="is empty", hint="right file"),
    BadInput("blank.txt", "empty", _text(" \n\t\r\n  \n"), kind="empty", message="only whitespace"),
    BadInput("empty.docx", "empty", _bytes(b""), kind="empty", message="is empty"),
    BadInput("empty.pdf", "empty", _bytes(b""), kind="empty", message="is empty"),
    BadInput("only nuls.txt", "empty", _bytes(bytes(4096)), kind="empty", message="NUL bytes",
             hint="sync"),
    BadInput("photo.txt", "binary", _bytes(png()), kind="binary", message="PNG image", hint="real format"),
    BadInput("photo.md", "binary", _bytes(png()), kind="binary", message="PNG image"),
    BadInput("photo.srt", "binary", _bytes(png()), kind="binary", message="PNG image"),
    # office files
    BadInput("text.docx", "office", _text("Just some text, not Word."), kind="corrupt",
             message="not a zip archive", hint="save it as .docx"),
    BadInput("image.docx", "office", _bytes(png()), kind="corrupt", message="not a zip archive"),
    BadInput("truncated.docx", "office", lambda p: p.write_bytes(docx_bytes([GOOD_EN] * 20)[:700]),
             kind="corrupt", message="damaged or truncated"),
    BadInput("no document.docx", "office", _bytes(_zip({"hello.txt": b"hi"})), kind="corrupt",
             message="has no word/document.xml"),
    BadInput("bomb.docx", "office", _zip_bomb, kind="corrupt", message="zip bomb", hint="Refusing to unpack"),
    BadInput("broken xml.docx", "office", _bytes(_zip({"word/document.xml": b"<w:document><w:body><w:p>"})),
             kind="corrupt", message="not a valid Word .docx file"),
    BadInput("text.odt", "office", _text("plain"), kind="corrupt", message="not a zip archive"),
    BadInput("not rtf.rtf", "office", _text("plain words"), kind="corrupt", message="does not start with"),
    # PDFs
    BadInput("protected.pdf", "pdf", _protected_pdf, kind="unreadable", message="protected by a password",
             hint="Remove the password"),
    BadInput("scanned.pdf", "pdf", _bytes(scanned_pdf()), kind="unreadable", message="no text layer",
             hint="OCR"),
    BadInput("truncated.pdf", "pdf", lambda p: p.write_bytes(text_pdf(["Hello there."])[:120]),
             kind="corrupt", message="damaged PDF"),
    BadInput("text.pdf", "pdf", _text("not a pdf at all"), kind="corrupt", message="no %PDF header"),
    # encodings
    BadInput("utf16 no bom.txt", "encoding", _text(GOOD_EN, "utf-16-le")),
    BadInput("utf16be no bom.txt", "encoding", _text(GOOD_FR, "utf-16-be")),
    BadInput("mixed encodings.txt", "encoding", _mixed_encodings, warning="not valid UTF-8"),
    BadInput("nul tail.txt", "encoding", _nul_tail, warning="NUL character"),
    BadInput("nul inside.txt", "encoding", _nul_inside, warning="NUL character"),
    BadInput("surrogate utf8.txt", "encoding", _surrogates, warning="lone surrogate"),
    BadInput("surrogate utf16.txt", "encoding", _utf16_surrogate, warning="lone surrogate"),
    BadInput("undecodable.txt", "encoding", _bytes(b"Bonjour \x81 monde, \x8d\x8f."), kind="undecodable",
             message="could not be decoded", hint="UTF-8"),
    BadInput("rtl emoji.txt", "encoding", _text(RTL_EMOJI)),
    # names
    BadInput("entretien n°3 été 😀.txt", "names", _text(GOOD_FR)),
    BadInput("  spaced  name .md", "names", _text(GOOD_EN)),
    BadInput("cafe\u0301 nfd.txt", "names", _text(GOOD_FR)),
    # links and folders
    BadInput("loop.txt", "links", _symlink_loop, kind="unreadable", message="symbolic link", hint="link"),
    BadInput("dangling.docx", "links", _dangling, kind="unreadable", message="symbolic link"),
    BadInput("looping folder", "links", _dir_loop, kind=None, doc_id=""),  # nothing to read, nothing lost
    BadInput("linked folder", "links", _linked_folder, doc_id="linked folder/linked"),
    BadInput("pipe.txt", "links", lambda p: os.mkfifo(p), kind="unreadable", message="not a regular file"),
    BadInput("notes.docx", "links", _folder_named_like_a_file, doc_id="notes.docx/inside"),
    # injected faults
    BadInput("locked.txt", "faults", _text(GOOD_EN), kind="unreadable", message="Permission denied",
             hint="permissions", fault="unreadable"),
    BadInput("vanished.docx", "faults", _bytes(docx_bytes([GOOD_FR])), kind="unreadable",
             message="deleted or moved", hint="synced", fault="vanish"),
    BadInput("locked folder", "faults", _unreadable_folder, kind="unreadable", message="folder cannot be read",
             fault="unreadable-folder"),
]
"""Every hostile file input but :data:`HUGE` (kept apart: reading and coding it takes a while)."""

GOOD = {
    "good fr.txt": _text(GOOD_FR),
    "good en.md": _text(GOOD_EN),
    "good word.docx": _bytes(docx_bytes(GOOD_EN.split("\n\n"))),
    "good scan.pdf": _bytes(text_pdf(["Interviewer: How do parents trust you?", "",
                                      "Teacher: Parents trust us, but it takes time."])),
}


def make_all(folder: Path, inputs: list[BadInput] = BAD_INPUTS, *, good: bool = True) -> dict[str, BadInput]:
    """Create ``inputs`` (and the good files) in ``folder``; return the inputs by name."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in inputs:
        item.make(folder / item.name)
    if good:
        for name, make in GOOD.items():
            make(folder / name)
    return {item.name: item for item in inputs}


def faults(folder: Path, inputs: list[BadInput]) -> str:
    """The ``QUALCODE_TEST_FAULTS`` value injecting the faults of ``inputs`` in ``folder``."""
    return json.dumps([[item.fault, str(folder / item.name)] for item in inputs if item.fault])
