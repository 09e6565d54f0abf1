"""A benchmark archive of spoken French interviews whose vocabulary grows like real speech.

Copies of a few texts (the corpus the throughput benchmark used before) have a few thousand distinct
words however long they get, so spaCy's tokenizer cache hits almost every word and the figures flatter
the coder. A real archive of 61 long spoken interviews had 28,390 distinct words in 877k. This generator
writes interviews that grow their vocabulary the same way, from generated text (no sentence of any real
transcript is in it):

- words are drawn with a Zipf-Mandelbrot law, p(rank) ~ 1 / (rank + 10) ** 1.5, over a ranked vocabulary:
  first ~280 frequent forms of spoken French written here (function words, pronouns, common verbs,
  discourse markers), then the 216,000 word forms that are the keys of spaCy's French lemma lookup table
  (``spacy-lookups-data``), shuffled with the seed and ranked shorter-first with jitter (short words are the
  frequent ones). That gives 28,730 distinct word forms in a million words and 3,720 in 37,000
  (3,711 to 3,731 for three seeds; ``../shared/corpora/cfpp2000-fr-dev``, three real interviews: 3,711 in 37,000);
- elisions are made as French makes them ("de" + "envie" -> "d'envie"), and the disfluencies of
  transcribed speech come at the rates measured on cfpp2000-fr-dev, per 1,000 words: 65 ``[pause]``,
  30 "euh", 19 repeated words ("le le"), 9 false starts ("s- sur"), 3 ``[rire]``;
- each interview has an interviewer (tier "Name (ENQ)") and one or two participants (two in one file of
  three), 6,000 to 22,000 words (cfpp2000: 6,400 to 21,000; the real archive: 14,400 on average); turns
  alternate, with lognormal lengths fitted on cfpp2000-fr-dev (interviewer: median 6 words, mean 9;
  participant: median 12, mean 27, up to a few hundred), each turn cut into intervals of a median 8 words;
  each interview has ten place names (capitalised forms), 20 mentions per 1,000 words;
- the default codebook's French terms and proximity pairs are spoken at ``--codes`` per 1,000 words
  (default 3: the default codebook finds 1.3 per 1,000 in cfpp2000-fr-dev, which is not about its themes;
  an archive coded with it is).

Files are Praat TextGrids (one interval tier per speaker, as the real archive) or ``.txt`` with ``Name:``
turns. Deterministic: the same seed and the same spacy-lookups-data give the same files.

    python benchmarks/corpus.py OUT [--words 1000000] [--format textgrid|txt] [--seed 0] [--codes 3]
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
from bisect import bisect_left
from itertools import accumulate
from pathlib import Path

# Frequent forms of spoken French, roughly most frequent first (rank 1 ... ~280).
HEAD = """
de je c'est que et pas le la à oui ça des il les a un mais non y en qui on ouais enfin dans quand j'ai vous
donc plus fait une même c'était pour tout parce voilà du est peu moi ce ou bon très vraiment me là sais
quoi beaucoup si ben au comme alors tu avait ils elle on a est-ce sur nous était avec aussi après être
bien faire dit ne puis ont peut rien tous toujours là-bas où jamais trop fois ans temps gens avoir va
chose choses quelque déjà dire faut fallait comment maintenant encore bah hein truc moins autre autres
vois vu pense crois mon ma mes son sa ses leur leurs notre votre cette ces cet mis pris voir vais vas
allez allait aller venir vient venu passé passer quartier école enfants ici ailleurs avant depuis pendant
jusqu'à chez entre sans sous vers par parce_que lui eux elles celui celle ceux ceci cela tout_à_fait
d'accord aujourd'hui justement exactement effectivement vachement carrément plutôt assez tellement
surtout souvent parfois longtemps petit petite grand grande vieux nouveau bonne mauvais beau belle
premier première dernier deux trois quatre cinq dix vingt cent mille an année années jour jours mois
semaine heure heures moment fin début coup coin côté rue ville maison appartement travail boulot métier
famille mère père parents frère sœur mari femme fille fils copain copine amis voisins monde personne
quelqu'un chacun plein partout pareil différent important difficile facile normal vrai sûr content
aimé aime aimais adore trouve trouvait connais connaissait connu sait savait savoir veux voulait vouloir
peux pouvait pouvoir dois devait devoir fais faisait prends prenait mets mettait reste restait restée
habite habitait habiter vit vivait vivre travaille travaillait arrive arrivé arrivée parti partie
revenu rentré sorti commencé changé
""".replace("_", " ").split()

ELIDE = {"de": "d'", "je": "j'", "le": "l'", "la": "l'", "que": "qu'", "ne": "n'", "se": "s'", "me": "m'",
         "te": "t'", "ce": "c'"}
KEPT_WHOLE = {"hein", "enfin", "oui", "ouais", "euh", "et", "ou", "est-ce", "alors", "avec", "ah", "eh", "oh"}
VOWEL = re.compile(r"[aàâeéèêëiîïoôuùûyœh]", re.IGNORECASE)
FIRST = ["Anita", "Bernard", "Claire", "Denis", "Élise", "Fabrice", "Ginette", "Hervé", "Irène", "Jacques",
         "Josiane", "Karim", "Lucien", "Monique", "Nicole", "Odile", "Patrick", "Renée", "Serge", "Yvette"]
LAST = ["Aubert", "Benoît", "Carpentier", "Delmas", "Esnault", "Fournier", "Garnier", "Hamon", "Imbert",
        "Joly", "Lemoine", "Marchal", "Nicolas", "Perrin", "Roussel", "Tessier", "Vidal"]

ZIPF_S, ZIPF_Q = 1.5, 10
RATES = {"pause": 65, "euh": 30, "repeat": 19, "false_start": 9, "laugh": 3, "place": 20}  # per 1,000 words
TURN = {"interviewer": (math.log(6), 0.9), "participant": (math.log(12), 1.27)}  # lognormal (mu, sigma)
INTERVAL = (math.log(8), 0.9)
FILE_WORDS = (6_000, 22_000)
WORD_FORM = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def vocabulary(seed: int) -> list[str]:
    """The ranked vocabulary: HEAD, then spaCy's French lookup forms, shuffled and shorter-first with jitter."""
    from qualcode.ingest.nlp import lookup_table

    rng = random.Random(seed)
    head = list(dict.fromkeys(HEAD))
    seen = set(head)
    forms = sorted(w for w in lookup_table("fr") if w not in seen and WORD_FORM.fullmatch(w))
    if len(forms) < 100_000:
        raise SystemExit("spaCy's French lemma table is missing or small: pip install spacy-lookups-data.")
    rng.shuffle(forms)
    forms.sort(key=lambda w: len(w) + rng.uniform(0, 8))
    return head + forms


def codebook_phrases() -> list[str]:
    """What a speaker says that the default codebook codes: its French terms, and a word of each group of
    its two-group proximity rules side by side."""
    import qualcode as qc

    out = []
    for code in qc.default_codebook():
        for rules in code.rules_for("fr"):
            out += [t.lstrip("=") for t in rules.terms]
            out += [f"{near.words[0][i % len(near.words[0])]} {near.words[1][i % len(near.words[1])]}"
                    for near in rules.near if len(near.words) == 2 for i in range(2)]
    return out


class Speech:
    """Draws words: a Zipf law over the vocabulary, with disfluencies, elisions, places and codebook phrases."""

    def __init__(self, rng: random.Random, words: list[str], phrases: list[str], codes: float) -> None:
        self.rng, self.words, self.phrases = rng, words, phrases
        self.cumulative = list(accumulate(1 / (r + ZIPF_Q) ** ZIPF_S for r in range(1, len(words) + 1)))
        self.places: list[str] = []
        events = [("code", codes)] + [(name, rate) for name, rate in RATES.items()]
        self.event_names = [name for name, _ in events]
        self.event_edges = list(accumulate(rate / 1000 for _, rate in events))

    def draw(self, count: int) -> list[str]:
        """``count`` plain words (before events and elision)."""
        picks = self.rng.choices(range(len(self.words)), cum_weights=self.cumulative, k=count)
        return [self.words[i] for i in picks]

    def utterance(self, count: int) -> list[str]:
        """About ``count`` words of one speaker's interval."""
        rng, out = self.rng, []
        for word in self.draw(count):
            roll = rng.random()
            event = bisect_left(self.event_edges, roll)
            name = self.event_names[event] if event < len(self.event_names) else None
            if name == "pause":
                out.append("[pause]")
            elif name == "euh":
                out.append("euh")
            elif name == "laugh":
                out.append("[rire]")
            elif name == "repeat" and out:
                out.append(out[-1])
            elif name == "false_start":
                out.append(word[: rng.randint(1, 2)] + "-")
            elif name == "place" and self.places:
                word = rng.choice(self.places)
            elif name == "code":
                word = rng.choice(self.phrases)
            previous = out[-1] if out else ""
            if ELIDE.get(previous) and VOWEL.match(word) and word not in KEPT_WHOLE:
                out[-1] = ELIDE[previous] + word
            else:
                out.append(word)
        return out


def interview(speech: Speech, rng: random.Random, words: int) -> list[tuple[str, str, list[str]]]:
    """(tier, role, intervals) of one interview of about ``words`` words, in time order."""
    enq = f"{rng.choice(FIRST)} {rng.choice(LAST)} (ENQ)"
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(1 + (rng.random() < 1 / 3))]
    speech.places = [w.capitalize() for w in rng.sample(speech.words[2000:40_000], 10)]
    turns, total, role = [], 0, "interviewer"
    while total < words:
        mu, sigma = TURN[role]
        length = max(1, min(600, round(rng.lognormvariate(mu, sigma))))
        tier = enq if role == "interviewer" else rng.choice(people)
        intervals = []
        while length > 0:
            size = min(length, max(1, round(rng.lognormvariate(*INTERVAL))))
            intervals.append(" ".join(speech.utterance(size)))
            length -= size
        total += sum(len(i.split()) for i in intervals)
        turns.append((tier, role, intervals))
        role = "participant" if role == "interviewer" else "interviewer"
    return turns


def textgrid(turns: list[tuple[str, str, list[str]]]) -> str:
    """A Praat TextGrid: one interval tier per speaker (0.3 s a word, 0.4 s between intervals)."""
    tiers: dict[str, list[tuple[float, float, str]]] = {}
    for tier, _, _ in turns:
        tiers.setdefault(tier, [])
    clock = 0.0
    for tier, _, intervals in turns:
        for text in intervals:
            end = round(clock + 0.3 * len(text.split()), 3)
            tiers[tier].append((clock, end, text))
            clock = round(end + 0.4, 3)
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0.0", f"xmax = {clock}",
             "tiers? <exists>", f"size = {len(tiers)}", "item []:"]
    for number, (name, spoken) in enumerate(tiers.items(), 1):
        filled, at = [], 0.0
        for start, end, text in spoken:
            if start > at:
                filled.append((at, start, ""))
            filled.append((start, end, text))
            at = end
        if at < clock:
            filled.append((at, clock, ""))
        lines += [f"    item [{number}]:", '        class = "IntervalTier"', f'        name = "{name}"',
                  "        xmin = 0.0", f"        xmax = {clock}", f"        intervals: size = {len(filled)}"]
        for i, (start, end, text) in enumerate(filled, 1):
            lines += [f"        intervals [{i}]:", f"            xmin = {start}", f"            xmax = {end}",
                      f'            text = "{text}"']
    return "\n".join(lines) + "\n"


def plain_text(turns: list[tuple[str, str, list[str]]]) -> str:
    """A .txt transcript: one ``Name: text`` paragraph per turn, the interviewer as ``ENQ``."""
    return "".join(f"{'ENQ' if role == 'interviewer' else tier}: {' '.join(intervals)}\n\n"
                   for tier, role, intervals in turns)


def build(folder: Path, words: int, *, seed: int = 0, form: str = "textgrid", codes: float = 3.0) -> dict[str, int]:
    """Write interviews of ``words`` words in all into ``folder``; return their counts (files, words,
    distinct word forms)."""
    rng = random.Random(seed)
    speech = Speech(rng, vocabulary(seed), codebook_phrases(), codes)
    folder.mkdir(parents=True, exist_ok=True)
    total = files = 0
    distinct: set[str] = set()
    while total < words:
        size = min(rng.randint(*FILE_WORDS), max(words - total, 500))
        turns = interview(speech, rng, size)
        text = textgrid(turns) if form == "textgrid" else plain_text(turns)
        suffix = ".TextGrid" if form == "textgrid" else ".txt"
        (folder / f"entretien_{files:04d}{suffix}").write_text(text, encoding="utf-8")
        for _, _, intervals in turns:
            for interval in intervals:
                total += len(interval.split())
                distinct.update(WORD_FORM.findall(interval.lower()))
        files += 1
    return {"files": files, "words": total, "distinct": len(distinct)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="Folder to write the interviews into.")
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["textgrid", "txt"], default="textgrid")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--codes", type=float, default=3.0, help="Codebook phrases per 1,000 words.")
    args = parser.parse_args()
    counts = build(args.out, args.words, seed=args.seed, form=args.format, codes=args.codes)
    print(f"{counts['files']} files, {counts['words']:,} words, {counts['distinct']:,} distinct word forms "
          f"({counts['distinct'] / counts['words'] * 1e6:,.0f} per million words) in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
