"""Loading transcripts: one file, or a whole folder with participant attributes."""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from qualcode.ingest.readers import READERS, read_raw
from qualcode.ingest.readers.text import decode_bytes
from qualcode.ingest.speakers import apply_speaker_settings, speaker_counts, speaker_settings
from qualcode.ingest.structure import build_transcript
from qualcode.model.errors import AttributesError, ReadError, UnexpectedReadError, UnsupportedFormatError
from qualcode.model.progress import OnProgress, Step
from qualcode.model.transcript import Transcript

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Corpus", "discover", "join_attributes", "read_attributes", "read_corpus", "read_transcript"]

PathLike = str | os.PathLike[str]


def read_transcript(path: PathLike, *, id: str | None = None, language: str | None = None) -> Transcript:
    """Read one transcript file.

    Parameters
    ----------
    path : the file; its suffix chooses the reader.
    id : the transcript's id; defaults to the file name without suffix.
    language : ``"fr"``, ``"en"``... to set the language instead of detecting it.

    Raises
    ------
    ReadError : a subclass naming the file and the problem (unsupported format, empty, binary, corrupt...).
    """
    path = Path(path)
    raw = read_raw(path)
    return build_transcript(raw, id or path.stem, source=path.as_posix(), language=language)


@dataclass
class Corpus:
    """Transcripts read from a folder or a list of files, with what could not be read.

    ``errors`` holds one :class:`ReadError` per file that failed; ``skipped`` the files of a folder that no
    reader handles; ``warnings`` what the user should know (attributes matching no transcript...).
    """

    transcripts: list[Transcript] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    attributes: pd.DataFrame | None = None

    def __iter__(self) -> Iterator[Transcript]:
        return iter(self.transcripts)

    def __len__(self) -> int:
        return len(self.transcripts)

    def __getitem__(self, key: int | str) -> Transcript:
        if isinstance(key, int):
            return self.transcripts[key]
        for transcript in self.transcripts:
            if transcript.id == key:
                return transcript
        raise KeyError(f"No transcript with id {key!r}. Ids in this corpus: {', '.join(self.ids) or '(none)'}.")

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.transcripts]

    def summary(self) -> pd.DataFrame:
        """One row per transcript: id, format, encoding, language, words, paragraphs, turns, speakers...,
        then the participant attributes, if any were joined."""
        import pandas as pd

        rows = [_summary_row(t) for t in self.transcripts]
        columns = ["document", "format", "encoding", "language", "words", "paragraphs", "turns", "speakers",
                   "sections", "quotes"]
        extra = list(dict.fromkeys(k for t in self.transcripts for k in t.attributes))
        for row, t in zip(rows, self.transcripts, strict=True):
            row.update({k: v for k, v in t.attributes.items() if k not in columns})
        return pd.DataFrame(rows, columns=columns + [c for c in extra if c not in columns])

    def speakers(self) -> pd.DataFrame:
        """One row per speaker of each transcript: ``document, speaker, role, turns``, in order of appearance,
        so that a wrong attribution (a participant's session given to the moderator) shows at once."""
        import pandas as pd

        rows = [(t.id, name, role, n) for t in self.transcripts for name, role, n in speaker_counts(t)]
        return pd.DataFrame(rows, columns=["document", "speaker", "role", "turns"])

    def errors_frame(self) -> pd.DataFrame:
        """The files that could not be read: path, kind of problem, message and what to do."""
        import pandas as pd

        rows = [{"path": e.path, "error": e.kind, "problem": e.problem, "hint": e.hint} for e in self.errors]
        return pd.DataFrame(rows, columns=["path", "error", "problem", "hint"])


def _summary_row(t: Transcript) -> dict[str, Any]:
    return {
        "document": t.id,
        "format": t.metadata.get("format"),
        "encoding": t.metadata.get("encoding"),
        "language": t.language,
        "words": t.words,
        "paragraphs": len(t.paragraphs),
        "turns": len(t.turns),
        "speakers": len(t.speakers),
        "sections": len(t.sections),
        "quotes": len(t.quotes),
    }


def discover(paths: PathLike | Iterable[PathLike]) -> tuple[list[tuple[Path, str]], list[str], list[ReadError]]:
    """Find the transcript files under ``paths`` and give each its id.

    Folders are walked recursively in sorted order, skipping hidden files and folders. Symbolic links to
    folders are followed, each real folder once (a link that loops back leads nowhere new); a folder that
    cannot be listed is an *error*, and so is a broken or looping link to a file (it is listed, and
    reading it says why). A file of a folder whose suffix no reader handles is *skipped*; a file named
    explicitly with such a suffix is an *error*; a file reached twice (two arguments holding it) is read
    once. Ids are paths relative to the folder given, without suffix and with ``/``; the suffix stays only
    where two files would otherwise share an id. Ids that two arguments would share (``site1/a.txt`` and
    ``site2/a.txt``) become paths relative to the arguments' common parent (``site1/a``, ``site2/a``).

    Returns
    -------
    (files, skipped, errors) : ``files`` as (path, id) pairs.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    given_paths = list(map(Path, paths))
    found: list[tuple[Path, str, int]] = []  # path, id relative to its argument, argument's index
    skipped: list[str] = []
    errors: list[ReadError] = []
    seen: set[str] = set()
    for index, given in enumerate(given_paths):
        if given.is_dir():
            for path in _walk(given, errors):
                if path.suffix.lower() not in READERS:
                    skipped.append(path.as_posix())
                elif _first(path, seen):
                    found.append((path, path.relative_to(given).as_posix(), index))
        elif given.exists():
            if given.suffix.lower() not in READERS:
                errors.append(_unsupported(given))
            elif _first(given, seen):
                found.append((given, given.name, index))
        else:
            errors.append(ReadError(given, "does not exist.", "Check the path and its spelling."))
    return _assign_ids(found, given_paths), skipped, errors


def _first(path: Path, seen: set[str]) -> bool:
    """True the first time a file is met (by its real path), False when another argument already held it."""
    real = os.path.realpath(path)
    if real in seen:
        return False
    seen.add(real)
    return True


def _unsupported(path: Path) -> UnsupportedFormatError:
    return UnsupportedFormatError(
        path,
        f"no reader for files ending in {path.suffix or '(no suffix)'!r}.",
        f"Supported suffixes: {', '.join(sorted(READERS))}.",
    )


def _walk(folder: Path, errors: list[ReadError]) -> Iterator[Path]:
    def unlistable(exc: OSError) -> None:
        errors.append(ReadError(
            exc.filename or folder,
            f"this folder cannot be read ({exc.strerror or exc}): the transcripts in it were not read.",
            "Check the folder's permissions, then run again.",
        ))

    seen = {os.path.realpath(folder)}
    for root, dirs, files in os.walk(folder, onerror=unlistable, followlinks=True):
        kept = []
        for name in sorted(d for d in dirs if not d.startswith(".")):
            real = os.path.realpath(os.path.join(root, name))
            if real not in seen:
                seen.add(real)
                kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root, name)


def _assign_ids(found: list[tuple[Path, str, int]], given: list[Path]) -> list[tuple[Path, str]]:
    """Ids without suffix where unique; with it where two files of one place share a stem; relative to the
    arguments' common parent where two arguments would give the same id."""
    owners: dict[str, set[int]] = {}
    for _, rel, index in found:
        owners.setdefault(_stem(rel), set()).add(index)
    if any(len(indexes) > 1 for indexes in owners.values()):
        parent = _common_parent(given)
        found = [
            (path, _relative(path, parent) if len(owners[_stem(rel)]) > 1 else rel, index)
            for path, rel, index in found
        ]
    counts: dict[str, int] = {}
    for _, rel, _ in found:
        counts[_stem(rel)] = counts.get(_stem(rel), 0) + 1
    return [(path, _stem(rel) if counts[_stem(rel)] == 1 else rel) for path, rel, _ in found]


def _stem(rel: str) -> str:
    return rel.rsplit(".", 1)[0] if "." in Path(rel).name else rel


def _common_parent(given: list[Path]) -> str:
    """The folder that holds every argument (a folder argument holds itself, a file its own folder)."""
    return os.path.commonpath([os.path.abspath(p if p.is_dir() else p.parent) for p in given if p.exists()])


def _relative(path: Path, parent: str) -> str:
    return Path(os.path.relpath(os.path.abspath(path), parent)).as_posix()


def read_attributes(path: PathLike) -> pd.DataFrame:
    """Read a participant-attributes CSV: a ``document`` column of transcript ids, then any columns.

    Comma, semicolon or tab delimiters and any encoding qualcode reads for text (Windows-1252 from French
    Excel included) are accepted. All values are kept as strings (empty cells as missing).
    """
    import pandas as pd

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AttributesError(f"{path}: cannot be read ({exc.strerror}). Check the path.") from exc
    try:
        text, _ = decode_bytes(data, path)
    except ReadError as exc:
        raise AttributesError(str(exc)) from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    _check_rows(text, sep, path)
    try:
        with warnings.catch_warnings():  # extra cells are empty (checked above): dropping them loses nothing
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise AttributesError(f"{path}: is not a readable CSV file ({exc}). Save it again as CSV.") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if "document" not in frame.columns:
        raise AttributesError(
            f"{path}: has no 'document' column (columns found: {', '.join(frame.columns)}). "
            "Name the column holding transcript ids 'document', e.g. 'site1/interview03'."
        )
    frame["document"] = frame["document"].str.strip()
    duplicated = sorted(set(frame.loc[frame["document"].duplicated(), "document"]))
    if duplicated:
        raise AttributesError(
            f"{path}: the same document appears on several rows: {', '.join(duplicated)}. Keep one row each."
        )
    return frame.replace("", None)


def _check_rows(text: str, sep: str, path: Path) -> None:
    """Refuse rows with more cells than the header: pandas would silently shift or drop them."""
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        width = len(next(rows, []))
        for row in rows:
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                raise AttributesError(
                    f"{path}: line {rows.line_num} has {len(row)} cells but the header has {width}. Quote cells "
                    f"that contain the delimiter {sep!r}, or add the missing column names."
                )
    except csv.Error as exc:
        raise AttributesError(f"{path}: is not a readable CSV file ({exc}). Save it again as CSV.") from exc


def read_corpus(
    paths: PathLike | Iterable[PathLike],
    *,
    attributes: PathLike | pd.DataFrame | None = None,
    language: str | None = None,
    progress: OnProgress | None = None,
) -> Corpus:
    """Read every transcript in folders and/or files, collecting per-file errors instead of stopping.

    Parameters
    ----------
    paths : a folder, a file, or a list of them.
    attributes : a CSV (or DataFrame) of participant attributes with a ``document`` column of transcript
        ids; its other columns go into each transcript's ``attributes``.
    language : set the language of every transcript instead of detecting it.
    progress : called with a :class:`~qualcode.model.progress.Progress` of the files read (step ``reading``).
    """
    shown = Step(progress, "reading", "file")

    def counted() -> Iterator[Transcript | ReadError | str]:
        for item in iter_corpus(paths, language=language, on_total=lambda count: setattr(shown, "total", count)):
            yield item
            shown.update(1)

    transcripts, errors, skipped = _collect(counted())
    corpus = Corpus(transcripts, errors, skipped)
    if attributes is not None:
        join_attributes(corpus, attributes)
    return corpus


def iter_corpus(
    paths: PathLike | Iterable[PathLike], *, language: str | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Iterator[Transcript | ReadError | str]:
    """Stream the corpus: yield each Transcript, each ReadError, then each skipped path (a str).

    ``on_total`` is called once, before the first item, with the number of items to come.
    """
    files, skipped, errors = discover(paths)
    if on_total is not None:
        on_total(len(errors) + len(files) + len(skipped))
    yield from errors
    for path, doc_id in files:
        yield load_file(path, doc_id, language=language)
    yield from skipped


def load_file(path: PathLike, doc_id: str, *, language: str | None = None) -> Transcript | ReadError:
    """Read one file (as :func:`discover` found it): its Transcript, or the ReadError that says why not.

    Never raises for what is in the file: a bug in a reader or its library becomes an
    :class:`UnexpectedReadError` naming the file, so the other files of a batch are still read.
    """
    path = Path(path)
    try:
        return build_transcript(read_raw(path), doc_id, source=path.as_posix(), language=language)
    except ReadError as exc:
        return exc
    except Exception as exc:  # a bug in a reader or its library must not stop the other files
        return unexpected_error(path, exc, "read")


def unexpected_error(path: PathLike, exc: Exception, doing: str) -> UnexpectedReadError:
    """The error of a file on which ``doing`` (``"read"``, ``"coded"``) failed with a bug, traceback kept."""
    import traceback

    error = UnexpectedReadError(
        path,
        f"could not be {doing}: unexpected {type(exc).__name__}: {str(exc).rstrip('.')}.",
        "This is a bug in qualcode or a library it uses: please report it, with the file if you can share it "
        "(run with --debug to see the traceback).",
    )
    error.__cause__ = exc
    error.details = "".join(traceback.format_exception(exc))  # travels back from worker processes
    return error


def _collect(items: Iterable[Transcript | ReadError | str]) -> tuple[list, list, list]:
    transcripts, errors, skipped = [], [], []
    for item in items:
        if isinstance(item, Transcript):
            transcripts.append(item)
        elif isinstance(item, ReadError):
            errors.append(item)
        else:
            skipped.append(item)
    return transcripts, errors, skipped


def join_attributes(corpus: Corpus, attributes: PathLike | pd.DataFrame) -> None:
    """Give each transcript of ``corpus`` its row of ``attributes`` (a file or its DataFrame); warn in
    ``corpus.warnings`` about transcripts without a row and rows naming no transcript.

    The ``interviewer`` and ``participant`` columns, when present, hold each document's interviewer and
    participant labels separated by ``;`` (``Dan``, ``Sophie; Marc``): those speakers get these roles,
    and the first participant's name goes to the unlabelled party of a document that labels only its
    interviewer (:func:`qualcode.ingest.speakers.apply_speaker_settings`).
    """
    import pandas as pd

    frame = attributes if isinstance(attributes, pd.DataFrame) else read_attributes(attributes)
    corpus.attributes = frame
    # An attributes table names its columns by text (see read_attributes): its rows map text to values.
    rows = cast("list[dict[str, Any]]", frame.to_dict("records"))
    by_id = {str(row["document"]): row for row in rows}
    ids = set(corpus.ids)
    for index, transcript in enumerate(corpus.transcripts):
        row = by_id.get(transcript.id)
        if row is None:
            corpus.warnings.append(f"transcript {transcript.id!r} has no row in the attributes file.")
            continue
        transcript.attributes.update({k: v for k, v in row.items() if k != "document"})
        corpus.transcripts[index] = apply_speaker_settings(transcript, *speaker_settings(row))
    for doc_id in by_id:
        if doc_id not in ids:
            corpus.warnings.append(
                f"the attributes file names document {doc_id!r}, which matches no transcript "
                f"(ids are paths without suffix, e.g. {next(iter(sorted(ids)), 'site1/interview03')!r})."
            )
