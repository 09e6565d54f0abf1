"""Write the gold-standard label CSVs from hand-made decisions.

The decisions below (and in ``autspaces_decisions.txt``) were made by a human coder reading every unit against
``GUIDE.md``; this script only splits the sources into units, computes the keys and writes the CSVs. It applies no
keyword rule. No source text is stored: units are identified by position and by ``keys.key`` of their text.

Run from the repository root:  python tests/labels/build_labels.py
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from keys import canonical, key  # noqa: E402

SHARED = HERE.parents[1].parent / "shared"
THEMES = ("temporality", "trust", "family_engagement", "turnover")
CODE = {"t": "temporality", "r": "trust", "f": "family_engagement", "o": "turnover"}

# Word-export artefacts are not part of the text (the project's normaliser drops them too).
ARTEFACT = re.compile(r"\[(?:bookmark|image|img|picture|pic|graphic)(?::[^\]\n]{0,300})?\]")

# ---- decisions: line number -> (codes, note); lines not listed carry no theme ----
SEED = {
    6: ("to", "continuity lost through changing contacts"),
    9: ("r", "shared goals as base of partnership"),
    11: ("rf", "mediator builds link with hard-to-reach families"),
    14: ("f", "childcare barrier for families"),
    16: ("rfo", "parents' federations; long-serving directors"),
    18: ("f", "centre works on parents' relation to school"),
    19: ("f", "hoped-for families never come"),
    20: ("rf", "repairing families' link; same direction"),
    23: ("t", "before/now: admin absorbs time"),
    24: ("t", "before/now: too time-consuming"),
    25: ("t", "less and less present outside"),
    27: ("t", "how to make action last"),
    28: ("t", "mismatched timeframes, immediacy vs duration"),
    29: ("rf", "partnership not shared; family expectations"),
    31: ("t", "school time vs partners' time"),
}

DOSSIERSCO = {
    "20190213-notes-retour-Vergeze.md": {
        14: ("f", "helping parents with digital documents"),
        15: ("f", "parents' ease with smartphones"),
        24: ("t", "time needed to check each document"),
        35: ("f", "which guardian to contact first"),
        39: ("f", "contact person beyond legal guardian"),
        44: ("f", "parents' phone practices"),
        50: ("f", "encouraging parents to use school portal"),
        56: ("t", "data delivered at last moment by rectorat"),
        68: ("f", "dedicated station for families arriving"),
        69: ("f", "help for families without access"),
    },
    "31012019-vergeze-reconnaissance.md": {
        16: ("t", "shortening delay between build and demo"),
        21: ("f", "test with parents"),
        23: ("f", "parents enrol from home or on site; help"),
        37: ("f", "test with a dozen parents"),
        40: ("f", "informing parents what to bring"),
        41: ("f", "preparing for parents without documents"),
        43: ("f", "parents invited to bring laptops"),
        53: ("f", "helping parents with digital documents"),
        56: ("t", "time needed to check each document"),
        59: ("f", "which guardian to contact first"),
        60: ("f", "contact person beyond legal guardian"),
        63: ("f", "parents' phone practices"),
        65: ("f", "encouraging parents to use school portal"),
        70: ("f", "dedicated station for families arriving"),
        79: ("f", "test with parents planned"),
    },
    "college-olivier-de-serre-26.md": {
        31: ("t", "enrolment is hugely time-consuming"),
        38: ("f", "chasing parents for information"),
        42: ("f", "parents already given credentials"),
        44: ("f", "too many logins for parents"),
        53: ("tf", "transition period, double work; offline families"),
        54: ("r", "fear about digital archiving"),
        55: ("r", "need for reassurance"),
        57: ("f", "families far from digital tools"),
        58: ("f", "case-by-case support for families"),
        60: ("r", "checking legitimacy of provider"),
        61: ("r", "establishing public, free status"),
    },
}


def row(source: str, unit: int, text: str, codes: str = "", note: str = "") -> dict:
    assert set(codes) <= set(CODE), codes
    out = {"source": source, "unit": unit, "key": key(text)}
    for c, theme in CODE.items():
        out[theme] = int(c in codes)
    out["note"] = note
    return out


def write(name: str, rows: list[dict]) -> None:
    seen: dict[str, tuple] = {}
    for r in rows:  # identical texts must carry identical labels
        labels = tuple(r[t] for t in THEMES)
        if seen.setdefault(r["key"], labels) != labels:
            raise SystemExit(f"{name}: conflicting labels for duplicate key {r['key']} (unit {r['unit']})")
    with open(HERE / name, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["source", "unit", "key", *THEMES, "note"])
        w.writeheader()
        w.writerows(rows)
    pos = {t: sum(r[t] for r in rows) for t in THEMES}
    print(f"{name}: {len(rows)} units; positives {pos}")


def line_units(path: Path, decisions: dict, source: str, markdown: bool) -> list[dict]:
    lines = [ln.rstrip("\r") for ln in path.read_text(encoding="utf-8").split("\n")]
    start = 0
    if markdown and lines and lines[0].strip() == "---":  # front matter block
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        start = end + 1
    rows, used = [], set()
    for i in range(start, len(lines)):
        text = ARTEFACT.sub("", lines[i]).strip()
        if not text or (markdown and re.fullmatch(r"[-*_=|:\s]+", text)):
            continue  # empty or a pure Markdown artefact (rule, table separator)
        if not canonical(text):
            continue
        codes, note = decisions.get(i + 1, ("", ""))
        used.add(i + 1)
        rows.append(row(source, i + 1, text, codes, note))
    missing = set(decisions) - used
    assert not missing, f"{source}: decisions for non-units {missing}"
    return rows


def autspaces_rows() -> list[dict]:
    decisions: dict[int, tuple[str, str]] = {}
    for line in (HERE / "autspaces_decisions.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        n, codes, *note = line.split(" ", 2)
        assert int(n) not in decisions, f"duplicate decision for row {n}"
        decisions[int(n)] = (codes, note[0] if note else "")
    path = SHARED / "corpora/autspaces-focus-groups/derived_quotes_by_theme.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        data = list(csv.DictReader(fh))
    assert max(decisions) <= len(data)
    rows = []
    for n, rec in enumerate(data, 1):
        text = rec["quote_or_paraphrase"]
        if not canonical(text):
            continue
        codes, note = decisions.get(n, ("", ""))
        rows.append(row("corpora/autspaces-focus-groups/derived_quotes_by_theme.csv", n, text, codes, note))
    return rows


def main() -> None:
    seed = "seeds/000_c0c839df2532a9e7.txt"
    write("seed.csv", line_units(SHARED / seed, SEED, seed, markdown=False))
    rows = []
    for name, dec in DOSSIERSCO.items():
        src = f"corpora/dossiersco-fr/{name}"
        rows += line_units(SHARED / src, dec, src, markdown=True)
    write("dossiersco.csv", rows)
    write("autspaces.csv", autspaces_rows())


if __name__ == "__main__":
    main()
