from __future__ import annotations

from typing import Any

import pytest

from summarizer.annotations import AnnotatedArticle
from summarizer.evaluation.metrics import ReferenceBrief, aggregate, fact_matches, score_brief
from summarizer.evaluation.run import reference_from_annotation


def _casualty(
    count: int | None, who: str, outcome: str, per: str | None = None, text: str | None = None
) -> dict[str, Any]:
    return {
        "count": count,
        "count_text": {"text": text or str(count)},
        "who": {"text": who},
        "outcome": outcome,
        "according_to": {"text": per} if per else None,
    }


@pytest.mark.parametrize(
    ("fact", "record", "matches"),
    [
        ({"count": 440, "outcome": "killed"}, _casualty(440, "Kurdish fighters", "killed"), True),
        ({"count": 56, "outcome": "died"}, _casualty(56, "its fighters", "killed"), True),
        ({"count": 56, "outcome": "wounded"}, _casualty(56, "its fighters", "killed"), False),
        ({"count": 440}, _casualty(44, "Kurdish fighters", "killed"), False),
        ({"who": "Kurdish fighters"}, _casualty(440, "kurdish fighters", "killed"), True),
        ({"who": "Kurdish fighters"}, _casualty(440, "Turkish soldiers", "killed"), False),
        ({"according_to": "Turkey"}, _casualty(4, "x", "killed"), False),
        ({"count_text": "hundreds"}, _casualty(None, "x", "killed", text="Hundreds"), True),
        # a figure inside a phrase must be there: token-set similarity alone says "troops"
        # is "1,000 troops"
        ({"who": "1,000 troops"}, _casualty(None, "troops", "killed"), False),
        ({"who": "1,000 troops"}, _casualty(None, "the 1,000 troops", "killed"), True),
        ({"who": "1,000 troops"}, _casualty(None, "100 troops", "killed"), False),
    ],
)
def test_fact_matching(fact: dict[str, Any], record: dict[str, Any], matches: bool) -> None:
    assert fact_matches(fact, record) is matches


def test_recall_and_precision_per_section() -> None:
    reference = ReferenceBrief.model_validate(
        {
            "article": "a.txt",
            "facts": {
                "casualties": [
                    {"count": 440, "outcome": "killed", "evidence": "x"},
                    {"count": 56, "outcome": "died", "evidence": "y"},
                ],
                "escapes": [{"count": 950, "evidence": "z"}],
            },
        }
    )
    brief = {
        "casualties": [
            _casualty(440, "a", "killed"),
            _casualty(440, "b", "killed"),
            _casualty(7, "c", "killed"),
        ],
        "dropped": [{"x": 1}],
    }
    score = score_brief(brief, reference)
    assert score["sections"]["casualties"] == {
        "expected": 2,
        "matched": 1,
        "predicted": 3,
        "unmatched_predictions": 2,
        "recall": 0.5,
        "precision": 0.3333,
    }
    assert score["sections"]["escapes"]["recall"] == 0.0
    assert score["sections"]["orders"]["recall"] is None
    assert (score["recall"], score["dropped_values"]) == (0.3333, 1)
    assert score["missed"] == [
        {"section": "casualties", "count": 56, "outcome": "died", "evidence": "y"},
        {"section": "escapes", "count": 950, "evidence": "z"},
    ]
    total = aggregate([score, score])
    assert (total["expected"], total["matched"], total["recall"]) == (6, 2, 0.3333)


ESCAPE = "Twelve inmates escaped overnight and some were recaptured, police said."


# An annotation holds choices as text ("yes"); a brief holds recaptured as a boolean.
@pytest.mark.parametrize(
    ("annotated", "predicted", "matches"),
    [("yes", True, True), ("no", False, True), ("yes", False, False), ("no", None, False)],
)
def test_annotated_yes_no_choice_matches_the_briefs_boolean(
    annotated: str, predicted: bool | None, matches: bool
) -> None:
    item = AnnotatedArticle(
        corpus="test",
        id="a",
        text=ESCAPE,
        facts=[
            {
                "section": "escapes",
                "evidence": ESCAPE,
                "fields": {"count": "Twelve", "recaptured": annotated},
            }
        ],
    )
    reference = reference_from_annotation(item, "a")
    record = {"count": 12, "count_text": {"text": "Twelve"}, "recaptured": predicted}
    assert score_brief({"escapes": [record]}, reference)["matched"] == int(matches)


def test_totals_are_scored_when_references_carry_them() -> None:
    coded = [(0, 0), (1, 1), (2, 5), (7, 6)]  # (expected killed, killed in the brief)
    per_article = [
        score_brief(
            {"totals": {"killed": got, "wounded": 0}},
            ReferenceBrief(article=f"a{i}", facts={}, totals={"killed": want, "wounded": 0}),
        )
        for i, (want, got) in enumerate(coded)
    ]
    per_article.append(score_brief({}, ReferenceBrief(article="uncoded", facts={})))
    killed = aggregate(per_article)["casualty_totals"]["killed"]
    assert killed["articles"] == 4
    assert killed["mae"] == pytest.approx((0 + 0 + 3 + 1) / 4)
    assert (killed["exact"], killed["within_1"]) == (0.5, 0.75)
    assert killed["exact_by_bin"] == {
        "0": {"articles": 1, "exact": 1.0},
        "1": {"articles": 1, "exact": 1.0},
        "2": {"articles": 1, "exact": 0.0},
        "6+": {"articles": 1, "exact": 0.0},
    }


def test_annotated_totals_reach_the_reference() -> None:
    item = AnnotatedArticle(
        corpus="synthetic", id="t", text="x", facts=[], totals={"killed": 3, "wounded": 1}
    )
    reference = reference_from_annotation(item, "synthetic:t")
    assert reference.totals is not None and (reference.totals.killed, reference.totals.wounded) == (
        3,
        1,
    )


CAUGHT = "Eleven were recaptured by nightfall."


def _escape(who: str | None, per: str | None) -> dict[str, Any]:
    return {
        "count": 11,
        "count_text": {"text": "Eleven"},
        "who": {"text": who} if who else None,
        "according_to": {"text": per} if per else None,
        "recaptured": True,
    }


@pytest.mark.parametrize(
    ("records", "recall", "context"),
    [
        # The matched record carries both context values.
        ([_escape("inmates", "Police in Tamu")], 1.0, (2, 2)),
        # It carries one: the fact still matches on its own fields.
        ([_escape("inmates", None)], 1.0, (2, 1)),
        ([_escape(None, None)], 1.0, (2, 0)),
        # No record matches: the context values count as expected and not found.
        ([], 0.0, (2, 0)),
    ],
)
def test_context_values_are_scored_apart_on_the_matched_record(
    records: list[dict[str, Any]], recall: float, context: tuple[int, int]
) -> None:
    item = AnnotatedArticle.model_validate(
        {
            "corpus": "synthetic",
            "id": "c-1",
            "text": f"Police in Tamu said 30 inmates broke out of the jail. {CAUGHT}",
            "facts": [
                {
                    "section": "escapes",
                    "evidence": CAUGHT,
                    "fields": {"count": "Eleven", "recaptured": "yes"},
                    "context": {"who": "inmates", "according_to": "Police in Tamu"},
                }
            ],
        }
    )
    reference = reference_from_annotation(item, "c-1")
    scored = score_brief({"escapes": records}, reference)
    assert scored["recall"] == recall
    found = aggregate([scored])["context_values"]
    assert (found["expected"], found["matched"]) == context
