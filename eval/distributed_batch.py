"""Batch briefs on `datasets`' multiprocess map: one worker process per GPU, or per CPU share.

    .venv/bin/python eval/distributed_batch.py ARTICLES.jsonl -o BRIEFS.jsonl --workers 4 --gpus 4

``Dataset.map(num_proc=N, with_rank=True)`` splits the rows into N contiguous shards, one
process each; a worker loads the model once and pins itself to GPU ``rank % gpus`` (or, with
no GPU, to its share of the CPU cores). Output rows have the shape `summarizer batch` writes:
``{"id", "ok", "brief"}`` or ``{"id", "ok": false, "error", "reason"}``, in input order.

For several machines, run ``summarizer batch SRC -o out.K.jsonl --shard K/N`` once per
machine or GPU under any scheduler (a SLURM array, a Kubernetes indexed job): each shard is
resumable on its own, and the outputs concatenate.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from datasets import Dataset

from summarizer.batch import BatchItem, iter_inputs
from summarizer.models import default_model

_PIPELINES: dict[str, Any] = {}


def rows_of(items: list[BatchItem]) -> Dataset:
    """Inputs as a Dataset; unreadable ones keep their reason and are not briefed."""
    return Dataset.from_list(
        [
            {
                "id": item.id,
                "text": item.article.text if item.article else None,
                "error": type(item.error).__name__ if item.error else None,
                "reason": str(item.error) if item.error else None,
            }
            for item in items
        ]
    )


def _pipeline(model: str, rank: int, gpus: int, threads: int) -> Any:
    """One pipeline per worker process, on its own GPU when there are GPUs."""
    if model not in _PIPELINES:
        if gpus:
            os.environ["CUDA_VISIBLE_DEVICES"] = str(rank % gpus)  # before CUDA starts here
        import torch

        from summarizer.backend import BackendConfig, load_backend
        from summarizer.pipeline import Pipeline

        if not gpus:
            torch.set_num_threads(threads)
        config = BackendConfig(model=model, device="cuda" if gpus else "cpu", threads=threads)
        _PIPELINES[model] = Pipeline(load_backend(config))
    return _PIPELINES[model]


def brief_rows(
    batch: dict[str, list[Any]], rank: int | None, model: str, gpus: int, threads: int
) -> dict[str, list[Any]]:
    from summarizer.ingest import Article

    pipeline = _pipeline(model, rank or 0, gpus, threads)
    good = [i for i, text in enumerate(batch["text"]) if text is not None]
    # Already read and checked by iter_inputs in the parent: not parsed a second time here.
    articles = [Article(source=batch["id"][i], text=batch["text"][i]) for i in good]
    briefs: list[str | None] = [None] * len(batch["id"])
    for index, brief in zip(good, pipeline.briefs(articles), strict=True):
        briefs[index] = brief.model_dump_json()
    return {"brief": briefs}


def output_row(row: dict[str, Any]) -> dict[str, Any]:
    if row["brief"] is None:
        return {"id": row["id"], "ok": False, "error": row["error"], "reason": row["reason"]}
    return {"id": row["id"], "ok": True, "brief": json.loads(row["brief"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="A folder of .txt files or a .jsonl file.")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--model", default=str(default_model()))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gpus", type=int, default=0, help="GPUs on this machine; 0: CPU.")
    parser.add_argument("--chunk-size", type=int, default=8)
    args = parser.parse_args()
    threads = max(1, (os.cpu_count() or 1) // args.workers)
    briefed = rows_of(list(iter_inputs(args.source))).map(
        brief_rows,
        batched=True,
        batch_size=args.chunk_size,
        num_proc=args.workers,
        with_rank=True,
        fn_kwargs={"model": args.model, "gpus": args.gpus, "threads": threads},
    )
    temporary = args.output.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for row in briefed:
            handle.write(json.dumps(output_row(row), ensure_ascii=False) + "\n")
    temporary.replace(args.output)
    print(f"{len(briefed)} rows -> {args.output}")


if __name__ == "__main__":
    main()
