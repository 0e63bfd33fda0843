"""Abstention: a row answers ``none`` when the model itself leans that way.

Greedy decoding starts a record whenever a record's first token outscores ``none``'s, even
when the model gives ``none`` nearly half its probability, and such rows hold most of a
model's wrong records. A model may carry a threshold (``abstain_at`` in its
``summarizer.json``, chosen on a validation split by ``eval/abstention.py``): a row whose
first-step probability of ``none``, over the tokens the copy constraint allows there, is at
least the threshold answers ``none``.
"""

from __future__ import annotations

import numpy as np


def none_probability(step_logits: np.ndarray, none_id: int) -> float:
    """The softmax probability of ``none_id`` in one row's first-step logits (-inf where
    the constraint forbids a token)."""
    logits = np.asarray(step_logits, dtype=np.float64)
    if not np.isfinite(logits[none_id]):
        return 0.0
    shifted = np.exp(logits - logits.max())
    return float(shifted[none_id] / shifted.sum())


def abstains(step_logits: np.ndarray, none_id: int, threshold: float | None) -> bool:
    """Whether a row with these first-step logits answers ``none`` under ``threshold``."""
    return threshold is not None and none_probability(step_logits, none_id) >= threshold
