from __future__ import annotations

import pytest

from summarizer.merge import dedupe, fold_headlines
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


def test_a_headline_figure_the_body_restates_is_folded_into_it() -> None:
    headline = "Bus crash kills 5, injures 12"
    body = "Five people were killed when the bus left the road."
    text = f"{headline}\n\n{body}"
    start = text.index(body)

    def record(
        sentence_start: int, sentence: str, figure: str, value: int, outcome: str
    ) -> Casualty:
        at = text.index(figure, sentence_start)
        return Casualty(
            count=value,
            count_text=GroundedText(start=at, end=at + len(figure), text=figure, alignment="exact"),
            outcome=outcome,  # type: ignore[arg-type]
            evidence=Span(start=sentence_start, end=sentence_start + len(sentence), text=sentence),
        )

    five_in_headline = record(0, headline, "5", 5, "killed")
    twelve = record(0, headline, "12", 12, "wounded")
    five = record(start, body, "Five", 5, "killed")
    again = record(0, headline, "5", 5, "killed")  # read twice from the headline
    folded = fold_headlines([five_in_headline, again, twelve, five], headlines={0})
    assert [(r.count, r.evidence.start) for r in folded] == [(12, 0), (5, start)]  # type: ignore[attr-defined]
    assert [(s.start, s.end) for s in folded[1].also_in] == [(0, len(headline))]  # type: ignore[attr-defined]
