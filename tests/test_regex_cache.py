"""The French tokenizer's large expression, compiled once and kept (qualcode/ingest/regex_cache.py).

Each check runs in a process of its own: importing ``spacy.lang.fr`` happens once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Prints how the expression was had, then checks the pattern spaCy uses against one compiled by re as spaCy
# would have: the same matches on every word of a French text and on tricky hyphenated and elided forms.
CHILD = r"""
import json, re, sys
from qualcode.ingest.regex_cache import import_language

how = import_language("fr")
from spacy.lang.fr.tokenizer_exceptions import TOKEN_MATCH
used = TOKEN_MATCH.__self__
result = {"how": how}
if "--compare" in sys.argv:
    from re import _compiler
    fresh = _compiler.compile(used.pattern, 0)  # what re.compile(text) makes, without its cache
    import qualcode as qc
    words = qc.read_transcript(sys.argv[1]).text.split()
    words += ["aujourd'hui", "Aujourd'hui", "peut-être", "Saint-Germain-en-Laye", "arc-en-ciel", "c'est-à-dire",
              "rendez-vous-là", "grand-mère", "anti-âge", "l'arc-en-ciel", "qu'est-ce", "Jean-Pierre", "e-mail",
              "week-end", "sous-préfecture", "non-lieu", "vis-à-vis", "a-t-il", "t-shirt", "ex-mari", "XVIe-siècle"]
    def spans(p, w):
        m = p.match(w)
        return None if m is None else m.span()
    result["words"] = len(words)
    result["differ"] = [w for w in words if spans(used, w) != spans(fresh, w)][:10]
    result["matched"] = sum(spans(fresh, w) is not None for w in words)
    result["same_program"] = (used.pattern, used.flags, used.groups) == (fresh.pattern, fresh.flags, fresh.groups)
print(json.dumps(result))
"""


def _child(cache: Path, *args: str) -> dict:
    env = {**os.environ, "QUALCODE_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def _file(cache: Path) -> Path:
    (found,) = (cache / "regex").glob("spacy.lang.fr.tokenizer_exceptions.*.regex")
    return found


def test_the_expression_is_compiled_once_then_read_and_matches_as_re_compiles_it(tmp_path):
    cache = tmp_path / "cache"
    assert _child(cache)["how"] == "compiled"
    assert _file(cache).stat().st_size > 1_000_000  # the pattern's 1.45 MB text and its program
    sample = ROOT / "data" / "samples" / "fr_centre_social_entretien.txt"
    second = _child(cache, str(sample), "--compare")
    assert second["how"] == "file"
    assert second["same_program"] and second["differ"] == []
    assert second["words"] > 500 and second["matched"] >= 15  # the tricky forms are matched, plain words not


def test_a_damaged_or_foreign_file_is_not_used(tmp_path, monkeypatch):
    """In this process, on a small expression (the large one would cost a process start per check)."""
    import _sre
    import re
    from array import array

    from qualcode.ingest import regex_cache

    monkeypatch.setattr(regex_cache, "_MIN_CHARS", 10)
    text = f"(?i)(?:rendez-vous|arc-en-ciel|aujourd'hui|{tmp_path.name})(?P<end>-l[aà])?"  # not in re's cache
    with regex_cache._capturing() as compiled:
        made = re.compile(text)
    assert [t for t, _ in compiled] == [text]
    path = tmp_path / "x.regex"
    whole = regex_cache._encode(text, compiled[0][1])
    path.write_bytes(whole)
    re.purge()
    seeded = regex_cache._seed(path)
    assert seeded is not None and re.compile(text) is seeded  # re finds it in its cache
    def span(pattern, word):
        found = pattern.match(word)
        return found and (found.span(), found.groupdict())

    words = ("Rendez-vous-là", "arc-en-ciel", "AUJOURD'HUI", "rendez", "x")
    assert [span(seeded, w) for w in words] == [span(made, w) for w in words]
    assert span(made, "Rendez-vous-là") == ((0, 14), {"end": "-là"}) and span(made, "x") is None
    assert seeded.groupindex == made.groupindex and seeded.flags == made.flags
    path.write_bytes(whole[: len(whole) - 7])  # truncated: a crash while copying, a full disk
    assert regex_cache._seed(path) is None
    header, rest = whole.split(b"\n", 1)
    encoded = text.encode("utf-8")
    code = array("I")
    code.frombytes(rest[len(encoded):])
    code[code.index(ord("z"))] = ord("y")  # the literal z of "rendez" made a y: a valid program, another pattern
    program = compiled[0][1]
    other = _sre.compile(text, program["flags"], code.tolist(), program["groups"] - 1, program["groupindex"],
                         tuple(program["indexgroup"]))
    assert other.match("rendey-vous") and not other.match("rendez-vous")  # what a hash of the text alone let in
    path.write_bytes(header + b"\n" + encoded + code.tobytes())
    assert regex_cache._seed(path) is None
    header, rest = whole.split(b"\n", 1)
    foreign = json.loads(header)
    foreign["engine"]["python"] = "2.7.18"
    path.write_bytes(json.dumps(foreign).encode() + b"\n" + rest)
    assert regex_cache._seed(path) is None
    path.write_bytes(b"\x89PNG\r\n" + rest)
    assert regex_cache._seed(path) is None
    re.purge()


def test_a_cache_folder_that_cannot_be_written_costs_time_not_the_run(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert _child(blocked)["how"] == "compiled"
    assert blocked.read_text() == "not a folder"
