"""A pronoun is never a value: sources and issuers resolve to the name they stand for.

'"We are overwhelmed," he said' gives ``according_to: he``; a reader takes the person named
just before. The value becomes that name's span in the article and keeps the pronoun's own
span in ``resolved_from``. A pronoun with no name before it within reach is dropped.
"""

from __future__ import annotations

import re

from summarizer.rules import Verdict, section_of
from summarizer.schema import Dropped, GroundedText, Span, Strict

SOURCE_FIELDS = ("according_to", "issued_by", "announced_by")
# Fields a pronoun is dropped from rather than resolved: whom it stands for is not a source.
PLAIN_FIELDS = ("who", "binds")

_PERSONAL = re.compile(r"^(?:he|she|him|her)$", re.I)
_COLLECTIVE = re.compile(r"^(?:they|them|it|we|us|i|you)$", re.I)
# How far back a name is looked for: the pronoun's sentence and about two before it.
REACH_CHARS = 600

_TITLE = (
    r"(?:Mr|Mrs|Ms|Dr|Gen|Col|Maj|Capt|Lt|Sgt|President|Governor|Gov|Minister|Premier|Mayor"
    r"|General|Colonel|Major|Captain|Commissioner|Chief|Superintendent|Inspector|Senator"
    r"|Secretary|Spokesman|Spokeswoman|Prime Minister|Director|Judge|King|Queen|Prince)\.?"
)
_CAPITALIZED = r"[A-Z][\w'\u2019-]*"
# 'President Salva Kiir', 'Mr Nyusi', 'John Mongella': a title and a name, or two names.
_PERSON = re.compile(rf"\b{_TITLE}(?:\s+{_CAPITALIZED})+|\b{_CAPITALIZED}(?:\s+{_CAPITALIZED})+")
_ORGANIZATION = re.compile(
    r"\b(?:the\s+)?(?:[A-Z][\w'-]*\s+)*(?:Ministry|Agency|Police|Army|Council|Commission"
    r"|Organi[sz]ation|Department|Office|Authority|Government|Service|Force|Forces|Command"
    r"|Nations|Union|Cross|Crescent)\b(?:\s+of(?:\s+[A-Z][\w'-]*)+)?"
    r"|\b[A-Z]{2,}\b"
    r"|(?i:\b(?:the\s+)?(?:police|officials|authorities|government|army|military|ministry"
    r"|rescuers|witnesses|residents|doctors|medics|officers)\b)"
)
_NOT_NAMES = frozenset({"The", "A", "An", "But", "And", "In", "On", "At", "He", "She", "They"})


def nearest_antecedent(article: str, pronoun: Span) -> tuple[int, int] | None:
    """The span of the nearest name before ``pronoun`` a reader would take it for."""
    window_start = max(0, pronoun.start - REACH_CHARS)
    window = article[window_start : pronoun.start]
    pattern = _PERSON if _PERSONAL.match(pronoun.text) else _ORGANIZATION
    found = [m for m in pattern.finditer(window) if _is_name(m.group(0), pattern)]
    if not found:
        return None
    last = found[-1]
    return window_start + last.start(), window_start + last.end()


def _is_name(text: str, pattern: re.Pattern[str]) -> bool:
    if pattern is not _PERSON:
        return True
    words = text.split()
    return words[0] not in _NOT_NAMES or len(words) > 2


def resolve_pronouns(record: Strict, article: str) -> Verdict:
    """Source fields that hold a pronoun take its antecedent; other fields drop it."""
    updates: dict[str, object] = {}
    dropped: list[Dropped] = []
    section = section_of(record)
    for field in (*SOURCE_FIELDS, *PLAIN_FIELDS):
        value = getattr(record, field, None)
        if not isinstance(value, GroundedText) or not _is_pronoun(value.text):
            continue
        antecedent = nearest_antecedent(article, value) if field in SOURCE_FIELDS else None
        if antecedent is None:
            updates[field] = None
            reason = "a pronoun, and no name it stands for within reach"
            if field in PLAIN_FIELDS:
                reason = "a pronoun is not a value"
            dropped.append(Dropped(section=section, field=field, value=value.text, reason=reason))
            continue
        start, end = antecedent
        pronoun = Span(start=value.start, end=value.end, text=value.text)
        updates[field] = GroundedText(
            start=start,
            end=end,
            text=article[start:end],
            alignment="exact",
            resolved_from=pronoun,
        )
    if not updates:
        return Verdict(record)
    return Verdict(record.model_copy(update=updates), tuple(dropped))


def _is_pronoun(text: str) -> bool:
    return bool(_PERSONAL.match(text.strip()) or _COLLECTIVE.match(text.strip()))
