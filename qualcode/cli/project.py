"""``qualcode project ...`` and ``qualcode agree``: a thin layer over the project store,
:mod:`qualcode.project.reviewing` and :mod:`qualcode.project.results`.

Exit statuses: 0 all went well; 1 the data is at fault (an unknown document or code, a bad review sheet...:
every problem is printed, one per line, and nothing was written); 2 usage errors (Typer's own).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypedDict

import typer

from qualcode.cli.show import Commands, table_text
from qualcode.cli.words import echo_err, project_named

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.project.store import Project

__all__ = ["agree", "project_app"]

project_app = typer.Typer(
    rich_markup_mode=None,
    cls=Commands,
    help="Work in a project file: list its contents, code by hand, decide on automatic codings, write memos, "
    "review with spreadsheets.",
    no_args_is_help=True,
)

ProjectFile = Annotated[
    Path, typer.Argument(help="The project file.", exists=True, dir_okay=False, show_default=False)
]
Output = Annotated[Path | None, typer.Option("--output", help="Also write the whole table to this CSV file.")]
SafeOpt = Annotated[
    bool, typer.Option("--spreadsheet-safe", help="In the CSV files written, put a quote before text cells that "
                       "Excel would run as formulas (=, +, -, @): for files opened in a spreadsheet, not programs.")
]
Unit = Literal["paragraph", "sentence", "turn"]  # qualcode.model.transcript.UNITS
UnitOpt = Annotated[Unit, typer.Option("--unit", help="Coding unit.")]
CoderOpt = Annotated[str, typer.Option("--coder", help="The person coding: a name or initials.")]


_echo_err = echo_err


@contextmanager
def _reporting() -> Iterator[None]:
    """Turn the library's data errors into one line per problem on stderr and exit status 1. (A failure to
    write an output is a :class:`~qualcode.model.errors.WriteError`, which ``main`` prints: exit status 1.)"""
    from qualcode.analysis.agreement import AgreementError
    from qualcode.project.review import ReviewSheetError
    from qualcode.project.store import ProjectError

    try:
        yield
    except (ProjectError, AgreementError) as exc:
        for problem in exc.problems:
            _echo_err(f"error: {problem}")
        raise typer.Exit(1) from exc
    except ReviewSheetError as exc:
        for sheet_problem in exc.problems:
            _echo_err(f"error: {exc.path}: {sheet_problem}")
        _echo_err(f"error: {exc.path}: nothing was imported; fix the sheet and import it again.")
        raise typer.Exit(1) from exc


@contextmanager
def _opened(file: Path) -> Iterator[Project]:
    from qualcode.project.store import open_project

    with project_named(file), _reporting(), open_project(file) as project:
        yield project


def _table(
    frame: pd.DataFrame, output: Path | None, empty: str, columns: list[str] | None = None, *, safe: bool = False,
    shown: pd.DataFrame | None = None,
) -> None:
    """Print ``frame`` (its ``columns``, or the frame ``shown`` made of it; long texts cut), and write it whole to
    ``output`` atomically (``safe``: text cells a spreadsheet would run as formulas neutralised,
    :mod:`qualcode.model.cells`)."""
    if output is not None:
        _write_csv(frame, output, safe=safe)
    if frame.empty:
        typer.echo(empty)
    else:
        typer.echo(table_text(shown if shown is not None else frame[columns] if columns else frame))
    if output is not None:
        typer.echo(f"{len(frame)} rows written to {output}")


def _with_intervals(table: pd.DataFrame) -> pd.DataFrame:
    """An evaluation's table as printed: each 95% interval in one column ("0.66-0.94"), no reasons."""
    shown = table.drop(columns=["precision_low", "precision_high", "recall_low", "recall_high", "reason"])
    for name in ("precision", "recall"):
        low, high = table[f"{name}_low"], table[f"{name}_high"]
        at = list(shown.columns).index(name) + 1
        shown.insert(at, f"{name} 95%", [f"{a:.2f}-{b:.2f}" if not math.isnan(a) else ""  # NaN: nothing to judge
                                          for a, b in zip(low, high, strict=True)])
    return shown


def _write_csv(frame: pd.DataFrame, path: Path, *, safe: bool = False) -> None:
    from qualcode.model.cells import neutralise_frame
    from qualcode.model.files import write_atomic_path

    table = neutralise_frame(frame) if safe else frame
    write_atomic_path(path, lambda temporary: table.to_csv(temporary, index=False, lineterminator="\n",
                                                           encoding="utf-8"))


class _Where(TypedDict, total=False):
    """Where a hand coding goes, as Project.add_coding takes it: a span, or a segment of a unit."""

    start: int
    end: int
    unit: str
    segment_id: int


def _where(start: int | None, end: int | None, segment: int | None, unit: str | None) -> _Where:
    """Either a span (--start, --end) or a segment (--segment, --unit); anything else is a usage error."""
    if segment is not None and start is None and end is None:
        return {"unit": unit or "paragraph", "segment_id": segment}
    if segment is None and unit is None and start is not None and end is not None:
        return {"start": start, "end": end}
    raise typer.BadParameter(
        "Say where: either --start and --end, or --segment (with --unit if not paragraph)."
    )


# --- listing -----------------------------------------------------------------------------------------


@project_app.command()
def documents(file: ProjectFile, output: Output = None, spreadsheet_safe: SafeOpt = False) -> None:
    """List the documents: language, source file, characters."""
    with _opened(file) as project:
        _table(project.documents(), output, "No documents.", ["document", "language", "source", "chars"],
               safe=spreadsheet_safe)


@project_app.command()
def codings(
    file: ProjectFile,
    coder: Annotated[str | None, typer.Option("--coder", help="Only this coder's codings.")] = None,
    document: Annotated[str | None, typer.Option("--document", help="Only this document.")] = None,
    output: Output = None,
    spreadsheet_safe: SafeOpt = False,
) -> None:
    """List the codings placed in the current texts (rejected ones excluded)."""
    with _opened(file) as project:
        frame = project.codings(coder, document=document)
    columns = ["id", "document", "coder", "code", "start", "end", "segment_id", "status", "decision", "text"]
    _table(frame, output, "No codings.", columns, safe=spreadsheet_safe)


@project_app.command()
def unplaced(file: ProjectFile, output: Output = None, spreadsheet_safe: SafeOpt = False) -> None:
    """List the human codings whose text was not found after an edit of their document."""
    with _opened(file) as project:
        frame = project.unplaced()
    _table(frame, output, "No unplaced codings.", ["id", "document", "coder", "code", "start", "end", "text"],
           safe=spreadsheet_safe)


@project_app.command()
def codes(file: ProjectFile, output: Output = None, spreadsheet_safe: SafeOpt = False) -> None:
    """List the codes used in the project and where each came from."""
    with _opened(file) as project:
        _table(project.codes(), output, "No codes.", safe=spreadsheet_safe)


@project_app.command()
def memos(file: ProjectFile, output: Output = None, spreadsheet_safe: SafeOpt = False) -> None:
    """List the memos, oldest first."""
    with _opened(file) as project:
        _table(project.memos(), output, "No memos.", ["id", "author", "document", "code", "coding", "text"],
               safe=spreadsheet_safe)


@project_app.command()
def segments(
    file: ProjectFile,
    document: Annotated[str, typer.Argument(help="The document's id.")],
    unit: UnitOpt = "paragraph",
    output: Output = None,
    spreadsheet_safe: SafeOpt = False,
) -> None:
    """List a document's segments, numbered as --segment takes them."""
    import pandas as pd

    with _opened(file) as project:
        found = project.segments(document, unit)
    frame = pd.DataFrame(
        [s._asdict() for s in found], columns=["segment_id", "unit", "start", "end", "speaker", "section", "text"]
    )
    _table(frame, output, f"Document {document!r} has no {unit} segments.", safe=spreadsheet_safe)


# --- human coding, decisions and memos ---------------------------------------------------------------


Document = Annotated[str, typer.Argument(help="The document's id.")]
CodeArg = Annotated[str, typer.Argument(help="The code's id.")]
Start = Annotated[int | None, typer.Option("--start", help="First character (from 0).", min=0)]
End = Annotated[int | None, typer.Option("--end", help="Character after the last one.", min=0)]
SegmentOpt = Annotated[int | None, typer.Option("--segment", help="Segment number (see 'segments').", min=1)]
SegmentUnit = Annotated[Unit | None, typer.Option("--unit", help="Unit of --segment (paragraph by default).")]


@project_app.command("code")
def code_command(
    file: ProjectFile,
    document: Document,
    code: CodeArg,
    coder: CoderOpt,
    start: Start = None,
    end: End = None,
    segment: SegmentOpt = None,
    unit: SegmentUnit = None,
    new_code: Annotated[
        bool, typer.Option("--new-code", help="Create CODE if the project has no such code (else refused).")
    ] = False,
) -> None:
    """Code a span (--start, --end) or a segment (--segment) of a document by hand."""
    where = _where(start, end, segment, unit)
    with _opened(file) as project:
        coding = project.add_coding(document, code, coder=coder, new_code=new_code, **where)
    typer.echo(f"Coding {coding}: {document} coded {code} by {coder}.")


@project_app.command()
def uncode(
    file: ProjectFile,
    document: Document,
    code: CodeArg,
    coder: CoderOpt,
    start: Start = None,
    end: End = None,
    segment: SegmentOpt = None,
    unit: SegmentUnit = None,
) -> None:
    """Remove what a coder recorded for a code on a span or segment."""
    where = _where(start, end, segment, unit)
    with _opened(file) as project:
        removed = project.remove_coding(document, code, coder=coder, **where)
    typer.echo(f"{removed} coding(s) of {code} by {coder} removed from {document}.")


CodingId = Annotated[int, typer.Argument(help="The automatic coding's id (see 'codings').")]


@project_app.command()
def accept(file: ProjectFile, coding: CodingId, coder: CoderOpt) -> None:
    """Accept an automatic coding: it becomes the coder's."""
    with _opened(file) as project:
        decided = project.accept(coding, coder=coder)
    typer.echo(f"Coding {coding} accepted by {coder} (as coding {decided}).")


@project_app.command()
def reject(file: ProjectFile, coding: CodingId, coder: CoderOpt) -> None:
    """Reject an automatic coding; the decision is kept across re-runs."""
    with _opened(file) as project:
        decided = project.reject(coding, coder=coder)
    typer.echo(f"Coding {coding} rejected by {coder} (decision {decided}).")


@project_app.command()
def memo(
    file: ProjectFile,
    text: Annotated[str, typer.Argument(help="The memo's text.")],
    author: Annotated[str, typer.Option("--author", help="Who writes it.")],
    document: Annotated[str | None, typer.Option("--document", help="The document it is about.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="The code it is about.")] = None,
    coding: Annotated[int | None, typer.Option("--coding", help="The human coding it is about.")] = None,
) -> None:
    """Write a memo on a document, a code, both, or a human coding."""
    with _opened(file) as project:
        memo_id = project.add_memo(text, author=author, document=document, code=code, coding=coding)
    typer.echo(f"Memo {memo_id} written.")


# --- review sheets -----------------------------------------------------------------------------------


AutoCoder = Annotated[
    str | None,
    typer.Option(
        "--auto-coder", help="Automatic coder, e.g. auto:qualcode-default [default: the latest run]."
    ),
]


@project_app.command("review-export")
def review_export(
    file: ProjectFile,
    sheet: Annotated[Path, typer.Argument(help="The review sheet to write (.csv or .xlsx).", dir_okay=False)],
    coder: Annotated[str, typer.Option("--coder", help="The reviewer.")],
    document: Annotated[
        list[str] | None, typer.Option("--document", help="A document to review (repeat it); default: all.")
    ] = None,
    code: Annotated[
        list[str] | None, typer.Option("--code", help="A code column (repeat it); default: every code.")
    ] = None,
    auto_coder: AutoCoder = None,
    unit: UnitOpt = "paragraph",
    delimiter: Annotated[
        str, typer.Option("--delimiter", help="CSV separator; ';' for a French Excel.")
    ] = ",",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing sheet.")] = False,
) -> None:
    """Write a review sheet, prefilled with the automatic codes, for a person to check in a spreadsheet."""
    from qualcode.project.reviewing import export_review

    if sheet.exists() and not force:
        _echo_err(f"error: {sheet} exists and may hold a reviewer's work; use --force to replace it.")
        raise typer.Exit(1)
    with _opened(file) as project:
        written = export_review(
            project,
            sheet,
            coder=coder,
            documents=document,
            codes=code,
            auto_coder=auto_coder,
            unit=unit,
            delimiter=delimiter,
        )
    typer.echo(str(written))
    typer.echo(
        f"Mark 'reviewed' on the rows checked, then: qualcode project review-import {file} {sheet} "
        f"--coder {coder}"
    )


@project_app.command("review-import")
def review_import(
    file: ProjectFile,
    sheet: Annotated[Path, typer.Argument(help="The filled review sheet.", exists=True, dir_okay=False)],
    coder: Annotated[str, typer.Option("--coder", help="The reviewer.")],
    auto_coder: AutoCoder = None,
    unit: UnitOpt = "paragraph",
) -> None:
    """Read a filled review sheet: the reviewed rows become the reviewer's codings and decisions."""
    from qualcode.project.reviewing import import_review

    with _opened(file) as project:
        summary = import_review(project, sheet, coder=coder, auto_coder=auto_coder, unit=unit)
    typer.echo(str(summary))


# --- agreement ---------------------------------------------------------------------------------------


def agree(
    project: Annotated[
        Path,
        typer.Option("--project", help="The project file.", exists=True, dir_okay=False, show_default=False),
    ],
    coders: Annotated[
        list[str], typer.Argument(help="Two or more coders, e.g. marie auto:qualcode-default.")
    ],
    coders_flag: Annotated[
        bool, typer.Option("--coders", help="Optional, before the coders: --coders A B [C...].")
    ] = False,
    level: Annotated[
        Literal["segment", "character"], typer.Option("--level", help="Per segment or per character (NVivo).")
    ] = "segment",
    unit: UnitOpt = "paragraph",
    include_unreviewed: Annotated[
        bool, typer.Option("--include-unreviewed", help="Count the rows of a review sheet a person did not mark "
                           "reviewed, as not coded (default: only reviewed rows count).")
    ] = False,
    output: Output = None,
    spreadsheet_safe: SafeOpt = False,
) -> None:
    """Inter-coder agreement in a project (kappa, alpha, percentage), per code and pooled."""
    from qualcode.project.results import agreement_coverage, project_agreement

    del coders_flag  # only marks where the coders start

    with _opened(project) as opened:
        table = project_agreement(opened, coders, level=level, unit=unit, include_unreviewed=include_unreviewed)
        covered = agreement_coverage(opened, coders, unit=unit, include_unreviewed=include_unreviewed)
    if level == "segment":
        each = ", ".join(f"{r.coder} {r.units} of {r.of_units} in {r.documents} document(s)"
                         for r in covered.itertuples())
        typer.echo(f"{unit.capitalize()} units covered: {each}; agreement on the {covered['shared'].iloc[0]} "
                   f"covered by every coder.")
        if not include_unreviewed and (covered["units"] < covered["of_units"]).any():
            typer.echo("Rows of a review sheet not marked reviewed are left out; --include-unreviewed counts "
                       "them as not coded.")
    _table(table, output, "No agreement to report.", safe=spreadsheet_safe)


# --- evaluation ---------------------------------------------------------------------------------------


def evaluate(
    project: Annotated[
        Path,
        typer.Option("--project", help="The project file.", exists=True, dir_okay=False, show_default=False),
    ],
    auto: Annotated[str, typer.Option("--auto", help="The automatic coder, e.g. auto:qualcode-default.")],
    human: Annotated[str, typer.Option("--human", help="The person whose coding is taken as the truth.")],
    unit: UnitOpt = "paragraph",
    output: Output = None,
    spreadsheet_safe: SafeOpt = False,
    passages: Annotated[
        Path | None,
        typer.Option("--passages", help="Also write the missed and wrongly coded passages to this CSV file."),
    ] = None,
) -> None:
    """Precision, recall, F1 and kappa per code of an automatic coder against a person's coding."""
    from qualcode.project.results import project_evaluation

    with _opened(project) as opened:
        result = project_evaluation(opened, auto=auto, human=human, unit=unit)
    _table(result.table, output, "Nothing to evaluate.", safe=spreadsheet_safe, shown=_with_intervals(result.table))
    if passages is not None:
        _write_csv(result.passages, passages, safe=spreadsheet_safe)
        typer.echo(f"{len(result.passages)} passages (missed or wrongly coded) written to {passages}")
    for code, reason in zip(result.table["code"].tolist(), result.table["reason"].tolist(), strict=True):
        if reason:
            typer.echo(f"{code}: {reason}")
