"""The example notebooks: they run without error, and the saved ones are executed and up to date.

Every notebook of ``notebooks/`` is executed in memory (the saved file is not touched) by a ``python3``
kernel of this interpreter, with ``notebooks/`` as working directory, as a reader would run it. These tests
take about a minute; deselect them with ``pytest -k "not notebooks"``.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
WITH_CHARTS = ("01_", "02_")
WITH_SHARED = ("06_", "07_")  # notebooks that read the real material in ../shared/corpora
CELL_TIMEOUT = 300


def kernel_manager(folder: Path):  # type: ignore[no-untyped-def]
    """A ``python3`` kernel running this interpreter, whatever ``python3`` kernelspec the user has."""
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = folder / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps(get_kernel_dict()), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(folder)], ensure_native_kernel=False)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_there_are_notebooks() -> None:
    assert len(PATHS) >= 4, f"expected the example notebooks in {NOTEBOOKS}, found {[p.name for p in PATHS]}"


@pytest.mark.parametrize("path", PATHS, ids=ids(PATHS))
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    if path.name.startswith(WITH_SHARED):
        from conftest import require_shared

        require_shared("corpora")
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        km=kernel_manager(tmp_path / "kernels"),
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # let the kernel use its inline backend
    try:
        client.execute(cleanup_kc=True, env=env)
    except CellExecutionError as error:
        pytest.fail(f"{path.name} failed:\n{error}")
    errors = [
        o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors


@pytest.mark.parametrize("path", PATHS, ids=ids(PATHS))
def test_saved_notebook_is_executed(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert cells
    assert all(c.execution_count is not None for c in cells), f"{path.name} was saved without running"
    outputs = [o for c in cells for o in c.outputs]
    assert outputs, f"{path.name} was saved without outputs"
    assert not [o for o in outputs if o.output_type == "error"], f"{path.name} was saved with an error"
    assert notebook.cells[0].cell_type == "markdown", f"{path.name} should open with an explanation"
    if path.name.startswith(WITH_CHARTS):
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} has no chart"


def test_saved_notebooks_match_their_generator() -> None:
    """The saved notebooks are what ``notebooks/build_notebooks.py`` writes: rebuild them after editing it."""
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS / "build_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert sorted(module.NOTEBOOKS) == [p.name for p in PATHS]
    for path in PATHS:
        saved = [(c.cell_type, c.source) for c in nbformat.read(path, as_version=4).cells]
        built = [(c.cell_type, c.source) for c in module.build(path.name).cells]
        assert saved == built, (
            f"{path.name} is out of date: run .venv/bin/python notebooks/build_notebooks.py"
        )
