"""One schema version covers every table of a project file, and older files are migrated when opened.

The files of version 1 were made by the qualcode that wrote that version (up to commit 869e687) and are kept
as SQL text in ``tests/schema1/`` (``make.py`` there writes them again): ``coded`` was coded automatically
and by hand and never imported into, so it lacks the ``refi_guids`` table that version 1 created only at a
first REFI-QDA import; ``imported`` has that table, with the GUIDs an import kept.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import qualcode as qc
from qualcode.exchange.guids import Guids
from qualcode.project.database import SCHEMA_VERSION
from qualcode.project.store import ProjectError, open_project

SCHEMA1 = Path(__file__).with_name("schema1")


def version1(name: str, folder: Path) -> Path:
    path = folder / f"{name}.qualcode"
    db = sqlite3.connect(path)
    db.executescript((SCHEMA1 / f"{name}.sql").read_text(encoding="utf-8"))
    db.close()
    return path


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, the schema version left out."""
    db = sqlite3.connect(path)
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    out = {name: db.execute(f"SELECT * FROM {name} ORDER BY 1, 2").fetchall() for name in names}
    db.close()
    out["meta"] = [row for row in out["meta"] if row[0] != "schema_version"]
    return out


def schema_version(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    finally:
        db.close()


def test_a_new_project_has_every_table_under_the_current_version(tmp_path):
    with open_project(tmp_path / "new.qualcode"):
        pass
    assert schema_version(tmp_path / "new.qualcode") == str(SCHEMA_VERSION) == "2"
    assert tables(tmp_path / "new.qualcode")["refi_guids"] == []
    assert tables(tmp_path / "new.qualcode")["reviewed_segments"] == []


def test_a_version_1_project_is_migrated_with_all_it_held(tmp_path):
    path = version1("coded", tmp_path)
    before = tables(path)
    assert schema_version(path) == "1" and "refi_guids" not in before and "reviewed_segments" not in before
    with open_project(path) as project:
        codings = project.codings(placed_only=False)
    after = tables(path)
    assert schema_version(path) == "2"
    assert after.pop("refi_guids") == [] and after.pop("reviewed_segments") == [] and after == before
    assert set(codings["coder"]) == {"auto:t", "marie"} and "rejected" in set(codings["decision"])
    with open_project(path):  # opened again: nothing more to do
        pass
    assert schema_version(path) == "2" and tables(path) == {**before, "refi_guids": [], "reviewed_segments": []}


def test_a_version_1_project_with_imported_guids_keeps_them_and_exchanges_as_before(tmp_path):
    path = version1("imported", tmp_path)
    before = tables(path)
    kept = {(kind, key): guid for kind, key, guid in before["refi_guids"]}
    assert kept and schema_version(path) == "1"
    with open_project(path) as project:
        assert Guids.of(project).stored == kept
        qc.export_qdpx(project, tmp_path / "out.qdpx")
        again = qc.import_qdpx(tmp_path / "out.qdpx", project)  # its own export: everything is known
        assert (again.codings_added, again.notes_added, again.sources_added) == (0, 0, [])
    assert schema_version(path) == "2" and tables(path) == {**before, "reviewed_segments": []}


def test_a_migrated_project_remembers_the_guids_of_a_new_import(tmp_path):
    coded, imported = version1("coded", tmp_path), version1("imported", tmp_path)
    with open_project(imported) as project:
        qc.export_qdpx(project, tmp_path / "imported.qdpx")
    with open_project(coded) as project:
        summary = qc.import_qdpx(tmp_path / "imported.qdpx", project)
        assert summary.notes_existing + summary.notes_added > 0
    assert tables(coded)["refi_guids"]  # written into the table the migration made


def test_a_version_no_qualcode_wrote_is_refused_as_damaged(tmp_path):
    path = version1("coded", tmp_path)
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(ProjectError, match=r"schema_version holds what qualcode never writes \('0' is no version"):
        open_project(path)
    assert schema_version(path) == "0"  # left as it was
