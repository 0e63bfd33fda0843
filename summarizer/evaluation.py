"""Run the pipeline over reference articles and score the briefs with the local metric."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.errors import ConfigError
from summarizer.ingest import read_article
from summarizer.metrics import ReferenceBrief
from summarizer.pipeline import Pipeline
from summarizer.schema import SECTIONS

DEFAULT_METRIC = Path(__file__).resolve().parent.parent / "eval" / "brief_recall"


@dataclass(frozen=True)
class EvalConfig:
    refs: Path
    metric: Path = DEFAULT_METRIC


def reference_dataset(refs: Path) -> Any:
    """A ``datasets.Dataset`` of (article path, reference JSON) rows."""
    from datasets import Dataset

    rows = []
    for ref_path in sorted(refs.glob("*.ref.json")):
        reference = ReferenceBrief.model_validate_json(ref_path.read_text(encoding="utf-8"))
        rows.append(
            {"path": str(refs / reference.article), "reference": reference.model_dump_json()}
        )
    if not rows:
        raise ConfigError(f"no reference briefs (*.ref.json) in {refs}")
    return Dataset.from_list(rows)


def evaluate_pipeline(pipeline: Pipeline, config: EvalConfig) -> dict[str, Any]:
    import evaluate

    if not (config.metric / f"{config.metric.name}.py").is_file():
        raise ConfigError(f"metric module not found: {config.metric}")
    dataset = reference_dataset(config.refs)
    briefs = pipeline.briefs([read_article(path) for path in dataset["path"]])
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
    return "\n".join(lines) + "\n"
