"""A fitted suggester as a file of plain arrays (NumPy ``.npz``, read with ``allow_pickle=False``): never a
pickle, which would run code when loaded."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

__all__ = ["FORMAT", "load_arrays", "save_suggester"]

FORMAT = "qualcode-suggester/2"  # 2: the pooled "coded at all" model and the out-of-fold scores


def save_suggester(suggester: Any, path: str | os.PathLike[str]) -> None:
    from qualcode.model.files import write_atomic_path

    codes = suggester.codes_
    models = [suggester.models_[c] for c in codes]
    data = suggester.training_set_
    prototypes = [(c, i) for c in codes for i in suggester.prototypes_[c]]
    oof = [(j, i, float(score)) for j, c in enumerate(codes)
           for i, score in zip(data.labelled(c), suggester.models_[c].oof, strict=True)]
    relevance = suggester.relevance_model_
    meta = {
        "settings": json.loads(suggester.settings_json(suggester)),
        "coder": suggester.coder_,
        "codes": codes,
        "too_few": suggester.too_few_,
        "speakers": suggester.features_.speakers,
        "roles": suggester.features_.roles,
        "weights": suggester.features_.weights,
        "smoothing": suggester.smoothing_,
    }
    arrays = {
        "meta": np.array(json.dumps(meta, sort_keys=True, ensure_ascii=False)),
        "vocabulary": np.array(suggester.features_.vocabulary, dtype=str),
        "idf": suggester.features_.idf,
        "coef": np.vstack([m.coef for m in models]),
        "intercept": np.array([m.intercept for m in models]),
        "calibration": np.array([[m.a, m.b] for m in models]),
        "threshold": np.array([m.threshold for m in models]),
        "prototype_code": np.array([codes.index(c) for c, _ in prototypes], dtype=np.int64),
        "prototype_document": np.array([data.segments[i].document for _, i in prototypes], dtype=str),
        "prototype_segment": np.array([data.segments[i].segment_id for _, i in prototypes], dtype=np.int64),
        "prototype_text": np.array([data.segments[i].text for _, i in prototypes], dtype=str),
        "prototype_vector": suggester.vectors_[[i for _, i in prototypes]],
        "oof_code": np.array([j for j, _, _ in oof], dtype=np.int64),
        "oof_document": np.array([data.segments[i].document for _, i, _ in oof], dtype=str),
        "oof_segment": np.array([data.segments[i].segment_id for _, i, _ in oof], dtype=np.int64),
        "oof_score": np.array([score for _, _, score in oof], dtype=np.float64),
    }
    if relevance is not None:
        arrays["relevance_coef"] = relevance.coef
        arrays["relevance_intercept"] = np.array(relevance.intercept)
        arrays["relevance_calibration"] = np.array([relevance.a, relevance.b])

    def write(temporary: Any) -> None:
        with open(temporary, "wb") as handle:
            np.savez_compressed(handle, **arrays)

    write_atomic_path(os.fspath(path), write)


def load_arrays(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata and arrays of a model file, checked to be one (see ``Suggester.load``)."""
    from qualcode.model.errors import SuggestError

    try:
        with np.load(os.fspath(path), allow_pickle=False) as stored:
            arrays = {k: stored[k] for k in stored.files}
        meta = json.loads(str(arrays["meta"]))
    except (OSError, ValueError, KeyError) as exc:
        raise SuggestError(f"{path}: is not a suggester model file ({exc}). Write one with Suggester.save() "
                           "or 'qualcode suggest --model-out'.") from exc
    found = meta.get("settings", {}).get("format")
    if found == "qualcode-suggester/1":
        raise SuggestError(f"{path}: was written by an earlier qualcode (format {found!r}) that did not store the "
                           "model of what the coder codes at all, so its scores would differ from the fitted "
                           "suggester's. Fit again and write the model anew ('qualcode suggest --model-out' or "
                           "Suggester.save()).")
    if found != FORMAT:
        raise SuggestError(f"{path}: holds a model in format {found!r}; this qualcode reads {FORMAT!r}.")
    return meta, arrays
