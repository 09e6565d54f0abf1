"""A codebook's rules compiled into spaCy matchers for one language, and the ids of the rules that fire.

Plain terms go to ``PhraseMatcher`` s (on folded lemmas and on folded forms), token patterns to a
``Matcher``, proximity rules to a ``PhraseMatcher`` of their words whose hits :func:`_near` groups. A match
is reported as (rule id, start, end); a rule id (``code:language:kind:...``) names its code and kind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from qualcode.coding.anchors import Anchors
from qualcode.ingest.nlp import fold, get_pipeline
from qualcode.model.codebook import Code, Rules

__all__: list[str] = []

_FOLDED_ATTRS = ("LEMMA", "NORM", "LOWER")


class _Compiled:
    """The codebook's rules for one language, compiled against that language's pipeline."""

    def __init__(self, codes: Iterable[Code], language: str, model: str | None) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = get_pipeline(language, model)
        vocab = self.nlp.vocab
        self.lemma = PhraseMatcher(vocab, attr="LEMMA")
        self.norm = PhraseMatcher(vocab, attr="NORM")
        self.tokens = Matcher(vocab)
        self.near_words = PhraseMatcher(vocab, attr="LEMMA")
        self.near_rules: dict[str, tuple[int, int]] = {}
        self.near_pending: list[tuple[str, str, int, str]] = []
        self.near_index: dict[tuple[int, tuple[int, ...]], list[tuple[str, int]]] = {}  # (key hash, lemmas)
        self.regexes: list[tuple[str, str, Any]] = []
        self.code_of: dict[str, str] = {}
        self.excluding: dict[str, str] = {}
        # (key hash, L/N, lemma or norm hashes): the matchers report keys as hashes; no string lookups
        self.rule_of: dict[tuple[int, str, tuple[int, ...]], str] = {}
        # Which paragraphs can match at all (qualcode.coding.anchors), looked for by words other than stop words
        stop = self.nlp.Defaults.stop_words
        self.anchors = Anchors({vocab.strings[w] for w in stop} | {vocab.strings[fold(w)] for w in stop})
        phrases: list[tuple[str, str, str]] = []
        for code in codes:
            for rules in code.rules_for(language):
                phrases += self._add_rules(code.id, language, rules)
        self._add_phrases(phrases)
        self.has_token_rules = bool(len(self.lemma) or len(self.norm) or len(self.tokens) or len(self.near_words))

    def _add_rules(self, code: str, language: str, rules: Rules) -> list[tuple[str, str, str]]:
        import regex

        prefix = f"{code}:{language}"
        phrases = [(code, f"{prefix}:term:{t}", t) for t in rules.terms]
        phrases += [(f"!{code}", f"{prefix}:exclude:{t}", t) for t in rules.exclude]
        phrases += [(f"~{code}", f"{prefix}:unless:{t}", t) for t in rules.unless]
        for c in rules.context:  # one key per rule: a phrase may be in two rules of one code
            phrases += [(f"@{code}:{c.id}", f"{prefix}:context:{c.id}:{t}", t) for t in c.terms]
            phrases += [(f"+{code}:{c.id}", f"{prefix}:with:{c.id}:{t}", t) for t in c.context]
        for p in rules.patterns:
            rule_id = f"{prefix}:pattern:{p.id}"
            self.code_of[rule_id] = code
            folded = [_fold_token(t) for t in p.pattern]
            self.tokens.add(rule_id, [folded])
            self.anchors.pattern(folded, self.nlp.vocab.strings.__getitem__)
        for n in rules.near:
            rule_id = f"{prefix}:near:{n.id}"
            self.code_of[rule_id] = code
            self.near_rules[rule_id] = (len(n.words), n.window)
            self.near_pending += [(code, rule_id, i, w) for i, group in enumerate(n.words) for w in group]
        for r in rules.regex:
            rule_id = f"{prefix}:regex:{r.id}"
            self.code_of[rule_id] = code
            self.regexes.append((rule_id, code, regex.compile(r.pattern, regex.IGNORECASE)))
        return phrases

    def _add_phrases(self, phrases: list[tuple[str, str, str]]) -> None:
        """Terms go to the phrase matchers under one key per code (``!code`` for exclusions): spaCy makes a
        lexeme of every key, which per rule would make a large codebook slow to compile. The rule is found
        again from the matched lemmas or norms."""
        strings = self.nlp.vocab.strings
        texts = list(dict.fromkeys(text for _, _, text in phrases))
        with self.nlp.select_pipes(enable=[n for n in self.nlp.pipe_names if n != "sentencizer"]), \
                _uncached(self.nlp.tokenizer):
            docs = dict(zip(texts, self.nlp.pipe(texts, batch_size=1000), strict=True))
        by_key: dict[str, list[Any]] = {}
        exact: dict[str, list[Any]] = {}
        for key, rule_id, text in phrases:
            doc = docs[text]
            code = _code_of(rule_id)
            norms = tuple(t.norm for t in doc)
            if text.startswith("="):  # an exact form: matched on the folded form only, not on the lemma
                doc = doc[1:].as_doc() if len(doc) > 1 and doc[0].text == "=" else doc
                norms = tuple(t.norm for t in doc)
                exact.setdefault(key, []).append(doc)
                self.anchors.all_of([[norms]])
            else:
                by_key.setdefault(key, []).append(doc)
                lemmas = tuple(t.lemma for t in doc)
                self.rule_of.setdefault((strings.add(key), "L", lemmas), rule_id)
                self.anchors.all_of([[lemmas, norms]])
            self.rule_of.setdefault((strings.add(key), "N", norms), rule_id)
            (self.code_of if key == code or key.startswith("@") else self.excluding)[rule_id] = code
        for key, key_docs in by_key.items():
            self.lemma.add(key, key_docs)
            self.norm.add(key, key_docs)
        for key, key_docs in exact.items():
            self.norm.add(key, key_docs)
        # Proximity words likewise: one key per code, the rule and word group found again from the lemmas.
        words: dict[str, list[Any]] = {}
        pending = self.near_pending
        with _uncached(self.nlp.tokenizer):
            near_docs = list(self.nlp.pipe((w for *_, w in pending), batch_size=1000))
        groups: dict[str, dict[int, list[tuple[int, ...]]]] = {}  # rule -> group -> its words' lemmas
        for (code, rule_id, group, _), doc in zip(pending, near_docs, strict=True):
            words.setdefault(code, []).append(doc)
            lemmas = tuple(t.lemma for t in doc)
            self.near_index.setdefault((strings.add(code), lemmas), []).append((rule_id, group))
            groups.setdefault(rule_id, {}).setdefault(group, []).append(lemmas)
        for rule_id, by_group in groups.items():  # a word of every group: a paragraph without one cannot match
            self.anchors.all_of(by_group.values() if len(by_group) == self.near_rules[rule_id][0] else [[]])
        for key, key_docs in words.items():
            self.near_words.add(key, key_docs)
        self.near_pending = []

    def match(self, doc: Any, offset: int) -> Iterable[tuple[str, int, int]]:
        """(rule id, start, end) of every match in ``doc``, offsets shifted by ``offset``."""
        strings = self.nlp.vocab.strings
        by_lemma = self.lemma(doc) if len(self.lemma) else ()
        by_norm = self.norm(doc) if len(self.norm) else ()
        near = self.near_words(doc) if len(self.near_words) else ()
        tokens = self.tokens(doc) if len(self.tokens) else ()
        if not (by_lemma or by_norm or near or tokens):
            return []
        from spacy.attrs import IDX, LEMMA, LENGTH, NORM

        lemma, norm, idx, length = doc.to_array([LEMMA, NORM, IDX, LENGTH]).T.tolist()
        rule_of, out = self.rule_of, []
        for match_id, start, end in by_lemma:
            rule_id = rule_of.get((match_id, "L", tuple(lemma[start:end])))
            if rule_id is not None:
                out.append((rule_id, offset + idx[start], offset + idx[end - 1] + length[end - 1]))
        if by_norm:  # the same span found on lemmas needs no second look
            seen = set(by_lemma)
            for match_id, start, end in by_norm:
                if (match_id, start, end) not in seen:
                    rule_id = rule_of.get((match_id, "N", tuple(norm[start:end])))
                    if rule_id is not None:
                        out.append((rule_id, offset + idx[start], offset + idx[end - 1] + length[end - 1]))
        out += [(strings[m], offset + idx[s], offset + idx[e - 1] + length[e - 1]) for m, s, e in tokens]
        hits: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in near:
            for rule_id, group in self.near_index.get((match_id, tuple(lemma[start:end])), ()):
                hits.setdefault(rule_id, []).append((start, group))
        for rule_id, found_words in hits.items():
            groups, window = self.near_rules[rule_id]
            for first, last in _near(sorted(set(found_words)), groups, window):
                out.append((rule_id, offset + idx[first], offset + idx[last] + length[last]))
        return out


@contextlib.contextmanager
def _uncached(tokenizer: Any) -> Iterator[None]:
    """Tokenize a codebook's terms without filling the tokenizer's cache, which is the corpus's: spaCy only
    caches while the cache holds fewer than ``max_cache_size`` chunks. (Flushing it after each compile threw
    away every word of the corpus seen so far.)"""
    size = tokenizer.max_cache_size
    tokenizer.max_cache_size = 0
    try:
        yield
    finally:
        tokenizer.max_cache_size = size


def _fold_token(token: Any) -> dict[str, Any]:
    out = {}
    for key, value in token.items():
        if key in _FOLDED_ATTRS and isinstance(value, str):
            value = fold(value)
        elif key in _FOLDED_ATTRS and isinstance(value, dict):
            value = {op: [fold(v) for v in vs] if isinstance(vs, list) else vs for op, vs in value.items()}
        out[key] = value
    return out


def _near(hits: list[tuple[int, int]], groups: int, window: int) -> list[tuple[int, int]]:
    """Token spans (first, last) where a word of every group occurs, at most ``window`` tokens apart.

    ``hits`` are (token index, group) pairs sorted by token. For each hit, the span runs from it to the
    first later hit by which every group has been met, going on only while each hit is within ``window``
    tokens of the previous one. Linear: hits are cut into chains at every gap wider than ``window``, and in
    each chain two pointers move forward only (the end of the shortest span never moves back).
    """
    out: list[tuple[int, int]] = []
    start, n = 0, len(hits)
    while start < n:
        end = start + 1
        while end < n and hits[end][0] - hits[end - 1][0] - 1 <= window:
            end += 1
        counts: dict[int, int] = {}
        covered, j = 0, start
        for i in range(start, end):
            while covered < groups and j < end:
                group = hits[j][1]
                counts[group] = counts.get(group, 0) + 1
                covered += counts[group] == 1
                j += 1
            if covered < groups:
                break  # no later start in this chain can meet every group either
            out.append((hits[i][0], hits[j - 1][0]))
            group = hits[i][1]
            counts[group] -= 1
            covered -= counts[group] == 0
        start = end
    return out


_RULES: dict[str, tuple[str, str, str]] = {}  # rule id -> (code, kind, context rule id), parsed once


def _rule(rule_id: str) -> tuple[str, str, str]:
    """The code of a rule id (``code:language:kind:...``; code ids have no colon), its kind, and for the
    ``context`` and ``with`` parts of a context rule, that rule's id."""
    info = _RULES.get(rule_id)
    if info is None:
        parts = rule_id.split(":", 4)
        kind = parts[2] if len(parts) > 2 else "term"
        info = _RULES[rule_id] = (parts[0], kind, parts[3] if kind in ("context", "with") else "")
    return info


def _code_of(rule_id: str) -> str:
    return _rule(rule_id)[0]
