"""What a Python process keeps between codings, so that refining a codebook in a notebook is quick.

Coding a corpus again after editing one rule should cost the matching of that rule only. The coder keeps,
for the life of the process and within fixed bounds (least recently used first out):

- each transcript's tokens, lemmas and norms, as arrays (:class:`Tokens`), so that a changed rule is
  matched without tokenizing the texts again (rebuilding Docs from arrays is about five times cheaper);
- each transcript's matches per code rule key (as the disk cache keeps them), so that unchanged codes
  are not matched again;
- compiled matchers, keyed on the rules themselves: a new Coder, or a coder given another codebook, uses
  the matchers of the same rules and compiles the others;
- the segments' sentence embeddings (:func:`embeddings`), keyed on their text, so that scoring them again
  embeds nothing.

Every key holds what the value depends on (the text and its paragraphs, the language, the lemma model,
the rules), so nothing kept can give a result that coding afresh would not.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from qualcode.model.transcript import Transcript

__all__ = ["COMPILED", "EMBEDDINGS", "MATCHES", "TOKENS", "Kept", "embeddings", "transcript_key"]

V = TypeVar("V")


class Kept(Generic[V]):
    """A mapping that forgets its least recently used entries beyond ``limit`` (in the weight of entries)."""

    def __init__(self, limit: int, weight: Callable[[V], int] = lambda value: 1) -> None:
        self.limit, self.weight = limit, weight
        self._items: OrderedDict[Any, tuple[V, int]] = OrderedDict()
        self._total = 0

    def get(self, key: Any) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        self._items.move_to_end(key)
        return item[0]

    def put(self, key: Any, value: V) -> V:
        if key in self._items:
            self._total -= self._items.pop(key)[1]
        weight = self.weight(value)
        self._items[key] = (value, weight)
        self._total += weight
        while self._total > self.limit and len(self._items) > 1:
            _, (_, dropped) = self._items.popitem(last=False)
            self._total -= dropped
        return value

    def clear(self) -> None:
        self._items.clear()
        self._total = 0

    def __len__(self) -> int:
        return len(self._items)


def transcript_key(transcript: Transcript, language: str) -> str:
    """What a transcript's matches depend on: its text, its paragraphs and the language it is coded in."""
    digest = hashlib.sha256(transcript.text.encode("utf-8", "surrogatepass"))
    digest.update(repr((language, [(p.start, p.end) for p in transcript.paragraphs])).encode("utf-8"))
    return digest.hexdigest()


class Tokens:
    """A transcript's batches of paragraphs as spaCy tokenized them: per batch, an array of ORTH, SPACY,
    LEMMA and NORM per token, from which the same Docs are rebuilt without the tokenizer."""

    def __init__(self, arrays: list[Any]) -> None:
        self.arrays = arrays
        self.count = sum(len(a) for a in arrays)

    @classmethod
    def of(cls, docs: list[Any]) -> Tokens:
        from spacy.attrs import LEMMA, NORM, ORTH, SPACY

        return cls([doc.to_array([ORTH, SPACY, LEMMA, NORM]) for doc in docs])

    def docs(self, vocab: Any) -> list[Any]:
        from spacy.attrs import LEMMA, NORM
        from spacy.tokens import Doc

        strings, out = vocab.strings, []
        for array in self.arrays:
            doc = Doc(vocab, words=[strings[o] for o in array[:, 0].tolist()], spaces=array[:, 1].astype(bool).tolist())
            doc.from_array([LEMMA, NORM], array[:, 2:])
            out.append(doc)
        return out


COMPILED: Kept[Any] = Kept(8)  # (language, model, rule keys) -> compiled matchers
MATCHES: Kept[dict[str, list[Any]]] = Kept(20_000)  # (transcript key, model) -> {rule key: matches}
TOKENS: Kept[Tokens] = Kept(4_000_000, weight=lambda tokens: tokens.count)  # about 130 MB of arrays at most
EMBEDDINGS: Kept[Any] = Kept(64 * 2**20, weight=lambda vector: vector.nbytes)  # text digest -> embedding, 64 MB


def embeddings(texts: list[str]) -> Any:
    """:func:`qualcode.coding.similarity.embed` of ``texts``, each text embedded once in this process."""
    import numpy as np

    from qualcode.coding.similarity import embed

    if not texts:
        return embed([])
    keys = [hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in texts]
    found = [EMBEDDINGS.get(k) for k in keys]
    missing = [i for i, vector in enumerate(found) if vector is None]
    if missing:
        for i, vector in zip(missing, embed([texts[i] for i in missing]), strict=True):
            found[i] = EMBEDDINGS.put(keys[i], vector.copy())
    return np.array(found, dtype=np.float32).reshape(len(texts), -1)
