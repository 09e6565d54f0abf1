"""``qualcode export`` and ``qualcode import``: REFI-QDA exchange, a thin layer over :mod:`qualcode.exchange`.

Exit statuses: 0 done (conflicts with the project, if any, are printed and the project's version kept);
1 the file was refused or cannot be written (every problem is printed, nothing was written); 2 usage errors.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.words import echo_err

__all__ = ["export_command", "import_command"]


class Format(StrEnum):
    qdpx = "qdpx"
    qdc = "qdc"
    csv = "csv"


class ExportPositions(StrEnum):
    codepoints = "codepoints"
    nvivo = "nvivo"


class ImportPositions(StrEnum):
    auto = "auto"
    codepoints = "codepoints"
    nvivo = "nvivo"


def _fail(message: str, status: int = 1) -> typer.Exit:
    echo_err(f"error: {message}")
    return typer.Exit(status)


def export_command(
    out: Annotated[Path, typer.Argument(help="The file to write: a .qdpx project, a .qdc codebook, or a .csv "
                                        "codebook of tag,description rows (for Taguette).")],
    project: Annotated[
        Path | None, typer.Option("--project", help="The project file to export.", exists=True, dir_okay=False)
    ] = None,
    format: Annotated[
        Format | None, typer.Option("--format", help="qdpx (project), qdc (codebook) or csv (codebook as "
                                    "tag,description, which Taguette imports); default: OUT's suffix.")
    ] = None,
    codebook: Annotated[
        Path | None, typer.Option("--codebook", help="With --format qdc or csv: a codebook file (.yml, .csv, "
                                  ".qdc) to export instead of a project's codes.", exists=True, dir_okay=False)
    ] = None,
    positions: Annotated[
        ExportPositions, typer.Option("--positions", help="codepoints (the REFI-QDA standard) or nvivo (UTF-16 "
                                      "units, as NVivo counts).")
    ] = ExportPositions.codepoints,
    schema: Annotated[
        Path | None, typer.Option("--schema", help="Validate against this XSD before writing (Project-mrt2019.xsd "
                                  "or Codebook-mrt2019.xsd).", exists=True, dir_okay=False)
    ] = None,
    automatic: Annotated[
        bool, typer.Option("--automatic/--no-automatic", help="Include the automatic coders' codings.")
    ] = True,
) -> None:
    """Export a project (.qdpx) or its codes (.qdc) for NVivo, ATLAS.ti, MAXQDA and QualCoder, or a codebook as
    a tag,description CSV for Taguette (which imports neither .qdc nor .qdpx)."""
    chosen = format.value if format else out.suffix.lower().lstrip(".")
    if chosen not in ("qdpx", "qdc", "csv"):
        raise _fail(f"say what to write with --format qdpx, qdc or csv (OUT {out} has none of these suffixes).", 2)
    if (project is None) == (codebook is None) or (codebook is not None and chosen == "qdpx"):
        raise _fail("give --project FILE (for .qdpx, .qdc or .csv), or --codebook FILE (for .qdc or .csv), "
                    "not both.", 2)
    from qualcode.model.errors import CodebookError, RefiError
    from qualcode.project.store import ProjectError, open_project

    try:
        from qualcode.exchange import export_qdc, export_qdpx
        from qualcode.exchange.qdc import export_tags_csv

        if codebook is not None:
            from qualcode.ingest.codebook_io import read_codebook

            book = read_codebook(codebook)
            summary = export_tags_csv(book, out) if chosen == "csv" else export_qdc(book, out, schema=schema)
        else:
            assert project is not None  # checked above: exactly one of --project and --codebook
            with open_project(project) as opened:
                if chosen == "qdpx":
                    summary = export_qdpx(opened, out, positions=positions.value, include_automatic=automatic,
                                          schema=schema)
                elif chosen == "csv":
                    summary = export_tags_csv(opened, out)
                else:
                    summary = export_qdc(opened, out, schema=schema)
    except (RefiError, ProjectError, CodebookError) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(str(summary))


def import_command(
    file: Annotated[Path, typer.Argument(help="A REFI-QDA project (.qdpx) or codebook (.qdc).", dir_okay=False)],
    project: Annotated[
        Path, typer.Option("--project", help="The project file to import into (created if absent).", dir_okay=False)
    ],
    positions: Annotated[
        ImportPositions, typer.Option("--positions", help="How the file counts text positions: auto (detect), "
                                      "codepoints (the standard) or nvivo (UTF-16 units).")
    ] = ImportPositions.auto,
) -> None:
    """Import a REFI-QDA project (.qdpx) or codebook (.qdc) into a project: all of it, or nothing."""
    from qualcode.exchange import import_qdc, import_qdpx, read_qdpx
    from qualcode.ingest.refi.reader import read_codebook_model
    from qualcode.model.errors import RefiError
    from qualcode.project.store import ProjectError, open_project

    kind = file.suffix.lower()
    if kind not in (".qdpx", ".qdc"):
        raise _fail(f"{file}: give a .qdpx project or a .qdc codebook (REFI-QDA).", 2)
    if not file.is_file():
        raise _fail(f"{file}: no such file; check the path.", 2)
    try:
        # read and check the whole file before the project is opened (or created)
        model = read_qdpx(file, positions=positions.value) if kind == ".qdpx" else read_codebook_model(file)
        with open_project(project) as opened:
            summary = import_qdpx(model, opened) if kind == ".qdpx" else import_qdc(file, opened)
    except (RefiError, ProjectError) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"{summary}\nProject: {project}.")
