"""A short summary built only from the article's own words: its lead and the grounded facts."""

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

MAX_FACTS = 6
# "56 of its fighters": a figure before people named by a possessive needs its "of".
_POSSESSIVES = ("its ", "their ", "his ", "her ", "our ", "the ")
# What an order requires reads as a thing ordered ("a curfew") or as what the bound must do.
_THING = re.compile(r"^(?:a|an|the|all|its|their)\s", re.IGNORECASE)


def summarize(sentences: list[Sentence], records: dict[Section, list[Strict]]) -> str:
    body = [s for s in sentences if not s.headline]
    lead = body[0].text if body else (sentences[0].text if sentences else "")
    facts = [_fact_line(r) for section in SECTIONS for r in records[section]][:MAX_FACTS]
    return " ".join([lead, *(f"{fact[0].upper()}{fact[1:]}." for fact in facts if fact)]).strip()


def _text(value: GroundedText | None) -> str:
    return value.text if value else ""


def _per(value: GroundedText | None) -> str:
    return f" (per {value.text})" if value else ""


def _figure(record: Casualty | Displacement | Escape) -> str:
    count, who = _text(record.count_text), _text(record.who)
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
