"""The automatic coder: a codebook compiled into spaCy matchers, applied to the segments of transcripts.

Shaped like spaCy's ``SpanRuler``: plain terms go to ``PhraseMatcher`` s (on folded lemmas and on folded
forms), token and proximity patterns to a ``Matcher``, regular expressions run with a timeout. Every match
is kept as evidence with its offsets and the id of the rule that fired, so each coding explains itself.
The matchers are built in :mod:`qualcode.coding.matchers`; matches become the evidence of segments in
:mod:`qualcode.coding.assign`.
"""

from __future__ import annotations

import hashlib
import logging
import os
from bisect import bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from qualcode.coding import memory
from qualcode.coding.assign import _assign, _chosen
from qualcode.coding.matchers import _code_of, _Compiled
from qualcode.ingest.nlp import get_pipeline, pieces
from qualcode.model.codebook import Code, Codebook
from qualcode.model.results import CodedDocument, CodingResult, Evidence, build_result
from qualcode.model.transcript import UNITS, Segment, Transcript

if TYPE_CHECKING:
    from qualcode.coding.similarity import EvidenceModel, Similarity
    from qualcode.ingest.corpus import Corpus

__all__ = ["Coder"]

BATCH_CHARS = 5_000  # characters of paragraphs joined into one spaCy Doc (see _batches)
MAX_TIMEOUTS = 3  # documents in which a regex rule may time out before it is switched off for the run
_LOG = logging.getLogger("qualcode")
MATCHER_VERSION = "3"  # part of every cached match's key: change it when matching itself changes


_SEPARATOR = "\n\n"  # between the paragraphs of one batch: a space token, which no term contains
# Characters of segments embedded at once. The embedder pads each batch to its longest text, so one call
# over every segment of a long transcript holds 64 x (its longest segment) token vectors: about 100 MB per
# process for a transcript of 2,000-word turns. Calls over parts of this many characters (count x longest)
# give the same similarities in a bounded array.
_EMBED_CHARS = 20_000


def _batches(texts: list[tuple[int, str]], limit: int = BATCH_CHARS) -> list[list[tuple[int, str]]]:
    """Paragraphs (offset, text) grouped into batches of at most ``limit`` characters, each to be joined
    into one spaCy Doc: one Doc per paragraph would cost more in spaCy's per-Doc work than in tokens, and
    large Docs lose spaCy 3.8's tokenizer cache after their first special-case token (spaCy issue 13950):
    5,000 characters tokenize twice as fast as 100,000 on real speech, with the same matches."""
    out: list[list[tuple[int, str]]] = []
    size = 0
    for item in texts:
        if not out or size + len(item[1]) > limit:
            out.append([])
            size = 0
        out[-1].append(item)
        size += len(item[1]) + len(_SEPARATOR)
    return out


def _starts(batch: list[tuple[int, str]]) -> list[int]:
    """The offset of each paragraph of a batch in its joined text."""
    starts, position = [], 0
    for _, text in batch:
        starts.append(position)
        position += len(text) + len(_SEPARATOR)
    return starts


def _unjoin(matches: Iterable[tuple[str, int, int]], batch: list[tuple[int, str]]) -> list[tuple[str, int, int]]:
    """Matches in a joined batch mapped back to the transcript's offsets; those that run from one paragraph
    into the next are dropped, so a batch finds exactly what its paragraphs would find one by one."""
    if len(batch) == 1:
        offset, text = batch[0]
        return [(rule, offset + start, offset + end) for rule, start, end in matches if end <= len(text)]
    starts = _starts(batch)
    out = []
    for rule, start, end in matches:
        i = bisect_right(starts, start) - 1
        offset, text = batch[i]
        if end - starts[i] <= len(text):
            out.append((rule, offset + start - starts[i], offset + end - starts[i]))
    return out


class Coder:
    """Codes transcripts with a codebook.

    Parameters
    ----------
    codebook : the codebook; qualcode's default one when None.
    unit : ``"paragraph"`` (default), ``"sentence"`` or ``"turn"``: the segments that receive codes.
    language : force a language for every transcript instead of each transcript's own (detected) one.
    model : an installed spaCy model (e.g. ``"fr_core_news_sm"``) for lemmas, instead of lookup tables.
    similarity : the semantic evidence layer (:mod:`qualcode.coding.similarity`, on by default): each
        coding gets a score from its rule hits and the segment's similarity to the code's definition and
        examples; a rule hit scoring under the model's threshold is dropped, and a segment without a rule hit
        is coded when its similarity alone scores high enough (``rule`` = ``code:lang:similar:<prototype>``).
    speakers : ``"participant"`` (default) leaves the interviewers' turns out of coding and counts: their
        questions ("Is staff turnover a problem?") are not the participants' themes. Turns of unknown role
        and text outside any turn (notes without speakers) are still coded. ``"all"`` codes every segment.
    regex_timeout : seconds a regular expression may run on one paragraph before it is abandoned (a
        warning names the rule, logged at once on the ``qualcode`` logger): a user's pattern can never hang a
        run. A rule that timed out is skipped for the rest of that document, and switched off for the rest of
        the run (in this process) once it has timed out in three documents.

    Examples
    --------
    >>> import qualcode as qc
    >>> result = qc.Coder(qc.default_codebook()).code(qc.read_corpus("data/samples"))  # doctest: +SKIP
    """

    def __init__(
        self,
        codebook: Codebook | None = None,
        *,
        unit: str = "paragraph",
        language: str | None = None,
        model: str | None = None,
        similarity: bool = True,
        speakers: str = "participant",
        regex_timeout: float = 0.5,
    ) -> None:
        self.codebook = codebook
        self.unit = unit
        self.language = language
        self.model = model
        self.similarity = similarity
        self.speakers = speakers
        self.regex_timeout = regex_timeout

    def __getstate__(self) -> dict[str, Any]:
        # Compiled matchers stay behind: a worker process or Dask worker compiles its own, once.
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    @property
    def codebook_(self) -> Codebook:
        if self.codebook is None:
            from qualcode.ingest.codebook_io import default_codebook

            self.codebook = default_codebook()
        return self.codebook

    @property
    def name(self) -> str:
        """The coder's name in codings: ``auto:<codebook name>``."""
        return f"auto:{self.codebook_.name}"

    def _compiled(self, language: str, codes: tuple[Code, ...] | None = None) -> _Compiled:
        """The matchers of every code (or of ``codes``) for ``language``, compiled once per process for the
        same rules (keyed on the rules, not the code ids: another codebook with those ids is compiled anew)."""
        keys = self.rule_keys(language)
        chosen = self.codebook_.codes if codes is None else codes
        key = (language, self.model, tuple(keys.get(c.id) for c in chosen), tuple(c.id for c in chosen))
        compiled = memory.COMPILED.get(key)
        if compiled is None:
            compiled = memory.COMPILED.put(key, _Compiled(chosen, language, self.model))
        return compiled

    def rule_keys(self, language: str) -> dict[str, str]:
        """Per code with rules for ``language``: a key of those rules and of the lemmas used (the model).

        Matches are a function of a paragraph and of this key only, so they can be cached per code: after
        a codebook change only the codes whose key changed are matched again.
        """
        cache = self.__dict__.setdefault("_rule_keys_", {})
        book = self.codebook_
        if cache.get(language, (None,))[0] is not book:  # like the compiled matchers: once per codebook
            keys = {}
            for code in book:
                rules = code.rules_for(language)
                if rules:
                    blob = repr((MATCHER_VERSION, code.id, language, self.model, rules))
                    keys[code.id] = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
            cache[language] = (book, keys)
        return cache[language][1]

    def code_transcript(
        self, transcript: Transcript, *, matches: dict[str, list] | None = None,
        tokens: dict[int, memory.Tokens] | None = None, remember: bool = True,
    ) -> CodedDocument:
        """Segment and code one transcript.

        ``matches`` (optional) is a cache of the transcript's matches per code rule key (see
        :meth:`rule_keys`), as :class:`qualcode.coding.cache.Cache` keeps them: codes found there are not matched
        again, and the matches of the others are added to it. ``tokens`` (optional, with ``matches``) keeps the
        transcript's tokens the same way (a :class:`qualcode.coding.memory.Tokens` by batch size): the codes
        missing from ``matches`` are matched over them, in the paragraphs where they can match, instead of
        tokenizing the transcript again; when it was tokenized, its tokens are added. Without ``matches``, and
        with ``remember``, this process keeps the matches and the tokens itself (:mod:`qualcode.coding.memory`),
        so that coding the same transcript again after a codebook edit matches only the codes whose rules
        changed.
        """
        if self.unit not in UNITS:
            raise ValueError(f"The 'unit' parameter of Coder must be one of {', '.join(UNITS)}. "
                             f"Got {self.unit!r} instead.")
        language = self.language or transcript.language or "en"
        warnings: list[str] = []
        timed_out: set[str] = set()
        key = memory.transcript_key(transcript, language) if matches is None and remember else None
        if key is not None:
            matches = memory.MATCHES.get((key, self.model)) or memory.MATCHES.put((key, self.model), {})
        if matches is None:
            found = self._match(self._compiled(language), transcript, warnings, timed_out)
        else:
            found = self._match_with_cache(language, transcript, matches, warnings, timed_out, key, tokens)
        nlp = get_pipeline(language, self.model) if self.unit == "sentence" else None
        if key is None:
            segments = transcript.segments(self.unit, nlp=nlp)
        else:
            segments = memory.segments(transcript, key, self.unit, self.model if nlp is not None else None,
                                       lambda: transcript.segments(self.unit, nlp=nlp))
        segments = _chosen(segments, self.speakers)
        speakers = self._speakers(language)
        blocked: dict[int, set[str]] = {}
        evidence = _assign(found, segments, transcript.text, speakers, blocked)
        scores = (self._score(segments, evidence, blocked, speakers, language, keep=key is not None)
                  if self.similarity else {})
        return CodedDocument(transcript, segments, evidence, warnings, self.codebook_, scores)

    def _score(
        self, segments: list[Segment], evidence: dict[int, list[Evidence]], blocked: dict[int, set[str]],
        speakers: dict[str, frozenset[str]], language: str, *, keep: bool = False,
    ) -> dict[tuple[int, str], float]:
        """Score every (segment, code) with the evidence model: drop rule hits under its threshold, code the
        segments whose similarity alone reaches ``similar_threshold`` (never where a guard cancelled the
        code). Changes ``evidence`` in place; returns the scores of the codings kept. With ``keep``, the
        segments' embeddings are kept in this process (:data:`memory.EMBEDDINGS`) for the next coding."""
        from qualcode.coding.similarity import evidence_model, features

        book = self.codebook_
        cached = self._similarity()
        model = evidence_model(book)
        # Only segments that can be coded need a similarity: those with a rule hit, and those whose length
        # would let similarity alone reach the threshold (none, with the shipped thresholds). Same result,
        # a fraction of the embedding.
        least = _fewest_words(model)  # a segment shorter cannot be coded on similarity alone
        chosen = [i for i, seg in enumerate(segments) if seg.segment_id in evidence or (
            least is not None and len(seg.text) >= least and len(seg.text.split()) >= least)]
        words = {i: len(segments[i].text.split()) for i in chosen}
        nearest: dict[str, dict[int, tuple[float, str]]] = {}
        for part in _by_size([segments[i].text for i in chosen], _EMBED_CHARS):  # a bounded array each
            texts = [segments[chosen[i]].text for i in part]
            vectors = memory.embeddings(texts) if keep else None
            for code, values in cached.nearest(texts, language, vectors=vectors).items():
                nearest.setdefault(code, {}).update(zip((chosen[i] for i in part), values, strict=True))
        scores: dict[tuple[int, str], float] = {}
        for i in chosen:
            seg = segments[i]
            found = evidence.get(seg.segment_id, [])
            rules: dict[str, list[str]] = {}
            for e in found:
                rules.setdefault(e.code, []).append(e.rule)
            dropped: set[str] = set()
            for code in book.ids:
                value, prototype = nearest[code][i] if code in nearest else (0.0, "")
                score = model.score(features(rules.get(code, ()), value, words[i]))
                if code in rules:
                    if score >= model.threshold:
                        scores[(seg.segment_id, code)] = score
                    else:
                        dropped.add(code)
                elif prototype and score >= model.similar_threshold and code not in blocked.get(i, ()) and (
                        code not in speakers or (getattr(seg, "speaker_role", None) or "unknown") in speakers[code]):
                    found.append(Evidence(code, seg.start, seg.end, f"{code}:{language}:similar:{prototype}",
                                          seg.text))
                    scores[(seg.segment_id, code)] = score
            kept = [e for e in found if e.code not in dropped]
            if kept:
                evidence[seg.segment_id] = kept
            else:
                evidence.pop(seg.segment_id, None)
        return scores

    def _match_with_cache(
        self, language: str, transcript: Transcript, known: dict[str, list], warnings: list[str],
        timed_out: set[str], key: str | None = None, tokens: dict[int, memory.Tokens] | None = None,
    ) -> list[tuple[str, int, int]]:
        keys = self.rule_keys(language)
        missing, codes = self._missing(language, known)
        fresh: dict[str, list] = {}
        if missing:
            for match in self._match(self._compiled(language, codes), transcript, warnings, timed_out, key, tokens):
                fresh.setdefault(_code_of(match[0]), []).append(match)
            for code in missing:
                if code not in timed_out:  # a rule abandoned on a timeout is tried again next time
                    known[keys[code]] = fresh.get(code, [])
        return [m for code, key in keys.items() for m in (fresh.get(code) or known.get(key, []))]

    def _speakers(self, language: str) -> dict[str, frozenset[str]]:
        """Per code whose rules for ``language`` name ``speakers``, the roles it may be given in."""
        return {c.id: frozenset(r.speakers) for c in self.codebook_ for r in c.rules_for(language) if r.speakers}

    def _missing(self, language: str, known: dict[str, list]) -> tuple[list[str], tuple[Code, ...] | None]:
        """The ids of the codes whose matches ``known`` lacks, and the codes to compile for them (None: every
        code, the compiled matchers of the whole codebook)."""
        keys = self.rule_keys(language)
        missing = [code for code, key in keys.items() if key not in known]
        return missing, None if len(missing) == len(keys) else tuple(self._code_by_id()[c] for c in missing)

    def prepare(self, language: str, *, matches: dict[str, list] | None = None) -> bool:
        """Build ``language``'s pipeline and compile the matchers that coding a transcript in that language
        needs: every code's, or, given ``matches`` (a transcript's cached matches), those of the codes it lacks.

        Coding does this itself when it first needs to; the engine calls it before forking worker
        processes, so that they share this process's spaCy (its French tokenizer takes seconds to build)
        and compiled codebook instead of each building its own. Returns False, having done nothing, when
        ``matches`` holds every code's matches and the unit needs no sentences.
        """
        if self.similarity:  # the embedding model (60 MB) and the codebook's examples, shared by forked workers
            self._similarity().prepare(language)
        if self.unit == "sentence":
            get_pipeline(language, self.model)
        codes = None
        if matches is not None:
            missing, codes = self._missing(language, matches)
            if not missing:
                return self.unit == "sentence"
        self._compiled(language, codes)
        return True

    def _similarity(self) -> Similarity:
        """The codebook's :class:`~qualcode.coding.similarity.Similarity`, made once per codebook."""
        from qualcode.coding.similarity import Similarity

        book = self.codebook_
        cached = self.__dict__.get("_similarity_")
        if cached is None or cached.codebook is not book:
            cached = self.__dict__["_similarity_"] = Similarity(book)
        return cast("Similarity", cached)

    def _code_by_id(self) -> dict[str, Code]:
        book = self.codebook_
        cached = self.__dict__.get("_by_id_")
        if cached is None or cached[0] is not book:
            cached = self.__dict__["_by_id_"] = (book, {c.id: c for c in book})
        return cached[1]

    def _match(
        self, compiled: _Compiled, transcript: Transcript, warnings: list[str], timed_out: set[str],
        key: str | None = None, tokens: dict[int, memory.Tokens] | None = None,
    ) -> list[tuple[str, int, int]]:
        """Every match of ``compiled``'s rules in the transcript's paragraphs: (rule id, start, end).

        Given the transcript's kept tokens (``tokens``, or this process's under ``key``), only the paragraphs
        where ``compiled`` can match are made into spaCy Docs again, from those tokens
        (:mod:`qualcode.coding.anchors`); else every paragraph is tokenized, and its tokens kept there (with
        qualcode's lookup lemmas: a model's tags are not kept).
        """
        found: list[tuple[str, int, int]] = []
        kept = None
        if self.model is None:
            kept = tokens.get(BATCH_CHARS) if tokens is not None else (
                memory.TOKENS.get((key, BATCH_CHARS)) if key is not None else None)
        texts = [] if kept is not None and not compiled.regexes else [
            (offset, text) for p in transcript.paragraphs for offset, text in pieces(transcript.text[p.start : p.end], p.start)]
        if compiled.regexes:
            for offset, text in texts:
                found += self._regex_matches(compiled, text, offset, transcript.id, warnings, timed_out)
        if not compiled.has_token_rules:
            return found
        docs: Iterable[tuple[list[tuple[int, str]], Any]]
        if kept is not None:
            docs = kept.docs(compiled.nlp.vocab, transcript.text, compiled.anchors.units(*kept.columns()))
        else:
            docs = self._tokenize(compiled.nlp, _batches(texts), key, tokens)
        for batch, doc in docs:
            found += _unjoin(compiled.match(doc, 0), batch)
        return found

    def _tokenize(
        self, nlp: Any, batches: list[list[tuple[int, str]]], key: str | None,
        tokens: dict[int, memory.Tokens] | None = None,
    ) -> Iterable[tuple[list[tuple[int, str]], Any]]:
        """The batches and their spaCy Docs, whose tokens are kept in ``tokens`` (with their word forms, for
        another process), else in this process under ``key``; neither when the lemmas come from a model."""
        skip = ["sentencizer"] if "sentencizer" in nlp.pipe_names else []
        docs = nlp.pipe((_SEPARATOR.join(t for _, t in batch) for batch in batches), disable=skip)
        if (key is None and tokens is None) or self.model is not None:
            return zip(batches, docs, strict=True)
        docs = list(docs)
        made = memory.Tokens.of(docs, batches, [_starts(b) for b in batches])
        if tokens is not None:
            tokens[BATCH_CHARS] = made.with_forms(nlp.vocab)
        else:
            memory.TOKENS.put((key, BATCH_CHARS), made)
        return zip(batches, docs, strict=True)

    def _regex_matches(
        self, compiled: _Compiled, text: str, offset: int, doc_id: str, warnings: list[str], timed_out: set[str]
    ) -> list[tuple[str, int, int]]:
        out = []
        slow: dict[str, int] = self.__dict__.setdefault("_slow_", {})  # rule -> documents it timed out in
        for rule_id, _, pattern in compiled.regexes:
            if rule_id in timed_out:
                continue
            if slow.get(rule_id, 0) >= MAX_TIMEOUTS:  # switched off: this document's matches are incomplete too
                timed_out.update((rule_id, _code_of(rule_id)))
                continue
            try:
                out += [(rule_id, offset + m.start(), offset + m.end())
                        for m in pattern.finditer(text, timeout=self.regex_timeout) if m.end() > m.start()]
            except TimeoutError:
                timed_out.update((rule_id, _code_of(rule_id)))
                slow[rule_id] = slow.get(rule_id, 0) + 1
                gone = slow[rule_id] >= MAX_TIMEOUTS
                message = (f"{doc_id}: regex rule {rule_id!r} took over {self.regex_timeout}s on one paragraph: it "
                           + (f"is switched off for the rest of the run (timed out in {MAX_TIMEOUTS} documents)"
                              if gone else "is skipped for the rest of this document")
                           + "; simplify the pattern (qualcode codebook check finds most slow ones).")
                warnings.append(message)
                _LOG.warning(message)  # at once: a slow rule should not be found out only at the end of a long run
        return out

    def code(
        self,
        corpus: Corpus | Iterable[Transcript] | str | os.PathLike[str] | list[str | os.PathLike[str]],
        *,
        jobs: int = 1,
        client: Any = None,
        cache: Any = None,
    ) -> CodingResult:
        """Code every transcript of ``corpus``; return the tidy tables.

        ``corpus`` is a :class:`Corpus` or transcripts, or files and folders to read (as
        :func:`qualcode.read_corpus` would). Given paths, ``jobs`` worker processes (or the workers of a
        ``dask.distributed.Client`` given as ``client``) read and code them, and a
        :class:`qualcode.Cache` keeps transcripts and matches for the next run: see
        :mod:`qualcode.coding.engine`. The result is the same whichever way it was computed.
        """
        if isinstance(corpus, str | os.PathLike) or (
            isinstance(corpus, list | tuple) and corpus and all(isinstance(p, str | os.PathLike) for p in corpus)
        ):
            from qualcode.coding.engine import code_files

            read, documents = code_files(corpus, self, jobs=jobs, client=client, cache=cache)
            return self.result(documents, read.errors)
        if jobs != 1 or client is not None or cache is not None:
            raise ValueError("jobs, client and cache apply when Coder.code is given files or folders to read; "
                             "pass the paths instead of the loaded corpus.")
        documents = [self.code_transcript(t) for t in cast("Iterable[Transcript]", corpus)]  # paths went above
        return self.result(documents, getattr(corpus, "errors", []))

    def result(self, documents: Iterable[CodedDocument], errors: Iterable[Any] = ()) -> CodingResult:
        """The tidy tables of ``documents`` coded by this coder (and the read ``errors`` of the run)."""
        return build_result(documents, codebook=self.codebook_, unit=self.unit, coder=self.name, errors=errors)


def _fewest_words(model: EvidenceModel) -> int | None:
    """The fewest words from which a segment without a rule hit could reach ``model.similar_threshold``
    (with the highest similarity), or None if no length can: the score is monotonic in the length, so a
    search by halves finds it."""
    from qualcode.coding.similarity import features

    def reaches(words: int) -> bool:
        return model.score(features((), 1.0, words)) >= model.similar_threshold

    if reaches(0):
        return 0
    high = 1
    while not reaches(high):
        if high > 2**40:
            return None
        high *= 2
    low = high // 2  # does not reach
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reaches(middle) else (middle, high)
    return high


def _by_size(texts: list[str], budget: int) -> list[list[int]]:
    """The indexes of ``texts`` in order, cut into runs whose count times longest text stays within
    ``budget`` characters (a text longer than the budget is a run of its own)."""
    runs: list[list[int]] = []
    run: list[int] = []
    longest = 0
    for i, text in enumerate(texts):
        longest = max(longest, len(text))
        if run and (len(run) + 1) * longest > budget:
            runs.append(run)
            run, longest = [], len(text)
        run.append(i)
    return [*runs, run] if run else runs
