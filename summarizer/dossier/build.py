"""A dossier from briefed articles: events, their merged facts, discrepancies and a summary."""

from __future__ import annotations

import re
from collections.abc import Sequence

from summarizer.dossier.events import LeadEncoder, Profile, group_events, pair_scores, profile
from summarizer.dossier.merge import merge_event
from summarizer.dossier.schema import (
    Discrepancy,
    Dossier,
    Event,
    EventArticle,
    MergedFact,
    Statement,
)
from summarizer.ingest import Article
from summarizer.schema import Brief

_MONTH_NUMBER = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def build_dossier(
    articles: Sequence[Article], briefs: Sequence[Brief], encoder: LeadEncoder
) -> Dossier:
    profiles = [profile(article) for article in articles]
    if len(articles) > 1:
        groups = group_events(pair_scores(profiles, encoder), encoder.threshold)
    else:
        groups = [list(range(len(articles)))]
    events = [_event(group, articles, briefs, profiles) for group in groups if group]
    return Dossier(grouping=encoder.name, events=events, briefs=list(briefs))


def _date_key(date: str | None) -> tuple[int, int] | None:
    match = re.match(r"([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})", date or "")
    if not match or match.group(1).lower() not in _MONTH_NUMBER:
        return None
    return _MONTH_NUMBER[match.group(1).lower()], int(match.group(2))


def time_order(group: Sequence[int], profiles: Sequence[Profile]) -> list[int]:
    """The group's articles by dateline date where known (those without one last), else in
    the order given."""
    keyed = [(_date_key(profiles[i].date), i) for i in group]
    return [i for key, i in sorted(keyed, key=lambda pair: (pair[0] is None, pair[0] or (0, 0)))]


def _event(
    group: list[int],
    articles: Sequence[Article],
    briefs: Sequence[Brief],
    profiles: Sequence[Profile],
) -> Event:
    order = time_order(group, profiles)
    facts, discrepancies = merge_event(briefs, group, order)
    listed = [
        EventArticle(
            article=i,
            source=articles[i].source,
            headline=profiles[i].headline,
            dateline=profiles[i].dateline,
            date=profiles[i].date,
        )
        for i in order
    ]
    return Event(
        articles=listed,
        summary=event_summary(listed, facts, discrepancies),
        facts=facts,
        discrepancies=discrepancies,
    )


def _figure(statement: Statement) -> str:
    return statement.count_text or (str(statement.count) if statement.count is not None else "?")


def _what(section: str, outcome: str | None, who: str | None) -> str:
    group = who or "people"
    if section == "casualties":
        return f"{group} {outcome}"
    if section == "displacement":
        return f"{group} displaced"
    if section == "escapes":
        return f"{group} escaped"
    return f"{outcome} order" if outcome else "order"


def _claim(statement: Statement, articles: dict[int, EventArticle]) -> str:
    article = articles[statement.article]
    where = ", ".join(filter(None, [statement.according_to, article.source, article.date]))
    return f"{_figure(statement)} ({where})"


def event_summary(
    articles: list[EventArticle], facts: list[MergedFact], discrepancies: list[Discrepancy]
) -> str:
    """Which articles, which figures they agree on, and which they do not."""
    by_index = {a.article: a for a in articles}
    lines = [f"{len(articles)} article(s): " + "; ".join(a.headline for a in articles) + "."]
    agreed = [
        f"{_what(f.section, f.outcome, f.who)}: {f.count_text or f.count} "
        f"({len({s.article for s in f.statements})} articles)"
        for f in facts
        if f.count_text and len({s.article for s in f.statements}) > 1
    ]
    if agreed:
        lines.append("Articles agree on " + "; ".join(agreed) + ".")
    for d in discrepancies:
        claims = " against ".join(_claim(s, by_index) for s in d.figures)
        lines.append(f"Figures differ for {_what(d.section, d.outcome, d.who)}: {claims}.")
    if not discrepancies and len(articles) > 1:
        lines.append("No figures differ between the articles.")
    return " ".join(lines)
