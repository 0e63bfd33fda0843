"""The documentation's measured numbers are the committed reports' numbers."""

from __future__ import annotations

import copy
import difflib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import ROOT


def _load_doc_tables() -> ModuleType:
    spec = importlib.util.spec_from_file_location("doc_tables", ROOT / "eval" / "doc_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


doc_tables = _load_doc_tables()
DOCUMENTS = sorted(doc_tables.DOCUMENTS, key=str)


@pytest.fixture(scope="module")
def regenerated() -> dict[Path, tuple[str, str]]:
    return doc_tables.documents(ROOT)  # type: ignore[no-any-return]


@pytest.mark.parametrize("document", DOCUMENTS, ids=str)
def test_committed_document_matches_the_committed_reports(
    regenerated: dict[Path, tuple[str, str]], document: Path
) -> None:
    committed, expected = regenerated[document]
    diff = "\n".join(
        difflib.unified_diff(committed.splitlines(), expected.splitlines(), lineterm="", n=1)
    )
    assert committed == expected, f"run eval/doc_tables.py:\n{diff}"


# A document must say what a report file says: changing one number in a copy of the reports
# changes the generated text where that number is shown.
CHANGES = {
    "lee matched": (lambda s: s.evaluations["lee"].update(matched=3), "0.20 (3/15)"),
    "seed drops": (lambda s: s.evaluations["seeds"].update(dropped_values=777), "| 777 |"),
    "steps": (
        lambda s: s.training.update(steps=2500, train_minutes=44.2),
        "finished all 2,500 steps in 44 minutes",
    ),
    "articles": (lambda s: s.training.update(train_articles=1234), "1,234"),
    "escapes": (lambda s: s.annotations.update(escapes=999), "escapes 999"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_region_follows_its_report(change: str) -> None:
    sources = doc_tables.load_sources(ROOT)
    changed = copy.deepcopy(sources)
    mutate, shown = CHANGES[change]
    mutate(changed)
    assert shown not in _all_text(sources)
    assert shown in _all_text(changed)


def _all_text(sources: object) -> str:
    return "\n".join(
        doc_tables.regenerate((ROOT / path).read_text(encoding="utf-8"), renderers, sources)
        for path, renderers in doc_tables.DOCUMENTS.items()
    )


def test_the_benchmark_table_is_written_from_a_benchmark_report() -> None:
    result = {
        "model": "m",
        "device": "cpu",
        "dtype": "bfloat16",
        "threads": 1,
        "load_seconds": 2.345,
        "latency": {"000_abc.txt": {"words": 357, "seconds": 0.3871}},
        "throughput": {"articles": 200, "mean_words": 313.4, "articles_per_second": 7.391},
        "peak_rss_mb": 818.2,
        "baseline": {
            "latency": {"000_abc.txt": {"words": 357, "seconds": 2.6}},
            "throughput": {"articles": 20, "articles_per_second": 0.37},
        },
        "speedup": {"throughput": 20.0, "000_abc.txt": 6.7},
    }
    sources = doc_tables.load_sources(ROOT)
    measured = doc_tables.Sources(
        sources.evaluations, sources.training, json.loads(json.dumps(result)), sources.annotations
    )
    table = doc_tables.readme_benchmark_table(measured)
    assert "| seed `000`, 357 words | 0.387 s | 2.60 s | 6.7x |" in table
    assert (
        "| batch, 200 articles of 313 words | 7.39 articles/s | 0.37 articles/s | 20.0x |" in table
    )
    assert "| peak resident memory | 818 MB | | |" in table
    assert doc_tables.BENCHMARK_MISSING not in table


@pytest.mark.parametrize(
    "text",
    [
        "<!-- generated:eval-table -->x",  # never closed
        "<!-- generated:nonsense -->x<!-- /generated:nonsense -->",
        "no regions at all",
    ],
)
def test_a_broken_or_unknown_region_is_an_error(text: str) -> None:
    sources = doc_tables.load_sources(ROOT)
    renderers = doc_tables.DOCUMENTS[Path("README.md")]
    with pytest.raises(doc_tables.StaleRegionError):
        doc_tables.regenerate(text, renderers, sources)
