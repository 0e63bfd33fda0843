"""Strip boilerplate without rewriting the text: the result is a list of kept ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CAPTION = re.compile(
    r"\((?:picture|photo|image|pictured|credit|file photo)\s*:[^)]*\)\s*\.?\s*$"
    r"|^(?:image|photo|picture) (?:copyright|caption|source)\b"
    r"|\bAP Photo/",
    re.IGNORECASE,
)
_TRAILER = re.compile(
    r"^(?:more from\b|read more\b|related:|related stories\b|follow us\b|share this\b"
    r"|sign up\b|subscribe\b|copyright\b|©|all rights reserved\b|advertisement$)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?\"')\u201d\u2019]\s*$")


@dataclass(frozen=True)
class Block:
    """One kept line of the article: ``article[start:end]``."""

    start: int
    end: int
    headline: bool


def clean(text: str) -> list[Block]:
    """Keep body lines; drop captions, repeated lines and trailers such as 'More From ...'."""
    blocks: list[Block] = []
    seen: set[str] = set()
    for start, end in _lines(text):
        line = text[start:end]
        key = " ".join(line.split()).lower()
        if key in seen or _CAPTION.search(line) or _TRAILER.match(line):
            continue
        seen.add(key)
        blocks.append(Block(start, end, headline=_is_headline(line)))
    return blocks


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line, trimmed of surrounding whitespace."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        stripped = line.strip()
        if stripped:
            start = match.start() + (len(line) - len(line.lstrip()))
            spans.append((start, start + len(stripped)))
    return spans


def _is_headline(line: str) -> bool:
    words = line.split()
    return len(words) <= 14 and not _SENTENCE_END.search(line)
