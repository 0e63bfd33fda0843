"""Resumable batch briefs: one JSON line per input, written whole, never duplicated.

Each finished item is appended as a single ``write`` of one full line. A run killed midway
leaves at most one partial last line; the next run cuts it off, skips every id already in
the file and carries on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from summarizer.errors import ConfigError, InputError, SummarizerError
from summarizer.ingest import DEFAULT_MAX_BYTES, Article, parse_article, read_article
from summarizer.pipeline import Pipeline


@dataclass(frozen=True)
class BatchItem:
    id: str
    article: Article | None
    error: InputError | None


@dataclass(frozen=True)
class BatchConfig:
    chunk_size: int = 8
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Shard:
    """Item ``i`` goes to shard ``i % count``, as ``Dataset.shard(contiguous=False)`` splits."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"K/N"``: the K-th of N shards, counting from 0."""
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise ConfigError(f"--shard wants K/N, such as 0/4, not {text!r}") from None
        if count < 1 or not 0 <= index < count:
            raise ConfigError(f"--shard {text}: K must be from 0 to N-1")
        return cls(index, count)

    def size(self, total: int) -> int:
        """How many of ``total`` items fall in this shard."""
        return len(range(self.index, total, self.count))

    def select(self, items: Iterator[BatchItem]) -> Iterator[BatchItem]:
        return (item for n, item in enumerate(items) if n % self.count == self.index)


@dataclass
class BatchReport:
    written: int = 0
    failed: int = 0
    skipped: int = 0


def iter_inputs(source: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[BatchItem]:
    """Items of a folder of ``.txt`` files or of a JSON Lines file with ``id`` and ``text``."""
    if source.is_dir():
        for path in sorted(source.glob("*.txt")):
            yield _read_item(path.name, partial(read_article, path, max_bytes))
    elif source.is_file():
        with source.open("rb") as handle:
            for number, raw in enumerate(handle, 1):
                if raw.strip():
                    yield _jsonl_item(raw, number, str(source), max_bytes)
    else:
        raise InputError(f"{source}: no such file or folder")


def _read_item(item_id: str, read: Callable[[], Article]) -> BatchItem:
    try:
        return BatchItem(item_id, read(), None)
    except InputError as exc:
        return BatchItem(item_id, None, exc)


def _jsonl_item(raw: bytes, number: int, source: str, max_bytes: int) -> BatchItem:
    fallback_id = f"line-{number}"
    try:
        row = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return BatchItem(fallback_id, None, InputError(f"{source}:{number}: not JSON ({exc})"))
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        error = InputError(f"{source}:{number}: a line needs a string 'text'")
        return BatchItem(fallback_id, None, error)
    item_id = str(row.get("id", fallback_id))
    data = row["text"].encode("utf-8", "surrogatepass")
    if len(data) > max_bytes:
        error = InputError(f"{item_id}: {len(data)} bytes is over the limit of {max_bytes} bytes")
        return BatchItem(item_id, None, error)
    return _read_item(item_id, lambda: parse_article(data, source=item_id))


def done_ids(output: Path) -> set[str]:
    """Ids already written; cuts off a partial last line left by a killed run."""
    if not output.exists():
        return set()
    data = output.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with output.open("r+b") as handle:
            handle.truncate(len(complete))
    ids = set()
    for line in complete.splitlines():
        if line.strip():
            ids.add(json.loads(line)["id"])
    return ids


def _append(handle: int, row: dict[str, object]) -> None:
    os.write(handle, (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))


def run_batch(
    pipeline: Pipeline,
    items: Iterator[BatchItem],
    output: Path,
    config: BatchConfig | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> BatchReport:
    config = config or BatchConfig()
    report = BatchReport()
    seen = done_ids(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        pending: list[BatchItem] = []
        for item in items:
            if item.id in seen:
                report.skipped += 1
                progress(1)
                continue
            seen.add(item.id)
            if item.error is not None:
                _append(handle, _error_row(item.id, item.error))
                report.failed += 1
                progress(1)
                continue
            pending.append(item)
            if len(pending) >= config.chunk_size:
                _flush(pipeline, pending, handle, report, progress)
        _flush(pipeline, pending, handle, report, progress)
        os.fsync(handle)
    finally:
        os.close(handle)
    return report


def _flush(
    pipeline: Pipeline,
    pending: list[BatchItem],
    handle: int,
    report: BatchReport,
    progress: Callable[[int], None],
) -> None:
    if not pending:
        return
    briefs = pipeline.briefs([item.article for item in pending if item.article is not None])
    for item, brief in zip(pending, briefs, strict=True):
        _append(handle, {"id": item.id, "ok": True, "brief": brief.model_dump(mode="json")})
        report.written += 1
    progress(len(pending))
    pending.clear()


def _error_row(item_id: str, error: SummarizerError) -> dict[str, object]:
    return {"id": item_id, "ok": False, "error": type(error).__name__, "reason": str(error)}
