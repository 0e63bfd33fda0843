"""The dossier: events, each with merged facts and the figures its articles disagree on."""

from __future__ import annotations

from pydantic import Field

from summarizer.schema import SCHEMA_VERSION, Brief, Section, Span, Strict


class Statement(Strict):
    """One article's record of a fact."""

    article: int = Field(ge=0, description="Index into the dossier's articles.")
    record: int = Field(ge=0, description="Index into that brief's section.")
    count: int | None
    count_text: str | None
    according_to: str | None
    evidence: Span


class MergedFact(Strict):
    """One real-world fact, with every article and sentence that states it."""

    section: Section
    outcome: str | None = Field(description="Casualty outcome, or the order's kind.")
    who: str | None
    count: int | None
    count_text: str | None
    background: bool = False
    statements: list[Statement]


class Discrepancy(Strict):
    """Articles giving different figures for the same group, outcome and period; each figure
    with its source and article, in article time order where known."""

    section: Section
    outcome: str | None
    who: str | None
    figures: list[Statement]


class EventArticle(Strict):
    article: int
    source: str
    headline: str
    dateline: str | None
    date: str | None = Field(description="Month and day read from the dateline, if any.")


class Event(Strict):
    articles: list[EventArticle]
    summary: str
    facts: list[MergedFact]
    discrepancies: list[Discrepancy]


class Dossier(Strict):
    grouping: str = Field(description="How articles were grouped: the lead encoder's name.")
    events: list[Event]
    briefs: list[Brief]
    schema_version: int = SCHEMA_VERSION
