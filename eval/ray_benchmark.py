"""Throughput of the batch on Ray Data with 1 and 2 actors on this machine, against the local
batch in one process, and the memory each actor holds.

    .venv/bin/python eval/ray_benchmark.py --out eval/reports/ray.json   # about 4 min

The articles are the first ``--articles`` of the synthetic annotation files in
``models/training-data/`` (their texts only; nothing is scored). The shipped model runs on
the default runtime with one thread per actor, and one thread in the local run.

For each actor count a local Ray runtime is started (as ``summarizer batch --engine ray``
starts one) and the articles go through :func:`summarizer.scale.brief_dataset`, its actor
class wrapped so that each actor logs when each block started and ended, and its peak
resident memory (``VmHWM``). Measured:

- ``wall_seconds``: from submitting the dataset to its last row, Ray's actor start and the
  model load included; ``startup_seconds``: the part of it before the first block started;
- ``briefing_seconds``: from the first block's start to the last block's end, in any actor,
  and ``articles_per_second`` over it: the steady rate, which is what more actors multiply;
- ``idle_ms_per_article``: actor time in that window spent on no block (Ray's scheduling
  and block transfer; with 2 actors also the wait for the last block), per article;
- ``overhead_ms_per_article`` (1 actor): what the same articles cost on Ray beyond the local
  run (``briefing_seconds`` minus the local seconds, per article): the idle time above, the
  Arrow conversion, and the Ray processes' share of the CPU; on a shared machine this is
  within the run-to-run noise;
- ``two_processes_articles_per_second``: two plain local batches side by side, each on half
  the articles, no Ray: the most two single-thread workers get from this machine;
- ``same_records``: how many records equal the local run's, timing fields aside.

The machine's load average is recorded too, and as a yardstick the rate of two plain local
batches run side by side (each on half the articles): what two single-thread workers get
from this machine without Ray. The whole run uses a copy of the package taken as it starts.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

ROOT = Path(__file__).resolve().parent.parent
STARTED_IN = Path.cwd()  # --out is relative to it: the run itself moves to the snapshot


def _snapshot_package() -> None:
    """Run this process, its helpers and every Ray actor on one copy of the package, taken
    now: the actors import it when they start, and an edit to the checkout meanwhile would
    otherwise show up as records that differ from the local run's."""
    folder = Path(tempfile.mkdtemp(prefix="ray-benchmark-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    shutil.copytree(ROOT / "summarizer", folder / "summarizer")
    shutil.copytree(ROOT / "prompts", folder / "summarizer" / "prompts")  # as in the wheel
    sys.path.insert(0, str(folder))
    os.chdir(folder)  # Ray puts the driver's folder first on its workers' path
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(folder), os.environ.get("PYTHONPATH")])
    )


if __name__ == "__main__":
    _snapshot_package()

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from summarizer import scale  # noqa: E402
from summarizer.backend import BackendConfig, load_backend  # noqa: E402
from summarizer.batch import BatchConfig, BatchOutput, iter_inputs, run_batch  # noqa: E402
from summarizer.pipeline import Pipeline  # noqa: E402

DATA = ROOT / "models" / "training-data"


class TimedBriefer(scale._Briefer):
    """The actor class, logging each block's start, end and the actor's peak memory."""

    log_dir = ""  # set before the dataset runs; the class travels to the actors by value

    def __call__(self, batch: Any) -> Any:
        started = time.time()
        table = super().__call__(batch)
        entry = {
            "pid": os.getpid(),
            "start": started,
            "end": time.time(),
            "rows": table.num_rows,
            "peak_rss_mb": _peak_rss_mb(),
        }
        with (Path(self.log_dir) / f"{os.getpid()}.jsonl").open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
        return table


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def articles(count: int) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(DATA.glob("synthetic_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            rows.append({"id": f"{path.stem}:{row['id']}", "text": row["text"]})
    return rows[:count]


def local_run(
    source: Path, backend: BackendConfig, work: Path
) -> tuple[float, dict[str, Any], str]:
    """`summarizer batch` in this process: seconds after the model load, its records, and
    the runtime it chose."""
    pipeline = Pipeline(load_backend(backend))
    output = work / "local.jsonl"
    with BatchOutput(output) as held:
        started = time.perf_counter()
        run_batch(pipeline, iter_inputs(source), held, BatchConfig())
        seconds = time.perf_counter() - started
    lines = output.read_text(encoding="utf-8").splitlines()
    return seconds, _records(lines), f"{type(pipeline.backend).__name__} {pipeline.backend.dtype}"


def _timed_local(source: Path, backend: BackendConfig, start: Any, results: Any) -> None:
    """One of two local batches run side by side: loads, waits for the other, briefs."""
    pipeline = Pipeline(load_backend(backend))
    with BatchOutput(source.with_suffix(".out")) as held:
        start.wait()
        started = time.time()
        run_batch(pipeline, iter_inputs(source), held, BatchConfig())
        results.put((started, time.time()))


def two_local_processes(rows: list[dict[str, str]], backend: BackendConfig, work: Path) -> float:
    """Articles a second of two plain local batches at once, each on half the articles: what
    this machine gives two single-thread processes, with no Ray at all."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2), context.Queue()
    processes = []
    for half in (0, 1):
        source = work / f"half-{half}.jsonl"
        source.write_text("".join(json.dumps(row) + "\n" for row in rows[half::2]))
        process = context.Process(target=_timed_local, args=(source, backend, start, results))
        process.start()
        processes.append(process)
    times = [results.get(timeout=900) for _ in processes]
    for process in processes:
        process.join()
    return len(rows) / (max(end for _, end in times) - min(begin for begin, _ in times))


def _records(lines: list[str]) -> dict[str, Any]:
    result = {}
    for line in lines:
        row = json.loads(line)
        if row["ok"]:
            del row["brief"]["provenance"]["timing"]
        result[row["id"]] = row
    return result


def ray_run(
    rows: list[dict[str, str]], config: scale.ScaleConfig, work: Path, local: dict[str, Any]
) -> dict[str, Any]:
    log_dir = work / f"actors-{config.actors}"
    log_dir.mkdir()
    TimedBriefer.log_dir = str(log_dir)
    scale._Briefer = TimedBriefer  # type: ignore[misc]  # brief_dataset maps this class
    with scale.runtime("local", config):
        submitted = time.time()
        briefs = scale.brief_dataset(scale.rows_dataset(rows, config), config)
        lines = [json.dumps(scale.record(row)) for row in briefs.iter_rows()]
        finished = time.time()
    blocks = [json.loads(line) for path in log_dir.glob("*.jsonl") for line in path.open()]
    first, last = min(b["start"] for b in blocks), max(b["end"] for b in blocks)
    peaks: dict[int, float] = {}
    for block in blocks:
        peaks[block["pid"]] = max(peaks.get(block["pid"], 0.0), block["peak_rss_mb"])
    records = _records(lines)
    busy = sum(b["end"] - b["start"] for b in blocks)
    return {
        "actors": config.actors,
        "wall_seconds": round(finished - submitted, 2),
        "startup_seconds": round(first - submitted, 2),
        "briefing_seconds": round(last - first, 2),
        "articles_per_second": round(len(rows) / (last - first), 2),
        "actor_busy_seconds": round(busy, 2),
        # Actor time inside the briefing window spent on no block: Ray's scheduling and
        # block transfer, and with several actors the wait for the last block.
        "idle_ms_per_article": round(1000 * (config.actors * (last - first) - busy) / len(rows), 1),
        "blocks": len(blocks),
        "actor_processes": len(peaks),  # more than actors: one died and was restarted
        "peak_rss_mb_per_actor": sorted(round(peak) for peak in peaks.values()),
        "same_records": sum(records.get(key) == value for key, value in local.items()),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    import ray

    load = os.getloadavg()
    rows = articles(args.articles)
    backend = BackendConfig(model=str(ROOT / "models" / "brief-minilm"), device="cpu", threads=1)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / "articles.jsonl"
        source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        local_seconds, local, runtime = local_run(source, backend, work)
        two_processes = two_local_processes(rows, backend, work)
        runs = [
            ray_run(rows, scale.ScaleConfig(backend=backend, actors=count), work, local)
            for count in (1, 2)
        ]
    one, two = runs
    return {
        "model": str(Path(backend.model).relative_to(ROOT)),
        "runtime": runtime,
        "ray": ray.__version__,
        "cpus": os.cpu_count(),
        "load_average_before": [round(value, 2) for value in load],
        "articles": len(rows),
        "mean_words": round(sum(len(row["text"].split()) for row in rows) / len(rows), 1),
        "local": {
            "seconds": round(local_seconds, 2),
            "articles_per_second": round(len(rows) / local_seconds, 2),
            "two_processes_articles_per_second": round(two_processes, 2),
        },
        "actors": {str(entry["actors"]): entry for entry in runs},
        "speedup_2_over_1": round(two["articles_per_second"] / one["articles_per_second"], 2),
        "overhead_ms_per_article": round(
            1000 * (one["briefing_seconds"] - local_seconds) / len(rows), 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--out", type=Path, help="Write the report here as JSON.")
    args = parser.parse_args()
    result = run(args)
    text = json.dumps(result, indent=2)
    if args.out:
        (STARTED_IN / args.out).write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
