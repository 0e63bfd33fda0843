from __future__ import annotations

import pytest

from summarizer.schema import SECTIONS, Casualty, Escape, GroundedText, Section, Span, Strict
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
