"""Lexical similarity: tf-idf vectors of word bags and their cosine (LexRank's measure)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[a-z][a-z'-]+")

Vector = dict[str, float]


def tfidf(texts: Sequence[str], floor: float = 0.0) -> list[Vector]:
    bags = [Counter(_WORD.findall(text.lower())) for text in texts]
    return weighted(bags, floor)


def weighted(bags: Sequence[Counter[str]], floor: float = 0.0) -> list[Vector]:
    """Each bag's counts weighted by how rare each term is across the bags. ``floor`` is added
    to every weight: with ``floor=0`` a term in every bag weighs nothing (right for the
    sentences of one article), with ``floor=1`` two documents sharing terms still compare
    (scikit-learn's smooth idf)."""
    documents = Counter(term for bag in bags for term in bag)
    return [
        {t: n * (math.log((1 + len(bags)) / (1 + documents[t])) + floor) for t, n in bag.items()}
        for bag in bags
    ]


def cosine(a: Vector, b: Vector) -> float:
    dot = sum(weight * b.get(term, 0.0) for term, weight in a.items())
    norms = math.sqrt(sum(x * x for x in a.values())) * math.sqrt(sum(x * x for x in b.values()))
    return dot / norms if norms else 0.0
