"""REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette: projects (.qdpx) and codebooks
(.qdc), export and import. See :mod:`qualcode.refi.export` and :mod:`qualcode.refi.import_` for what goes
where, and :mod:`qualcode.refi.archive` for how untrusted archives are read."""

from qualcode.refi.export import ExportSummary, export_qdpx
from qualcode.refi.import_ import ImportSummary, import_qdc, import_qdpx, read_qdpx
from qualcode.refi.qdc import export_qdc, read_qdc

__all__ = ["ExportSummary", "ImportSummary", "export_qdc", "export_qdpx", "import_qdc", "import_qdpx", "read_qdc",
           "read_qdpx"]
