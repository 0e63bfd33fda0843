"""Where the shipped default model lives."""

from __future__ import annotations

import os
from pathlib import Path

from summarizer.errors import ModelError

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
# Until the project's trained model ships, the default is the tiny random-weight T5 that
# setup.sh builds: the pipeline runs end to end on it, but it does not read articles well.
DEFAULT_MODEL_NAME = "tiny-random"


def default_model() -> Path:
    """``$SUMMARIZER_MODEL`` if set, else the project's default model folder."""
    chosen = os.environ.get("SUMMARIZER_MODEL")
    path = Path(chosen) if chosen else MODELS_DIR / DEFAULT_MODEL_NAME
    if not path.is_dir():
        raise ModelError(
            f"default model {path} not found: build it with "
            f"`summarizer build-tiny-model {path}` (setup.sh does), or pass --model"
        )
    return path
