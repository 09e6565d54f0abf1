"""spaCy's lookup lemma tables held as four arrays instead of a Python dict, built once into the cache folder.

spacy-lookups-data's French table (216,849 word forms) read from its JSON is a dict of strings to one-item
lists: about 90 MB of Python objects, 0.25-0.5 s to load in every process. Worse, in the processes forked to
code files, each lookup adds a reference to the list and the string it returns, a write that copies their
memory page into the process: reading the table slowly made each worker a private copy of it.

:class:`LemmaTable` keeps the same table as numbers: the word forms' spaCy string ids (their 64-bit hash,
or a symbol's id), sorted, and each form and lemma as UTF-8 in two byte arrays with their offsets (9 MB for
French). A lookup is a binary search that reads memory and writes none. The arrays are built from the JSON
the first time and kept in qualcode's cache folder (:func:`~qualcode.model.files.default_cache_dir`,
``lemmas/``) as a NumPy ``.npz`` file (no pickle), named by the hash of the JSON file it was built from;
a file that cannot be read, or a folder where nothing can be written, only means building the arrays again.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qualcode.model.files import default_cache_dir, write_atomic

__all__ = ["LemmaTable"]

_FORMAT = "qualcode-lemmas/2"  # 2: keys hashed by get_string_id
_ARRAYS = ("hashes", "form_offsets", "forms", "lemma_offsets", "lemmas")


class LemmaTable:
    """A lookup table of word forms to lemmas (``table.get(form)``, ``form in table``, ``len``, iteration
    over the forms); see the module's text. ``LemmaTable.load(language)`` reads spacy-lookups-data's table
    for ``language`` (an empty table when it has none); ``LemmaTable(mapping)`` builds one from a dict of
    forms to lemmas (a lemma given as a list counts as its first item; an empty list as the form itself).
    """

    def __init__(self, mapping: dict[str, Any] | None = None, *, arrays: dict[str, Any] | None = None) -> None:
        import numpy
        from spacy.strings import get_string_id

        self._id = get_string_id  # imported once here, not at every lookup
        if arrays is None:
            arrays = _build(mapping or {})
        self._hashes = numpy.asarray(arrays["hashes"], dtype="uint64")
        self._form_offsets = numpy.asarray(arrays["form_offsets"], dtype="int64")
        self._forms = bytes(numpy.asarray(arrays["forms"], dtype="uint8"))
        self._lemma_offsets = numpy.asarray(arrays["lemma_offsets"], dtype="int64")
        self._lemmas = bytes(numpy.asarray(arrays["lemmas"], dtype="uint8"))
        if not (len(self._form_offsets) == len(self._lemma_offsets) == len(self._hashes) + 1):
            raise ValueError("the arrays of a lemma table disagree on its length")

    @classmethod
    def load(cls, language: str, *, cache_dir: Path | None = None) -> LemmaTable:
        """spacy-lookups-data's lemma table for ``language``, from the cache folder where it was built before."""
        source = _source(language)
        if source is None:
            return cls()
        digest = hashlib.sha256(_FORMAT.encode() + source.read_bytes()).hexdigest()[:32]
        path = (cache_dir or default_cache_dir()) / "lemmas" / f"{language}-{digest}.npz"
        with contextlib.suppress(Exception):  # no file, truncated, foreign: build it again
            return cls(arrays=_read(path))
        table = cls(_read_json(source))
        with contextlib.suppress(OSError):  # (WriteError too) a table not kept costs time, not a result
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, table._save)
        return table

    def get(self, form: str, default: str | None = None) -> str | None:
        """The lemma of ``form``, else ``default``."""
        index = self._index(form)
        if index < 0:
            return default
        return self._lemmas[self._lemma_offsets[index]:self._lemma_offsets[index + 1]].decode("utf-8")

    def __contains__(self, form: object) -> bool:
        return isinstance(form, str) and self._index(form) >= 0

    def __len__(self) -> int:
        return len(self._hashes)

    def __iter__(self) -> Iterator[str]:
        offsets = self._form_offsets.tolist()
        for start, end in itertools.pairwise(offsets):
            yield self._forms[start:end].decode("utf-8")

    def _index(self, form: str) -> int:
        """The position of ``form`` in the arrays, or -1 (its hash found, then the form itself compared)."""
        key = self._id(form)
        hashes = self._hashes
        index = int(hashes.searchsorted(hashes.dtype.type(key)))  # as uint64: a Python int could be compared as a float
        while index < len(hashes) and int(hashes[index]) == key:
            start, end = self._form_offsets[index], self._form_offsets[index + 1]
            if self._forms[start:end] == form.encode("utf-8"):
                return index
            index += 1  # two forms of one hash (never seen in 64 bits, but a lookup must not lie)
        return -1

    def _save(self, file: Any) -> None:
        import numpy

        numpy.savez(file, format=numpy.array(_FORMAT), hashes=self._hashes, form_offsets=self._form_offsets,
                    forms=numpy.frombuffer(self._forms, dtype="uint8"), lemma_offsets=self._lemma_offsets,
                    lemmas=numpy.frombuffer(self._lemmas, dtype="uint8"))


def _build(mapping: dict[str, Any]) -> dict[str, Any]:
    """The arrays of a table from a dict of forms to lemmas, sorted by the forms' hashes."""
    import numpy
    from spacy.strings import get_string_id

    rows = []
    for form, value in mapping.items():
        lemma = (value[0] if value else form) if isinstance(value, list) else str(value)
        rows.append((get_string_id(form), form.encode("utf-8"), lemma.encode("utf-8")))
    rows.sort(key=lambda row: (row[0], row[1]))

    def offsets(parts: list[bytes]) -> Any:
        return numpy.concatenate(([0], numpy.cumsum([len(p) for p in parts], dtype="int64")))

    forms, lemmas = [r[1] for r in rows], [r[2] for r in rows]
    return {"hashes": numpy.array([r[0] for r in rows], dtype="uint64"), "form_offsets": offsets(forms),
            "forms": numpy.frombuffer(b"".join(forms), dtype="uint8"), "lemma_offsets": offsets(lemmas),
            "lemmas": numpy.frombuffer(b"".join(lemmas), dtype="uint8")}


def _read(path: Path) -> dict[str, Any]:
    import numpy

    with numpy.load(path, allow_pickle=False) as stored:
        if str(stored["format"]) != _FORMAT:
            raise ValueError(f"{path} is not a lemma table of format {_FORMAT}")
        return {name: stored[name] for name in _ARRAYS}


def _source(language: str) -> Path | None:
    """spacy-lookups-data's JSON file (gzipped or not) of ``language``'s lemmas, or None."""
    try:
        import spacy_lookups_data
    except ImportError:
        return None
    try:
        path = Path(str(spacy_lookups_data.get_file(f"{language}_lemma_lookup.json")))
    except (OSError, ValueError):
        return None
    packed = path.with_name(path.name + ".gz")
    return packed if packed.is_file() else path if path.is_file() else None


def _read_json(path: Path) -> dict[str, Any]:
    import srsly

    try:
        data = srsly.read_gzip_json(path) if path.suffix == ".gz" else srsly.read_json(path)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
