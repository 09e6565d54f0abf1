"""Write the anchored label file of one real corpus from its decisions file: ``python build_anchored.py NAME``.

``NAME_decisions.txt`` holds the labeller's decisions, one unit a line; every unit not listed has no theme::

    # comments and blank lines are ignored
    source corpora/cfpp2000-fr-dev/Mira_F_88_14e-v2.TextGrid
    speakers Sonia Branca-Rosoff=interviewer; Mira=participant
    12 trust+temporality | my own words on why, never the source's
    15 - | a unit judged with no theme, with a note

``source`` starts a document (a path under ../shared, or ``heldout/...`` for the project's own held-out
transcripts in tests/labels/heldout/), ``speakers`` gives the roles of its speakers (any other speaker, or a
unit without one, is ``none``), then ``UNIT THEMES | NOTE`` lines follow, UNIT being the paragraph's
``segment_id`` as ``qc.read_transcript(path).segments("paragraph")`` numbers it. The split of each document
comes from SPLIT.md's table (the ``test`` documents below; ``heldout/`` documents are always ``test``).
Every paragraph of every listed document gets a row of ``NAME.csv``: source, unit, cstart, cend (its span in
the canonical text, see anchors.py), key, doc_key, split, role, the four themes (0/1) and the note.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))
from anchors import Projection  # noqa: E402

SHARED = HERE.parents[1].parent / "shared"
THEMES = ("temporality", "trust", "family_engagement", "turnover")
TEST = {"Anita_MUSSO_F_46_11e-v2", "P1", "P2", "P3"}  # SPLIT.md
COLUMNS = ["source", "unit", "cstart", "cend", "key", "doc_key", "split", "role", *THEMES, "note"]


def parse(path: Path) -> dict[str, dict]:
    documents: dict[str, dict] = {}
    current: dict | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word == "source":
            current = documents.setdefault(rest.strip(), {"speakers": {}, "units": {}})
            continue
        if current is None:
            raise SystemExit(f"{path}:{number}: a 'source' line must come first")
        if word == "speakers":
            for pair in rest.split(";"):
                name, _, role = pair.partition("=")
                if role.strip() not in ("interviewer", "participant"):
                    raise SystemExit(f"{path}:{number}: role must be interviewer or participant: {pair!r}")
                current["speakers"][name.strip()] = role.strip()
            continue
        themes, _, note = rest.partition("|")
        names = set() if themes.strip() == "-" else {t.strip() for t in themes.split("+")}
        if not word.isdigit() or names - set(THEMES):
            raise SystemExit(f"{path}:{number}: expected 'UNIT theme+theme | note', got {line!r}")
        if int(word) in current["units"]:
            raise SystemExit(f"{path}:{number}: unit {word} is listed twice")
        current["units"][int(word)] = (names, note.strip())
    return documents


def source_path(source: str) -> Path:
    """Where a label file's ``source`` is read from: tests/labels/ for ``heldout/``, else ../shared."""
    return HERE / source if source.startswith("heldout/") else SHARED / source


def split_of(source: str) -> str:
    """``test`` for the held-out transcripts and SPLIT.md's test documents, else ``dev``."""
    return "test" if source.startswith("heldout/") or Path(source).stem in TEST else "dev"


def rows(name: str) -> list[dict]:
    """The rows of ``NAME.csv``, computed from ``NAME_decisions.txt`` and the documents it lists."""
    import qualcode as qc

    out = []
    for source, decided in parse(HERE / f"{name}_decisions.txt").items():
        transcript = qc.read_transcript(source_path(source))
        projection = Projection.of(transcript.text)
        segments = transcript.segments("paragraph")
        unknown = set(decided["units"]) - {s.segment_id for s in segments}
        if unknown:
            raise SystemExit(f"{source}: no paragraph numbered {sorted(unknown)}")
        split = split_of(source)
        for s in segments:
            cstart, cend = projection.span(s.start, s.end)
            themes, note = decided["units"].get(s.segment_id, (set(), ""))
            out.append({
                "source": source, "unit": s.segment_id, "cstart": cstart, "cend": cend,
                "key": projection.key(cstart, cend), "doc_key": projection.doc_key, "split": split,
                "role": decided["speakers"].get(s.speaker or "", "none"),
                **{t: int(t in themes) for t in THEMES}, "note": note,
            })
    return out


def build(name: str) -> int:
    table = rows(name)
    with open(HERE / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    return len(table)


if __name__ == "__main__":
    print(f"{build(sys.argv[1])} rows written")
