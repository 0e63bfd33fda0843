"""Split kept blocks into sentences, each carrying its offsets into the original article."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import pysbd

from summarizer.clean import Block


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    headline: bool


@dataclass(frozen=True)
class SegmentLimits:
    """Bounds on the work one line costs, whatever its length."""

    # pysbd's time grows with the square of its input: a longer line goes to it in windows,
    # each cut after a sentence end where there is one.
    window_chars: int = 20_000
    # A longer "sentence" (a run-on list, text without stops) is cut at whitespace.
    sentence_chars: int = 2_000


_SENTENCE_END = re.compile(r"[.!?][\"')\u201d\u2019]*\s+")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _splitter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def segment(text: str, blocks: list[Block], limits: SegmentLimits | None = None) -> list[Sentence]:
    return list(iter_sentences(text, blocks, limits))


def iter_sentences(
    text: str, blocks: list[Block], limits: SegmentLimits | None = None
) -> Iterator[Sentence]:
    """Sentences in order, found only as far as they are read: a caller may stop early."""
    limits = limits or SegmentLimits()
    index = 0
    for block in blocks:
        for window in _cut(text, block.start, block.end, limits.window_chars, _SENTENCE_END):
            for sentence in _split_block(text, *window):
                for start, end in _cut(text, *sentence, limits.sentence_chars, _SPACE):
                    yield Sentence(index, start, end, text[start:end], headline=block.headline)
                    index += 1


def _cut(
    text: str, start: int, end: int, limit: int, boundary: re.Pattern[str]
) -> Iterator[tuple[int, int]]:
    """``text[start:end]`` in pieces of at most ``limit`` characters, each ending at the last
    ``boundary`` that fits, else at the last whitespace, else at the limit; whitespace
    between pieces is left out."""
    while end - start > limit:
        cut = _last_end(boundary, text, start, start + limit) or _last_end(
            _SPACE, text, start, start + limit
        )
        piece_end = cut or start + limit
        yield start, len(text[start:piece_end].rstrip()) + start
        start = piece_end
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield start, end


def _last_end(pattern: re.Pattern[str], text: str, start: int, end: int) -> int | None:
    """Where the last match of ``pattern`` inside ``text[start:end]`` ends, past ``start``."""
    last = None
    for match in pattern.finditer(text, start + 1, end):
        last = match.end()
    return last


def _split_block(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Locate pysbd's pieces in the original text in order; pysbd itself may drift offsets."""
    block = text[start:end]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in _splitter().segment(block):
        piece = piece.strip()
        if not piece:
            continue
        found = block.find(piece, cursor)
        if found < 0:
            break
        spans.append((start + found, start + found + len(piece)))
        cursor = found + len(piece)
    if cursor < len(block.rstrip()):
        rest = block[cursor:]
        offset = len(rest) - len(rest.lstrip())
        if rest.strip():
            spans.append((start + cursor + offset, start + cursor + offset + len(rest.strip())))
    return spans
