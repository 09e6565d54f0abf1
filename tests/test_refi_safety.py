"""An archive is untrusted input: each hostile or inconsistent archive is refused with a message naming the
archive and the entry or object at fault, nothing is written anywhere, and the project is left unchanged to
the byte."""

from __future__ import annotations

import stat
import struct
import zipfile
from pathlib import Path

import pytest
from refi_build import NS, file_hash, make_qdpx, project_xml

import qualcode as qc
from qualcode.exchange import read_qdpx
from qualcode.model.errors import RefiError
from qualcode.project.store import open_project

G = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(1, 12)]
TEXT = "I: Bonjour.\nP: Bonjour à vous."


def good_qde(start: int = 3, end: int = 10, code: str = G[1], body: str = "") -> str:
    return project_xml(
        f'<Users><User guid="{G[0]}" name="ana"/></Users>'
        f'<CodeBook><Codes><Code guid="{G[1]}" name="accueil" isCodable="true"/></Codes></CodeBook>{body}'
        f'<Sources><TextSource guid="{G[2]}" name="e1" plainTextPath="internal://{G[2]}.txt">'
        f'<PlainTextSelection guid="{G[3]}" startPosition="{start}" endPosition="{end}" creatingUser="{G[0]}">'
        f'<Coding guid="{G[4]}" creatingUser="{G[0]}"><CodeRef targetGUID="{code}"/></Coding>'
        "</PlainTextSelection></TextSource></Sources>")


def good(path: Path) -> Path:
    return make_qdpx(path, good_qde(), {f"sources/{G[2]}.txt": TEXT})


def with_entry(path: Path, info: zipfile.ZipInfo | str, data: bytes = b"x") -> Path:
    good(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(info, data)
    return path


def symlink(path: Path) -> Path:
    info = zipfile.ZipInfo("sources/link.txt")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return with_entry(path, info, b"/etc/passwd")


def bomb(path: Path) -> Path:
    good(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sources/bomb.txt", b"\0" * (20 * 2**20))  # compresses about 1000:1
    return path


def liar(path: Path) -> Path:
    """A member that declares 10 bytes and inflates to 2 MB."""
    make_qdpx(path, good_qde(), {f"sources/{G[2]}.txt": TEXT + " " * (2 * 2**20)})
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = -1
        while (at := data.find(signature, at + 1)) != -1:
            name_start = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_start:name_start + 8] == b"sources/":
                struct.pack_into("<I", data, at + offset, 10)
    path.write_bytes(bytes(data))
    return path


def doctype(entity: str, encoding: str = "utf-8"):
    def build(path: Path) -> Path:
        qde = good_qde().replace("<Project ", f'<!DOCTYPE Project [{entity}]>\n<Project ', 1)
        qde = qde.replace("<Users>", "<Users>&x;", 1) if "ENTITY x" in entity else qde
        if encoding != "utf-8":
            qde = qde.replace('encoding="utf-8"', f'encoding="{encoding}"')
        return make_qdpx(path, qde.encode(encoding), {f"sources/{G[2]}.txt": TEXT})
    return build


LAUGHS = '<!ENTITY a "hahahahaha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x "&b;&b;&b;&b;&b;&b;">'
HOSTILE = {
    "dot-dot": (lambda p: with_entry(p, "../evil.txt"), ["'../evil.txt'", "outside the archive"]),
    "absolute": (lambda p: with_entry(p, "/tmp/evil.txt"), ["'/tmp/evil.txt'", "absolute path"]),
    "drive": (lambda p: with_entry(p, "C:/evil.txt"), ["'C:/evil.txt'", "absolute path"]),
    "symlink": (symlink, ["'sources/link.txt'", "symbolic link"]),
    "zip bomb": (bomb, ["'sources/bomb.txt'", "zip bomb"]),
    "lying size": (liar, [f"'sources/{G[2]}.txt'", "does not match what the archive declares"]),
    "entity expansion": (doctype(LAUGHS), ["'project.qde'", "DOCTYPE"]),
    "external entity": (doctype('<!ENTITY x SYSTEM "file:///etc/passwd">'), ["'project.qde'", "DOCTYPE"]),
    "utf-16 doctype": (doctype('<!ENTITY x "y">', "utf-16"), ["'project.qde'", "DOCTYPE"]),
    "outside the text": (
        lambda p: make_qdpx(p, good_qde(20, 99), {f"sources/{G[2]}.txt": TEXT}),
        ["source 'e1'", f"selection {G[3]} [20, 99) does not fit its text (30 characters)"]),
    "reversed": (lambda p: make_qdpx(p, good_qde(9, 3), {f"sources/{G[2]}.txt": TEXT}), ["[9, 3) does not fit"]),
    "unknown code": (
        lambda p: make_qdpx(p, good_qde(code=G[9]), {f"sources/{G[2]}.txt": TEXT}),
        [f"coding {G[4]} refers to code {G[9]}, which is not in the project's codes"]),
    "unknown source": (
        lambda p: make_qdpx(p, good_qde(body=f'<Cases><Case guid="{G[5]}" name="ana"><SourceRef targetGUID="{G[9]}"/>'
                                            "</Case></Cases>"), {f"sources/{G[2]}.txt": TEXT}),
        [f"case 'ana' refers to source {G[9]}, which is not in the project's sources"]),
    "duplicate GUIDs": (
        lambda p: make_qdpx(p, good_qde().replace("</Sources>", f'<TextSource guid="{G[2]}" name="e2" '
                                                 f'plainTextPath="internal://{G[2]}.txt"/></Sources>'),
                            {f"sources/{G[2]}.txt": TEXT}),
        [f"two sources have the same GUID {G[2]}"]),
    "not a zip": (lambda p: p.write_bytes(b"<Project/>") and p, ["not a readable zip archive"]),
    "no qde": (lambda p: make_qdpx(p, "x", qde_name="sources/a.txt"), ["no .qde file at its root"]),
    "not REFI": (lambda p: make_qdpx(p, '<Project xmlns="urn:other"/>'), ["is not a REFI-QDA Project"]),
    "broken XML": (lambda p: make_qdpx(p, "<Project"), ["'project.qde' is not well-formed XML"]),
}


@pytest.fixture
def project_file(tmp_path) -> Path:
    path = tmp_path / "study.qualcode"
    with open_project(path) as project:
        qc.import_qdpx(good(tmp_path / "first.qdpx"), project)
        project.add_coding("e1", "accueil", coder="marie", new_code=True, start=15, end=30)
    return path


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_archives_are_refused_and_the_project_is_unchanged(project_file, tmp_path, case):
    build, expected = HOSTILE[case]
    (tmp_path / "in").mkdir()
    archive = build(tmp_path / "in" / "hostile.qdpx")
    before = file_hash(project_file)
    listing = sorted(p.name for p in tmp_path.rglob("*"))
    with open_project(project_file) as project, pytest.raises(RefiError) as caught:
        qc.import_qdpx(archive, project)
    message = str(caught.value)
    assert message.startswith(str(archive)), message
    for part in expected:
        assert part in message, message
    assert file_hash(project_file) == before
    assert sorted(p.name for p in tmp_path.rglob("*")) == listing  # nothing extracted, anywhere
    assert not (tmp_path / "evil.txt").exists()


def test_every_problem_is_reported_at_once(tmp_path):
    qde = good_qde(20, 99, code=G[9])
    archive = make_qdpx(tmp_path / "x.qdpx", qde, {f"sources/{G[2]}.txt": TEXT})
    with pytest.raises(RefiError) as caught:
        read_qdpx(archive)
    assert len(caught.value.problems) == 2 and "2 problems" in str(caught.value)


def test_a_good_archive_passes_and_a_failed_import_rolls_back(project_file, tmp_path, monkeypatch):
    archive = make_qdpx(tmp_path / "second.qdpx", good_qde().replace("e1", "e2").replace(G[2], G[7]).replace(
        G[3], G[8]).replace(G[4], G[9]), {f"sources/{G[7]}.txt": TEXT + " Au revoir."})  # another text: not e1
    model = read_qdpx(archive)
    before = file_hash(project_file)

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("qualcode.exchange.merge._Merge._notes", fail)
    with open_project(project_file) as project, pytest.raises(OSError, match="disk full"):
        qc.import_qdpx(model, project)  # the documents and codings were written, then rolled back
    assert file_hash(project_file) == before
    monkeypatch.undo()
    with open_project(project_file) as project:
        assert qc.import_qdpx(model, project).sources_added == ["e2"]


def test_namespaces_other_than_refi_are_refused(tmp_path):
    archive = make_qdpx(tmp_path / "x.qdpx", good_qde().replace(NS, "urn:QDA-XML:codebook:1.0"))
    with pytest.raises(RefiError, match="not a REFI-QDA Project"):
        read_qdpx(archive)


def test_unsafe_codebooks_are_refused(tmp_path):
    path = tmp_path / "c.qdc"
    path.write_text(f'<!DOCTYPE CodeBook [{LAUGHS}]><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                    f'<Code guid="{G[1]}" name="&x;" isCodable="true"/></Codes></CodeBook>', encoding="utf-8")
    with pytest.raises(qc.CodebookError, match="DOCTYPE"):
        qc.read_qdc(path)


def test_entries_read_into_memory_are_capped(tmp_path, monkeypatch):
    monkeypatch.setattr("qualcode.ingest.refi.archive.MAX_ENTRY", 20)
    with pytest.raises(RefiError, match=r"entry 'project.qde' unpacks to [\d,]+ bytes \(limit 20 bytes .*a zip bomb"):
        read_qdpx(good(tmp_path / "x.qdpx"))


def _many_sources(path: Path, count: int, text: bytes, shared: bool) -> Path:
    """An archive of ``count`` text sources, all naming one entry (``shared``) or each its own."""
    import uuid

    guids = [str(uuid.UUID(int=i + 1000)) for i in range(count)]
    sources = "".join(f'<TextSource guid="{g}" name="s{i}" plainTextPath="internal://{guids[0] if shared else g}.txt"/>'
                      for i, g in enumerate(guids))
    files = {f"sources/{guids[0]}.txt": text} if shared else {f"sources/{g}.txt": text for g in guids}
    return make_qdpx(path, project_xml(f"<Sources>{sources}</Sources>"), files)


def test_an_entry_named_by_many_sources_counts_against_one_budget(tmp_path):
    """7 KB of archive made 600 documents of 1 MB (655 MB): entries under 1 MiB skip the ratio check, and one
    entry was inflated again for every source naming it. Each entry is now read once, and all the text an
    import takes is counted against one budget."""
    path = _many_sources(tmp_path / "bomb.qdpx", 600, b"a" * (1024 * 1024 - 1), shared=True)
    assert path.stat().st_size < 20_000
    with pytest.raises(RefiError, match="more than 512 MB in all"):
        read_qdpx(path)


def test_finding_the_entries_of_many_sources_is_linear(tmp_path):
    """SafeArchive.find scanned every entry for each source (6,000 sources: 199 s)."""
    import time

    path = _many_sources(tmp_path / "many.qdpx", 6000, b"Un texte court.", shared=False)
    started = time.perf_counter()
    model = read_qdpx(path)
    assert len(model.sources) == 6000
    assert time.perf_counter() - started < 30  # about 2 s; the scan took minutes


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_controls_in_names_are_removed_with_a_warning(tmp_path):
    # "\u202e" shows what follows right to left: a listing would show "e1gpj.exe" as "e1exe.jpg"
    qde = good_qde().replace('name="ana"', 'name="an\u2066a\u2069"').replace(
        'name="accueil"', 'name="accu\u202eliee"').replace('name="e1"', 'name="e1\u202egpj.exe"').replace(
        "</Codes>", f'<Code guid="{G[6]}" name="{BIDI}x"/></Codes>')
    archive = make_qdpx(tmp_path / "x.qdpx", qde, {f"sources/{G[2]}.txt": TEXT})
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdpx(archive, project)
        [row] = project.codings().itertuples()
        names = [*project.codes()["code"], *project.documents()["document"], row.coder]
        qc.export_qdpx(project, tmp_path / "again.qdpx")
    assert (row.document, row.coder, row.code) == ("e1gpj.exe", "ana", "acculiee")
    assert not any(ch in BIDI for name in names for ch in name)
    exported = zipfile.ZipFile(tmp_path / "again.qdpx").read("project.qde").decode("utf-8")
    assert not any(ch in exported for ch in BIDI)
    warnings = [w for w in summary.warnings if "bidirectional" in w]
    assert len(warnings) == 4 and any("'e1\\u202egpj.exe'" in w for w in warnings)


def test_bidi_controls_in_codebook_names_are_removed_with_a_warning(tmp_path, caplog):
    path = tmp_path / "c.qdc"
    path.write_text(f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="{G[1]}" name="a\u202eb" '
                    'isCodable="true"/></Codes></CodeBook>', encoding="utf-8")
    assert [c.name for c in qc.read_qdc(path)] == ["ab"]
    assert "bidirectional" in caplog.text
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdc(path, project)
        assert list(project.codes()["code"]) == ["ab"]
    assert "bidirectional" in str(summary)
