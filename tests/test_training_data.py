"""Training annotations are valid, and nothing in them comes from the seed articles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from summarizer.annotations import article_text, load_annotations, problems
from tests.conftest import ROOT, SEEDS

pytest.importorskip("gensim", reason="the Lee corpus comes with the training extra")

DATA = ROOT / "models" / "training-data"
FILES = sorted(DATA.glob("*.jsonl"))
NGRAM = 8


def _ngrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1)}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_annotations_are_valid(path: Path) -> None:
    found = [
        f"{item.index or item.id}: {p}" for item in load_annotations(path) for p in problems(item)
    ]
    assert found == []


def test_no_seed_text_in_training_data() -> None:
    seed_grams = set().union(*(_ngrams(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")))
    for path in FILES:
        for item in load_annotations(path):
            shared = _ngrams(article_text(item)) & seed_grams
            assert not shared, f"{path.name} {item.index or item.id} shares {sorted(shared)[0]}"


def test_validation_split_is_kept_apart() -> None:
    splits = {(i.corpus, i.index, i.id): i.split for p in FILES for i in load_annotations(p)}
    assert sum(split == "validation" for split in splits.values()) >= 40
    validation_corpora = {key[0] for key, split in splits.items() if split == "validation"}
    train_corpora = {key[0] for key, split in splits.items() if split == "train"}
    assert validation_corpora.isdisjoint(train_corpora)


def test_the_seed_check_would_catch_a_copied_sentence() -> None:
    seed = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
    copied = "Some new lead. " + " ".join(seed.split()[40:60])
    assert _ngrams(copied) & _ngrams(seed)
