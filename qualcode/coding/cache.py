"""The coding cache: each input file's loaded transcript and its matches per code, kept between runs.

Refining a codebook means coding the same interviews again and again. With the cache, a file whose bytes
have not changed is not read again, and only the codes whose rules changed are matched again (see
:meth:`qualcode.Coder.rule_keys`). Entries are keyed by the file's content, its id and every setting that
shapes the transcript, so a changed file, a new qualcode version or another ``--language`` simply misses.

The cache lives in ``$QUALCODE_CACHE_DIR``, else ``$XDG_CACHE_HOME/qualcode``, else ``~/.cache/qualcode``:
one file per transcript, written atomically, safe to delete at any time. It holds pickles: point it only at
a folder you trust, as you would your own home.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.model.files import default_cache_dir
from qualcode.model.transcript import Transcript

__all__ = ["Cache", "CacheEntry", "default_cache_dir"]

FORMAT = "4"  # change when the entry's shape or the transcript's structure changes: old entries then miss
# (3: speaker roles per document and the turns of sparse-label documents; 4: the tokens)


@dataclass
class CacheEntry:
    """What is kept of one file: its transcript, its matches per code rule key, its paragraphs' tokens (as
    arrays, :class:`qualcode.coding.memory.Tokens`, by batch size: a changed code is matched over them, not
    over the text tokenized again) and the report's HTML of it."""

    transcript: Transcript
    matches: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    tokens: dict[int, Any] = field(default_factory=dict)
    views: dict[str, Any] = field(default_factory=dict)  # the report's HTML of its last coding, by view key


class Cache:
    """A folder of :class:`CacheEntry` files.

    Parameters
    ----------
    folder : where entries are kept; :func:`default_cache_dir` when None. Created on first write.

    Attributes ``hits`` and ``misses`` count lookups; a damaged entry counts as a miss and is replaced.
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_cache_dir()
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"Cache({str(self.folder)!r}, hits={self.hits}, misses={self.misses})"

    def key(self, data: bytes, *, id: str, suffix: str, language: str | None) -> str:
        """The key of a file's entry: its bytes, id and suffix, the language setting and qualcode's version."""
        from qualcode.model.version import __version__

        digest = hashlib.sha256(data)
        digest.update(repr((FORMAT, __version__, id, suffix.lower(), language)).encode("utf-8"))
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def load(self, key: str) -> CacheEntry | None:
        """The entry under ``key``, or None when there is none or it cannot be used."""
        try:
            with open(self._path(key), "rb") as file:
                entry = pickle.load(file)
        except FileNotFoundError:
            entry = None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            entry = None  # damaged or from another version of qualcode's classes: coded afresh
        if not isinstance(entry, CacheEntry):
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def store(self, key: str, entry: CacheEntry) -> None:
        """Write ``entry`` under ``key`` atomically. A cache that cannot be written is not an error: the run
        goes on without it."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(entry, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)

    def size(self) -> tuple[int, int]:
        """(entries, bytes) in the cache folder."""
        files = list(self.folder.glob("*/*.pickle")) if self.folder.is_dir() else []
        return len(files), sum(f.stat().st_size for f in files)

    def clear(self) -> int:
        """Delete every entry; return how many were deleted."""
        removed = 0
        for path in self.folder.glob("*/*.pickle") if self.folder.is_dir() else []:
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def __getstate__(self) -> dict[str, Any]:
        return {"folder": self.folder, "hits": 0, "misses": 0}
