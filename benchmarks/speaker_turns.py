"""Speaker attribution on the real files of ../shared/corpora, against counts that do not use qualcode's
label parser.

For each file it prints: the labels in the source (counted with a pattern written for that corpus, anywhere in
the text the reader extracted, so that a label glued inside a paragraph counts too; for a TextGrid, the
reader's turns), the labels qualcode found, the turns it found, the gap between the two (target: within 3%),
the labels left inside a paragraph's text (target 0), and the paragraphs given to the interviewer against the
paragraphs the source labels as the interviewer's (target: exactly equal). PDPilot's interviewer is "Dan", as
its attributes file would say (``interviewer`` column); the TextGrid's is its ``(ENQ)`` tier.

    python benchmarks/speaker_turns.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

from qualcode.ingest.readers import read_raw
from qualcode.ingest.speakers import apply_speaker_settings
from qualcode.ingest.structure import build_transcript

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Corpus:
    """Files of one corpus, the pattern of its labels, and its interviewer's labels."""

    files: str
    label: str | None  # a regular expression for one label; None: the reader's turns are the labels
    interviewer: str | None = None  # the pattern's group 1 naming the interviewer
    settings: tuple[list[str], list[str]] = ([], [])


CORPORA = [
    Corpus("pdpilot-interviews/transcripts_pdf/*.pdf", r"(?<![\w])(Dan|Participant|Particpant):", "Dan",
           (["Dan"], [])),
    Corpus("qualcoder-examples-mock/*.docx", r"^\[(id\d+)\]"),
    Corpus("qualcoder-examples-mock/*.odt", r"^\[(id\d+)\]"),
    Corpus("qualcoder-examples-mock/transcript.txt", r"^\[(id\d+)\]"),
    Corpus("dossiersco-fr/[0-9c]*.md", r"^(ENQ|Enquêteur|Enquêtrice|I|Q|R)\s?:"),
    Corpus("cfpp2000-fr-dev/*.TextGrid", None),
]


def measure(path: Path, corpus: Corpus) -> dict[str, object]:
    raw = read_raw(path)
    t = apply_speaker_settings(build_transcript(raw, path.stem, source=path.as_posix()), *corpus.settings)
    segments = t.segments("paragraph")
    paragraphs = [s.text for s in segments]
    given = sum(s.speaker_role == "interviewer" for s in segments)
    if corpus.label is None:  # speakers stated by the format: one reader turn per label
        turns = [b for b in raw.blocks if b.kind == "turn"]
        source = len(turns)
        moderator = sum(1 for b in turns if b.data.get("role") == "interviewer")
        names = {b.speaker for b in turns if b.speaker}
        left = sum(1 for p in paragraphs for n in names if p.startswith(f"{n}:"))
    else:
        pattern = re.compile(corpus.label, re.MULTILINE)
        blocks = [b.text for b in raw.blocks]
        found = [m for b in blocks for m in pattern.finditer(b)]
        source = len(found)
        moderator = sum(1 for b in blocks for m in pattern.finditer(b) if m.start() == len(b) - len(b.lstrip())
                        and m.group(1) == corpus.interviewer)
        left = sum(len(pattern.findall(p)) for p in paragraphs)
    found_turns = len(t.turns)
    gap = abs(found_turns - source) / source if source else 0.0
    return {"file": path.name, "labels in source": source, "labels found": len(t.spans_of("label")),
            "turns": found_turns, "gap": f"{gap:.1%}", "labels left in text": left,
            "to interviewer": given, "labelled interviewer": moderator}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    rows = []
    for corpus in CORPORA:
        for path in sorted((args.shared / "corpora").glob(corpus.files)):
            rows.append(measure(path, corpus))
    if not rows:
        raise SystemExit(f"No corpus files under {args.shared / 'corpora'}: give --shared.")
    columns = list(rows[0])
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(str(row[c]).rjust(w) for c, w in zip(columns, widths, strict=True)))
    worst = max(float(str(r["gap"]).rstrip("%")) for r in rows)
    left = sum(int(r["labels left in text"]) for r in rows)
    exact = sum(r["to interviewer"] == r["labelled interviewer"] for r in rows)
    print(f"\nworst gap {worst:.1f}% (target <= 3%); labels left in text {left} (target 0); "
          f"interviewer paragraphs exact in {exact}/{len(rows)} files (target all)")


if __name__ == "__main__":
    main()
