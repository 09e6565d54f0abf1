"""spaCy's lookup lemma tables held as arrays and kept in the cache folder (qualcode/ingest/lemma_table.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.ingest.lemma_table import LemmaTable, _read_json, _source

ROOT = Path(__file__).resolve().parents[1]


def _files(cache: Path) -> list[Path]:
    return sorted((cache / "lemmas").glob("fr-*.npz"))


def test_every_form_of_spacys_french_table_has_the_lemma_its_json_gives(tmp_path):
    source = _source("fr")
    assert source is not None, "spacy-lookups-data is a dependency: its French table must be found"
    mapping = _read_json(source)
    table = LemmaTable.load("fr", cache_dir=tmp_path)
    assert len(table) == len(mapping) > 200_000
    wrong = [form for form, lemmas in mapping.items() if table.get(form) != (lemmas[0] if lemmas else form)]
    assert wrong == []
    assert set(table) == set(mapping)
    assert "mangeaient" in table and table.get("mangeaient") == "manger"
    assert table.get("qualcodeux") is None and table.get("qualcodeux", "x") == "x" and "qualcodeux" not in table
    assert 3 not in table  # not a word: not in the table, no error


def test_the_arrays_are_built_once_then_read_from_the_cache_folder(tmp_path):
    first = LemmaTable.load("fr", cache_dir=tmp_path)
    (kept,) = _files(tmp_path)
    stamp = kept.stat().st_mtime_ns
    again = LemmaTable.load("fr", cache_dir=tmp_path)
    assert kept.stat().st_mtime_ns == stamp  # read, not written again
    assert again.get("étaient") == first.get("étaient") == "être"
    with kept.open("rb") as file:
        assert file.read(4) == b"PK\x03\x04"  # NumPy's .npz: arrays read with allow_pickle=False, no pickle


@pytest.mark.parametrize("damage", [b"", b"not a table", b"PK\x03\x04 truncated"])
def test_a_damaged_file_is_built_again_and_replaced(tmp_path, damage):
    LemmaTable.load("fr", cache_dir=tmp_path)
    (kept,) = _files(tmp_path)
    kept.write_bytes(damage)
    table = LemmaTable.load("fr", cache_dir=tmp_path)
    assert table.get("finissaient") == "finir"
    assert kept.stat().st_size > 1_000_000  # rewritten whole


def test_a_folder_where_nothing_can_be_written_only_costs_the_time(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be")
    table = LemmaTable.load("fr", cache_dir=blocked)
    assert table.get("pouvions") == "pouvoir"
    assert blocked.read_text() == "a file where the cache folder would be"


def test_a_table_built_from_a_mapping_takes_a_list_first_item_and_an_empty_list_as_the_form():
    table = LemmaTable({"chats": ["chat", "chatte"], "rien": [], "été": "être"})
    assert [table.get(f) for f in ("chats", "rien", "été", "chat")] == ["chat", "rien", "être", None]
    assert sorted(table) == ["chats", "rien", "été"] and len(table) == 3
    assert len(LemmaTable()) == 0 and LemmaTable().get("a") is None


def test_a_language_without_a_table_gives_an_empty_one(tmp_path):
    assert len(LemmaTable.load("xx", cache_dir=tmp_path)) == 0


# In a forked child, looking up every French form must not copy the parent's table into the child (a dict of
# strings would: each lookup writes a reference count on the page of the value it returns).
CHILD = r"""
import os, sys
import numpy
from qualcode.ingest.nlp import lookup_table

table = lookup_table("fr")
if "--dict" in sys.argv:  # the former table, for comparison
    from qualcode.ingest.lemma_table import _read_json, _source
    table = _read_json(_source("fr"))
table.get("manger")  # what a lookup imports (spaCy's string hash), imported before forking as in a run
def private_kb(pid):
    total = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith(("Private_Dirty", "Private_Clean")):
                total += int(line.split()[1])
    return total
read, write = os.pipe()
child = os.fork()
if child == 0:
    before = private_kb(os.getpid())
    found = sum(table.get(form) is not None for form in lookup_table("fr"))  # forms made anew in the child
    os.write(write, f"{found} {private_kb(os.getpid()) - before}".encode())
    os._exit(0)
os.waitpid(child, 0)
print(os.read(read, 100).decode())
"""


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's /proc/PID/smaps_rollup")
def test_looking_every_form_up_in_a_forked_process_copies_little_of_the_table(tmp_path):
    env = {**os.environ, "QUALCODE_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    found, grown_kb = map(int, run.stdout.split())
    assert found > 200_000
    # With the dict of 216,849 forms the child copied 34 MB of it; the arrays are 11 MB and copy under 4 MB.
    assert grown_kb < 12_000, f"the child's private memory grew by {grown_kb} kB"
