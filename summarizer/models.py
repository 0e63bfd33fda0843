"""Where the shipped default model lives."""

from __future__ import annotations

import os
from pathlib import Path

from summarizer.errors import ModelError

# The project's own model, trained by `summarizer train` (see models/brief-minilm/README.md).
DEFAULT_MODEL_NAME = "brief-minilm"
_PACKAGE = Path(__file__).resolve().parent
# A wheel carries the model's inference files here (pyproject.toml's force-include).
PACKAGED_MODELS_DIR = _PACKAGE / "bundled_models"
# A checkout (or an editable install) keeps the model in the repository's models/ folder.
SOURCE_MODELS_DIR = _PACKAGE.parent / "models"


def default_model() -> Path:
    """``$SUMMARIZER_MODEL`` if set, else the wheel's own copy, else the checkout's ``models/``."""
    chosen = os.environ.get("SUMMARIZER_MODEL")
    folders = (PACKAGED_MODELS_DIR, SOURCE_MODELS_DIR)
    candidates = [Path(chosen)] if chosen else [folder / DEFAULT_MODEL_NAME for folder in folders]
    found = next((path for path in candidates if path.is_dir()), None)
    if found is None:
        raise ModelError(
            f"default model not found in {' or '.join(map(str, candidates))}: set "
            f"SUMMARIZER_MODEL, pass --model, or train it with `summarizer train --config "
            f"models/{DEFAULT_MODEL_NAME}.yaml`"
        )
    return found
