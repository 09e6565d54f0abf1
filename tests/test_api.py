"""The public API is small and explicit."""

import subprocess
import sys

import pytest

import qualcode
from tests.conftest import ROOT

EXPECTED = {
    "Cache",
    "Code", "Codebook", "CodebookError", "Coder", "CodingResult", "Corpus", "Project", "ProjectError",
    "QualcodeError", "ReadError", "Segment", "Span", "Transcript", "__version__", "code_into_project",
    "cooccurrence", "cooccurrence_matrix", "default_codebook", "kwic", "open_project", "plot_cooccurrence",
    "plot_theme_by_attribute", "plot_theme_frequency", "plot_theme_heatmap", "read_attributes", "read_codebook",
    "read_corpus", "read_transcript", "retrieve", "save_chart", "theme_by_attribute", "theme_frequency",
    "theme_matrix", "validate_codebook", "write_codebook",
    # the main job, as `qualcode code`
    "FolderRun", "code_folder",
    # REFI-QDA exchange
    "RefiError", "export_qdc", "export_qdpx", "import_qdc", "import_qdpx", "read_qdc",
    # validating an automatic coder against a person's coding
    "evaluate",
    # suggestions learned from a person's coding
    "Suggester",
    # coding by hand in Jupyter (imported on first use)
    "CodingWidget",
    # what the long steps tell a progress callback
    "Progress",
}


def test_exported_names():
    assert qualcode.__all__ == sorted(qualcode.__all__)
    assert set(qualcode.__all__) == EXPECTED
    for name in qualcode.__all__:
        assert hasattr(qualcode, name), name


def test_import_and_cli_help_load_no_heavy_library():
    code = ("import sys, qualcode, qualcode.cli.app; "
            "print(sorted(m for m in ('spacy', 'pandas', 'matplotlib', 'anywidget', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("args", [["--help"], ["codebook", "check", "qualcode/codebooks/default.yml"], ["code", "--help"]])
def test_cli_starts_without_heavy_libraries(args):
    code = (f"import sys; sys.argv = ['qualcode', *{args!r}]\nfrom qualcode.cli.app import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('HEAVY', sorted(m for m in ('spacy', 'pandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert "HEAVY []" in out
