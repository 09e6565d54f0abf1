"""A project's codes, or a codebook, as a REFI-QDA codebook file (.qdc)."""

from __future__ import annotations

import os

from qualcode.exchange.export import ExportSummary, project_codes
from qualcode.exchange.guids import Guids
from qualcode.ingest.refi.qdc import codebook_codes, read_qdc, write_qdc, write_tags_csv
from qualcode.model.codebook import Codebook
from qualcode.project.store import Project

__all__ = ["export_qdc", "export_tags_csv", "read_qdc"]


def export_qdc(
    codebook: Codebook | Project,
    path: str | os.PathLike[str],
    *,
    schema: str | os.PathLike[str] | None = None,
    language: str | None = None,
) -> ExportSummary:
    """Write a codebook, or every code of a project (with the GUIDs its .qdpx export uses), as a .qdc file.

    Parameters
    ----------
    codebook : a Codebook, or an open Project.
    path : the .qdc file to write (atomically).
    schema : a Codebook XSD file (Codebook-mrt2019.xsd) to validate against before writing.
    language : the language of names and definitions given in several; default: the first.
    """
    if isinstance(codebook, Project):
        codes = project_codes(codebook, Guids.of(codebook), language)
    else:
        codes = codebook_codes(codebook, language)
    return ExportSummary(str(path), "qdc", codes=write_qdc(codes, path, schema=schema))


def export_tags_csv(
    codebook: Codebook | Project, path: str | os.PathLike[str], *, language: str | None = None
) -> ExportSummary:
    """Write a codebook's codes, or a project's, as the ``tag,description`` CSV Taguette imports."""
    if isinstance(codebook, Project):
        codes = project_codes(codebook, Guids.of(codebook), language)
    else:
        codes = codebook_codes(codebook, language)
    return ExportSummary(str(path), "qdc", codes=write_tags_csv(codes, path))
