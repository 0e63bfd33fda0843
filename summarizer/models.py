"""Where the shipped default model lives."""

from __future__ import annotations

import os
from pathlib import Path

from summarizer.errors import ModelError

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
# The project's own model, trained by `summarizer train` (see models/brief-minilm/README.md).
DEFAULT_MODEL_NAME = "brief-minilm"


def default_model() -> Path:
    """``$SUMMARIZER_MODEL`` if set, else the project's default model folder."""
    chosen = os.environ.get("SUMMARIZER_MODEL")
    path = Path(chosen) if chosen else MODELS_DIR / DEFAULT_MODEL_NAME
    if not path.is_dir():
        raise ModelError(
            f"default model {path} not found: train it with `summarizer train --config "
            f"models/{DEFAULT_MODEL_NAME}.yaml`, or pass --model"
        )
    return path
