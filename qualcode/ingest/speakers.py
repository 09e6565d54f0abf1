"""Speakers: the labels that start a turn, how a document attributes its paragraphs, and speakers' roles.

:func:`parse_label` finds a label at the start of a line (``I:``, ``P4:``, ``Interviewer 1:``,
``Enquêteur :``, ``[id1]``, ``[Marie]``, ``(ENQ)``, ``[36:53] RESEARCHER:``, ``RESEARCHER [36:53]:``,
``[46:33] PARTICIPANT 1`` alone on its line, ``02:38 ALL PARTICIPANTS:``...) and :func:`accepted_speakers`
keeps those that are the document's speakers, from how often they recur.

Documents follow one of two conventions, which :func:`is_sparse` tells apart. Most label every turn: an
unlabelled paragraph continues the turn before it. Some label only one party (a think-aloud session where
only the moderator's prompts carry ``MODERATOR:``): there, an unlabelled paragraph is the other party's,
the participant's (:data:`PARTICIPANT`, or the name the attributes file gives).

Roles (:func:`document_roles`): a speaker is an ``"interviewer"`` by name (interviewer, moderator,
researcher, facilitator, enquêteur, ``ENQ``, ``I``, ``Q``...), by what the format states (a Praat tier
marked ``(ENQ)``) or by the attributes file's ``interviewer`` column; a ``"participant"`` by name
(participant, respondent, ``P4``, ``R``, ``ALL PARTICIPANTS``...) or the ``participant`` column; any other
name is a participant when the document has an interviewer, else ``"unknown"``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Any, NamedTuple

from qualcode.ingest.language import stop_words
from qualcode.model.transcript import Span, Transcript

__all__ = [
    "PARTICIPANT",
    "ROLES",
    "SpeakerLabel",
    "accepted_speakers",
    "apply_speaker_settings",
    "document_roles",
    "is_sparse",
    "parse_label",
    "speaker_counts",
    "speaker_role",
    "speaker_settings",
]

PARTICIPANT = "PARTICIPANT"  # the name of the unlabelled party of a document that labels only the other
ROLES = ("interviewer", "participant", "unknown")
SPARSE_SHARE = 0.2  # below this share of labelled paragraphs (from the first label on), labels are sparse


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_INTERVIEWER = _wordset(
    "i q int intv interviewer intervieweur intervieweuse moderator moderateur moderatrice animateur "
    "animatrice enq enqueteur enquetrice researcher chercheur chercheuse facilitator question"
)
_PARTICIPANT = _wordset(
    "r a p e respondent participant interviewee answer reponse repondant repondante enquete enquetee "
    "speaker locuteur locutrice"
)
# Several people speaking at once: participants.
_GROUP = frozenset({"all participants", "all", "everyone", "everybody", "tous", "toutes", "tout le monde",
                    "plusieurs participants", "several participants", "participants"})
# Role words that may make a speaker of a label met only once in a document ("Question:" and "Answer:"
# start notes too; one-letter codes such as "I:" start enumerations).
_NOT_ALONE = _wordset("question answer reponse speaker locuteur locutrice")
# Generic labels that say nothing of the role: "Speaker 1" is no more a participant than an interviewer.
_NEUTRAL = _wordset("speaker locuteur locutrice")
# Words that start notes ("Note:", "Date :") or transcriber annotations ("[Laughter]"), never speakers.
_NOT_SPEAKERS = _wordset(
    "note notes nb ps remarque remarques exemple exemples example examples conclusion resume summary "
    "contexte context date lieu heure time duree duration objet object subject sujet re source sources "
    "lien link tel email mail adresse address important attention rappel todo action actions decision "
    "objectif objectifs goal goals besoin besoins blocage blocages idee idees idea ideas probleme "
    "problemes problem problems solution solutions total warning tip step etape titre title url fig "
    "figure tableau table chapitre chapter section partie part annexe appendix agenda theme topic "
    "participants presents absents laughter laughs laughing inaudible crosstalk pause silence rires rire "
    "music musique applause noise bruit unclear overlapping incomprehensible ok okay yes yeah oui non"
)
_NAMES_NOT_STOP_WORDS = frozenset({"will", "may", "ma", "mo"})

_WORD = r"[^\W\d_][\w'’.\-]*"
_NAME = rf"{_WORD}(?:[ ]+(?:{_WORD}|\d{{1,3}})){{0,3}}?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_LABEL = re.compile(
    r"(?P<lead>[ \t]*)(?:[-–—•*][ \t]+|\*(?=[(\[]))?"
    rf"(?:(?P<time>[\[(]?(?P<clock>{_CLOCK})[\])]?)(?:[ \t]*[-–—])?[ \t]+)?"
    r"(?:(?P<bracket>\[[^\[\]\n]{1,40}\]|\([^()\n]{1,40}\))(?:[ \t]*(?P<bcolon>:)|(?=\s|$))"
    rf"|(?P<name>{_NAME})(?:[ \t]+[\[(]?(?P<after>{_CLOCK})[\])]?)?[ \t]*:(?=\s|$)"
    r"|(?P<bare>ENQ|INT|INTERVIEWER|MODERATOR|ENQU[EÊ]TEUR|ENQU[EÊ]TRICE)(?=[ \t])"
    rf"|(?P<alone>{_NAME})(?:[ \t]+[\[(]?(?P<alone_after>{_CLOCK})[\])]?)?[ \t]*$)"
)
_CODE = re.compile(r"[A-Za-z]{1,4}\d{1,3}|[A-Z]")
_SHORT_CODE = re.compile(r"[A-Za-z]{1,3}")
_SPACES = re.compile(r"\s+")


class SpeakerLabel(NamedTuple):
    """A speaker label at the start of a line.

    ``start``/``end`` delimit the label (bullet, timestamp and colon included) within the line; ``content``
    is where the speech starts (the line's end for a label alone on its line). ``strong`` says the label
    looks like a role or code (``I``, ``P4``, ``[id1]``) or carries a timestamp, not merely like a name.
    ``time`` is the label's timestamp in seconds.
    """

    speaker: str
    start: int
    end: int
    content: int
    strong: bool
    time: float | None = None


def _key(name: str) -> str:
    """Accent-free lower-case label without trailing number (``Enquêteur 2`` -> ``enqueteur``)."""
    plain = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return _SPACES.sub(" ", plain.casefold().rstrip("0123456789 ").strip())


def speaker_role(speaker: str) -> str:
    """The role a name says by itself: ``"interviewer"`` for I, Q, INT, Interviewer, MODERATOR, ENQ,
    Enquêteur...; else ``"participant"``. A document's roles are :func:`document_roles`'."""
    return "interviewer" if _key(speaker) in _INTERVIEWER else "participant"


def _named_role(speaker: str) -> str | None:
    """``"interviewer"`` or ``"participant"`` when the name is a role word or code, else None."""
    key = _key(speaker)
    if key in _INTERVIEWER:
        return "interviewer"
    if key in _NEUTRAL:
        return None
    return "participant" if key in _PARTICIPANT or key in _GROUP else None


def _is_role(name: str) -> bool:
    key = _key(name)
    return key in _INTERVIEWER or key in _PARTICIPANT or key in _GROUP


@cache
def _common_words() -> frozenset[str]:
    return stop_words("fr") | stop_words("en")


def _is_name(name: str) -> bool:
    """1-3 capitalised words (and an optional number), none a function word or a note word."""
    words = name.split()
    if words and words[-1].isdigit():
        words.pop()
    if not 1 <= len(words) <= 3:
        return False
    common = _common_words()
    for word in words:
        lower, key = word.casefold().strip("."), _key(word).strip(".")
        if not word[0].isupper() or key in _NOT_SPEAKERS:
            return False
        if (lower in common or key in common) and key not in _NAMES_NOT_STOP_WORDS:
            return False
    return True


def _is_code_list(name: str) -> bool:
    """A focus-group code such as ``P F d`` or ``R T g``: a few one-to-three-letter codes."""
    tokens = name.split()
    return 1 <= len(tokens) <= 6 and all(_SHORT_CODE.fullmatch(t) for t in tokens) and name != name.lower()


def _seconds(clock: str) -> float:
    seconds = 0.0
    for part in clock.replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def _bracket_speaker(bracket: str, colon: bool) -> tuple[str, bool] | None:
    """Speaker name and strength of a bracketed label, or None when it is not one.

    Without a colon only codes with a number (``[id1]``), role words (``(ENQ)``) and names in square
    brackets (``[Marie]``) count, so that enumerations such as ``(a)`` or ``(B)`` and annotations such as
    ``[inaudible]`` or ``[Laughter]`` are left alone.
    """
    inner = bracket[1:-1]
    name = _SPACES.sub(" ", inner.replace("*", " ").replace("_", " ").replace(",", " ")).strip()
    if not name:
        return None
    if _CODE.fullmatch(name) or _is_role(name):
        return (name, True) if colon or len(name) > 1 else None
    if colon and _is_code_list(name):
        return name, True
    if (colon or bracket[0] == "[") and _is_name(name):
        return name, False
    return None


def _named(name: str, time: float | None, alone: bool, after: bool) -> tuple[str, bool] | None:
    """Speaker name and strength of an unbracketed label, or None. A label without a colon (``alone``)
    must stand alone on its line with a timestamp, and be a role, a code, or a name in capitals (before
    the timestamp: any name)."""
    strong = _CODE.fullmatch(name) is not None or _is_role(name)
    if alone:
        if time is None or not (strong or (_is_name(name) and (after or name.isupper()))):
            return None
        return name, True
    return (name, strong) if strong or _is_name(name) else None


def parse_label(line: str) -> SpeakerLabel | None:
    """Find a speaker label at the start of ``line``: ``I:``, ``Marie Dupont:``, ``Enquêteur :``, ``[id1]``,
    ``[Marie]``, ``(ENQ)``, ``ENQ``, ``[00:10] RESEARCHER:``, ``RESEARCHER [00:10]:``, ``02:38 ALL
    PARTICIPANTS:``, ``[46:33] PARTICIPANT 1`` (alone on its line), ``(P F d):``, ``- I:``, ``Speaker 1:``...

    Only the shape of the line is checked; :func:`accepted_speakers` also requires labels to recur.
    """
    match = _LABEL.match(line)
    if match is None:
        return None
    clock = match["clock"] or match["after"] or match["alone_after"]
    time = _seconds(clock) if clock else None
    if match["bracket"]:
        found = _bracket_speaker(match["bracket"], bool(match["bcolon"]))
    elif match["name"]:
        found = _named(_SPACES.sub(" ", match["name"]), time, False, bool(match["after"]))
    elif match["alone"]:
        found = _named(_SPACES.sub(" ", match["alone"]), time, True, bool(match["alone_after"]))
    else:
        found = (match["bare"], True)
    if found is None:
        return None
    content = len(line) - len(line[match.end() :].lstrip())
    speaker, strong = found
    return SpeakerLabel(speaker, len(match["lead"]), match.end(), content, strong or time is not None, time)


def accepted_speakers(labels: list[SpeakerLabel]) -> set[str]:
    """The labels that are speakers, from how often each occurs in the document.

    When two distinct labels recur, the recurring ones and the role- or code-like ones are speakers, and
    so are one-off names if some name recurs. Otherwise the role- or code-like labels are speakers when one
    of them recurs or there are two distinct ones, and so is an interviewer's role word met once
    (``MODERATOR:``), which a document that labels only its moderator's one prompt has. A lone label-like prefix (``Note:``,
    ``I:``) is never a speaker.
    """
    counts = Counter(label.speaker for label in labels)
    strong = {label.speaker for label in labels if label.strong}
    recurring = {name for name, n in counts.items() if n >= 2}
    if len(recurring) >= 2:
        return set(counts) if recurring - strong else recurring | strong
    if recurring & strong or len(strong) >= 2:
        return strong
    return {name for name in strong if _lone_role(name)}


def _lone_role(name: str) -> bool:
    """An interviewer's role word (``MODERATOR``, ``Enquêteur``), which may label a document's one prompt; a
    participant's alone (``Participant: Mme Martin`` heading notes) would make one turn of all that follows."""
    key = _key(name)
    return len(key) >= 3 and key not in _NOT_ALONE and key in _INTERVIEWER


def is_sparse(labelled: Sequence[str | None]) -> bool:
    """Whether a document labels only one party, ``labelled`` giving each paragraph's label (None without).

    Labels are sparse when only one speaker is ever labelled, or when fewer than :data:`SPARSE_SHARE` of
    the paragraphs from the first label on carry one, unless every labelled speaker is a participant by
    name (the unlabelled party is then not known to be the participant).
    """
    first = next((i for i, name in enumerate(labelled) if name is not None), None)
    if first is None:
        return False
    names = {name for name in labelled[first:] if name is not None}
    if all(_named_role(name) == "participant" for name in names):
        return False
    share = sum(name is not None for name in labelled[first:]) / len(labelled[first:])
    return len(names) == 1 or share < SPARSE_SHARE


# --- roles ----------------------------------------------------------------------------------------------


def _fold(name: str) -> str:
    return _SPACES.sub(" ", name).strip().casefold()


def document_roles(
    turns: Iterable[Span], *, interviewers: Iterable[str] = (), participants: Iterable[str] = ()
) -> dict[str, str]:
    """The role of each speaker of a document's turns.

    A speaker is an interviewer when ``interviewers`` names it (case-insensitive), else a participant
    when ``participants`` names it, else as its name says (``Moderator``, ``P4``...), else an interviewer
    when its turns already say so (as a Praat tier marked ``(ENQ)`` does); the unlabelled party
    (``implicit`` turns) is a participant. Any other name is a participant when the document has an interviewer, else
    ``"unknown"``.
    """
    chosen_i, chosen_p = {_fold(n) for n in interviewers}, {_fold(n) for n in participants}
    roles: dict[str, str | None] = {}
    for turn in turns:
        name = turn.label or ""
        if roles.get(name) is not None:
            continue
        if _fold(name) in chosen_i:
            roles[name] = "interviewer"
        elif _fold(name) in chosen_p or turn.data.get("implicit"):
            roles[name] = "participant"
        else:
            stated = "interviewer" if turn.data.get("role") == "interviewer" else None
            roles[name] = _named_role(name) or stated
    other = "participant" if "interviewer" in roles.values() else "unknown"
    return {name: role or other for name, role in roles.items()}


def assign_roles(
    spans: list[Span], *, interviewers: Iterable[str] = (), participants: Iterable[str] = ()
) -> list[Span]:
    """``spans`` with the ``role`` of every turn and label set from :func:`document_roles`."""
    turns = [s for s in spans if s.kind == "turn"]
    roles = document_roles(turns, interviewers=interviewers, participants=participants)
    out = []
    for span in spans:
        if span.kind in ("turn", "label") and span.label in roles and span.data.get("role") != roles[span.label]:
            span = replace(span, data={**span.data, "role": roles[span.label]})
        out.append(span)
    return out


def _labels(value: Any) -> list[str]:
    """The labels of an attributes cell: names separated by ``;``."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


def speaker_settings(attributes: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The interviewer and participant labels a document's attributes give (``interviewer`` and
    ``participant`` columns, labels separated by ``;``)."""
    return _labels(attributes.get("interviewer")), _labels(attributes.get("participant"))


def apply_speaker_settings(
    transcript: Transcript, interviewers: Sequence[str] = (), participants: Sequence[str] = ()
) -> Transcript:
    """The transcript with its roles set anew from the attributes file's labels (a copy when anything
    changes; the transcript itself otherwise): the named speakers get their roles, and the unlabelled party
    of a document with sparse labels takes the first participant's name."""
    if not interviewers and not participants:
        return transcript
    spans = transcript.spans
    if participants:
        name = participants[0]
        spans = [replace(s, label=name) if s.kind == "turn" and s.data.get("implicit") else s for s in spans]
    spans = assign_roles(spans, interviewers=interviewers, participants=participants)
    if all(a is b for a, b in zip(spans, transcript.spans, strict=True)):
        return transcript
    return Transcript(transcript.id, transcript.text, spans, transcript.metadata)


def speaker_counts(transcript: Transcript) -> list[tuple[str, str, int]]:
    """(speaker, role, turns) of each speaker of ``transcript``, in order of first appearance."""
    counts: dict[str, list[Any]] = {}
    for turn in transcript.turns:
        entry = counts.setdefault(turn.label or "", [turn.data.get("role") or "unknown", 0])
        entry[1] += 1
    return [(name, role, n) for name, (role, n) in counts.items()]
