"""Where and how long an order runs, and when an escape happened, on invented sentences."""

from __future__ import annotations

import pytest

from summarizer.extents import escape_time, order_extent
from summarizer.schema import Escape, Order
from tests.records import evidence, grounded


@pytest.mark.parametrize(
    ("sentence", "requires", "area", "period"),
    [
        (
            "Police imposed a curfew from 7 p.m. to 6 a.m. for 30 days in Lamu, Hola and Garsen.",
            "a curfew",
            "Lamu, Hola and Garsen",
            "from 7 p.m. to 6 a.m. for 30 days",
        ),
        (
            "The army declared a dusk-to-dawn curfew across the capital.",
            "a dusk-to-dawn curfew",
            "the capital",
            "dusk-to-dawn",
        ),
        (
            "The cabinet declared a two-week state of emergency in Tarsis.",
            "a two-week state of emergency",
            "Tarsis",
            "two-week",
        ),
        (
            "The junta ordered a 24-hour curfew nationwide.",
            "a 24-hour curfew",
            "nationwide",
            "24-hour",
        ),
        (
            "Residents were told to stay indoors until further notice.",
            "to stay indoors",
            None,
            "until further notice",
        ),
        ("The mayor closed all schools in March.", "closed all schools", None, None),
    ],
)
def test_order_area_and_period(
    sentence: str, requires: str, area: str | None, period: str | None
) -> None:
    order = Order(kind="curfew", requires=grounded(sentence, requires), evidence=evidence(sentence))
    read = order_extent(order, sentence).record
    assert isinstance(read, Order)
    assert (read.area.text if read.area else None) == area
    assert (read.period.text if read.period else None) == period
    for value in (read.area, read.period):
        if value is not None:
            assert sentence[value.start : value.end] == value.text


@pytest.mark.parametrize(
    ("sentence", "when"),
    [
        ("Forty inmates escaped late on Sunday, the warden said on Monday.", "late on Sunday"),
        ("The warden said on Monday that forty inmates had escaped.", None),
        ("Nine prisoners broke out overnight.", "overnight"),
    ],
)
def test_escape_time_is_not_the_reporting_time(sentence: str, when: str | None) -> None:
    escape = Escape(evidence=evidence(sentence))
    read = escape_time(escape, sentence).record
    assert isinstance(read, Escape)
    assert (read.when.text if read.when else None) == when
