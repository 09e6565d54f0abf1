"""What a paragraph must contain for compiled rules to match in it, so that a re-code looks only there.

After a codebook edit, the changed codes are matched again over tokens kept from the first coding
(:mod:`qualcode.coding.memory`). Rebuilding spaCy Docs of every paragraph for them costs more than the
matching; yet a term can only match where the lemmas (or norms) of all its words occur, a proximity rule
where a word of each group occurs, a token pattern where each of its required tokens' values occurs. So the
rules are kept as a test on the set of values a paragraph holds, and only paragraphs that pass are rebuilt
and matched. The test lets through every paragraph that can match (it never decides a match itself: the
spaCy matchers still do), so the matches are exactly those of matching everything.

A rule is a conjunction of clauses; a clause is satisfied when one of its alternatives (a set of value
hashes) is wholly present. A rule that the values cannot tell (a token pattern whose every required token
is, say, ``{"LIKE_NUM": true}``) makes every paragraph pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from itertools import pairwise
from typing import Any

__all__: list[str] = []

_VALUE_ATTRS = ("LEMMA", "NORM", "ORTH", "TEXT")  # attributes whose values the kept tokens hold
_REPEAT = re.compile(r"\{(\d*)(?:,(\d*))?\}\Z")

Clause = tuple[frozenset[int], ...]  # alternatives: one of them must be wholly present


class Anchors:
    """The values each rule needs, and the test of a paragraph's values against them.

    ``common`` holds the values too frequent to look for first (stop words): paragraphs are found by the
    other values of each alternative, then those found are tested on every value (so a phrase of stop words
    and one verb is looked for by the verb, then kept only where its stop words occur too).
    """

    def __init__(self, common: AbstractSet[int] = frozenset()) -> None:
        self.common = common
        self.always = False  # some rule can match whatever the values: every paragraph passes
        self.forms = False  # some rule needs a form (ORTH or TEXT), not only lemmas and norms
        self._rules: list[tuple[Clause, ...]] = []
        # per rule, the same without its common values (a looser first test), or None where it has none
        self._looser: list[tuple[Clause, ...] | None] = []
        self._lookups: dict[bool, tuple[Any, Any]] = {}  # the values looked for (all, or the first test's)

    def all_of(self, clauses: Iterable[Iterable[Iterable[int]]]) -> None:
        """A rule that needs, for each clause, one of its alternatives (value hashes, all present)."""
        rule = tuple(tuple(frozenset(alt) for alt in clause) for clause in clauses)
        if not rule or any(not clause or any(not alt for alt in clause) for clause in rule):
            self.always = True  # an empty clause or alternative: nothing to look for
            return
        # Each alternative by its uncommon values; a clause with only common values is left out of this
        # first test (the full one has it), unless the rule has no other.
        first = [tuple((alt - self.common) or alt for alt in clause) for clause in rule
                 if any(alt - self.common for alt in clause)]
        self._rules.append(rule)
        self._looser.append(None if not first or first == list(rule) else tuple(first))
        self._lookups = {}

    def pattern(self, pattern: Sequence[Mapping[str, Any]], hash_of: Callable[[str], int]) -> None:
        """A spaCy ``Matcher`` pattern (values already folded): a clause per required token whose LEMMA,
        NORM, ORTH or TEXT is a string or an ``IN`` list; with none, every paragraph passes."""
        clauses = []
        for token in pattern:
            if not _required(token.get("OP")):
                continue
            for attr in _VALUE_ATTRS:
                value = token.get(attr)
                self.forms |= value is not None and attr in ("ORTH", "TEXT")
                if isinstance(value, str):
                    clauses.append([[hash_of(value)]])
                    break
                if isinstance(value, Mapping) and set(value) == {"IN"} and isinstance(value["IN"], list) \
                        and value["IN"] and all(isinstance(v, str) for v in value["IN"]):
                    clauses.append([[hash_of(v)] for v in value["IN"]])
                    break
        if clauses:
            self.all_of(clauses)
        else:
            self.always = True

    def units(self, hashes: Any, low: Any, unit: Any) -> set[int] | None:
        """The units that may match: ``hashes`` holds the value hashes of each token (one row per token: its
        ORTH, LEMMA and NORM), ``low`` their low 16 bits (``uint16``), ``unit`` the unit (paragraph) of
        each token, in increasing order. None: every unit."""
        import numpy as np

        if self.always:
            return None
        if not self._rules or not len(hashes):
            return set()
        if not self.forms:  # the columns of lemmas and norms only
            hashes, low = hashes[:, 1:], low[:, 1:]
        first = self._held(hashes, low, unit, full=False)
        out: set[int] = set()
        unsure: dict[int, set[int]] = {}  # rule -> the units where its uncommon values are as it needs them
        for r, (rule, looser) in enumerate(zip(self._rules, self._looser, strict=True)):
            found = _satisfied(looser or rule, first)
            if looser is None:
                out |= found
            elif found:
                unsure[r] = set(found)
        for units in unsure.values():
            units -= out
        wanted = set().union(*unsure.values())
        if wanted:  # then the rules found by part of their values, on every value, in those units only
            keep = np.isin(unit, np.fromiter(wanted, dtype=unit.dtype, count=len(wanted)), kind="table")
            held = self._held(hashes[keep], low[keep], unit[keep], full=True)
            for r, units in unsure.items():
                out |= units & _satisfied(self._rules[r], held)
        return out

    def _held(self, hashes: Any, low: Any, unit: Any, full: bool) -> dict[int, set[int]]:
        """Per value looked for (``full``: every value of the rules with a looser test; else the values of
        each rule's first test), the units whose tokens hold it."""
        import numpy as np

        known = self._lookups.get(full)
        if known is None:
            rules = ([rule for rule, looser in zip(self._rules, self._looser, strict=True) if looser is not None]
                     if full else [looser or rule for rule, looser in zip(self._rules, self._looser, strict=True)])
            values = np.array(sorted({v for rule in rules for clause in rule for alt in clause for v in alt}),
                              dtype=np.uint64)
            seen = np.zeros(_BUCKETS, dtype=bool)  # by the low bits of the hashes: a quick first look
            seen[(values & np.uint64(_BUCKETS - 1)).astype(np.intp)] = True
            known = self._lookups[full] = (values, seen)
        values, seen = known
        if not len(values):
            return {}
        rows, cols = np.nonzero(seen[low])
        candidates = hashes[rows, cols]
        exact = values[np.minimum(np.searchsorted(values, candidates), len(values) - 1)] == candidates
        found, units = candidates[exact], unit[rows[exact]]  # the tokens holding a value some rule needs
        order = np.argsort(found, kind="stable")
        found, units = found[order], units[order]
        cuts = [0, *(np.flatnonzero(found[1:] != found[:-1]) + 1).tolist(), len(found)]
        return {int(found[lo]): set(units[lo:hi].tolist()) for lo, hi in pairwise(cuts) if hi > lo}


_BUCKETS = 1 << 16


def _satisfied(rule: tuple[Clause, ...], held: dict[int, set[int]]) -> AbstractSet[int]:
    """The units where ``rule`` holds, given the units holding each value (intersections cost the smaller
    set; most rules stop at their first value, absent from the transcript)."""
    out: AbstractSet[int] | None = None
    for clause in rule:
        union: AbstractSet[int] = _NONE
        for alt in clause:
            both: AbstractSet[int] | None = None
            for value in alt:
                units = held.get(value, _NONE)
                both = units if both is None else both & units
                if not both:
                    break
            if both:
                union = both if not union else union | both
        out = union if out is None else out & union
        if not out:
            return _NONE
    return out or _NONE


_NONE: frozenset[int] = frozenset()


def _required(op: Any) -> bool:
    """Whether a token with this ``OP`` must be present at least once for the pattern to match."""
    if op is None or op in ("1", "+"):
        return True
    found = _REPEAT.match(op) if isinstance(op, str) else None
    return bool(found and found.group(1) and int(found.group(1)) >= 1)
