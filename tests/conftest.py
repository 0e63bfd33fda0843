from __future__ import annotations

import os

# One thread per test process, set before torch is imported: on a shared 2-core machine
# torch's default of one thread per core oversubscribes it (52 minutes against 3.5 for the
# suite). Subprocesses the tests start inherit these.
for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_variable] = "1"

import contextlib  # noqa: E402
from functools import cache  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
with contextlib.suppress(RuntimeError):  # only settable before torch's first parallel work
    torch.set_num_interop_threads(1)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
LONG_SEED = SEEDS / "003_36393d928e02eb65.txt"
SHORT_SEED = SEEDS / "000_9b9bfd8b49ed7159.txt"
SHIPPED_MODEL = ROOT / "models" / "brief-minilm"
TRAINING_DATA = ROOT / "models" / "training-data"
# The reference sets the shipped model is measured on; the documentation's tables and the
# recall floors name them the same way.
EVAL_SPLITS = {
    "seeds": SEEDS,
    "synthetic": TRAINING_DATA / "synthetic_000-039.validation.jsonl",
    "lee": TRAINING_DATA / "lee_000-049.validation.jsonl",
    "wire": TRAINING_DATA / "wire_000-069.validation.jsonl",
}


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real HF seq2seq checkpoint with random weights, built locally (no hub)."""
    from summarizer.training.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session")
def tiny_backend(tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    from summarizer.backend import BackendConfig, HFBackend

    return HFBackend(BackendConfig(model=str(tiny_model_dir), device="cpu", batch_size=16))


@pytest.fixture(scope="session")
def shipped_backend():  # type: ignore[no-untyped-def]
    """The shipped model, loaded once per session, as `summarizer eval` loads it on a CPU
    (the default runtime: CTranslate2 int8 where it is installed)."""
    from summarizer.backend import BackendConfig, load_backend

    return load_backend(BackendConfig(model=str(SHIPPED_MODEL), device="cpu"))


@pytest.fixture(scope="session")
def shipped_evaluation(shipped_backend):  # type: ignore[no-untyped-def]
    """``evaluation(split)``: the shipped model's evaluation result, computed once a session."""
    from summarizer.evaluation.run import EvalConfig, evaluate_pipeline
    from summarizer.pipeline import Pipeline

    pipeline = Pipeline(shipped_backend)

    @cache
    def evaluation(split: str) -> dict[str, Any]:
        if split == "lee":
            pytest.importorskip("gensim", reason="the Lee corpus comes with the training extra")
        return evaluate_pipeline(pipeline, EvalConfig(refs=EVAL_SPLITS[split]))

    return evaluation
