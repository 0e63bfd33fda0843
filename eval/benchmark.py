"""Speed and memory of the brief pipeline, against a naive baseline, in one process.

    .venv/bin/python eval/benchmark.py                # shipped model, 200 articles
    .venv/bin/python eval/benchmark.py --device cuda  # on a GPU

Measures model load time; per-article latency (median of ``--runs``) for each seed article
and for a 1,000-word article; batch throughput over ``--articles`` articles of about
``--words`` words; peak resident memory. Then runs a naive baseline on the same model and
articles (one ``generate`` call per sentence and section, no batching, no routing of
sentences to prompts, no two-pass decoding, full output layer) and prints the ratios.
Writes JSON to ``--out`` and prints a table.

The benchmark articles are real news: gensim's Lee corpus (ABC news, 2001; needs the
training extra), consecutive stories joined until each reaches the word count. They are
not the seeds, and no brief is scored here: this measures time, not quality.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import torch
from real_copy import cpu_name  # eval/, the script's own folder

from summarizer.annotations import lee_articles
from summarizer.backend import BackendConfig, GenerationRequest, HFBackend, load_backend
from summarizer.decoding.processor import CopyConstraintProcessor
from summarizer.ingest import Article, parse_article, read_article
from summarizer.models import default_model
from summarizer.pipeline import Pipeline, PipelineConfig

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
CHUNK = 8  # articles per pipeline call, as `summarizer batch` does by default


def news_articles(count: int, words: int, offset: int = 0) -> list[Article]:
    """``count`` articles of at least ``words`` words, joined from consecutive Lee stories."""
    stories = lee_articles("lee_background")
    articles: list[Article] = []
    cursor = offset
    while len(articles) < count:
        paragraphs: list[str] = []
        while sum(len(p.split()) for p in paragraphs) < words:
            paragraphs.append(stories[cursor % len(stories)].strip())
            cursor += 1
        text = _cut_after(" \n\n".join(paragraphs), words)
        articles.append(parse_article(text.encode("utf-8"), source=f"lee-{len(articles):04d}"))
    return articles


def _cut_after(text: str, words: int) -> str:
    """``text`` up to the end of the sentence in which its ``words``-th word falls."""
    for seen, match in enumerate(re.finditer(r"\S+", text), 1):
        if seen >= words:
            end = re.search(r"[.!?][\"']?(\s|$)", text[match.start() :])
            return text if end is None else text[: match.start() + end.end()].rstrip()
    return text


class NaiveBackend:
    """The same model and constraints, one ``generate`` call per prompt, nothing else."""

    def __init__(self, fast: HFBackend) -> None:
        self.fast = fast
        self.name, self.device, self.dtype = fast.name, fast.device, fast.dtype
        self.load_seconds, self.constrained = fast.load_seconds, fast.constrained
        self.template_version = fast.template_version
        self.abstain_at: float | None = None  # plain generate: no first-step abstention

    def generate(self, requests: Sequence[GenerationRequest]) -> list[str]:
        return [self._one(request) for request in requests]

    def _one(self, request: GenerationRequest) -> str:
        fast = self.fast
        inputs = fast.tokenizer(request.prompt, return_tensors="pt", truncation=True).to(
            fast.device
        )
        prefix = fast.tokenizer(request.decoder_prefix, add_special_tokens=False)["input_ids"]
        start = [fast.model.config.decoder_start_token_id, *prefix]
        processors = []
        if fast.constraints is not None:
            row = fast.constraints.row(request.section, request.source)
            processors.append(CopyConstraintProcessor([row], forced=len(prefix)))
        with torch.inference_mode():
            output = fast.model.generate(
                input_ids=inputs["input_ids"],
                attention_mask=inputs["attention_mask"],
                decoder_input_ids=torch.tensor([start], device=fast.device),
                logits_processor=processors,
                max_new_tokens=fast.config.max_new_tokens,
                do_sample=False,
            )
        return fast.tokenizer.decode(output[0][len(start) :], skip_special_tokens=True)  # type: ignore[no-any-return]


def _median_seconds(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _throughput(pipeline: Pipeline, articles: list[Article]) -> dict[str, float]:
    started = time.perf_counter()
    for begin in range(0, len(articles), CHUNK):
        pipeline.briefs(articles[begin : begin + CHUNK])
    seconds = time.perf_counter() - started
    words = sum(len(a.text.split()) for a in articles)
    return {
        "articles": len(articles),
        "mean_words": round(words / len(articles), 1),
        "seconds": round(seconds, 2),
        "articles_per_second": round(len(articles) / seconds, 2),
    }


def _latencies(pipeline: Pipeline, articles: dict[str, Article], runs: int) -> dict[str, dict]:
    return {
        name: {
            "words": len(article.text.split()),
            "seconds": round(_median_seconds(partial(pipeline.brief, article), runs), 3),
        }
        for name, article in articles.items()
    }


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _timed(generate: Callable[[], list[str]]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    outputs = generate()
    return time.perf_counter() - started, outputs


def _model_part(reference: HFBackend, articles: list[Article], threads: int) -> dict:
    """The generate stage alone on one set of prompts: transformers (the reference), the
    default CTranslate2 runtime with its constraint replay, and plain CTranslate2 int8 with
    no constraints (with and without its vocabulary map), in one process."""
    import ctranslate2

    from summarizer.ct2 import CT2Backend

    requests = list(dict.fromkeys(Pipeline(reference).requests(articles)))
    ct2 = CT2Backend(replace(reference.config, dtype="auto", runtime="ct2"))
    translator = ctranslate2.Translator(
        ct2.folder, device="cpu", compute_type="int8", intra_threads=threads
    )
    sources = [
        reference.tokenizer.convert_ids_to_tokens(ids)
        for ids in reference.tokenizer([r.prompt for r in requests], truncation=True)["input_ids"]
    ]
    prefixes = [reference.tokenizer.tokenize(r.decoder_prefix) for r in requests]

    def plain(use_vmap: bool) -> list[str]:
        results = translator.translate_batch(
            sources,
            # CTranslate2 4.x misreads a target prefix on its vocabulary map (see summarizer.ct2)
            target_prefix=prefixes if any(prefixes) and not use_vmap else None,
            beam_size=1,
            max_decoding_length=reference.config.max_new_tokens,
            max_batch_size=reference.config.batch_tokens,
            batch_type="tokens",
            use_vmap=use_vmap,
        )
        return [" ".join(r.hypotheses[0]) for r in results]

    runs = {
        "transformers": lambda: reference.generate(requests),
        "ct2_int8_constrained": lambda: ct2.generate(requests),
        "ct2_int8_unconstrained": lambda: plain(False),
        "ct2_int8_unconstrained_vmap": lambda: plain(True),
    }
    for generate in runs.values():  # warm-up
        generate()
    seconds = {name: _timed(generate) for name, generate in runs.items()}
    same = sum(
        a == b
        for a, b in zip(seconds["transformers"][1], seconds["ct2_int8_constrained"][1], strict=True)
    )
    return {
        "articles": len(articles),
        "prompts": len(requests),
        "seconds": {name: round(value, 2) for name, (value, _) in seconds.items()},
        "same_output_as_transformers": same,
    }


def run(args: argparse.Namespace) -> dict:
    if args.threads:
        torch.set_num_threads(args.threads)
    config = BackendConfig(
        model=args.model, device=args.device, dtype=args.dtype, runtime=args.runtime
    )
    backend = load_backend(config)
    fast = Pipeline(backend)
    timed = {path.name: read_article(path) for path in SEEDS}
    timed["lee-1000-words"] = news_articles(1, 1000, offset=150)[0]
    corpus = news_articles(args.articles, args.words)
    fast.briefs(corpus[:CHUNK])  # warm-up: first-call allocations are not the steady state
    result: dict = {
        "model": args.model,
        "runtime": type(backend).__name__,
        "device": backend.device,
        "dtype": backend.dtype,
        "threads": torch.get_num_threads(),
        "cpu": cpu_name(),
        "load_seconds": round(backend.load_seconds, 3),
        "latency": _latencies(fast, timed, args.runs),
        "throughput": _throughput(fast, corpus),
    }
    result["peak_rss_mb"] = _peak_rss_mb()  # before the baseline: the shipped path only
    reference = (
        backend
        if isinstance(backend, HFBackend)
        else HFBackend(replace(config, runtime="hf", dtype=args.reference_dtype))
    )
    result["model_part"] = _model_part(
        reference, corpus[: args.model_part_articles], torch.get_num_threads()
    )
    naive = Pipeline(NaiveBackend(reference), PipelineConfig(route=False))
    baseline_corpus = corpus[: args.baseline_articles or len(corpus)]
    result["baseline"] = {
        "latency": _latencies(naive, timed, 1),
        "throughput": _throughput(naive, baseline_corpus),
    }
    result["speedup"] = {
        "throughput": round(
            result["throughput"]["articles_per_second"]
            / result["baseline"]["throughput"]["articles_per_second"],
            1,
        ),
        **{
            name: round(result["baseline"]["latency"][name]["seconds"] / entry["seconds"], 1)
            for name, entry in result["latency"].items()
        },
    }
    return result


def table(result: dict) -> str:
    lines = [
        f"model {result['model']} on {result['device']} ({result['dtype']}, "
        f"{result['threads']} threads); load {result['load_seconds']} s; "
        f"peak RSS {result['peak_rss_mb']} MB",
        f"{'measure':<38} {'pipeline':>10} {'naive':>10} {'speedup':>8}",
    ]
    for name, entry in result["latency"].items():
        naive = result["baseline"]["latency"][name]["seconds"]
        label = f"latency {name} ({entry['words']} words), s"
        lines.append(
            f"{label:<38} {entry['seconds']:>10} {naive:>10} {result['speedup'][name]:>7}x"
        )
    ours, theirs = result["throughput"], result["baseline"]["throughput"]
    label = f"articles/s ({ours['mean_words']:.0f}-word articles)"
    lines.append(
        f"{label:<38} {ours['articles_per_second']:>10} {theirs['articles_per_second']:>10} "
        f"{result['speedup']['throughput']:>7}x"
    )
    lines.append(f"throughput over {ours['articles']} articles; baseline over {theirs['articles']}")
    part = result["model_part"]
    lines.append(
        f"model part, {part['prompts']} prompts of {part['articles']} articles "
        f"({part['same_output_as_transformers']} outputs as transformers writes them):"
    )
    lines += [f"  {name:<36} {seconds:>8} s" for name, seconds in part["seconds"].items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(default_model()))
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument(
        "--dtype", default="auto", choices=["auto", "float32", "float16", "bfloat16"]
    )
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-articles", type=int, default=0, help="0: all of --articles.")
    parser.add_argument("--threads", type=int, default=0, help="0: torch's default.")
    parser.add_argument("--runtime", default="auto", choices=["auto", "hf", "ct2"])
    parser.add_argument(
        "--reference-dtype",
        default="auto",
        choices=["auto", "float32", "float16", "bfloat16"],
        help="dtype of the transformers reference (naive baseline and model-part comparison).",
    )
    parser.add_argument(
        "--model-part-articles",
        type=int,
        default=48,
        help="Articles whose prompts time the runtimes.",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "benchmark.json")
    args = parser.parse_args(argv)
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(table(result))
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
