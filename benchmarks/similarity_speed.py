"""The semantic evidence layer's cost: a first pass over the same real transcripts with it and without it.

    python benchmarks/similarity_speed.py

Runs `qualcode code` on every real transcript under ../shared/corpora (spoken French TextGrids, interview
PDFs, the DossierSCO notes, the QualCoder fixtures) plus data/samples, each run its own process (start,
reading and every output included), with no cache and one process, similarity off then on, twice each
alternately. Prints the seconds and the ratio of speeds (target: on >= 0.7x off). Needs ../shared.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
QUALCODE = Path(sys.executable).with_name("qualcode")


def run(on: bool, out: Path) -> float:
    command = [str(QUALCODE), "code", str(SHARED), str(ROOT / "data" / "samples"), "--out", str(out),
               "--no-cache", "--jobs", "1", *([] if on else ["--no-similarity"])]
    start = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    import qualcode as qc

    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is absent: this benchmark reads the real transcripts there.")
    corpus = qc.read_corpus([SHARED, ROOT / "data" / "samples"])
    words = sum(len(t.text.split()) for t in corpus)
    print(f"{len(corpus.transcripts)} transcripts, {words:,} words ({len(corpus.errors)} files not read)")
    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(2):
            for on in (False, True):
                times[on].append(run(on, Path(folder) / f"out-{on}-{i}"))
    for on in (False, True):
        print(f"similarity {'on ' if on else 'off'}: best {min(times[on]):.2f} s "
              f"({words / min(times[on]):,.0f} words/s); runs {', '.join(f'{t:.2f}' for t in times[on])}")
    print(f"speed with the layer / without: {min(times[False]) / min(times[True]):.2f}x "
          "(best of two each, whole processes, measured in this run)")


if __name__ == "__main__":
    main()
