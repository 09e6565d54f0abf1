"""Coverage-guided fuzzing of the text decoding, the text readers and the codebook loader with atheris.

Not part of the test suite (atheris is not a test dependency: it is a compiled libFuzzer wrapper that
not every machine can install). Run on demand, e.g. for two minutes::

    pip install atheris
    python tests/hostile/atheris_readers.py -max_total_time=120 -max_len=2048

Each input is tried as a .txt, .md, .srt, .vtt and .TextGrid transcript and as a YAML and a CSV codebook;
anything but a transcript with offsets that slice back, a valid codebook, a ReadError or a CodebookError is
a crash that atheris reports with the input that caused it. The Hypothesis properties in
``test_hostile_fuzz.py`` check the same things on every run of the suite.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from qualcode.ingest.codebook_io import read_codebook
    from qualcode.ingest.corpus import read_transcript
    from qualcode.model.errors import CodebookError, ReadError

WORK = Path(tempfile.mkdtemp(prefix="qualcode-atheris-"))


def one_input(data: bytes) -> None:
    for suffix in (".txt", ".md", ".srt", ".vtt", ".TextGrid"):
        path = WORK / f"input{suffix}"
        path.write_bytes(data)
        try:
            t = read_transcript(path)
        except ReadError:
            continue
        for segment in t.segments("paragraph"):
            assert t.text[segment.start : segment.end] == segment.text
    for suffix in (".yml", ".csv"):
        path = WORK / f"codebook{suffix}"
        path.write_bytes(data)
        with contextlib.suppress(CodebookError):
            read_codebook(path)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
