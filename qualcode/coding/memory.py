"""What a Python process keeps between codings, so that refining a codebook in a notebook is quick.

Coding a corpus again after editing one rule should cost the matching of that rule only. The coder keeps,
for the life of the process and within fixed bounds (least recently used first out):

- each transcript's tokens, lemmas and norms, as arrays (:class:`Tokens`), so that a changed rule is
  matched without tokenizing the texts again, and only in the paragraphs where it can match
  (:mod:`qualcode.coding.anchors`);
- each transcript's matches per code rule key (as the disk cache keeps them), so that unchanged codes
  are not matched again;
- compiled matchers, keyed on the rules themselves: a new Coder, or a coder given another codebook, uses
  the matchers of the same rules and compiles the others;
- each transcript's segments, so that they are not cut (and made) again;
- the segments' sentence embeddings (:func:`embeddings`), keyed on their text, so that scoring them again
  embeds nothing.

Every key holds what the value depends on (the text and its paragraphs, the language, the lemma model,
the rules), so nothing kept can give a result that coding afresh would not.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from qualcode.model.transcript import Segment, Transcript

__all__ = ["COMPILED", "EMBEDDINGS", "MATCHES", "SEGMENTS", "TOKENS", "Kept", "embeddings", "segments",
           "transcript_key"]

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
    digest.update(language.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(array("q", [x for s in transcript.spans if s.kind == "paragraph" for x in (s.start, s.end)]).tobytes())
    return digest.hexdigest()


class Tokens:
    """A transcript's batches of paragraphs as spaCy tokenized them: an array of SPACY, ORTH, LEMMA and NORM
    per token, where each batch and each of its pieces (paragraphs) starts, and the pieces' offsets and
    lengths in the transcript's text, from which the same Docs are rebuilt without the tokenizer: whole, or
    of some pieces only."""

    def __init__(self, array: Any, batch_starts: list[int], piece_starts: list[Any], whole: list[bool],
                 pieces: list[list[tuple[int, int]]]) -> None:
        self.array = array  # tokens x (SPACY, ORTH, LEMMA, NORM)
        self.batch_starts = batch_starts  # the first token of each batch, then the number of tokens
        self.piece_starts = piece_starts  # per batch, the first token of each of its pieces (an array)
        self.whole = whole  # per batch: a piece starts inside a token, so the batch is only rebuilt whole
        self.pieces = pieces  # per batch, (offset in the text, length) of each piece
        self.count = len(array)
        self.forms: list[str] | None = None  # the word forms of the ORTH hashes, for another process's vocab
        self._columns: tuple[Any, Any, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_columns": None}  # made again where needed

    def with_forms(self, vocab: Any) -> Tokens:
        """These tokens, with the word form of each distinct ORTH hash: what a process whose vocabulary has
        not seen them needs to rebuild their Docs (a disk cache entry's)."""
        import numpy as np

        self.forms = [vocab.strings[h] for h in np.unique(self.array[:, 1]).tolist()]
        return self

    @classmethod
    def of(cls, docs: list[Any], batches: list[list[tuple[int, str]]], starts: list[list[int]]) -> Tokens:
        """The tokens of ``docs``, made of the pieces (offset, text) of ``batches``; ``starts`` holds the
        character offset of each piece in its batch's Doc."""
        import numpy as np
        from spacy.attrs import IDX, LEMMA, NORM, ORTH, SPACY

        arrays, batch_starts, piece_starts, whole = [], [0], [], []
        for doc, chars in zip(docs, starts, strict=True):
            array = doc.to_array([SPACY, ORTH, LEMMA, NORM, IDX])
            idx, wanted = array[:, 4], np.asarray(chars, dtype=np.uint64)
            at = np.searchsorted(idx, wanted)
            split = bool(len(idx)) and bool((at < len(idx)).all()) and bool((idx[np.minimum(at, len(idx) - 1)]
                                                                              == wanted).all())
            whole.append(not split)
            piece_starts.append(batch_starts[-1] + (at if split else np.zeros(len(chars), dtype=np.int64)))
            arrays.append(array[:, :4])
            batch_starts.append(batch_starts[-1] + len(array))
        array = np.concatenate(arrays) if arrays else np.zeros((0, 4), dtype=np.uint64)
        pieces = [[(offset, len(text)) for offset, text in batch] for batch in batches]
        return cls(array, batch_starts, piece_starts, whole, pieces)

    def columns(self) -> tuple[Any, Any, Any]:
        """The value hashes of each token (ORTH, LEMMA, NORM), their low 16 bits, and the piece the token is
        in, numbered across the batches (every token of a batch rebuilt only whole is in its last piece);
        made once (the hashes are a view of the array; the rest, 10 bytes a token)."""
        import numpy as np

        if self._columns is None:
            starts = np.concatenate([*self.piece_starts, [self.count]]).astype(np.int64)
            unit = np.repeat(np.arange(len(starts) - 1, dtype=np.int32), np.diff(starts))
            hashes = self.array[:, 1:]
            self._columns = (hashes, (hashes & np.uint64(0xFFFF)).astype(np.uint16), unit)
        return self._columns

    def docs(self, vocab: Any, text: str, pieces: set[int] | None = None) -> list[tuple[list[tuple[int, str]], Any]]:
        """(the pieces (offset, text) in the Doc, Doc) for every batch of the transcript's ``text``, or, given
        ``pieces`` (numbered as in :meth:`columns`), for the batches holding one of them, each Doc made of
        those only (its text the pieces' texts, each followed by the separator that followed it)."""
        import numpy as np
        from spacy.attrs import LEMMA, NORM
        from spacy.tokens import Doc

        if self.forms is not None:  # from another process: its word forms may be new to this vocabulary
            for form in self.forms:
                vocab.strings.add(form)
        out, first = [], 0
        for b, starts in enumerate(self.piece_starts):
            lo, hi = self.batch_starts[b], self.batch_starts[b + 1]
            wanted = range(len(starts)) if pieces is None else [j for j in range(len(starts)) if first + j in pieces]
            first += len(starts)
            if not wanted:
                continue
            if self.whole[b] or len(wanted) == len(starts):
                array, wanted = self.array[lo:hi], range(len(starts))
            else:
                ends = [*starts[1:].tolist(), hi]
                array = self.array[np.concatenate([np.arange(starts[j], ends[j]) for j in wanted])]
            # words as ORTH hashes: spaCy finds each lexeme by its hash, with no string made or hashed again
            doc = Doc(vocab, words=array[:, 1].tolist(), spaces=array[:, 0].astype(bool).tolist())
            doc.from_array([LEMMA, NORM], array[:, 2:])
            batch = self.pieces[b]
            out.append(([(batch[j][0], text[batch[j][0] : batch[j][0] + batch[j][1]]) for j in wanted], doc))
        return out


COMPILED: Kept[Any] = Kept(8)  # (language, model, rule keys) -> compiled matchers
MATCHES: Kept[dict[str, list[Any]]] = Kept(20_000)  # (transcript key, model) -> {rule key: matches}
TOKENS: Kept[Tokens] = Kept(4_000_000, weight=lambda tokens: tokens.count)  # 4M tokens: 170 MB of arrays at most
SEGMENTS: Kept[list[Segment]] = Kept(2_000_000, weight=len)  # (keys, unit, model) -> segments
EMBEDDINGS: Kept[Any] = Kept(64 * 2**20, weight=lambda vector: vector.nbytes)  # text digest -> embedding, 64 MB


def segments(transcript: Transcript, key: str, unit: str, model: str | None,
             make: Callable[[], list[Segment]]) -> list[Segment]:
    """The transcript's segments of ``unit`` (sentences found with ``model``), made by ``make`` once in this
    process for the same text, paragraphs and language (``key``, see :func:`transcript_key`), document id,
    turns (with their speakers and roles) and sections."""
    chosen = [s for s in transcript.spans if s.kind == "turn" or s.kind == "section"]
    digest = hashlib.blake2b(array("q", [x for s in chosen for x in (s.start, s.end)]).tobytes(), digest_size=16)
    digest.update("\0".join([repr(transcript.id), *(f"{s.kind} {s.label!r} {s.data.get('role')!r}" for s in chosen)])
                  .encode("utf-8", "surrogatepass"))
    kept = (key, digest.digest(), unit, model)
    found = SEGMENTS.get(kept)
    if found is None:
        found = SEGMENTS.put(kept, make())
    return list(found)


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
