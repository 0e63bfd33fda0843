"""A short summary built only from the article's own words: its lead, its most central
sentences, and one line per grounded fact."""

from __future__ import annotations

import re

from summarizer.numbers import PLURAL_SCALE
from summarizer.schema import (
    SECTIONS,
    Casualty,
    Displacement,
    Escape,
    GroundedText,
    Order,
    Section,
    Strict,
)
from summarizer.segment import Sentence
from summarizer.similarity import cosine, tfidf

MAX_FACTS = 6
# The article's own sentences take at most this share of its length...
CONTEXT_SHARE = 0.25
# ...and the whole summary, fact lines included, at most this share: a brief of a short
# article must still be shorter than the article.
SUMMARY_SHARE = 0.35
# "56 of its fighters": a figure before people named by a possessive needs its "of".
_POSSESSIVES = ("its ", "their ", "his ", "her ", "our ", "the ")
# What an order requires reads as a thing ordered ("a curfew") or as what the bound must do.
_THING = re.compile(r"^(?:a|an|the|all|its|their)\s", re.IGNORECASE)


def summarize(sentences: list[Sentence], records: dict[Section, list[Strict]]) -> str:
    """The lead and the article's most central sentences (who fights whom, what happened
    where), then one line per fact; a line states one record's fields and nothing else.
    Lines after the first are added only while the summary stays within SUMMARY_SHARE of
    the article."""
    context = context_sentences(sentences)
    budget = SUMMARY_SHARE * sum(len(s.text) for s in _body(sentences)) - len(" ".join(context))
    lines: list[str] = []
    for line in fact_lines(records, quoted=set(context)):
        if lines and len(line) >= budget:
            break
        lines.append(line)
        budget -= len(line) + 1
    return " ".join([*context, *lines]).strip()


def fact_lines(
    records: dict[Section, list[Strict]], quoted: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """One sentence per record worth a summary, each once, at most MAX_FACTS; a record whose
    own sentence the summary already quotes (``quoted``) needs no line."""
    lines = [
        record_line(r)
        for section in SECTIONS
        for r in records[section]
        if _headline_fact(r) and r.evidence.text not in quoted  # type: ignore[attr-defined]
    ]
    return [line for line in dict.fromkeys(lines) if line][:MAX_FACTS]


def record_line(record: Strict) -> str:
    """The summary's sentence for one record, from that record's fields alone."""
    fact = _fact_line(record)
    return f"{fact[0].upper()}{fact[1:]}." if fact else ""


def _headline_fact(record: Strict) -> bool:
    """Background deaths, superseded tolls and parts of a total are in the records, not the
    summary."""
    return not (
        getattr(record, "background", False)
        or getattr(record, "superseded", False)
        or getattr(record, "part_of", None) is not None
    )


def context_sentences(sentences: list[Sentence]) -> list[str]:
    """The lead, then the sentences that share most words with the rest of the article, in
    article order, within about a quarter of its length.

    Lexical centrality (LexRank's idea with tf-idf cosine) rather than an embedding model:
    the default runtime has no encoder to reuse, and loading a second model for a few
    sentences would cost more than the rest of a short brief.
    """
    body = _body(sentences)
    if not body:
        return []
    budget = max(len(body[0].text), CONTEXT_SHARE * sum(len(s.text) for s in body))
    vectors = tfidf([s.text for s in body])
    centrality = [
        sum(cosine(v, w) for j, w in enumerate(vectors) if j != i) for i, v in enumerate(vectors)
    ]
    chosen, used = {0}, len(body[0].text)
    for index in sorted(range(1, len(body)), key=lambda i: -centrality[i]):
        if used + len(body[index].text) <= budget:
            chosen.add(index)
            used += len(body[index].text)
    return [body[i].text for i in sorted(chosen)]


def _body(sentences: list[Sentence]) -> list[Sentence]:
    return [s for s in sentences if not s.headline] or sentences


def _text(value: GroundedText | None) -> str:
    return value.text if value else ""


def _per(value: GroundedText | None) -> str:
    return f" (per {value.text})" if value else ""


def _figure(record: Casualty | Displacement | Escape) -> str:
    count, who = _text(record.count_text), _text(record.who)
    if record.count_text and record.who and _within(record.count_text, record.who):
        count = ""  # 'a man': the count is read off the words of who
    # "Hundreds of supporters": a vague plural count needs its "of" too.
    needs_of = who.lower().startswith(_POSSESSIVES) or PLURAL_SCALE.search(count)
    if count and who and needs_of and not count.lower().endswith(" of"):
        count += " of"
    return " ".join(filter(None, [count, who])) or "People"


def _fact_line(record: Strict) -> str:
    if isinstance(record, Order):
        return _order_line(record)
    if isinstance(record, Casualty):
        return f"{_figure(record)} {record.outcome}{_per(record.according_to)}"
    assert isinstance(record, Displacement | Escape)
    verb = "displaced" if isinstance(record, Displacement) else "escaped"
    origin = f" from {_text(record.origin)}" if record.origin else ""
    return f"{_figure(record)} {verb}{origin}{_per(record.according_to)}"


def _inside(phrase: str) -> str:
    """A phrase as it reads inside a sentence: 'A curfew' -> 'a curfew'; names keep their case."""
    return phrase[0].lower() + phrase[1:] if _THING.match(phrase) else phrase


def _within(inner: GroundedText, outer: GroundedText) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _order_line(order: Order) -> str:
    who, requires = _text(order.issued_by) or "An authority", _inside(_text(order.requires))
    binds = _inside(_text(order.binds))
    if order.binds and order.requires and _within(order.requires, order.binds):
        return f"{who} ordered {binds}"  # the model copied what is required into binds
    if order.binds and order.requires and _within(order.binds, order.requires):
        return f"{who} ordered {requires}"
    if binds and _THING.match(requires):
        return f"{who} ordered {requires}, binding {binds}"
    if binds:
        return f"{who} ordered {binds} {requires}".strip()
    if requires.lower().startswith("to "):
        return f"{who} issued an order {requires}"
    return f"{who} ordered {requires}"
