"""spaCy's French tokenizer without three seconds of start: its largest regular expression compiled once.

Importing ``spacy.lang.fr`` compiles one regular expression of about 1.45 million characters, the tokenizer's
exceptions for hyphenated and elided words (``TOKEN_MATCH``: « aujourd'hui », « peut-être », place names).
Python's ``re`` spends about 3 s parsing and compiling it, in every process that tokenizes French: most of a
command's start. As Python keeps the bytecode of a module in ``__pycache__``, this module keeps the program
``re``'s compiler makes of that expression (a list of integers) in qualcode's cache folder
(:func:`~qualcode.model.files.default_cache_dir`, ``regex/``), keyed on the expression and the Python
version, and hands it to ``re``'s C engine the next time: ``re`` then finds the pattern in its own cache
when spaCy compiles it, and spaCy runs unchanged. The first import compiles the expression once, as before,
and writes the file.

A file from another Python or another spaCy, a truncated or foreign file, or a folder where nothing can be
written only means compiling as before; files are written atomically. This leans on CPython's own regular
expression modules (``re._parser``, ``re._compiler``, ``_sre``), whose program is tied to the Python
version: the key includes it, and any error means compiling as usual.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import re
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qualcode.model.files import default_cache_dir, write_atomic

__all__ = ["import_language"]

# Per language, the module that compiles a large expression on import and the name it keeps it under
# (spaCy keeps the pattern's bound ``match``). Each was compiled with ``re.compile(text)``: flags 0.
_LARGE = {"fr": ("spacy.lang.fr.tokenizer_exceptions", "TOKEN_MATCH")}
_MIN_CHARS = 100_000  # below this, compiling costs less than reading a file
_FORMAT = "qualcode-regex/2"  # 2: the hash covers the program too


def import_language(language: str) -> str:
    """Import ``spacy.lang.<language>``, its large expression taken from the compiled file where there is one.

    Call it before ``spacy.blank(language)`` or ``spacy.load``: spaCy then finds the module imported.
    Returns ``"file"`` when the compiled file was used, ``"compiled"`` when the expression was compiled now
    (and its file written, where it could be), ``""`` when there was nothing to do (a language without a
    large expression, or one imported already).
    """
    found = _LARGE.get(language)
    if found is None or found[0] in sys.modules:
        return ""
    module_name, attribute = found
    path = default_cache_dir() / "regex" / f"{module_name}.{sys.implementation.cache_tag}.regex"
    seeded = _seed(path)
    with _capturing() as compiled:
        module = importlib.import_module(module_name)
    pattern = getattr(getattr(module, attribute, None), "__self__", None)
    if seeded is not None and pattern is seeded:
        return "file"
    text = getattr(pattern, "pattern", None)
    program = next((p for t, p in compiled if t == text), None)
    if text is not None and program is not None:
        data = _encode(text, program)
        with contextlib.suppress(OSError):  # (WriteError too) a cache not written costs time, not a result
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, lambda file: file.write(data))
    return "compiled"


def _engine() -> dict[str, Any]:
    """What the compiled program depends on: the Python version and its regular-expression engine."""
    import _sre  # type: ignore[import-not-found]

    return {"python": sys.version, "magic": _sre.MAGIC, "codesize": _sre.CODESIZE}


def _seed(path: Path) -> re.Pattern[str] | None:
    """Build the pattern kept in ``path`` and put it in ``re``'s cache; None when there is no usable file."""
    try:
        import _sre

        with open(path, "rb") as file:
            header = json.loads(file.readline())
            if header.get("format") != _FORMAT or header.get("engine") != _engine():
                return None
            text = file.read(header["text_bytes"]).decode("utf-8")
            code = array("I")
            code.frombytes(file.read())
        if (len(code) != header["code_length"] or code.itemsize != _sre.CODESIZE
                or _digest(text.encode("utf-8"), code) != header["sha256"]):
            return None  # a changed byte in the text or the program would make another expression
        program = header["program"]
        groupindex = {str(k): int(v) for k, v in program["groupindex"].items()}
        pattern: re.Pattern[str] = _sre.compile(text, program["flags"], code.tolist(), program["groups"] - 1,
                                                groupindex, tuple(program["indexgroup"]))
    except Exception:  # no file, another format, truncated, unreadable: compile as usual
        return None
    re._cache[(str, text, 0)] = pattern  # type: ignore[attr-defined]  # where re.compile(text) looks first
    return pattern


@contextlib.contextmanager
def _capturing() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """While importing: compile each large expression as ``re`` does, keeping its program to write.

    ``re.compile`` calls ``re._compiler.compile``; for a large pattern text with no flags, this does the
    same steps (parse, generate the program, build the pattern in C) and keeps what it made. Anything else,
    or any error, goes to ``re``'s own function.
    """
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]

    original = _compiler.compile
    compiled: list[tuple[str, dict[str, Any]]] = []

    def compile(p: Any, flags: int = 0) -> Any:
        if not (isinstance(p, str) and flags == 0 and len(p) >= _MIN_CHARS):
            return original(p, flags)
        try:
            parsed = _parser.parse(p, 0)
            code = _compiler._code(parsed, 0)
            indexgroup: list[str | None] = [None] * parsed.state.groups
            for name, index in parsed.state.groupdict.items():
                indexgroup[index] = name
            program = {"flags": parsed.state.flags, "groups": parsed.state.groups,
                       "groupindex": dict(parsed.state.groupdict), "indexgroup": indexgroup, "code": code}
            pattern = _sre.compile(p, program["flags"], code, program["groups"] - 1, program["groupindex"],
                                   tuple(indexgroup))
        except Exception:  # the private modules changed: do what re does
            return original(p, flags)
        compiled.append((p, program))
        return pattern

    _compiler.compile = compile
    try:
        yield compiled
    finally:
        _compiler.compile = original


def _encode(text: str, program: dict[str, Any]) -> bytes:
    """The file of a compiled expression: a JSON line, the pattern's text, then its program."""
    code = array("I", program["code"])
    encoded = text.encode("utf-8")
    header = {"format": _FORMAT, "engine": _engine(),
              "program": {k: v for k, v in program.items() if k != "code"},
              "text_bytes": len(encoded), "code_length": len(code), "sha256": _digest(encoded, code)}
    return json.dumps(header).encode("utf-8") + b"\n" + encoded + code.tobytes()


def _digest(encoded: bytes, code: array[int]) -> str:
    """The hash of a file's expression and program, checked before either is used."""
    digest = hashlib.sha256(encoded)
    digest.update(code.tobytes())
    return digest.hexdigest()
