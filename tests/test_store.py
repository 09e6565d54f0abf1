"""The project store: incremental coding, human codings that survive every re-run, decisions, memos,
errors, and crash safety (a child process killed with SIGKILL at each named point)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kill_points import KILL_ENV
from store_child import make_coder, make_transcripts

import qualcode as qc
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Code, Codebook, Rules
from qualcode.model.transcript import Block, RawDocument
from qualcode.project.reading import CODING_FRAME
from qualcode.project.relocate import relocate
from qualcode.project.store import Project, ProjectError, code_into_project, open_project

CHILD = Path(__file__).with_name("store_child.py")
TURNOVER = Code("turnover", rules={"fr": Rules(terms=("interlocuteur",))})
TEMPS = Code("temps", rules={"fr": Rules(terms=("durée",))})
FATIGUE = Code("fatigue", rules={"fr": Rules(terms=("fatigue",))})
BOOK = Codebook("t", [TURNOVER, TEMPS])
BOOK2 = Codebook("t", [TURNOVER, TEMPS, FATIGUE])  # same name, so the same coder auto:t, another hash

D1 = (
    "I: Comment ça se passe avec les équipes ?\n\nP: Les interlocuteurs changent tout le temps, on recommence "
    "sans cesse.\n\nP: Il faudrait agir dans la durée, avec de la fatigue en moins."
)
D2 = (
    "I: Et la charge de travail ?\n\nP: La fatigue est là, les journées sont longues et les interlocuteurs "
    "nombreux.\n\nP: Rien d'autre."
)
D3 = (
    "I: Parlez-moi du projet.\n\nP: Le projet a duré trois ans.\n\nP: Ensuite un nouvel interlocuteur est "
    "arrivé et tout a changé.\n\nP: On parle de durée."
)
D4 = "P: Un interlocuteur unique, enfin.\n\nP: Une action dans la durée."
V1 = {"d1": D1, "d2": D2, "d3": D3, "d4": D4}
V2 = {  # d1: text inserted before (exact move); d2: a word added (fuzzy); d3: a paragraph cut (unplaced)
    "d1": "I: Bonjour et merci d'avoir accepté cet entretien.\n\n" + D1,
    "d2": D2.replace("sont longues", "sont très longues"),
    "d3": D3.replace("\n\nP: Ensuite un nouvel interlocuteur est arrivé et tout a changé.", ""),
    "d4": D4,
}
MOVED = "Les interlocuteurs changent tout le temps"
GONE = "Ensuite un nouvel interlocuteur est arrivé et tout a changé."


def transcript(text: str, doc_id: str):
    return build_transcript(RawDocument([Block(text)], "txt"), doc_id, language="fr")


def corpus(texts: dict[str, str]) -> list:
    return [transcript(text, doc_id) for doc_id, text in texts.items()]


@pytest.fixture
def project(tmp_path):
    with open_project(tmp_path / "study.qualcode") as p:
        yield p


def span_of(text: str, needle: str) -> dict[str, int]:
    start = text.index(needle)
    return {"start": start, "end": start + len(needle)}


def human(project: Project, coder: str = "marie"):
    return project.codings(coder, placed_only=False).set_index("code")


# -- the file ---------------------------------------------------------------------------------------------


def test_new_project_is_wal_with_foreign_keys_and_a_schema_version(project):
    db = project.db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"documents", "codebooks", "codings", "memos", "attributes", "runs", "coded_documents", "refi_guids"} <= tables


def test_a_second_document_with_the_same_id_is_not_stored_over_the_first(project):
    summary = project.add_documents([transcript(D1, "interview01"), transcript(D2, "interview01")])
    assert project.transcript("interview01").text == transcript(D1, "interview01").text
    assert any("second document with this id" in w for w in summary.warnings)


def test_newer_schema_version_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "p.qualcode"
    with open_project(path) as p:
        p.db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ProjectError, match=r"newer qualcode \(project schema version 99.*Upgrade qualcode"):
        Project.open(path)


def test_a_file_that_is_not_a_project_is_refused(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database, just notes " * 100)
    with pytest.raises(ProjectError, match="cannot be opened as a project"):
        open_project(junk)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(ProjectError, match="not a qualcode project"):
        open_project(other)


# -- automatic coding, incremental ------------------------------------------------------------------------


def test_first_run_stores_documents_codings_codebook_and_attributes(project):
    docs = corpus(V1)
    docs[0].attributes.update({"site": "A", "age": 41})
    summary = code_into_project(project, qc.Coder(BOOK), docs)
    assert summary.added == summary.recoded == list(V1)
    codings = project.codings()
    assert summary.codings_written == len(codings) > 0
    assert set(codings["coder"]) == {"auto:t"} and set(codings["status"]) == {"auto"}
    for row in codings.itertuples():
        assert V1[row.document][row.start : row.end] == row.text
    assert list(project.documents()["document"]) == list(V1)
    stored = project.db.execute("SELECT name, hash FROM codebooks").fetchall()
    assert [tuple(r) for r in stored] == [("t", BOOK.hash)]
    assert project.attributes().values.tolist() == [["d1", "age", 41], ["d1", "site", "A"]]
    assert project.transcript("d2").text == V1["d2"]


def test_unchanged_documents_are_not_recoded_and_changed_ones_are(project):
    coder = qc.Coder(BOOK)
    project.code(coder, corpus(V1))
    before = project.codings()
    again = project.code(coder, corpus(V1))
    assert (again.unchanged, again.recoded, again.codings_written) == (list(V1), [], 0)
    assert project.codings().equals(before)
    edited = dict(V1, d4=D4 + "\n\nP: Un autre interlocuteur.")
    third = project.code(coder, corpus(edited))
    assert third.changed == third.recoded == ["d4"]
    assert third.unchanged == ["d1", "d2", "d3"]
    after = project.codings()
    assert after[after.document != "d4"].equals(before[before.document != "d4"])  # same ids: untouched


def test_codebook_change_recodes_everything_and_leaves_human_codings_alone(project):
    project.code(qc.Coder(BOOK), corpus(V1))
    coding_id = project.add_coding("d1", "instabilite", coder="marie", new_code=True, **span_of(D1, MOVED))
    mine = project.codings("marie")
    summary = project.code(qc.Coder(BOOK2), corpus(V1))
    assert summary.recoded == list(V1) and summary.unchanged == list(V1)
    assert "fatigue" in set(project.codings("auto:t")["code"])
    assert project.codings("marie").equals(mine) and mine["id"].tolist() == [coding_id]


def test_changing_the_unit_recodes(project):
    project.code(qc.Coder(BOOK), corpus(V1))
    summary = project.code(qc.Coder(BOOK, unit="turn"), corpus(V1))
    assert summary.recoded == list(V1)
    assert set(project.codings("auto:t")["unit"]) == {"turn"}


# -- human codings follow the text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "new_text, status, counter",
    [
        (D1, "coded", None),
        ("I: Bonjour et merci d'avoir accepté cet entretien.\n\n" + D1, "moved", "moved"),
        (D1.replace("sans cesse", "encore et encore"), "coded", "kept"),
        (D1.replace("Les interlocuteurs changent", "Les interlocuteurs, ils changent"), "fuzzy", "fuzzy"),
        (D1.replace(MOVED, "Tout va bien"), "unplaced", "unplaced"),
    ],
)
def test_human_coding_survives_a_rerun(project, new_text, status, counter):
    coder = qc.Coder(BOOK)
    project.code(coder, corpus({"d1": D1}))
    where = span_of(D1, MOVED)
    project.add_coding("d1", "instabilite", coder="marie", new_code=True, **where)
    summary = project.code(coder, corpus({"d1": new_text}))
    row = human(project).loc["instabilite"]
    assert row["status"] == status
    if counter:
        assert getattr(summary, counter) == 1
    if status == "unplaced":  # still in the database, with its old offsets and text, and reported
        assert (row["start"], row["end"], row["text"]) == (where["start"], where["end"], MOVED)
        assert project.unplaced()["text"].tolist() == [MOVED]
        assert project.codings("marie").empty
    else:
        assert new_text[row["start"] : row["end"]] == row["text"]
        assert project.codings("marie")["code"].tolist() == ["instabilite"]
    if status == "fuzzy":
        assert row["score"] >= project.fuzzy_threshold and row["previous"] == MOVED
        assert row["text"] == "Les interlocuteurs, ils changent tout le temps"


def test_unplaced_coding_is_placed_again_when_its_text_comes_back(project):
    project.add_documents(corpus({"d1": D1}))
    project.add_coding("d1", "instabilite", coder="marie", new_code=True, **span_of(D1, MOVED))
    project.add_documents(corpus({"d1": D1.replace(MOVED, "Tout va bien")}))
    assert len(project.unplaced()) == 1
    restored = "I: Une question ajoutée ?\n\n" + D1
    project.add_documents(corpus({"d1": restored}))
    row = human(project).loc["instabilite"]
    assert project.unplaced().empty
    assert (row["status"], restored[row["start"] : row["end"]]) == ("moved", MOVED)


def test_segment_coding_follows_its_paragraph_and_keeps_its_segment_id(project):
    project.add_documents(corpus({"d2": D2}))
    project.add_coding("d2", "charge", coder="marie", new_code=True, unit="paragraph", segment_id=2)
    project.add_documents(corpus({"d2": "I: Une question de plus ?\n\nP: Oui.\n\n" + D2}))
    row = human(project).loc["charge"]
    assert (row["status"], row["unit"], row["segment_id"]) == ("moved", "paragraph", 4)


def test_exact_move_picks_the_occurrence_nearest_the_aligned_old_position():
    old = "oui. A B C oui. D"
    new = "oui. X Y Z W V A B C oui. D"
    (placed,) = relocate(old, new, [(11, 14, "oui", True)])
    assert (placed.status, placed.start) == ("moved", 21)


@given(
    st.text(alphabet="ab cd\n", max_size=40),
    st.text(alphabet="ab cd\n", max_size=10),
    st.text(alphabet="ab cd\n", max_size=10),
    st.integers(0, 40),
    st.integers(1, 12),
)
def test_every_placed_span_slices_back_to_its_text(old, insert, replace, at, length):
    at = min(at, len(old))
    start, end = at // 2, min(len(old), at // 2 + length)
    new = old[:at] + insert + old[at + len(replace) :]
    if end <= start:
        return
    (p,) = relocate(old, new, [(start, end, old[start:end], True)])
    if p.status == "unplaced":
        assert (p.start, p.end, p.text) == (start, end, old[start:end])
    else:
        assert new[p.start : p.end] == p.text


def test_a_second_human_and_a_second_automatic_coder_are_kept_apart(project):
    other = qc.Coder(Codebook("other", [TEMPS]))
    project.code(qc.Coder(BOOK), corpus(V1))
    project.code(other, corpus(V1))
    for coder in ("marie", "paul"):
        project.add_coding("d1", "instabilite", coder=coder, new_code=True, **span_of(D1, MOVED))
    project.remove_coding("d1", "instabilite", coder="paul", **span_of(D1, MOVED))
    assert len(project.codings("marie")) == 1 and project.codings("paul").empty
    others = project.codings("auto:other")
    summary = project.code(qc.Coder(BOOK2), corpus(dict(V1, d1=V2["d1"])))
    assert summary.stale == int((others["document"] == "d1").sum()) > 0
    kept = others[others.document != "d1"].reset_index(drop=True)
    assert project.codings("auto:other").equals(kept)  # the stale ones are set aside
    assert len(project.codings("marie")) == 1
    rerun = project.code(other, corpus(dict(V1, d1=V2["d1"])))
    assert rerun.recoded == ["d1"]
    assert "stale" not in set(project.codings(placed_only=False)["status"])


# -- decisions -------------------------------------------------------------------------------------------


def test_accept_and_reject_survive_reruns_and_follow_the_text(project):
    project.code(qc.Coder(BOOK), corpus(V1))
    auto = project.codings("auto:t").query("document == 'd4'").set_index("code")
    accepted = project.accept(int(auto.loc["turnover", "id"]), coder="marie")
    project.reject(int(auto.loc["temps", "id"]), coder="marie")
    mine = project.codings("marie")
    assert mine[["code", "decision", "source"]].values.tolist() == [["turnover", "accepted", "auto:t"]]
    assert "d4" not in set(project.undecided("marie")["document"])
    assert "d4" in set(project.undecided("paul")["document"])
    moved_d4 = "P: Une phrase ajoutée au début.\n\n" + D4
    project.code(qc.Coder(BOOK2), corpus(dict(V1, d4=moved_d4)))  # new auto codings, new offsets
    assert "d4" not in set(project.undecided("marie")["document"])  # decisions moved with the text
    mine = project.codings("marie")
    assert (
        mine["id"].tolist() == [accepted] and moved_d4[mine["start"][0] : mine["end"][0]] == mine["text"][0]
    )
    rejected = project.codings("marie", placed_only=False).query("decision == 'rejected'")
    assert rejected["code"].tolist() == ["temps"]
    project.reject(
        int(project.codings("auto:t").query("document == 'd4' and code == 'turnover'")["id"].iloc[0]),
        coder="marie",
    )
    assert project.codings("marie").empty  # rejecting after accepting withdraws the coding


def test_an_accepted_coding_stays_when_the_automatic_coder_stops_finding_it(project):
    project.code(qc.Coder(BOOK), corpus({"d4": D4}))
    temps = project.codings("auto:t").query("code == 'temps'")["id"].iloc[0]
    project.accept(int(temps), coder="marie")
    project.code(qc.Coder(Codebook("t", [TURNOVER])), corpus({"d4": D4}))
    assert "temps" not in set(project.codings("auto:t")["code"])
    assert project.codings("marie")["code"].tolist() == ["temps"]


def test_accept_needs_a_current_automatic_coding(project):
    project.code(qc.Coder(BOOK), corpus(V1))
    mine = project.add_coding("d1", "x", coder="marie", new_code=True, start=0, end=5)
    with pytest.raises(ProjectError, match="not a current automatic coding"):
        project.accept(mine, coder="paul")
    with pytest.raises(ProjectError, match="no such coding"):
        project.reject(999, coder="paul")


# -- the human coding API --------------------------------------------------------------------------------


def test_add_list_and_remove_by_span_and_segment(project):
    project.add_documents(corpus(V1))
    first = project.add_coding("d2", "charge", coder="marie", new_code=True, unit="paragraph", segment_id=2)
    assert project.add_coding("d2", "charge", coder="marie", new_code=True, unit="paragraph", segment_id=2) == first
    segment = project.segments("d2")[1]
    assert project.add_coding("d2", "charge", coder="marie", new_code=True, start=segment.start, end=segment.end) == first
    project.add_coding("d2", "Temps.long-terme_2", coder="marie", new_code=True, start=0, end=2)
    listed = project.codings("marie")
    assert listed["code"].tolist() == ["Temps.long-terme_2", "charge"]
    assert "Temps.long-terme_2" in set(project.codes()["code"])
    assert project.remove_coding("d2", "charge", coder="marie", unit="paragraph", segment_id=2) == 1
    with pytest.raises(ProjectError, match="has no coding 'charge'"):
        project.remove_coding("d2", "charge", coder="marie", unit="paragraph", segment_id=2)


@pytest.mark.parametrize(
    "kwargs, fragments",
    [
        ({"document": "d11"}, ["No document 'd11'", "Did you mean 'd1'", "add_documents"]),
        ({"code": "1bad"}, ["'1bad'", "start with a letter"]),
        ({"code": "trust\n"}, ["'trust\\n'", "start with a letter"]),  # '$' would match before the newline
        ({"start": 5, "end": 5}, ["[5, 5)", "may not be empty"]),
        ({"start": -1, "end": 3}, ["[-1, 3)"]),
        ({"start": 0, "end": 10_000}, ["does not fit", "characters"]),
        ({"start": 0, "end": 2.5}, ["whole numbers"]),
        ({"start": None, "end": None}, ["Say where"]),
        ({"unit": "paragraph", "segment_id": 1}, ["not both"]),
        ({"start": None, "end": None, "unit": "page", "segment_id": 1}, ["'page'", "paragraph"]),
        (
            {"start": None, "end": None, "unit": "paragraph", "segment_id": 9},
            ["segment_id 9", "segments('d1'"],
        ),
        ({"coder": "auto:t"}, ["'auto:'"]),
        ({"coder": " "}, ["not a name"]),
    ],
)
def test_invalid_codings_are_explained(project, kwargs, fragments):
    project.add_documents(corpus(V1))
    request = {"document": "d1", "code": "x", "coder": "marie", "start": 0, "end": 3, **kwargs}
    with pytest.raises(ProjectError) as caught:
        project.add_coding(request.pop("document"), request.pop("code"), **request)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_a_memo_on_a_code_id_with_a_trailing_newline_is_refused(project):
    project.add_documents(corpus(V1))
    with pytest.raises(ProjectError, match=r"Code id 'trust\\n' is not valid"):
        project.add_memo("Note.", author="marie", code="trust\n")


def test_an_unknown_code_is_refused_unless_new_code(project):
    project.code(qc.Coder(BOOK), corpus(V1))
    with pytest.raises(ProjectError, match=r"No code 'turnvoer'.*Did you mean 'turnover'\?.*new_code=True"):
        project.add_coding("d1", "turnvoer", coder="marie", start=0, end=5)
    assert "turnvoer" not in set(project.codes()["code"]) and project.codings("marie").empty
    project.add_coding("d1", "turnvoer", coder="marie", start=0, end=5, new_code=True)
    assert project.codes().set_index("code").loc["turnvoer", "origin"] == "human:marie"
    project.add_coding("d2", "turnvoer", coder="paul", start=0, end=5)  # now a code of the project


def test_every_problem_is_reported_at_once(project):
    project.add_documents(corpus(V1))
    with pytest.raises(ProjectError) as caught:
        project.add_coding("nope", "2x", coder="", new_code=True, start=0, end=1)
    assert len(caught.value.problems) == 3 and str(caught.value).startswith("3 problems:")


def test_summary_reads_as_a_sentence_and_reports_each_document(project):
    seen = []
    project.code(qc.Coder(BOOK), corpus(V1), on_document=lambda doc, outcome: seen.append((doc, outcome)))
    assert seen == [(doc, "added") for doc in V1]
    summary = project.add_documents(corpus(dict(V1, d1=V2["d1"])))
    assert str(summary) == (
        "0 documents added, 1 changed, 3 unchanged; human codings on changed documents: "
        "0 kept, 0 moved, 0 fuzzy, 0 unplaced."
    )


def test_fuzzy_threshold_is_checked_when_opening(tmp_path):
    with pytest.raises(ProjectError, match="'fuzzy_threshold' parameter of Project must be in"):
        open_project(tmp_path / "p", fuzzy_threshold=1.5)


# -- memos -------------------------------------------------------------------------------------------------


def test_memos_on_documents_codes_and_codings(project):
    project.code(qc.Coder(BOOK), corpus(V1))
    coding = project.add_coding("d1", "instabilite", coder="marie", new_code=True, **span_of(D1, MOVED))
    project.add_memo("Entretien tendu.", author="marie", document="d1")
    project.add_memo("Inclure les départs en retraite.", author="paul", code="turnover")
    on_coding = project.add_memo("Cas limite.", author="marie", coding=coding)
    memos = project.memos()
    assert memos[["author", "document", "code"]].fillna("").values.tolist() == [
        ["marie", "d1", ""],
        ["paul", "", "turnover"],
        ["marie", "d1", "instabilite"],
    ]
    assert memos["created"].str.endswith("+00:00").all()
    project.remove_coding("d1", "instabilite", coder="marie", **span_of(D1, MOVED))
    kept = project.memos(document="d1").set_index("id").loc[on_coding]
    assert pd_isna(kept["coding"]) and kept["code"] == "instabilite"  # the memo outlives its coding
    auto_id = int(project.codings("auto:t")["id"].iloc[0])
    with pytest.raises(ProjectError, match="automatic"):
        project.add_memo("?", author="marie", coding=auto_id)
    with pytest.raises(ProjectError, match="empty"):
        project.add_memo("  ", author="marie", document="d1")


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_codings_table_is_tidy_deterministic_and_has_no_times(tmp_path):
    frames = []
    for name in ("one", "two"):
        with open_project(tmp_path / name) as p:
            p.code(qc.Coder(BOOK), corpus(V1))
            p.add_coding("d1", "instabilite", coder="marie", new_code=True, **span_of(D1, MOVED))
            frames.append(p.codings())
    assert list(frames[0].columns) == CODING_FRAME
    assert not {"created", "time", "updated"} & set(frames[0].columns)
    assert frames[0].equals(frames[1])


# -- crash safety ----------------------------------------------------------------------------------------

ORDER = list(V1)
KILL_POINTS = {  # point -> documents that must be new (the others must be wholly old)
    "run-start": [],
    "before-transaction:2": ["d1"],
    "after-delete:2": ["d1"],
    "inside-transaction:2": ["d1"],
    "before-commit:2": ["d1"],
    "after-document:2": ["d1", "d2"],
    "run-end": ORDER,
}


def human_work(project: Project) -> None:
    """Months of work, in miniature: codings on each document, decisions, memos, two coders."""
    project.add_coding("d1", "instabilite", coder="marie", new_code=True, **span_of(D1, MOVED))
    project.add_coding("d1", "instabilite", coder="paul", new_code=True, **span_of(D1, MOVED))
    project.add_coding("d2", "charge", coder="marie", new_code=True, unit="paragraph", segment_id=2)
    project.add_coding("d3", "arrivee", coder="marie", new_code=True, **span_of(D3, GONE))
    auto = project.codings("auto:t").query("document == 'd4'").set_index("code")
    memo_on = project.accept(int(auto.loc["turnover", "id"]), coder="marie")
    project.reject(int(auto.loc["temps", "id"]), coder="marie")
    project.add_memo("Accepté après discussion.", author="marie", coding=memo_on)


def snapshot(path: Path) -> dict[str, tuple]:
    """Per document: its hash, codings, coding state, attributes and memos (no ids, no times)."""
    db = sqlite3.connect(path)
    out = {}
    for doc, content_hash in db.execute("SELECT id, content_hash FROM documents"):
        rows = {
            "codings": 'SELECT coder, code, start, "end", text, unit, segment_id, status, decision, source, '
            "rule, matched, codebook_hash, score, previous FROM codings WHERE document = ?",
            "state": "SELECT coder, codebook_hash, unit, settings, content_hash FROM coded_documents "
            "WHERE document = ?",
            "attributes": "SELECT name, value FROM attributes WHERE document = ?",
            "memos": "SELECT author, text, code, coding IS NOT NULL FROM memos WHERE document = ?",
        }
        out[doc] = (
            content_hash,
            *(sorted(db.execute(sql, (doc,)).fetchall(), key=repr) for sql in rows.values()),
        )
    db.close()
    return out


def spec(texts: dict[str, str], book: Codebook, site: str, folder: Path) -> dict:
    path = folder / f"{book.hash}.yml"
    qc.write_codebook(book, path)
    return {
        "documents": list(texts.items()),
        "codebook": str(path),
        "unit": "paragraph",
        "attributes": {doc_id: {"site": site} for doc_id in texts},
    }


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    """A project coded with v1 and worked on by hand, then one copy per kill point, each re-coded with
    v2 (every document edited or re-attributed, and a new codebook) by a child killed at that point."""
    root = tmp_path_factory.mktemp("kill")
    v1, v2 = spec(V1, BOOK, "A", root), spec(V2, BOOK2, "B", root)
    (root / "v2.json").write_text(json.dumps(v2), encoding="utf-8")
    base = root / "base.qualcode"
    with open_project(base) as p:
        p.code(make_coder(v1), make_transcripts(v1))
        human_work(p)
    reference = root / "reference.qualcode"
    shutil.copy(base, reference)
    with open_project(reference) as p:
        p.code(make_coder(v2), make_transcripts(v2))
    children = {}
    for i, point in enumerate(KILL_POINTS):
        path = root / f"killed{i}.qualcode"
        shutil.copy(base, path)
        env = {**os.environ, KILL_ENV: point}
        children[point] = (
            path,
            subprocess.Popen(
                [sys.executable, str(CHILD), str(root / "v2.json"), str(path)],
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    results = {
        point: (path, child.wait(timeout=600), child.stderr.read())
        for point, (path, child) in children.items()
    }
    return {"before": snapshot(base), "after": snapshot(reference), "runs": results, "v2": v2}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_killed_run_leaves_every_document_wholly_old_or_wholly_new(killed, point):
    path, returncode, stderr = killed["runs"][point]
    assert returncode == -signal.SIGKILL, f"the child was not killed at {point}: {stderr}"
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("SELECT count(*) FROM runs WHERE finished IS NULL").fetchone()[0] == 1
    db.close()
    state = snapshot(path)
    before, after = killed["before"], killed["after"]
    assert before != after and set(state) == set(ORDER)
    for doc in ORDER:
        expected = after if doc in KILL_POINTS[point] else before
        assert state[doc] == expected[doc], (
            f"{doc} is neither wholly old nor wholly new after a kill at {point}"
        )
    with open_project(path) as p:  # the next run finishes the job
        summary = p.code(make_coder(killed["v2"]), make_transcripts(killed["v2"]))
    assert summary.recoded == [d for d in ORDER if d not in KILL_POINTS[point]]
    assert snapshot(path) == after


def test_the_reference_run_moved_fuzzed_and_unplaced_human_codings(killed):
    after = {doc: state[1] for doc, state in killed["after"].items()}
    statuses = {
        (row[0], row[1]): row[7] for rows in after.values() for row in rows if not row[0].startswith("auto")
    }
    assert statuses == {
        ("marie", "instabilite"): "moved",
        ("paul", "instabilite"): "moved",
        ("marie", "charge"): "fuzzy",
        ("marie", "arrivee"): "unplaced",
        ("marie", "turnover"): "coded",
        ("marie", "temps"): "coded",
    }


def test_a_damaged_coding_span_is_named_when_its_document_changes(project):
    project.add_documents(corpus(V1))
    coding = project.add_coding("d1", "turnover", coder="marie", new_code=True, **span_of(D1, MOVED))
    project.db.execute("PRAGMA ignore_check_constraints = ON")  # as a tool other than qualcode could
    project.db.execute('UPDATE codings SET start = "end" + 5 WHERE id = ?', (coding,))
    project.db.execute("PRAGMA ignore_check_constraints = OFF")
    with pytest.raises(ProjectError, match=rf"coding {coding} of 'd1' spans \[\d+, \d+\), which does not fit") as caught:
        project.add_documents(corpus({"d1": V2["d1"]}))
    assert str(project.path) in str(caught.value) and "changed outside qualcode" in str(caught.value)
    assert project.transcript("d1").text == D1  # the document was left as it was
