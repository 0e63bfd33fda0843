"""Every reference fact, and every value in it, must be found in its article."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from summarizer.evaluation.metrics import ReferenceBrief
from summarizer.ground import align
from summarizer.numbers import parse_count
from tests.conftest import SEEDS

REFERENCES = sorted(SEEDS.glob("*.ref.json"))
CHOICE_FIELDS = {"kind", "outcome", "recaptured"}


def test_each_seed_has_a_reference() -> None:
    assert {p.name.removesuffix(".ref.json") for p in REFERENCES} == {
        p.stem for p in SEEDS.glob("*.txt")
    }


@pytest.mark.parametrize("path", REFERENCES, ids=lambda p: p.name)
def test_reference_facts_ground_in_the_article(path: Path) -> None:
    reference = ReferenceBrief.model_validate_json(path.read_text(encoding="utf-8"))
    article = (SEEDS / reference.article).read_text(encoding="utf-8")
    for section, facts in reference.facts.items():
        for fact in facts:
            match = align(fact.evidence, article)
            assert match is not None and match.alignment != "fuzzy", (section, fact.evidence)
            for field, value in fact.model_dump(exclude={"evidence"}).items():
                if field in CHOICE_FIELDS:
                    continue
                if isinstance(value, int):
                    figures = re.findall(r"[\w,]+", fact.evidence)
                    assert value in {parse_count(f).value for f in figures}, (field, value)
                else:
                    found = align(value, fact.evidence)
                    assert found is not None and found.alignment != "fuzzy", (field, value)
