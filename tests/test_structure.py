"""Tests for qualcode.ingest.structure: layout, paragraphs, speaker turns, sections and quotes."""

from __future__ import annotations

import re
import textwrap
from itertools import pairwise
from typing import Any

import pytest
from conftest import require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.ingest.normalize import is_hard_wrapped, normalize_text
from qualcode.ingest.structure import build_transcript, find_quotes, parse_label, speaker_role
from qualcode.model.transcript import Block, RawDocument, Span, Transcript

SEED = "seeds/000_c0c839df2532a9e7.txt"
QUALCODER = "corpora/qualcoder-examples-mock/transcript.txt"
FOCUS_GROUPS = [
    "corpora/autspaces-focus-groups/focus-groups/04-october-2019.md",
    "corpora/autspaces-focus-groups/focus-groups/18-september-2019.md",
    "corpora/autspaces-focus-groups/focus-groups/24-september-2019.md",
]


def from_text(text: str, **kwargs: Any) -> Transcript:
    """A transcript made from one "text" block, as a .txt reader returns it."""
    return build_transcript(RawDocument([Block(text)], format="txt"), "doc", **kwargs)


def from_lines(text: str) -> Transcript:
    """The same document as one "paragraph" block per line, as a .docx made from the .txt would be."""
    blocks = [Block(line, kind="paragraph") for line in text.split("\n")]
    return build_transcript(RawDocument(blocks, format="docx"), "doc")


def texts(t: Transcript, kind: str) -> list[str]:
    return [t.span_text(s) for s in t.spans_of(kind)]


def full(spans: list[Span]) -> list[tuple[Any, ...]]:
    """Spans with their data, which Span equality leaves out."""
    return [(s.start, s.end, s.kind, s.label, dict(s.data)) for s in spans]


def check_invariants(t: Transcript) -> None:
    """Every span slices back to trimmed text; paragraphs and turns do not overlap; sections nest."""
    assert t.spans == sorted(t.spans, key=lambda s: (s.start, -s.end, s.kind))
    for span in t.spans:
        assert 0 <= span.start < span.end <= len(t.text), span
        piece = t.span_text(span)
        assert piece == piece.strip(), span
    for kind in ("paragraph", "turn", "label"):
        spans = t.spans_of(kind)
        assert all(a.end <= b.start for a, b in pairwise(spans)), kind
    sections = t.sections
    for a in sections:
        for b in sections:
            disjoint = a.end <= b.start or b.end <= a.start
            nested = (a.start <= b.start and b.end <= a.end) or (b.start <= a.start and a.end <= b.end)
            assert disjoint or nested, (a, b)
    for label in t.spans_of("label"):
        assert not any(p.start < label.end and label.start < p.end for p in t.paragraphs)


# --- the seed -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_text() -> str:
    return require_shared(SEED).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text: str) -> Transcript:
    return from_text(seed_text)


def test_seed_paragraphs(seed: Transcript, seed_text: str) -> None:
    assert len(seed.paragraphs) == 20
    lines = [normalize_text(line)[0].strip() for line in seed_text.split("\n")]
    assert texts(seed, "paragraph") == [line for line in lines if line]
    assert texts(seed, "paragraph")[2].startswith("Travail avec le PRE mais manque de pérennité")
    assert "[bookmark" not in seed.text
    check_invariants(seed)


def test_seed_has_no_speakers(seed: Transcript) -> None:
    assert seed.turns == []
    assert seed.spans_of("label") == []


def test_seed_question_sections(seed: Transcript) -> None:
    labels = [s.label for s in seed.sections]
    assert labels == [
        "Quels acteurs ?",
        "Comment inscrire dans la durée ? Qu’est ce qui fait que ça marche ?",
    ]
    first, second = seed.sections
    assert seed.span_text(first).endswith("« On est de moins en moins à l’extérieur »")
    assert seed.span_text(second).endswith("(ex ++ avec le centre de loisirs).")
    assert all(s.data["level"] is None for s in seed.sections)


def test_seed_quotes(seed: Transcript, seed_text: str) -> None:
    quotes = texts(seed, "quote")
    assert len(quotes) == seed_text.count("«") == 5
    assert all(q.startswith("«") and q.endswith("»") for q in quotes)
    assert quotes[1].endswith("dans le même sens »")
    assert quotes[4] == "« vous inquiétez pas il  va au soutien scolaire »"


def test_seed_metadata(seed: Transcript) -> None:
    assert seed.language == "fr"
    assert seed.metadata["format"] == "txt"
    assert seed.metadata["warnings"] == []


def test_seed_as_docx_paragraphs_is_identical(seed: Transcript, seed_text: str) -> None:
    docx = from_lines(seed_text)
    assert docx.text == seed.text
    assert full(docx.spans) == full(seed.spans)


def test_seed_is_not_hard_wrapped(seed_text: str) -> None:
    assert not is_hard_wrapped(seed_text)


# --- layout ---------------------------------------------------------------------------------------------


def test_blank_lines_are_kept_in_line_mode() -> None:
    t = from_text("\n\nFirst line.\nSecond line.\n\n\n\nThird line.\n\n")
    assert t.text == "First line.\nSecond line.\n\nThird line."
    assert texts(t, "paragraph") == ["First line.", "Second line.", "Third line."]


def test_empty_paragraph_blocks_are_empty_lines() -> None:
    blocks = [Block(""), Block("a", "paragraph"), Block("", "paragraph"), Block("", "paragraph"), Block("b")]
    t = build_transcript(RawDocument(blocks, format="docx"), "doc")
    assert t.text == "a\n\nb"


def _email() -> str:
    paragraphs = [
        "Thank you for agreeing to take part in this interview about the partnership between the school "
        "and the social centre. We would like to understand how the parents are contacted and who decides "
        "which families are invited when a new project starts in the neighbourhood.",
        "During the last meeting the directors explained that the homework club had been running for three "
        "years, but that the association and the school did not share the same expectations.",
    ]
    return "\n\n".join(textwrap.fill(p, width=72) for p in paragraphs)


def test_hard_wrapped_text_is_rejoined() -> None:
    email = _email()
    assert is_hard_wrapped(email)
    t = from_text(email)
    assert len(t.paragraphs) == 2
    assert t.text.count("\n") == 2
    assert texts(t, "paragraph")[0].startswith("Thank you for agreeing to take part in this interview about")


def test_reader_can_force_the_layout() -> None:
    text = "a line\nanother line"
    wrapped = build_transcript(RawDocument([Block(text)], format="pdf", wrapped=True), "doc")
    assert wrapped.text == "a line another line"
    lines = build_transcript(RawDocument([Block(_email())], format="txt", wrapped=False), "doc")
    assert len(lines.paragraphs) == len([line for line in _email().split("\n") if line])


def test_blocks_are_joined_by_newlines() -> None:
    t = build_transcript(RawDocument([Block("one"), Block("two", "paragraph")], format="txt"), "doc")
    assert t.text == "one\ntwo"


# --- headings and sections ------------------------------------------------------------------------------


def test_heading_blocks_make_nested_sections() -> None:
    blocks = [
        Block("Intro text"),
        Block("Partners", "heading", level=1),
        Block("Schools", "heading", level=2),
        Block("About schools.\nQuels acteurs ?\nLes parents.", "paragraph"),
        Block("Associations", "heading", level=2),
        Block("About associations."),
        Block("Time", "heading", level=1),
        Block("About time."),
    ]
    t = build_transcript(RawDocument(blocks, format="docx"), "doc")
    sections = {s.label: t.span_text(s) for s in t.sections}
    assert sections["Partners"].startswith("Partners\nSchools") and sections["Partners"].endswith(
        "associations."
    )
    assert sections["Schools"] == "Schools\nAbout schools.\nQuels acteurs ?\nLes parents."
    assert sections["Quels acteurs ?"] == "Quels acteurs ?\nLes parents."
    assert sections["Associations"] == "Associations\nAbout associations."
    assert sections["Time"] == "Time\nAbout time."
    assert texts(t, "heading") == ["Partners", "Schools", "Associations", "Time"]
    assert [s.data["level"] for s in t.spans_of("heading")] == [1, 2, 2, 1]
    assert "Partners" in texts(t, "paragraph")
    check_invariants(t)


def test_long_or_answered_questions_are_not_sections() -> None:
    long_question = " ".join(["mot"] * 30) + " ?"
    t = from_text(f"{long_question}\nI: Est-ce que ça marche ?\nR: Oui.\nI: Et ensuite ?\nR: On verra ?")
    assert t.sections == []


def test_questions_before_the_first_turn_are_sections() -> None:
    t = from_text("Quels acteurs ?\nI: Qui vient ?\nR: Les parents.\nI: Et les enfants ?\nR: Aussi.")
    assert [s.label for s in t.sections] == ["Quels acteurs ?"]
    section = t.span_text(t.sections[0])
    assert section.startswith("Quels acteurs ?\nI: Qui vient ?") and section.endswith("Aussi.")


# --- speaker turns --------------------------------------------------------------------------------------

CONVENTIONS = [
    ("I: How did it start?\nR: With a phone call.\nI: Who came?\nR: The parents.", ["I", "R"], ["I:", "R:"]),
    ("Q: What do you do?\nA: I teach.\nQ: Where?\nA: In Lyon.", ["Q", "A"], ["Q:", "A:"]),
    (
        "INTERVIEWER: Your day?\nP4: Early.\nINTERVIEWER: Then?\nP12: School.",
        ["INTERVIEWER", "P4", "P12"],
        None,
    ),
    ("Interviewer: Hello.\nP4: Hi.\nInterviewer: Ready?\nP4: Yes.", ["Interviewer", "P4"], None),
    (
        "MODERATOR: Welcome.\nSARAH: Hello.\nMODERATOR: Start.\nTOM: Fine.\nSARAH: Ok.",
        ["MODERATOR", "SARAH", "TOM"],
        None,
    ),
    (
        "Enquêteur : Bonjour.\nEnquêtée : Bonjour.\nEnquêteur : On y va ?\nEnquêtée : Oui.",
        ["Enquêteur", "Enquêtée"],
        None,
    ),
    ("[id1] hello there\n[id2] I agree\n[id1] good", ["id1", "id2"], ["[id1]", "[id2]"]),
    (
        "ENQ Bonjour.\nMme Martin : Bonjour.\n(ENQ) Depuis quand ?\nMme Martin : Dix ans.",
        ["ENQ", "Mme Martin"],
        None,
    ),
    ("ENQ : Bonjour.\nE1 : Bonjour.\nENQ: Alors ?\nE1 : Oui.", ["ENQ", "E1"], None),
    (
        "[00:10] RESEARCHER: How are you?\n[00:15] P1: Fine.\n[01:02] RESEARCHER: Good.",
        ["RESEARCHER", "P1"],
        None,
    ),
    ("(P F d): “I want to help.”\n(R T g): “Many aspects”\n(P F d): more", ["P F d", "R T g"], ["(P F d):"]),
    ("* (**P** *F* d): “help”\n* (R *T* g): “aspects”\n* (**P** *F* d): more", ["P F d", "R T g"], None),
    (
        "Speaker 1: Hi.\nSpeaker 2: Hello.\nSpeaker 1: Ready?\nSpeaker 2: Yes.",
        ["Speaker 1", "Speaker 2"],
        None,
    ),
    ("- I: First?\n- R: One.\n- I: Second?\n- R: Two.", ["I", "R"], ["- I:", "- R:"]),
    (
        "Marie Dupont: Bonjour.\nJean-Pierre Martin: Salut.\nMarie Dupont: Bon.\nJean-Pierre Martin: Ok.",
        None,
        None,
    ),
]


@pytest.mark.parametrize(("text", "speakers", "labels"), CONVENTIONS)
def test_speaker_conventions(text: str, speakers: list[str] | None, labels: list[str] | None) -> None:
    t = from_text(text)
    lines = text.split("\n")
    assert len(t.turns) == len(lines)
    if speakers:
        assert t.speakers == speakers
    if labels:
        assert texts(t, "label")[: len(labels)] == labels
    for line, turn, label in zip(lines, t.turns, t.spans_of("label"), strict=True):
        assert t.span_text(label) + " " + t.span_text(turn) == line
        assert turn.label == label.label
    assert texts(t, "paragraph") == texts(t, "turn")
    check_invariants(t)


@pytest.mark.parametrize(
    ("speaker", "role"),
    [
        ("I", "interviewer"),
        ("Q", "interviewer"),
        ("INT", "interviewer"),
        ("INTERVIEWER", "interviewer"),
        ("Interviewer 2", "interviewer"),
        ("MODERATOR", "interviewer"),
        ("ENQ", "interviewer"),
        ("Enquêteur", "interviewer"),
        ("Enquêtrice", "interviewer"),
        ("Intervieweur", "interviewer"),
        ("RESEARCHER", "interviewer"),
        ("Chercheuse", "interviewer"),
        ("Facilitator", "interviewer"),
        ("R", "participant"),
        ("A", "participant"),
        ("P4", "participant"),
        ("Marie", "participant"),
        ("R T g", "participant"),
    ],
)
def test_speaker_role(speaker: str, role: str) -> None:
    assert speaker_role(speaker) == role


def test_turn_roles_and_timestamps() -> None:
    t = from_text("[00:10] RESEARCHER: How are you?\n[1:02:03.5] P1: Fine.\n[00:20] RESEARCHER: Good.")
    assert [dict(s.data) for s in t.turns] == [
        {"start": 10.0, "role": "interviewer"},
        {"start": 3723.5, "role": "participant"},
        {"start": 20.0, "role": "interviewer"},
    ]
    assert texts(t, "label")[1] == "[1:02:03.5] P1:"


def test_unlabelled_paragraphs_continue_the_turn() -> None:
    text = (
        "Interview of 12 March\n\nI: How did it start?\n\nR: With a call.\n\nThen a meeting.\nI: And?\nR: Ok."
    )
    t = from_text(text)
    assert texts(t, "turn") == ["How did it start?", "With a call.\n\nThen a meeting.", "And?", "Ok."]
    assert texts(t, "paragraph")[0] == "Interview of 12 March"
    assert not any(turn.start <= 0 < turn.end for turn in t.turns)
    check_invariants(t)


def test_label_alone_on_its_line() -> None:
    t = from_text("I:\nHow did it start?\nR:\nWith a call.\nI: Ok.")
    assert texts(t, "turn") == ["How did it start?", "With a call.", "Ok."]
    assert texts(t, "label") == ["I:", "R:", "I:"]


@pytest.mark.parametrize(
    "text",
    [
        "Travailler avec un CS : travail sur les parents vis-à-vis de l’école.\n"
        "Travailler avec un CS : encore une fois.\n"
        "Lien à la MQ sur Projets ponctuels : Travail avec le club de théâtre.\n"
        "Entrée travail avec associations locales : le CLAS\n"
        "Problème pour travail avec familles : la garde des enfants.\n"
        "Problème pour travail avec familles : encore.",
        "Note: the recording starts late.\nThe meeting went well.",
        "Donc : on avance.\nDonc : on continue.\nMais : pas tout de suite.\nMais : bientôt.",
        "Work with the school: a long story.\nWork with the school: again.\nTime with the family: rare.",
        "Date : 12 mars\nLieu : école\nNote : rien\nDate : 13 mars\nLieu : mairie\nNote : rien",
        "[inaudible] yes I think so\n[laughs] right\n[inaudible] no\n[laughs] ok",
        "I think so.\nI am sure.\nA good point.\nA bad one.",
    ],
)
def test_prose_is_not_taken_for_labels(text: str) -> None:
    t = from_text(text)
    assert t.turns == []
    assert t.spans_of("label") == []


def test_a_single_label_like_prefix_is_not_a_speaker() -> None:
    assert from_text("Marie: hello\nSome notes after that.").turns == []
    assert from_text("I: only one question here").turns == []


def test_one_off_labels_count_in_a_labelled_document() -> None:
    t = from_text("I: Hello?\nR: Hi.\nI: Ready?\nR: Yes.\nP2: Me too.")
    assert t.speakers == ["I", "R", "P2"]


@pytest.mark.parametrize(
    ("line", "speaker", "label_text", "content"),
    [
        ("I: Hello", "I", "I:", "Hello"),
        ("  Enquêteur : Bonjour", "Enquêteur", "Enquêteur :", "Bonjour"),
        ("[id1] hello", "id1", "[id1]", "hello"),
        ("(ENQ) Bonjour", "ENQ", "(ENQ)", "Bonjour"),
        ("ENQ: Bonjour", "ENQ", "ENQ:", "Bonjour"),
        ("[00:10] RESEARCHER: Hi", "RESEARCHER", "[00:10] RESEARCHER:", "Hi"),
        ("* (**P** *F* d): “I want”", "P F d", "* (**P** *F* d):", "“I want”"),
        ("(R, *T* d): yes", "R T d", "(R, *T* d):", "yes"),
        ("*(R, *T* d):yes", "R T d", "*(R, *T* d):", "yes"),
        ("(A): yes", "A", "(A):", "yes"),
        ("Dr. Smith: hello", "Dr. Smith", "Dr. Smith:", "hello"),
    ],
)
def test_parse_label(line: str, speaker: str, label_text: str, content: str) -> None:
    label = parse_label(line)
    assert label is not None
    assert label.speaker == speaker
    assert line[label.start : label.end] == label_text
    assert line[label.content :] == content


@pytest.mark.parametrize(
    "line",
    [
        "Travailler avec un CS : travail",
        "Entrée travail avec associations locales : le CLAS",
        "Lien à la MQ sur Projets ponctuels : Travail",
        "Mais : non",
        "The plan: go",
        "http://example.org",
        "10:30 meeting",
        "[inaudible] yes",
        "(a) first",
        "(B) second",
        "(1) third",
        "I think so",
        "ENQUÊTE sur les familles",
        "Note:",
    ],
)
def test_parse_label_rejects(line: str) -> None:
    assert parse_label(line) is None


def test_turn_blocks() -> None:
    blocks = [
        Block("Hello and welcome.", "turn", speaker="Interviewer", data={"start": 0.0, "end": 2.5}),
        Block("Thanks.\nGlad to be here.", "turn", speaker="Marie", data={"start": 2.5, "end": 4.0}),
        Block("Ok.", "turn", speaker="SPK_1", data={"role": "interviewer"}),
    ]
    t = build_transcript(RawDocument(blocks, format="vtt"), "doc")
    assert t.text == "Interviewer: Hello and welcome.\nMarie: Thanks. Glad to be here.\nSPK_1: Ok."
    assert texts(t, "label") == ["Interviewer:", "Marie:", "SPK_1:"]
    assert (
        texts(t, "turn") == texts(t, "paragraph") == ["Hello and welcome.", "Thanks. Glad to be here.", "Ok."]
    )
    assert [dict(s.data) for s in t.turns] == [
        {"start": 0.0, "end": 2.5, "role": "interviewer"},
        {"start": 2.5, "end": 4.0, "role": "participant"},
        {"role": "interviewer"},
    ]
    assert t.speakers == ["Interviewer", "Marie", "SPK_1"]
    check_invariants(t)


def test_qualcoder_transcript_has_three_speakers() -> None:
    text = require_shared(QUALCODER).read_text(encoding="utf-8")
    t = from_text(text)
    assert t.speakers == ["id1", "id2", "id3"]
    assert len(t.turns) == 7
    assert all(s.data["role"] == "unknown" for s in t.turns)  # no interviewer: a name alone tells no role
    assert texts(t, "turn")[0].startswith("hello, I like the course.")
    assert t.language == "en"
    check_invariants(t)


@pytest.mark.parametrize("relative", FOCUS_GROUPS)
def test_focus_groups(relative: str) -> None:
    text = require_shared(relative).read_text(encoding="utf-8")
    t = from_text(text)
    labelled = sum(1 for line in text.split("\n") if re.match(r"\s*(?:\*\s*)?\((?!\()[^)]*\):", line))
    assert len(t.spans_of("label")) == labelled
    assert len(t.speakers) >= 10
    assert {"P F d", "R T d", "A d"} <= set(t.speakers)
    assert all(s.data["role"] == "unknown" for s in t.turns)  # quotes of a summary: no interviewer
    assert len(t.quotes) > 100
    assert t.language == "en"
    check_invariants(t)


# --- quotes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Il dit « on verra » puis «\u202fnon\u202f».", ["« on verra »", "« non »"]),
        ("« début\nfin »", ["« début\nfin »"]),
        ("She said “we will see” and left.", ["“we will see”"]),
        ('She said "we will see" and "ok" then "no way".', ['"we will see"', '"no way"']),
        ('An odd "quote here and "another one" here.', []),
        ('Across "two\nlines" is not a quote.', []),
        ("“across\nlines”", []),
        ("l’école, l'école, it's, ‘single quotes’", []),
        ("« »", []),
    ],
)
def test_quotes(text: str, expected: list[str]) -> None:
    t = from_text(text)
    assert texts(t, "quote") == expected


def test_find_quotes_on_raw_text() -> None:
    assert find_quotes("a « b » c") == [Span(2, 7, "quote")]


# --- metadata -------------------------------------------------------------------------------------------


def test_metadata() -> None:
    raw = RawDocument(
        [Block("Hello\x00 there, this is the text of the interview with the parents.")],
        format="md",
        encoding="utf-8",
        metadata={"front_matter": {"site": "Lyon"}, "title": "Interview"},
        warnings=["reader warning"],
    )
    t = build_transcript(raw, "site1/interview03", source="site1/interview03.md")
    assert t.id == "site1/interview03"
    assert t.metadata["source"] == "site1/interview03.md"
    assert t.metadata["format"] == "md"
    assert t.metadata["encoding"] == "utf-8"
    assert t.metadata["front_matter"] == {"site": "Lyon"}
    assert t.metadata["title"] == "Interview"
    assert t.language == "en"
    assert t.metadata["warnings"][0] == "reader warning"
    assert "NUL" in t.metadata["warnings"][1]


def test_language_given_or_from_front_matter() -> None:
    text = "I think that the parents do not come to the school."
    assert from_text(text, language="fr").language == "fr"
    raw = RawDocument([Block(text)], format="md", metadata={"front_matter": {"language": "de"}})
    assert build_transcript(raw, "doc").language == "de"
    assert from_text("").language is None
    assert from_text("").spans == []


# --- properties -----------------------------------------------------------------------------------------

PIECES = [
    "a", "word", "Bonjour", "é", "e\u0301", "😀", "👨\u200d👩\u200d👧", "שלום", "مرحبا", "\u0301",
    " ", "\t", "\xa0", "\u202f", "\u200b", "\ufeff", "\x00", "\ud800", ".", ",",
    ":", " : ", "?", " ?", "«", "»", "“", "”", '"', "'", "’", "[", "]", "(", ")", "-", "*",
    "I: ", "R: ", "Q:", "[id1] ", "ENQ ", "(ENQ) ", "Marie Dupont : ", "[00:10] ", "(P F d): ", "- ",
    "[bookmark: _GoBack]", "Quels acteurs ?",
]  # fmt: skip
BREAKS = ["\n", "\r\n", "\r", "\n\n\n", "\u2028", "\x0c"]
lines_strategy = st.lists(st.lists(st.sampled_from(PIECES), max_size=12).map("".join), max_size=12)
text_strategy = st.one_of(
    st.lists(st.sampled_from(PIECES + BREAKS), max_size=60).map("".join),
    st.text(max_size=120),
)


@given(text_strategy)
@settings(max_examples=300)
def test_spans_are_well_formed_for_any_text(text: str) -> None:
    check_invariants(from_text(text))
    check_invariants(build_transcript(RawDocument([Block(text)], format="pdf", wrapped=True), "doc"))


@given(lines_strategy)
@settings(max_examples=200)
def test_txt_and_docx_layouts_agree(lines: list[str]) -> None:
    text = "\n".join(lines)
    txt = build_transcript(RawDocument([Block(text)], format="txt", wrapped=False), "doc")
    docx = from_lines(text)
    assert docx.text == txt.text
    assert full(docx.spans) == full(txt.spans)
    check_invariants(docx)


@given(
    st.lists(st.tuples(st.sampled_from(["heading", "paragraph", "text", "turn"]), text_strategy), max_size=8)
)
@settings(max_examples=150)
def test_any_mix_of_blocks(parts: list[tuple[str, str]]) -> None:
    blocks = [
        Block(text, kind, level=len(text) % 4 or None, speaker="Marie" if kind == "turn" else None)  # type: ignore[arg-type]
        for kind, text in parts
    ]
    check_invariants(build_transcript(RawDocument(blocks, format="docx"), "doc"))


def test_words_are_counted_once_per_text() -> None:
    t = build_transcript(RawDocument([Block("Un deux  trois\nquatre")], "txt"), "doc")
    assert t.words == 4 and t.words == 4
    t.text = "cinq six"
    assert t.words == 2  # another text, counted again
