"""Training annotations are valid, and nothing in them comes from the seed articles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rapidfuzz.distance import LCSseq

from summarizer.annotations import (
    LEE_FILES,
    AnnotatedArticle,
    article_text,
    load_annotations,
    problems,
    sentences_of,
)
from summarizer.numbers import QUANTITY_WORD
from tests.conftest import ROOT, SEEDS

DATA = ROOT / "models" / "training-data"
FILES = sorted(DATA.glob("*.jsonl"))
# Articles that carry their own text need nothing installed; the Lee corpus's texts come from
# gensim (the training extra). Each check runs on both, so none is skipped wholesale.
SOURCES = ["own text", "Lee corpus"]


def _items(source: str) -> list[tuple[Path, AnnotatedArticle]]:
    """(file, annotation) of every annotated article whose text comes from ``source``."""
    if source == "Lee corpus":
        pytest.importorskip("gensim", reason="the Lee corpus comes with the training extra")
    return [
        (path, item)
        for path in FILES
        for item in load_annotations(path)
        if (item.corpus in LEE_FILES) == (source == "Lee corpus")
    ]


NGRAM = 8
# A sentence-level paraphrase check: word sequences with figures masked, compared by their
# longest common subsequence. Thresholds sit above every clean training sentence (highest
# 0.51) and below the paraphrases an earlier annotation round produced (0.59 to 0.89).
SIMILAR_F1 = 0.6
SIMILAR_COVERAGE = 0.6
LONG_SEED_SENTENCE = 12


def _ngrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1)}


def _skeleton(sentence: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+(?:[.,][0-9]+)*", sentence.lower())
    return ["#" if QUANTITY_WORD.search(w) else w for w in words]


def _seed_skeletons() -> list[list[str]]:
    sentences = (s.text for p in SEEDS.glob("*.txt") for s in sentences_of(p.read_text("utf-8")))
    return [words for words in map(_skeleton, sentences) if len(words) >= 6]


def _paraphrases(sentence: str, seeds: list[list[str]]) -> bool:
    words = _skeleton(sentence)
    for seed in seeds:
        common = LCSseq.similarity(words, seed)
        if 2 * common / (len(words) + len(seed)) >= SIMILAR_F1:
            return True
        if len(seed) >= LONG_SEED_SENTENCE and common / len(seed) >= SIMILAR_COVERAGE:
            return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES)
def test_annotations_are_valid(source: str) -> None:
    found = [
        f"{path.name} {item.index or item.id}: {problem}"
        for path, item in _items(source)
        for problem in problems(item)
    ]
    assert found == []


@pytest.mark.parametrize("source", SOURCES)
def test_no_seed_text_in_training_data(source: str) -> None:
    seed_grams = set().union(*(_ngrams(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")))
    for path, item in _items(source):
        shared = _ngrams(article_text(item)) & seed_grams
        assert not shared, f"{path.name} {item.index or item.id} shares {sorted(shared)[0]}"


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES)
def test_no_seed_sentence_paraphrased_in_training_data(source: str) -> None:
    seeds = _seed_skeletons()
    found = [
        f"{path.name} {item.index or item.id}: {sentence.text[:80]}"
        for path, item in _items(source)
        for sentence in sentences_of(article_text(item))
        if len(_skeleton(sentence.text)) >= 5 and _paraphrases(sentence.text, seeds)
    ]
    assert found == []


def test_both_sources_hold_annotations() -> None:
    corpora = {item.corpus for path in FILES for item in load_annotations(path)}
    assert corpora & set(LEE_FILES)
    assert corpora - set(LEE_FILES)


def test_the_paraphrase_check_catches_swapped_names_and_figures() -> None:
    seeds = _seed_skeletons()
    for path in SEEDS.glob("*.txt"):
        longest = max(sentences_of(path.read_text("utf-8")), key=lambda s: len(s.text)).text
        names = sorted(set(re.findall(r"\b[A-Z][a-z]+\b", longest)))[:2]
        disguised = longest
        for name, other in zip(names, ("Ruritania", "Mbeki"), strict=False):
            disguised = disguised.replace(name, other)
        disguised = re.sub(r"\d[\d,]*", "27", disguised)
        assert disguised != longest
        assert _paraphrases("LAGOS (Reuters) - " + disguised, seeds)
    assert not _paraphrases("Shares in the bank rose 3% after the results on Tuesday.", seeds)


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


# Wire copy shares stock phrases across unrelated stories ("asked not to be named for fear of
# reprisals", "imposed a curfew from 6 p.m. to 6 a.m. in", an agency's full name), so a training
# article may share word runs of up to 11 words with a validation article, never 12 or more:
# a copied clause or sentence. (Until the seventh annotation round any shared 8-word sequence
# failed; 22 older articles were listed as exceptions for stock phrases. One of them shared
# 12 words and left the training files.)
SHARED_RUN_LIMIT = 12


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _longest_shared_run(words: list[str], index: dict[tuple[str, ...], list[tuple[int, int]]],
                        held_out: list[list[str]]) -> int:  # fmt: skip
    """The longest word run ``words`` shares with any held-out article (0 below 8 words)."""
    longest = 0
    for start in range(len(words) - NGRAM + 1):
        for article, at in index.get(tuple(words[start : start + NGRAM]), []):
            other, length = held_out[article], NGRAM
            while (start + length < len(words) and at + length < len(other)
                   and words[start + length] == other[at + length]):  # fmt: skip
                length += 1
            longest = max(longest, length)
    return longest


def _run_index(held_out: list[list[str]]) -> dict[tuple[str, ...], list[tuple[int, int]]]:
    index: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    for article, words in enumerate(held_out):
        for at in range(len(words) - NGRAM + 1):
            index.setdefault(tuple(words[at : at + NGRAM]), []).append((article, at))
    return index


def _copying(items: list[AnnotatedArticle]) -> dict[str, int]:
    held_out = [_words(article_text(i)) for i in items if i.split == "validation"]
    index = _run_index(held_out)
    runs = {
        str(item.id or item.index): _longest_shared_run(_words(article_text(item)), index, held_out)
        for item in items
        if item.split == "train"
    }
    return {key: run for key, run in runs.items() if run >= SHARED_RUN_LIMIT}


@pytest.mark.parametrize("source", SOURCES)
def test_no_training_article_copies_a_clause_of_the_validation_split(source: str) -> None:
    items = [item for _, item in _items("own text")]
    if source == "Lee corpus":  # Lee articles against every article, whatever its source
        items += [item for _, item in _items(source)]
    assert _copying(items) == {}


def test_the_validation_check_catches_a_copied_clause_and_passes_a_stock_phrase() -> None:
    held = (
        "Police in Marula said eleven inmates broke out of the district jail before dawn on Sunday."
    )

    def item(text: str, split: str, key: str) -> AnnotatedArticle:
        return AnnotatedArticle(corpus="synthetic", id=key, text=text, split=split, facts=[])

    copied = "In other news, eleven inmates broke out of the district jail before dawn on Sunday."
    stock = "Elsewhere, eleven inmates broke out of the district jail before dawn, officials said."
    found = _copying([item(held, "validation", "v"), item(copied, "train", "c"),
                      item(stock, "train", "s")])  # fmt: skip
    assert found == {"c": 12}
