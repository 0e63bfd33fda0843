"""Count the encoder's work per template version: the tokens a split's prompts give the encoder.

    .venv/bin/python eval/encoder_load.py [--refs REFS] [--versions 3 6] [--out REPORT]

For each version the pipeline builds the prompts it would send for every article of the split
(routing and budgets as `summarizer eval`), and the shipped model's tokenizer counts them:
``row_tokens`` is what a runtime that encodes every (sentence, section) row pays (CTranslate2),
``distinct_tokens`` what one that encodes each distinct input once pays (transformers from v6,
where the section is the decoder's prefix and no longer part of the input), and
``padded_distinct_tokens`` the latter with the padding of its length-sorted batches, one article
a brief. Tokenization only: no model runs, so the counts are exact and the same on every
machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from transformers import AutoTokenizer

from summarizer.annotations import article_text, load_annotations
from summarizer.backend import BackendConfig, ScriptedBackend
from summarizer.decoding.batching import token_batches
from summarizer.ingest import Article
from summarizer.models import default_model
from summarizer.pipeline import Pipeline, PipelineConfig

ROOT = Path(__file__).resolve().parents[1]
WIRE_SPLIT = ROOT / "models/training-data/wire_000-069.validation.jsonl"


def version_load(articles: list[Any], version: int, tokenizer: Any) -> dict[str, Any]:
    pipeline = Pipeline(ScriptedBackend({}), PipelineConfig(template_version=version))
    per_article = [[r.prompt for r in pipeline.requests([article])] for article in articles]
    prompts = [prompt for article_prompts in per_article for prompt in article_prompts]
    lengths = {prompt: len(tokenizer(prompt)["input_ids"]) for prompt in set(prompts)}
    rows = [lengths[prompt] for prompt in prompts]
    return {
        "rows": len(rows),
        "distinct_inputs": len(lengths),
        "row_tokens": sum(rows),
        "distinct_tokens": sum(lengths.values()),
        "median_row_tokens": statistics.median(rows),
        # Briefing one article at a time, each distinct input once, in transformers' batches.
        "padded_distinct_tokens": sum(
            _padded([lengths[p] for p in dict.fromkeys(article_prompts)])
            for article_prompts in per_article
        ),
    }


def _padded(lengths: list[int]) -> int:
    config = BackendConfig(model="")
    batches = token_batches(lengths, config.batch_tokens, config.batch_size)
    return sum(len(batch) * max(lengths[i] for i in batch) for batch in batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refs", type=Path, default=WIRE_SPLIT, help="annotations (.jsonl)")
    parser.add_argument("--versions", type=int, nargs="+", default=[3, 6])
    parser.add_argument("--out", type=Path, default=ROOT / "eval/reports/encoder_load.json")
    args = parser.parse_args()
    articles = [
        Article(source=str(item.id), text=article_text(item))
        for item in load_annotations(args.refs)
    ]
    tokenizer = AutoTokenizer.from_pretrained(default_model())
    report = {
        "refs": str(args.refs.resolve().relative_to(ROOT)),
        "articles": len(articles),
        "versions": {str(v): version_load(articles, v, tokenizer) for v in args.versions},
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
