"""REFI-QDA import: real exports from NVivo, ATLAS.ti and Taguette, hand-made variants, the round trip and
merging into a project that already has content."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from conftest import require_shared
from lxml import etree
from refi_build import NS, Q, build_study, canonical_qde, copy_of, make_qdpx, project_xml, regenerate_guids

import qualcode as qc
from qualcode.exchange import read_qdpx
from qualcode.exchange.guids import Guids
from qualcode.model.errors import RefiError
from qualcode.project.store import open_project

PLACED = ["document", "coder", "code", "start", "end", "text", "status"]


def sample(name: str) -> Path:
    return require_shared(f"refi-qda/samples/{name}")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_study(tmp_path_factory.mktemp("template") / "study.qualcode")


# -- real samples ----------------------------------------------------------------------------------------------


def nvivo_expected_texts(archive: Path) -> list[str]:
    """The text of each selection of oltas0517.qdpx read as NVivo counts: UTF-16 units over the CRLF text."""
    with zipfile.ZipFile(archive) as z:
        root = etree.fromstring(z.read("project.qde"))
        out = []
        for source in root.iter(f"{Q}TextSource"):
            units = z.read(f"Sources/{source.get('plainTextPath')[len('internal://'):]}").decode("utf-8-sig")
            units = units.encode("utf-16-le")
            for s in source.iter(f"{Q}PlainTextSelection"):
                a, b = int(s.get("startPosition")), int(s.get("endPosition"))
                out.append(units[2 * a:2 * b].decode("utf-16-le").replace("\r\n", "\n"))
    return out


def test_nvivo_windows_sample_every_selection_lands_on_its_text(tmp_path):
    archive = sample("oltas0517.qdpx")
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdpx(archive, project)
        codings = project.codings()
        assert (len(summary.sources_added), len(summary.codes_added), summary.codings_added) == (2, 152, 303)
        assert summary.selections == 303 and summary.positions == "nvivo"
        # read as UTF-16 units over the CRLF text, 300 start and end on word boundaries; as code points, 49
        assert summary.word_boundaries == {"nvivo": 300, "codepoints": 49}
        assert sorted(codings["text"]) == sorted(nvivo_expected_texts(archive))
        for row in codings.itertuples():
            assert project.transcript(row.document).text[row.start:row.end] == row.text
        assert set(codings["coder"]) == {"Gergo"} and summary.users == {"Gergo": "Gergo", "floriansipos": "floriansipos"}
        assert "\r" not in project.transcript("videos_10_selected").text
    forced = read_qdpx(archive, positions="nvivo")
    assert (forced.positions, forced.word_boundaries["nvivo"]) == ("nvivo", 300)


def test_nvivo_mac_sample_keeps_the_hierarchy_and_gives_repeated_names_their_own_ids(tmp_path):
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdpx(sample("nvivo_project.qdpx"), project)
        codes = set(project.codes()["code"])
        assert (len(summary.sources_added), len(codes), summary.codings_added) == (2, 262, 0)
        assert {"programming", "cs_as_programming.programming"} <= codes  # two codes named "programming"
        assert [project.transcript(d).text for d in summary.sources_added] == ["\n", "\n"]


def test_atlas_sample_codes_nest(tmp_path):
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdpx(sample("target-atlas-project.qdpx"), project)
        qc.export_qdc(project, tmp_path / "codes.qdc")
    assert (summary.sources_added, summary.codes_added[0], len(summary.codes_added)) == ([], "Commits", 3)
    commits = qc.read_qdc(tmp_path / "codes.qdc")
    assert [c.parent for c in commits] == [None, "Commits", "Commits"]
    assert commits.codes[1].name == "2022-05-10T02:05:59Z 19e4dce"


def test_spec_annex_project_imports_what_it_can_and_lists_the_rest(tmp_path):
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdpx(sample("TestProject.qdpx"), project)
        assert len(project.codes()) == 14 and "Coke.diet_Coke" in set(project.codes()["code"])
        assert len(project.documents()) == 0
    skipped = "\n".join(summary.sources_skipped)
    assert len(summary.sources_skipped) == 12
    assert "'Mabel.txt' (TextSource): its text file 'internal://B2F54555-0D2D-43B2-B40C-2A1C048F5F1C.txt' " \
           "is not in the archive; 3 coding(s) not imported" in skipped
    for kind in ("PictureSource", "PDFSource", "AudioSource", "VideoSource"):
        assert kind in skipped
    assert any("16 set(s)" in s for s in summary.skipped) and any("Research Plan" in s for s in summary.skipped)
    assert "skipped source: 'Simon.docx'" in str(summary)


def test_taguette_codebook_is_accepted_despite_its_empty_sets(tmp_path):
    book = qc.read_qdc(sample("codebook.qdc"))
    assert [(c.id, c.name, c.rules) for c in book] == [
        ("xsd_element_name", "xsd:element name", {}), ("CodeBook", "CodeBook", {}), ("Variables", "Variables", {})]
    assert qc.read_codebook(sample("codebook.qdc")).ids == book.ids  # read_codebook knows .qdc
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdc(sample("codebook.qdc"), project)
        again = qc.import_qdc(sample("codebook.qdc"), project)
    assert (len(summary.codes_added), again.codes_added, again.codes_existing) == (3, [], 3)


@pytest.mark.parametrize("version", ["1.0", "0.4", "0.10"])
def test_codebook_namespaces_of_every_version_seen(tmp_path, version):
    path = tmp_path / "c.qdc"
    path.write_text(f'<CodeBook xmlns="urn:QDA-XML:codebook:{version}"><Codes><Code guid="{"1" * 8}-1111-1111-1111-'
                    f'{"1" * 12}" name="1. Coût" isCodable="true" color="#abc"><Description>Le coût.</Description>'
                    "</Code></Codes></CodeBook>", encoding="utf-8")
    [code] = qc.read_qdc(path).codes
    assert (code.id, code.name, code.definition, code.color) == ("c_1_Cout", "1. Coût", "Le coût.", "#AABBCC")


# -- hand-made variants ---------------------------------------------------------------------------------------

GUIDS = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(1, 20)]


def small_project(text_path: str, selection: tuple[int, int] = (2, 7)) -> str:
    return project_xml(
        f'<Users><User guid="{GUIDS[0]}" name="  Ana  Lopez "/></Users>'
        f'<CodeBook><Codes><Code guid="{GUIDS[1]}" name="Santé" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{GUIDS[2]}" name="Entretien 1.docx" plainTextPath="{text_path}">'
        f'<PlainTextSelection guid="{GUIDS[3]}" startPosition="{selection[0]}" endPosition="{selection[1]}" '
        f'creatingUser="{GUIDS[0]}"><Coding guid="{GUIDS[4]}" creatingUser="{GUIDS[0]}">'
        f'<CodeRef targetGUID="{GUIDS[1]}"/></Coding></PlainTextSelection></TextSource></Sources>',
        origin="Tool X")


@pytest.mark.parametrize(("qde_name", "entry", "path"), [
    ("project.qde", "sources/a.txt", "internal://a.txt"),
    ("Mon projet.qde", "Sources/a.txt", "internal://a.txt"),
    ("project.qde", "sources/a.txt", "sources/a.txt"),
])
def test_any_qde_name_either_sources_folder_bom_and_crlf(tmp_path, qde_name, entry, path):
    text = "\ufeffA\r\nSanté\r\nfin"  # BOM, CRLF: "Santé" is at 3..8 in the file, 2..7 in the stored text
    archive = make_qdpx(tmp_path / "x.qdpx", small_project(path, (3, 8)), {entry: text}, qde_name=qde_name)
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdpx(archive, project)
        [row] = project.codings().itertuples()
        assert (row.document, row.coder, row.code, row.text) == ("Entretien 1", "Ana Lopez", "Santé", "Santé")
        assert project.transcript("Entretien 1").text == "A\nSanté\nfin"
    assert summary.positions == "codepoints"


def test_inline_text_and_forced_positions(tmp_path):
    qde = small_project("", (3, 8)).replace(
        ' plainTextPath="">', "><PlainTextContent>😀 Santé</PlainTextContent>")
    archive = make_qdpx(tmp_path / "x.qdpx", qde)
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdpx(archive, project, positions="nvivo")
        assert project.codings()["text"].tolist() == ["Santé"] and summary.positions == "nvivo"
    with pytest.raises(RefiError, match=r"selection 00000004-0000-4000-8000-000000000004 \[3, 8\) does not fit"):
        read_qdpx(archive, positions="codepoints")  # 7 code points only
    with open_project(tmp_path / "r.qualcode") as project:  # auto: Santé on word boundaries as UTF-16 units only
        assert qc.import_qdpx(archive, project).positions == "nvivo"


# -- round trip and merging -----------------------------------------------------------------------------------


def placed(project, *, by_guid: bool = False) -> list[tuple]:
    """The placed codings; ``by_guid``: codes by GUID (a re-imported project's code ids come from the names)."""
    frame = project.codings()[PLACED]
    if by_guid:
        guids = Guids.of(project)
        frame = frame.assign(code=[guids.guid("code", c) for c in frame["code"]])
    return sorted(map(tuple, frame.astype(str).values.tolist()))


def memo_rows(project) -> list[list[str]]:
    return sorted(project.memos()[["author", "document", "code", "text"]].fillna("").values.tolist())


@pytest.mark.parametrize("positions", ["codepoints", "nvivo"])
def test_round_trip_gives_the_same_project(template, tmp_path, positions):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with open_project(copy_of(template, tmp_path)) as first:
        qc.export_qdpx(first, tmp_path / "a" / "study.qdpx", positions=positions)
        before = placed(first, by_guid=True)
        memos = memo_rows(first)
        attributes = first.attributes().values.tolist()
    with open_project(tmp_path / "b" / "study.qualcode") as second:
        summary = qc.import_qdpx(tmp_path / "a" / "study.qdpx", second)
        codes = {"turnover": "Turnover", "themes": "Themes"}  # ids from the names written
        assert set(second.codes()["code"]) == {"Themes", "Turnover", "temps", "famille"}
        assert summary.positions == positions and not summary.conflicts and not summary.skipped
        qc.export_qdpx(second, tmp_path / "b" / "study.qdpx", positions=positions)
        assert placed(second, by_guid=True) == before  # the accepted decision comes back as marie's coding
        assert memo_rows(second) == [[a, d, codes.get(c, c), t] for a, d, c, t in memos]
        assert second.attributes().values.tolist() == attributes
    a, b = zipfile.ZipFile(tmp_path / "a" / "study.qdpx"), zipfile.ZipFile(tmp_path / "b" / "study.qdpx")
    assert a.namelist() == b.namelist()
    assert all(a.read(n) == b.read(n) for n in a.namelist() if n.startswith("sources/"))
    assert canonical_qde(tmp_path / "a" / "study.qdpx") == canonical_qde(tmp_path / "b" / "study.qdpx")


def test_importing_an_export_into_its_own_project_adds_nothing(template, tmp_path):
    with open_project(copy_of(template, tmp_path)) as project:
        qc.export_qdpx(project, tmp_path / "study.qdpx")
        before = placed(project)
        summary = qc.import_qdpx(tmp_path / "study.qdpx", project)
        assert (summary.sources_added, summary.codes_added, summary.codings_added, summary.notes_added) == ([], [], 0, 0)
        assert summary.conflicts == [] and placed(project) == before


def edit_archive(path: Path, edit) -> Path:
    """Rewrite the .qde of ``path`` with ``edit(root, files)``; ``files`` maps entry names to text."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("project.qde"))
        files = {n: z.read(n).decode("utf-8") for n in z.namelist() if n != "project.qde"}
    edit(root, files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("project.qde", etree.tostring(root, xml_declaration=True, encoding="utf-8"))
        for name, text in files.items():
            z.writestr(name, text)
    path.write_bytes(buffer.getvalue())
    return path


def test_merging_a_colleagues_version_adds_their_codings_and_reports_conflicts(template, tmp_path):
    with open_project(copy_of(template, tmp_path)) as project:
        qc.export_qdpx(project, tmp_path / "study.qdpx")

    def colleague(root, files):
        users = root.find(f"{Q}Users")
        etree.SubElement(users, f"{Q}User", guid=GUIDS[9], name="Paul")
        code = next(c for c in root.iter(f"{Q}Code") if c.get("name") == "Turnover")
        code.set("name", "Rotation")  # renamed in the other program
        d1 = next(s for s in root.iter(f"{Q}TextSource") if s.get("name") == "d1")
        selection = etree.Element(f"{Q}PlainTextSelection", guid=GUIDS[10], startPosition="3", endPosition="10",
                                  creatingUser=GUIDS[9])
        coding = etree.SubElement(selection, f"{Q}Coding", guid=GUIDS[11], creatingUser=GUIDS[9])
        etree.SubElement(coding, f"{Q}CodeRef", targetGUID=code.get("guid"))
        d1.insert(0, selection)
        d2 = next(s for s in root.iter(f"{Q}TextSource") if s.get("name") == "d2")
        files[f"sources/{d2.get('guid')}.txt"] += " Ajout."  # edited text under the same GUID

    edit_archive(tmp_path / "study.qdpx", colleague)
    with open_project(tmp_path / "study.qualcode") as project:
        marie = project.codings("marie", placed_only=False)
        summary = qc.import_qdpx(tmp_path / "study.qdpx", project)
        paul = project.codings("Paul")
        assert paul[["document", "code", "text"]].values.tolist() == [["d1", "turnover", "Comment"]]
        assert project.codings("marie", placed_only=False).equals(marie)  # human coding is never lost
        assert project.transcript("d2").text.endswith("encore.")  # the project's text is kept
    conflicts = "\n".join(summary.conflicts)
    assert "code 'Rotation'" in conflicts and "is code 'turnover' in the project with another name" in conflicts
    assert "source 'd2'" in conflicts and "another text" in conflicts
    assert summary.codings_added == 1 and summary.users["Paul"] == "Paul"


def test_reimporting_the_same_archive_changes_nothing(tmp_path):
    with open_project(tmp_path / "p.qualcode") as project:
        qc.import_qdpx(sample("oltas0517.qdpx"), project)
        project.add_coding("videos_10_selected", "Government", coder="marie", new_code=True, start=0, end=5)
        rows = {t: project.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                for t in ("documents", "codes", "codings", "memos", "attributes", "refi_guids")}
        again = qc.import_qdpx(sample("oltas0517.qdpx"), project)
        assert (again.codings_added, again.codings_existing, len(again.sources_existing)) == (0, 303, 2)
        for table, before in rows.items():
            assert project.db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() == before, table


def test_project_namespace_is_read_whatever_its_version(tmp_path):
    qde = small_project("internal://a.txt").replace(NS, "urn:QDA-XML:project:0.9")
    archive = make_qdpx(tmp_path / "x.qdpx", qde, {"sources/a.txt": "A Santé"})
    with open_project(tmp_path / "p.qualcode") as project:
        assert qc.import_qdpx(archive, project).codings_added == 1


@pytest.mark.parametrize("name", ["oltas0517.qdpx", "nvivo_project.qdpx", "target-atlas-project.qdpx",
                                  "TestProject.qdpx"])
def test_every_sample_exports_again_valid(tmp_path, name):
    xsd = require_shared("refi-qda/Project-mrt2019.xsd")
    with open_project(tmp_path / "p.qualcode") as project:
        qc.import_qdpx(sample(name), project)
        qc.export_qdpx(project, tmp_path / "again.qdpx", schema=xsd, positions="nvivo")
        qc.export_qdc(project, tmp_path / "again.qdc", schema=xsd.with_name("Codebook-mrt2019.xsd"))


def test_write_codebook_writes_qdc_by_suffix(tmp_path):
    book = qc.read_qdc(sample("codebook.qdc"))
    qc.write_codebook(book, tmp_path / "copy.qdc")
    assert qc.read_codebook(tmp_path / "copy.qdc").ids == book.ids


def test_whole_source_codings_variables_cases_and_selection_comments(tmp_path):
    g = GUIDS
    qde = project_xml(
        f'<Users><User guid="{g[0]}" name="ana"/></Users>'
        f'<CodeBook><Codes><Code guid="{g[1]}" name="accueil" isCodable="true"/></Codes></CodeBook>'
        f'<Variables><Variable guid="{g[5]}" name="age" typeOfVariable="Integer"/>'
        f'<Variable guid="{g[6]}" name="parent" typeOfVariable="Boolean"/></Variables>'
        f'<Cases><Case guid="{g[7]}" name="Ana"><VariableValue><VariableRef targetGUID="{g[5]}"/>'
        f'<IntegerValue>41</IntegerValue></VariableValue><SourceRef targetGUID="{g[2]}"/></Case></Cases>'
        f'<Sources><TextSource guid="{g[2]}" name="e1" plainTextPath="internal://e1.txt" creatingUser="{g[0]}">'
        f'<PlainTextSelection guid="{g[3]}" startPosition="0" endPosition="7" creatingUser="{g[0]}">'
        "<Description>Un accueil chaleureux.</Description>"
        f'<Coding guid="{g[4]}"><CodeRef targetGUID="{g[1]}"/></Coding><NoteRef targetGUID="{g[8]}"/>'
        "</PlainTextSelection>"
        f'<Coding guid="{g[9]}"><CodeRef targetGUID="{g[1]}"/></Coding>'
        f'<VariableValue><VariableRef targetGUID="{g[6]}"/><BooleanValue>true</BooleanValue></VariableValue>'
        f'</TextSource></Sources><Notes><Note guid="{g[8]}" name="Accueil" creatingUser="{g[0]}">'
        "<PlainTextContent>Accueil : à revoir.</PlainTextContent></Note></Notes>")
    archive = make_qdpx(tmp_path / "x.qdpx", qde, {"sources/e1.txt": "Bonjour, entrez."})
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdpx(archive, project)
        codings = project.codings()[["coder", "code", "start", "end"]].values.tolist()
        assert codings == [["ana", "accueil", 0, 7], ["ana", "accueil", 0, 16]]  # the second: the whole source
        assert project.attributes().values.tolist() == [["e1", "age", 41], ["e1", "parent", "true"]]
        memos = project.memos()[["author", "document", "code", "coding", "text"]].values.tolist()
        first = int(project.codings().iloc[0]["id"])
        assert sorted(memos) == [["ana", "e1", "accueil", first, "Accueil : à revoir."],
                                 ["ana", "e1", "accueil", first, "Un accueil chaleureux."]]
        assert (summary.attributes_set, summary.notes_added) == (2, 2)  # the comment and the note
    changed = make_qdpx(tmp_path / "y.qdpx", qde.replace("<IntegerValue>41", "<IntegerValue>42").replace(
        "à revoir", "vu"), {"sources/e1.txt": "Bonjour, entrez."})
    with open_project(tmp_path / "p.qualcode") as project:
        again = qc.import_qdpx(changed, project)
        assert project.attributes().values.tolist()[0] == ["e1", "age", 41]
    assert [c.split(" is ")[0] for c in again.conflicts] == ["attribute 'age' of document 'e1'", f"note {g[8]}"]


def test_a_file_whose_guids_were_regenerated_merges_by_name_and_text_without_duplicates(template, tmp_path):
    # QualCoder writes new GUIDs at every export: its file must merge into the objects it came from.
    with open_project(copy_of(template, tmp_path)) as project:
        qc.export_qdpx(project, tmp_path / "study.qdpx")
        codes, codings, memos = list(project.codes()["code"]), placed(project), memo_rows(project)
    regenerate_guids(tmp_path / "study.qdpx")

    def renamed(root, files):  # one source renamed too: only its text says which document it is
        next(s for s in root.iter(f"{Q}TextSource") if s.get("name") == "d1").set("name", "Entretien 1.docx")

    edit_archive(tmp_path / "study.qdpx", renamed)
    with open_project(tmp_path / "study.qualcode") as project:
        summary = qc.import_qdpx(tmp_path / "study.qdpx", project)
        assert list(project.codes()["code"]) == codes and placed(project) == codings
        assert memo_rows(project) == memos
        assert len(project.documents()) == 3
    assert (summary.sources_added, summary.codes_added, summary.codings_added, summary.notes_added) == ([], [], 0, 0)
    assert sorted(summary.codes_matched_by_name) == sorted(codes)
    assert sorted(summary.sources_matched_by_text) == ["d1", "d2", "site/d3"]
    assert summary.conflicts == []
    text = str(summary)
    assert f"{len(codes)} codes by name and path" in text and "3 sources by their text" in text
    # merged once, the file's GUIDs are known: a second merge matches by GUID
    with open_project(tmp_path / "study.qualcode") as project:
        again = qc.import_qdpx(tmp_path / "study.qdpx", project)
    assert (again.codes_matched_by_name, again.sources_matched_by_text, again.codings_added) == ([], [], 0)


def test_codes_of_the_same_name_under_other_parents_are_matched_by_their_path(tmp_path):
    # nvivo_project.qdpx has two codes named "programming" (one under "CS as programming")
    with open_project(tmp_path / "p.qualcode") as project:
        qc.import_qdpx(sample("nvivo_project.qdpx"), project)
        qc.export_qdpx(project, tmp_path / "again.qdpx")
        codes = sorted(project.codes()["code"])
        regenerate_guids(tmp_path / "again.qdpx")
        summary = qc.import_qdpx(tmp_path / "again.qdpx", project)
        assert sorted(project.codes()["code"]) == codes and summary.codes_added == []
    assert len(summary.codes_matched_by_name) == len(codes) == 262 and not summary.conflicts
    assert sorted(summary.sources_matched_by_text) == sorted(summary.sources_existing)  # blank texts: by name


def test_nvivo_round_trip_keeps_every_code_description_exactly_and_every_user(tmp_path):
    def descriptions(root) -> dict[str, str | None]:
        return {c.get("guid").lower(): c.findtext(f"{Q}Description") for c in root.iter(f"{Q}Code")}

    archive = sample("oltas0517.qdpx")
    with zipfile.ZipFile(archive) as z:
        original = etree.fromstring(z.read("project.qde"))
    with open_project(tmp_path / "p.qualcode") as project:
        qc.import_qdpx(archive, project)
        qc.export_qdpx(project, tmp_path / "again.qdpx", positions="nvivo")
    again = etree.fromstring(zipfile.ZipFile(tmp_path / "again.qdpx").read("project.qde"))
    assert sum(d != d.strip() for d in descriptions(original).values() if d) == 3  # trailing newlines, spaces
    assert descriptions(again) == descriptions(original)
    users = {u.get("name"): u.get("guid") for u in again.iter(f"{Q}User")}
    assert users == {u.get("name"): u.get("guid") for u in original.iter(f"{Q}User")}  # floriansipos coded nothing


@pytest.mark.parametrize("description", [
    "Santé publique. ", "  Indented.\n", "Def.\n\nInclusion: a visit \n", "Def.\n\nExample: one\n\nExample: two  ",
    "Def.  \n\nInclusion: x", "Def.\n\n\nInclusion: three newlines", "Inclusion: only\n",
])
def test_code_descriptions_come_back_exactly(tmp_path, description):
    qde = small_project("internal://a.txt").replace(
        'isCodable="true"/>', f'isCodable="true"><Description>{description}</Description></Code>')
    archive = make_qdpx(tmp_path / "x.qdpx", qde, {"sources/a.txt": "A Santé"})
    with open_project(tmp_path / "p.qualcode") as project:
        qc.import_qdpx(archive, project)
        qc.export_qdpx(project, tmp_path / "again.qdpx")
        assert not qc.import_qdpx(tmp_path / "again.qdpx", project).conflicts
    [code] = etree.fromstring(zipfile.ZipFile(tmp_path / "again.qdpx").read("project.qde")).iter(f"{Q}Code")
    assert code.findtext(f"{Q}Description") == description


def test_a_source_description_becomes_a_memo_and_other_descriptions_are_listed(tmp_path):
    qde = small_project("internal://a.txt").replace(
        'plainTextPath="internal://a.txt">',
        'plainTextPath="internal://a.txt" creatingUser="' + GUIDS[0] + '"><Description>Entretien au domicile.'
        "</Description>").replace(
        "<Users>", "<Description>Le projet.</Description><Users>").replace(
        "</CodeBook>", f'</CodeBook><Variables><Variable guid="{GUIDS[5]}" name="age" typeOfVariable="Integer">'
        f'<Description>En années.</Description></Variable></Variables><Cases><Case guid="{GUIDS[6]}" name="Ana">'
        f'<Description>La mère.</Description><SourceRef targetGUID="{GUIDS[2]}"/></Case></Cases>')
    archive = make_qdpx(tmp_path / "x.qdpx", qde, {"sources/a.txt": "A Santé"})
    with open_project(tmp_path / "p.qualcode") as project:
        summary = qc.import_qdpx(archive, project)
        memos = project.memos()[["author", "document", "code", "text"]].values.tolist()
        assert memos == [["Ana Lopez", "Entretien 1", None, "Entretien au domicile."]]
        again = qc.import_qdpx(archive, project)
    assert summary.notes_added == 1 and "1 notes added (1 from descriptions)" in str(summary)
    assert again.notes_added == 0
    skipped = "\n".join(summary.skipped)
    for what in ("the project's description", "variable 'age': its description", "case 'Ana': its description"):
        assert what in skipped


def test_a_date_followed_by_a_newline_is_not_a_date(tmp_path):
    qde = small_project("internal://a.txt").replace(
        f'<Coding guid="{GUIDS[4]}"', f'<Coding creationDateTime="2021-03-04T05:06:07Z&#10;" guid="{GUIDS[4]}"')
    archive = make_qdpx(tmp_path / "x.qdpx", qde, {"sources/a.txt": "A Santé"})
    with open_project(tmp_path / "p.qualcode") as project:
        qc.import_qdpx(archive, project)
        [created] = project.db.execute("SELECT created FROM codings").fetchone()
    assert "\n" not in created and created != "2021-03-04T05:06:07Z\n"
