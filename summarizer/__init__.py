"""summarizer: structured, grounded briefs of news articles from a local seq2seq model.

    from summarizer import Summarizer
    brief = Summarizer().brief(text)

``Summarizer`` is imported on first use, so ``import summarizer`` (and ``--version``) stays
fast: the model stack loads only when a brief is asked for.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("summarizer")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from summarizer.api import ModelOptions, Summarizer

__all__ = ["ModelOptions", "Summarizer", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("Summarizer", "ModelOptions"):
        from summarizer import api

        return getattr(api, name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
