"""spaCy pipelines per language, built once and cached; nothing is downloaded at run time.

The default pipeline needs no neural model: spaCy's tokenizer, a lookup lemmatizer (tables from
``spacy-lookups-data``) and the rule-based sentencizer. Lemmas and norms are folded (lower case, accents and
curly apostrophes removed) so that the codebook's terms match "Pérennité", "perennite" and "pérennités"
alike. ``model="fr_core_news_sm"`` uses the installed statistical model's lemmas instead. Either way the
tokenizer is given no run of more than :data:`RUN_CHARS` characters without a space whole (:class:`BoundedTokenizer`).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache
from typing import Any

from qualcode.ingest.lemma_table import LemmaTable

__all__ = ["RUN_CHARS", "BoundedTokenizer", "fold", "get_pipeline", "lookup_table"]

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'", "´": "'"})


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ``text``, strip its accents and straighten its apostrophes ("Pérennité" -> "perennite")."""
    decomposed = unicodedata.normalize("NFD", text.lower().translate(_APOSTROPHES))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@lru_cache(maxsize=8)
def lookup_table(language: str) -> LemmaTable:
    """spaCy's lookup lemma table for ``language`` (word form to lemma; empty for a language without one), as
    the arrays of :class:`~qualcode.ingest.lemma_table.LemmaTable`: looking words up in forked workers then
    copies none of its memory into them."""
    return LemmaTable.load(language)


_ARRAY_FROM = 64  # tokens from which a Doc's lemmas are set as one array


class FoldedLemmatizer:
    """Sets ``token.lemma_`` to the folded lookup lemma, or folds the lemma a model already set."""

    def __init__(self, language: str, *, from_model: bool = False) -> None:
        self.from_model = from_model
        self._table = LemmaTable() if from_model else lookup_table(language)
        self._cache: dict[int, int] = {}

    def lemma(self, lower: str) -> str:
        key = lower.translate(_APOSTROPHES)
        lemma = self._table.get(key)
        return fold(key if lemma is None else lemma)

    def __call__(self, doc: Any) -> Any:
        cache = self._cache
        if self.from_model:
            for token in doc:
                token.lemma_ = fold(token.lemma_ or token.lower_)
            return doc
        strings = doc.vocab.strings
        if len(doc) < _ARRAY_FROM:  # a codebook's term: token by token costs less than arrays
            for token in doc:  # the cache maps a lower-case form's hash to its lemma's hash
                lemma = cache.get(token.lower)
                if lemma is None:
                    lemma = cache[token.lower] = strings.add(self.lemma(token.lower_))
                token.lemma = lemma
            return doc
        import numpy
        from spacy.attrs import LEMMA, LOWER

        # Each distinct lower-case form once, and the lemmas set in one array, not token by token.
        forms, inverse = numpy.unique(doc.to_array(LOWER), return_inverse=True)
        lemmas = []
        for form in forms.tolist():
            lemma = cache.get(form)
            if lemma is None:
                lemma = cache[form] = strings.add(self.lemma(strings[form]))
            lemmas.append(lemma)
        doc.from_array([LEMMA], numpy.array(lemmas, dtype="uint64")[inverse].reshape(-1, 1))
        return doc


PIECE_CHARS = 100_000  # longer paragraphs go to spaCy in pieces: its max_length is 1M and memory grows with it
_SENTENCE_END = re.compile(r"[.!?…]\s+")
_SPACE = re.compile(r"\s+")


def pieces(text: str, offset: int = 0, limit: int = PIECE_CHARS) -> list[tuple[int, str]]:
    """``text`` cut into pieces of at most ``limit`` characters, as (offset of the piece, piece).

    A cut falls after the last sentence end in the second half of a piece, else after its last space,
    else anywhere (a 50 MB line with no space). A match across a cut is not found: with pieces of 100,000
    characters that is a few words in a very long paragraph.
    """
    out, start = [], 0
    while len(text) - start > limit:
        window = text[start + limit // 2 : start + limit]
        cut = _last_end(_SENTENCE_END, window) or _last_end(_SPACE, window)
        end = start + limit // 2 + cut if cut else start + limit
        out.append((offset + start, text[start:end]))
        start = end
    out.append((offset + start, text[start:]))
    return out


def _last_end(pattern: re.Pattern[str], text: str) -> int:
    end = 0
    for found in pattern.finditer(text):
        end = found.end()
    return end


RUN_CHARS = 64  # the longest run of characters without a space that spaCy's tokenizer is given whole
_LONG_RUN = re.compile(rf"\S{{{RUN_CHARS + 1}}}")
_RUN = re.compile(r"\S*")


class BoundedTokenizer:
    """spaCy's tokenizer, in time linear in the length of a run of characters without a space.

    spaCy splits the prefixes and suffixes off a chunk one at a time, searching the rest again each time, so a
    chunk made only of them costs the square of its length: 8,000 commas, emoji, quotes or « l' » in a row
    took 4 to 8 s, 50,000 closing brackets over 3 minutes (a hang, for a file of 50 kB). A text holding a run
    longer than :data:`RUN_CHARS` is tokenized in parts cut every :data:`RUN_CHARS` characters inside such runs,
    and the parts' Docs are joined with nothing between them: the Doc's text, every token's offset and what the
    tokenizer's exceptions set (norms) are as before, and a token also ends at each cut. No word of French or
    English is that long; a longer URL may be split in two tokens. Any other text goes to spaCy's tokenizer as
    it is. Its cache size is the tokenizer's (``max_cache_size``).
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    @property
    def vocab(self) -> Any:
        return self.tokenizer.vocab

    @property
    def max_cache_size(self) -> int:
        return int(self.tokenizer.max_cache_size)

    @max_cache_size.setter
    def max_cache_size(self, size: int) -> None:
        self.tokenizer.max_cache_size = size

    def __call__(self, text: str) -> Any:
        if _LONG_RUN.search(text) is None:
            return self.tokenizer(text)
        from spacy.tokens import Doc

        return Doc.from_docs([self.tokenizer(part) for part in _parts(text)], ensure_whitespace=False)


def _parts(text: str) -> list[str]:
    """``text`` cut every :data:`RUN_CHARS` characters inside its runs of more than that without a space."""
    cuts: list[int] = []
    position = 0
    while (run := _LONG_RUN.search(text, position)) is not None:
        end = _RUN.match(text, run.end()).end()  # type: ignore[union-attr]  # \S* always matches
        cuts.extend(range(run.start() + RUN_CHARS, end, RUN_CHARS))
        position = end
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


_FACTORY = "qualcode_folded_lemmatizer"
TOKENIZER_CACHE = 200_000


@lru_cache(maxsize=1)
def _register_factory() -> None:
    from spacy.language import Language

    if not Language.has_factory(_FACTORY):
        Language.factory(_FACTORY, default_config={"language": "en", "from_model": False})(
            lambda nlp, name, language, from_model: FoldedLemmatizer(language, from_model=from_model)
        )


def get_pipeline(language: str = "en", model: str | None = None) -> Any:
    """The spaCy pipeline for ``language``, built once per process.

    Parameters
    ----------
    language : a spaCy language code (``"fr"``, ``"en"``...).
    model : the name of an installed spaCy package (e.g. ``"fr_core_news_sm"``) whose lemmas to use;
        by default none is loaded. The model must be installed: nothing is downloaded.
    """
    return _pipeline(language, model or None)


@lru_cache(maxsize=8)
def _pipeline(language: str, model: str | None) -> Any:
    import spacy
    from spacy.attrs import NORM

    from qualcode.ingest.regex_cache import import_language

    import_language(language)  # French: its tokenizer's 1.45 MB expression compiled once, not in each process
    if model:
        try:
            nlp = spacy.load(model, exclude=["ner"])
        except OSError as exc:
            raise ValueError(
                f"The spaCy model {model!r} is not installed. Install it with 'pip install "
                f"{model.replace('_', '-')}', or leave the model unset to use qualcode's lookup lemmas."
            ) from exc
    else:
        nlp = spacy.blank(language)
    nlp.vocab.lex_attr_getters[NORM] = fold  # type: ignore[attr-defined]  # spaCy's vocab.pyi omits it
    # spaCy caches the tokenization of 10,000 distinct chunks; a corpus (or a large codebook) has more.
    # (spaCy types Language.tokenizer as any callable; here it is always its Tokenizer, which has the cache.)
    nlp.tokenizer.max_cache_size = TOKENIZER_CACHE  # type: ignore[union-attr]
    nlp.tokenizer = BoundedTokenizer(nlp.tokenizer)
    _register_factory()
    nlp.add_pipe(_FACTORY, last=True, config={"language": language, "from_model": bool(model)})
    if "parser" not in nlp.pipe_names and "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    return nlp
