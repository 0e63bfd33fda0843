"""Merge grounded records into a brief: drop duplicates, collect actors and places."""

from __future__ import annotations

from collections.abc import Iterable

from summarizer.ground import normalize
from summarizer.schema import (
    SECTIONS,
    Casualty,
    Displacement,
    Escape,
    GroundedText,
    Mention,
    Offsets,
    Order,
    Section,
    Span,
    Strict,
)

ACTOR_ROLES = {
    "issued_by": "ordered",
    "announced_by": "announced",
    "according_to": "reported",
    "binds": "bound by order",
}
PLACE_FIELDS = ("origin",)


def _key_text(value: GroundedText | None) -> str:
    return normalize(value.text)[0] if value else ""


def record_key(record: Strict) -> tuple[object, ...]:
    """What makes two records the same fact, wherever in the article they were read."""
    if isinstance(record, Order):
        return ("orders", record.kind, _key_text(record.requires), _key_text(record.issued_by))
    assert isinstance(record, Casualty | Displacement | Escape)
    amount = record.count if record.count is not None else _key_text(record.count_text)
    outcome = record.outcome if isinstance(record, Casualty) else ""
    return (type(record).__name__, amount, outcome, _key_text(record.who))


def _filled(record: Strict) -> int:
    return sum(value is not None for value in record.model_dump().values())


def _who_distance(record: Casualty | Displacement | Escape) -> int:
    """Characters between a record's count and its ``who``: the nearer reading is preferred."""
    count, who = record.count_text, record.who
    if count is None or who is None:
        return 0
    return max(who.start - count.end, count.start - who.end, 0)


def one_record_per_figure(records: Iterable[Strict]) -> list[Strict]:
    """Records of one section that copy the same figure of the article are one fact.

    A model asked for every figure of a sentence sometimes writes one figure twice with
    different people ("290 policemen" and "290 officers"); keep the record that states the
    most fields and, of equals, the one whose ``who`` stands nearest its figure.
    """
    kept: dict[object, Strict] = {}
    for index, record in enumerate(records):
        count = getattr(record, "count_text", None)
        if count is None:
            kept[index] = record
            continue
        key = (count.start, count.end, getattr(record, "outcome", None))
        held = kept.get(key)
        if held is None or _preference(record) > _preference(held):
            kept[key] = record
    return list(kept.values())


def _preference(record: Strict) -> tuple[int, int]:
    assert isinstance(record, Casualty | Displacement | Escape)
    return _filled(record), -_who_distance(record)


def dedupe(records: Iterable[Strict]) -> list[Strict]:
    """Keep one record per fact: the one that states the most fields, first in the article;
    the other sentences that state it are kept in its ``also_in``."""
    best: dict[tuple[object, ...], Strict] = {}
    stated: dict[tuple[object, ...], list[Offsets]] = {}
    for record in one_record_per_figure(records):
        key = record_key(record)
        evidence: Span = record.evidence  # type: ignore[attr-defined]
        spans = stated.setdefault(key, [])
        for span in (_offsets(evidence), *record.also_in):  # type: ignore[attr-defined]
            if span not in spans:
                spans.append(span)
        if key not in best or _filled(record) > _filled(best[key]):
            best[key] = record
    kept = []
    for key, record in best.items():
        own = _offsets(record.evidence)  # type: ignore[attr-defined]
        others = sorted((s for s in stated[key] if s != own), key=lambda s: s.start)
        kept.append(record.model_copy(update={"also_in": others}) if others else record)
    return sorted(kept, key=lambda r: r.evidence.start)  # type: ignore[attr-defined]


def mentions(records: dict[Section, list[Strict]], roles: dict[str, str]) -> list[Mention]:
    found: dict[str, tuple[str, set[str], list[Span]]] = {}
    for section in SECTIONS:
        for record in records[section]:
            for field, role in roles.items():
                value = getattr(record, field, None)
                if not isinstance(value, GroundedText):
                    continue
                key = _key_text(value)
                _, seen_roles, spans = found.setdefault(key, (value.text, set(), []))
                seen_roles.add(role)
                span = Span(start=value.start, end=value.end, text=value.text)
                if span not in spans:
                    spans.append(span)
    return [
        Mention(name=name, roles=sorted(seen_roles), mentions=sorted(spans, key=lambda s: s.start))
        for name, seen_roles, spans in found.values()
    ]


def actors(records: dict[Section, list[Strict]]) -> list[Mention]:
    return mentions(records, ACTOR_ROLES)


def places(records: dict[Section, list[Strict]]) -> list[Mention]:
    return mentions(records, {field: "origin" for field in PLACE_FIELDS})


def fold_headlines(records: list[Strict], headlines: set[int]) -> list[Strict]:
    """A headline figure the body states again is the body's fact, the headline one more
    sentence stating it; a headline figure the body does not state ('Killed 1, Injured 6'
    over a vaguer story) is a fact of its own. A headline record with no figure adds
    nothing a body sentence would not say better, and is left out.

    ``headlines``: start offsets of the article's headline lines.
    """
    body = [r for r in records if r.evidence.start not in headlines]  # type: ignore[attr-defined]
    restated: dict[int, list[Offsets]] = {}
    own: list[Strict] = []
    for record in records:
        evidence: Span = record.evidence  # type: ignore[attr-defined]
        if evidence.start not in headlines or getattr(record, "count", None) is None:
            continue
        twin = next((i for i, b in enumerate(body) if _same_figure(b, record)), None)
        if twin is None:
            own.append(record)
        elif _offsets(evidence) not in restated.setdefault(twin, []):
            restated[twin].append(_offsets(evidence))
    folded = [
        b.model_copy(update={"also_in": [*restated[i], *b.also_in]}) if i in restated else b  # type: ignore[attr-defined]
        for i, b in enumerate(body)
    ]
    return sorted([*own, *folded], key=lambda r: r.evidence.start)  # type: ignore[attr-defined]


def _offsets(span: Span) -> Offsets:
    return Offsets(start=span.start, end=span.end)


def _same_figure(a: Strict, b: Strict) -> bool:
    return getattr(a, "count", None) == getattr(b, "count", None) and getattr(
        a, "outcome", None
    ) == getattr(b, "outcome", None)
