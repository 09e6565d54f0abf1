"""Tests for qualcode.ingest.speakers: label shapes, the document's labelling convention, roles, and the
readers' part (PDF labels on their own line, double-encoded and Mac Roman text)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from odf import text as odf_text
from odf.opendocument import OpenDocumentText
from typer.testing import CliRunner

import qualcode as qc
from qualcode.cli.app import app
from qualcode.ingest.corpus import read_corpus, read_transcript
from qualcode.ingest.speakers import PARTICIPANT, apply_speaker_settings, is_sparse, parse_label
from qualcode.ingest.structure import build_transcript
from qualcode.model.transcript import Block, RawDocument, Transcript
from tests.test_readers import make_pdf


def from_text(text: str) -> Transcript:
    return build_transcript(RawDocument([Block(text)], format="txt"), "doc")


def texts(t: Transcript, kind: str) -> list[str]:
    return [t.span_text(s) for s in t.spans_of(kind)]


def roles(t: Transcript) -> list[tuple[str | None, str]]:
    return [(s.label, s.data["role"]) for s in t.turns]


# --- label shapes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "speaker", "label_text", "time"),
    [
        ("[36:53] RESEARCHER:", "RESEARCHER", "[36:53] RESEARCHER:", 2213.0),
        ("[46:33] PARTICIPANT 1", "PARTICIPANT 1", "[46:33] PARTICIPANT 1", 2793.0),
        ("02:38 ALL PARTICIPANTS: Yes!", "ALL PARTICIPANTS", "02:38 ALL PARTICIPANTS:", 158.0),
        ("RESEARCHER [36:53]: So?", "RESEARCHER", "RESEARCHER [36:53]:", 2213.0),
        ("Speaker 1 (00:01:02): Hi.", "Speaker 1", "Speaker 1 (00:01:02):", 62.0),
        ("Interviewer  0:03", "Interviewer", "Interviewer  0:03", 3.0),
        ("00:01:02 - Interviewer: Hi.", "Interviewer", "00:01:02 - Interviewer:", 62.0),
        ("Interviewer 1: Hello.", "Interviewer 1", "Interviewer 1:", None),
        ("Enquêteur : Bonjour.", "Enquêteur", "Enquêteur :", None),
        ("I: Yes?", "I", "I:", None),
        ("P4: Yes.", "P4", "P4:", None),
        ("[Marie] Bonjour.", "Marie", "[Marie]", None),
    ],
)
def test_label_shapes(line: str, speaker: str, label_text: str, time: float | None) -> None:
    label = parse_label(line)
    assert label is not None
    assert (label.speaker, line[label.start : label.end], label.time) == (speaker, label_text, time)


@pytest.mark.parametrize(
    "line", ["[00:12] Okay", "[00:12] Yeah", "[00:10] I think so", "10:30 meeting", "[Laughter] ha", "[46:33] Dan",
             "Thank you very much", "[inaudible 00:12] yes"],
)
def test_timestamps_and_brackets_that_are_not_labels(line: str) -> None:
    assert parse_label(line) is None


def test_label_forms_make_turns() -> None:
    t = from_text("[00:10] RESEARCHER: How are you all?\n02:38 ALL PARTICIPANTS: Fine!\n"
                  "[00:40] RESEARCHER [00:40]: Good.\n[46:33] PARTICIPANT 1\nI would say so.")
    assert t.speakers == ["RESEARCHER", "ALL PARTICIPANTS", "PARTICIPANT 1"]
    assert texts(t, "turn") == ["How are you all?", "Fine!", "Good.", "I would say so."]
    assert roles(t) == [("RESEARCHER", "interviewer"), ("ALL PARTICIPANTS", "participant"),
                        ("RESEARCHER", "interviewer"), ("PARTICIPANT 1", "participant")]


# --- the document's convention --------------------------------------------------------------------------

THINK_ALOUD = [
    "Session 4 – usability test of the booking site",
    "MODERATOR: Please start by finding the opening hours.",
    "Okay so I am on the home page and I see a big banner.",
    "Where would the hours be? Maybe under contact?",
    "No, that is the address. Let me scroll down.",
    "Here, at the bottom, in small print.",
    "MODERATOR:",
    "How did that feel?",
    "Frustrating, honestly. It took me a minute.",
    "I expected them at the top of the page.",
    "My last booking site had them there.",
    "It is a small thing but it matters.",
    "MODERATOR: Now book a table for two.",
    "Right. The button says reserve, I click it.",
    "It asks for my phone number first, that is odd.",
    "Done, I think. Is that it?",
]


def make_odt(path: Path, paragraphs: list[str]) -> Path:
    document = OpenDocumentText()
    for paragraph in paragraphs:
        document.text.addElement(odf_text.P(text=paragraph))
    document.save(str(path))
    return path


def test_sparse_labels_give_unlabelled_paragraphs_to_the_participant(tmp_path: Path) -> None:
    t = read_transcript(make_odt(tmp_path / "session.odt", THINK_ALOUD))
    moderator = [t.span_text(s) for s in t.turns if s.label == "MODERATOR"]
    assert moderator == ["Please start by finding the opening hours.", "How did that feel?", "Now book a table for two."]
    participant = [s for s in t.turns if s.label == PARTICIPANT]
    assert [s.data["role"] for s in participant] == ["participant"] * 3
    assert sum(t.span_text(s).count("\n") + 1 for s in participant) == 11  # every unlabelled paragraph after a label
    assert texts(t, "paragraph")[0] == THINK_ALOUD[0]  # before the first label: no turn
    assert not any(s.start == 0 for s in t.turns)
    assert [s.label for s in t.sections] == []  # the participant's questions are not interview-guide questions
    segments = t.segments()
    assert [s.speaker_role for s in segments].count("interviewer") == 3
    assert {s.speaker_role for s in segments[1:]} == {"interviewer", "participant"}


def test_one_label_is_a_turn_not_a_guide_question() -> None:
    t = from_text("MODERATOR: What do you make of this page?\nWell, it is busy.\nWhat is that icon for?\nNo idea.")
    assert roles(t) == [("MODERATOR", "interviewer"), (PARTICIPANT, "participant")]
    assert texts(t, "turn") == ["What do you make of this page?", "Well, it is busy.\nWhat is that icon for?\nNo idea."]
    assert t.sections == []


def test_every_turn_labelled_still_continues_turns() -> None:
    t = from_text("I: How did it start?\nR: With a call.\nThen a meeting.\nAnd a letter.\nI: And?\nR: Ok.")
    assert texts(t, "turn") == ["How did it start?", "With a call.\nThen a meeting.\nAnd a letter.", "And?", "Ok."]
    assert roles(t) == [("I", "interviewer"), ("R", "participant"), ("I", "interviewer"), ("R", "participant")]


@pytest.mark.parametrize(
    ("labelled", "sparse"),
    [
        (["I", None, None, "I", None], True),  # only one speaker ever labelled
        (["I", "R", None, "I", "R"], False),
        (["I", "R"] + [None] * 20, True),  # labels are a small minority
        (["P1", None, None, "P1", None], False),  # only participants labelled: the rest is not known to be theirs
        ([None, None], False),
    ],
)
def test_is_sparse(labelled: list[str | None], sparse: bool) -> None:
    assert is_sparse(labelled) is sparse


# --- roles ----------------------------------------------------------------------------------------------


def test_other_names_are_participants_only_beside_an_interviewer() -> None:
    with_interviewer = from_text("Moderator: Hi.\nSarah: Hello.\nModerator: Go on.\nSarah: Fine.")
    assert dict(roles(with_interviewer)) == {"Moderator": "interviewer", "Sarah": "participant"}
    alone = from_text("Sarah Jones: Hello.\nTom Smith: Hi.\nSarah Jones: Ok.\nTom Smith: Fine.")
    assert dict(roles(alone)) == {"Sarah Jones": "unknown", "Tom Smith": "unknown"}


def test_attributes_set_roles_and_name_the_unlabelled_party(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "p1.txt").write_text("Dan: Shall we start?\nParticipant: Sure.\nDan: Great.\nParticipant: Ok.",
                                   encoding="utf-8")
    make_odt(folder / "session.odt", THINK_ALOUD)
    attributes = pd.DataFrame({"document": ["p1", "session"], "interviewer": ["Dan", None],
                               "participant": [None, "Ana; Ben"]})
    assert dict(roles(read_corpus(folder)["p1"])) == {"Dan": "unknown", "Participant": "participant"}
    corpus = read_corpus(folder, attributes=attributes)
    assert dict(roles(corpus["p1"])) == {"Dan": "interviewer", "Participant": "participant"}
    assert dict(roles(corpus["session"])) == {"MODERATOR": "interviewer", "Ana": "participant"}
    table = corpus.speakers()
    assert table.to_dict("records")[:2] == [
        {"document": "p1", "speaker": "Dan", "role": "interviewer", "turns": 2},
        {"document": "p1", "speaker": "Participant", "role": "participant", "turns": 2},
    ]
    again = apply_speaker_settings(corpus["p1"], ["Dan"], [])
    assert again is corpus["p1"]  # applying the same settings changes nothing


def test_code_folder_uses_attribute_roles_and_leaves_interviewers_out(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "p1.txt").write_text(
        "Dan: Is staff turnover a problem here?\nParticipant: Yes, staff turnover is high.\n"
        "Dan: Do parents come?\nParticipant: The parents come to the meetings.", encoding="utf-8")
    attributes = tmp_path / "attributes.csv"
    attributes.write_text("document,interviewer\np1,Dan\n", encoding="utf-8")
    run = qc.code_folder(folder, out=tmp_path / "out", attributes=attributes, jobs=1)
    segments = pd.read_csv(tmp_path / "out" / "segments.csv")
    codings = pd.read_csv(tmp_path / "out" / "codings.csv")
    assert list(segments.columns)[-1] == list(codings.columns)[-1] == "speaker_role"
    assert set(segments["speaker_role"]) == {"participant"}
    assert set(codings["speaker_role"]) == {"participant"} and len(codings)
    everyone = qc.code_folder(folder, out=tmp_path / "all", attributes=attributes, jobs=1, speakers="all")
    assert set(everyone.result.codings["speaker_role"]) == {"interviewer", "participant"}
    assert len(everyone.result.codings) > len(run.result.codings)
    with pytest.raises(ValueError, match="'speakers' parameter"):
        qc.Coder(speakers="nobody").code_transcript(run.corpus["p1"])


# --- readers: PDF labels on their own line, encodings ----------------------------------------------------


def test_pdf_labels_on_their_own_line(tmp_path: Path) -> None:
    lines = [
        (72, 90, 11, "[00:05] RESEARCHER:"),
        (72, 104, 11, "Thanks for joining. Could you describe your role and the team you work"),
        (72, 118, 11, "with at the moment"),
        (72, 132, 11, "[00:19] PARTICIPANT 1"),
        (72, 146, 11, "Sure, I lead a small team of four and we mostly build the data pipelines that"),
        (72, 160, 11, "the analysts rely on"),
        (72, 174, 11, "[00:41] RESEARCHER: And how long have you been doing that"),
        (72, 188, 11, "02:38 ALL PARTICIPANTS:"),
        (72, 202, 11, "Three years and we are still learning how the business uses what we"),
        (72, 216, 11, "RESEARCHER:"),
        (72, 230, 11, "Thank you"),
    ]
    t = read_transcript(make_pdf(tmp_path / "interview.pdf", [lines]))
    assert t.speakers == ["RESEARCHER", "PARTICIPANT 1", "ALL PARTICIPANTS"]
    assert texts(t, "turn") == [
        "Thanks for joining. Could you describe your role and the team you work with at the moment",
        "Sure, I lead a small team of four and we mostly build the data pipelines that the analysts rely on",
        "And how long have you been doing that",
        "Three years and we are still learning how the business uses what we",  # no label glued to it
        "Thank you",
    ]
    assert not any(parse_label(p) for p in texts(t, "paragraph"))  # no label left inside a paragraph


def test_double_encoded_utf8_is_repaired_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Elle dit que lâ€™Ã©cole est fermÃ©e.\nLes parents sont inquiets.\n", encoding="utf-8")
    t = read_transcript(path)
    assert t.text == "Elle dit que l’école est fermée.\nLes parents sont inquiets."
    [warning] = t.metadata["warnings"]
    assert warning.startswith("notes.txt: repaired 1 line(s) of text encoded twice") and "ftfy" in warning


def test_mac_roman_is_detected_with_a_warning(tmp_path: Path) -> None:
    text = "L’élève est allé à l’école très tôt. « Où ça ? » Ça coûte cher, dit-il ; il était inquiet."
    path = tmp_path / "mac.txt"
    path.write_bytes(text.encode("mac_roman"))
    t = read_transcript(path)
    assert (t.text, t.metadata["encoding"]) == (text, "mac-roman")
    assert any(w.startswith("mac.txt: read as Mac Roman") for w in t.metadata["warnings"])


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_clean_text_is_left_alone(tmp_path: Path, encoding: str) -> None:
    text = "L’élève est allé à l’école très tôt. « Où ça ? » Ça coûte 3 € ; Noël, naïve, œuvre."
    path = tmp_path / "clean.txt"
    path.write_bytes(text.encode(encoding))
    t = read_transcript(path)
    assert (t.text, t.metadata["encoding"], t.metadata["warnings"]) == (text, encoding, [])


def test_cli_load_shows_speakers_with_roles_and_turns(tmp_path: Path) -> None:
    make_odt(tmp_path / "session.odt", THINK_ALOUD)
    result = CliRunner().invoke(app, ["load", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "session: MODERATOR (interviewer, 3), PARTICIPANT (participant, 3)" in result.output


def test_a_lone_participant_heading_is_not_a_turn() -> None:
    t = from_text("Participant: Mme Martin, directrice\nLa réunion a commencé tard.\nLes parents sont venus.")
    assert t.turns == []


def test_cli_code_speakers_option(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("I: Is staff turnover a problem?\nR: Staff turnover is high.\n"
                                  "I: Do parents come?\nR: The parents come.", encoding="utf-8")
    counts = {}
    for speakers in ("participant", "all"):
        out = tmp_path / speakers
        result = CliRunner().invoke(app, ["code", str(folder), "--out", str(out), "--speakers", speakers,
                                          "--no-cache", "--jobs", "1"])
        assert result.exit_code == 0, result.output
        counts[speakers] = set(pd.read_csv(out / "codings.csv")["speaker_role"])
    assert counts == {"participant": {"participant"}, "all": {"interviewer", "participant"}}
