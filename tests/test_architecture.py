"""The package's shape: data flows one way, with no import circle (issue 15).

import-linter checks the layers contract of pyproject.toml (each layer imports only the layers below it);
grimp's import graph, with the contract's three declared conveniences left out, must have no cycle at all,
between layers or inside one, type-checking imports included."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT


def _ignored() -> set[tuple[str, str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = config["tool"]["importlinter"]["contracts"]
    return {tuple(part.strip() for part in rule.split("->")) for rule in contract.get("ignore_imports", [])}


def test_layers_import_only_downward():
    """In a child process: import-linter reconfigures logging, which would leak into the other tests."""
    import subprocess
    import sys

    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}, no_cache=True))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:]


def test_no_module_imports_itself_back():
    import grimp

    graph = grimp.build_graph("qualcode")
    ignored = _ignored()
    edges = {m: {n for n in graph.find_modules_directly_imported_by(m) if (m, n) not in ignored}
             for m in graph.modules}
    cycles = []
    for module in sorted(edges):  # a module on a cycle reaches itself
        seen, stack = set(), list(edges[module])
        while stack:
            current = stack.pop()
            if current == module:
                cycles.append(module)
                break
            if current not in seen:
                seen.add(current)
                stack.extend(edges[current])
    assert cycles == [], f"modules on an import cycle: {cycles}"


def test_the_library_holds_no_fault_injection_hook():
    """Crash tests kill their child processes from outside (tests/kill_points.py): no test hook in qualcode/."""
    hooks = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "qualcode").rglob("*.py"))
             if re.search(r"QUALCODE_TEST|kill_point|os\.kill\(os\.getpid\(\)", path.read_text(encoding="utf-8"))]
    assert hooks == [], f"test hooks in the library: {hooks}"


SQL_CALLS = re.compile(r"\.execute\(|\bexecutemany\(|\bexecutescript\(|\bsqlite3\.connect\(")


def test_only_the_project_package_talks_sql():
    """Every SQL statement is in qualcode/project/: exchange, run and the rest call the project's methods."""
    project = ROOT / "qualcode" / "project"
    talking = [f"{path.relative_to(ROOT)}:{number}" for path in sorted((ROOT / "qualcode").rglob("*.py"))
               if project not in path.parents
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if SQL_CALLS.search(line)]
    assert talking == [], f"SQL outside qualcode/project/: {talking}"
