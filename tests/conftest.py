from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
LONG_SEED = SEEDS / "003_36393d928e02eb65.txt"
SHORT_SEED = SEEDS / "000_9b9bfd8b49ed7159.txt"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real HF seq2seq checkpoint with random weights, built locally (no hub)."""
    from summarizer.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def tiny_backend(tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    from summarizer.backend import BackendConfig, HFBackend

    return HFBackend(BackendConfig(model=str(tiny_model_dir), device="cpu", batch_size=16))
