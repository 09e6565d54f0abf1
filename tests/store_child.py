"""Child process of the kill tests in ``test_store.py``: codes a small corpus into a project.

Usage: ``python tests/store_child.py SPEC.json PROJECT_FILE``. ``SPEC.json`` holds ``{"documents": [[id,
text], ...], "attributes": {id: {name: value}}, "codebook": <a YAML codebook file>, "unit": "paragraph"}``.
With ``QUALCODE_TEST_KILL_AT`` set (e.g. ``inside-transaction:2``), this process is killed with SIGKILL at that
point (see :mod:`kill_points`); otherwise it exits 0 once the run is complete.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kill_points import install

from qualcode.coding.coder import Coder
from qualcode.ingest.codebook_io import read_codebook
from qualcode.ingest.structure import build_transcript
from qualcode.model.transcript import Block, RawDocument, Transcript
from qualcode.project.store import open_project


def make_transcripts(spec: dict[str, Any]) -> list[Transcript]:
    """The spec's documents as French transcripts, with their participant attributes."""
    out = []
    for doc_id, text in spec["documents"]:
        t = build_transcript(RawDocument([Block(text)], "txt"), doc_id, language="fr")
        t.attributes.update(spec.get("attributes", {}).get(doc_id, {}))
        out.append(t)
    return out


def make_coder(spec: dict[str, Any]) -> Coder:
    return Coder(read_codebook(spec["codebook"]), unit=spec.get("unit", "paragraph"))


def main(spec_path: str, project_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    with open_project(project_path) as project:
        project.code(make_coder(spec), make_transcripts(spec))
    return 0


if __name__ == "__main__":
    install()
    sys.exit(main(*sys.argv[1:]))
