"""Training examples from hand annotations: one (prompt, target) pair per sentence and section.

Targets are token ids built by the constraint factory from character ranges, so the model
learns the very sequences the constrained decoder allows. Augmentation swaps numbers and
names consistently in a sentence and its targets, so the model learns to copy, not recall.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from summarizer.annotations import (
    AnnotatedArticle,
    AnnotatedFact,
    all_sentences_of,
    article_text,
)
from summarizer.fields import SECTION_FIELDS
from summarizer.ground import align
from summarizer.prompt import ACRONYM, NO_CONTEXT, Context, contexts, may_hold
from summarizer.schema import SECTIONS, Section
from summarizer.segment import Sentence
from summarizer.training.targets import ContextSpan, TargetValue

Value = TargetValue
_NUMBER = re.compile(
    r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\w,])"  # 1,250
    r"|(?<![\w.,])\d+(?![\w.,]\d)"  # 440
)
_NAME = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][a-z]+(?: [A-Z][a-z]+)*")
_NUMBER_WORDS = (
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "fifteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
)
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")
# Real organisations' acronyms, many of which spell an English word once lowercased (the
# model's tokenizer is uncased): swapping these in teaches the model that a marked word is a
# name, whatever the word it spells. Written for this project; not taken from any article.
ACRONYMS = (
    "ACT",
    "AID",
    "ANC",
    "AU",
    "CARE",
    "EU",
    "FBI",
    "ICE",
    "ICRC",
    "IMF",
    "IOM",
    "IS",
    "MEND",
    "MSF",
    "NATO",
    "NOW",
    "OCHA",
    "RSF",
    "SAVE",
    "UN",
    "UNHCR",
    "US",
    "WHO",
    "WFP",
)


@dataclass(frozen=True)
class SentenceExample:
    section: Section
    sentence: str
    records: tuple[dict[str, Value], ...]
    origin: str
    # Context shown by templates from v4; from v5 context fields may copy values from it.
    context: Context = NO_CONTEXT


def _record(
    fact: AnnotatedFact, sentence: str, context: Context | None = None
) -> dict[str, Value] | None:
    """The fact's target values; with a ``context``, its context values too (those not
    found there verbatim are left out)."""
    values: dict[str, Value] = {}
    kinds = {spec.name: spec.kind for spec in SECTION_FIELDS[fact.section]}
    for name, value in fact.fields.items():
        if kinds[name] == "choice":
            values[name] = value
            continue
        match = align(value, sentence)
        if match is None or match.alignment != "exact":
            return None
        values[name] = (match.start, match.end)
    if context is not None:
        for name, value in fact.context.items():
            if (span := _in_context(value, context)) is not None:
                values[name] = span
    return values


def _in_context(value: str, context: Context) -> ContextSpan | None:
    """Where ``value`` stands in the context, the nearest text first (before, then after)."""
    for where, text in enumerate((context.before, context.after)):
        match = align(value, text)
        if match is not None and match.alignment == "exact":
            return ContextSpan(where, match.start, match.end)
    return None


def _first_offset(record: dict[str, Value]) -> int:
    return min((v[0] for v in record.values() if isinstance(v, tuple)), default=0)


def examples_of(
    item: AnnotatedArticle, route: bool = True, context: bool = False, context_values: bool = False
) -> list[SentenceExample]:
    """Every (sentence, section) pair the router passes, plus every annotated one, with its
    context where ``context`` (left empty otherwise, so augmentation draws nothing for it),
    and the facts' values from that context where ``context_values``."""
    facts: dict[tuple[str, Section], list[AnnotatedFact]] = defaultdict(list)
    for fact in item.facts:
        facts[(fact.evidence, fact.section)].append(fact)
    origin = f"{item.corpus}:{item.index if item.index is not None else item.id}"
    examples = []
    sentences = all_sentences_of(article_text(item))
    arounds = contexts(sentences) if context else [NO_CONTEXT] * len(sentences)
    for sentence, around in zip(sentences, arounds, strict=True):
        if sentence.headline:
            continue
        for section in SECTIONS:
            found = facts.get((sentence.text, section), [])
            if route and not found and not may_hold(section, sentence):
                continue
            source = around if context_values else None
            records = [r for f in found if (r := _record(f, sentence.text, source)) is not None]
            records.sort(key=_first_offset)
            where = f"{origin}#{sentence.index}"
            examples.append(SentenceExample(section, sentence.text, tuple(records), where, around))
    return examples


def router_recall(items: Iterable[AnnotatedArticle]) -> float:
    """Share of annotated facts whose sentence the router sends to the fact's section."""
    total = hit = 0
    for item in items:
        for fact in item.facts:
            total += 1
            sentence = Sentence(0, 0, len(fact.evidence), fact.evidence, headline=False)
            hit += may_hold(fact.section, sentence)
    return hit / total if total else 1.0


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def _random_number(original: str, rng: random.Random) -> str:
    digits = original.replace(",", "")
    low = 10 ** (len(digits) - 1) if len(digits) > 1 else 1
    value = rng.randint(low, 10 ** len(digits) - 1)
    return f"{value:,}" if "," in original else str(value)


def _edits(
    sentence: str, names: Sequence[str], rng: random.Random, chosen: dict[str, str | None]
) -> list[_Edit]:
    """Numbers redrawn one by one; names and acronyms swapped as ``chosen`` says (a word
    met first here is chosen for and recorded there, so other texts swap it alike)."""
    edits = [
        _Edit(m.start(), m.end(), _random_number(m.group(), rng))
        for m in _NUMBER.finditer(sentence)
    ]
    edits += [
        _Edit(m.start(), m.end(), rng.choice(_NUMBER_WORDS))
        for m in _NUMBER_WORD.finditer(sentence)
    ]
    edits += _swaps(_NAME, sentence, names, rng, chosen)
    edits += _swaps(ACRONYM, sentence, ACRONYMS, rng, chosen)
    return sorted(edits, key=lambda e: e.start)


def _swaps(
    pattern: re.Pattern[str],
    sentence: str,
    pool: Sequence[str],
    rng: random.Random,
    chosen: dict[str, str | None],
) -> list[_Edit]:
    """Most words matching ``pattern`` swapped for pool entries, every mention alike."""
    edits = []
    for match in pattern.finditer(sentence):
        word = match.group()
        if word not in chosen:
            chosen[word] = rng.choice(pool) if pool and rng.random() < 0.7 else None
        if (replacement := chosen[word]) is not None:
            edits.append(_Edit(match.start(), match.end(), replacement))
    return edits


def _crosses(edit: _Edit, spans: list[tuple[int, int]]) -> bool:
    return any(
        edit.start < end and edit.end > start and not (start <= edit.start and edit.end <= end)
        for start, end in spans
    )


def _apply(text: str, edits: list[_Edit]) -> str:
    for edit in reversed(edits):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def augment(example: SentenceExample, names: Sequence[str], rng: random.Random) -> SentenceExample:
    """The example with numbers and names swapped in the sentence and its targets alike, and
    the same names swapped in its context and the values copied from it."""
    chosen: dict[str, str | None] = {}
    texts = (example.sentence, example.context.before, example.context.after)
    rewritten = [
        _rewrite(text, _spans_in(example.records, where), names, rng, chosen)
        for where, text in enumerate(texts)
    ]

    def moved(value: Value) -> Value:
        if isinstance(value, ContextSpan):
            shift = rewritten[1 + value.text][1]
            return ContextSpan(value.text, shift(value.start), shift(value.end))
        if isinstance(value, tuple):
            return rewritten[0][1](value[0]), rewritten[0][1](value[1])
        return value

    records = tuple({name: moved(v) for name, v in record.items()} for record in example.records)
    (sentence, _), (before, _), (after, _) = rewritten
    return replace(
        example,
        sentence=sentence,
        records=records,
        origin=example.origin + "+aug",
        context=Context(before, after),
    )


def _spans_in(records: Sequence[dict[str, Value]], where: int) -> list[tuple[int, int]]:
    """The copied ranges of one text: 0 the sentence, 1 the context before, 2 the after."""
    spans = []
    for record in records:
        for value in record.values():
            if isinstance(value, ContextSpan) and value.text + 1 == where:
                spans.append((value.start, value.end))
            elif isinstance(value, tuple) and where == 0:
                spans.append(value)
    return spans


def _rewrite(
    text: str,
    spans: list[tuple[int, int]],
    names: Sequence[str],
    rng: random.Random,
    chosen: dict[str, str | None],
) -> tuple[str, Callable[[int], int]]:
    """``text`` with its numbers and names swapped, never across a copied span, and where
    each offset of the old text moved to."""
    edits = [e for e in _edits(text, names, rng, chosen) if not _crosses(e, spans)]

    def moved(offset: int) -> int:
        # Edits never cross a span, so every edit that ends by ``offset`` lies before it.
        return offset + sum(len(e.text) - (e.end - e.start) for e in edits if e.end <= offset)

    return _apply(text, edits), moved


def name_pool(items: Iterable[AnnotatedArticle]) -> list[str]:
    """Capitalised names found in the training articles, for augmentation."""
    pool: set[str] = set()
    for item in items:
        pool.update(m.group() for m in _NAME.finditer(article_text(item)))
    return sorted(pool)
