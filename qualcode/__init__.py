"""qualcode: qualitative interview analysis in Python.

Load transcripts in the formats researchers have, code them with a thematic codebook, and turn the
codings into tables, charts and reports::

    import qualcode as qc
    corpus = qc.read_corpus("data/samples", attributes="data/attributes.csv")
    result = qc.Coder(qc.default_codebook(), unit="paragraph").code(corpus)
    qc.theme_frequency(result)
"""

from qualcode.analysis.retrieval import kwic, retrieve
from qualcode.analysis.tables import (
    cooccurrence,
    cooccurrence_matrix,
    theme_by_attribute,
    theme_frequency,
    theme_matrix,
)
from qualcode.coding.cache import Cache
from qualcode.coding.coder import Coder
from qualcode.coding.suggest import Suggester
from qualcode.exchange import export_qdc, export_qdpx, import_qdc, import_qdpx, read_qdc
from qualcode.ingest.codebook_io import default_codebook, read_codebook, validate_codebook, write_codebook
from qualcode.ingest.corpus import Corpus, read_attributes, read_corpus, read_transcript
from qualcode.model.codebook import Code, Codebook
from qualcode.model.errors import CodebookError, QualcodeError, ReadError, RefiError
from qualcode.model.progress import Progress
from qualcode.model.results import CodingResult
from qualcode.model.transcript import Segment, Span, Transcript
from qualcode.model.version import __version__
from qualcode.project.results import evaluate
from qualcode.project.store import Project, ProjectError, code_into_project, open_project
from qualcode.run.folder import FolderRun, code_folder
from qualcode.views.plots import (
    plot_cooccurrence,
    plot_theme_by_attribute,
    plot_theme_frequency,
    plot_theme_heatmap,
    save_chart,
)


def __getattr__(name: str) -> object:
    """``qc.CodingWidget``, imported on first use: Jupyter's widget libraries cost a third of a second,
    which the CLI and scripts need not pay."""
    if name == "CodingWidget":
        from qualcode.project.widget import CodingWidget

        return CodingWidget
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")


__all__ = [
    "Cache",
    "Code",
    "Codebook",
    "CodebookError",
    "Coder",
    "CodingResult",
    "CodingWidget",
    "Corpus",
    "FolderRun",
    "Progress",
    "Project",
    "ProjectError",
    "QualcodeError",
    "ReadError",
    "RefiError",
    "Segment",
    "Span",
    "Suggester",
    "Transcript",
    "__version__",
    "code_folder",
    "code_into_project",
    "cooccurrence",
    "cooccurrence_matrix",
    "default_codebook",
    "evaluate",
    "export_qdc",
    "export_qdpx",
    "import_qdc",
    "import_qdpx",
    "kwic",
    "open_project",
    "plot_cooccurrence",
    "plot_theme_by_attribute",
    "plot_theme_frequency",
    "plot_theme_heatmap",
    "read_attributes",
    "read_codebook",
    "read_corpus",
    "read_qdc",
    "read_transcript",
    "retrieve",
    "save_chart",
    "theme_by_attribute",
    "theme_frequency",
    "theme_matrix",
    "validate_codebook",
    "write_codebook",
]
