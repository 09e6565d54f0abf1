"""The hand-labelled gold standard, matched to qualcode's own segments, and the scores of a codebook on it.

Labels are stored by unit position and by a hash of the unit's text (never the text): the seed and the
DossierSCO notes by line number, the AutSPACEs quotes by row. Each label is matched to the paragraph the
loader produces that holds that line, so the score measures the whole chain (reader, structure, coder).

Run ``python tests/labels/gold.py`` to print precision and recall per theme and per source.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))
from keys import canonical, key  # noqa: E402

SHARED = HERE.parents[1].parent / "shared"
THEMES = ("temporality", "trust", "family_engagement", "turnover")
ARTEFACT = "bookmarkgoback"


@dataclass
class Unit:
    source: str
    text: str
    gold: frozenset[str]


def _labels(name: str) -> list[dict[str, str]]:
    with open(HERE / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _themes(row: dict[str, str]) -> frozenset[str]:
    return frozenset(t for t in THEMES if row[t] == "1")


def file_units(name: str) -> list[Unit]:
    """Gold units of line-labelled files (seed, DossierSCO), as the paragraphs qualcode loads."""
    import qualcode as qc

    rows = _labels(name)
    units: list[Unit] = []
    for source in dict.fromkeys(r["source"] for r in rows):
        transcript = qc.read_transcript(SHARED / source)
        paragraphs = [(canonical(s.text), s.text) for s in transcript.segments("paragraph")]
        lines = (SHARED / source).read_text(encoding="utf-8-sig").splitlines()
        gold: dict[int, set[str]] = {}
        for row in (r for r in rows if r["source"] == source):
            wanted = canonical(lines[int(row["unit"]) - 1]).replace(ARTEFACT, "")
            hits = [i for i, (c, _) in enumerate(paragraphs) if wanted and (wanted == c or wanted in c)]
            if not hits:
                raise AssertionError(f"{source}:{row['unit']}: no loaded paragraph holds this labelled line")
            gold.setdefault(hits[0], set()).update(_themes(row))
        units += [Unit(source, paragraphs[i][1], frozenset(g)) for i, g in sorted(gold.items())]
    return units


def quote_units() -> list[Unit]:
    """Gold units of the AutSPACEs quotes: one paragraph per labelled quote."""
    rows = _labels("autspaces.csv")
    with open(SHARED / "corpora/autspaces-focus-groups/derived_quotes_by_theme.csv", encoding="utf-8") as f:
        quotes = [r["quote_or_paraphrase"] for r in csv.DictReader(f)]
    units = []
    for row in rows:
        text = quotes[int(row["unit"]) - 1]
        if key(text) != row["key"]:
            raise AssertionError(f"autspaces row {row['unit']}: the quote changed since it was labelled")
        units.append(Unit("autspaces", " ".join(text.split()), _themes(row)))
    return units


def all_units() -> list[Unit]:
    return file_units("seed.csv") + file_units("dossiersco.csv") + quote_units()


def predict(units: list[Unit], codebook=None, coder=None) -> list[frozenset[str]]:
    """The codes qualcode gives each unit, coding all units of a source as one transcript's paragraphs."""
    return [frozenset(found) for found in predict_rules(units, codebook, coder)]


def predict_rules(units: list[Unit], codebook=None, coder=None) -> list[dict[str, list[str]]]:
    """Per unit, the rules that coded it, per code (as :func:`predict` codes them)."""
    import qualcode as qc
    from qualcode.ingest.structure import build_transcript
    from qualcode.model.transcript import Block, RawDocument

    coder = coder or qc.Coder(codebook or qc.default_codebook(), speakers="all")
    out: list[dict[str, list[str]]] = []
    for source in dict.fromkeys(u.source for u in units):
        group = [u for u in units if u.source == source]
        raw = RawDocument([Block(u.text, kind="paragraph") for u in group], "txt")
        transcript = build_transcript(raw, source, language="en" if source == "autspaces" else "fr")
        segments = transcript.segments("paragraph")
        if [canonical(s.text) for s in segments] != [canonical(u.text) for u in group]:
            raise AssertionError(f"{source}: units did not survive as one paragraph each")
        coded = coder.code_transcript(transcript)
        for s in segments:
            found: dict[str, list[str]] = {}
            for e in coded.evidence.get(s.segment_id, []):
                found.setdefault(e.code, []).append(e.rule)
            out.append(found)
    return out


def scores(units: list[Unit], predicted: list[frozenset[str]]) -> dict[str, dict[str, float]]:
    """Precision, recall and counts per theme."""
    table = {}
    for theme in THEMES:
        tp = sum(theme in p and theme in u.gold for u, p in zip(units, predicted, strict=True))
        fp = sum(theme in p and theme not in u.gold for u, p in zip(units, predicted, strict=True))
        fn = sum(theme not in p and theme in u.gold for u, p in zip(units, predicted, strict=True))
        table[theme] = {
            "tp": tp, "fp": fp, "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
        }
    return table


def main() -> None:
    units = all_units()
    predicted = predict(units)
    groups = {"all": list(range(len(units)))}
    for source in ("seed", "dossiersco", "autspaces"):
        groups[source] = [i for i, u in enumerate(units) if source in u.source]
    print(f"{'source':<11} {'theme':<18} {'gold':>5} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}")
    for name, idx in groups.items():
        table = scores([units[i] for i in idx], [predicted[i] for i in idx])
        for theme, s in table.items():
            gold = s["tp"] + s["fn"]
            print(f"{name:<11} {theme:<18} {gold:>5} {s['tp']:>4} {s['fp']:>4} {s['fn']:>4} "
                  f"{s['precision']:>9.3f} {s['recall']:>7.3f}")


if __name__ == "__main__":
    main()
