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


def summarize(sentences: list[Sentence], records: dict[Section, list[Strict]]) -> str:
    body = [s for s in sentences if not s.headline]
    lead = body[0].text if body else (sentences[0].text if sentences else "")
    facts = [_fact_line(r) for section in SECTIONS for r in records[section]][:MAX_FACTS]
    return " ".join([lead, *(f"{fact}." for fact in facts if fact)]).strip()


def _text(value: GroundedText | None) -> str:
    return value.text if value else ""


def _per(value: GroundedText | None) -> str:
    return f" (per {value.text})" if value else ""


def _fact_line(record: Strict) -> str:
    if isinstance(record, Order):
        who = _text(record.issued_by) or "An authority"
        target = f" {_text(record.binds)}" if record.binds else ""
        return f"{who} ordered{target}: {_text(record.requires)}".strip()
    if isinstance(record, Casualty):
        figure = " ".join(filter(None, [_text(record.count_text), _text(record.who)]))
        return f"{figure or 'People'} {record.outcome}{_per(record.according_to)}"
    if isinstance(record, Displacement):
        figure = " ".join(filter(None, [_text(record.count_text), _text(record.who)]))
        origin = f" from {_text(record.origin)}" if record.origin else ""
        return f"{figure or 'People'} displaced{origin}{_per(record.according_to)}"
    if isinstance(record, Escape):
        figure = " ".join(filter(None, [_text(record.count_text), _text(record.who)]))
        origin = f" from {_text(record.origin)}" if record.origin else ""
        return f"{figure or 'People'} escaped{origin}{_per(record.according_to)}"
    return ""
