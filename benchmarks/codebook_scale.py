"""How a very large codebook compiles and codes, against the default one.

Builds a synthetic codebook of N codes (default 10,000), each with four French and four English terms (a
content word and three two-word phrases) and a proximity rule, drawn from spaCy's lemma tables, and prints, from one run on the same corpus (the samples
replicated to about --words words): compile time, coding speed (words/s) of the default codebook and of
the large one, and their ratio. Target: compiles in seconds, codes at no less than half the default's speed.

    python benchmarks/codebook_scale.py [--codes 10000] [--words 200000]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from replicate import replicate

import qualcode as qc
from qualcode.model.codebook import Code, Codebook, NearRule, Rules

ROOT = Path(__file__).resolve().parents[1]


def vocabulary(language: str, n: int, rng: random.Random) -> list[str]:
    from spacy.lookups import load_lookups

    table = load_lookups(language, ["lemma_lookup"]).get_table("lemma_lookup")
    lemmas = {v[0] if isinstance(v, list) else v for v in table.values()}
    from qualcode.ingest.language import stop_words

    stops = stop_words(language)
    # Base forms of content words, as a researcher's terms would be: inflected forms of "être" or "have"
    # would make every code match every sentence.
    words = sorted(w for w in lemmas if isinstance(w, str) and w.isalpha() and len(w) > 5 and w not in stops)
    return rng.sample(words, min(n, len(words)))


def synthetic_codebook(size: int, seed: int = 0) -> Codebook:
    rng = random.Random(seed)
    words = {lang: vocabulary(lang, 40_000, rng) for lang in ("fr", "en")}
    codes = []
    for i in range(size):
        rules = {}
        for lang, pool in words.items():
            terms = (*tuple(rng.choice(pool) for _ in range(3)), f"{rng.choice(pool)} {rng.choice(pool)}")
            near = (NearRule(f"n{i}", ((rng.choice(pool),), (rng.choice(pool),)), 3),)
            rules[lang] = Rules(terms=terms, near=near)
        codes.append(Code(f"code{i:05d}", name=f"Code {i}", parent=f"code{i // 10:05d}" if i >= 10 else None,
                          rules=rules))
    return Codebook("synthetic", codes)


def corpus(words: int) -> list[qc.Transcript]:
    return replicate(list(qc.read_corpus(ROOT / "data" / "samples")), words)


def timed_coding(book: Codebook, transcripts: list[qc.Transcript]) -> tuple[float, float]:
    coder = qc.Coder(book)
    started = time.perf_counter()
    for language in ("fr", "en"):
        coder._compiled(language)
    compiled = time.perf_counter() - started
    timings = []
    for _ in range(2):  # best of two: the first pass also fills spaCy's and the lemmatizer's caches
        started = time.perf_counter()
        result = coder.code(transcripts)
        timings.append(time.perf_counter() - started)
    return compiled, min(timings), len(result.codings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=200_000)
    args = parser.parse_args()
    transcripts = corpus(args.words)
    words = sum(len(t.text.split()) for t in transcripts)
    qc.Coder(qc.default_codebook()).code(transcripts[:2])  # warm the pipelines
    _, default_time, default_codings = timed_coding(qc.default_codebook(), transcripts)
    started = time.perf_counter()
    book = synthetic_codebook(args.codes)
    built = time.perf_counter() - started
    compile_time, large_time, large_codings = timed_coding(book, transcripts)
    print(f"corpus: {len(transcripts)} transcripts, {words:,} words")
    print(f"{'codebook':<12} {'codes':>7} {'compile s':>10} {'code s':>8} {'words/s':>10} {'codings':>9}")
    print(f"{'default':<12} {len(qc.default_codebook()):>7} {'':>10} {default_time:>8.2f} "
          f"{words / default_time:>10,.0f} {default_codings:>9,}")
    print(f"{'synthetic':<12} {len(book):>7} {compile_time:>10.2f} {large_time:>8.2f} "
          f"{words / large_time:>10,.0f} {large_codings:>9,}")
    print(f"(building the synthetic codebook object took {built:.2f} s)")
    print(f"speed ratio large/default: {default_time / large_time:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
