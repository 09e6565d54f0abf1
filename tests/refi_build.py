"""Helpers shared by the REFI-QDA tests: a small study project with every kind of object, and archives
built on the fly (the hostile ones included), never stored as binary files."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

from lxml import etree

import qualcode as qc
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Code, Codebook, Rules
from qualcode.model.transcript import Block, RawDocument
from qualcode.project.store import open_project

NS = "urn:QDA-XML:project:1.0"
Q = f"{{{NS}}}"
BOOK = Codebook(
    "t",
    [
        Code("themes", name={"fr": "Thèmes", "en": "Themes"}, definition="Les thèmes.", color="#336699"),
        Code("turnover", name="Turnover", parent="themes", definition="Changes of contact.",
             inclusion="A new person.", exclusion="Staff leaving for good.", examples=("On recommence.",),
             rules={"fr": Rules(terms=("interlocuteur",))}),
        Code("temps", parent="themes", rules={"fr": Rules(terms=("durée",))}),
    ],
)
AUTO = "auto:t"
EMOJI = "P: Un interlocuteur 😀 unique, enfin 👍🏽.\n\nP: Une action dans la durée 🎉 encore."
TEXTS = {
    "d1": "I: Comment ça se passe ?\n\nP: Les interlocuteurs changent, on recommence sans cesse.\n\n"
    "P: Il faudrait agir dans la durée.",
    "d2": EMOJI,
    "site/d3": "P: Rien à signaler, un interlocuteur présent.\n\nP: Vraiment rien.",
}
ATTRIBUTES = {"d1": {"role": "parent", "age": 34, "score": 0.5}, "d2": {"role": "enseignant", "age": 51}}


def transcripts(texts: dict[str, str] = TEXTS) -> list[qc.Transcript]:
    out = []
    for doc, text in texts.items():
        t = build_transcript(RawDocument([Block(text)], "txt"), doc, language="fr")
        assert t.text == text  # the offsets below count on it
        t.attributes.update(ATTRIBUTES.get(doc, {}))
        out.append(t)
    return out


def build_study(path: Path) -> Path:
    """A project with automatic and human codings, a decision of each kind, memos and attributes."""
    with open_project(path) as project:
        project.code(qc.Coder(BOOK), transcripts())
        auto = project.codings(AUTO)
        first = int(auto.query("document == 'd1' and code == 'turnover'")["id"].iloc[0])
        temps = int(auto.query("document == 'd1' and code == 'temps'")["id"].iloc[0])
        project.accept(first, coder="marie")
        project.reject(temps, coder="marie")
        start = EMOJI.index("unique")
        mine = project.add_coding("d2", "famille", coder="marie", new_code=True, start=start, end=start + len("unique, enfin 👍🏽"))
        encore = EMOJI.index("encore")
        project.add_coding("d2", "temps", coder="Jean Dupont", new_code=True, start=encore, end=encore + len("encore"))
        project.add_coding("site/d3", "famille", coder="marie", new_code=True, start=3, end=18)  # "Rien à signaler"
        project.add_memo("Pourquoi « unique » ?", author="marie", coding=mine)
        project.add_memo("Entretien court.", author="marie", document="d1")
        project.add_memo("Le temps au sens large.", author="Jean Dupont", code="temps")
        project.add_memo("Turnover vu par le parent.", author="marie", document="d1", code="turnover")
        # an edit: auto codings of site/d3 go stale, marie's coding there is left unplaced
        edited = transcripts({"site/d3": "P: Tout va bien, un interlocuteur présent.\n\nP: Vraiment rien."})
        project.add_documents(edited)
    return path


def copy_of(template: Path, tmp_path: Path, name: str = "study.qualcode") -> Path:
    target = tmp_path / name
    shutil.copy(template, target)
    return target


def make_qdpx(path: Path, qde: str | bytes, files: dict[str, str | bytes] | None = None,
              qde_name: str = "project.qde") -> Path:
    """A .qdpx archive holding ``qde`` and ``files`` (entry name -> content)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qde_name, qde if isinstance(qde, bytes) else qde.encode("utf-8"))
        for name, data in (files or {}).items():
            archive.writestr(name, data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def project_xml(body: str, **attributes: str) -> str:
    attrs = " ".join(f'{k}="{v}"' for k, v in {"name": "p", **attributes}.items())
    return f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NS}" {attrs}>{body}</Project>'


def qde_root(archive: Path) -> etree._Element:
    with zipfile.ZipFile(archive) as z:
        return etree.fromstring(z.read("project.qde"))


def canonical_qde(archive: Path, *, ignore: tuple[str, ...] = ("creationDateTime", "modifiedDateTime", "name")) -> str:
    """The .qde as canonical XML, without dates (and the project's name, which follows the file name)."""
    root = qde_root(archive)
    for element in root.iter():
        for key in ignore:
            if key in element.attrib and (key != "name" or element is root):
                del element.attrib[key]
    return etree.tostring(root, method="c14n").decode()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def regenerate_guids(path: Path) -> dict[str, str]:
    """Rewrite ``path`` (.qdpx) with every GUID replaced by a new random one, consistently (in attributes,
    references and source file names), as QualCoder does on every export; return old -> new (canonical)."""
    import re
    import uuid

    guid = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
    new: dict[str, str] = {}

    def swap(text: str) -> str:
        return guid.sub(lambda m: new.setdefault(m.group().lower(), str(uuid.uuid4()).upper()), text)

    with zipfile.ZipFile(path) as z:
        entries = [(swap(n), z.read(n)) for n in z.namelist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, swap(data.decode("utf-8")) if name == "project.qde" else data)
    return new
