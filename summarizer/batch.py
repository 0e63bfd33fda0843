"""Resumable batch briefs: one JSON line per input, written whole, never duplicated.

Each finished item is appended as a single ``write`` of one full line. A run killed midway
leaves at most one partial last line; the next run cuts it off, skips every id already in
the file and carries on. A write that fails (disk full) is undone before the run stops, and
one run at a time holds the output: a second one on the same file is refused.

One article that cannot be briefed, whatever the reason, is recorded as a bad item and the
run goes on; only a model that fails on several articles in a row stops it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Protocol

from summarizer.errors import ConfigError, InputError, MissingInput, ModelError, OutputError
from summarizer.ingest import DEFAULT_MAX_BYTES, Article, parse_article, read_article
from summarizer.pipeline import Pipeline
from summarizer.schema import Brief


@dataclass(frozen=True)
class BatchItem:
    id: str
    article: Article | None
    error: InputError | None


@dataclass(frozen=True)
class BatchConfig:
    chunk_size: int = 8
    max_bytes: int = DEFAULT_MAX_BYTES
    # A model error on this many articles in a row, none briefed between, means the model
    # itself is broken, not the articles: the run stops.
    model_failures_in_a_row: int = 3


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


def check_source(source: Path) -> list[str]:
    """Fail at once on a source ``batch`` cannot read; else the names of files in a source
    folder that are skipped (not ``.txt``)."""
    if not source.exists():
        raise MissingInput(f"{source}: no such file or folder")
    if source.is_file():
        if source.suffix.lower() == ".txt":
            raise ConfigError(
                f"{source}: batch reads a folder of .txt files or a .jsonl file; "
                "for one article use `summarizer brief`"
            )
        return []
    skipped = sorted(p.name for p in source.iterdir() if p.is_file() and p.suffix.lower() != ".txt")
    if not any(source.glob("*.txt")):
        shown = ", ".join(skipped[:5]) + (" ..." if len(skipped) > 5 else "")
        raise MissingInput(
            f"{source}: no .txt articles in the folder" + (f" (found {shown})" if skipped else "")
        )
    return skipped


def iter_inputs(source: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[BatchItem]:
    """Items of a folder of ``.txt`` files or of a JSON Lines file with ``id`` and ``text``."""
    if source.is_dir():
        for path in sorted(source.glob("*.txt")):
            yield _read_item(path.name, partial(read_article, path, max_bytes))
    elif source.is_file():
        try:
            with source.open("rb") as handle:
                for number, raw in enumerate(handle, 1):
                    if raw.strip():
                        yield _jsonl_item(raw, number, str(source), max_bytes)
        except OSError as exc:
            raise InputError(f"{source}: cannot be read ({exc.strerror or exc})") from exc
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
    return text_item(str(row.get("id", fallback_id)), row["text"], max_bytes)


def text_item(
    item_id: str, text: str, max_bytes: int = DEFAULT_MAX_BYTES, source: str | None = None
) -> BatchItem:
    """An item from an id and its text (a JSON line's, a dataset row's), checked as a file is."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > max_bytes:
        error = InputError(f"{item_id}: {len(data)} bytes is over the limit of {max_bytes} bytes")
        return BatchItem(item_id, None, error)
    return _read_item(item_id, lambda: parse_article(data, source=source or item_id))


def written_briefs(output: Path) -> dict[str, Brief]:
    """The briefs ``output`` holds, by item id (bad items left out)."""
    briefs: dict[str, Brief] = {}
    try:
        with output.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line) if line.strip() else {}
                if row.get("ok"):
                    briefs[str(row["id"])] = Brief.model_validate(row["brief"])
    except (OSError, ValueError) as exc:
        raise OutputError(f"{output}: cannot be read back ({exc})") from exc
    return briefs


def briefed_pairs(source: Path, output: Path) -> list[tuple[str, Brief]]:
    """(article text, brief) of every item ``output`` holds a brief of, in source order."""
    briefs = written_briefs(output)
    return [
        (item.article.text, briefs[item.id])
        for item in iter_inputs(source)
        if item.article is not None and item.id in briefs
    ]


def done_ids(output: Path) -> set[str]:
    """Ids already written; cuts off a partial last line left by a killed run."""
    try:
        if not output.exists():
            return set()
        data = output.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) != len(data):
            with output.open("r+b") as handle:
                handle.truncate(len(complete))
    except OSError as exc:
        raise _output_error(output, exc) from exc
    ids = set()
    for number, line in enumerate(complete.splitlines(), 1):
        if line.strip():
            try:
                ids.add(json.loads(line)["id"])
            except (ValueError, KeyError, TypeError):
                raise OutputError(f"{output}:{number}: not a line of batch output") from None
    return ids


def _output_error(output: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {output}: {exc.strerror or exc}")


class RowSink(Protocol):
    """Where finished lines go: a :class:`BatchOutput`, or a list in a Ray actor."""

    def append(self, row: dict[str, object], /) -> None: ...


class BatchOutput:
    """The output file, held under an exclusive lock while one run appends to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: set[str] = set()
        self._handle = -1

    def __enter__(self) -> BatchOutput:
        if self.path.exists() and not self.path.is_file():
            kind = "a folder" if self.path.is_dir() else "not a regular file"
            raise OutputError(f"cannot write {self.path}: it is {kind}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _output_error(self.path, exc) from exc
        try:
            self._lock()
            self.done = done_ids(self.path)  # only under the lock: it may cut the file
        except BaseException:
            os.close(self._handle)
            raise
        return self

    def _lock(self) -> None:
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"{self.path}: another batch run is writing it") from None
        except OSError as exc:
            raise _output_error(self.path, exc) from exc

    def append(self, row: dict[str, object]) -> None:
        """One whole line, or nothing: a failed or short write is cut back off."""
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            size = os.fstat(self._handle).st_size
        except OSError as exc:
            raise _output_error(self.path, exc) from exc
        try:
            if os.write(self._handle, data) != len(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError as exc:
            with suppress(OSError):
                os.ftruncate(self._handle, size)
            raise _output_error(self.path, exc) from exc

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            os.fsync(self._handle)
        except OSError as exc:
            if error is None:
                raise _output_error(self.path, exc) from exc
        finally:
            os.close(self._handle)


def run_batch(
    pipeline: Pipeline,
    items: Iterator[BatchItem],
    output: BatchOutput,
    config: BatchConfig | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> BatchReport:
    """Brief ``items`` into an open ``output``, skipping ids it already holds."""
    run = Briefer(pipeline, output, config or BatchConfig(), progress)
    pending: list[BatchItem] = []
    for item in new_items(items, output.done, run.report, progress):
        if item.error is not None:
            run.fail(item, item.error)
            continue
        pending.append(item)
        if len(pending) >= run.config.chunk_size:
            run.brief(pending)
            pending = []
    run.brief(pending)
    return run.report


def new_items(
    items: Iterable[BatchItem],
    done: set[str],
    report: BatchReport,
    progress: Callable[[int], None] = lambda _: None,
) -> Iterator[BatchItem]:
    """Items whose id is neither in ``done`` nor seen before; the others count as skipped."""
    seen = set(done)
    for item in items:
        if item.id in seen:
            report.skipped += 1
            progress(1)
            continue
        seen.add(item.id)
        yield item


@dataclass
class Briefer:
    """Briefs items into ``output``, recording bad ones, until the model itself fails."""

    pipeline: Pipeline
    output: RowSink
    config: BatchConfig
    progress: Callable[[int], None]
    report: BatchReport = field(default_factory=BatchReport)
    model_failures: int = 0

    def brief(self, items: list[BatchItem]) -> None:
        """Brief a chunk together; if that fails, each article alone, to find the bad one."""
        if not items:
            return
        try:
            briefs = self.pipeline.briefs([item.article for item in items if item.article])
        except Exception as exc:  # one bad article must not cost the others their briefs
            if len(items) == 1:
                self._fail_alone(items[0], exc)
            else:
                for item in items:
                    self.brief([item])
            return
        self.model_failures = 0
        for item, brief in zip(items, briefs, strict=True):
            self.output.append({"id": item.id, "ok": True, "brief": brief.model_dump(mode="json")})
            self.report.written += 1
            self.progress(1)

    def brief_by_length(self, items: list[BatchItem]) -> None:
        """Brief a block of items held in memory, in chunks of articles of similar length
        (a Ray actor's block): short articles are not padded to the length of long ones."""
        good = []
        for item in items:
            if item.error is not None:
                self.fail(item, item.error)
            else:
                good.append(item)
        good.sort(key=lambda item: len(item.article.text) if item.article else 0)
        for start in range(0, len(good), self.config.chunk_size):
            self.brief(good[start : start + self.config.chunk_size])

    def _fail_alone(self, item: BatchItem, error: Exception) -> None:
        if isinstance(error, ModelError):
            self.model_failures += 1
            if self.model_failures >= self.config.model_failures_in_a_row:
                raise ModelError(
                    f"the model failed on {self.model_failures} articles in a row: {error}"
                ) from error
        self.fail(item, error)

    def fail(self, item: BatchItem, error: Exception) -> None:
        self.output.append(error_row(item.id, error))
        self.report.failed += 1
        self.progress(1)


def error_row(item_id: str, error: Exception) -> dict[str, object]:
    """A bad item's line; an unexpected error is named by its type, never a traceback."""
    lines = str(error).strip().splitlines()
    reason = lines[0][:500] if lines else type(error).__name__
    return {"id": item_id, "ok": False, "error": type(error).__name__, "reason": reason}
