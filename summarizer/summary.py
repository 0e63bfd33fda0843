"""A short summary built only from the article's own words: its lead and the grounded facts."""

from __future__ import annotations

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


def summarize(sentences: list[Sentence], records: dict[Section, list[Strict]]) -> str:
    body = [s for s in sentences if not s.headline]
    lead = body[0].text if body else (sentences[0].text if sentences else "")
    facts = [_fact_line(r) for section in SECTIONS for r in records[section]][:MAX_FACTS]
    return " ".join([lead, *(f"{fact}." for fact in facts if fact)]).strip()


def _text(value: GroundedText | None) -> str:
    return value.text if value else ""


def _per(value: GroundedText | None) -> str:
    return f" (per {value.text})" if value else ""


def _figure(record: Casualty | Displacement | Escape) -> str:
    count, who = _text(record.count_text), _text(record.who)
    if count and who.lower().startswith(_POSSESSIVES) and not count.lower().endswith(" of"):
        count += " of"
    return " ".join(filter(None, [count, who])) or "People"


def _fact_line(record: Strict) -> str:
    if isinstance(record, Order):
        who = _text(record.issued_by) or "An authority"
        target = f" {_text(record.binds)}" if record.binds else ""
        return f"{who} ordered{target}: {_text(record.requires)}".strip()
    if isinstance(record, Casualty):
        return f"{_figure(record)} {record.outcome}{_per(record.according_to)}"
    assert isinstance(record, Displacement | Escape)
    verb = "displaced" if isinstance(record, Displacement) else "escaped"
    origin = f" from {_text(record.origin)}" if record.origin else ""
    return f"{_figure(record)} {verb}{origin}{_per(record.according_to)}"
