"""The coding widget's model (its traitlets and messages) and its effect on the project (issue 20).

The front end is exercised in a real browser by ``test_widget_browser.py``; here the messages it sends are
handed to the widget as the kernel would, and the project is read back through ``Project``.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.ingest.structure import build_transcript
from qualcode.model.codebook import Code, Codebook, Rules
from qualcode.model.transcript import Block, RawDocument
from qualcode.project import by_hand
from qualcode.views.widget import KEYS, widget_blocks, widget_palette

TEXT = """Interview with a parent 😀

What brings you to the school?
I: How do you find the school?
P: I trust the teachers. They changed the staff again, so much turnover.

It takes time to trust new staff.
I: And the meetings?
P: The meetings take time."""
OTHER = "I: Anything else?\nP: Nothing else to say about the school."
BOOK = Codebook(
    "tiny",
    [
        Code("relations", name="Relations", color="#55a868"),
        Code("trust", name="Trust", parent="relations", color="#dd8452", rules={"en": Rules(terms=("trust",))}),
        Code("turnover", name="Turnover", color="#c44e52", rules={"en": Rules(terms=("turnover", "new staff"))}),
        Code("time", name="Time", color="#4c72b0", rules={"en": Rules(terms=("time",))}),
    ],
)
SUGGESTIONS = Codebook("suggest:Ana", [Code("time", rules={"en": Rules(terms=("meetings",))})])
OTHERS_SUGGESTIONS = Codebook("suggest:Bob", [Code("time", rules={"en": Rules(terms=("meetings",))})])


def transcript(text: str, doc_id: str) -> qc.Transcript:
    return build_transcript(RawDocument([Block(text)], "txt"), doc_id, language="en")


@pytest.fixture(scope="module")
def coded_docs():
    docs = [transcript(TEXT, "a"), transcript(OTHER, "b")]
    return docs, [qc.Coder(book) for book in (BOOK, SUGGESTIONS, OTHERS_SUGGESTIONS)]


@pytest.fixture
def project(tmp_path, coded_docs):
    docs, coders = coded_docs
    with qc.open_project(tmp_path / "study.qualcode") as p:
        for coder in coders:
            p.code(coder, docs)
        yield p


def send(widget, action: str, **fields):
    """Hand the widget a message as its front end sends it; return the status it answers with."""
    seq = widget.status.get("seq", 0) + 1
    widget._handle_custom_msg({"seq": seq, "action": action, **fields}, [])
    assert widget.status["seq"] == seq
    return {k: v for k, v in widget.status.items() if k != "ms"}


def span_of(widget, phrase: str) -> tuple[int, int]:
    start = widget._text.index(phrase)
    return start, start + len(phrase)


def autos(widget, code: str | None = None) -> list[dict]:
    return [c for c in widget.codings if c["kind"] != "human" and (code is None or c["code"] == code)]


# --- what it shows ---------------------------------------------------------------------------------------


def test_the_widget_shows_structure_palette_and_open_automatic_codings(project):
    w = qc.CodingWidget(project, "a", coder="Ana")
    assert (w.document, w.documents, w.coder, w.read_only) == ("a", ["a", "b"], "Ana", "")
    kinds = [(b["kind"], b.get("speaker"), b.get("role")) for b in w.blocks]
    assert ("question", None, None) in kinds
    assert ("paragraph", "I", "interviewer") in kinds and ("paragraph", "P", "participant") in kinds
    assert all(b["text"] == w._text[b["s"] : b["e"]] for b in w.blocks)
    palette = [(c["id"], c["depth"], c["key"]) for c in w.codes]
    assert palette == [("relations", 0, "1"), ("trust", 1, "2"), ("turnover", 0, "3"), ("time", 0, "4")]
    assert {c["kind"] for c in w.codings} == {"auto", "suggestion"}
    assert {c["coder"] for c in w.codings} == {"auto:tiny", "auto:suggest:Ana"}  # not Bob's suggestions
    counts = {c["id"]: (c["n"], c["open"]) for c in w.codes}
    assert counts["trust"] == (0, 2) and counts["time"][1] == len(autos(w, "time"))
    assert all(c["color"].startswith("#") and len(c["color"]) == 7 for c in w.codes)


def test_the_palette_numbers_ten_codes_and_shows_a_cycle_of_parents_flat():
    book = Codebook("big", [Code(f"c{i}", parent=f"c{i - 1}" if i in (1, 2) else None) for i in range(12)]
                    + [Code("x", parent="y"), Code("y", parent="x")])
    palette = widget_palette(book)
    assert [c["key"] for c in palette] == [*KEYS, "", "", "", ""]
    assert [c["depth"] for c in palette[:3]] == [0, 1, 2]
    assert {c["id"] for c in palette} == set(book.ids)


def test_blocks_are_sliced_in_code_points():
    t = transcript("P: 😀 an emoji, then a coded passage.\nI: Fine.", "e")
    blocks = widget_blocks(t)
    assert all(b["text"] == t.text[b["s"] : b["e"]] for b in blocks)
    assert blocks[0]["text"].startswith("😀")


# --- actions and their effect on the project -----------------------------------------------------------


def test_a_selection_coded_with_a_key_is_stored_at_its_exact_offsets(project):
    w = qc.CodingWidget(project, "a", coder="Ana")
    start, end = span_of(w, "the teachers")  # after an emoji: offsets count code points, as in Python
    status = send(w, "code", code="trust", start=start, end=end, text="the teachers")
    assert status == {"seq": 1, "ok": True, "message": "Coded as trust."}
    stored = project.codings("Ana")
    assert list(zip(stored["code"], stored["start"], stored["end"], stored["text"], strict=True)) == [
        ("trust", start, end, "the teachers")
    ]
    assert project.transcript("a").text[start:end] == "the teachers"
    [mine] = [c for c in w.codings if c["kind"] == "human"]  # drawn at once
    assert (mine["code"], mine["s"], mine["e"], mine["id"]) == ("trust", start, end, int(stored["id"][0]))
    assert next(c for c in w.codes if c["id"] == "trust")["n"] == 1


def test_a_new_code_typed_in_the_palette_joins_the_project(project):
    w = qc.CodingWidget(project, "a", coder="Ana")
    start, end = span_of(w, "the meetings")
    refused = send(w, "code", code="meetngs", start=start, end=end, text="the meetings")  # not the new code field
    assert not refused["ok"] and "No code 'meetngs'" in refused["message"]
    assert "meetngs" not in set(project.codes()["code"])
    assert send(w, "code", code="meetings", start=start, end=end, text="the meetings", new_code=True)["ok"]
    assert "meetings" in set(project.codes()["code"]) and w.codes[-1]["id"] == "meetings"
    assert not send(w, "code", code="two words", start=start, end=end, text="the meetings", new_code=True)["ok"]


def test_remove_takes_away_ones_own_coding_only(project):
    w = qc.CodingWidget(project, "a", coder="Ana")
    start, end = span_of(w, "so much turnover")
    coding = w.code("turnover", start, end)
    bob = qc.CodingWidget(project, "a", coder="Bob")
    assert not send(bob, "remove", id=coding)["ok"]
    assert "it is Ana's" in bob.status["message"]
    assert send(w, "remove", id=coding) == {"seq": 1, "ok": True, "message": "Removed."}
    assert project.codings("Ana").empty and not [c for c in w.codings if c["kind"] == "human"]


def test_accept_and_reject_are_stored_as_decisions_like_the_cli(project, tmp_path):
    w = qc.CodingWidget(project, "a", coder="Ana")
    first, second = autos(w, "trust")
    open_before = len(autos(w))
    assert send(w, "accept", id=first["id"])["message"] == "Accepted."
    assert send(w, "reject", id=second["id"])["message"] == "Rejected."
    decisions = project.codings("Ana", placed_only=False)
    assert sorted(zip(decisions["code"], decisions["start"], decisions["decision"], decisions["source"],
                      strict=True)) == [("trust", first["s"], "accepted", "auto:tiny"),
                                        ("trust", second["s"], "rejected", "auto:tiny")]
    assert len(autos(w)) == open_before - 2
    assert [c["decision"] for c in w.codings if c["kind"] == "human"] == ["accepted"]
    assert len(project.undecided("Ana")) == len(project.undecided("Nobody")) - 2

    # the same decisions through Project, as `qualcode project accept/reject` make them
    with qc.open_project(tmp_path / "cli.qualcode") as other:
        other.code(qc.Coder(BOOK), [transcript(TEXT, "a"), transcript(OTHER, "b")])
        by_id = other.codings("auto:tiny", document="a").query("code == 'trust'")["id"].tolist()
        other.accept(by_id[0], coder="Ana")
        other.reject(by_id[1], coder="Ana")
        cli = other.codings("Ana", placed_only=False)
    columns = ["code", "start", "end", "text", "status", "decision", "source", "rule"]
    assert decisions[columns].sort_values("start").values.tolist() == cli[columns].sort_values("start").values.tolist()


def test_removing_an_accepted_coding_makes_it_open_again(project):
    w = qc.CodingWidget(project, "a", coder="Ana")
    auto = autos(w, "turnover")[0]
    accepted = w.accept(auto["id"])
    assert auto["id"] not in {c["id"] for c in autos(w)}
    w.remove(accepted)
    assert auto["id"] in {c["id"] for c in autos(w)}
    assert project.codings("Ana", placed_only=False).empty


def test_suggestions_are_decided_like_automatic_codings(project):
    w = qc.CodingWidget(project, "a", coder="Ana")
    suggestion = next(c for c in w.codings if c["kind"] == "suggestion")
    assert send(w, "accept", id=suggestion["id"])["ok"]
    row = project.codings("Ana").iloc[0]
    assert (row["code"], row["decision"], row["source"]) == ("time", "accepted", "auto:suggest:Ana")


def test_memos_on_a_coding_and_on_the_document(project):
    w = qc.CodingWidget(project, "a", coder="Ana")
    start, end = span_of(w, "the staff")
    coding = w.code("turnover", start, end)
    assert send(w, "memo", text="Staff changes again", coding=coding)["message"] == "Memo saved."
    assert send(w, "memo", text="A trusting parent", coding=None)["ok"]
    memos = project.memos(document="a").astype(object).where(lambda f: f.notna(), None)
    assert memos[["author", "coding", "code", "text"]].values.tolist() == [
        ["Ana", coding, "turnover", "Staff changes again"], ["Ana", None, None, "A trusting parent"]
    ]
    assert [m["text"] for m in w.memos] == ["Staff changes again", "A trusting parent"]
    assert next(c for c in w.codings if c["id"] == coding)["memos"] == 1
    auto = autos(w)[0]
    status = send(w, "memo", text="On an automatic coding", coding=auto["id"])
    assert not status["ok"] and "accept an automatic coding first" in status["message"]
    assert not send(w, "memo", text="   ")["ok"] and len(project.memos()) == 2


# --- consistency -----------------------------------------------------------------------------------------


def test_a_new_widget_and_two_widgets_on_one_project_show_the_same_state(project):
    a, b = qc.CodingWidget(project, "a", coder="Ana"), qc.CodingWidget(project.path, "a", coder="Ana")
    start, end = span_of(a, "new staff")
    a.code("turnover", start, end)
    assert b.codings == a.codings  # refreshed at once, in the same kernel
    a.accept(autos(a, "trust")[0]["id"])
    assert b.codings == a.codings and b.codes == a.codes
    again = qc.CodingWidget(project, "a", coder="Ana")  # the cell run again, or a new kernel
    assert again.codings == a.codings and again.memos == a.memos


def test_a_change_from_elsewhere_appears_on_refresh(project):
    w = qc.CodingWidget(project, "a", coder="Ana")
    start, end = span_of(w, "I trust")
    project.add_coding("a", "trust", coder="Ana", new_code=True, start=start, end=end)  # the CLI, another kernel
    assert not [c for c in w.codings if c["kind"] == "human"]
    assert send(w, "refresh") == {"seq": 1, "ok": True, "message": ""}
    assert [(c["s"], c["e"]) for c in w.codings if c["kind"] == "human"] == [(start, end)]


def test_a_passage_selected_before_the_text_changed_is_refused(project):
    w = qc.CodingWidget(project, "a", coder="Ana")
    start, end = span_of(w, "the teachers")
    project.add_documents([transcript(TEXT.replace("Interview", "An interview"), "a")])
    status = send(w, "code", code="trust", start=start, end=end, text="the teachers")
    assert not status["ok"] and "the document changed since it was shown" in status["message"]
    assert project.codings("Ana", placed_only=False).empty
    w.refresh()
    assert w._text.startswith("An interview")
    start, end = span_of(w, "the teachers")
    assert send(w, "code", code="trust", start=start, end=end, text="the teachers")["ok"]


def test_a_locked_project_says_so_and_loses_nothing(project):
    w = qc.CodingWidget(project, "a", coder="Ana", timeout=0.05)
    start, end = span_of(w, "the teachers")
    w.code("trust", start, end)
    before = project.codings("Ana")
    holder = sqlite3.connect(project.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        status = send(w, "code", code="time", start=start, end=end, text="the teachers")
        assert not status["ok"] and "could not be written" in status["message"]
        assert "database is locked" in status["message"]
        assert [c["code"] for c in w.codings if c["kind"] == "human"] == ["trust"]  # still the stored state
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert project.codings("Ana").equals(before)
    assert send(w, "code", code="time", start=start, end=end, text="the teachers")["ok"]  # try again


def test_a_read_only_project_is_shown_read_only_and_refuses_actions(project, monkeypatch):
    monkeypatch.setattr(by_hand.os, "access", lambda path, mode: False)
    w = qc.CodingWidget(project, "a", coder="Ana")
    assert "read-only" in w.read_only
    start, end = span_of(w, "the teachers")
    status = send(w, "code", code="trust", start=start, end=end, text="the teachers")
    assert not status["ok"] and "read-only" in status["message"]
    with pytest.raises(qc.ProjectError, match="read-only"):
        w.accept(autos(w)[0]["id"])
    assert project.codings("Ana", placed_only=False).empty


# --- documents, errors ----------------------------------------------------------------------------------


def test_jumping_between_documents(project):
    w = qc.CodingWidget(project, coder="Ana")
    assert w.document == "a"
    w.document = "b"  # as the front end's document list sets it
    assert [(b["speaker"], b["text"]) for b in w.blocks] == [
        ("I", "Anything else?"), ("P", "Nothing else to say about the school.")
    ]
    assert all(c["s"] >= w.blocks[0]["s"] for c in w.codings)
    w.document = "nope"
    assert w.document == "b" and not w.status["ok"] and "No document 'nope'" in w.status["message"]
    w.show("a")
    assert w.document == "a"


def test_bad_arguments_and_messages_say_what_to_do(project, tmp_path):
    with pytest.raises(qc.ProjectError) as error:
        qc.CodingWidget(project, "a", coder="auto:me")
    assert "starts with 'auto:'" in str(error.value)
    with pytest.raises(qc.ProjectError, match="Did you mean 'a'"):
        qc.CodingWidget(project, "a ", coder="Ana")
    with pytest.raises(qc.ProjectError, match="has no documents to code yet"):
        qc.CodingWidget(tmp_path / "empty.qualcode", coder="Ana")
    with pytest.raises(qc.ProjectError, match="must be a qualcode Project"):
        qc.CodingWidget(42, coder="Ana")
    w = qc.CodingWidget(project, "a", coder="Ana")
    assert "lacks its 'code' field" in send(w, "code", start=1, end=2)["message"]
    assert "Unknown action 'explode'" in send(w, "explode")["message"]
    assert "does not fit document" in send(w, "code", code="trust", start=5, end=10_000, text="x")["message"]
    assert "not a current automatic coding" in send(w, "accept", id=10_000)["message"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_selection_slices_back_to_its_text(project, data):
    w = qc.CodingWidget(project, "a", coder="Ana")
    text = w._text
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    coding = w.code("time", start, end, text=text[start:end])
    row = project.codings("Ana", placed_only=False).set_index("id").loc[coding]
    assert (row["start"], row["end"], row["text"]) == (start, end, text[start:end])
    w.remove(coding)


def test_an_action_sends_only_what_changed_not_the_documents_codings(tmp_path, monkeypatch):
    text = "\n".join(f"{'IP'[i % 2]}: I trust the teachers, turn {i}." for i in range(120))
    with qc.open_project(tmp_path / "big.qualcode") as p:
        p.code(qc.Coder(BOOK), [transcript(text, "big")])
        w, other = qc.CodingWidget(p, "big", coder="Ana"), qc.CodingWidget(p.path, "big", coder="Ana")
    sent: dict[int, list[dict]] = {id(w): [], id(other): []}
    for widget in (w, other):
        monkeypatch.setattr(widget, "_send", lambda msg, buffers=None, widget=widget: sent[id(widget)].append(msg))
    before, auto = w.codings, autos(w, "trust")[0]
    assert len(before) == 60  # the participant's turns
    assert send(w, "accept", id=auto["id"])["ok"]
    for widget in (w, other):
        [message] = sent[id(widget)]  # one message, with the status for the widget acted on
        assert "codings" not in json.dumps(message)  # not the trait of the document's codings
        changes = message["content"]
        assert len(changes["put"]) == 1 and changes["drop"] == [auto["id"]]
        assert len(json.dumps(message)) < len(json.dumps(before)) / 5  # the palette comes again, with its counts
        rows = {c["id"]: c for c in before if c["id"] not in changes["drop"]} | {c["id"]: c for c in changes["put"]}
        assert sorted(rows.values(), key=lambda c: c["id"]) == sorted(widget.codings, key=lambda c: c["id"])
        assert changes["set"]["codes"] == widget.codes  # the counts changed: the palette comes again
    assert sent[id(w)][0]["content"]["set"]["status"]["seq"] == 1 and "status" not in sent[id(other)][0]["content"]["set"]
    assert other.codings == w.codings
