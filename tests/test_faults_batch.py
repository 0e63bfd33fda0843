"""Faults a batch must survive: unreadable and poisonous items, a full disk, an unwritable or
locked output. Each ends in a recorded bad item or a one-line error with a documented exit
code, and the output stays resumable."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.backend import GenerationRequest, ScriptedBackend
from summarizer.batch import BatchConfig, BatchOutput, iter_inputs, run_batch
from summarizer.cli import EXIT_CODES, app
from summarizer.errors import ModelError, OutputError
from summarizer.ingest import Article
from summarizer.numbers import parse_count
from summarizer.pipeline import Pipeline
from tests.conftest import ROOT

runner = CliRunner()
POISON = "10" + "0" * 400
PROSE = (
    "The river council of Danvel said {n} people were killed when the old dam broke on "
    "Tuesday. Officials ordered the families of the lower valley to leave their homes."
)
_FIGURE = re.compile(r"\d[\d,]*")


def _copy_figure(request: GenerationRequest) -> str:
    """A fake model that copies a sentence's first figure as a casualty count."""
    figure = _FIGURE.search(request.source)
    if request.section != "casualties" or figure is None:
        return "none"
    return f"count: {figure.group()}; who: people; outcome: killed; according to: -; when: -"


def _article(number: int | str) -> Article:
    return Article(source=f"a{number}", text=PROSE.format(n=number))


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


@pytest.mark.parametrize(
    ("phrase", "value"),
    [
        (POISON, None),
        (f"{POISON} million", None),
        ("1" * 5000, None),
        ("1.5 million", 1_500_000),
        ("more than 130,000", 130_000),
        ("999,999,999,999,999", 999_999_999_999_999),
    ],
)
def test_a_figure_too_long_for_a_count_has_no_value(phrase: str, value: int | None) -> None:
    assert parse_count(phrase).value == value


def test_a_poisonous_number_is_briefed_with_its_text_kept() -> None:
    brief = Pipeline(ScriptedBackend(_copy_figure)).brief(_article(POISON))
    assert [(c.count, c.count_text.text if c.count_text else None) for c in brief.casualties] == [
        (None, POISON)
    ]


class _Failing:
    """A pipeline that fails on articles whose text holds ``marker``, as ``error`` says."""

    def __init__(self, marker: str, error: Exception) -> None:
        self.inner = Pipeline(ScriptedBackend(_copy_figure))
        self.marker, self.error, self.calls = marker, error, 0

    def briefs(self, articles: list[Article]):  # type: ignore[no-untyped-def]
        self.calls += 1
        if any(self.marker in article.text for article in articles):
            raise self.error
        return self.inner.briefs(articles)


def _items(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir()
    for name in names:
        (folder / f"{name}.txt").write_text(PROSE.format(n=name), encoding="utf-8")
    return sorted(folder.glob("*.txt"))


@pytest.mark.parametrize(
    ("error", "recorded"),
    [
        (ZeroDivisionError("division by zero\nand a second line"), "ZeroDivisionError"),
        (ModelError("generation failed on this one"), "ModelError"),
    ],
)
def test_one_failing_article_is_recorded_and_the_rest_briefed(
    tmp_path: Path, error: Exception, recorded: str
) -> None:
    _items(tmp_path / "in", ["11", "12", "666", "14", "15"])
    pipeline = _Failing("666", error)
    with BatchOutput(tmp_path / "out.jsonl") as output:
        report = run_batch(
            pipeline,  # type: ignore[arg-type]
            iter_inputs(tmp_path / "in"),
            output,
            BatchConfig(chunk_size=3),
        )
    rows = {row["id"]: row for row in _rows(tmp_path / "out.jsonl")}
    assert (report.written, report.failed) == (4, 1)
    assert sorted(rows) == ["11.txt", "12.txt", "14.txt", "15.txt", "666.txt"]
    assert rows["666.txt"] == {
        "id": "666.txt",
        "ok": False,
        "error": recorded,
        "reason": str(error).splitlines()[0],
    }
    assert all(row["ok"] for name, row in rows.items() if name != "666.txt")


def test_a_model_failing_on_every_article_stops_the_run(tmp_path: Path) -> None:
    _items(tmp_path / "in", [str(n) for n in range(10)])
    pipeline = _Failing("people", ModelError("the weights hold NaN"))
    with (
        pytest.raises(ModelError, match="3 articles in a row: the weights hold NaN"),
        BatchOutput(tmp_path / "out.jsonl") as output,
    ):
        run_batch(pipeline, iter_inputs(tmp_path / "in"), output, BatchConfig(chunk_size=8))  # type: ignore[arg-type]
    assert pipeline.calls == 4  # the chunk, then three articles alone: not all ten
    assert [row["id"] for row in _rows(tmp_path / "out.jsonl")] == ["0.txt", "1.txt"]


def _unreadable(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Reading ``name`` fails as a file without read permission does (tests run as root)."""
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.name == name:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)


def test_unreadable_and_odd_files_are_bad_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in"
    _items(source, ["1", "locked"])
    (source / "folder.txt").mkdir()
    (source / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    _unreadable(monkeypatch, "locked.txt")
    errors = {item.id: type(item.error).__name__ for item in iter_inputs(source) if item.error}
    assert errors == {
        "locked.txt": "UnreadableInput",
        "folder.txt": "MissingInput",
        "dangling.txt": "MissingInput",
    }


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's model is the figure-copying fake: no weights are loaded."""
    monkeypatch.setattr("summarizer.cli.load_backend", lambda _: ScriptedBackend(_copy_figure))


def _one_line_error(result, code: int) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


def test_exit_code_6_is_documented() -> None:
    assert "6 the output could not be written" in EXIT_CODES
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "6 the output could not be written" in readme


@pytest.mark.usefixtures("scripted")
def test_disk_full_stops_with_exit_6_and_the_rerun_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out = tmp_path / "in", tmp_path / "out.jsonl"
    _items(source, [str(n) for n in range(6)])
    write = os.write
    budget = {"lines": 3}

    def fill_up(handle: int, data: bytes) -> int:
        if budget["lines"] == 0:
            written = write(handle, data[: len(data) // 2])  # half a line, then the disk is full
            raise OSError(errno.ENOSPC, f"No space left on device ({written} bytes written)")
        budget["lines"] -= 1
        return write(handle, data)

    monkeypatch.setattr("summarizer.batch.os.write", fill_up)
    command = ["batch", str(source), "-o", str(out), "--chunk-size", "2"]
    line = _one_line_error(runner.invoke(app, command), 6)
    assert "No space left on device" in line
    assert len(_rows(out)) == 3  # whole lines only: the half line was cut back off
    monkeypatch.setattr("summarizer.batch.os.write", write)
    assert runner.invoke(app, command).exit_code == 0
    assert sorted(row["id"] for row in _rows(out)) == [f"{n}.txt" for n in range(6)]


@pytest.mark.usefixtures("scripted")
def test_a_short_write_is_cut_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, out = tmp_path / "in", tmp_path / "out.jsonl"
    _items(source, ["1", "2"])
    write = os.write
    monkeypatch.setattr(
        "summarizer.batch.os.write", lambda handle, data: write(handle, data[: len(data) - 5])
    )
    _one_line_error(runner.invoke(app, ["batch", str(source), "-o", str(out)]), 6)
    assert out.read_bytes() == b""


def _regular_file(tmp_path: Path) -> Path:
    path = tmp_path / "plain"
    path.write_text("not a folder")
    return path


@pytest.mark.usefixtures("scripted")
@pytest.mark.parametrize(
    "output",
    [
        lambda tmp: tmp,  # a folder
        lambda tmp: _regular_file(tmp) / "out.jsonl",  # inside a file, as in a read-only place
    ],
)
def test_unwritable_outputs_are_exit_6(tmp_path: Path, output) -> None:  # type: ignore[no-untyped-def]
    target, source = output(tmp_path), tmp_path / "in"
    _items(source, ["1"])
    _one_line_error(runner.invoke(app, ["batch", str(source), "-o", str(target)]), 6)
    _one_line_error(runner.invoke(app, ["brief", str(source / "1.txt"), "-o", str(target)]), 6)


@pytest.mark.usefixtures("scripted")
def test_a_full_disk_under_brief_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _items(tmp_path / "in", ["1"])
    out = tmp_path / "out" / "brief.json"

    def full(_: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("summarizer.cli.os.fsync", full)
    result = runner.invoke(app, ["brief", str(tmp_path / "in" / "1.txt"), "-o", str(out)])
    assert "No space left" in _one_line_error(result, 6)
    assert list(out.parent.iterdir()) == []


@pytest.mark.usefixtures("scripted")
def test_a_corrupt_output_is_refused_not_appended_to(tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "notes.txt"
    _items(source, ["1"])
    out.write_text("my notes\nmore notes\n")
    line = _one_line_error(runner.invoke(app, ["batch", str(source), "-o", str(out)]), 6)
    assert "notes.txt:1: not a line of batch output" in line
    assert out.read_text() == "my notes\nmore notes\n"


@pytest.mark.usefixtures("scripted")
def test_a_second_writer_on_a_held_output_is_refused(tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out.jsonl"
    _items(source, ["1", "2"])
    with BatchOutput(out):
        result = runner.invoke(app, ["batch", str(source), "-o", str(out)])
        assert "another batch run is writing it" in _one_line_error(result, 6)
    assert out.read_bytes() == b""
    with pytest.raises(OutputError), BatchOutput(out), BatchOutput(out):
        pass


def _hostile_folder(folder: Path, good: int) -> dict[str, str | None]:
    """Good articles and every kind of bad one; each name's expected error, None if good."""
    expected: dict[str, str | None] = {}
    folder.mkdir()
    for number in range(good):
        (folder / f"good-{number:02d}.txt").write_text(PROSE.format(n=number + 2))
        expected[f"good-{number:02d}.txt"] = None
    (folder / "poison.txt").write_text(PROSE.format(n=POISON))
    expected["poison.txt"] = None  # briefed: the figure keeps its text, with no value
    sentence = "The {w} council of Danvel said {n} people were killed near the old dam. "
    words = ["marsh", "ridge", "ferry", "quarry", "harbour", "orchard"]
    for name, size in (("long-line.txt", 900_000), ("huge-line.txt", 5_000_000)):
        text, length = [], 0
        while length < size:
            text.append(sentence.format(w=words[len(text) % len(words)], n=len(text)))
            length += len(text[-1])
        (folder / name).write_text("".join(text)[:size])
    expected["long-line.txt"] = None
    expected["huge-line.txt"] = "InputTooLarge"
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    expected["binary.txt"] = "BinaryInput"
    (folder / "locked.txt").write_text(PROSE.format(n=7))
    expected["locked.txt"] = "UnreadableInput"
    (folder / "folder.txt").mkdir()
    expected["folder.txt"] = "MissingInput"
    return expected


@pytest.mark.usefixtures("scripted")
def test_hostile_folder_completes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, out = tmp_path / "in", tmp_path / "out.jsonl"
    expected = _hostile_folder(source, good=5)
    _unreadable(monkeypatch, "locked.txt")
    started = time.monotonic()
    result = runner.invoke(app, ["batch", str(source), "-o", str(out), "--chunk-size", "3"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert time.monotonic() - started < 60
    rows = _rows(out)
    assert sorted(row["id"] for row in rows) == sorted(expected)  # each exactly once
    for row in rows:
        error = expected[str(row["id"])]
        if error is None:
            assert row["ok"], row
        else:
            assert (row["id"], row["ok"], row["error"]) == (row["id"], False, error)
    unread = next(r for r in rows if r["id"] == "long-line.txt")["brief"]["provenance"]["unread"]  # type: ignore[index]
    assert unread["reason"].startswith("past the per-article limit")


@pytest.mark.model
def test_a_second_concurrent_batch_process_is_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out.jsonl"
    _items(source, [str(n) for n in range(40)])
    command = [sys.executable, "-m", "summarizer", "batch", str(source), "-o", str(out)]
    command += ["--model", str(tiny_model_dir), "--device", "cpu", "--runtime", "hf"]
    command += ["--chunk-size", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not out.exists() or not out.read_bytes()):
            time.sleep(0.05)
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert first.poll() is None, "the first run should still be writing"
    finally:
        first.kill()
        first.wait()
    assert second.returncode == 6, second.stderr
    assert second.stderr.strip().splitlines() == [f"error: {out}: another batch run is writing it"]
    ids = [
        json.loads(line)["id"]
        for line in out.read_bytes().splitlines(keepends=True)
        if line.endswith(b"\n")
    ]
    assert ids and len(ids) == len(set(ids))
