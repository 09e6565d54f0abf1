"""``qualcode suggest``: learn a person's codes in a project and suggest them elsewhere; a thin layer over
:func:`qualcode.project.suggestions.suggest` and :func:`qualcode.project.suggestions.evaluate_suggestions`.

Exit statuses as ``qualcode project``: 0 done; 1 the data is at fault (unknown coder, no codings, too few
examples, a unit the codings do not fit: every problem printed, nothing written); 2 usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.project import Output, SafeOpt, UnitOpt, _opened, _table, _with_intervals, _write_csv

__all__ = ["suggest_command"]


def suggest_command(
    project: Annotated[
        Path, typer.Option("--project", help="The project file.", exists=True, dir_okay=False, show_default=False)
    ],
    coder: Annotated[str, typer.Option("--from", help="The person whose codings to learn from.", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", help="Write the suggestions (CSV) there.", dir_okay=False)] = None,
    unit: UnitOpt = "paragraph",
    save: Annotated[bool, typer.Option("--save", help="Store the suggestions in the project as auto:suggest:CODER.")] = False,
    model_out: Annotated[
        Path | None, typer.Option("--model-out", help="Also write the fitted model (.npz of plain arrays).", dir_okay=False)
    ] = None,
    next_: Annotated[
        int | None, typer.Option("--next", help="List the N segments to code next (most uncertain first).", min=1)
    ] = None,
    evaluate: Annotated[
        bool, typer.Option("--evaluate", help="Cross-validate by document: precision, recall, F1 per code.")
    ] = False,
    min_examples: Annotated[int, typer.Option("--min-examples", help="Fewest coded segments to learn a code.", min=2)] = 3,
    output: Output = None,
    spreadsheet_safe: SafeOpt = False,
) -> None:
    """Learn a coder's codes from their codings and suggest them on every segment they have not coded."""
    from qualcode.project.suggestions import evaluate_suggestions, suggest

    if evaluate:
        with _opened(project) as opened:
            evaluation = evaluate_suggestions(opened, coder=coder, unit=unit, min_examples=min_examples)
        shown = _with_intervals(evaluation.table)
        _table(evaluation.table, output, "Nothing to evaluate.", safe=spreadsheet_safe, shown=shown[
            ["code", "units", "gold", "coded", "precision", "precision 95%", "recall", "recall 95%", "f1"]])
        return
    if out is None and not save and next_ is None and model_out is None:
        raise typer.BadParameter("Say what to do: --out FILE, --save, --next N, --model-out FILE or --evaluate.")
    with _opened(project) as opened:
        run = suggest(opened, coder=coder, unit=unit, save=save, model_out=model_out, next=next_,
                      min_examples=min_examples)
        if out is not None:
            _write_csv(run.suggestions, out, safe=spreadsheet_safe)
    typer.echo(str(run))
    if out is not None:
        typer.echo(f"{len(run.suggestions)} rows written to {out}")
    if run.next is not None:
        _table(run.next, None, "No uncoded segment left.",
               ["document", "segment_id", "code", "score", "threshold", "uncertainty", "text"])
