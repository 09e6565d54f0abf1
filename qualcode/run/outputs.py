"""Writing a coding run's outputs to a folder, as a whole: written beside it, then moved in.

A failed run leaves the previous outputs in place, never a mix. On Linux the new folder and the old one
are exchanged in one atomic rename (``renameat2(RENAME_EXCHANGE)``), so even a run killed at any point
leaves one or the other; elsewhere the old folder is moved aside first, and a run killed in between is
repaired by the next run, which also removes what killed runs left beside the folder. Outputs are
deterministic: no timestamps, no absolute paths, UTF-8 with ``\\n`` line endings, so two runs on the same
input are byte-identical.

Only a folder of qualcode's own outputs is ever replaced: ``run.json`` lists every file a run wrote (its
manifest), and a folder holding anything else, or holding an input, the project or the cache, is refused
before anything is read (:func:`check_output_folder`). Replacing a folder deletes the files of its manifest
and nothing else.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.model.errors import OutputError, WriteError
from qualcode.model.files import writing
from qualcode.model.progress import OnProgress, Step

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from qualcode.model.results import CodedDocument, CodingResult
    from qualcode.model.transcript import Transcript

__all__ = ["check_output_folder", "prepare_outputs", "write_outputs"]

# The files of an output folder written before run.json listed them (qualcode 0.1.0 up to this change).
_LEGACY = re.compile(
    r"(segments|codings|evidence|theme_frequency|theme_coverage|cooccurrence|errors|documents|theme_by_[\w-]+)\.csv"
    r"|(theme_frequency|theme_heatmap|cooccurrence|theme_by_[\w-]+)\.(png|svg)|run\.json|report\.html"
)


def write_outputs(
    result: CodingResult,
    out_dir: str | os.PathLike[str],
    *,
    charts: tuple[str, ...] = ("png",),
    documents: pd.DataFrame | None = None,
    by: tuple[str, ...] = (),
    transcripts: Iterable[Transcript | CodedDocument] | None = None,
    jobs: int = 1,
    spreadsheet_safe: bool = False,
    progress: OnProgress | None = None,
) -> Path:
    """Write the tables and charts of ``result`` into ``out_dir``, replacing the folder whole.

    Tables: segments, codings, evidence, theme_frequency (documents x codes counts), theme_coverage (tidy:
    segments, share, coverage, present per document and code), cooccurrence, errors, run.json, and
    ``documents`` (e.g. ``Corpus.summary()``) as documents.csv. Charts, in each format of ``charts``:
    theme_frequency, theme_heatmap, cooccurrence. For each attribute in ``by`` (e.g. ``"role"``):
    theme_by_<attribute>.csv and its chart. Given the ``transcripts`` (or the coded documents, whose
    rendered HTML is then used), also report.html: the coded transcripts, tables and charts in one
    self-contained page. With ``jobs`` > 1 (where processes can be forked), the report and the charts are
    each written by another process while this one writes the tables. The tables hold the exact texts (for
    programs); with ``spreadsheet_safe``, a text cell that a spreadsheet would run as a formula gets a leading
    quote (:mod:`qualcode.model.cells`). ``progress`` is called with a
    :class:`~qualcode.model.progress.Progress` of the files written (step ``writing outputs``).

    Returns the output folder. Raises :class:`~qualcode.model.errors.WriteError` (naming the folder, saying
    why) when it cannot be written, and ``ValueError`` for an unknown attribute; the previous outputs are then
    left as they were.
    """
    from qualcode.analysis.tables import cooccurrence, theme_by_attribute, theme_frequency, theme_matrix

    out = Path(out_dir)
    check_output_folder(out)
    names = [_safe(a) for a in by]
    clashes = sorted({a for a, name in zip(by, names, strict=True) if names.count(name) > 1})
    if clashes:
        raise ValueError(f"The attributes {', '.join(map(repr, clashes))} would all be written to "
                         f"theme_by_{_safe(clashes[0])}.csv; compare by one of them, or rename a column.")
    shown = Step(progress, "writing outputs", "file", total=9 + len(by) + (transcripts is not None))
    write = _writer(spreadsheet_safe, shown)
    with writing(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        _recover(out)
        staging = out.parent / f".{out.name}.partial-{os.getpid()}"
        _discard(staging)
        staging.mkdir()
        report = drawing = None
        try:
            if transcripts is not None:
                from qualcode.views.report import write_report

                report = _start(jobs, write_report, result, list(transcripts), staging / "report.html")
            frequency = theme_frequency(result)
            pairs = cooccurrence(result)
            groups = {attribute: theme_by_attribute(result, attribute) for attribute in by}
            shared = _forks(jobs)  # then this process draws _HERE once its tables are written, the other the rest
            drawing = _start(jobs, _charts, result, frequency, pairs, groups, staging, charts, False if shared else None)
            write(result.segments, staging / "segments.csv")
            write(result.codings, staging / "codings.csv")
            write(result.evidence, staging / "evidence.csv")
            write(theme_matrix(frequency).reset_index(), staging / "theme_frequency.csv")
            write(frequency.round(6), staging / "theme_coverage.csv")
            write(pairs.round(6), staging / "cooccurrence.csv")
            for attribute, table in groups.items():
                write(table.round(6), staging / f"theme_by_{_safe(attribute)}.csv")
            write(result.errors, staging / "errors.csv")
            if documents is not None:
                write(documents, staging / "documents.csv")
            if shared:
                _charts(result, frequency, pairs, groups, staging, charts, True)
            drawing.wait()
            shown.update(1)
            if report is not None:
                report.wait()
                report = None
                shown.update(1)
            files = sorted(p.name for p in staging.iterdir())
            (staging / "run.json").write_text(_manifest(result, files), encoding="utf-8", newline="\n")
            _swap(staging, out)
        except BaseException:
            for task in (report, drawing):
                if task is not None:
                    task.stop()
            _discard(staging)
            raise
    return out


def check_output_folder(
    out: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    keep: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Raise :class:`~qualcode.model.errors.OutputError` unless ``out`` can be replaced by a run's outputs.

    ``out`` may be absent, an empty folder, or a folder of qualcode's outputs: every entry listed in its
    ``run.json`` (for folders written before run.json listed them: only the names qualcode writes). It must
    not be a file or a link, hold an entry of anyone else, nor be or contain one of ``inputs`` (the
    transcripts' files and folders) or of ``keep`` (the project file, the cache folder). Nothing is read
    but the folder's listing and its run.json.
    """
    out = Path(out)
    where = os.path.realpath(out)
    for kind, paths in (("input", inputs), ("", keep)):
        for path in paths:
            real = os.path.realpath(path)
            if real == where or real.startswith(where.rstrip(os.sep) + os.sep):
                what = f"the input {path}" if kind else str(path)
                raise OutputError(
                    f"--out {out}: the output folder would hold {what}, and qualcode replaces its output folder "
                    "as a whole. Choose an output folder outside it, e.g. --out results."
                )
    if out.is_symlink():
        raise OutputError(f"--out {out}: is a link; give the folder itself ({where}) or a new folder.")
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a folder. Choose a new folder name for the outputs.")
    ours = _manifest_files(out)
    for entry in sorted(os.listdir(out)):
        if not (entry in ours if ours is not None else _LEGACY.fullmatch(entry)) or not (out / entry).is_file():
            raise OutputError(
                f"--out {out}: holds {entry!r}, which qualcode did not write; it replaces an output folder "
                "as a whole, so it only replaces a folder of its own outputs. Choose a new or empty folder, "
                "or move that entry away."
            )


class _Task:
    """A function run now (``jobs=1``) or in a forked child process, waited for later. The child's
    failure is raised again here: an OSError with its errno and file (so "disk full" still says so),
    anything else as an OSError with its message."""

    def __init__(self, name: str = "", process: Any = None, pipe: Any = None) -> None:
        self.name, self.process, self.pipe = name, process, pipe

    def wait(self) -> None:
        if self.process is None:
            return
        failure = self.pipe.recv() if self.pipe.poll(None) else None
        self.process.join()
        if self.process.exitcode == 0:
            return
        if isinstance(failure, tuple):
            raise OSError(*failure)
        raise OSError(failure or f"the process writing the {self.name} stopped with status {self.process.exitcode}")

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join()


def _forks(jobs: int) -> bool:
    """Whether :func:`_start` runs its function in a forked process."""
    import multiprocessing

    return jobs > 1 and "fork" in multiprocessing.get_all_start_methods()


def prepare_outputs() -> None:
    """Import what drawing the charts needs (matplotlib without a display), once, before it is needed:
    :func:`qualcode.run.folder.code_folder` calls it while the workers code, not after them."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot  # pyplot's start: the processes forked later share it

    from qualcode.views import plots  # noqa: F401


def _start(jobs: int, function: Callable[..., Any], *args: Any) -> _Task:
    if not _forks(jobs):
        function(*args)
        return _Task()
    import gc
    import multiprocessing

    prepare_outputs()  # imported once, here (if not already): the children share it

    context = multiprocessing.get_context("fork")  # the child shares this process's data: nothing is copied
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, function, args), daemon=True)
    gc.freeze()  # the child's garbage collector leaves this process's objects alone: their pages stay shared
    try:
        process.start()
    finally:
        gc.unfreeze()
    send.close()
    return _Task(function.__name__.strip("_").replace("write_", ""), process, receive)


def _child(pipe: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops this process
    try:
        function(*args)
    except BaseException as exc:
        cause = exc.__cause__ if isinstance(exc, WriteError) else exc  # a WriteError's cause: the OSError
        if isinstance(cause, OSError) and cause.errno is not None:
            pipe.send((cause.errno, cause.strerror, cause.filename))
        else:
            pipe.send(f"{type(exc).__name__}: {exc}")
        pipe.close()
        os._exit(1)
    pipe.send(None)
    pipe.close()
    os._exit(0)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _writer(spreadsheet_safe: bool, shown: Any) -> Callable[[Any, Path], None]:
    from qualcode.model.cells import neutralise_frame

    def write(frame: Any, path: Path) -> None:
        _csv(neutralise_frame(frame) if spreadsheet_safe else frame, path)  # looked up at each call: tests replace _csv
        shown.update(1)

    return write


def _manifest(result: CodingResult, files: list[str]) -> str:
    from qualcode.model.version import __version__

    data = {
        "qualcode": __version__,
        "codebook": {"name": result.codebook.name, "version": result.codebook.version, "hash": result.codebook.hash},
        "coder": result.coder,
        "unit": result.unit,
        "documents": result.documents,
        "segments": len(result.segments),
        "codings": len(result.codings),
        "errors": len(result.errors),
        "files": sorted([*files, "run.json"]),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _manifest_files(folder: Path) -> set[str] | None:
    """The files a folder's run.json lists, or None where it has no run.json with a list of files."""
    try:
        data = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) and "/" not in f for f in files):
        return None
    return set(files)


def _discard(folder: Path) -> None:
    """Delete a folder of outputs: the files of its manifest (or, without one, those qualcode writes), then
    the folder if nothing else is left in it. Nothing else is ever deleted."""
    if not folder.is_dir() or folder.is_symlink():
        return
    ours = _manifest_files(folder)
    for entry in os.listdir(folder):
        path = folder / entry
        if (entry in ours if ours is not None else _LEGACY.fullmatch(entry)) and path.is_file():
            path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # something that is not ours is in it: it stays
        folder.rmdir()


# With another process drawing charts, this one draws the tallest after writing the tables: the two then
# finish together (the theme frequency chart of 69 documents takes 0.4 s, the others 0.6 s together).
_HERE = frozenset({"theme_frequency"})


def _charts(
    result: CodingResult, frequency: pd.DataFrame, pairs: pd.DataFrame, groups: dict[str, pd.DataFrame], folder: Path,
    formats: tuple[str, ...], here: bool | None = None,
) -> None:
    """Draw the run's charts into ``folder`` in each format: all of them (``here`` None), only those of
    :data:`_HERE` (True) or all the others (False)."""
    if not formats:  # charts=(): tables only
        return
    prepare_outputs()
    from qualcode.views import plots

    book = result.codebook
    draw = {
        "theme_frequency": lambda: plots.plot_theme_frequency(frequency, codebook=book),
        "theme_heatmap": lambda: plots.plot_theme_heatmap(frequency, codebook=book),
        "cooccurrence": lambda: plots.plot_cooccurrence(pairs, codebook=book),
    }
    for attribute, table in groups.items():
        draw[f"theme_by_{_safe(attribute)}"] = functools.partial(
            plots.plot_theme_by_attribute, table, attribute, codebook=book
        )
    for name, plot in draw.items():  # drawn once, saved in each format
        if here is not None and (name in _HERE) != here:
            continue
        plots.save_chart(plot(), folder / f"{name}.{formats[0]}", also=tuple(f".{f}" for f in formats[1:]))


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        os.replace(staging, out)
        return
    if _exchange(staging, out):
        _discard(staging)  # it now holds the previous outputs
        return
    backup = out.parent / f".{out.name}.previous-{os.getpid()}"
    os.replace(out, backup)
    try:
        os.replace(staging, out)
    except OSError:
        if backup.exists():
            os.replace(backup, out)
        raise
    _discard(backup)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux); False where the system or the file system cannot."""
    if sys.platform != "linux":
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), str(b))


def _recover(out: Path) -> None:
    """Repair what runs killed while writing ``out`` left beside it (never another live run's files).

    A folder moved aside by a run killed before its new outputs were moved in goes back; half-written
    folders are removed.
    """
    for leftover in sorted(out.parent.glob(f".{out.name}.*-*")):
        kind, _, pid = leftover.name[len(out.name) + 2 :].rpartition("-")
        if kind not in ("partial", "previous") or not pid.isdigit() or _alive(int(pid)):
            continue
        if kind == "previous" and not out.exists():
            os.replace(leftover, out)
        else:
            _discard(leftover)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
