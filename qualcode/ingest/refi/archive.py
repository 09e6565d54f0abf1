"""Reading an untrusted REFI-QDA archive or XML file safely, in memory.

A .qdpx file comes from elsewhere: it is read without extracting anything to disk. Before any entry is read,
the whole archive is checked: no entry may have an absolute path or a ``..`` component, be a link, or
declare the compression ratio of a zip bomb (or a size beyond the standard's 2 GB). Only the .qde and the
text sources are ever read, each up to :data:`MAX_ENTRY` bytes and never beyond its declared size and
checksum, so a member that lies about its size is refused too; media files are listed, never inflated. XML is parsed with entity resolution, DTD loading and network
access off, and a document that declares any DOCTYPE is refused.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from lxml import etree

from qualcode.model.errors import RefiError

__all__ = ["MAX_ENTRY", "MAX_FILE", "MAX_RATIO", "MAX_TOTAL", "SafeArchive", "parse_xml"]

MAX_ENTRY = 256 * 1024 * 1024  # bytes of one entry read into memory (the .qde, a text source)
MAX_TOTAL = 512 * 1024 * 1024  # bytes of all the text one import takes from an archive, counted at each use
MAX_FILE = 2**31 - 1  # the largest internal file the standard allows (media files are never read)
MAX_RATIO = 200  # compression ratio of an entry larger than _RATIO_MIN_SIZE
_RATIO_MIN_SIZE = 1024 * 1024
_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_PROLOG = [
    ("<!DOCTYPE".encode(enc), re.compile(re.escape("<".encode(enc)) + b"(?:" + b"|".join(
        re.escape(c.encode(enc)) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_") + b")"))
    for enc in ("utf-8", "utf-16-le", "utf-16-be")
]
_HINT = "Refusing to import it: check where the file comes from, and export it again from its program."


class SafeArchive:
    """The checked entries of a .qdpx archive, read one at a time into memory.

    Use :meth:`open`, which checks every entry before returning. Each entry is inflated once (its bytes are
    kept), and all the text an import takes from the archive, counted each time it is used, stays within
    :data:`MAX_TOTAL`: 600 sources naming the same small entry that inflates to 1 MB are refused, not read
    600 times into 600 documents.
    """

    def __init__(self, path: Path, infos: dict[str, zipfile.ZipInfo]) -> None:
        self.path, self.infos = path, infos
        self._zip: zipfile.ZipFile | None = None  # opened at the first read, once: its directory is parsed once
        self._index = {_folded(name): name for name in reversed(list(infos))}  # the first of equal keys
        self._read: dict[str, bytes] = {}
        self._used = 0

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> SafeArchive:
        path = Path(path)
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
        except FileNotFoundError as exc:
            raise RefiError(path, "does not exist; check the path.") from exc
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise RefiError(
                path, f"is not a REFI-QDA project: it is not a readable zip archive ({exc}).",
                "A .qdpx file is a zip archive holding project.qde; export the project again.",
            ) from exc
        problems = [p for info in infos for p in _entry_problems(info)]
        if problems:
            raise RefiError(path, problems, _HINT)
        return cls(path, {info.filename: info for info in infos if not info.is_dir()})

    def names(self) -> list[str]:
        return list(self.infos)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def find(self, name: str) -> str | None:
        """The entry called ``name``, matching the folder part without regard to case (``Sources/``)."""
        return name if name in self.infos else self._index.get(_folded(name))

    def read(self, name: str) -> bytes:
        """The bytes of entry ``name``, refusing more than its declared size, :data:`MAX_ENTRY`, or (with what
        was read before) :data:`MAX_TOTAL`."""
        info = self.infos[name]
        if info.file_size > MAX_ENTRY:
            raise RefiError(self.path, f"entry {name!r} unpacks to {_size(info.file_size)} (limit "
                            f"{_size(MAX_ENTRY)} for a project or text file): a zip bomb?", _HINT)
        if self._used + info.file_size > MAX_TOTAL:
            raise RefiError(self.path, f"the text it holds comes to more than {_size(MAX_TOTAL)} in all (entry "
                            f"{name!r} is used again and again, or the archive is a zip bomb).", _HINT)
        self._used += info.file_size
        if name not in self._read:
            self._read[name] = self._inflate(name, info)
        return self._read[name]

    def _inflate(self, name: str, info: zipfile.ZipInfo) -> bytes:
        limit = info.file_size
        chunks: list[bytes] = []
        size = 0
        try:
            if self._zip is None:
                self._zip = zipfile.ZipFile(self.path)
            with self._zip.open(info) as member:
                while chunk := member.read(_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise RefiError(self.path, f"entry {name!r} is larger than it declares: a zip bomb?", _HINT)
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise RefiError(self.path, f"entry {name!r} cannot be read ({exc}): its content does not match "
                            "what the archive declares, or it is encrypted.",
                            "The archive is damaged or forged; export the project again.") from exc
        return b"".join(chunks)


def _folded(name: str) -> tuple[str, str]:
    """An entry's name, and its folder without regard to case: what :meth:`SafeArchive.find` matches on."""
    path = PurePosixPath(name)
    return str(path.parent).lower(), path.name


def _size(count: int) -> str:
    return f"{count / 2**20:.0f} MB" if count >= 2**20 else f"{count:,} bytes"


def _entry_problems(info: zipfile.ZipInfo) -> list[str]:
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    problems = []
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        problems.append(f"entry {name!r} has an absolute path.")
    if ".." in parts:
        problems.append(f"entry {name!r} points outside the archive ('..' in its path).")
    if stat.S_ISLNK(info.external_attr >> 16):
        problems.append(f"entry {name!r} is a symbolic link.")
    if "\x00" in name:
        problems.append(f"entry {name!r} has a NUL character in its name.")
    if info.file_size > MAX_FILE:
        problems.append(f"entry {name!r} unpacks to {info.file_size / 2**30:.1f} GB, more than the 2 GB the "
                        "REFI-QDA standard allows: a zip bomb?")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > _RATIO_MIN_SIZE and ratio > MAX_RATIO:
        problems.append(f"entry {name!r} is compressed {ratio:.0f}:1 (limit {MAX_RATIO}:1): a zip bomb?")
    return problems


def _declares_dtd(data: bytes) -> bool:
    """Whether a DOCTYPE comes before the root element (in UTF-8 or UTF-16 text)."""
    for marker, element in _PROLOG:
        at = data.find(marker)
        if at != -1 and ((found := element.search(data)) is None or found.start() > at):
            return True
    return False


def parse_xml(data: bytes, where: str, path: str | os.PathLike[str]) -> etree._Element:
    """Parse untrusted XML (``where`` names it in messages), refusing any DOCTYPE; return the root."""
    if _declares_dtd(data):
        raise RefiError(path, f"{where} declares a DOCTYPE (a DTD, which can define entities that expand "
                        "or read files); REFI-QDA files have none.", _HINT)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise RefiError(path, f"{where} is not well-formed XML ({exc}).",
                        "Export it again from its program.") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise RefiError(path, f"{where} declares a DOCTYPE (a DTD, which can define entities that expand "
                        "or read files); REFI-QDA files have none.", _HINT)
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise RefiError(path, f"{where} holds entity references; REFI-QDA files have none.", _HINT)
    return root
