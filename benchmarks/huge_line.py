"""A transcript of one 50 MB line through the real command, with the report: time and peak memory.

Usage: ``python benchmarks/huge_line.py [--megabytes 50]``. The test suite runs the same case at 2 MB
(tests/hostile/test_hostile_inputs.py::test_a_huge_single_line_file_is_coded_in_pieces); this prints the
figures at the size a user met. Memory is the peak resident size of the command and its children.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SENTENCE = "Parents trust the school but waiting for answers takes time and staff turnover is high. "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "in")
        folder.mkdir()
        count = args.megabytes * 2**20 // len(SENTENCE) + 1
        with open(folder / "huge.txt", "w", encoding="utf-8") as handle:
            for _ in range(count // 1000):
                handle.write(SENTENCE * 1000)
            handle.write(SENTENCE * (count % 1000))
        command = [sys.executable, "-m", "qualcode", "code", str(folder), "--out", str(Path(tmp, "out")), "--no-cache"]
        started = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{args.megabytes} MB on one line: exit {run.returncode}, {seconds:.1f} s, "
              f"peak resident size {peak:.0f} MB (largest process)")
        if run.returncode:
            print(run.stderr[-2000:])


if __name__ == "__main__":
    main()
