"""Coding a whole archive: files read and coded in worker processes or on a Dask cluster, in order.

Each file is one task: read it (or take it from the :class:`~qualcode.coding.cache.Cache`), build its transcript,
code it. Tasks run in this process (``jobs=1``), in ``jobs`` worker processes on this machine, or on the
workers of a ``dask.distributed.Client``; results come back in the order of the files, so every engine
gives the same outputs, byte for byte.

Worker processes are forked from this one once it has built spaCy's pipeline and compiled the codebook for
the language of the first files (:meth:`qualcode.Coder.prepare`): they share both, copy-on-write, instead of
each paying spaCy's start (3 to 4 s for French, most of it Python compiling the French tokenizer's rules).
A worker compiles for itself only what the parent did not foresee (another language). Results come back
packed: spans and segments as plain tuples, segments without their text (a slice of the transcript's),
which halves the bytes and the parent's unpickling. A Dask worker compiles the codebook once for all its
tasks.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from qualcode.ingest.corpus import Corpus, discover, load_file, unexpected_error
from qualcode.ingest.language import detect_language
from qualcode.ingest.readers import file_bytes
from qualcode.ingest.speakers import apply_speaker_settings
from qualcode.model.errors import ProcessDiedError, ReadError
from qualcode.model.progress import OnProgress, Step
from qualcode.model.results import CodedDocument
from qualcode.model.transcript import Segment, Span, Transcript

if TYPE_CHECKING:
    from qualcode.coding.cache import Cache, CacheEntry
    from qualcode.model.codebook import Codebook

__all__ = ["auto_jobs", "code_files", "iter_coded"]

PathLike = str | os.PathLike[str]


class Coder(Protocol):
    """What the engine needs of a coder (:class:`qualcode.Coder`): its codebook, coding one transcript (with
    a cache of its matches), and preparing for a language before workers are forked. A protocol, so that
    the engine does not import the coder that uses it."""

    @property
    def codebook_(self) -> Codebook: ...  # read only: the coder computes it

    unit: str
    language: str | None

    def code_transcript(
        self, transcript: Transcript, *, matches: dict[str, list] | None = None,
        tokens: dict[int, Any] | None = None, remember: bool = True,
    ) -> CodedDocument:
        ...

    def prepare(self, language: str, *, matches: dict[str, list] | None = None) -> bool:
        ...


Render = Callable[["CodedDocument", Coder, dict[str, Any]], bool]
_SNIFF_FILES, _SNIFF_BYTES = 4, 65_536  # files and bytes of each looked at for the language to prepare
_PLAIN = frozenset({".txt", ".text", ".md", ".markdown", ".vtt", ".srt", ".textgrid"})  # words in their bytes
_WORKER: dict[str, Any] = {}  # the coder, cache and language of this worker process


def auto_jobs(files: int | None = None) -> int:
    """The number of processes used by default: one per available core, and no more than ``files`` when given.

    Forking a worker costs little (it shares this process's prepared spaCy pipeline and codebook), so even a
    few files gain from two (``qualcode code`` on 2 cores, three runs each: 8 files of 100k words in 3.4-3.6 s
    against 4.3-4.5 s with ``--jobs 1``; ``data/samples``, 12 short files, 3.0-3.2 s against 3.8-4.1 s; two
    short files 2.7-3.0 s against 3.0-3.3 s). With two cores the report and the charts are written beside the tables.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores if files is None else min(cores, files))


def iter_coded(
    paths: PathLike | Iterable[PathLike],
    coder: Coder,
    *,
    language: str | None = None,
    jobs: int = 1,
    client: Any = None,
    cache: Cache | None = None,
    render: Render | None = None,
    roles: Mapping[str, tuple[list[str], list[str]]] | None = None,
    on_total: Callable[[int], None] | None = None,
    while_coding: Callable[[], object] | None = None,
) -> Iterator[CodedDocument | ReadError | str]:
    """Read and code every transcript under ``paths``; yield, in file order, each coded document or read
    error, then each skipped path (a file no reader handles), like :func:`qualcode.ingest.corpus.iter_corpus`.

    Parameters
    ----------
    coder : the :class:`~qualcode.Coder` to code with.
    language : set the language of every transcript instead of detecting it.
    jobs : worker processes on this machine (1: this process; 0: :func:`auto_jobs` for the files found).
    client : a ``dask.distributed.Client``: code on its workers instead (``jobs`` is then ignored). The
        workers must see the files at the same paths (a shared file system) and have qualcode installed.
    cache : a :class:`~qualcode.coding.cache.Cache`: unchanged files are not read again, unchanged codes not
        matched again. It must be reachable by every worker.
    render : ``render(coded, coder, views) -> bool``, run where each document is coded (so in parallel): it
        sets ``coded.body`` (e.g. the report's HTML of the transcript, :func:`qualcode.views.report.render_coded`),
        reusing or replacing what ``views`` (a dict the cache keeps with the file) holds, and says whether it
        drew anew; the cache then keeps the new ``views``.
    roles : per document id, its (interviewer labels, participant labels) from the attributes file,
        applied to the transcript before it is coded (:func:`qualcode.ingest.speakers.apply_speaker_settings`).
    on_total : called once, before the first item, with the number of items to come (for a progress bar).
    while_coding : called once, here, as soon as worker processes are coding the first files (never without
        workers): what the caller will need next is then prepared while they work, not after them.
    """
    if not isinstance(jobs, int) or jobs < 0:
        raise ValueError(f"The 'jobs' parameter must be 0 (automatic) or a positive integer. Got {jobs!r} instead.")
    files, skipped, errors = discover(paths)
    jobs = jobs or auto_jobs(len(files))
    if on_total is not None:
        on_total(len(errors) + len(files) + len(skipped))
    yield from errors
    tasks = [(path.as_posix(), doc_id) for path, doc_id in files]
    settings = (cache, language, render, dict(roles or {}))
    if client is not None:
        results: Iterable[Any] = _on_dask(client, tasks, coder, settings)
    elif jobs > 1 and len(tasks) > 1:
        results = _on_processes(min(jobs, len(tasks)), tasks, coder, settings, while_coding)
    else:
        results = (_code_file(task, coder, *settings) for task in tasks)
    for result in results:
        if not isinstance(result, ReadError):
            result.codebook = coder.codebook_
        yield result
    yield from skipped


def code_files(
    paths: PathLike | Iterable[PathLike], coder: Coder, *, progress: OnProgress | None = None, **options: Any
) -> tuple[Corpus, list[CodedDocument]]:
    """:func:`iter_coded`, collected: the corpus read (transcripts, errors, skipped) and the coded documents.

    ``progress`` is called with a :class:`~qualcode.model.progress.Progress` of the files read and coded
    (step ``reading and coding``); ``options`` are those of :func:`iter_coded`.
    """
    from qualcode.model.results import CodedDocument

    corpus, coded = Corpus(), []
    shown = Step(progress, "reading and coding", "file")
    for item in iter_coded(paths, coder, on_total=lambda count: setattr(shown, "total", count), **options):
        if isinstance(item, CodedDocument):
            coded.append(item)
            corpus.transcripts.append(item.transcript)
        elif isinstance(item, ReadError):
            corpus.errors.append(item)
        else:
            corpus.skipped.append(item)
        shown.update(1)
    return corpus, coded


def _code_file(
    task: tuple[str, str], coder: Coder, cache: Cache | None, language: str | None, render: Render | None = None,
    roles: Mapping[str, tuple[list[str], list[str]]] | None = None,
) -> Any:
    """Read (or take from the cache) and code one file: its CodedDocument without the codebook, which
    the caller has, or its ReadError. With ``render``, also what it draws of the document (its ``body``),
    given the views the cache keeps of the document to reuse or replace."""
    from qualcode.coding.cache import CacheEntry

    path, doc_id = Path(task[0]), task[1]
    entry, key = None, None
    try:
        if cache is not None:
            key, entry = _cached(cache, path, doc_id, language)
    except ReadError as exc:
        return exc
    fresh = entry is None
    if entry is None:
        loaded = load_file(path, doc_id, language=language)
        if isinstance(loaded, ReadError):
            return loaded
        entry = CacheEntry(loaded)
    known = len(entry.matches), len(entry.tokens)
    try:
        transcript = entry.transcript  # as read: the cache keeps it so, whatever the attributes say
        if roles and doc_id in roles:
            transcript = apply_speaker_settings(transcript, *roles[doc_id])
        coded = coder.code_transcript(transcript, matches=entry.matches if cache is not None else None,
                                      tokens=entry.tokens if cache is not None else None,
                                      remember=False)  # each file is coded once here
    except Exception as exc:  # a bug met on one file must not lose the others' coding
        return unexpected_error(path, exc, "coded")
    changed = fresh or (len(entry.matches), len(entry.tokens)) != known
    if render is not None:
        try:
            views = dict(entry.views)
            if render(coded, coder, views):
                entry.views, changed = views, True
        except Exception as exc:  # as for coding: one file's bug must not lose the others
            return unexpected_error(path, exc, "rendered for the report")
    if cache is not None and key is not None and changed:
        cache.store(key, entry)
    coded.codebook = None
    return coded


def _cached(cache: Cache, path: Path, doc_id: str, language: str | None) -> tuple[str, CacheEntry | None]:
    """The cache key of a file and its entry (None when it has none); a ReadError when it cannot be read."""
    key = cache.key(file_bytes(path), id=doc_id, suffix=path.suffix, language=language)
    return key, cache.load(key)


def _on_processes(jobs: int, tasks: list[tuple[str, str]], coder: Coder, settings: tuple[Any, ...],
                  while_coding: Callable[[], object] | None = None) -> Iterator[Any]:
    """Code ``tasks`` in a pool of ``jobs`` processes forked once this one is prepared; yield the results in order.

    A worker that dies (killed by the system for lack of memory, a crash in a library's C code) breaks the
    pool: the files it may have been coding are then coded again one at a time, each in a process of its
    own, so the one that kills its process is known and reported as unreadable; the others go on in a
    fresh pool. No run ever waits on a dead process.
    """
    from concurrent.futures.process import BrokenProcessPool

    window = 4 * jobs  # files handed out ahead: enough to keep every worker busy, few to redo after a crash
    position = 0
    _prepare(coder, tasks, *settings[:2])
    while position < len(tasks):
        pool = _pool(jobs, coder, settings)
        futures: deque[Any] = deque()
        try:
            while position < len(tasks):
                while len(futures) < window and position + len(futures) < len(tasks):
                    futures.append(pool.submit(_worker_task, tasks[position + len(futures)]))
                if while_coding is not None:
                    while_coding()
                    while_coding = None
                try:
                    result = _unpack(futures[0].result())
                except BrokenProcessPool:
                    break
                futures.popleft()
                position += 1
                yield result
        except BaseException:  # interrupted, or the consumer stopped: the workers stop now, not when done
            _terminate(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        for future in futures:  # the pool broke: redo, one process each, what it had not given back
            task = tasks[position]
            done = future.done() and not future.cancelled() and future.exception() is None
            position += 1
            yield _unpack(future.result()) if done else _alone(task, coder, settings)


def _prepare(coder: Coder, tasks: list[tuple[str, str]], cache: Cache | None, language: str | None) -> None:
    """Before forking: have the coder build here what coding the first files will need (spaCy's pipeline,
    the compiled codebook), so that every worker shares it instead of building its own.

    The language is the coder's or the run's setting, else guessed from the first bytes of the first files:
    nothing is parsed here, since a file that crashes its reader must take down a worker, not the run. With
    a cache, the first file's entry gives its language and the codes left to match (a re-run may need no
    spaCy at all). A guess that proves wrong costs time, never a result: workers compile what they lack.
    """
    for path, doc_id in tasks[:_SNIFF_FILES]:
        matches, guess = None, coder.language or language
        if cache is not None:
            with contextlib.suppress(ReadError):
                entry = _cached(cache, Path(path), doc_id, language)[1]
                if entry is not None:
                    matches, guess = entry.matches, guess or entry.transcript.language or "en"
        guess = guess or _sniff(path)
        if guess is not None:
            # A codebook or model that cannot be compiled fails in every worker, where each file reports it.
            with contextlib.suppress(Exception):
                coder.prepare(guess, matches=matches)
            return


def _sniff(path: str) -> str | None:
    """The language of a plain-text file's first bytes (a TextGrid's or a .txt's words), or None."""
    if Path(path).suffix.lower() not in _PLAIN:
        return None
    try:
        with open(path, "rb") as file:
            head = file.read(_SNIFF_BYTES)
    except OSError:
        return None
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    return detect_language(head.decode(encoding, errors="replace"))


def _pool(jobs: int, coder: Coder, settings: tuple[Any, ...]) -> Any:
    """A pool of ``jobs`` processes forked now (spawned where there is no fork), sharing this one's memory.

    The garbage collector is frozen while they are forked, so that their collections do not write to
    every object inherited (which would copy its page into each worker); unfrozen here afterwards.
    """
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=(coder, settings))
    gc.freeze()
    try:
        pool.submit(int).result()  # a forked pool starts all its processes at its first task
    finally:
        gc.unfreeze()
    return pool


def _terminate(pool: Any) -> None:
    """Stop a pool's workers at once (the executor has no public way: its processes are in ``_processes``)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


def _alone(task: tuple[str, str], coder: Coder, settings: tuple[Any, ...]) -> Any:
    """Code one file in a process of its own; a ReadError naming the file when that process dies."""
    from concurrent.futures.process import BrokenProcessPool

    pool = _pool(1, coder, settings)
    try:
        return _unpack(pool.submit(_worker_task, task).result())
    except BrokenProcessPool:
        return ProcessDiedError(
            task[0],
            "the process reading and coding this file died before it finished (killed by the system, "
            "often for lack of memory, or a crash in a library); the other files were coded.",
            "Check the file's size and the memory free; run it alone with --jobs 1 to see what happens.",
        )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _init_worker(coder: Coder, settings: tuple[Any, ...]) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    _WORKER.update(coder=coder, settings=settings)


def _worker_task(task: tuple[str, str]) -> Any:
    packed = _pack(_code_file(task, _WORKER["coder"], *_WORKER["settings"]))
    _trim()
    return packed


def _trim() -> None:
    """Give the memory freed by coding a file back to the system (glibc keeps it in its heap otherwise:
    a worker's resident size then grows file after file). Nothing where the C library has no malloc_trim."""
    if "trim" not in _WORKER:
        import ctypes

        try:
            _WORKER["trim"] = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _WORKER["trim"] = None
    trim: Callable[[int], Any] | None = _WORKER["trim"]
    if trim is not None:
        trim(0)


class _Packed(NamedTuple):
    """A CodedDocument as it crosses from a worker: plain tuples, segments without their text."""

    id: str
    text: str
    metadata: dict[str, Any]
    spans: list[tuple[int, int, str, str | None, Any]]
    unit: str
    segments: list[tuple[int, int, int, str | None, str | None, str]]
    evidence: dict[int, list[Any]]
    warnings: list[str]
    body: Any
    scores: dict[tuple[int, str], float]


def _pack(result: Any) -> Any:
    if not isinstance(result, CodedDocument):
        return result
    t = result.transcript
    unit = result.segments[0].unit if result.segments else ""
    return _Packed(t.id, t.text, t.metadata, [(s.start, s.end, s.kind, s.label, s.data) for s in t.spans], unit,
                   [(s.segment_id, s.start, s.end, s.speaker, s.section, s.speaker_role) for s in result.segments],
                   result.evidence, result.warnings, result.body, result.scores)


def _unpack(result: Any) -> Any:
    if not isinstance(result, _Packed):
        return result
    text, doc_id, unit = result.text, result.id, result.unit
    transcript = Transcript(doc_id, text, [Span(*span) for span in result.spans], result.metadata)
    segments = [Segment(doc_id, i, unit, start, end, speaker, section, text[start:end], role)
                for i, start, end, speaker, section, role in result.segments]
    return CodedDocument(transcript, segments, result.evidence, result.warnings, body=result.body,
                         scores=result.scores)


def _on_dask(client: Any, tasks: list[tuple[str, str]], coder: Coder, settings: tuple[Any, ...]) -> Iterator[Any]:
    """Submit every file to the cluster; yield results in order, releasing each as it is taken."""
    if not tasks:
        return
    shared = client.scatter(coder, broadcast=True)  # one copy per worker, compiled once there
    futures = client.map(_dask_task, tasks, coder=shared, settings=settings, pure=False)
    for future in futures:
        yield future.result()
        future.release()


def _dask_task(task: tuple[str, str], coder: Coder, settings: tuple[Any, ...]) -> Any:
    return _code_file(task, coder, *settings)
