"""The ``qualcode`` command: a thin layer over the library. Only this module prints or exits.

Exit statuses: 0 all went well; 1 some input could not be read or is invalid (the rest was still
processed); 2 usage errors (unknown option, missing argument, invalid codebook given with --codebook);
3 an unexpected error (a bug): one line naming the file being processed, the traceback with --debug.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qualcode.cli.exchange import export_command, import_command
from qualcode.cli.project import agree, evaluate, project_app
from qualcode.cli.show import Bars, Commands, table_text
from qualcode.cli.suggest import suggest_command
from qualcode.cli.words import echo_err, project_named
from qualcode.model.errors import OutputError, QualcodeError, UnexpectedReadError, WriteError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.ingest.corpus import Corpus
    from qualcode.model.results import CodingResult
    from qualcode.project.store import ProjectSummary



class _Commands(Commands):
    """Every command's failure to write an output (a WriteError, from the one atomic writer) said in one line,
    exit status 1: here, once, for all commands and subcommands, rather than one ``try`` per command."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except WriteError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc


app = typer.Typer(
    cls=_Commands,  # help names every value in words (--coder NAME); a WriteError is one line, exit 1
    help="Qualitative interview analysis: load transcripts, code them with a codebook, count and compare.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: Typer's rich help shows '<bool>' after every flag
)
codebook_app = typer.Typer(help="Check and show codebooks.", no_args_is_help=True, rich_markup_mode=None, cls=Commands)
app.add_typer(codebook_app, name="codebook")
app.add_typer(project_app, name="project")
app.command()(agree)
app.command()(evaluate)
app.command("export")(export_command)
app.command("import")(import_command)
app.command("suggest")(suggest_command)

UNEXPECTED = 3
INTERRUPTED = 130  # as a shell reports a program stopped by Ctrl-C


class Unit(StrEnum):
    paragraph = "paragraph"
    sentence = "sentence"
    turn = "turn"


class Speakers(StrEnum):
    participant = "participant"
    all = "all"


class Engine(StrEnum):
    local = "local"
    dask = "dask"


class Language(StrEnum):
    auto = "auto"
    fr = "fr"
    en = "en"


Paths = Annotated[list[Path], typer.Argument(help="Transcript files or folders (read recursively).", metavar="PATH")]
AttributesOpt = Annotated[
    Path | None, typer.Option("--attributes", metavar="FILE", help="CSV of participant attributes with a 'document' column.")
]
LanguageOpt = Annotated[Language, typer.Option("--language", help="Language of the transcripts, or auto-detect.")]


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")] = False) -> None:
    del debug  # read where it is needed (_debug, main): nothing happens before a command


def _debug() -> bool:
    """Whether --debug was given (before the command name): read from the command line, as main() does."""
    return "--debug" in sys.argv[1:]


_echo_err = echo_err


def _load(paths: list[Path], attributes: Path | None, language: Language) -> Corpus:
    from qualcode.ingest.corpus import read_corpus
    from qualcode.model.errors import AttributesError

    try:
        with Bars() as bars:
            return read_corpus(paths, attributes=attributes, progress=bars,
                               language=None if language == Language.auto else language.value)
    except AttributesError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2) from exc


def _report_problems(corpus: Corpus) -> None:
    for error in corpus.errors:
        _echo_err(f"error: {error}")
        if isinstance(error, UnexpectedReadError) and _debug():  # kind "unexpected"
            import traceback

            cause = error.__cause__
            details = "".join(traceback.format_exception(cause)) if cause is not None else error.details
            if details:
                _echo_err(details.rstrip())
    for warning in corpus.warnings:
        _echo_err(f"warning: {warning}")
    for transcript in corpus:
        for warning in transcript.metadata.get("warnings", []):
            _echo_err(f"warning: {transcript.id}: {warning}")


@app.command()
def load(paths: Paths, attributes: AttributesOpt = None, language: LanguageOpt = Language.auto) -> None:
    """Load transcripts and print a summary table (format, encoding, language, paragraphs, speakers...), then
    each file's speakers with their roles and turns."""
    from qualcode.model.errors import InputError
    from qualcode.run.folder import check_inputs, nothing_found

    try:
        check_inputs(paths)
    except InputError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2) from exc
    corpus = _load(paths, attributes, language)
    if not corpus.transcripts and not corpus.errors:
        _echo_err(f"warning: {nothing_found(paths)} nothing to list.")
        raise typer.Exit(1)
    summary = corpus.summary()
    if len(summary):
        typer.echo(table_text(summary))  # a .docx has no encoding: blank, not NaN
    _speakers(corpus.speakers())
    typer.echo(f"\n{len(corpus)} transcript(s) loaded, {len(corpus.errors)} error(s), "
               f"{len(corpus.skipped)} file(s) skipped (no reader for their suffix).")
    _report_problems(corpus)
    raise typer.Exit(1 if corpus.errors else 0)


def _speakers(table: pd.DataFrame) -> None:
    """Per file, one line: its speakers with their roles and turn counts."""
    if not len(table):
        return
    typer.echo("\nSpeakers (role, turns):")
    for document, rows in table.groupby("document", sort=False):
        found = ", ".join(f"{r.speaker} ({r.role}, {r.turns})" for r in rows.itertuples())
        typer.echo(f"  {document}: {found}")


@app.command()
def code(
    paths: Paths,
    out: Annotated[Path | None, typer.Option("--out", metavar="DIR", help="Output folder (replaced as a whole).")] = None,
    project: Annotated[
        Path | None,
        typer.Option("--project", metavar="FILE", help="SQLite project to code into: re-codes changed documents only, keeps human coding."),
    ] = None,
    codebook: Annotated[Path | None, typer.Option("--codebook", metavar="FILE", help="Codebook (.yml or .csv); default: qualcode's.")] = None,
    unit: Annotated[Unit, typer.Option("--unit", help="Coding unit.")] = Unit.paragraph,
    speakers: Annotated[
        Speakers, typer.Option("--speakers", help="Whose turns to code: the participants' (interviewer turns left "
                               "out; turns of unknown role kept), or all.")
    ] = Speakers.participant,
    language: LanguageOpt = Language.auto,
    attributes: AttributesOpt = None,
    model: Annotated[str | None, typer.Option("--model", metavar="NAME", help="Installed spaCy model for lemmas, e.g. fr_core_news_sm.")] = None,
    similarity: Annotated[
        bool, typer.Option("--similarity/--no-similarity", help="Score each coding with the semantic evidence "
                           "layer (definitions and examples; see README).")
    ] = True,
    svg: Annotated[bool, typer.Option("--svg", help="Also write the charts as SVG.")] = False,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", metavar="ATTRIBUTE", help="Attribute to compare groups by (repeatable), e.g. --by role."),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, metavar="N", help="Worker processes; 0: one per core (no more than the files).")
    ] = 0,
    cache: Annotated[
        bool, typer.Option("--cache/--no-cache", help="Keep transcripts and matches between runs (see README).")
    ] = True,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", metavar="DIR", help="Cache folder; default ~/.cache/qualcode.")] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="Where to code: this machine, or a Dask cluster.")] = Engine.local,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786) for --engine dask.")
    ] = None,
    spreadsheet_safe: Annotated[
        bool, typer.Option("--spreadsheet-safe", help="Put a quote before table cells that Excel would run as "
                           "formulas (=, +, -, @): for tables opened in a spreadsheet, not read by programs.")
    ] = False,
) -> None:
    """Code transcripts with a codebook and write segments, codings, evidence, theme frequency and errors."""
    if out is None and project is None:
        _echo_err("error: give --out DIR (tables and charts), --project FILE (a project database), or both.")
        raise typer.Exit(2)
    from qualcode.coding.cache import Cache
    from qualcode.model.errors import AttributesError, CodebookError, InputError
    from qualcode.run.folder import UnknownAttributeError, code_folder

    client = _dask_client(scheduler) if engine == Engine.dask else None
    try:
        with _warnings_at_once(), Bars() as bars:
            run = code_folder(
                paths, out=out, project=project, codebook=codebook, unit=unit.value, model=model,
                similarity=similarity, speakers=speakers.value,
                language=None if language == Language.auto else language.value, attributes=attributes,
                by=tuple(by or ()), charts=("png", "svg") if svg else ("png",), jobs=jobs,
                cache=Cache(cache_dir) if cache else None, client=client, spreadsheet_safe=spreadsheet_safe,
                progress=bars,
            )
    except UnknownAttributeError as exc:
        _echo_err(f"error: --by {', '.join(exc.attributes)}: no transcript has this attribute; give one of "
                  f"{', '.join(exc.known) or '(none)'} with --by, or add the column to the --attributes file.")
        raise typer.Exit(2) from exc
    except (CodebookError, AttributesError, OutputError, InputError, ValueError) as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2) from exc
    finally:
        if client is not None:
            client.close()
    if run.project_error is not None:
        _echo_err(f"error: {run.project_error}")
    elif run.project is not None and project is not None:  # a project summary only for --project
        _project_summary(project, run.project)
    if run.out is not None and out is not None:  # outputs only for --out
        _summary(run.result, out)
    for warning in dict.fromkeys([*run.warnings, *run.result.warnings, *(run.project.warnings if run.project else [])]):
        _echo_err(f"warning: {warning}")
    _report_problems(run.corpus)
    raise typer.Exit(0 if run.complete else 1)


@contextmanager
def _warnings_at_once() -> Iterator[None]:
    """Print what the library logs on the ``qualcode`` logger (a slow regex rule...) as it happens, in this
    process and in the worker processes forked from it, while the command runs; the end-of-run list of
    warnings still holds them."""
    import logging

    class Echo(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            _echo_err(f"warning: {record.getMessage()}")

    logger = logging.getLogger("qualcode")
    handler, propagate = Echo(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _dask_client(scheduler: str | None) -> Any:  # a dask.distributed.Client
    if not scheduler:
        _echo_err("error: --engine dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786); see README.")
        raise typer.Exit(2)
    try:
        from dask.distributed import Client
    except ImportError as exc:
        _echo_err("error: --engine dask needs Dask: pip install 'qualcode[dask]'.")
        raise typer.Exit(2) from exc
    try:
        return Client(scheduler, timeout="30s")
    except OSError as exc:
        _echo_err(f"error: cannot reach the Dask scheduler at {scheduler}: {exc}. Is it running?")
        raise typer.Exit(1) from exc


def _project_summary(path: Path, summary: ProjectSummary) -> None:
    typer.echo(f"Project {path}: {summary}")
    for failure in summary.failed:
        _echo_err(f"error: {failure}")
    if summary.unplaced:
        _echo_err(f"warning: {summary.unplaced} human coding(s) could not be placed in the changed text; "
                  f"see 'qualcode project unplaced {path}'.")


def _summary(result: CodingResult, out: Path) -> None:
    from qualcode.analysis.tables import theme_frequency, theme_matrix

    matrix = theme_matrix(theme_frequency(result))
    typer.echo(f"Coded {len(result.documents)} transcript(s): {len(result.segments)} {result.unit} segments, "
               f"{len(result.codings)} codings (codebook {result.codebook.name}, hash {result.codebook.hash}).")
    if len(matrix):
        shown = matrix.head(20)
        shown.loc["TOTAL"] = matrix.sum()
        typer.echo(shown.to_string())
        if len(matrix) > 20:
            typer.echo(f"... and {len(matrix) - 20} more documents in theme_frequency.csv")
    written = sorted(p.name for p in out.iterdir())
    tables = [name.removesuffix(".csv") for name in written if name.endswith(".csv")]
    charts = sorted({Path(name).stem for name in written if name.endswith((".png", ".svg"))})
    formats = sorted({Path(name).suffix for name in written if name.endswith((".png", ".svg"))}, reverse=True)
    others = [name for name in written if not name.endswith((".csv", ".png", ".svg"))]
    typer.echo(f"Outputs written to {out}/: tables ({', '.join(tables)} .csv), charts ({', '.join(charts)} "
               f"{' '.join(formats)}), {' and '.join(others)}.")  # what is there, as run.json lists it


@app.command()
def report(
    project: Annotated[Path, typer.Option("--project", help="The project file.", exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="The HTML file to write, e.g. report.html.")],
    coder: Annotated[
        str | None, typer.Option("--coder", help="Whose codings: a person, or auto:<codebook> (default: the last run).")
    ] = None,
    unit: Annotated[Unit, typer.Option("--unit", help="Coding unit.")] = Unit.paragraph,
) -> None:
    """Write the HTML report of one coder's codings in a project (a person's or the automatic coder's)."""
    from qualcode.project.results import project_result
    from qualcode.project.store import ProjectError, open_project
    from qualcode.views.report import write_report

    try:
        with project_named(project), open_project(project) as opened:
            result = project_result(opened, coder=coder, unit=unit.value)
            transcripts = [opened.transcript(d) for d in result.documents]
    except ProjectError as exc:
        for problem in exc.problems or [str(exc)]:
            _echo_err(f"error: {problem}")
        raise typer.Exit(1) from exc
    with Bars() as bars:
        write_report(result, transcripts, out, title=f"{result.coder} in {project.name}", progress=bars)
    typer.echo(f"Report of {len(result.codings)} codings by {result.coder} in {len(result.documents)} "
               f"document(s) written to {out}.")


@codebook_app.command("check")
def codebook_check(file: Annotated[Path, typer.Argument(help="Codebook file (.yml, .yaml or .csv).")]) -> None:
    """Validate a codebook and print every problem found, with file and line."""
    from qualcode.ingest.codebook_io import read_codebook
    from qualcode.model.errors import CodebookError

    try:
        book = read_codebook(file)
    except CodebookError as exc:
        typer.echo(str(exc))
        raise typer.Exit(1) from exc
    typer.echo(f"{file}: valid codebook {book.name!r} (version {book.version}): {len(book)} codes, "
               f"languages {', '.join(book.languages) or 'none'}, hash {book.hash}.")


@codebook_app.command("show")
def codebook_show(
    file: Annotated[Path | None, typer.Argument(help="Codebook file; default: qualcode's default codebook.")] = None,
    language: Annotated[str, typer.Option("--language", help="Language of the code names.")] = "en",
) -> None:
    """Print a codebook's tree of codes."""
    from qualcode.ingest.codebook_io import default_codebook, read_codebook
    from qualcode.model.errors import CodebookError

    try:
        book = read_codebook(file) if file else default_codebook()
    except CodebookError as exc:
        typer.echo(str(exc))
        raise typer.Exit(1) from exc
    typer.echo(f"{book.name} (version {book.version}, hash {book.hash})")
    for line in book.tree(language):
        typer.echo(f"  {line}")


def main() -> None:
    """Entry point: run the app, turning unexpected errors into one line unless --debug is given."""
    from typer.exceptions import TyperException

    try:
        status = app(standalone_mode=False)  # the status comes back here: Typer turns Ctrl-C into 130, silently
    except (KeyboardInterrupt, typer.Abort):
        status = INTERRUPTED
    except TyperException as exc:  # usage errors: click's own message and status
        # Typer raises only its click exceptions, which all have show(); its stubs type the base class.
        exc.show()  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", 2))
    except SystemExit:
        raise
    except QualcodeError as exc:  # an error the library explains itself, met outside a command's own handling
        _echo_err(f"error: {exc}")
        sys.exit(getattr(exc, "exit_status", 1))
    except Exception as exc:  # the last resort: a message, not a traceback
        if "--debug" in sys.argv[1:]:
            import traceback

            traceback.print_exc()
            sys.exit(UNEXPECTED)
        notes = getattr(exc, "__notes__", None)
        where = f" {notes[0]}" if notes else ""  # where it happened: code_folder notes the file being written
        _echo_err(f"error: unexpected {type(exc).__name__}{where}: {str(exc).rstrip('.')}. This is a bug in qualcode: re-run "
                  "with --debug (before the command name) to see the traceback, and please report it.")
        sys.exit(UNEXPECTED)
    if status == INTERRUPTED:
        _echo_err("interrupted: nothing was left half-written (an output folder is as it was; a project keeps the documents stored so far, each whole).")
    sys.exit(status if isinstance(status, int) else 0)
