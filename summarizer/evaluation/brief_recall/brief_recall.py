"""Factual recall of structured briefs against hand-written reference briefs.

It ships inside the package: load it offline with
``evaluate.load(str(summarizer.evaluation.run.DEFAULT_METRIC))``. Predictions are briefs
and references are reference briefs, each as a JSON string; the scoring itself lives in
``summarizer.evaluation.metrics`` so it is unit-tested with the package.
"""

import json

import datasets
import evaluate

from summarizer.evaluation.metrics import ReferenceBrief, aggregate, score_brief

_DESCRIPTION = """Per-section and overall factual recall (reference facts matched by the brief /
reference facts), precision-type figures (predicted records matching no reference fact) and the
number of values the brief dropped (ungrounded, or negated by
its sentence)."""

_INPUTS = """
Args:
    predictions: briefs as JSON strings (the output of `summarizer brief`).
    references: reference briefs as JSON strings (`seeds/*.ref.json`).
Returns:
    overall: micro-averaged recall, precision and counts, overall and per section.
    articles: the same figures for each article.
"""


class BriefRecall(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_INPUTS,
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(self, predictions: list[str], references: list[str]) -> dict:
        per_article = [
            score_brief(json.loads(p), ReferenceBrief.model_validate_json(r))
            for p, r in zip(predictions, references, strict=True)
        ]
        return {"overall": aggregate(per_article), "articles": per_article}
