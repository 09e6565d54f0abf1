"""The held-out transcripts written for the project (``tests/labels/heldout/``) and their labels agree.

``heldout.csv`` is built from ``heldout_decisions.txt`` by ``tests/labels/build_anchored.py heldout``. These
tests rebuild it from the documents as qualcode reads them today and require the same rows, so that an edit
of a document, of the decisions or of the readers that moves paragraphs is caught instead of silently
shifting labels. They never run the coder: these documents are test material only.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

import qualcode as qc

LABELS = Path(__file__).resolve().parent / "labels"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"qualcode_labels_{name}", LABELS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build_anchored = _load("build_anchored")


@pytest.fixture(scope="module")
def rebuilt() -> list[dict[str, str]]:
    return [{k: str(v) for k, v in row.items()} for row in build_anchored.rows("heldout")]


def test_heldout_csv_is_what_the_decisions_give_on_the_documents(rebuilt):
    with open(LABELS / "heldout.csv", encoding="utf-8", newline="") as f:
        stored = list(csv.DictReader(f))
    assert [r["source"] for r in stored] == [r["source"] for r in rebuilt]
    for old, new in zip(stored, rebuilt, strict=True):
        assert old == new, (f"{old['source']} unit {old['unit']}: heldout.csv is out of date; run "
                            "`python tests/labels/build_anchored.py heldout` and re-check the decisions")


def test_every_heldout_document_is_labelled_and_only_test(rebuilt):
    documents = sorted(p.name for p in (LABELS / "heldout").iterdir() if p.name != "README.md")
    assert sorted({Path(r["source"]).name for r in rebuilt}) == documents
    assert {r["split"] for r in rebuilt} == {"test"}
    decisions = build_anchored.parse(LABELS / "heldout_decisions.txt")
    for source, decided in decisions.items():
        units = {s.segment_id for s in qc.read_transcript(LABELS / source).segments("paragraph")}
        assert set(decided["units"]) == units, f"{source}: every paragraph must be judged and listed"


def test_speaker_roles_name_real_speakers_of_each_transcript():
    decisions = build_anchored.parse(LABELS / "heldout_decisions.txt")
    for source, decided in decisions.items():
        transcript = qc.read_transcript(LABELS / source)
        speakers = {s.speaker for s in transcript.segments("paragraph") if s.speaker}
        assert set(decided["speakers"]) <= speakers, f"{source}: a role is given to a name that never speaks"
        if source.startswith("heldout/en_") or "_oral_" in source:
            roles = set(decided["speakers"].values())
            assert roles == {"interviewer", "participant"}, f"{source}: an interview needs both roles"
            assert speakers <= set(decided["speakers"]), f"{source}: speakers without a role: {speakers}"
