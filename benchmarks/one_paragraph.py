"""One paragraph of a million words: the whole command on a 6 MB single-paragraph file, and the per-word cost
of coding one paragraph from 10,000 to 1,000,000 words (flat when every step is linear).

Usage: ``python benchmarks/one_paragraph.py [--words 10000 100000 1000000]``. Two shapes: one repeated word
that a default-codebook rule matches ("confiance": a hit per word, the proximity rules' worst case) and a
French sentence with terms of several codes. Per-word cost is measured in this process (coding only, CPU
seconds, after a first call that builds spaCy and the codebook); the command's time includes its start.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHAPES = {
    "repeated word": "confiance ",
    "sentence": "les parents n'ont plus confiance, il faut attendre des mois et l'équipe change tout le temps ",
}


def paragraph(shape: str, words: int) -> str:
    unit = SHAPES[shape]
    return unit * max(1, words // len(unit.split()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    import qualcode as qc
    from qualcode.ingest.structure import build_transcript
    from qualcode.model.transcript import Block, RawDocument

    coder = qc.Coder(qc.default_codebook())
    coder.code_transcript(build_transcript(RawDocument([Block("confiance")], "txt"), "warm", language="fr"))
    for shape in SHAPES:
        for words in args.words:
            text = paragraph(shape, words)
            transcript = build_transcript(RawDocument([Block(text)], "txt"), "one", language="fr")
            started = time.process_time()
            coded = coder.code_transcript(transcript, remember=False)
            cpu = time.process_time() - started
            print(f"{shape}, {words:,} words in one paragraph: {cpu:.2f} CPU s, {cpu / words * 1e6:.2f} µs/word, "
                  f"{sum(map(len, coded.evidence.values())):,} evidence", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "in")
        folder.mkdir()
        text = paragraph("sentence", 1)
        path = folder / "one-paragraph.txt"
        path.write_text(text * (6 * 2**20 // len(text) + 1), encoding="utf-8")
        command = [sys.executable, "-m", "qualcode", "code", str(folder), "--out", str(Path(tmp, "out")), "--no-cache"]
        started = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True, cwd=tmp)
        seconds = time.perf_counter() - started
        print(f"qualcode code on a {path.stat().st_size / 2**20:.1f} MB single-paragraph file: exit {run.returncode}, "
              f"{seconds:.1f} s (target < 30 s)")
        if run.returncode:
            print(run.stderr[-2000:])


if __name__ == "__main__":
    main()
