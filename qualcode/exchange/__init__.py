"""REFI-QDA exchange of a project with NVivo, ATLAS.ti, MAXQDA and QualCoder: projects (.qdpx) and codebooks
(.qdc), export and import. See :mod:`qualcode.exchange.export` and :mod:`qualcode.exchange.import_` for what goes
where, and :mod:`qualcode.ingest.refi.archive` for how untrusted archives are read."""

from qualcode.exchange.export import ExportSummary, export_qdpx
from qualcode.exchange.import_ import ImportSummary, import_qdc, import_qdpx, read_qdpx
from qualcode.exchange.qdc import export_qdc, read_qdc

__all__ = ["ExportSummary", "ImportSummary", "export_qdc", "export_qdpx", "import_qdc", "import_qdpx", "read_qdc",
           "read_qdpx"]
