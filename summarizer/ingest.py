"""Read an article from disk and refuse what is not one."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from summarizer.errors import (
    BinaryInput,
    EmptyInput,
    InputTooLarge,
    MissingInput,
    NotAnArticle,
    NotUtf8,
    UnreadableInput,
)

DEFAULT_MAX_BYTES = 1_000_000
MIN_WORDS = 12
# Shorter than MIN_WORDS is still a report when it tells an event: "Maoists shot dead a
# villager in Bijapur."
MIN_REPORT_WORDS = 4
_EVENT = re.compile(
    r"\b(?:kill|killing|dead|died|shot|injured|wounded|hurt|blast|explosion|ambush|clash"
    r"|clashes|encounter|fire|flee|escape|evacuate|order|curfew|[a-z]{3,}ed)\b",
    re.IGNORECASE,
)
# Terse incident reports are dense with names and abbreviations and light on "the" and "of".
TERSE_CAPITALIZED_SHARE = 0.3
# Share of words that must be common English function words; news prose sits near 0.4.
MIN_ENGLISH_SHARE = 0.12
_ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "be",
        "been",
        "that",
        "this",
        "it",
        "its",
        "as",
        "said",
        "says",
        "not",
        "they",
        "he",
        "she",
        "we",
        "their",
        "his",
        "her",
        "who",
        "which",
    ]
)
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_HTML = re.compile(r"^\s*(<!doctype html|<html|<\?xml)", re.IGNORECASE)


@dataclass(frozen=True)
class Article:
    """The original text, untouched: every offset in a brief points into ``text``."""

    source: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


_URL = re.compile(r"^(?:https?|ftp)://", re.IGNORECASE)
# Formats people hand over instead of text, by their first bytes: what to do instead.
_CONVERT = (
    (b"%PDF", "a PDF document: convert it to plain text first (e.g. pdftotext FILE.pdf)"),
    (b"PK\x03\x04", "a Word document or other zip archive: save the article as plain text"),
    (b"\xd0\xcf\x11\xe0", "an old Word or Office document: save the article as plain text"),
    (b"{\\rtf", "an RTF document: save the article as plain text"),
)


def read_article(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    if _URL.match(str(path)):
        raise NotAnArticle(f"{path}: a URL; save the article as a plain-text file and pass that")
    file = Path(path)
    if not file.is_file():
        raise MissingInput(f"{file}: {'not a regular file' if file.exists() else 'no such file'}")
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise InputTooLarge(f"{file}: {size} bytes is over the limit of {max_bytes} bytes")
        data = file.read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"{file}: cannot be read ({exc.strerror or exc})") from exc
    return parse_article(data, source=str(file))


def parse_article(data: bytes, source: str) -> Article:
    if not data.strip():
        raise EmptyInput(f"{source}: the file is empty")
    for magic, what in _CONVERT:
        if data.startswith(magic):
            raise NotAnArticle(f"{source}: {what}")
    if b"\x00" in data:
        raise BinaryInput(f"{source}: binary data, not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8(f"{source}: not UTF-8 text (bad byte at offset {exc.start})") from exc
    check_is_article(text, source)
    return Article(source=source, text=text)


def check_is_article(text: str, source: str) -> None:
    if _HTML.match(text):
        raise NotAnArticle(f"{source}: HTML markup, not a plain-text article")
    words = _WORD.findall(text)
    reports_event = bool(_EVENT.search(text))
    if len(words) < MIN_WORDS and not (len(words) >= MIN_REPORT_WORDS and reports_event):
        raise NotAnArticle(f"{source}: only {len(words)} words, too short to be an article")
    english = sum(w.lower() in _ENGLISH_FUNCTION_WORDS for w in words) / len(words)
    if english < MIN_ENGLISH_SHARE and not (reports_event and _terse(words)):
        raise NotAnArticle(f"{source}: does not read as English prose")


def _terse(words: list[str]) -> bool:
    capitalized = sum(w[0].isupper() for w in words) / len(words)
    return capitalized >= TERSE_CAPITALIZED_SHARE
