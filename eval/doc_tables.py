"""Regenerate the measured numbers in the README, the model card and the data README.

    .venv/bin/python eval/doc_tables.py           # rewrite the generated regions
    .venv/bin/python eval/doc_tables.py --check   # exit 1, naming the files, if any is stale

Every number comes from a committed file:
- ``eval/reports/{seeds,synthetic,lee}/report.json``: ``summarizer eval --refs SET --out
  eval/reports/NAME`` (commands in ``eval/reports/README.md``);
- ``eval/reports/benchmark.json``: ``eval/benchmark.py --out eval/reports/benchmark.json``;
- ``eval/reports/ray.json``: ``eval/ray_benchmark.py --out eval/reports/ray.json``;
- ``eval/reports/real_copy.json``: ``eval/real_copy.py`` (scores on the real-copy sets);
- ``models/brief-minilm/training_report.json``: written by ``summarizer train``;
- the annotation files in ``models/training-data/``, counted directly.

A generated region is marked ``<!-- generated:NAME -->`` ... ``<!-- /generated:NAME -->``;
only its inside is rewritten. ``tests/test_doc_tables.py`` fails when a committed document
differs from what this script makes of the committed reports.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.annotations import AnnotatedArticle, load_annotations
from summarizer.schema import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
REPORTS = Path("eval/reports")
MODEL_CARD = Path("models/brief-minilm/README.md")
TRAINING_REPORT = Path("models/brief-minilm/training_report.json")
DATA_DIR = Path("models/training-data")
SYNTHETIC = "models/training-data/synthetic_000-039.validation.jsonl"
LEE = "models/training-data/lee_000-049.validation.jsonl"
WIRE = "models/training-data/wire_000-069.validation.jsonl"
VALIDATION = ("lee", "synthetic")
# Targets the model card's status line is judged against.
VALIDATION_TARGET = 0.80
SEED_TARGET = 0.90
SEED_SECTION_TARGET = 0.80

_REGION = re.compile(r"(<!-- generated:([\w-]+) -->)(.*?)(<!-- /generated:\2 -->)", re.DOTALL)


@dataclass(frozen=True)
class Sources:
    """Everything the documents' numbers come from."""

    evaluations: dict[str, dict[str, Any]]  # split name -> report.json's "overall"
    training: dict[str, Any]
    benchmark: dict[str, Any] | None
    annotations: dict[str, int]  # articles, train articles, facts per section
    real_copy: dict[str, Any] | None = None
    ray: dict[str, Any] | None = None  # eval/reports/ray.json
    install: dict[str, Any] | None = None  # eval/reports/install.json
    wire_coverage: dict[str, dict[str, Any]] | None = None  # counted from the data files
    sample_brief: str | None = None  # eval/reports/sample_brief.md


def load_sources(root: Path = ROOT) -> Sources:
    evaluations = {
        name: _read_json(root / REPORTS / name / "report.json")["overall"] for name in SET_ORDER
    }
    benchmark_path = root / REPORTS / "benchmark.json"
    benchmark = _read_json(benchmark_path) if benchmark_path.is_file() else None
    real_copy_path = root / REPORTS / "real_copy.json"
    ray_path = root / REPORTS / "ray.json"
    install_path = root / REPORTS / "install.json"
    sample_path = root / REPORTS / "sample_brief.md"
    return Sources(
        evaluations=evaluations,
        training=_read_json(root / TRAINING_REPORT),
        benchmark=benchmark,
        annotations=count_annotations(root / DATA_DIR),
        real_copy=_read_json(real_copy_path) if real_copy_path.is_file() else None,
        ray=_read_json(ray_path) if ray_path.is_file() else None,
        install=_read_json(install_path) if install_path.is_file() else None,
        sample_brief=sample_path.read_text(encoding="utf-8") if sample_path.is_file() else None,
        wire_coverage=coverage(root / DATA_DIR),
    )


# --- what the seventh-round wire articles cover, counted from the files themselves (the
# writers' own tallies of countries, outlets and kinds of event: models/training-data/coverage/)
WIRE_FILES = re.compile(r"^(wire8_[a-z]+)_\d+\.jsonl$|^(wire)_\d+-\d+\.validation\.jsonl$")
_DIGIT = re.compile(r"\d")
_LAKH = re.compile(r"\b(?:lakh|crore)s?\b|\d,\d\d,\d{3}\b", re.I)
_RANGE = re.compile(r"\d\s*(?:-|to|and)\s*\d|\bbetween\b", re.I)
_ORDER_WORD = re.compile(r"\border", re.I)


def _group(path: Path) -> str | None:
    match = WIRE_FILES.match(path.name)
    if match is None:
        return None
    return match.group(1) or "wire validation"


def coverage(folder: Path) -> dict[str, dict[str, Any]]:
    """Per group of files (a writer's slice, or the validation split): counts of articles,
    lengths, facts and the phenomena the issue asked for."""
    groups: dict[str, list[AnnotatedArticle]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        name = _group(path)
        if name is not None:
            groups.setdefault(name, []).extend(load_annotations(path))
    return {name: _counts(items) for name, items in groups.items()}


def _counts(items: list[AnnotatedArticle]) -> dict[str, Any]:
    words = [len((item.text or "").split()) for item in items]
    facts = [fact for item in items for fact in item.facts]
    sections = Counter(fact.section for fact in facts)
    counts = [fact.fields["count"] for fact in facts if "count" in fact.fields]
    headlines = {
        (item.id, line) for item in items for line in [(item.text or "").split("\n", 1)[0]]
    }
    return {
        "articles": len(items),
        "median_words": int(statistics.median(words)) if words else 0,
        "max_words": max(words, default=0),
        "no_facts": sum(not item.facts for item in items),
        "facts": dict(sections),
        "context_facts": sum(bool(fact.context) for fact in facts),
        "headline_facts": sum(
            (item.id, fact.evidence) in headlines for item in items for fact in item.facts
        ),
        "orders_without_order": sum(
            fact.section == "orders" and not _ORDER_WORD.search(fact.evidence) for fact in facts
        ),
        "counts_in_words": sum(not _DIGIT.search(count) for count in counts),
        "lakh_crore_counts": sum(bool(_LAKH.search(count)) for count in counts),
        "range_counts": sum(bool(_RANGE.search(count)) for count in counts),
    }


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def count_annotations(folder: Path) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for path in sorted(folder.glob("*.jsonl")):
        for item in load_annotations(path):
            counts["articles"] += 1
            counts["train"] += item.split == "train"
            counts.update(fact.section for fact in item.facts)
    return dict(counts)


# -- formatting ---------------------------------------------------------------------------


def _fraction(scores: dict[str, Any]) -> str:
    """'0.56 (10/18)', or 'n/a' where nothing was expected."""
    if not scores["expected"]:
        return "n/a"
    return f"{_ratio(_recall(scores))} ({scores['matched']}/{scores['expected']})"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _recall(scores: dict[str, Any]) -> float | None:
    """From the counts: report.json's own ratios are rounded to four places already."""
    return scores["matched"] / scores["expected"] if scores["expected"] else None


def _precision(scores: dict[str, Any]) -> float | None:
    found = scores["predicted"] - scores["unmatched_predictions"]
    return found / scores["predicted"] if scores["predicted"] else None


def _validation_total(sources: Sources) -> dict[str, int]:
    parts = [sources.evaluations[name] for name in VALIDATION]
    return {key: sum(p[key] for p in parts) for key in ("matched", "expected")}


def _readme_set(name: str, overall: dict[str, Any]) -> str:
    facts = overall["expected"]
    return {
        "seeds": f"seeds ({facts} facts)",
        "lee": f"Lee validation (`{LEE}`, {facts} facts)",
        "synthetic": f"synthetic validation (`{SYNTHETIC}`, {facts} facts)",
        "wire": f"wire validation (`{WIRE}`, {facts} facts)",
    }[name]


def _card_set(name: str, overall: dict[str, Any]) -> str:
    kind = {"seeds": "seeds", "lee": "Lee validation", "synthetic": "synthetic validation",
            "wire": "wire validation"}[name]  # fmt: skip
    return f"{kind} ({overall['articles']} articles, {overall['expected']} facts)"


SET_ORDER = ("seeds", "lee", "synthetic", "wire")


# -- regions ------------------------------------------------------------------------------


def readme_eval_table(sources: Sources) -> str:
    rows = ["| set | factual recall | precision | dropped values |", "|---|---|---|---|"]
    for name in SET_ORDER:
        overall = sources.evaluations[name]
        rows.append(
            f"| {_readme_set(name, overall)} | {_fraction(overall)} "
            f"| {_ratio(_precision(overall))} | {overall['dropped_values']} |"
        )
    rows.append(f"| both validation splits | {_fraction(_validation_total(sources))} | | |")
    return _block(rows)


def card_eval_table(sources: Sources) -> str:
    header = "| set | recall | " + " | ".join(SECTIONS) + " | precision | dropped values |"
    rows = [header, "|---" * (len(SECTIONS) + 4) + "|"]
    for name in SET_ORDER:
        overall = sources.evaluations[name]
        cells = [_fraction(overall), *(_fraction(overall["sections"][s]) for s in SECTIONS)]
        rows.append(
            f"| {_card_set(name, overall)} | "
            + " | ".join(cells)
            + f" | {_ratio(_precision(overall))} | {overall['dropped_values']} |"
        )
    total = _fraction(_validation_total(sources))
    rows.append(f"| both validation splits | **{total}** |" + " |" * (len(SECTIONS) + 2))
    return _block(rows)


def card_status(sources: Sources) -> str:
    total = _validation_total(sources)
    validation = total["matched"] / total["expected"]
    seeds = sources.evaluations["seeds"]
    seed_recall = seeds["matched"] / seeds["expected"]
    short = [
        f"{section} {_ratio(_recall(scores))}"
        for section, scores in seeds["sections"].items()
        if scores["expected"] and scores["matched"] / scores["expected"] < SEED_SECTION_TARGET
    ]
    validation_met = validation >= VALIDATION_TARGET
    seeds_met = seed_recall >= SEED_TARGET and not short
    verdict = (
        f"validation target {'met' if validation_met else 'not met'}, "
        f"seed targets {'met' if seeds_met else 'not'}"
    )
    misses = f": {' and '.join(short)} miss it" if short else ""
    return (
        f"**Status: {verdict}.** Over both validation splits together "
        f"{validation:.2f} ({total['matched']}/{total['expected']}; target "
        f"{VALIDATION_TARGET:.2f}): synthetic validation "
        f"{_ratio(_recall(sources.evaluations['synthetic']))}, Lee validation "
        f"{_ratio(_recall(sources.evaluations['lee']))}. Seeds {seed_recall:.2f} (target "
        f"{SEED_TARGET:.2f} overall and {SEED_SECTION_TARGET:.2f} a section{misses})."
    )


def training_run(sources: Sources) -> str:
    report = sources.training
    steps, planned = report["steps"], report["planned_steps"]
    minutes = round(report["train_minutes"])
    if steps < planned:
        return (
            f"the shipped model was stopped by this budget at step {steps:,} of {planned:,}, "
            f"after {minutes} minutes"
        )
    return f"the shipped model finished all {planned:,} steps in {minutes} minutes"


def train_articles(sources: Sources) -> str:
    return f"{sources.training['train_articles']:,}"


def data_counts(sources: Sources) -> str:
    counts = sources.annotations
    facts = ", ".join(f"{section} {counts.get(section, 0):,}" for section in _DATA_SECTIONS)
    return f"{facts} ({counts['articles']:,} articles; {counts['train']:,} of them train)"


_DATA_SECTIONS = ("casualties", "orders", "displacement", "escapes")

BENCHMARK_MISSING = (
    "_Not measured with today's pipeline yet: run `eval/benchmark.py --out "
    "eval/reports/benchmark.json`, then `eval/doc_tables.py`._"
)


def _latency_label(name: str, words: int) -> str:
    if name.endswith(".txt"):
        return f"seed `{name.split('_')[0]}`, {words:,} words"
    return f"{words:,}-word article (Lee corpus)"


def readme_benchmark_table(sources: Sources) -> str:
    result = sources.benchmark
    if result is None:
        return _block([BENCHMARK_MISSING])
    naive = result["baseline"]
    rows = [
        f"`eval/benchmark.py` on {result['device']}, {result['dtype']}, "
        f"{result['threads']} thread{'s' if result['threads'] != 1 else ''}; the naive "
        f"baseline's throughput over {naive['throughput']['articles']} articles.",
        "",
        "| measure | pipeline | naive baseline | speedup |",
        "|---|---|---|---|",
        f"| model load | {result['load_seconds']:.1f} s | | |",
    ]
    for name, entry in result["latency"].items():
        rows.append(
            f"| {_latency_label(name, entry['words'])} | {entry['seconds']:.3f} s "
            f"| {naive['latency'][name]['seconds']:.2f} s | {result['speedup'][name]:.1f}x |"
        )
    ours = result["throughput"]
    rows.append(
        f"| batch, {ours['articles']} articles of {ours['mean_words']:.0f} words "
        f"| {ours['articles_per_second']:.2f} articles/s "
        f"| {naive['throughput']['articles_per_second']:.2f} articles/s "
        f"| {result['speedup']['throughput']:.1f}x |"
    )
    rows.append(f"| peak resident memory | {result['peak_rss_mb']:.0f} MB | | |")
    return _block(rows)


MODEL_PART_LABELS = {
    "transformers": "transformers (the reference runtime, `--runtime hf`)",
    "ct2_int8_constrained": "CTranslate2 int8 with exact copy constraints (the default)",
    "ct2_int8_unconstrained": "plain CTranslate2 int8, no constraints",
    "ct2_int8_unconstrained_vmap": "plain CTranslate2 int8, no constraints, vocabulary map",
}


def readme_model_part_table(sources: Sources) -> str:
    part = (sources.benchmark or {}).get("model_part")
    if part is None:
        return _block([BENCHMARK_MISSING])
    rows = [
        f"The generate stage alone on the {part['prompts']} prompts of {part['articles']} "
        f"benchmark articles, each runtime in the same process "
        f"({part['same_output_as_transformers']} of the {part['prompts']} outputs of the "
        "default runtime are the ones transformers writes):",
        "",
        "| runtime | seconds | prompts/s |",
        "|---|---|---|",
    ]
    for name, seconds in part["seconds"].items():
        label = MODEL_PART_LABELS.get(name, name)
        rows.append(f"| {label} | {seconds:.2f} | {part['prompts'] / seconds:.0f} |")
    return _block(rows)


def card_benchmark(sources: Sources) -> str:
    result = sources.benchmark
    if result is None:
        return BENCHMARK_MISSING
    latencies = "; ".join(
        f"{entry['seconds']:.3f} s for the {_latency_label(name, entry['words'])}"
        for name, entry in result["latency"].items()
    )
    return (
        f"`eval/benchmark.py` ({result['device']}, {result['dtype']}, {result['threads']} "
        f"threads): load {result['load_seconds']:.1f} s; median of the runs {latencies}; "
        f"{result['throughput']['articles_per_second']:.2f} articles a second; peak resident "
        f"memory {result['peak_rss_mb']:.0f} MB."
    )


BIN_LABEL = {"killed": "deaths", "wounded": "people wounded"}


def readme_real_copy_table(sources: Sources) -> str:
    real = sources.real_copy
    if real is None:
        return _block(["_Not measured yet: run `eval/real_copy.py`, then `eval/doc_tables.py`._"])
    news, external, satp = real["realnews_dev"], real["external_eval"], real["satp_dev"]
    sections = ", ".join(
        f"{name} {_ratio(score['recall'])}/{_ratio(score['precision'])}"
        for name, score in news["sections"].items()
    )
    record = external["per_record"]
    lines = [
        "| set | measure | result |",
        "|---|---|---|",
        f"| realnews-dev ({news['expected']} facts, 40 articles) | recall, precision "
        f"| {_ratio(news['recall'])} ({news['matched']}/{news['expected']}), "
        f"{_ratio(news['precision'])} (by section, recall/precision: {sections}) |",
        f"| external-eval ({record['total']} third-party figures) | found in one record "
        f"(`--per-record`) | {record['recall']:.3f} ({record['found']}/{record['total']}) |",
    ]
    for outcome in ("killed", "wounded"):
        score = satp[outcome]
        bins = ", ".join(f"{b}: {v['exact']:.2f}" for b, v in score["exact_by_bin"].items())
        lines.append(
            f"| satp-dev ({satp['incidents']} incidents, {satp['refused']} refused) | {outcome} "
            f"total: MAE, exact, within 1 | {score['mae']:.3f}, {score['exact']:.3f}, "
            f"{score['within_1']:.3f} (exact by {BIN_LABEL[outcome]} in the incident: {bins}) |"
        )
    return _block(lines)


def _block(lines: list[str]) -> str:
    return "\n" + "\n".join(lines) + "\n"


RAY_MISSING = (
    "_Not measured yet: run `eval/ray_benchmark.py --out eval/reports/ray.json`, then "
    "`eval/doc_tables.py`._"
)


def readme_ray_table(sources: Sources) -> str:
    """The Scaling out section's table: the local batch and 1 and 2 Ray actors."""
    result = sources.ray
    if result is None:
        return _block([RAY_MISSING])
    articles, local = result["articles"], result["local"]
    load = result["load_average_before"][0]
    rows = [
        f"`eval/ray_benchmark.py` on this {result['cpus']}-core machine (load average "
        f"{load:.2f} as it started), {articles} synthetic articles of "
        f"{result['mean_words']:.0f} words, the shipped model on {result['runtime']}, one "
        f"thread per actor; Ray {result['ray']}.",
        "",
        "| run | briefing | articles/s | start-up (Ray, actors, model) | peak memory per actor "
        "| records as the local batch's |",
        "|---|---|---|---|---|---|",
        f"| local `batch`, one process | {local['seconds']:.1f} s "
        f"| {local['articles_per_second']:.2f} | | | |",
        "| two local `batch` processes side by side, half the articles each, no Ray "
        f"| | {local['two_processes_articles_per_second']:.2f} | | | |",
    ]
    for count, run in sorted(result["actors"].items()):
        memory = ", ".join(f"{mb:,}" for mb in run["peak_rss_mb_per_actor"])
        rows.append(
            f"| Ray, {count} actor{'s' if count != '1' else ''} "
            f"| {run['briefing_seconds']:.1f} s | {run['articles_per_second']:.2f} "
            f"| {run['startup_seconds']:.1f} s | {memory} MB "
            f"| {run['same_records']}/{articles} |"
        )
    one = result["actors"]["1"]
    plain = local["two_processes_articles_per_second"] / local["articles_per_second"]
    rows += [
        "",
        f"Two actors brief {result['speedup_2_over_1']:.2f} times as many articles a second "
        f"as one; two plain processes side by side, {plain:.2f} times as many as one process. "
        f"Ray's own cost: {one['idle_ms_per_article']:.1f} ms per article of actor "
        "time between blocks (1 actor); the same articles took "
        f"{result['overhead_ms_per_article']:.1f} ms more each on the actor than in the "
        "local process.",
    ]
    return _block(rows)


def real_copy_summary(sources: Sources) -> str:
    """One sentence for the README's top: recall on real copy, and where it was measured."""
    real = sources.real_copy
    if real is None:
        return "not measured yet (run `eval/real_copy.py`)"
    news, record = real["realnews_dev"], real["external_eval"]["per_record"]
    killed = real["satp_dev"]["killed"]
    return (
        f"{_ratio(news['recall'])} of the facts in 40 real article openings at precision "
        f"{_ratio(news['precision'])} (`../shared/realnews-dev`, {news['expected']} hand-written "
        f"facts); {record['found']} of {record['total']} third-party casualty and displacement "
        f"figures found in one record (`../shared/external-eval`); the killed total exactly right "
        f"in {killed['exact']:.0%} of {real['satp_dev']['incidents']} incident reports "
        "(`../shared/satp-dev`)"
    )


def install_size(sources: Sources) -> str:
    install = sources.install
    if install is None:
        return "not measured yet (run `eval/install_size.py`)"
    leftovers = ", ".join(install["training_or_dev_packages"]) or "none"
    return (
        f"{install['venv_mb']:,} MB on disk, torch {install['torch_mb']:,} MB of it; training "
        f"or development packages in it: {leftovers}"
    )


def wire_coverage(sources: Sources) -> str:
    groups = sources.wire_coverage or {}
    if not groups:
        return _block(["_No seventh-round files yet._"])
    lines = [
        "| files | articles | words (median, max) | no facts | casualties | orders | displacement "
        '| escapes | context facts | headline facts | orders without "order" | counts in words '
        "| lakh/crore | ranges |",
        "|---" * 14 + "|",
    ]
    for name, c in groups.items():
        facts = [f"{c['facts'].get(s, 0):,}" for s in _DATA_SECTIONS]
        lines.append(
            f"| `{name}` | {c['articles']} | {c['median_words']}, {c['max_words']} "
            f"| {c['no_facts']} | {' | '.join(facts)} | {c['context_facts']} "
            f"| {c['headline_facts']} | {c['orders_without_order']} | {c['counts_in_words']} "
            f"| {c['lakh_crore_counts']} | {c['range_counts']} |"
        )
    return _block(lines)


def sample_brief(sources: Sources) -> str:
    if sources.sample_brief is None:
        return _block(["_Not generated yet: see `eval/reports/README.md`._"])
    return _block(["```markdown", sources.sample_brief.rstrip("\n"), "```"])


Renderer = Callable[[Sources], str]
DOCUMENTS: dict[Path, dict[str, Renderer]] = {
    Path("README.md"): {
        "real-copy-summary": real_copy_summary,
        "install-size": install_size,
        "sample-brief": sample_brief,
    },
    Path("docs/benchmarks.md"): {
        "eval-table": readme_eval_table,
        "benchmark-table": readme_benchmark_table,
        "model-part-table": readme_model_part_table,
        "real-copy-table": readme_real_copy_table,
    },
    Path("docs/architecture.md"): {"ray-table": readme_ray_table},
    Path("docs/training.md"): {"training-run": training_run},
    MODEL_CARD: {
        "status": card_status,
        "train-articles": train_articles,
        "eval-table": card_eval_table,
        "benchmark": card_benchmark,
    },
    DATA_DIR / "README.md": {"data-counts": data_counts, "wire-coverage": wire_coverage},
}


class StaleRegionError(ValueError):
    """A document's generated regions do not match what this script knows how to make."""


def regenerate(text: str, renderers: dict[str, Renderer], sources: Sources) -> str:
    """``text`` with the inside of each generated region rendered afresh."""
    found = [match.group(2) for match in _REGION.finditer(text)]
    unknown = sorted(set(found) - renderers.keys())
    missing = sorted(renderers.keys() - set(found))
    if unknown or missing or len(found) != len(set(found)):
        raise StaleRegionError(
            f"regions: unknown {unknown}, missing {missing}, found {found} "
            "(an unclosed marker also shows up as missing)"
        )
    return _REGION.sub(lambda m: m.group(1) + renderers[m.group(2)](sources) + m.group(4), text)


def documents(root: Path = ROOT) -> dict[Path, tuple[str, str]]:
    """Each document's (committed text, text regenerated from the committed reports)."""
    sources = load_sources(root)
    result = {}
    for relative, renderers in DOCUMENTS.items():
        text = (root / relative).read_text(encoding="utf-8")
        result[relative] = (text, regenerate(text, renderers, sources))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="Only report stale documents.")
    args = parser.parse_args(argv)
    stale = {path: new for path, (old, new) in documents().items() if old != new}
    for path, new in stale.items():
        if args.check:
            print(f"stale: {path} (run eval/doc_tables.py)", file=sys.stderr)
        else:
            (ROOT / path).write_text(new, encoding="utf-8")
            print(f"rewritten: {path}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
