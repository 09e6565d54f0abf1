"""Throughput on a whole French archive: qualcode against a notebook's naive approach and spaCy's tokenizer.

Generates a spoken French archive of about --words words with benchmarks/corpus.py (Praat TextGrid
interviews whose vocabulary grows like real speech: about 29,000 distinct word forms per million words; see
that script), and one of --small words with another seed, then measures, each in its own process (start-up
included, run outside any source tree), with the peak memory of that process and its workers:

1. naive: ``fr_core_news_sm`` full pipeline + a PhraseMatcher on lemmas, document by document (on the
   first --naive-words words only: it is slow; its words/s is what counts);
2. tokenizer: spaCy's bare French tokenizer over the same texts (the floor for anything built on spaCy),
   then two of them at once, each over the whole corpus: what two processes get from this machine (the
   ceiling of --jobs 2 over --jobs 1; two cores shared with the host's other load rarely give 2.0);
3. first pass: ``qualcode code CORPUS --out OUT`` with the CLI's defaults, on an empty cache;
4. re-code: the same after one rule of the codebook changed, from the cache; and in one Python process (a
   notebook's loop), ``Coder().code(corpus)`` then ``Coder(changed).code(corpus)``, each timed;
5. 1 process and 2 processes (``--jobs 1`` / ``--jobs 2``, no cache), and the first pass on 100k words
   (as (3): on an empty cache folder of its own) for the memory comparison. Memory is the peak of the
   summed PSS of the process and its workers (shared pages of forked workers counted once), sampled every
   50 ms;
6. with --baseline DIR (another qualcode source tree, e.g. ``git archive main | tar -x -C DIR``), that
   tree's --jobs 1 and --jobs 2 on the same corpus, in the same run: a before/after comparison.

The naive approach and the tokenizer read the TextGrids' interval texts with one regular expression.

Targets: (3) >= 15x (1) and >= 0.5x (2); (4) in one process >= 10x the first code(); jobs 2 >= 1.7x jobs 1; peak memory of (3) at
--words within 1.5x of its peak at 100k words, and under 1 GB.

    python benchmarks/throughput.py [--words 1000000] [--naive-words 100000] [--small 100000]
        [--format textgrid|txt] [--keep DIR] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus  # noqa: E402  (benchmarks/corpus.py, beside this script)

READER = r'''
import re
INTERVAL = re.compile(r'^\s*text = "(.*)"\s*$', re.M)
def text_of(path):
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() != ".textgrid":
        return raw
    return "\n".join(t for t in INTERVAL.findall(raw) if t.strip())
'''

NAIVE = """
import sys, time
from pathlib import Path
import spacy
from spacy.matcher import PhraseMatcher
import qualcode as qc
READER
files = sorted(Path(sys.argv[1]).iterdir())
limit = int(sys.argv[2])
nlp = spacy.load("fr_core_news_sm")
matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
for code in qc.default_codebook():
    for rules in code.rules_for("fr"):
        matcher.add(code.id, list(nlp.pipe(t.lstrip("=") for t in rules.terms)))
words = matches = 0
for path in files:
    text = text_of(path)
    doc = nlp(text)
    matches += len(matcher(doc))
    words += len(text.split())
    if words >= limit:
        break
print(words, matches)
"""

TOKENIZER = """
import sys
from pathlib import Path
import spacy
tokenizer = spacy.blank("fr").tokenizer
READER
words = tokens = 0
for path in sorted(Path(sys.argv[1]).iterdir()):
    text = text_of(path)
    tokens += len(tokenizer(text))
    words += len(text.split())
print(words, tokens)
"""
NAIVE, TOKENIZER = (script.replace("READER", READER) for script in (NAIVE, TOKENIZER))

# A notebook's loop in one process: read the corpus, code it (the pipeline built on the way), change one rule,
# code it again with a new Coder. Prints the words, the two times and the codings found each time.
IN_ONE_PROCESS = """
import sys, time
import qualcode as qc
corpus = qc.read_corpus(sys.argv[1])
changed = qc.read_codebook(sys.argv[2])
start = time.perf_counter()
first = qc.Coder().code(corpus)
middle = time.perf_counter()
again = qc.Coder(changed).code(corpus)
end = time.perf_counter()
words = sum(len(t.text.split()) for t in corpus.transcripts)
print(words, middle - start, end - middle, len(first.codings), len(again.codings))
"""

# Two bare tokenizers over the whole corpus at once, each in its own process: what two processes of this kind
# of work get from this machine's two cores (shared caches, memory, the host's other load), the ceiling for
# --jobs 2 over --jobs 1.
TWO_TOKENIZERS = """
import subprocess, sys
runs = [subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], stdout=subprocess.PIPE, text=True)
        for _ in range(2)]
outs = [run.communicate()[0] for run in runs]
if any(run.returncode for run in runs):
    sys.exit("a tokenizer failed")
print(sum(int(out.split()[0]) for out in outs))
"""


def _tree_memory(pid: int) -> int:
    """Memory of a process and its children: the sum of their PSS where Linux gives it (forked workers
    share pages, which a sum of RSS would count once per process), else of their RSS."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            info = proc.memory_full_info()
            total += getattr(info, "pss", info.rss)
    return total


def run(command: list[str], env: dict[str, str] | None = None,
        cwd: Path | None = None) -> tuple[float, float, int, str]:
    """Run ``command`` (in ``cwd``: not a source tree, whose package ``python -m`` would import first); return
    (seconds, CPU seconds of it and its children, peak memory in bytes of them, stdout). CPU seconds do not
    depend on what else the machine runs; on a busy machine they say more than the seconds."""
    cpu = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                            env={**os.environ, **(env or {})})
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_memory(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{err[-3000:]}")
    return elapsed, _children_cpu() - cpu, peak[0], out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # waited-for children and their waited-for children
    return usage.ru_utime + usage.ru_stime


def qualcode_cmd(corpus: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "qualcode", "code", str(corpus), "--out", str(out), *extra]


def changed_codebook(folder: Path) -> Path:
    """The default codebook with one rule changed: one more French term for trust."""
    import qualcode as qc
    from qualcode.ingest.codebook_io import codebook_from_dict

    data = qc.default_codebook().to_dict()
    for code in data["codes"]:
        if code["id"] == "trust":
            code["rules"]["fr"]["terms"].append("bonne foi")
    path = folder / "changed.yml"
    qc.write_codebook(codebook_from_dict(data), path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--naive-words", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=100_000, help="Words of the corpus for the memory comparison.")
    parser.add_argument("--format", choices=["textgrid", "txt"], default="textgrid", help="Of the generated files.")
    parser.add_argument("--keep", type=Path, help="Keep the corpus and outputs in this folder.")
    parser.add_argument("--baseline", type=Path,
                        help="Another qualcode source tree (e.g. 'git archive main | tar -x -C DIR'): its --jobs 1 "
                             "and --jobs 2 are measured in the same run, for a before/after comparison.")
    args = parser.parse_args()
    work = (args.keep or Path(tempfile.mkdtemp(prefix="qualcode-bench-"))).resolve()
    folder, small = work / "corpus", work / "small"
    for path in (folder, small, work / "cache", work / "cache-small", work / "out"):
        shutil.rmtree(path, ignore_errors=True)
    made = corpus.build(folder, args.words, form=args.format)
    small_made = corpus.build(small, args.small, seed=1, form=args.format)
    files, words, small_words = made["files"], made["words"], small_made["words"]
    cache = {"QUALCODE_CACHE_DIR": str(work / "cache")}
    rows = []

    def measure(label: str, command: list[str], n_words: int, env: dict[str, str] | None = None) -> None:
        seconds, cpu, peak, out = run(command, env, cwd=work)
        if label.startswith(("naive", "tokenizer", "two bare")):
            n_words = int(out.split()[0])
        rows.append((label, n_words, seconds, n_words / seconds, peak, cpu))
        print(f"  {label}: {seconds:.1f} s", file=sys.stderr)

    print(f"corpus: {files} files, {words:,} words, {made['distinct']:,} distinct word forms in {folder}",
          file=sys.stderr)
    measure("naive (fr_core_news_sm)", [sys.executable, "-c", NAIVE, str(folder), str(args.naive_words)], 0)
    measure("tokenizer (spaCy, bare)", [sys.executable, "-c", TOKENIZER, str(folder)], 0)
    measure("two bare tokenizers at once", [sys.executable, "-c", TWO_TOKENIZERS, TOKENIZER, str(folder)], 0)
    measure("qualcode first pass", qualcode_cmd(folder, work / "out"), words, cache)
    measure("qualcode re-code, 1 rule changed",
            qualcode_cmd(folder, work / "out", "--codebook", str(changed_codebook(work))), words, cache)
    _, _, _, out = run([sys.executable, "-c", IN_ONE_PROCESS, str(folder), str(changed_codebook(work))], cwd=work)
    in_process = [float(x) for x in out.split()]
    print(f"  one process, first code() and re-code: {in_process[1]:.1f} s, {in_process[2]:.2f} s", file=sys.stderr)
    measure("qualcode --jobs 1 --no-cache", qualcode_cmd(folder, work / "out1", "--jobs", "1", "--no-cache"), words)
    measure("qualcode --jobs 2 --no-cache", qualcode_cmd(folder, work / "out2", "--jobs", "2", "--no-cache"), words)
    # The same first pass as (3), on an empty cache folder of its own: both then build what a first run
    # builds once (the tokenizer's compiled expression, the lemma arrays) and write their cache entries.
    measure(f"qualcode first pass, {small_words:,} words", qualcode_cmd(small, work / "out-small"), small_words,
            {"QUALCODE_CACHE_DIR": str(work / "cache-small")})
    if args.baseline is not None:
        before = {"PYTHONPATH": str(args.baseline.resolve())}
        for jobs in ("1", "2"):
            measure(f"baseline --jobs {jobs} --no-cache",
                    qualcode_cmd(folder, work / f"base{jobs}", "--jobs", jobs, "--no-cache"), words, before)

    naive, floor = rows[0][3], rows[1][3]
    print(f"\nFrench corpus: {files} files, {words:,} words, {made['distinct']:,} distinct word forms "
          f"({small_made['distinct']:,} in the {small_words:,} words of the small one); naive run on the first "
          f"{rows[0][1]:,} words")
    print(f"{'run':<40} {'words':>10} {'seconds':>8} {'words/s':>10} {'x naive':>8} {'x tokenizer':>11} "
          f"{'peak MB':>8} {'CPU s':>7}")
    for label, n, seconds, speed, peak, cpu in rows:
        print(f"{label:<40} {n:>10,} {seconds:>8.1f} {speed:>10,.0f} {speed / naive:>8.1f} {speed / floor:>11.2f} "
              f"{peak / 2**20:>8.0f} {cpu:>7.1f}")
    ceiling = rows[2][3] / floor
    first, recode, one, two, small_run = rows[3:8]
    print(f"\nfirst pass / naive: {first[3] / naive:.1f} (target >= 15)")
    print(f"first pass / tokenizer: {first[3] / floor:.2f} (target >= 0.5)")
    print(f"in one process (a notebook): first Coder().code(corpus) {in_process[1]:.1f} s, after one rule changed "
          f"{in_process[2]:.2f} s: {in_process[1] / in_process[2]:.1f}x (target >= 10; {int(in_process[3]):,} and "
          f"{int(in_process[4]):,} codings)")
    print(f"re-code from the cache in a new process: {first[2] / recode[2]:.1f}x the first pass")
    print(f"2 processes / 1 process: {one[2] / two[2]:.2f} (target >= 1.7); CPU seconds of 2 / of 1: "
          f"{two[5] / one[5]:.2f}; this machine's ceiling (two bare tokenizers at once / one): {ceiling:.2f}")
    if args.baseline is not None:
        base_one, base_two = rows[8], rows[9]
        print(f"baseline, 2 processes / 1 process: {base_one[2] / base_two[2]:.2f}; CPU seconds of 2 / of 1: "
              f"{base_two[5] / base_one[5]:.2f}; --jobs 2 against the baseline's: {base_two[2] / two[2]:.2f}x "
              f"faster, {base_two[5] - two[5]:.1f} CPU seconds fewer")
    print(f"peak memory {words:,} words / {small_words:,} words: {first[4] / small_run[4]:.2f} (target <= 1.5), "
          f"{first[4] / 2**20:.0f} MB (target < 1024)")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
