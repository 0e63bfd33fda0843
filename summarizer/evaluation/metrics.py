"""Factual recall of a brief against a hand-written reference brief.

A reference fact names only the fields that make it that fact. A predicted record matches
it when every named field agrees: counts as integers (or the wording, for vague counts),
outcomes by kind (killed and died are both deaths), names and phrases by token-set
similarity after case and punctuation folding. Each prediction matches at most one fact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from summarizer.ground import normalize
from summarizer.schema import SECTIONS, Section

NAME_MIN_SIMILARITY = 80.0
_OUTCOME_KIND = {"killed": "dead", "died": "dead", "wounded": "wounded", "missing": "missing"}
_PUNCTUATION = re.compile(r"[^\w\s]")


class ReferenceFact(BaseModel):
    model_config = ConfigDict(extra="allow")
    evidence: str


class ReferenceTotals(BaseModel):
    """People killed and wounded in the article's incident, coded by hand."""

    model_config = ConfigDict(extra="forbid")
    killed: int = Field(ge=0)
    wounded: int = Field(ge=0)


class ReferenceBrief(BaseModel):
    model_config = ConfigDict(extra="forbid")
    article: str
    facts: dict[Section, list[ReferenceFact]]
    totals: ReferenceTotals | None = None

    def expected(self, section: Section) -> list[dict[str, Any]]:
        """The fields each fact of ``section`` is matched on (its context values are scored
        apart, on the records that match it)."""
        return [
            fact.model_dump(exclude={"evidence", "context"}) for fact in self.facts.get(section, [])
        ]

    def context_values(self, section: Section) -> list[dict[str, str]]:
        return [getattr(fact, "context", None) or {} for fact in self.facts.get(section, [])]


def _fold(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", normalize(text)[0]).split())


_FIGURE = re.compile(r"\d+")


def similar(expected: str, got: str) -> bool:
    """Token-set similarity; a figure in the expected phrase must be in the prediction too.

    Token-set similarity scores a subset as a full match, so without the figure check
    "troops" would match "1,000 troops".
    """
    folded_expected, folded_got = _fold(expected), _fold(got)
    if not set(_FIGURE.findall(folded_expected)) <= set(_FIGURE.findall(folded_got)):
        return False
    return fuzz.token_set_ratio(folded_expected, folded_got) >= NAME_MIN_SIMILARITY


def _predicted_value(record: Mapping[str, Any], field: str) -> Any:
    value = record.get(field)
    return value.get("text") if isinstance(value, dict) else value


def field_matches(field: str, expected: Any, record: Mapping[str, Any]) -> bool:
    if field == "count_text":
        got = _predicted_value(record, "count_text")
        return got is not None and _fold(str(expected)) in _fold(str(got))
    got = _predicted_value(record, field)
    if got is None:
        return False
    if field == "outcome":
        return _OUTCOME_KIND.get(got) == _OUTCOME_KIND.get(expected)
    if isinstance(expected, str) and isinstance(got, str):
        return similar(expected, got)
    return bool(got == expected)


def fact_matches(fact: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    return all(field_matches(field, value, record) for field, value in fact.items())


_COUNTS = ("expected", "matched", "predicted", "unmatched_predictions")


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def totals(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Summed counts of several scores, with recall and precision over the sums."""
    summed = {key: sum(int(p[key]) for p in parts) for key in _COUNTS}
    found = summed["predicted"] - summed["unmatched_predictions"]
    return {
        **summed,
        "recall": _ratio(summed["matched"], summed["expected"]),
        "precision": _ratio(found, summed["predicted"]),
    }


def _match(
    expected: list[dict[str, Any]], predicted: list[dict[str, Any]]
) -> dict[int, int | None]:
    """Greedy one-to-one matching: each fact's prediction, None for a missed fact."""
    unused = list(range(len(predicted)))
    found: dict[int, int | None] = {}
    for index, fact in enumerate(expected):
        hit = next((i for i in unused if fact_matches(fact, predicted[i])), None)
        found[index] = hit
        if hit is not None:
            unused.remove(hit)
    return found


def _context_found(
    context: list[dict[str, str]], predicted: list[dict[str, Any]], found: dict[int, int | None]
) -> tuple[int, int]:
    """Context values of the matched facts, and how many their records carry."""
    expected = matched = 0
    for index, hit in found.items():
        for field, value in context[index].items():
            expected += 1
            matched += hit is not None and field_matches(field, value, predicted[hit])
    return expected, matched


def _section_counts(expected: int, missed: int, predicted: int, unused: int) -> dict[str, Any]:
    counts = {
        "expected": expected,
        "matched": expected - missed,
        "predicted": predicted,
        "unmatched_predictions": unused,
    }
    return totals([counts])


def score_brief(brief: Mapping[str, Any], reference: ReferenceBrief) -> dict[str, Any]:
    """Recall and precision per section and overall, the reference facts left unmatched
    (``missed``) and the brief's records that match no reference fact (``unmatched``)."""
    sections: dict[str, dict[str, Any]] = {}
    missed_facts: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    context = [0, 0]
    for section in SECTIONS:
        expected, predicted = reference.expected(section), list(brief.get(section, []))
        found = _match(expected, predicted)
        missed = [i for i, hit in found.items() if hit is None]
        unused = sorted(set(range(len(predicted))) - set(found.values()))
        sections[section] = _section_counts(len(expected), len(missed), len(predicted), len(unused))
        facts = reference.facts.get(section, [])
        missed_facts.extend({"section": section, **facts[i].model_dump()} for i in missed)
        unmatched.extend({"section": section, "record": i} for i in unused)
        wanted, carried = _context_found(reference.context_values(section), predicted, found)
        context = [context[0] + wanted, context[1] + carried]
    scored = {
        "article": reference.article,
        **totals(list(sections.values())),
        "dropped_values": len(brief.get("dropped", [])),
        "sections": sections,
        "missed": missed_facts,
        "unmatched": unmatched,
        "context_values": _context_counts(*context),
    }
    if reference.totals is not None:
        got = brief.get("totals") or {}
        scored["casualty_totals"] = {
            outcome: {"expected": getattr(reference.totals, outcome), "got": got.get(outcome, 0)}
            for outcome in TOTAL_OUTCOMES
        }
    return scored


def _context_counts(expected: int, matched: int) -> dict[str, Any]:
    return {"expected": expected, "matched": matched, "recall": _ratio(matched, expected)}


def aggregate(per_article: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged figures over several articles, overall and per section."""
    context = [a.get("context_values", _context_counts(0, 0)) for a in per_article]
    result = {
        "articles": len(per_article),
        **totals(per_article),
        "dropped_values": sum(a["dropped_values"] for a in per_article),
        "sections": {s: totals([a["sections"][s] for a in per_article]) for s in SECTIONS},
        "context_values": _context_counts(
            sum(c["expected"] for c in context), sum(c["matched"] for c in context)
        ),
    }
    coded = [a["casualty_totals"] for a in per_article if "casualty_totals" in a]
    if coded:
        result["casualty_totals"] = {
            outcome: totals_error([c[outcome] for c in coded]) for outcome in TOTAL_OUTCOMES
        }
    return result


TOTAL_OUTCOMES = ("killed", "wounded")
TOTAL_BINS = (("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3-5", 3, 5), ("6+", 6, None))


def totals_error(pairs: Sequence[Mapping[str, int]]) -> dict[str, Any]:
    """Mean absolute error, exact and within-one shares of totals, and exact share by the
    size of the expected figure (bins 0, 1, 2, 3-5, 6+, as conflict-data studies report)."""
    errors = [abs(p["got"] - p["expected"]) for p in pairs]
    by_bin = {}
    for name, low, high in TOTAL_BINS:
        inside = [
            e for e, p in zip(errors, pairs, strict=True) if _in_bin(p["expected"], low, high)
        ]
        if inside:
            by_bin[name] = {
                "articles": len(inside),
                "exact": round(inside.count(0) / len(inside), 4),
            }
    return {
        "articles": len(pairs),
        "mae": round(sum(errors) / len(errors), 4),
        "exact": round(errors.count(0) / len(errors), 4),
        "within_1": round(sum(e <= 1 for e in errors) / len(errors), 4),
        "exact_by_bin": by_bin,
    }


def _in_bin(value: int, low: int, high: int | None) -> bool:
    return value >= low and (high is None or value <= high)
