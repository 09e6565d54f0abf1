"""Write the project files of schema version 1 that tests/test_schema.py migrates, as SQL text dumps.

Run with the qualcode that writes version 1 (up to commit 869e687), from the repository root:

    PYTHONPATH=/path/to/that/checkout python tests/schema1/make.py

``coded.sql``: documents coded automatically, then by hand (a coding, an accepted and a rejected automatic
coding, memos), never imported into, so without the ``refi_guids`` table that version 1 made at the first
REFI-QDA import; ``imported.sql``: a project into which the export of the first was imported, with that table.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

import qualcode as qc
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Code, Codebook, Rules
from qualcode.model.transcript import Block, RawDocument

HERE = Path(__file__).resolve().parent
BOOK = Codebook("t", [Code("turnover", rules={"fr": Rules(terms=("interlocuteur",))}),
                      Code("temps", rules={"fr": Rules(terms=("durée",))})])
TEXTS = {"d1": "P: Les interlocuteurs changent sans cesse.\n\nP: Il faudrait agir dans la durée.",
         "d2": "P: Un interlocuteur unique, enfin.\n\nP: Une action dans la durée."}


def dump(path: Path, out: Path) -> None:
    db = sqlite3.connect(path)
    out.write_text("\n".join(db.iterdump()) + "\n", encoding="utf-8")
    db.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        coded, imported = Path(tmp) / "coded.qualcode", Path(tmp) / "imported.qualcode"
        transcripts = []
        for doc, text in TEXTS.items():
            t = build_transcript(RawDocument([Block(p) for p in text.split("\n\n")], "txt"), doc, language="fr")
            t.attributes.update({"site": "A", "age": 34})
            transcripts.append(t)
        with qc.open_project(coded) as project:
            project.code(qc.Coder(BOOK, similarity=False), transcripts)
            project.add_coding("d1", "temps", coder="marie", unit="paragraph", segment_id=2)
            autos = project.codings("auto:t").set_index(["document", "code"])["id"]
            accepted = project.accept(int(autos["d1", "turnover"]), coder="marie")
            project.reject(int(autos["d2", "temps"]), coder="marie")
            project.add_memo("Accepté après discussion.", author="marie", coding=accepted)
            project.add_memo("Un entretien court.", author="paul", document="d2")
            qc.export_qdpx(project, Path(tmp) / "coded.qdpx")
        with qc.open_project(imported) as project:
            qc.import_qdpx(Path(tmp) / "coded.qdpx", project)
        for path in (coded, imported):
            db = sqlite3.connect(path)
            version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
            db.close()
            if version != "1":
                print(f"this qualcode ({qc.__file__}) writes schema version {version}, not 1", file=sys.stderr)
                return 1
        dump(coded, HERE / "coded.sql")
        dump(imported, HERE / "imported.sql")
    return 0


if __name__ == "__main__":
    sys.exit(main())
