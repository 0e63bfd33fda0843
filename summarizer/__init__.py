"""summarizer: structured, grounded briefs of news articles from a local seq2seq model."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("summarizer")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
