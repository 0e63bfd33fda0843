"""What a new user meets first: fast one-line failures before any model loads, standard
input, formats to convert, the version, and the new outputs (HTML, CSV, dossier, eval page)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from tests.conftest import ROOT, SEEDS, SHORT_SEED

runner = CliRunner()
PROSE = (
    "Police said 12 people were killed when a bus overturned near the town on Sunday. "
    "The governor ordered all schools in the district closed until further notice.\n"
)


def _timed(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "summarizer", *args],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
    )  # fmt: skip
    return done, time.perf_counter() - started


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["brief", "no/such/article.txt"], 3, "no such file"),
        (["brief", "https://example.org/story"], 3, "a URL"),
        (["eval", "--refs", "no/such/refs"], 2, "no such file or folder"),
        (["batch", "no/such/folder", "-o", "out.jsonl"], 3, "no such file or folder"),
        (["batch", str(SHORT_SEED), "-o", "out.jsonl"], 2, "for one article use"),
        (["train", "--config", "missing.yaml"], 2, "no such training config"),
        (["dossier", "tests"], 3, "no .txt articles in the folder"),
        (["brief", str(SHORT_SEED), "-o", "tests"], 6, "it is a folder"),
    ],
)
def test_a_wrong_path_fails_in_one_line_before_the_model_loads(
    args: list[str], code: int, message: str
) -> None:
    done, seconds = min((_timed(*args) for _ in range(2)), key=lambda pair: pair[1])
    assert done.returncode == code, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert seconds < 1.0, f"{seconds:.2f} s"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n%binary", "convert it to plain text"),
        (b"PK\x03\x04\x14\x00word/document.xml", "Word document"),
        (b"{\\rtf1\\ansi hello}", "RTF document"),
    ],
)
def test_documents_to_convert_are_named(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "story.bin"
    path.write_bytes(content)
    result = runner.invoke(app, ["brief", str(path)])
    assert result.exit_code == 3
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_version() -> None:
    from summarizer import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"summarizer {__version__}"


def test_importing_the_package_loads_no_model_stack() -> None:
    code = "import sys, summarizer; print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.fixture
def model_args(tiny_model_dir: Path) -> list[str]:
    return ["--model", str(tiny_model_dir), "--device", "cpu", "--runtime", "hf"]


@pytest.mark.model
def test_brief_reads_standard_input(model_args: list[str]) -> None:
    result = runner.invoke(app, ["brief", "-", *model_args], input=PROSE)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["provenance"]["source"] == "<stdin>"


@pytest.mark.model
@pytest.mark.parametrize(("suffix", "start"), [(".html", "<!doctype html>"), (".csv", "article,")])
def test_brief_format_follows_the_output_suffix(
    model_args: list[str], tmp_path: Path, suffix: str, start: str
) -> None:
    out = tmp_path / f"brief{suffix}"
    result = runner.invoke(app, ["brief", str(SHORT_SEED), *model_args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(start)


@pytest.mark.model
def test_batch_of_unreadable_articles_exits_non_zero_and_lists_skipped_files(
    model_args: list[str], tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.7")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(folder), "-o", str(out), *model_args])
    assert result.exit_code == 3
    assert "skipped (not .txt): notes.pdf" in result.stderr
    assert "no readable articles" in result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["ok"] is False


@pytest.mark.model
def test_batch_writes_an_html_page_and_a_fact_table(model_args: list[str], tmp_path: Path) -> None:
    page, table, out = tmp_path / "batch.html", tmp_path / "facts.csv", tmp_path / "o.jsonl"
    extra = ["--html", str(page), "--facts", str(table)]
    result = runner.invoke(app, ["batch", str(SEEDS), "-o", str(out), *extra, *model_args])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert html.count('<div class="article">') == len(list(SEEDS.glob("*.txt")))
    briefs = [json.loads(line)["brief"] for line in out.read_text(encoding="utf-8").splitlines()]
    sections = ("orders", "casualties", "displacement", "escapes")
    records = sum(len(brief[section]) for brief in briefs for section in sections)
    rows = table.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("article,section,record,count") and len(rows) == 1 + records


@pytest.mark.model
def test_eval_writes_an_html_report(model_args: list[str], tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "--refs", str(SEEDS), "--out", str(tmp_path), *model_args])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    missed = sum(len(a["missed"]) for a in report["articles"])
    assert html.count("<li id=") == missed and "missed" in html


def test_an_output_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    import os

    from summarizer.cli import _write_atomically

    target = tmp_path / "brief.json"
    _write_atomically(target, "{}\n")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's private 0600
