"""Tests for qualcode.ingest.readers: each format, each encoding, each error, and the real third-party files."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pypdf
import pytest
from conftest import require_shared, shared_transcript
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from odf import table as odf_table
from odf import text as odf_text
from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText

import qualcode as qc
from qualcode.ingest.readers import read_raw
from qualcode.ingest.readers.office import read_docx, read_odt, read_rtf
from qualcode.ingest.readers.pdf import read_pdf
from qualcode.ingest.readers.subtitles import read_srt, read_vtt
from qualcode.ingest.readers.text import decode_bytes, read_md, read_txt
from qualcode.ingest.readers.textgrid import read_textgrid
from qualcode.model.errors import (
    BinaryFileError,
    CorruptFileError,
    DecodingError,
    EmptyFileError,
    ReadError,
    UnsupportedFormatError,
)
from qualcode.model.transcript import Block, RawDocument
from tests.hostile.bad_inputs import pdf_bytes

FRENCH = "Le collège « très » bien, l’été où ça a commencé."
MOCK = "corpora/qualcoder-examples-mock"
PDPILOT = "corpora/pdpilot-interviews"


def read_str(
    reader: Callable[[Path], RawDocument], folder: Path, name: str, text: str, encoding: str = "utf-8"
) -> RawDocument:
    return reader(write(folder, name, text.encode(encoding)))


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --- registry ---------------------------------------------------------------------------------------------


def test_read_raw_rejects_unknown_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.xyz", "hello")
    with pytest.raises(UnsupportedFormatError, match=r"notes\.xyz: no reader for files ending in '\.xyz'"):
        read_raw(path)


def test_read_raw_picks_reader_by_suffix_case_insensitively(tmp_path: Path) -> None:
    doc = read_raw(write(tmp_path, "NOTES.TXT", "Bonjour."))
    assert (doc.format, doc.blocks) == ("txt", [Block("Bonjour.", kind="text")])


# --- decoding ---------------------------------------------------------------------------------------------

ACCENTS = "Été : « déjà » vu, ça va."


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (FRENCH.encode("utf-8"), FRENCH, "utf-8"),
        (b"\xef\xbb\xbf" + FRENCH.encode("utf-8"), FRENCH, "utf-8-sig"),
        (b"\xff\xfe" + FRENCH.encode("utf-16-le"), FRENCH, "utf-16-le"),
        (b"\xfe\xff" + FRENCH.encode("utf-16-be"), FRENCH, "utf-16-be"),
        (b"\xff\xfe\x00\x00" + FRENCH.encode("utf-32-le"), FRENCH, "utf-32-le"),
        (FRENCH.encode("utf-16-le"), FRENCH, "utf-16-le"),
        (FRENCH.encode("utf-16-be"), FRENCH, "utf-16-be"),
        ("pas Ā".encode("utf-16-le"), "pas Ā", "utf-16-le"),  # U+0100's low byte is NUL too
        ("pas Ā".encode("utf-16-be"), "pas Ā", "utf-16-be"),
        (FRENCH.encode("cp1252"), FRENCH, "cp1252"),
        (ACCENTS.encode("latin-1"), ACCENTS, "cp1252"),
        ("élève".encode("cp1252"), "élève", "cp1252"),
        ("Это интервью на русском языке.".encode("cp1251"), "Это интервью на русском языке.", "cp1251"),
        ("日本語のインタビューの記録です。".encode("shift_jis"), "日本語のインタビューの記録です。", "cp932"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16le-bom",
        "utf16be-bom",
        "utf32-bom",
        "utf16le",
        "utf16be",
        "short-utf16le-with-nul-low-byte",
        "short-utf16be-with-nul-low-byte",
        "cp1252",
        "latin1",
        "short-cp1252",
        "cp1251",
        "shift-jis",
    ],
)
def test_decode_bytes(data: bytes, text: str, encoding: str) -> None:
    assert decode_bytes(data, "x.txt") == (text, encoding)


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", EmptyFileError, "is empty"),
        (b" \n\t\r\n ", EmptyFileError, "holds only whitespace"),
        (b"\xff\xfe" + "  \n ".encode("utf-16-le"), EmptyFileError, "only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40), BinaryFileError, "PNG image"),
        (b"PK\x03\x04\x14\x00" + bytes(30), BinaryFileError, "zip archive"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", BinaryFileError, "PDF document"),
        (b"ID3\x04\x00\x00\x00\x00\x00" + bytes(30), BinaryFileError, "MP3 audio"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(30), BinaryFileError, "WAV/AVI"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(30),
            BinaryFileError,
            r"old Microsoft Office file \(\.doc",
        ),
        (b"some text\x00\x01\x02\x00 with NUL bytes\x00\x07", BinaryFileError, "NUL bytes"),
        (b"ab" + bytes(range(1, 9)) * 20, BinaryFileError, "control characters"),
        (b"Bonjour \x81 monde", DecodingError, "could not be decoded"),
    ],
    ids=[
        "empty",
        "whitespace",
        "utf16-whitespace",
        "png",
        "zip",
        "pdf",
        "mp3",
        "wav",
        "ole",
        "nul",
        "controls",
        "undecodable",
    ],
)
def test_decode_bytes_errors(data: bytes, error: type[ReadError], message: str) -> None:
    with pytest.raises(error, match=message) as info:
        decode_bytes(data, "in/x.txt")
    assert info.value.path == "in/x.txt"
    assert info.value.hint


def test_utf8_bom_file_with_a_windows_1252_byte_is_read_with_a_warning() -> None:
    warnings: list[str] = []
    assert decode_bytes(b"\xef\xbb\xbfcaf\xe9 cr\xc3\xa8me", "x.txt", warnings) == ("café crème", "utf-8-sig")
    assert warnings and "1 byte(s) that are not valid UTF-8 were read as Windows-1252" in warnings[0]


@pytest.mark.parametrize("start", ["ID3 interview", "RIFF notes", "OggS", "fLaC", "GIF is an image format"])
def test_text_starting_like_a_magic_number_is_text(start: str) -> None:
    assert decode_bytes(f"{start}\nP: oui.".encode(), "x.txt") == (f"{start}\nP: oui.", "utf-8")


def test_binary_png_named_txt_is_refused_with_path_and_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "interview.txt", b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(BinaryFileError) as info:
        read_raw(path)
    assert str(info.value).startswith(f"{path}: is not a text file: it looks like a PNG image.")
    assert info.value.kind == "binary"


# --- .txt -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_read_txt(tmp_path: Path, encoding: str) -> None:
    text = f"I: {FRENCH}\r\nP: Oui.\n"
    doc = read_txt(write(tmp_path, "a.txt", text.encode(encoding)))
    assert doc.blocks == [Block(text, kind="text")]
    assert (doc.format, doc.encoding, doc.wrapped, doc.warnings) == ("txt", encoding, None, [])


def test_read_txt_utf16_with_bom_reports_byte_order(tmp_path: Path) -> None:
    doc = read_txt(write(tmp_path, "a.txt", b"\xfe\xff" + FRENCH.encode("utf-16-be")))
    assert (doc.blocks[0].text, doc.encoding) == (FRENCH, "utf-16-be")


# --- .md --------------------------------------------------------------------------------------------------

MARKDOWN = """\
---
title: Entretien 3
date: 2019-02-13
participants: [directrice, adjoint]
---
# Entretien *n°3*

Premier paragraphe avec **gras**, `code`, [un lien](https://example.org), ![une image](i.png) et
<b>du HTML</b> &amp; un retour “doux” à l’été.

Ligne dure 1{two_spaces}
Ligne dure 2\\
Ligne dure 3

## Questions

- Item un
- Item *deux*

> Citation « ici »
> sur deux lignes.

| Qui | Dit quoi |
|-----|----------|
| I   | Bonjour  |

```
code brut
  indenté
```
<!-- commentaire -->
""".format(two_spaces="  ")


def test_read_md_blocks_and_front_matter(tmp_path: Path) -> None:
    doc = read_md(write(tmp_path, "a.md", MARKDOWN))
    assert doc.format == "md"
    assert doc.encoding == "utf-8"
    assert doc.warnings == []
    front = doc.metadata["front_matter"]
    assert front["title"] == "Entretien 3"
    assert front["participants"] == ["directrice", "adjoint"]
    assert str(front["date"]) == "2019-02-13"
    assert [(b.kind, b.level, b.text) for b in doc.blocks] == [
        ("heading", 1, "Entretien n°3"),
        (
            "paragraph",
            None,
            "Premier paragraphe avec gras, code, un lien, une image et du HTML & un retour “doux” à l’été.",
        ),
        ("paragraph", None, "Ligne dure 1"),
        ("paragraph", None, "Ligne dure 2"),
        ("paragraph", None, "Ligne dure 3"),
        ("heading", 2, "Questions"),
        ("paragraph", None, "Item un"),
        ("paragraph", None, "Item deux"),
        ("paragraph", None, "Citation « ici » sur deux lignes."),
        ("paragraph", None, "Qui | Dit quoi"),
        ("paragraph", None, "I | Bonjour"),
        ("paragraph", None, "code brut\n  indenté"),
    ]


def test_read_md_invalid_front_matter_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    doc = read_md(write(tmp_path, "a.md", "---\ntitle: [unclosed\nauthor: x\n---\n# Titre\n\nTexte.\n"))
    assert "front_matter" not in doc.metadata
    assert len(doc.warnings) == 1
    assert "not valid YAML" in doc.warnings[0]
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("paragraph", "title: [unclosed\nauthor: x"),
        ("heading", "Titre"),
        ("paragraph", "Texte."),
    ]


def test_read_md_front_matter_that_is_not_a_mapping_is_kept_as_text(tmp_path: Path) -> None:
    doc = read_md(write(tmp_path, "a.md", "---\n- a\n- b\n---\nTexte.\n"))
    assert "front_matter" not in doc.metadata
    assert doc.warnings == ["The front matter is not a YAML mapping of keys to values; it is kept as text."]
    assert [b.text for b in doc.blocks] == ["- a\n- b", "Texte."]


def test_read_md_without_front_matter_and_cp1252(tmp_path: Path) -> None:
    doc = read_md(write(tmp_path, "a.md", f"Texte : {FRENCH}\n\n---\n\nSuite.\n".encode("cp1252")))
    assert doc.encoding == "cp1252"
    assert doc.metadata == {}
    assert [b.text for b in doc.blocks] == [f"Texte : {FRENCH}", "Suite."]


# --- .docx ------------------------------------------------------------------------------------------------


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "Entretien avec la directrice"
    document.core_properties.author = "Équipe"
    document.add_paragraph("Notes d’entretien", style="Title")
    document.add_heading("Première partie", level=1)
    paragraph = document.add_paragraph("Intervieweuse : « Bonjour ».")
    run = paragraph.add_run()
    run.add_break()
    run.add_text("Deuxième ligne")
    paragraph.add_run().add_tab()
    paragraph.add_run("après tab.")
    document.add_paragraph("")
    table = document.add_table(rows=3, cols=2)
    for row, (who, said) in zip(
        table.rows,
        [("I", "Ça va ?"), ("Directrice:", "Oui. Très bien."), ("Mr. Smith", "Hello.")],
        strict=True,
    ):
        row.cells[0].text, row.cells[1].text = who, said
    wide = document.add_table(rows=1, cols=3)
    for cell, value in zip(wide.rows[0].cells, ["00:01", "I", "Merci."], strict=True):
        cell.text = value
    document.add_heading("Sous-partie", level=2)
    french = document.styles.add_style("Titre 3", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Titre à la française", style=french)
    outlined = document.add_paragraph("Niveau de plan 2")
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "1")
    outlined._p.get_or_add_pPr().append(outline)
    document.add_paragraph("Fin de l’entretien.")
    document.save(str(path))
    return path


def test_read_docx_blocks_in_document_order(tmp_path: Path) -> None:
    doc = read_docx(make_docx(tmp_path / "a.docx"))
    assert doc.format == "docx"
    assert [(b.kind, b.level, b.text) for b in doc.blocks] == [
        ("heading", 1, "Notes d’entretien"),
        ("heading", 1, "Première partie"),
        ("paragraph", None, "Intervieweuse : « Bonjour ».\nDeuxième ligne\taprès tab."),
        ("paragraph", None, ""),
        ("paragraph", None, "I: Ça va ?"),
        ("paragraph", None, "Directrice: Oui. Très bien."),
        ("paragraph", None, "Mr. Smith | Hello."),
        ("paragraph", None, "00:01 | I | Merci."),
        ("heading", 2, "Sous-partie"),
        ("heading", 3, "Titre à la française"),
        ("heading", 2, "Niveau de plan 2"),
        ("paragraph", None, "Fin de l’entretien."),
    ]
    properties = doc.metadata["properties"]
    assert properties["title"] == "Entretien avec la directrice"
    assert properties["author"] == "Équipe"


def test_read_docx_tracked_changes_and_table_of_contents(tmp_path: Path) -> None:
    document = docx.Document()
    body = document.element.body
    toc = parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtPr><w:docPartObj><w:docPartGallery w:val='Table of Contents'/>"
        "</w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Sommaire 1</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    tracked = parse_xml(
        f"<w:p {nsdecls('w')}><w:r><w:t xml:space='preserve'>Nous </w:t></w:r>"
        "<w:del><w:r><w:delText>n’</w:delText></w:r></w:del><w:ins><w:r><w:t>avons</w:t></w:r></w:ins>"
        "<w:hyperlink><w:r><w:t xml:space='preserve'> un lien</w:t></w:r></w:hyperlink></w:p>"
    )
    control = parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>Dans un contrôle</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    for element in (toc, tracked, control):
        body.insert(len(body) - 1, element)  # before w:sectPr
    path = tmp_path / "a.docx"
    document.save(str(path))
    assert [b.text for b in read_docx(path).blocks] == ["Nous avons un lien", "Dans un contrôle"]


def test_read_docx_real_file() -> None:
    doc = read_raw(require_shared(f"{MOCK}/ID1.docx"))
    texts = [b.text for b in doc.blocks]
    assert texts[0].startswith("I really like learning new things. I think this course is good for me")
    assert texts[2].endswith("I'm happy to pay €200.")
    assert texts[3] == ""
    assert {b.kind for b in doc.blocks} == {"paragraph"}
    assert doc.metadata["properties"] == {"author": "colin-2", "created": "2013-09-15T16:54:00+00:00"}


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("reader", [read_docx, read_odt])
def test_office_file_that_is_not_a_zip(tmp_path: Path, reader) -> None:
    path = write(tmp_path, "a.docx", "just some text")
    with pytest.raises(CorruptFileError, match="it is not a zip archive") as info:
        reader(path)
    assert "save it as" in info.value.hint or "save it again" in info.value.hint


def test_old_doc_renamed_docx_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "a.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    with pytest.raises(CorruptFileError, match=r"is not a Word \.docx file: it is not a zip archive") as info:
        read_docx(path)
    assert "old .doc file" in info.value.hint


def test_truncated_docx(tmp_path: Path) -> None:
    whole = make_docx(tmp_path / "whole.docx").read_bytes()
    path = write(tmp_path, "a.docx", whole[: len(whole) // 2])
    with pytest.raises(CorruptFileError, match="damaged or truncated"):
        read_docx(path)


def test_zip_without_word_document(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.docx", {"hello.txt": b"hello"})
    with pytest.raises(
        CorruptFileError, match=r"is a zip archive but not a Word \.docx file: it has no word/document\.xml"
    ):
        read_docx(path)


def test_docx_with_broken_xml(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "whole.docx")
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["word/document.xml"] = b"<w:document><w:body><w:p>"
    with pytest.raises(CorruptFileError, match=r"is not a valid Word \.docx file"):
        read_docx(make_zip(tmp_path / "a.docx", members))


def zeros_member(path: Path, name: str, size: int) -> Path:
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w") as member:
        chunk = bytes(1 << 20)
        for _ in range(size >> 20):
            member.write(chunk)
    return path


def test_zip_bomb_total_size_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bomb.docx", {"word/document.xml": b"<x/>"})
    zeros_member(path, "word/media/zeros.bin", 300 << 20)
    with pytest.raises(CorruptFileError, match=r"unpacks to 300 MB \(limit 256 MB\): a zip bomb\?"):
        read_docx(path)


def test_zip_bomb_compression_ratio_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bomb.odt", {"content.xml": b"<x/>"})
    zeros_member(path, "Pictures/zeros.bin", 20 << 20)
    with pytest.raises(CorruptFileError, match=r"'Pictures/zeros.bin' compressed \d+:1 \(limit 100:1\)"):
        read_odt(path)


# --- .odt -------------------------------------------------------------------------------------------------


def make_odt(path: Path) -> Path:
    document = OpenDocumentText()
    document.text.addElement(odf_text.H(outlinelevel=1, text="Entretien"))
    paragraph = odf_text.P(text="Trois")
    paragraph.addElement(odf_text.S(c=3))
    paragraph.addText("espaces")
    paragraph.addElement(odf_text.Tab())
    paragraph.addText("tab")
    paragraph.addElement(odf_text.LineBreak())
    paragraph.addElement(odf_text.Span(text="ligne « deux » l’été"))
    paragraph.addElement(odf_text.S())
    paragraph.addText("fin")
    document.text.addElement(paragraph)
    document.text.addElement(odf_text.H(outlinelevel=2, text="Questions"))
    items = odf_text.List()
    for said in ("Premier point", "Second point"):
        item = odf_text.ListItem()
        item.addElement(odf_text.P(text=said))
        items.addElement(item)
    document.text.addElement(items)
    grid = odf_table.Table(name="T")
    for cells in (("Enquêtrice", "Et ensuite ?"), ("P1", "Rien."), ("a", "b", "c")):
        row = odf_table.TableRow()
        for value in cells:
            cell = odf_table.TableCell()
            cell.addElement(odf_text.P(text=value))
            row.addElement(cell)
        grid.addElement(row)
    document.text.addElement(grid)
    document.text.addElement(odf_text.P(text=""))
    document.save(str(path))
    return path


def test_read_odt_blocks(tmp_path: Path) -> None:
    doc = read_odt(make_odt(tmp_path / "a.odt"))
    assert doc.format == "odt"
    assert [(b.kind, b.level, b.text) for b in doc.blocks] == [
        ("heading", 1, "Entretien"),
        ("paragraph", None, "Trois   espaces\ttab\nligne « deux » l’été fin"),
        ("heading", 2, "Questions"),
        ("paragraph", None, "Premier point"),
        ("paragraph", None, "Second point"),
        ("paragraph", None, "Enquêtrice: Et ensuite ?"),
        ("paragraph", None, "P1: Rien."),
        ("paragraph", None, "a | b | c"),
        ("paragraph", None, ""),
    ]


def test_read_odt_real_file() -> None:
    doc = read_raw(require_shared(f"{MOCK}/ID2.odt"))
    texts = [b.text for b in doc.blocks]
    assert len(texts) == 3
    assert texts[0].startswith(
        "I have not studied much before, but my father Joe Bloggs really encouraged me"
    )
    assert texts[2] == "The course cost €200.00 and I do not want to waste my money."


def test_odt_without_content_xml(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.odt", {"mimetype": b"application/vnd.oasis.opendocument.text"})
    with pytest.raises(CorruptFileError, match=r"it has no content\.xml"):
        read_odt(path)


def test_spreadsheet_renamed_odt(tmp_path: Path) -> None:
    path = tmp_path / "a.odt"
    OpenDocumentSpreadsheet().save(str(path))
    with pytest.raises(CorruptFileError, match="is not an OpenDocument text file"):
        read_odt(path)


# --- .rtf -------------------------------------------------------------------------------------------------


def test_read_rtf_cp1252(tmp_path: Path) -> None:
    rtf = (
        r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}\f0 Le coll\'e8ge \'ab tr\'e8s \'bb "
        r"l\'92\'e9t\'e9.\par Deuxi\'e8me ligne \u8230? fin.\par}"
    )
    doc = read_rtf(write(tmp_path, "a.rtf", rtf))
    assert doc.blocks == [Block("Le collège « très » l’été.\nDeuxième ligne … fin.\n", kind="text")]
    assert (doc.format, doc.encoding) == ("rtf", "cp1252")


def test_read_rtf_uses_ansicpg(tmp_path: Path) -> None:
    rtf = r"{\rtf1\ansi\ansicpg1251\deff0{\fonttbl{\f0 Arial;}}\f0 \'cf\'f0\'e8\'e2\'e5\'f2.\par}"
    doc = read_rtf(write(tmp_path, "a.rtf", rtf))
    assert (doc.blocks[0].text, doc.encoding) == ("Привет.\n", "cp1251")


def test_rtf_that_is_not_rtf(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match=r"is not an RTF file: it does not start with '\{\\rtf'"):
        read_rtf(write(tmp_path, "a.rtf", "plain text"))


# --- .pdf -------------------------------------------------------------------------------------------------


def make_pdf(path: Path, pages: list[list[tuple[float, float, float, str]]]) -> Path:
    """A PDF with Helvetica text lines given as (x, baseline from the top, size, text) per page."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    kids = []
    for number, lines in enumerate(pages):
        page_id, content_id = 4 + 2 * number, 5 + 2 * number
        stream = b"".join(
            b"BT /F1 %g Tf %g %g Td (%s) Tj ET\n" % (size, x, 842 - y, _pdf_escape(text))
            for x, y, size, text in lines
        )
        objects[content_id] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id
        )
        kids.append(b"%d 0 R" % page_id)
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    path.write_bytes(pdf_bytes(objects))
    return path


def _pdf_escape(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252")


def transcript_pdf(path: Path) -> Path:
    header = (72, 40, 9, "Étude collège - entretien 3")
    page1 = [
        header,
        (40, 90, 11, "1"),
        (72, 90, 11, "Interviewer: Comment s’est passée la première semaine pour vous et pour"),
        (72, 104, 11, "vos collègues ?"),
        (40, 130, 11, "2"),
        (72, 130, 11, "Directrice: C’était dur. Nous avions beaucoup de papiers à remplir et les pa-"),
        (72, 144, 11, "rents appelaient sans cesse."),
        (40, 158, 11, "3"),
        (72, 158, 11, "Interviewer: Je vois."),
        (40, 184, 11, "4"),
        (72, 184, 11, "Directrice: Puis en octobre les choses se sont arrangées parce que toute"),
        (72, 198, 11, "l’équipe avait trouvé une routine et que les parents connaissaient enfin"),
        (520, 810, 10, "1/2"),
    ]
    page2 = [
        header,
        (72, 80, 11, "les horaires du secrétariat."),
        (40, 106, 11, "5"),
        (72, 106, 11, "Interviewer: Merci."),
        (280, 810, 10, "Page 2 of 2"),
    ]
    return make_pdf(path, [page1, page2])


def test_read_pdf_paragraphs(tmp_path: Path) -> None:
    doc = read_pdf(transcript_pdf(tmp_path / "a.pdf"))
    assert (doc.format, doc.wrapped, doc.metadata["pages"]) == ("pdf", False, 2)
    assert [b.text for b in doc.blocks] == [
        "Interviewer: Comment s’est passée la première semaine pour vous et pour vos collègues ?",
        "Directrice: C’était dur. Nous avions beaucoup de papiers à remplir et les parents appelaient "
        "sans cesse.",
        "Interviewer: Je vois.",
        "Directrice: Puis en octobre les choses se sont arrangées parce que toute l’équipe avait trouvé une "
        "routine et que les parents connaissaient enfin les horaires du secrétariat.",
        "Interviewer: Merci.",
    ]
    assert {b.kind for b in doc.blocks} == {"paragraph"}


def test_read_pdf_single_page_keeps_its_only_header(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "a.pdf",
        [[(72, 40, 16, "Entretien"), (72, 80, 11, "Texte du 12 mai."), (300, 810, 10, "- 1 -")]],
    )
    assert [b.text for b in read_pdf(path).blocks] == ["Entretien", "Texte du 12 mai."]


def test_pdf_that_is_not_a_pdf(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match="is not a PDF file"):
        read_pdf(write(tmp_path, "a.pdf", "hello, this is text"))


def test_damaged_pdf(tmp_path: Path) -> None:
    whole = transcript_pdf(tmp_path / "whole.pdf").read_bytes()
    with pytest.raises(CorruptFileError, match="is a damaged PDF"):
        read_pdf(write(tmp_path, "a.pdf", whole[:60]))


def test_encrypted_pdf(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    path = tmp_path / "a.pdf"
    writer.write(path)
    with pytest.raises(ReadError, match="is protected by a password") as info:
        read_pdf(path)
    assert type(info.value) is ReadError
    assert "Remove the password" in info.value.hint


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    path = tmp_path / "scan.pdf"
    writer.write(path)
    with pytest.raises(ReadError, match="has no text layer") as info:
        read_pdf(path)
    assert "ocrmypdf" in info.value.hint


def test_read_pdf_real_transcript() -> None:
    doc = read_raw(require_shared(f"{PDPILOT}/transcripts_pdf/P1.pdf"))
    texts = [b.text for b in doc.blocks]
    assert len(texts) == 95  # MAXQDA numbered 95 paragraphs in the margin
    assert texts[:3] == [
        "Interview",
        "Dan: Okay. So now you can stop sharing your screen and then we'll just end up with a few questions "
        "that I have for you.",
        "Participant: Okay.",
    ]
    assert all(t.startswith(("Dan: ", "Participant: ")) for t in texts[1:])
    assert not any(re.search(r"\b\d/5\b|\t", t) for t in texts)


def test_pdf_finds_the_human_coded_segments() -> None:
    """At least 95% of the 262 coded segments are found in the loaded text, whitespace aside (measured: 260)."""
    folder = require_shared(PDPILOT)
    with open(folder / "coded_segments_parsed.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 262
    squeezed = {}
    for pdf in sorted((folder / "transcripts_pdf").glob("P*.pdf")):
        squeezed[pdf.stem] = re.sub(r"\s+", "", shared_transcript(f"{PDPILOT}/transcripts_pdf/{pdf.name}").text)
    found = sum(re.sub(r"\s+", "", row["segment_text"]) in squeezed[row["document"]] for row in rows)
    assert found >= 0.95 * len(rows), f"{found}/{len(rows)} coded segments found"


# --- .vtt / .srt ------------------------------------------------------------------------------------------

TEAMS_VTT = """\
WEBVTT
Kind: captions

NOTE
Exported from Teams.

STYLE
::cue { color: white; }

3f2a7c1e-0001/12-0
00:00:01.000 --> 00:00:03.500
<v Marie Dupont>Bonjour à tous,</v>

3f2a7c1e-0001/13-0
00:00:03.500 --> 00:00:05.250 align:start position:10%
<v.loud Marie Dupont>on <c.yellow>commence</c> ?</v>

3f2a7c1e-0002/1-0
00:00:06.000 --> 00:00:08.000
<v Paul>Oui, <00:00:06.500><i>allons-y</i> &amp; vite.</v>

00:00:08.000 --> 00:00:09.000
Et sans balise.

01:00:00.000 --> 01:00:02.000
<v Marie Dupont>Merci.</v>
"""


def test_read_vtt_teams_voices(tmp_path: Path) -> None:
    doc = read_str(read_vtt, tmp_path, "a.vtt", TEAMS_VTT)
    assert doc.format == "vtt"
    assert [(b.kind, b.speaker, b.text, dict(b.data)) for b in doc.blocks] == [
        ("turn", "Marie Dupont", "Bonjour à tous, on commence ?", {"start": 1.0, "end": 5.25, "cues": 2}),
        ("turn", "Paul", "Oui, allons-y & vite. Et sans balise.", {"start": 6.0, "end": 9.0, "cues": 2}),
        ("turn", "Marie Dupont", "Merci.", {"start": 3600.0, "end": 3602.0, "cues": 1}),
    ]


ZOOM_VTT = """\
WEBVTT

1
00:01.100 --> 00:04.200
Jean Marc Petit: Alors, la rentrée ?

2
00:04.500 --> 00:06.000
Mme Durand: Difficile.

3
00:06.000 --> 00:07.000
Mme Durand: Très difficile.
"""


def test_read_vtt_zoom_labels(tmp_path: Path) -> None:
    doc = read_str(read_vtt, tmp_path, "a.vtt", ZOOM_VTT, "utf-8-sig")
    assert doc.encoding == "utf-8-sig"
    assert [(b.speaker, b.text, dict(b.data)) for b in doc.blocks] == [
        ("Jean Marc Petit", "Alors, la rentrée ?", {"start": 1.1, "end": 4.2, "cues": 1}),
        ("Mme Durand", "Difficile. Très difficile.", {"start": 4.5, "end": 7.0, "cues": 2}),
    ]


SRT = """\
1
00:00:00,500 --> 00:00:02,000
{\\an8}So we <i>started</i>

2
00:00:02,000 --> 00:00:04,000
in September.

3
00:00:04,000 --> 00:00:05,000
Did it work?

4
00:00:05,000 --> 00:00:06,000
well, mostly
"""


def test_read_srt_without_speakers_gives_sentence_paragraphs(tmp_path: Path) -> None:
    doc = read_str(read_srt, tmp_path, "a.srt", SRT)
    assert doc.format == "srt"
    assert [(b.kind, b.speaker, b.text, dict(b.data)) for b in doc.blocks] == [
        ("paragraph", None, "So we started in September.", {"start": 0.5, "end": 4.0, "cues": 2}),
        ("paragraph", None, "Did it work?", {"start": 4.0, "end": 5.0, "cues": 1}),
        ("paragraph", None, "well, mostly", {"start": 5.0, "end": 6.0, "cues": 1}),
    ]


def test_read_srt_speaker_labels_and_leading_paragraph(tmp_path: Path) -> None:
    srt = (
        "1\n00:00:00,000 --> 00:00:01,000\nMusique.\n\n"
        "2\n00:00:01,000 --> 00:00:02,000\nInterviewer: Bonjour,\ncomment allez-vous ?\n\n"
        "3\n00:00:02,000 --> 00:00:03,000\nÉlise van der Berg: Bien.\n\n"
        "4\n00:00:03,000 --> 00:00:04,000\nEn gros le problème: le temps.\n"
    )
    doc = read_str(read_srt, tmp_path, "a.srt", srt, "cp1252")
    assert [(b.kind, b.speaker, b.text) for b in doc.blocks] == [
        ("paragraph", None, "Musique."),
        ("turn", "Interviewer", "Bonjour, comment allez-vous ?"),
        ("turn", "Élise van der Berg", "Bien. En gros le problème: le temps."),
    ]


def test_malformed_timing_names_the_line(tmp_path: Path) -> None:
    srt = SRT.replace("00:00:04,000 --> 00:00:05,000", "00:00:04,000 --> 00:0x:05,000")
    with pytest.raises(
        CorruptFileError, match=r"line 10: malformed cue timing '00:00:04,000 --> 00:0x:05,000'"
    ):
        read_str(read_srt, tmp_path, "a.srt", srt)


def test_cue_without_timing_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match=r"line 3: expected a cue timing line"):
        read_str(read_vtt, tmp_path, "a.vtt", "WEBVTT\n\nHello there\nagain\n")


# --- .TextGrid --------------------------------------------------------------------------------------------

LONG_TEXTGRID = """\
File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 8
tiers? <exists>
size = 3
item []:
    item [1]:
        class = "IntervalTier"
        name = "Marie (ENQ)"
        xmin = 0
        xmax = 8
        intervals: size = 3
        intervals [1]:
            xmin = 0
            xmax = 2.5
            text = "Bonjour Paul, vous dites ""oui"" ?"
        intervals [2]:
            xmin = 2.5
            xmax = 6.2
            text = ""
        intervals [3]:
            xmin = 6.2
            xmax = 8
            text = "D'accord."
    item [2]:
        class = "TextTier"
        name = "cloche"
        xmin = 0
        xmax = 8
        points: size = 1
        points [1]:
            number = 1.2
            mark = "ding"
    item [3]:
        class = "IntervalTier"
        name = "Paul"
        xmin = 0
        xmax = 8
        intervals: size = 3
        intervals [1]:
            xmin = 0
            xmax = 3
            text = ""
        intervals [2]:
            xmin = 3
            xmax = 5
            text = "Oui,"
        intervals [3]:
            xmin = 5
            xmax = 6.2
            text = "  c'est ça. "
"""

SHORT_TEXTGRID = """\
File type = "ooTextFile"
Object class = "TextGrid"

0
8
<exists>
3
"IntervalTier"
"Marie (ENQ)"
0
8
3
0
2.5
"Bonjour Paul, vous dites ""oui"" ?"
2.5
6.2
""
6.2
8
"D'accord."
"TextTier"
"cloche"
0
8
1
1.2
"ding"
"IntervalTier"
"Paul"
0
8
3
0
3
""
3
5
"Oui,"
5
6.2
"  c'est ça. "
"""

TEXTGRID_TURNS = [
    (
        "Marie",
        'Bonjour Paul, vous dites "oui" ?',
        {"start": 0.0, "end": 2.5, "tier": "Marie (ENQ)", "role": "interviewer"},
    ),
    ("Paul", "Oui, c'est ça.", {"start": 3.0, "end": 6.2, "tier": "Paul", "role": "participant"}),
    ("Marie", "D'accord.", {"start": 6.2, "end": 8.0, "tier": "Marie (ENQ)", "role": "interviewer"}),
]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(LONG_TEXTGRID, "utf-8"), (SHORT_TEXTGRID, "utf-8"), (LONG_TEXTGRID, "utf-16")],
    ids=["long", "short", "long-utf16-bom"],
)
def test_read_textgrid(tmp_path: Path, text: str, encoding: str) -> None:
    doc = read_str(read_textgrid, tmp_path, "a.TextGrid", text, encoding)
    assert doc.format == "textgrid"
    assert doc.encoding == ("utf-16-le" if encoding == "utf-16" else "utf-8")
    assert [(b.speaker, b.text, dict(b.data)) for b in doc.blocks] == TEXTGRID_TURNS
    assert {b.kind for b in doc.blocks} == {"turn"}


@pytest.mark.parametrize(
    ("tier", "speaker", "role"),
    [
        ("ENQ", "ENQ", "interviewer"),
        ("Interviewer", "Interviewer", "interviewer"),
        ("Sophie - Enquêtrice", "Sophie", "interviewer"),
        ("[Modérateur] Luc", "Luc", "interviewer"),
        ("Enquête", "Enquête", "participant"),
    ],
)
def test_textgrid_roles(tmp_path: Path, tier: str, speaker: str, role: str) -> None:
    text = LONG_TEXTGRID.replace('"Marie (ENQ)"', f'"{tier}"')
    doc = read_str(read_textgrid, tmp_path, "a.TextGrid", text)
    assert (doc.blocks[0].speaker, doc.blocks[0].data["role"], doc.blocks[0].data["tier"]) == (
        speaker,
        role,
        tier,
    )


def test_not_a_textgrid(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match="is not a Praat TextGrid"):
        read_str(
            read_textgrid, tmp_path, "a.TextGrid", 'File type = "ooTextFile"\nObject class = "Pitch 1"\n'
        )


def test_damaged_textgrid(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match="is a damaged TextGrid"):
        read_str(read_textgrid, tmp_path, "a.TextGrid", LONG_TEXTGRID[:700])


# --- inputs whose cost would not be in proportion to their size (issue 14, items 6 and 9) -----------------


def test_a_pdf_stream_inflating_beyond_the_budget_is_refused(tmp_path, monkeypatch):
    """A 1 MB PDF can state 1 GB of content, which pdfminer built in memory and read as fine."""
    import zlib as _zlib

    from qualcode.ingest.readers import pdf as pdf_reader
    from qualcode.model.errors import TooLargeError
    from tests.hostile.bad_inputs import _stream

    monkeypatch.setattr(pdf_reader, "MAX_INFLATED", 2**20)
    content = _zlib.compress(b"BT /F1 11 Tf 72 700 Td (x) Tj ET\n" + b" " * (8 * 2**20), 9)
    bomb = pdf_bytes({
        1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
           b"/Contents 5 0 R >>",
        5: _stream(content, b"/Filter /FlateDecode "),
    })
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb)
    assert len(bomb) < 20_000
    with pytest.raises(TooLargeError, match="inflates to more than 1 MB"):
        read_pdf(path)


def test_an_odt_stating_billions_of_spaces_reads_as_one_space_run(tmp_path):
    from odf.opendocument import OpenDocumentText
    from odf.text import P, S

    document = OpenDocumentText()
    paragraph = P(text="Les parents")
    paragraph.addElement(S(c="2000000000"))
    paragraph.addText("viennent.")
    document.text.addElement(paragraph)
    document.save(str(tmp_path / "spaces.odt"))
    [block] = read_odt(tmp_path / "spaces.odt").blocks
    assert block.text.startswith("Les parents ") and block.text.endswith("viennent.") and len(block.text) < 200


def test_a_huge_sparse_text_file_is_refused_before_it_is_read(tmp_path):
    from qualcode.model.errors import TooLargeError

    path = tmp_path / "sparse.txt"
    with open(path, "wb") as handle:
        handle.truncate(2 * 2**30)  # 2 GB of holes: nothing on disk, 4 GB in memory once read
    with pytest.raises(TooLargeError, match=r"is 2\.0 GB"):
        qc.read_transcript(path)


def test_a_docx_of_empty_paragraphs_reads_in_proportion_to_its_size(tmp_path):
    """1.65 M empty paragraphs (a 15 KB file) took 128 s, a python-docx object each."""
    import time
    import zipfile

    import docx

    base = tmp_path / "base.docx"
    document = docx.Document()
    document.add_paragraph("Les parents viennent.")
    document.save(str(base))
    with zipfile.ZipFile(base) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["word/document.xml"] = files["word/document.xml"].replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * 300_000, 1)
    with zipfile.ZipFile(tmp_path / "empty.docx", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    started = time.perf_counter()
    blocks = read_docx(tmp_path / "empty.docx").blocks
    assert time.perf_counter() - started < 20  # about 1 s; an object per paragraph took about 25 s
    assert [b.text for b in blocks if b.text.strip()] == ["Les parents viennent."]


HUGE = "9" * 5000  # more digits than Python's int() reads


@pytest.mark.parametrize("level", ["x", HUGE, "-3", "0", "2.5"])
def test_an_odt_heading_of_an_unreadable_level_keeps_the_file(tmp_path, level):
    """A heading whose stated level is not a number, or of 5,000 digits, refused the whole file (issue 14,
    item 12): the heading is read, at a level between 1 and 10, and the text after it too."""
    document = OpenDocumentText()
    document.text.addElement(odf_text.H(outlinelevel=level, text="Entretien"))
    document.text.addElement(odf_text.P(text="Les parents viennent."))
    document.save(str(tmp_path / "level.odt"))
    heading, paragraph = read_odt(tmp_path / "level.odt").blocks
    assert (heading.kind, heading.text, paragraph.text) == ("heading", "Entretien", "Les parents viennent.")
    assert 1 <= heading.level <= 10


@pytest.mark.parametrize("count", ["2000000000", "-7", "zz", HUGE])
@pytest.mark.parametrize("where", ["text:c", "number-columns-repeated", "number-rows-repeated"])
def test_an_odt_stating_huge_or_broken_repeats_is_read_once(tmp_path, where, count):
    """Repeats an .odt states (``text:c``, a table's repeated columns and rows) cost what the file holds, not
    what it says: a cell or row stated two billion times is read once, a space run at most 100."""
    document = OpenDocumentText()
    if where == "text:c":
        paragraph = odf_text.P(text="Les")
        paragraph.addElement(odf_text.S(c=count))
        paragraph.addText("parents")
        document.text.addElement(paragraph)
    else:
        grid = odf_table.Table(name="T")
        grid.addElement(odf_table.TableColumn(numbercolumnsrepeated=count))
        row = odf_table.TableRow(**({"numberrowsrepeated": count} if "rows" in where else {}))
        cell = odf_table.TableCell(**({"numbercolumnsrepeated": count} if "columns" in where else {}))
        cell.addElement(odf_text.P(text="Les parents"))
        row.addElement(cell)
        grid.addElement(row)
        document.text.addElement(grid)
    document.save(str(tmp_path / "repeat.odt"))
    [block] = read_odt(tmp_path / "repeat.odt").blocks
    assert block.text.startswith("Les") and block.text.endswith("parents") and len(block.text) <= 110
