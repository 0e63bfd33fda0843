"""A broken or unreachable model is exit 4 with one line, and fast."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from summarizer.backend import BackendConfig, HFBackend
from summarizer.errors import ModelError
from tests.conftest import ROOT, SHORT_SEED

pytestmark = pytest.mark.model


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _garbage(_: bytes) -> bytes:
    return b"\x13\x07garbage, not a safetensors file"


def _bad_header(data: bytes) -> bytes:
    return data[:8] + b"#" * 32 + data[40:]


@pytest.mark.parametrize("damage", [_truncated, _garbage, _bad_header])
def test_damaged_weights_are_a_model_error(
    tiny_model_dir: Path, tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(damage(weights.read_bytes()))
    with pytest.raises(ModelError, match=re.escape(f"cannot load model '{broken}' as a folder")):
        HFBackend(BackendConfig(model=str(broken), device="cpu"))


def _cli(model: str, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """``summarizer brief`` in a fresh process: hub settings are read once, at import."""
    clean = {
        k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    }
    command = [sys.executable, "-m", "summarizer", "brief", str(SHORT_SEED), "--model", model]
    started = time.monotonic()
    result = subprocess.run(
        [*command, "--device", "cpu"],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result, time.monotonic() - started


def _assert_one_line_exit_4(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 4, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith("error: ") and message in result.stderr


def test_damaged_weights_exit_4_with_one_line(tiny_model_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "model.safetensors").write_bytes(
        _truncated((broken / "model.safetensors").read_bytes())
    )
    result, _ = _cli(str(broken))
    _assert_one_line_exit_4(result, "Error while deserializing header")


@pytest.mark.parametrize(
    ("env", "message"),
    [({}, "the hub did not serve it"), ({"HF_HUB_OFFLINE": "1"}, "HF_HUB_OFFLINE=1 is set")],
)
def test_an_unreachable_hub_id_fails_fast_in_one_line(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result, seconds = _cli("nobody-here/no-such-model-xyz", HF_HUB_CACHE=str(tmp_path), **env)
    _assert_one_line_exit_4(result, message)
    # A 5 s hub check plus the CLI's imports; without the check it took about a minute. The
    # margin is for a busy 2-core machine (10.3 s seen with another job on both cores).
    assert seconds < 20


def test_a_hub_id_in_the_cache_loads_without_the_network(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    commit = "0" * 40
    repo = tmp_path / "models--tester--tiny"
    shutil.copytree(tiny_model_dir, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    result, seconds = _cli("tester/tiny", HF_HUB_CACHE=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert '"model": "tester/tiny"' in result.stdout
    assert seconds < 60


def test_a_missing_folder_is_no_hub_id() -> None:
    with pytest.raises(ModelError, match="no such folder, nor a hub id"):
        HFBackend(BackendConfig(model="/no/such/model/folder", device="cpu"))
