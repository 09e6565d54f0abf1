"""REFI-QDA export: valid against the REFI schemas, positions over exactly the source files, stable GUIDs."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

import pytest
from conftest import require_shared
from lxml import etree
from refi_build import AUTO, BOOK, EMOJI, NS, Q, build_study, copy_of, qde_root

import qualcode as qc
from qualcode.model.errors import RefiError
from qualcode.project.store import open_project

CONTAINERS = ("Users", "CodeBook", "Codes", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_study(tmp_path_factory.mktemp("template") / "study.qualcode")


@pytest.fixture
def study(template, tmp_path):
    with open_project(copy_of(template, tmp_path)) as project:
        yield project


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(require_shared(f"refi-qda/{name}"))))


def assert_valid(path: Path, xsd: str) -> None:
    data = zipfile.ZipFile(path).read("project.qde") if path.suffix == ".qdpx" else path.read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')  # no BOM
    validator = schema(xsd)
    assert validator.validate(etree.fromstring(data)), validator.error_log


def selections(root: etree._Element) -> list[tuple[str, int, int, list[str]]]:
    """(source name, start, end, code GUIDs) of every selection."""
    return [(s.get("name"), int(p.get("startPosition")), int(p.get("endPosition")),
             [r.get("targetGUID") for r in p.iter(f"{Q}CodeRef")])
            for s in root.iter(f"{Q}TextSource") for p in s.iter(f"{Q}PlainTextSelection")]


@pytest.mark.parametrize("positions", ["codepoints", "nvivo"])
def test_the_export_is_valid_and_every_selection_slices_its_source_file_back_to_the_coded_text(
    study, tmp_path, positions
):
    out = tmp_path / "study.qdpx"
    summary = qc.export_qdpx(study, out, positions=positions)
    assert_valid(out, "Project-mrt2019.xsd")
    archive = zipfile.ZipFile(out)
    assert archive.namelist()[0] == "project.qde"
    root = etree.fromstring(archive.read("project.qde"))
    assert etree.QName(root).namespace == NS
    placed = study.codings()
    expected = sorted(zip(placed["document"], placed["text"], strict=True))
    found = []
    for source in root.iter(f"{Q}TextSource"):
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        raw = archive.read(f"sources/{source.get('guid')}.txt")
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert raw.decode("utf-8") == study.transcript(source.get("name")).text
        units = raw.decode("utf-8").encode("utf-16-le") if positions == "nvivo" else None
        for selection in source.iter(f"{Q}PlainTextSelection"):
            a, b = int(selection.get("startPosition")), int(selection.get("endPosition"))
            text = units[2 * a:2 * b].decode("utf-16-le") if units else raw.decode("utf-8")[a:b]
            found += [(source.get("name"), text)] * len(selection.findall(f"{Q}Coding"))
    assert sorted(found) == expected
    assert (summary.sources, summary.codings, summary.positions) == (3, len(placed), positions)


def test_emoji_count_once_as_code_points_and_twice_for_nvivo(study, tmp_path):
    starts = {}
    for positions in ("codepoints", "nvivo"):
        qc.export_qdpx(study, tmp_path / f"{positions}.qdpx", positions=positions)
        starts[positions] = {(s, e) for n, s, e, _ in selections(qde_root(tmp_path / f"{positions}.qdpx"))
                             if n == "d2"}
    encore = EMOJI.index("encore")  # after 😀, 👍🏽 (two code points, both astral) and 🎉
    assert EMOJI[:encore].count("😀") == 1 and sum(ord(c) > 0xFFFF for c in EMOJI[:encore]) == 4
    assert (encore, encore + 6) in starts["codepoints"]
    assert (encore + 4, encore + 10) in starts["nvivo"]
    unique = EMOJI.index("unique")  # after 😀 only; marie's span ends after 👍🏽 (two astral code points)
    assert (unique, unique + 16) in starts["codepoints"]
    assert (unique + 1, unique + 1 + 16 + 2) in starts["nvivo"]


def test_what_is_exported_of_each_kind_of_coding_and_what_is_left_out(study, tmp_path):
    summary = qc.export_qdpx(study, tmp_path / "study.qdpx")
    root = qde_root(tmp_path / "study.qdpx")
    users = {u.get("name"): u.get("guid") for u in root.iter(f"{Q}User")}
    assert set(users) == {AUTO, "marie", "Jean Dupont"}
    codings = [(c.getparent().getparent().get("name"), c.get("creatingUser")) for c in root.iter(f"{Q}Coding")]
    assert codings.count(("d1", users["marie"])) == 1  # the accepted coding; the rejection is left out
    assert ("site/d3", users["marie"]) not in codings  # unplaced by the edit
    assert not any(n == "site/d3" for n, _ in codings)  # the stale automatic codings
    assert summary.left_out == {"rejections": 1, "stale codings": 1, "unplaced codings": 1}
    no_auto = qc.export_qdpx(study, tmp_path / "human.qdpx", include_automatic=False)
    assert AUTO not in {u.get("name") for u in qde_root(tmp_path / "human.qdpx").iter(f"{Q}User")}
    assert no_auto.codings == summary.codings - len(study.codings(AUTO))


def test_codebook_memos_and_attributes(study, tmp_path):
    qc.export_qdpx(study, tmp_path / "study.qdpx")
    root = qde_root(tmp_path / "study.qdpx")
    codes = {c.get("name"): c for c in root.iter(f"{Q}Code")}
    assert codes["Turnover"].getparent() is codes["Themes"]  # hierarchy; first language of the names
    assert codes["Themes"].get("color") == "#336699"
    assert codes["Turnover"].findtext(f"{Q}Description") == (
        "Changes of contact.\n\nInclusion: A new person.\n\nExclusion: Staff leaving for good.\n\n"
        "Example: On recommence.")
    assert "famille" in codes  # added by a person, in no codebook
    notes = {n.findtext(f"{Q}PlainTextContent"): n.get("guid") for n in root.iter(f"{Q}Note")}
    refs = {r.get("targetGUID"): etree.QName(r.getparent()).localname for r in root.iter(f"{Q}NoteRef")}
    assert refs[notes["Pourquoi « unique » ?"]] == "Coding"
    assert refs[notes["Le temps au sens large."]] == "Code"
    assert refs[notes["Entretien court."]] == "TextSource"
    both = [etree.QName(r.getparent()).localname for r in root.iter(f"{Q}NoteRef")
            if r.get("targetGUID") == notes["Turnover vu par le parent."]]
    assert sorted(both) == ["Code", "TextSource"]
    types = {v.get("name"): v.get("typeOfVariable") for v in root.iter(f"{Q}Variable")}
    assert types == {"role": "Text", "age": "Integer", "score": "Float"}
    cases = {c.get("name"): c for c in root.iter(f"{Q}Case")}
    assert set(cases) == {"d1", "d2"}
    assert cases["d1"].findtext(f"{Q}VariableValue/{Q}FloatValue") == "0.5"


def test_guids_are_derived_and_stable_across_exports(study, tmp_path):
    qc.export_qdpx(study, tmp_path / "a.qdpx")
    qc.export_qdpx(study, tmp_path / "b.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()  # dates come from the project
    guids = [e.get("guid") for e in qde_root(tmp_path / "a.qdpx").iter() if e.get("guid")]
    assert len(guids) == len(set(guids)) and all(uuid.UUID(g).version == 5 for g in guids)
    qc.export_qdc(study, tmp_path / "codes.qdc")
    qdc = {c.get("name"): c.get("guid") for c in etree.parse(str(tmp_path / "codes.qdc")).iter() if c.get("guid")}
    qdpx = {c.get("name"): c.get("guid") for c in qde_root(tmp_path / "a.qdpx").iter(f"{Q}Code")}
    assert qdc == qdpx  # the codebook and the project agree


def test_an_empty_project_exports_without_empty_containers(tmp_path):
    with open_project(tmp_path / "empty.qualcode") as project:
        qc.export_qdpx(project, tmp_path / "empty.qdpx")
    assert_valid(tmp_path / "empty.qdpx", "Project-mrt2019.xsd")
    assert len(qde_root(tmp_path / "empty.qdpx")) == 0


def test_no_container_is_empty(study, tmp_path):
    qc.export_qdpx(study, tmp_path / "study.qdpx")
    for element in qde_root(tmp_path / "study.qdpx").iter():
        if etree.QName(element).localname in CONTAINERS:
            assert len(element), element.tag


def test_codebook_export_is_valid_and_reads_back(tmp_path):
    summary = qc.export_qdc(BOOK, tmp_path / "t.qdc")
    assert_valid(tmp_path / "t.qdc", "Codebook-mrt2019.xsd")
    back = qc.read_qdc(tmp_path / "t.qdc")
    # names in several languages: the first one given (Code.label); a name that is a valid id is the id
    assert [(c.id, c.parent) for c in back] == [("Thèmes", None), ("Turnover", "Thèmes"), ("temps", "Thèmes")]
    turnover = back["Turnover"]
    assert (turnover.definition, turnover.inclusion, turnover.exclusion, turnover.examples) == (
        "Changes of contact.", "A new person.", "Staff leaving for good.", ("On recommence.",))
    assert back["Thèmes"].color == "#336699" and summary.codes == 3
    qc.export_qdc(qc.default_codebook(), tmp_path / "default.qdc", schema=require_shared("refi-qda/Codebook-mrt2019.xsd"))
    assert_valid(tmp_path / "default.qdc", "Codebook-mrt2019.xsd")


def test_the_schema_option_validates_before_writing_anything(study, tmp_path):
    out = tmp_path / "study.qdpx"
    qc.export_qdpx(study, out, schema=require_shared("refi-qda/Project-mrt2019.xsd"))
    with pytest.raises(RefiError, match="does not validate against") as caught:  # the wrong schema
        qc.export_qdpx(study, tmp_path / "other.qdpx", schema=require_shared("refi-qda/Codebook-mrt2019.xsd"))
    assert str(tmp_path / "other.qdpx") in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".qualcode" and "-" not in p.suffix) == [
        "study.qdpx"]


def test_unknown_positions_are_refused(study, tmp_path):
    with pytest.raises(ValueError, match="'codepoints' or 'nvivo'"):
        qc.export_qdpx(study, tmp_path / "x.qdpx", positions="utf16")


def test_one_selection_per_span_and_coder_each_crediting_its_coder(study, tmp_path):
    # QualCoder takes a coding's coder from its selection and allows one coding per code, span and owner:
    # a selection shared by the automatic coder and a person would lose codings and credit the person's to it.
    summary = qc.export_qdpx(study, tmp_path / "study.qdpx")
    root = qde_root(tmp_path / "study.qdpx")
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    seen = []
    for source in root.iter(f"{Q}TextSource"):
        for selection in source.iter(f"{Q}PlainTextSelection"):
            owner = selection.get("creatingUser")
            assert {c.get("creatingUser") for c in selection.iter(f"{Q}Coding")} == {owner}
            seen.append((source.get("name"), selection.get("startPosition"), selection.get("endPosition"),
                         users[owner]))
    assert len(seen) == len(set(seen)) == summary.selections
    turnover = [s for s in seen if s[0] == "d1" and s[3] in (AUTO, "marie")]
    shared = {s[1:3] for s in turnover if s[3] == AUTO} & {s[1:3] for s in turnover if s[3] == "marie"}
    assert shared  # marie accepted an automatic coding: the same span, two selections
    guids = [s.get("guid") for s in root.iter(f"{Q}PlainTextSelection")]
    assert len(guids) == len(set(guids))
