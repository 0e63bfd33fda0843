"""Merging one event's records across its articles.

Two records may state the same fact when they share section, outcome (or order kind) and
period (background and parts of a total stand apart), and their groups of people agree:
- within one article, only the same head word ("fighters") or a group one record leaves out,
  since an article that names two groups means two ("14 people" and "9 looters");
- across articles, also a generic group ("people", "residents") or a people named by
  nationality ("Syrians"), since reports of one event name the same people differently.
A link across articles is refused where it would contradict an article's own distinction: if
either record has a partner with its figure in the other article, and that partner is a group
the other article keeps apart from the linked record. Linked records form a group; within a
group, records with one figure merge into one fact, and a group spanning articles with more
than one figure is a discrepancy, every figure kept with its source. A claim only one article
makes (one side's count against another's, "Turkey said 440 ... the SDF said 56") stays its own
attributed fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from summarizer.dossier.schema import Discrepancy, MergedFact, Statement
from summarizer.schema import SECTIONS, Brief, Casualty, GroundedText, Order, Section, Strict

# Groups named only by what people they are, not which: compatible with any other group.
_GENERIC_HEADS = frozenset(
    """people persons residents civilians individuals inhabitants villagers population""".split()
)
_ORDERS_ALIKE = 80  # rapidfuzz token-set ratio over what two orders require
_OUTCOME_CLASS = {"killed": "dead", "died": "dead", "wounded": "wounded", "missing": "missing"}


@dataclass(frozen=True)
class _Item:
    article: int
    section: Section
    number: int
    record: Strict

    @property
    def count_text(self) -> str | None:
        value = getattr(self.record, "count_text", None)
        return value.text if isinstance(value, GroundedText) else None

    @property
    def figure(self) -> str | None:
        """What two records must share to agree: the number, or the words of a vague count."""
        count = getattr(self.record, "count", None)
        if count is not None:
            return str(count)
        return self.count_text.lower() if self.count_text else None


def _text(value: object) -> str | None:
    return value.text if isinstance(value, GroundedText) else None


def _who(item: _Item) -> str | None:
    record = item.record
    return _text(record.binds if isinstance(record, Order) else getattr(record, "who", None))


def _head(who: str | None) -> str | None:
    words = re.findall(r"[A-Za-z]+", who or "")
    return words[-1] if words else None


def _generic(head: str | None) -> bool:
    """No group, a generic one, or a people named by nationality ('Syrians', 'Congolese')."""
    return head is None or head.lower() in _GENERIC_HEADS or head[0].isupper()


def _outcome(item: _Item) -> str | None:
    record = item.record
    if isinstance(record, Order):
        return record.kind
    if isinstance(record, Casualty):
        return _OUTCOME_CLASS[record.outcome]
    return None


def _set_apart(item: _Item) -> bool:
    """Background deaths and parts of a total are facts of their own period or group."""
    record = item.record
    return bool(getattr(record, "background", False) or getattr(record, "part_of", None))


def _same_kind(a: _Item, b: _Item) -> bool:
    if (a.section, _outcome(a), _set_apart(a)) != (b.section, _outcome(b), _set_apart(b)):
        return False
    if isinstance(a.record, Order) and isinstance(b.record, Order):
        required = fuzz.token_set_ratio(
            _text(a.record.requires) or "", _text(b.record.requires) or ""
        )
        return required >= _ORDERS_ALIKE
    return True


def _within(a: _Item, b: _Item) -> bool:
    """Two records of one article that may be one group."""
    head_a, head_b = _head(_who(a)), _head(_who(b))
    return _same_kind(a, b) and (head_a is None or head_b is None or _same_word(head_a, head_b))


def _across(a: _Item, b: _Item) -> bool:
    """Two records of different articles that may be one group."""
    head_a, head_b = _head(_who(a)), _head(_who(b))
    return _same_kind(a, b) and (_same_word(head_a, head_b) or _generic(head_a) or _generic(head_b))


def _partner(item: _Item, others: list[_Item]) -> _Item | None:
    """The record of another article with this record's figure, if any."""
    if item.figure is None:
        return None
    return next((o for o in others if o.figure == item.figure and _across(item, o)), None)


def _refused(a: _Item, b: _Item, by_article: dict[int, list[_Item]]) -> bool:
    for item, other in ((a, b), (b, a)):
        partner = _partner(item, by_article[other.article])
        if partner is not None and partner is not other and not _within(partner, other):
            return True
    return False


def _groups(items: list[_Item]) -> list[list[_Item]]:
    """Connected records, each group in article order."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_article: dict[int, list[_Item]] = {}
    for item in items:
        by_article.setdefault(item.article, []).append(item)
    for i, a in enumerate(items):
        for j in range(i + 1, len(items)):
            b = items[j]
            if a.article == b.article:
                linked = _within(a, b)
            else:
                linked = _across(a, b) and not _refused(a, b, by_article)
            if linked:
                parent[root(j)] = root(i)
    groups: dict[int, list[_Item]] = {}
    for i, item in enumerate(items):
        groups.setdefault(root(i), []).append(item)
    return list(groups.values())


def _same_word(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower().rstrip("s") == b.lower().rstrip("s")


def _items(briefs: Sequence[Brief], articles: Sequence[int]) -> list[_Item]:
    return [
        _Item(article, section, number, record)
        for article in articles
        for section in SECTIONS
        for number, record in enumerate(getattr(briefs[article], section))
        if not getattr(record, "superseded", False)
    ]


def _statement(item: _Item) -> Statement:
    record = item.record
    return Statement(
        article=item.article,
        record=item.number,
        count=getattr(record, "count", None),
        count_text=item.count_text,
        according_to=_text(
            record.issued_by if isinstance(record, Order) else getattr(record, "according_to", None)
        ),
        evidence=record.evidence,  # type: ignore[attr-defined]
    )


def _fact(items: list[_Item]) -> MergedFact:
    first = items[0]
    return MergedFact(
        section=first.section,
        outcome=_outcome(first),
        who=next((w for w in map(_who, items) if w), None),
        count=getattr(first.record, "count", None),
        count_text=first.count_text,
        background=bool(getattr(first.record, "background", False)),
        statements=[_statement(i) for i in items],
    )


def merge_event(
    briefs: Sequence[Brief], articles: Sequence[int], order: Sequence[int]
) -> tuple[list[MergedFact], list[Discrepancy]]:
    """Merged facts and discrepancies of one event; ``order`` ranks its articles in time."""
    facts: list[MergedFact] = []
    discrepancies: list[Discrepancy] = []
    rank = {article: position for position, article in enumerate(order)}
    for group in _groups(_items(briefs, articles)):
        by_figure: dict[str | None, list[_Item]] = {}
        for item in group:
            key = item.figure if item.section != "orders" else None
            by_figure.setdefault(key, []).append(item)
        facts.extend(_fact(same) for same in by_figure.values())
        figures = [items for key, items in by_figure.items() if key is not None]
        if len(figures) > 1 and len({i.article for i in group if i.figure}) > 1:
            stated = sorted(
                (items[0] for items in figures), key=lambda i: (rank[i.article], i.number)
            )
            discrepancies.append(
                Discrepancy(
                    section=group[0].section,
                    outcome=_outcome(group[0]),
                    who=next((w for w in map(_who, stated) if w), None),
                    figures=[_statement(i) for i in stated],
                )
            )
    return facts, discrepancies
