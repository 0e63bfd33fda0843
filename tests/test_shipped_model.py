"""Regression tests of the shipped default model: key seed facts and a floor on total recall."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from summarizer.evaluation.metrics import fact_matches
from summarizer.schema import Brief, GroundedText
from tests.conftest import LONG_SEED, SHORT_SEED

pytestmark = [pytest.mark.model, pytest.mark.slow]

Evaluation = Callable[[str], dict[str, Any]]

# Matched reference facts of models/brief-minilm, measured with `summarizer eval` (one thread,
# CPU, the default CTranslate2 int8 runtime, the pipeline with reading rules of 2026-12-03;
# the Lee split has 15 facts since the fourth-round pass); eval/reports/ holds
# those reports. A model or pipeline change that loses a fact fails here; one that gains facts
# raises the floor. (Before the reading rules, transformers in bfloat16 matched 10, 200 and 10.)
# CTranslate2's int8 kernels differ by CPU vendor (Intel MKL; oneDNN on AMD AVX2, where the
# synthetic split matches 199 with the code of the reports and today's), so the floor there
# is the lower of the two.
RECALL_FLOORS = {"seeds": 11, "synthetic": 199, "lee": 9, "wire": 460}


@pytest.mark.parametrize("split", sorted(RECALL_FLOORS))
def test_total_recall_does_not_fall_below_the_measured_floor(
    shipped_evaluation: Evaluation, split: str
) -> None:
    overall = shipped_evaluation(split)["overall"]
    assert overall["matched"] >= RECALL_FLOORS[split], overall


@pytest.fixture(scope="module")
def briefs(shipped_evaluation: Evaluation) -> dict[str, dict[str, Any]]:
    """The seed briefs from the session's seed evaluation, by seed."""
    result = shipped_evaluation("seeds")
    names = [article["article"] for article in result["articles"]]
    by_article = dict(zip(names, result["briefs"], strict=True))
    return {"long": by_article[LONG_SEED.name], "short": by_article[SHORT_SEED.name]}


# A fact a model misses may only be pinned as a strict xfail with its reason here: the day a
# model extracts it, the suite fails until the mark is removed.
def missed(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


NEVER_EXTRACTED = "not extracted by the current model (issue 3)"

KEY_FACTS = [
    pytest.param(
        "long",
        "escapes",
        {"count": 950, "who": "IS supporters"},
        marks=missed("brief-minilm writes 950 without its `who` (model card, Limitations)"),
    ),
    ("long", "escapes", {"count": 859, "origin": "the section housing foreign IS supporters"}),
    (
        "long",
        "casualties",
        {"count": 440, "who": "Kurdish fighters", "outcome": "killed", "according_to": "Turkey"},
    ),
    ("long", "casualties", {"count": 56, "who": "its fighters", "according_to": "The SDF"}),
    ("long", "displacement", {"count": 130000, "according_to": "The United Nations"}),
    (
        "long",
        "orders",
        {"issued_by": "President Donald Trump", "requires": "withdraw from the north"},
    ),
    ("short", "orders", {"requires": "move south"}),
    pytest.param(
        "short",
        "orders",
        {"issued_by": "the US", "requires": "withdrew troops from the north-east of the country"},
        marks=missed(
            "lost by brief-minilm: the previous default extracted the US withdrawal "
            "(model card, Measured)"
        ),
    ),
    pytest.param("short", "orders", {"binds": "1,000 troops"}, marks=missed(NEVER_EXTRACTED)),
    # Extracted since the CTranslate2 int8 runtime became the default (transformers in
    # bfloat16 leaves it out: a coin flip for this model, see its card).
    ("short", "escapes", {"count_text": "hundreds"}),
    ("short", "displacement", {"count": 100000}),
]


@pytest.mark.parametrize(("seed", "section", "fact"), KEY_FACTS, ids=lambda v: str(v))
def test_seed_key_facts(
    briefs: dict[str, dict[str, Any]], seed: str, section: str, fact: dict[str, Any]
) -> None:
    records = briefs[seed][section]
    assert any(fact_matches(fact, r) for r in records), records


def test_no_number_in_a_brief_is_ungrounded(briefs: dict[str, dict[str, Any]]) -> None:
    for brief in briefs.values():
        parsed = Brief.model_validate(brief)
        for section in ("orders", "casualties", "displacement", "escapes"):
            for record in getattr(parsed, section):
                for name in type(record).model_fields:
                    value = getattr(record, name)
                    if isinstance(value, GroundedText) and any(c.isdigit() for c in value.text):
                        assert value.alignment in ("exact", "normalized")


# Written for this test: ages, clock times, years, a magnitude and a background toll.
NON_COUNTS = (
    "Gunmen shot dead Arun Sethi, 45, and his driver at 6:30 p.m. on Friday in the market of "
    "Kesar, police said. The 2019 attack on the same market killed 12 people. A magnitude 7.1 "
    "quake in 2003 destroyed 300 homes in the town. Four other traders, aged 31 to 60, were "
    "wounded and taken to the district hospital."
)


def test_no_count_is_an_age_time_or_year(shipped_backend) -> None:  # type: ignore[no-untyped-def]
    from summarizer.ingest import Article
    from summarizer.pipeline import Pipeline

    brief = Pipeline(shipped_backend).brief(Article(source="non-counts", text=NON_COUNTS))
    counts = {r.count for s in ("casualties", "displacement", "escapes") for r in getattr(brief, s)}
    assert not counts & {45, 6, 30, 2019, 7, 2003, 31, 60}, counts
    assert brief.totals is not None and brief.totals.killed <= 2
