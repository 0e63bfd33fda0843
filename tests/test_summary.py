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


def _article(lines: list[str]) -> list[Sentence]:
    sentences, start = [], 0
    for index, text in enumerate(lines):
        sentences.append(Sentence(index, start, start + len(text), text, False))
        start += len(text) + 1
    return sentences


def _casualties(sentences: list[Sentence]) -> dict[Section, list[Strict]]:
    records: list[Strict] = [
        Casualty(
            count_text=_grounded(s.text, s.text.split()[2]),
            who=_grounded(s.text, "villagers"),
            outcome="killed",
            evidence=Span(start=s.start, end=s.end, text=s.text),
        )
        for s in sentences
    ]
    return {s: records if s == "casualties" else [] for s in SECTIONS}


FACTS = [
    f"Police said {n} villagers were killed in {town}."
    for n, town in [("12", "Adi"), ("30", "Bora"), ("7", "Chel"), ("19", "Doma")]
]
FILLER = [
    f"The road to the {n}th village was closed by rain and rockfall for weeks."
    for n in range(4, 40)
]


@pytest.mark.parametrize(
    ("body", "lines"),
    [
        # A short article: the lead and its first fact only, the rest would outgrow the article.
        (FACTS, ["12 villagers killed."]),
        # A long one has room for a line per fact.
        (FACTS + FILLER, [f"{n} villagers killed." for n in ("12", "30", "7", "19")]),
    ],
)
def test_fact_lines_stay_within_the_summary_share(body: list[str], lines: list[str]) -> None:
    sentences = _article([LEAD, *body])
    summary = summarize(sentences, _casualties(sentences[1 : 1 + len(FACTS)]))
    assert summary.startswith(LEAD)
    assert [line for line in lines if line in summary] == lines
    assert summary.count("villagers killed.") == len(lines)
