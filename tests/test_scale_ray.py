"""`summarizer batch --engine ray` and `summarizer.scale` on a real Ray runtime on this
machine: the same records as the local batch, bad rows recorded, a killed actor or driver
costs no id and doubles none, and without Ray the command fails at once in one line."""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.backend import BackendConfig
from summarizer.batch import BatchOutput
from summarizer.cli import app
from summarizer.scale import ScaleConfig, brief_dataset, local_cpus, record
from summarizer.schema import Brief
from tests.conftest import ROOT

pytestmark = [
    pytest.mark.model,
    # Ray's own deprecation notices (its DataContext sets a deprecated field as it starts).
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*"),
]
runner = CliRunner()
SENTENCES = (
    "Officials in the hill town of Marrow said {n} people were hurt when a footbridge gave "
    "way during the spring fair on Saturday.",
    "The mayor ordered the market square closed while engineers inspected the other bridges.",
    "About {m} residents of the lower streets spent the night in the school gymnasium.",
    "Two prisoners climbed the wall of the county jail during the storm, the warden said.",
)
WAIT_SECONDS = 120


def _text(number: int) -> str:
    """An invented article; its length grows with ``number`` so blocks get sorted."""
    parts = [s.format(n=number + 2, m=10 * number + 40) for s in SENTENCES]
    return f"Report {number}. " + " ".join(parts[: 2 + number % 3]) + " " + parts[-1]


def _folder(folder: Path, good: int) -> Path:
    folder.mkdir()
    for number in range(good):
        (folder / f"story-{number:02d}.txt").write_text(_text(number), encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x07\x00" * 40)
    (folder / "latin1.txt").write_bytes("caf\u00e9 cr\u00e8me ".encode("latin-1") * 30)
    return folder


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _untimed(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Rows by id, without the timing fields, which differ from run to run."""
    result = {}
    for row in rows:
        if row["ok"]:
            del row["brief"]["provenance"]["timing"]
        result[row["id"]] = row
    return result


@pytest.fixture
def model_args(tiny_model_dir: Path) -> list[str]:
    return ["--model", str(tiny_model_dir), "--device", "cpu", "--runtime", "hf"]


@pytest.fixture(scope="module")
def ray_runtime() -> Iterator[ModuleType]:
    """One local Ray runtime for the module: CPUs for two actors and Ray Data's own tasks."""
    ray = pytest.importorskip("ray", reason="the ray extra: pip install -e '.[ray]'")
    ray.init(
        num_cpus=local_cpus(ScaleConfig(actors=2)),
        include_dashboard=False,
        object_store_memory=256 * 2**20,
        logging_level=logging.ERROR,
        log_to_driver=False,
    )
    try:
        yield ray
    finally:
        ray.shutdown()


def _config(tiny_model_dir: Path, **options: Any) -> ScaleConfig:
    backend = BackendConfig(model=str(tiny_model_dir), device="cpu", runtime="hf")
    return ScaleConfig(backend=backend, **options)


@pytest.mark.slow
def test_ray_batch_writes_the_records_the_local_batch_writes(
    ray_runtime: ModuleType, model_args: list[str], tmp_path: Path
) -> None:
    source = _folder(tmp_path / "in", good=20)
    local, distributed = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    result = runner.invoke(app, ["batch", str(source), "-o", str(local), *model_args])
    assert result.exit_code == 0, result.output
    command = ["batch", str(source), "-o", str(distributed), "--engine", "ray", "--actors", "2"]
    result = runner.invoke(app, [*command, *model_args])
    assert result.exit_code == 0, result.output
    assert "20 briefed, 3 bad inputs recorded, 0 already done" in result.stderr
    rows = _rows(distributed)
    assert len(rows) == len({row["id"] for row in rows}) == 23
    expected = _untimed(_rows(local))
    assert _untimed(rows) == expected
    assert {k: r["error"] for k, r in expected.items() if not r["ok"]} == {
        "empty.txt": "EmptyInput",
        "binary.txt": "BinaryInput",
        "latin1.txt": "NotUtf8",
    }
    result = runner.invoke(app, [*command, *model_args])  # everything done: Ray not needed
    assert result.exit_code == 0, result.output
    assert "0 briefed, 0 bad inputs recorded, 23 already done" in result.stderr
    assert len(_rows(distributed)) == 23


@pytest.mark.slow
def test_poisoned_rows_are_recorded_and_the_rest_briefed(
    ray_runtime: ModuleType, tiny_model_dir: Path
) -> None:
    good = [{"id": f"g{n}", "text": _text(n)} for n in range(6)]
    poisoned = [
        {"id": "empty", "text": ""},
        {"id": "nul", "text": "Police said \x00\x00 twelve people were hurt. " * 3},
        {"id": "missing", "text": None},
        {"id": "huge", "text": _text(1) * 40},
    ]
    dataset = ray_runtime.data.from_items([*good[:3], *poisoned, *good[3:]])
    config = _config(tiny_model_dir, max_bytes=4_000, block_rows=4, chunk_size=2)
    rows = {row["id"]: record(row) for row in brief_dataset(dataset, config).iter_rows()}
    assert sorted(rows) == sorted([row["id"] for row in good] + [row["id"] for row in poisoned])
    for row in good:
        assert rows[row["id"]]["ok"] is True
        Brief.model_validate(rows[row["id"]]["brief"])
    failed = {key: (row["error"], row["reason"]) for key, row in rows.items() if not row["ok"]}
    assert failed["empty"][0] == "EmptyInput"
    assert failed["nul"][0] == "BinaryInput"
    assert failed["missing"] == ("InputError", "missing: a row needs a string 'text'")
    assert "over the limit of 4000 bytes" in failed["huge"][1]
    assert len(failed) == len(poisoned)


def _briefing_actors(ray: ModuleType) -> list[Any]:
    """Handles the Ray Data executor in this process holds on its map actors."""
    return [
        handle
        for handle in gc.get_objects()
        if type(handle) is ray.actor.ActorHandle  # isinstance would touch every object
        and "MapBatches(_Briefer)" in handle._ray_actor_creation_function_descriptor.class_name
    ]


@pytest.mark.slow
def test_a_killed_actor_is_restarted_and_no_row_is_lost_or_doubled(
    ray_runtime: ModuleType, tiny_model_dir: Path
) -> None:
    items = [{"id": f"r{n:02d}", "text": _text(n)} for n in range(16)]
    config = _config(tiny_model_dir, actors=1, block_rows=2, chunk_size=2)
    received: list[str] = []
    killed = None
    for row in brief_dataset(ray_runtime.data.from_items(items), config).iter_rows():
        received.append(row["id"])
        if killed is None:
            (killed,) = _briefing_actors(ray_runtime)  # the only one, mid-run
            ray_runtime.kill(killed, no_restart=False)
            at_kill = len(received)
    assert killed is not None and at_kill < len(items)
    assert sorted(received) == [item["id"] for item in items]  # each exactly once
    state = ray_runtime._private.state.actors(killed._ray_actor_id.hex())
    assert state["NumRestarts"] >= 1, "the actor should have died and come back"


def _ray_command(source: Path, out: Path, tiny_model_dir: Path, address: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "summarizer",
        "batch",
        str(source),
        "-o",
        str(out),
        "--engine",
        "ray",
        "--address",
        address,
        "--model",
        str(tiny_model_dir),
        "--device",
        "cpu",
        "--runtime",
        "hf",
    ]


@pytest.mark.slow
def test_a_killed_driver_resumes_where_it_stopped(
    ray_runtime: ModuleType, tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The driver joins this module's runtime (``--address``), is killed with SIGKILL after
    a few lines, and the same command then finishes the batch."""
    source = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"j{n:02d}", "text": _text(n)}) for n in range(48)]
    source.write_text("\n".join([*lines, "not json"]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    address = ray_runtime.get_runtime_context().gcs_address
    command = _ray_command(source, out, tiny_model_dir, address)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    driver = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and (not out.exists() or len(_rows(out)) < 4):
            assert driver.poll() is None, "the driver should still be running"
            time.sleep(0.05)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    before = len(_rows(out))
    assert 4 <= before < 49, "the run should be killed part way"
    rerun = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=WAIT_SECONDS, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{before} already done" in rerun.stderr
    ids = [row["id"] for row in _rows(out)]
    assert len(ids) == len(set(ids)) == 49
    assert not next(row for row in _rows(out) if row["id"] == "line-49")["ok"]


@pytest.mark.slow
def test_parquet_input_with_a_repeated_id_is_briefed_once_and_resumes(
    ray_runtime: ModuleType, model_args: list[str], tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = ["p0", "p1", "p2", "p1", "p3"]
    texts = [_text(0), _text(1), "", _text(5), _text(3)]
    source = tmp_path / "articles.parquet"
    pq.write_table(pa.table({"id": ids, "text": texts}), source)
    out = tmp_path / "out.jsonl"
    command = ["batch", str(source), "-o", str(out), "--engine", "ray", *model_args]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "3 briefed, 1 bad inputs recorded, 1 already done" in result.stderr
    rows = {row["id"]: row for row in _rows(out)}
    assert sorted(rows) == ["p0", "p1", "p2", "p3"]
    assert rows["p2"]["error"] == "EmptyInput"
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "0 briefed, 0 bad inputs recorded, 5 already done" in result.stderr


def test_without_ray_the_ray_engine_fails_at_once_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    (tmp_path / "in").mkdir()
    started = time.perf_counter()
    result = runner.invoke(
        app, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "o.jsonl"), "--engine", "ray"]
    )
    assert time.perf_counter() - started < 1.0
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert 'pip install "summarizer[ray]"' in result.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_commands_without_the_ray_engine_never_import_ray(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = _folder(tmp_path / "in", good=2)
    args = ["batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--model", str(tiny_model_dir)]
    args += ["--device", "cpu", "--runtime", "hf"]
    script = (
        "import sys\nfrom summarizer.cli import app\n"
        f"try:\n    app({args!r}, prog_name='summarizer')\nexcept SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
    assert len(_rows(tmp_path / "o.jsonl")) == 5


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--actors", "2"], "need --engine ray"),
        (["--engine", "spark"], "--engine must be local or ray"),
        (["--engine", "ray", "--shard", "1/2"], "--shard is for the local engine"),
    ],
)
def test_ray_options_are_checked_before_anything_runs(
    options: list[str], message: str, tmp_path: Path
) -> None:
    pytest.importorskip("ray")
    (tmp_path / "in").mkdir()
    command = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "o.jsonl"), *options]
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_locked_output_is_refused_before_ray_starts(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    source = _folder(tmp_path / "in", good=1)
    out = tmp_path / "out.jsonl"
    with BatchOutput(out):
        result = runner.invoke(app, ["batch", str(source), "-o", str(out), "--engine", "ray"])
    assert result.exit_code == 6
    assert result.stderr == f"error: {out}: another batch run is writing it\n"


def test_the_scaling_out_table_is_written_from_the_ray_report() -> None:
    from tests.test_doc_tables import doc_tables

    report = json.loads((ROOT / "eval" / "reports" / "ray.json").read_text(encoding="utf-8"))
    report["actors"]["2"]["articles_per_second"] = 12.34
    report["actors"]["1"]["peak_rss_mb_per_actor"] = [4321]
    report["speedup_2_over_1"] = 9.87
    sources = replace(doc_tables.load_sources(ROOT), ray=report)
    table = doc_tables.readme_ray_table(sources)
    assert "| 12.34 |" in table
    assert "| 4,321 MB |" in table
    assert "9.87 times" in table
    assert doc_tables.RAY_MISSING in doc_tables.readme_ray_table(replace(sources, ray=None))
