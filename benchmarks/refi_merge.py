"""Merging a REFI-QDA file whose GUIDs were regenerated (as QualCoder does at every export): time per size.

Usage: ``python benchmarks/refi_merge.py [--sizes 1000 2000 4000]``. For each size N, a .qdpx with N text
sources, N codes (nested ten deep, names repeated under other parents) and N codings is imported into a new
project; then the same file with every GUID replaced is imported again, so that every code is matched by
name and path and every source by its text. Both times are printed (wall clock, and CPU time of this
process in brackets: steadier on a shared machine); they should grow in proportion to N (tests/test_refi_import.py checks what is matched, on small files).
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

NS = "urn:QDA-XML:project:1.0"


def qdpx(path: Path, n: int) -> None:
    """N sources, N codes (chains of ten, each chain's names the same as the others'), N codings."""
    user = str(uuid.uuid4())
    codes, guids = [], []
    for chain in range(0, n, 10):
        opened = 0
        for depth in range(min(10, n - chain)):
            guid = str(uuid.uuid4())
            guids.append(guid)
            codes.append(f'<Code guid="{guid}" name="level {depth}" isCodable="true">')
            opened += 1
        codes.append("</Code>" * opened)
    sources, files = [], {}
    for i in range(n):
        guid = str(uuid.uuid4())
        text = f"P: Entretien {i}, la confiance et le temps qui manque."
        files[f"sources/{guid}.txt"] = text
        sources.append(
            f'<TextSource guid="{guid}" name="interview {i}" plainTextPath="internal://{guid}.txt">'
            f'<PlainTextSelection guid="{uuid.uuid4()}" startPosition="3" endPosition="12" creatingUser="{user}">'
            f'<Coding guid="{uuid.uuid4()}" creatingUser="{user}"><CodeRef targetGUID="{guids[i]}"/></Coding>'
            "</PlainTextSelection></TextSource>")
    qde = (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NS}" name="bench">'
           f'<Users><User guid="{user}" name="ana"/></Users><CodeBook><Codes>{"".join(codes)}</Codes></CodeBook>'
           f'<Sources>{"".join(sources)}</Sources></Project>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for name, text in files.items():
            archive.writestr(name, text)


def regenerate(source: Path, target: Path) -> None:
    pattern = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
    new: dict[str, str] = {}

    def swap(text: str) -> str:
        return pattern.sub(lambda m: new.setdefault(m.group().lower(), str(uuid.uuid4()).upper()), text)

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in old.namelist():
            data = old.read(name)
            out.writestr(swap(name), swap(data.decode("utf-8")) if name == "project.qde" else data)


def main() -> None:
    import qualcode as qc

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    args = parser.parse_args()
    print(f"{'N':>6} {'first import s (CPU)':>21} {'merge by name/text s (CPU)':>27} {'codes matched':>14} "
          f"{'sources matched':>16}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            first, second = Path(tmp, "first.qdpx"), Path(tmp, "second.qdpx")
            qdpx(first, n)
            regenerate(first, second)
            with qc.open_project(Path(tmp, "p.qualcode")) as project:
                start, cpu = time.perf_counter(), time.process_time()
                qc.import_qdpx(first, project)
                added = (time.perf_counter() - start, time.process_time() - cpu)
                start, cpu = time.perf_counter(), time.process_time()
                summary = qc.import_qdpx(second, project)
                merged = (time.perf_counter() - start, time.process_time() - cpu)
                assert summary.codes_added == [] and summary.codings_added == 0, str(summary)
            print(f"{n:>6} {added[0]:>14.2f} ({added[1]:>4.1f}) {merged[0]:>20.2f} ({merged[1]:>4.1f}) "
                  f"{len(summary.codes_matched_by_name):>14} "
                  f"{len(summary.sources_matched_by_text):>16}")


if __name__ == "__main__":
    main()
