"""Run the pipeline over reference articles and score the briefs with the local metric."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.annotations import AnnotatedArticle, article_text, load_annotations
from summarizer.errors import ConfigError
from summarizer.evaluation.metrics import ReferenceBrief
from summarizer.fields import choice_value, field_spec
from summarizer.ingest import Article, read_article
from summarizer.numbers import parse_count
from summarizer.pipeline import Pipeline
from summarizer.schema import SECTIONS

# The metric is an `evaluate` module shipped inside the package, so an installed wheel has it.
DEFAULT_METRIC = Path(__file__).resolve().parent / "brief_recall"


@dataclass(frozen=True)
class EvalConfig:
    """``refs``: a folder of articles with ``*.ref.json``, or an annotation ``.jsonl`` file."""

    refs: Path
    metric: Path = DEFAULT_METRIC


# Fields a validation reference leaves out: time phrases and order kinds are not scored.
_UNSCORED = {"when", "effective", "kind", "announced_by"}


def reference_from_annotation(item: AnnotatedArticle, name: str) -> ReferenceBrief:
    facts: dict[str, list[dict[str, Any]]] = {section: [] for section in SECTIONS}
    for fact in item.facts:
        expected: dict[str, Any] = {"evidence": fact.evidence}
        for field, value in fact.fields.items():
            if field in _UNSCORED:
                continue
            spec = field_spec(fact.section, field)
            if spec.kind == "count":
                number = parse_count(value).value
                expected.update({"count": number} if number is not None else {"count_text": value})
            elif spec.kind == "choice":
                expected[field] = choice_value(spec, value)
            else:
                expected[field] = value
        if context := {f: v for f, v in fact.context.items() if f not in _UNSCORED}:
            expected["context"] = context
        facts[fact.section].append(expected)
    return ReferenceBrief.model_validate({"article": name, "facts": facts, "totals": item.totals})


def _reference_pairs(refs: Path) -> list[tuple[Article, ReferenceBrief]]:
    if refs.is_file():
        pairs = []
        for item in load_annotations(refs):
            name = f"{item.corpus}:{item.index if item.index is not None else item.id}"
            article = Article(source=name, text=article_text(item))
            pairs.append((article, reference_from_annotation(item, name)))
        return pairs
    pairs = []
    for ref_path in sorted(refs.glob("*.ref.json")):
        reference = ReferenceBrief.model_validate_json(ref_path.read_text(encoding="utf-8"))
        pairs.append((read_article(refs / reference.article), reference))
    return pairs


def reference_dataset(refs: Path) -> Any:
    """A ``datasets.Dataset`` of (article text, source, reference JSON) rows."""
    if not refs.exists():
        raise ConfigError(f"{refs}: no such file or folder")
    require_eval_extra()
    from datasets import Dataset

    rows = [
        {"source": article.source, "text": article.text, "reference": ref.model_dump_json()}
        for article, ref in _reference_pairs(refs)
    ]
    if not rows:
        raise ConfigError(f"no reference briefs (*.ref.json or annotations) in {refs}")
    return Dataset.from_list(rows)


def require_eval_extra() -> None:
    """One line, not a traceback, when the eval extra is not installed."""
    try:
        import datasets  # noqa: F401
        import evaluate  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            "summarizer eval needs the eval extra: pip install 'summarizer[eval]'"
        ) from exc


def evaluate_pipeline(
    pipeline: Pipeline, config: EvalConfig, dataset: Any | None = None
) -> dict[str, Any]:
    """Brief the reference articles and score the briefs; ``dataset``: the references as
    ``reference_dataset(config.refs)`` made them, when the caller already has them."""
    require_eval_extra()
    import evaluate

    if not (config.metric / f"{config.metric.name}.py").is_file():
        raise ConfigError(f"metric module not found: {config.metric}")
    if dataset is None:
        dataset = reference_dataset(config.refs)
    articles = [Article(source=row["source"], text=row["text"]) for row in dataset]
    briefs = pipeline.briefs(articles)
    predictions = [brief.model_dump_json() for brief in briefs]
    metric = evaluate.load(str(config.metric))
    result: dict[str, Any] = metric.compute(
        predictions=predictions, references=dataset["reference"]
    )
    result["briefs"] = [json.loads(p) for p in predictions]
    return result


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def markdown_report(result: dict[str, Any], model: str) -> str:
    header = "| article | " + " | ".join(SECTIONS) + " | overall | precision | dropped |"
    lines = [f"# Factual recall: {model}", "", header, "|---" * (len(SECTIONS) + 4) + "|"]
    rows = [*result["articles"], {**result["overall"], "article": "**all**"}]
    for row in rows:
        cells = [
            f"{_pct(row['sections'][s]['recall'])} ({row['sections'][s]['matched']}/"
            f"{row['sections'][s]['expected']})"
            for s in SECTIONS
        ]
        lines.append(
            f"| {row['article']} | "
            + " | ".join(cells)
            + f" | {_pct(row['recall'])} ({row['matched']}/{row['expected']})"
            + f" | {_pct(row['precision'])} | {row['dropped_values']} |"
        )
    return (
        "\n".join(
            lines
            + _context_lines(result["overall"])
            + _totals_lines(result["overall"])
            + _missed_lines(result["articles"])
        )
        + "\n"
    )


def _context_lines(overall: dict[str, Any]) -> list[str]:
    found = overall.get("context_values")
    if not found or not found["expected"]:
        return []
    return [
        "",
        f"Values from context (guide rule 24) in the matched records: {found['matched']} of "
        f"{found['expected']} ({_pct(found['recall'])}).",
    ]


def _totals_lines(overall: dict[str, Any]) -> list[str]:
    coded = overall.get("casualty_totals")
    if not coded:
        return []
    lines = [
        "",
        "## Casualty totals",
        "",
        "| outcome | articles | MAE | exact | within 1 | exact by bin |",
    ]
    lines.append("|---|---|---|---|---|---|")
    for outcome, score in coded.items():
        bins = ", ".join(
            f"{b}: {v['exact']:.2f} ({v['articles']})" for b, v in score["exact_by_bin"].items()
        )
        lines.append(
            f"| {outcome} | {score['articles']} | {score['mae']:.3f} | {score['exact']:.2f} "
            f"| {score['within_1']:.2f} | {bins} |"
        )
    return lines


def _missed_lines(articles: list[dict[str, Any]]) -> list[str]:
    entries = []
    for article in articles:
        for fact in article.get("missed", []):
            fields = ", ".join(
                f"{k}={v}" for k, v in fact.items() if k not in ("section", "evidence")
            )
            entries.append(
                f'- {article["article"]} · {fact["section"]} · {fields} · "{fact["evidence"]}"'
            )
    return ["", "## Missed facts", "", *entries] if entries else []
