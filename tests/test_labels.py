"""The anchored hand labels (tests/labels/*.csv with canonical-text spans) still fit the transcripts.

Labels are anchored in each transcript's canonical text (tests/labels/anchors.py), so readers may split
paragraphs and turns differently without moving them; these tests catch a change of the words themselves
(a reader that drops or adds text), which would silently shift every label after it. They never run the
coder: the test parts of these files are never tuned on (tests/labels/SPLIT.md).
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import shared_transcript

import qualcode as qc

LABELS = Path(__file__).resolve().parent / "labels"
sys.path.insert(0, str(LABELS))
from anchors import Projection, check  # noqa: E402

ANCHORED = ("cfpp2000", "pdpilot", "heldout")
TEST_DOCUMENTS = {"Anita_MUSSO_F_46_11e-v2", "P1", "P2", "P3"}  # SPLIT.md


def _rows(name: str) -> dict[str, list[dict[str, str]]]:
    with open(LABELS / f"{name}.csv", encoding="utf-8", newline="") as f:
        by_source = defaultdict(list)
        for row in csv.DictReader(f):
            by_source[row["source"]].append(row)
    return by_source


def _read(source: str):
    return qc.read_transcript(LABELS / source) if source.startswith("heldout/") else shared_transcript(source)


@pytest.mark.parametrize("name", ANCHORED)
def test_anchored_labels_still_hold_their_words(name):
    for source, rows in _rows(name).items():
        transcript = _read(source)
        check(Projection.of(transcript.text), rows, source)
        spans = [(int(r["cstart"]), int(r["cend"])) for r in rows]
        assert spans == sorted(spans) and all(a < b for a, b in spans), f"{source}: units out of order"
        assert all(b <= c for (_, b), (c, _) in pairwise(spans)), f"{source}: units overlap"


@pytest.mark.parametrize("name", ANCHORED)
def test_splits_are_the_ones_fixed_in_split_md(name):
    for source, rows in _rows(name).items():
        wanted = "test" if source.startswith("heldout/") or Path(source).stem in TEST_DOCUMENTS else "dev"
        assert {r["split"] for r in rows} == {wanted}, source


def test_every_heldout_document_is_labelled():
    documents = {f"heldout/{p.name}" for p in (LABELS / "heldout").iterdir() if p.name != "README.md"}
    assert set(_rows("heldout")) == documents
