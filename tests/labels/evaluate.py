"""Precision and recall of a coder on every hand-labelled set, by material and split (tests/labels/SPLIT.md).

    python tests/labels/evaluate.py                 # dev figures (the ones tuned on), per theme
    python tests/labels/evaluate.py --split test    # test figures: read them, never tune on them
    python tests/labels/evaluate.py --errors        # the dev passages coded wrongly or missed, to read

Every transcript is read by qualcode's own readers and coded whole, every speaker's turn included (the
labels judge interviewer turns too); a paragraph is judged against the labelled units it overlaps (anchored
sets, ``anchors.gold_for``) or the labelled line it holds (seed and DossierSCO notes, ``gold.file_units``).
Errors of the test split are never printed: that is how the split stays untouched.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))
from anchors import Anchored, Projection, check, gold_for  # noqa: E402
from gold import SHARED, THEMES, Unit, file_units, predict_rules, quote_units  # noqa: E402

ANCHORED = ("cfpp2000", "pdpilot", "heldout")
MATERIALS = ("spoken French", "written French", "English")


@dataclass
class Judged:
    """One judged paragraph: where it comes from, its text, the themes a person gave and the coder's."""

    material: str
    split: str
    source: str
    text: str
    gold: frozenset[str]
    predicted: frozenset[str]
    rules: dict[str, list[str]] = field(default_factory=dict)  # per code coded, the rules that coded it
    language: str = "fr"


def material_of(source: str) -> str:
    name = Path(source).name
    if "cfpp2000" in source or name.startswith("fr_oral"):
        return "spoken French"
    if name.startswith("fr_") or "dossiersco" in source or "seeds" in source:
        return "written French"
    return "English"


def _read(source: str):
    import qualcode as qc

    return qc.read_transcript(HERE / source if source.startswith("heldout/") else SHARED / source)


def default_coder():
    import qualcode as qc

    return qc.Coder(qc.default_codebook(), speakers="all")


def anchored(name: str, coder, splits: set[str]) -> list[Judged]:
    """Paragraphs of the anchored label set ``name``, coded by ``coder``."""
    by_source: dict[str, list[dict[str, str]]] = defaultdict(list)
    with open(HERE / f"{name}.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            by_source[row["source"]].append(row)
    out = []
    for source, rows in by_source.items():
        split = rows[0]["split"]
        if split not in splits:
            continue
        transcript = _read(source)
        projection = Projection.of(transcript.text)
        check(projection, rows, source)
        units = [Anchored(int(r["cstart"]), int(r["cend"]), frozenset(t for t in THEMES if r[t] == "1"), r)
                 for r in rows]
        coded = coder.code_transcript(transcript)
        segments = coded.segments
        judged = gold_for([(s.start, s.end) for s in segments], units, projection)
        for segment, verdict in zip(segments, judged, strict=True):
            if verdict is None:
                continue
            rules: dict[str, list[str]] = {}
            for e in coded.evidence.get(segment.segment_id, []):
                rules.setdefault(e.code, []).append(e.rule)
            out.append(Judged(material_of(source), split, source, segment.text, verdict[0], frozenset(rules), rules,
                              coded.transcript.language or "en"))
    return out


def unit_sets(coder, splits: set[str]) -> list[Judged]:
    """The line- and row-labelled dev sets (seed, DossierSCO notes, AutSPACEs quotes): all dev."""
    if "dev" not in splits:
        return []
    out = []
    units: list[Unit] = file_units("seed.csv") + file_units("dossiersco.csv") + quote_units()
    for unit, rules in zip(units, predict_rules(units, coder.codebook_, coder=coder), strict=True):
        source = unit.source if unit.source != "autspaces" else "corpora/autspaces-focus-groups"
        out.append(Judged(material_of(source), "dev", source, unit.text, unit.gold, frozenset(rules), rules,
                          "en" if unit.source == "autspaces" else "fr"))
    return out


def judge(coder=None, splits: tuple[str, ...] = ("dev",)) -> list[Judged]:
    """Every labelled paragraph of ``splits``, coded by ``coder`` (the default codebook, all speakers)."""
    coder = coder or default_coder()
    wanted = set(splits)
    out = unit_sets(coder, wanted)
    for name in ANCHORED:
        out += anchored(name, coder, wanted)
    return out


def scores(judged: list[Judged], themes: tuple[str, ...] = THEMES) -> dict[str, float]:
    """Micro precision, recall and F1 over ``themes``, with the counts."""
    tp = sum(len(j.gold & j.predicted & set(themes)) for j in judged)
    fp = sum(len((j.predicted - j.gold) & set(themes)) for j in judged)
    fn = sum(len((j.gold - j.predicted) & set(themes)) for j in judged)
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * p * r / (p + r) if tp else 0.0
    return {"units": len(judged), "gold": tp + fn, "tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f1}


def table(judged: list[Judged], split: str, per_theme: bool = True) -> list[dict[str, object]]:
    rows = []
    for material in (*MATERIALS, "all"):
        chosen = [j for j in judged if j.split == split and (material == "all" or j.material == material)]
        if not chosen:
            continue
        rows.append({"split": split, "material": material, "theme": "(all)", **scores(chosen)})
        if per_theme:
            rows += [{"split": split, "material": material, "theme": t, **scores(chosen, (t,))} for t in THEMES]
    return rows


def show(rows: list[dict[str, object]], out: Callable[[str], None] = print) -> None:
    """The rows as a table, with Wilson's 95% interval of each precision and recall (few labelled passages make
    wide intervals: a difference inside them is not a difference)."""
    from qualcode.analysis.statistics import wilson_interval

    def interval(successes: int, trials: int) -> str:
        low, high = wilson_interval(successes, trials)
        return f"{low:.2f}-{high:.2f}" if trials else ""

    out(f"{'split':<5} {'material':<15} {'theme':<18} {'units':>5} {'gold':>5} {'tp':>4} {'fp':>4} {'fn':>4} "
        f"{'precision':>9} {'95%':>9} {'recall':>6} {'95%':>9} {'F1':>5}")
    for r in rows:
        tp, fp, fn = int(r["tp"]), int(r["fp"]), int(r["fn"])
        out(f"{r['split']:<5} {r['material']:<15} {r['theme']:<18} {r['units']:>5} {r['gold']:>5} {tp:>4} "
            f"{fp:>4} {fn:>4} {r['precision']:>9.3f} {interval(tp, tp + fp):>9} {r['recall']:>6.3f} "
            f"{interval(tp, tp + fn):>9} {r['f1']:>5.3f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "both"), default="dev")
    parser.add_argument("--errors", action="store_true", help="list the dev passages coded wrongly or missed")
    parser.add_argument("--material", choices=MATERIALS, help="only this material's errors")
    args = parser.parse_args(argv)
    splits = ("dev", "test") if args.split == "both" else (args.split,)
    judged = judge(splits=splits)
    rows = [r for split in splits for r in table(judged, split, per_theme=split == "dev")]
    show(rows)
    if args.errors:
        for j in judged:
            if j.split != "dev" or (args.material and j.material != args.material) or j.gold == j.predicted:
                continue
            missed, wrong = sorted(j.gold - j.predicted), sorted(j.predicted - j.gold)
            print(f"\n[{j.material}] {Path(j.source).name}  missed={missed} wrong={wrong}\n  {j.text[:600]}")


if __name__ == "__main__":
    main()
