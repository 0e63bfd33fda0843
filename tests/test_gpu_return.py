"""eval/gpu_return.py: a run packed for the GPU machine's return limit comes back as it was."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch
from safetensors.torch import load_file, save_file

ROOT = Path(__file__).resolve().parent.parent


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gpu_return", ROOT / "eval" / "gpu_return.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, dict[str, torch.Tensor]]:
    torch.manual_seed(0)
    tensors = {
        "model.shared.weight": torch.randn(20_001, 8).half(),
        "model.decoder.layers.0.fc1.weight": torch.randn(16, 8).half(),
        "final_logits_bias": torch.zeros(1, 20_001).half(),
        "position_ids": torch.arange(5),
    }
    folder = tmp_path / "run"
    folder.mkdir()
    save_file(tensors, folder / "model.safetensors")
    (folder / "config.json").write_text('{"d_model": 8}\n')
    (folder / "checkpoint.pt").write_bytes(b"optimiser state stays behind")
    return folder, tensors


def test_a_packed_run_unpacks_to_its_weights_and_files(
    run: tuple[Path, dict[str, torch.Tensor]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gpu_return = _module()
    folder, original = run
    monkeypatch.setattr(gpu_return, "PART_BYTES", 64 * 1024)
    gpu_return.pack(folder, tmp_path / "out")
    parts = sorted((tmp_path / "out").glob("weights.part*"))
    assert len(parts) > 2 and all(part.stat().st_size <= 64 * 1024 for part in parts)

    gpu_return.unpack(tmp_path / "out", tmp_path / "back")
    back = load_file(tmp_path / "back" / "model.safetensors")
    assert set(back) == set(original)
    for name in ("model.decoder.layers.0.fc1.weight", "final_logits_bias", "position_ids"):
        assert torch.equal(back[name], original[name]), name
    vocabulary = original["model.shared.weight"].float()
    step = vocabulary.abs().amax(dim=1, keepdim=True) / 127
    error = (back["model.shared.weight"].float() - vocabulary).abs()
    assert bool((error <= step / 2 + 1e-3).all())
    assert not torch.equal(back["model.shared.weight"], original["model.shared.weight"])
    assert (tmp_path / "back" / "config.json").read_text() == '{"d_model": 8}\n'
    assert not (tmp_path / "back" / "checkpoint.pt").exists()


def test_parts_that_do_not_add_up_are_refused(
    run: tuple[Path, dict[str, torch.Tensor]], tmp_path: Path
) -> None:
    gpu_return = _module()
    gpu_return.pack(run[0], tmp_path / "out")
    part = tmp_path / "out" / "weights.part0"
    part.write_bytes(part.read_bytes()[:-1])
    with pytest.raises(SystemExit, match="sha256"):
        gpu_return.unpack(tmp_path / "out", tmp_path / "back")
