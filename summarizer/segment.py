"""Split kept blocks into sentences, each carrying its offsets into the original article."""

from __future__ import annotations

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


@lru_cache(maxsize=1)
def _splitter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def segment(text: str, blocks: list[Block]) -> list[Sentence]:
    sentences: list[Sentence] = []
    for block in blocks:
        for start, end in _split_block(text, block.start, block.end):
            sentences.append(
                Sentence(len(sentences), start, end, text[start:end], headline=block.headline)
            )
    return sentences


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
