from __future__ import annotations

import pytest

from summarizer.schema import (
    SECTIONS,
    Casualty,
    Escape,
    GroundedText,
    Order,
    Section,
    Span,
    Strict,
)
from summarizer.segment import Sentence
from summarizer.summary import summarize

LEAD = "Fighting went on for a fifth day."


def _grounded(sentence: str, value: str | None) -> GroundedText | None:
    if value is None:
        return None
    start = sentence.index(value)
    return GroundedText(start=start, end=start + len(value), text=value, alignment="exact")


def _records(section: Section, record: Strict) -> dict[Section, list[Strict]]:
    return {s: [record] if s == section else [] for s in SECTIONS}


@pytest.mark.parametrize(
    ("sentence", "count", "who", "line"),
    [
        (
            "The group said 56 of its fighters have died.",
            "56",
            "its fighters",
            "56 of its fighters",
        ),
        ("Nine of their soldiers were killed.", "Nine", "their soldiers", "Nine of their soldiers"),
        ("Police said 12 civilians were killed.", "12", "civilians", "12 civilians"),
        ("Its fighters were killed in the raid.", None, "Its fighters", "Its fighters"),
        ("Several people were killed.", None, None, "People"),
        ("Hundreds of villagers were killed.", "Hundreds", "villagers", "Hundreds of villagers"),
        ("Police said 12 were killed.", "12", None, "12"),
        ("It said dozens were killed.", "dozens", None, "Dozens"),  # a line starts in capitals
    ],
)
def test_casualty_lines_read_as_english(
    sentence: str, count: str | None, who: str | None, line: str
) -> None:
    record = Casualty(
        count_text=_grounded(sentence, count),
        who=_grounded(sentence, who),
        outcome="killed",
        evidence=Span(start=0, end=len(sentence), text=sentence),
    )
    lead = Sentence(0, 0, len(LEAD), LEAD, False)
    assert summarize([lead], _records("casualties", record)) == f"{LEAD} {line} killed."


def test_escape_lines_name_where_from() -> None:
    sentence = "Forty inmates escaped from the county jail."
    record = Escape(
        count_text=_grounded(sentence, "Forty"),
        who=_grounded(sentence, "inmates"),
        origin=_grounded(sentence, "the county jail"),
        evidence=Span(start=0, end=len(sentence), text=sentence),
    )
    summary = summarize([], _records("escapes", record))
    assert summary == "Forty inmates escaped from the county jail."


# (sentence, issued_by, binds, requires, the summary's line)
@pytest.mark.parametrize(
    ("sentence", "issued_by", "binds", "requires", "line"),
    [
        (
            "The governor ordered all residents to leave the valley.",
            "The governor",
            "all residents",
            "to leave the valley",
            "The governor ordered all residents to leave the valley",
        ),
        (
            "The command ordered all taxis off the roads.",
            "The command",
            "all taxis",
            "off the roads",
            "The command ordered all taxis off the roads",
        ),
        (
            "The command ordered all taxis off the roads.",
            "The command",
            "all taxis off the roads",
            "off the roads",
            "The command ordered all taxis off the roads",
        ),
        (
            "The governor ordered all residents to leave.",
            "The governor",
            "all residents",
            "all residents to leave",
            "The governor ordered all residents to leave",
        ),
        (
            "The mayor ordered New York residents to stay home.",
            "The mayor",
            "New York residents",
            "to stay home",
            "The mayor ordered New York residents to stay home",
        ),
        (
            "The mayor imposed a curfew on all residents.",
            "The mayor",
            "all residents",
            "a curfew",
            "The mayor ordered a curfew, binding all residents",
        ),
        (
            "All units must be back within ten days, the army said.",
            "the army",
            "All units",
            "be back within ten days",
            "The army ordered all units be back within ten days",
        ),
        (
            "The ministry decided to close every school.",
            "The ministry",
            None,
            "to close every school",
            "The ministry issued an order to close every school",
        ),
        (
            "A curfew was imposed on the city.",
            None,
            None,
            "A curfew",
            "An authority ordered a curfew",
        ),
    ],
)
def test_order_lines_read_as_english(
    sentence: str, issued_by: str | None, binds: str | None, requires: str, line: str
) -> None:
    record = Order(
        kind="other",
        issued_by=_grounded(sentence, issued_by),
        binds=_grounded(sentence, binds),
        requires=_grounded(sentence, requires),
        evidence=Span(start=0, end=len(sentence), text=sentence),
    )
    assert summarize([], _records("orders", record)) == f"{line}."
