from __future__ import annotations

import pytest

from summarizer.merge import dedupe
from summarizer.schema import Casualty, GroundedText, Span

TEXT = "Police said eight people were killed, including two policemen, and 290 officers injured."


def _span(phrase: str, occurrence: int = 0) -> GroundedText:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(phrase, start + 1)
    return GroundedText(start=start, end=start + len(phrase), text=phrase, alignment="exact")


def _casualty(count: str, outcome: str, who: str | None, per: str | None = None) -> Casualty:
    return Casualty(
        count=None,
        count_text=_span(count),
        outcome=outcome,  # type: ignore[arg-type]
        who=_span(who) if who else None,
        according_to=_span(per) if per else None,
        evidence=Span(start=0, end=len(TEXT), text=TEXT),
    )


def _readings(records: list[Casualty]) -> list[tuple[str, str, str | None]]:
    kept = dedupe(records)
    return [
        (r.count_text.text if r.count_text else "", r.outcome, r.who.text if r.who else None)
        for r in kept  # type: ignore[union-attr]
    ]


# (records the model wrote, as (count, outcome, who, according_to); what the brief keeps)
@pytest.mark.parametrize(
    ("written", "kept"),
    [
        # one figure read twice: the 'who' next to the figure wins a tie
        (
            [("290", "wounded", "policemen", "Police"), ("290", "wounded", "officers", "Police")],
            [("290", "wounded", "officers")],
        ),
        # the fuller record wins over the nearer one
        (
            [("290", "wounded", "officers", None), ("290", "wounded", "policemen", "Police")],
            [("290", "wounded", "policemen")],
        ),
        # different figures, or one figure with different outcomes, stay apart
        (
            [("eight", "killed", "people", None), ("290", "wounded", "officers", None)],
            [("eight", "killed", "people"), ("290", "wounded", "officers")],
        ),
        (
            [("290", "wounded", "officers", None), ("290", "killed", "officers", None)],
            [("290", "wounded", "officers"), ("290", "killed", "officers")],
        ),
    ],
)
def test_one_record_per_figure(
    written: list[tuple[str, str, str | None, str | None]],
    kept: list[tuple[str, str, str | None]],
) -> None:
    records = [_casualty(*item) for item in written]
    assert sorted(_readings(records)) == sorted(kept)
