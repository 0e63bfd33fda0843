"""Batch briefs on Ray Data: the local batch's contract, on one machine or on a cluster.

    summarizer batch SRC -o OUT.jsonl --engine ray [--address auto] [--actors N]

or from Python, on any ``ray.data.Dataset`` with ``id`` and ``text`` columns::

    from summarizer.scale import ScaleConfig, brief_dataset
    briefs = brief_dataset(ray.data.read_parquet("s3://archive/articles/"), ScaleConfig())
    briefs.write_parquet("s3://archive/briefs/")  # columns id, ok, brief (JSON), error, reason

``map_batches`` runs a pool of actors (:class:`_Briefer`); each loads the model once, the
way ``summarizer batch`` loads it, and briefs the rows of each block it is given in chunks of
articles of similar length, recording a bad item as the local batch does
(:class:`summarizer.batch.Briefer`). An actor that dies is restarted and its block run again:
a block's rows come back only when the whole block is done, so no row is returned twice.

:func:`run_on_ray` is the command's driver: it reads a folder or JSON Lines file as the local
batch does (Parquet, a file or a folder of parts, is read by Ray itself, streaming), skips the
ids its output already holds and appends each record to that output, a held
:class:`summarizer.batch.BatchOutput`, so a killed run resumes and no id is written twice.

Ray is an optional extra (``pip install "summarizer[ray]"``): it is imported here, only when
one of these functions runs, and never by the rest of the package.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import os
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from summarizer.backend import BackendConfig, check_model_dir, first_line
from summarizer.batch import (
    BatchConfig,
    BatchItem,
    BatchOutput,
    BatchReport,
    Briefer,
    error_row,
    iter_inputs,
    new_items,
    text_item,
)
from summarizer.errors import ConfigError, InputError, ModelError, SummarizerError
from summarizer.ingest import DEFAULT_MAX_BYTES
from summarizer.models import default_model

if TYPE_CHECKING:
    import pyarrow
    from ray.data import Dataset

RAY_MISSING = (
    '--engine ray needs Ray, an optional extra: pip install "summarizer[ray]" '
    '(in a checkout: pip install -e ".[ray]")'
)
# What brief_dataset's rows hold: a brief as JSON text, or an error and its reason.
COLUMNS = ("id", "ok", "brief", "error", "reason")


def _default_backend() -> BackendConfig:
    return BackendConfig(model=str(default_model()))


@dataclass(frozen=True)
class ScaleConfig:
    """The model each actor loads, how many actors there are, and what each is given."""

    backend: BackendConfig = field(default_factory=_default_backend)
    actors: int = 1
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = 0.0
    chunk_size: int = 8  # articles briefed together, as `summarizer batch --chunk-size`
    block_rows: int = 16  # rows an actor is handed at a time; sorted by length inside
    max_bytes: int = DEFAULT_MAX_BYTES

    def __post_init__(self) -> None:
        if self.actors < 1 or self.cpus_per_actor <= 0 or self.gpus_per_actor < 0:
            raise ConfigError("Ray actors need --actors >= 1, CPUs > 0 and --gpus-per-actor >= 0")
        if self.chunk_size < 1 or self.block_rows < 1:
            raise ConfigError("chunk and block sizes must be at least 1")

    @property
    def actor_backend(self) -> BackendConfig:
        """One thread per CPU an actor is given, unless the backend config says otherwise."""
        if self.backend.threads is not None:
            return self.backend
        return replace(self.backend, threads=max(1, int(self.cpus_per_actor)))


def require_ray() -> ModuleType:
    """The ``ray`` module, or a :class:`ConfigError` saying how to install it."""
    try:
        ray = importlib.import_module("ray")
        importlib.import_module("ray.data")
    except ImportError as exc:
        raise ConfigError(RAY_MISSING) from exc
    return ray


def brief_dataset(
    dataset: Dataset, config: ScaleConfig | None = None, skip: Collection[str] = ()
) -> Dataset:
    """Briefs of the rows of ``dataset`` (``id``, ``text``, optionally ``source``), lazily:
    one row per input row whose id is not in ``skip``, with the columns of ``COLUMNS``."""
    ray = require_ray()
    config = config or ScaleConfig()
    resources: dict[str, Any] = {"num_cpus": config.cpus_per_actor}
    if config.gpus_per_actor:
        resources["num_gpus"] = config.gpus_per_actor
    # Blocks of at most block_rows rows: an actor returns a block's rows only when it has
    # briefed all of them, and a big block (a whole Parquet file) would keep the others idle.
    blocks = dataset.repartition(target_num_rows_per_block=config.block_rows)
    return blocks.map_batches(  # type: ignore[no-any-return]
        _Briefer,
        fn_constructor_kwargs={"config": config, "skip": frozenset(skip)},
        batch_size=config.block_rows,
        batch_format="pyarrow",
        # Ray Data restarts a dead actor (killed, out of memory, its node lost) and runs its
        # block again (max_restarts and max_task_retries of -1, its defaults for an actor
        # pool); an error raised by the briefing code itself is not retried.
        compute=ray.data.ActorPoolStrategy(size=config.actors),
        **resources,
    )


def rows_dataset(rows: list[dict[str, Any]], config: ScaleConfig | None = None) -> Dataset:
    """Rows held in memory as a dataset in blocks of ``block_rows``: ``from_items`` alone
    makes a block of each row, and splitting those up costs a small Ray task per row, which
    on a small machine starves two actors of work."""
    ray = require_ray()
    config = config or ScaleConfig()
    blocks = max(1, math.ceil(len(rows) / config.block_rows))
    return ray.data.from_items(rows, override_num_blocks=blocks)  # type: ignore[no-any-return]


def record(row: Mapping[str, Any]) -> dict[str, object]:
    """A row of :func:`brief_dataset` as the line ``summarizer batch`` writes for it."""
    if row["ok"]:
        return {"id": row["id"], "ok": True, "brief": json.loads(row["brief"])}
    return {"id": row["id"], "ok": False, "error": row["error"], "reason": row["reason"]}


class _Briefer:
    """One actor: the model, loaded once, and the batch runner's handling of bad items."""

    def __init__(self, config: ScaleConfig, skip: frozenset[str]) -> None:
        from summarizer.backend import load_backend
        from summarizer.pipeline import Pipeline

        self.config = config
        self.skip = skip
        self.rows: list[dict[str, object]] = []
        pipeline = Pipeline(load_backend(config.actor_backend))
        batch_config = BatchConfig(chunk_size=config.chunk_size, max_bytes=config.max_bytes)
        self.briefer = Briefer(pipeline, self.rows, batch_config, lambda _: None)

    def __call__(self, batch: pyarrow.Table) -> pyarrow.Table:
        items = self._items(batch)
        self.rows.clear()
        self.briefer.brief_by_length(items)
        position = {item.id: n for n, item in enumerate(items)}  # a repeated id: its last
        self.rows.sort(key=lambda row: position[str(row["id"])])  # back in the block's order
        return _table(self.rows)

    def _items(self, batch: pyarrow.Table) -> list[BatchItem]:
        ids = [str(value) for value in batch.column("id").to_pylist()]
        texts = batch.column("text").to_pylist()
        names = batch.column_names
        sources = batch.column("source").to_pylist() if "source" in names else ids
        items = []
        for item_id, text, source in zip(ids, texts, sources, strict=True):
            if item_id in self.skip:
                continue
            if isinstance(text, str):
                items.append(text_item(item_id, text, self.config.max_bytes, source))
            else:
                error = InputError(f"{item_id}: a row needs a string 'text'")
                items.append(BatchItem(item_id, None, error))
        return items


def _table(rows: list[dict[str, object]]) -> pyarrow.Table:
    import pyarrow as pa

    schema = pa.schema(
        [
            ("id", pa.string()),
            ("ok", pa.bool_()),
            ("brief", pa.large_string()),
            ("error", pa.string()),
            ("reason", pa.string()),
        ]
    )
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for row in rows:
        columns["id"].append(row["id"])
        columns["ok"].append(row["ok"])
        brief = row.get("brief")
        columns["brief"].append(None if brief is None else json.dumps(brief, ensure_ascii=False))
        columns["error"].append(row.get("error"))
        columns["reason"].append(row.get("reason"))
    return pa.table(columns, schema=schema)


# -- the command's driver -----------------------------------------------------------------


@contextmanager
def runtime(
    address: str = "local", config: ScaleConfig | None = None, quiet: bool = True
) -> Iterator[ModuleType]:
    """Ray, started on this machine (``"local"``), joined (``"auto"``, ``HOST:PORT``), or as
    the caller already connected it (then left connected); a runtime started here is stopped
    on the way out, a cluster joined here is left."""
    ray = require_ray()
    if ray.is_initialized():
        yield ray
        return
    config = config or ScaleConfig()
    options: dict[str, Any] = {}
    if quiet:
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
        options |= {"logging_level": logging.ERROR, "log_to_driver": False}
    if address == "local":  # a cluster one joins has its own resources and dashboard
        options |= {"num_cpus": local_cpus(config), "include_dashboard": False}
    try:
        with _stderr_closed() if quiet else nullcontext():
            ray.init(address=address, **options)
    except Exception as exc:  # ConnectionError, RuntimeError, ValueError: nothing to join
        raise ConfigError(f"cannot start or join Ray at {address!r}: {first_line(exc)}") from exc
    try:
        if quiet:
            _quiet_ray_data()
        if address == "local":
            _check_gpus(ray, config)
        yield ray
    finally:
        ray.shutdown()


def local_cpus(config: ScaleConfig) -> int:
    """CPUs for a runtime on this machine: this machine's, or as many as the actors ask,
    and one more for Ray Data's reading and block splitting tasks, which would otherwise wait
    forever behind actors that hold every CPU."""
    needed = math.ceil(config.actors * config.cpus_per_actor)
    return max(os.cpu_count() or 1, needed) + 1


@contextmanager
def _stderr_closed() -> Iterator[None]:
    """Standard error to /dev/null while Ray starts: its C++ core prints a line as it does,
    whatever the log level (a failure to start is raised, and said, all the same)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _quiet_ray_data() -> None:
    """No progress bars or execution logs: the command shows its own progress and errors."""
    import ray.data

    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.CRITICAL)


def _check_gpus(ray: ModuleType, config: ScaleConfig) -> None:
    needed = config.actors * config.gpus_per_actor
    present = ray.cluster_resources().get("GPU", 0)
    if needed > present:
        raise ConfigError(
            f"{config.actors} actors with {config.gpus_per_actor} GPU each need {needed:g} "
            f"GPUs; this machine's Ray runtime has {present:g}"
        )


def run_on_ray(
    source: Path,
    output: BatchOutput,
    config: ScaleConfig,
    address: str = "local",
    progress: Callable[[int], None] = lambda _: None,
) -> BatchReport:
    """Brief ``source`` into a held ``output`` on Ray, skipping the ids it already holds."""
    require_ray()
    report = BatchReport()
    if Path(config.backend.model).exists():
        check_model_dir(Path(config.backend.model))  # here, not once in every actor
    if _is_parquet(source):
        return _run_parquet(source, output, config, address, report, progress)
    rows = []
    for item in new_items(iter_inputs(source, config.max_bytes), output.done, report, progress):
        if item.error is not None:
            output.append(error_row(item.id, item.error))
            report.failed += 1
            progress(1)
        elif item.article is not None:
            rows.append({"id": item.id, "text": item.article.text, "source": item.article.source})
    if rows:
        config = _no_idle_actors(config, len(rows))
        with runtime(address, config):
            dataset = rows_dataset(rows, config)
            _write(brief_dataset(dataset, config), output, set(output.done), report, progress)
    return report


def _no_idle_actors(config: ScaleConfig, rows: int) -> ScaleConfig:
    """No more actors than blocks of rows to brief: a spare one would only load the model."""
    return replace(config, actors=min(config.actors, math.ceil(rows / config.block_rows)))


def _is_parquet(source: Path) -> bool:
    """A ``.parquet`` file, or a folder of Parquet parts (and no ``.txt`` articles)."""
    if source.is_dir():
        return not any(source.glob("*.txt")) and any(source.glob("*.parquet"))
    return source.suffix == ".parquet"


def _run_parquet(
    source: Path,
    output: BatchOutput,
    config: ScaleConfig,
    address: str,
    report: BatchReport,
    progress: Callable[[int], None],
) -> BatchReport:
    ids = _parquet_ids(source)
    done = [item_id for item_id in ids if item_id in output.done]
    report.skipped += len(done)
    progress(len(done))
    if len(done) < len(ids):
        config = _no_idle_actors(config, len(ids) - len(done))
        with runtime(address, config) as ray:
            dataset = ray.data.read_parquet(str(source)).select_columns(["id", "text"])
            briefs = brief_dataset(dataset, config, skip=set(done))
            _write(briefs, output, set(output.done), report, progress)
    return report


def _parquet_ids(source: Path) -> list[str]:
    """Every row's id, read here (one column) to count what is done; the texts stream."""
    import pyarrow.dataset as pads

    try:
        parts = pads.dataset(source, format="parquet")
        missing = {"id", "text"} - set(parts.schema.names)
        if missing:
            raise InputError(f"{source}: Parquet input needs the columns {sorted(missing)}")
        return [str(value) for value in parts.to_table(columns=["id"]).column("id").to_pylist()]
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise InputError(f"{source}: cannot be read as Parquet ({first_line(exc)})") from exc


def _write(
    briefs: Dataset,
    output: BatchOutput,
    seen: set[str],
    report: BatchReport,
    progress: Callable[[int], None],
) -> None:
    """Append each record as its block comes back; an id seen before is not written again."""
    try:
        for row in _rows(briefs):
            line = record(row)
            item_id = str(line["id"])
            if item_id not in seen:
                seen.add(item_id)
                output.append(line)
                if line["ok"]:
                    report.written += 1
                else:
                    report.failed += 1
            else:
                report.skipped += 1  # a repeated id in the input
            progress(1)
    except SummarizerError:
        raise
    except Exception as exc:  # Ray wraps what an actor raised in its own exceptions
        raise _ray_failure(exc) from exc


def _rows(briefs: Dataset) -> Iterator[dict[str, Any]]:
    """Rows as each block comes back, none held back to make up a batch."""
    blocks = briefs.iter_batches(batch_size=None, batch_format="pyarrow", prefetch_batches=0)
    for block in blocks:
        yield from block.to_pylist()  # type: ignore[union-attr]  # pyarrow asked for


def _ray_failure(exc: BaseException) -> SummarizerError:
    """The project's error an actor raised (a model that fails to load, or on every article),
    found inside Ray's wrappers; else Ray's own error, in one line."""
    found = _project_error(exc)
    if found is not None:
        kind = next(k for k in type(found).__mro__ if k.__module__ == SummarizerError.__module__)
        return kind(first_line(found))  # type: ignore[no-any-return]  # Ray's subclass: rebuilt
    return ModelError(f"the Ray run failed: {first_line(exc)}")


def _project_error(exc: BaseException) -> SummarizerError | None:
    """Breadth first through causes, contexts and the exceptions Ray carries in its own."""
    queue, seen = [exc], set()
    while queue:
        error = queue.pop(0)
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, SummarizerError):
            return error
        linked = [error.__cause__, error.__context__, getattr(error, "cause", None), *error.args]
        queue += [item for item in linked if isinstance(item, BaseException)]
    return None
