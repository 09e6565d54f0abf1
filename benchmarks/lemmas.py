"""Are fr_core_news_sm's lemmas worth their cost? Lookup lemmas against the statistical model, in one run.

Prints, for qualcode's default pipeline (tokenizer + lookup lemmas + sentencizer) and for
``--model fr_core_news_sm``: coding speed on the French texts (the French samples and the DossierSCO
notes, replicated to about --words words) and precision/recall per theme on the French gold labels
(the seed and the DossierSCO notes, hand-labelled in tests/labels).

    python benchmarks/lemmas.py [--words 50000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import qualcode as qc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "labels"))
import gold  # noqa: E402
from replicate import replicate  # noqa: E402


def french_texts(words: int) -> list[qc.Transcript]:
    paths = [p for p in sorted((ROOT / "data" / "samples").rglob("fr_*")) if p.is_file()]
    paths += sorted((gold.SHARED / "corpora" / "dossiersco-fr").glob("*.md"))
    return replicate([t for t in qc.read_corpus(paths) if t.language == "fr"], words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=50_000)
    args = parser.parse_args()
    texts = french_texts(args.words)
    words = sum(len(t.text.split()) for t in texts)
    units = gold.file_units("seed.csv") + gold.file_units("dossiersco.csv")
    print(f"speed on {words:,} French words; scores on {len(units)} hand-labelled French paragraphs")
    print(f"{'lemmas':<16} {'words/s':>9} {'theme':<18} {'precision':>9} {'recall':>7}")
    for label, model in (("lookup", None), ("fr_core_news_sm", "fr_core_news_sm")):
        coder = qc.Coder(qc.default_codebook(), model=model)
        coder.code(texts[:1])  # load and compile outside the timing
        started = time.perf_counter()
        coder.code(texts)
        speed = words / (time.perf_counter() - started)
        predicted = _predict(units, coder)
        for i, (theme, s) in enumerate(gold.scores(units, predicted).items()):
            head = f"{label:<16} {speed:>9,.0f}" if i == 0 else " " * 26
            print(f"{head} {theme:<18} {s['precision']:>9.3f} {s['recall']:>7.3f}")


def _predict(units: list[gold.Unit], coder: qc.Coder) -> list[frozenset[str]]:
    from qualcode.ingest.structure import build_transcript
    from qualcode.model.transcript import Block, RawDocument

    raw = RawDocument([Block(u.text, kind="paragraph") for u in units], "txt")
    transcript = build_transcript(raw, "gold", language="fr")
    coded = coder.code_transcript(transcript)
    return [frozenset(e.code for e in coded.evidence.get(s.segment_id, [])) for s in coded.segments]


if __name__ == "__main__":
    main()
