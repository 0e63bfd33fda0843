"""Align every copied value back to the article: exact, then normalised, then fuzzy.

A value that cannot be aligned within its sentence is dropped and reported. A value holding
a digit must align exactly or after normalisation: a number is never accepted fuzzily.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from summarizer.fields import CONTEXT_FIELDS, SECTION_FIELDS, choice_value
from summarizer.numbers import parse_count, whole_count
from summarizer.schema import (
    RECORD_TYPES,
    Alignment,
    Dropped,
    GroundedText,
    Section,
    Span,
    Strict,
)
from summarizer.segment import Sentence
from summarizer.target_format import SentenceRecord

FUZZY_MIN_SCORE = 88.0
_FOLD = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    alignment: Alignment


# Tokenizers detokenize "100,000" as "100, 000" and "U.S." as "u. s.": spaces next to
# these marks are dropped on both sides of a comparison.
_JOINERS = frozenset(",.'-/:()\"%$")


def normalize(text: str) -> tuple[str, list[int]]:
    """Case- and space-folded text, with the original index of every kept character."""
    chars: list[str] = []
    index: list[int] = []
    for position, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", _FOLD.get(char, char)).casefold():
            if folded.isspace():
                if not chars or chars[-1] in (" ", *_JOINERS):
                    continue
                folded = " "
            elif folded in _JOINERS and chars and chars[-1] == " ":
                chars.pop()
                index.pop()
            chars.append(folded)
            index.append(position)
    while chars and chars[-1] == " ":
        chars.pop()
        index.pop()
    return "".join(chars), index


def _find_whole(needle: str, haystack: str) -> int:
    """First occurrence not glued to a letter or digit: '440' is not found in '4400'."""
    found = haystack.find(needle)
    while found >= 0:
        end = found + len(needle)
        before = haystack[found - 1] if found else " "
        after = haystack[end] if end < len(haystack) else " "
        if not (before.isalnum() and needle[0].isalnum()) and not (
            after.isalnum() and needle[-1].isalnum()
        ):
            return found
        found = haystack.find(needle, found + 1)
    return -1


def align(value: str, text: str) -> Match | None:
    """Where ``value`` stands in ``text``, as whole words; offsets are into ``text``."""
    if not value.strip():
        return None
    found = _find_whole(value, text)
    if found >= 0:
        return Match(found, found + len(value), "exact")
    wanted, _ = normalize(value)
    haystack, index = normalize(text)
    found = _find_whole(wanted, haystack) if wanted else -1
    if found >= 0:
        return Match(index[found], index[found + len(wanted) - 1] + 1, "normalized")
    if not wanted:
        return None
    if any(c.isdigit() for c in value):
        return None
    result = fuzz.partial_ratio_alignment(wanted, haystack, score_cutoff=FUZZY_MIN_SCORE)
    if result is None or result.dest_end <= result.dest_start:
        return None
    start, end = _whole_words(text, index[result.dest_start], index[result.dest_end - 1] + 1)
    return Match(start, end, "fuzzy")


def _in_context(
    value: str, sentence: Sentence, around: Sequence[Sentence]
) -> tuple[Sentence, Match | None]:
    """The nearest context sentence that holds ``value`` exactly or after normalisation:
    the decoder copies context values token for token, so a fuzzy match is not one."""
    for other in sorted(around, key=lambda s: abs(s.index - sentence.index)):
        match = align(value, other.text)
        if match is not None and match.alignment != "fuzzy":
            return other, match
    return sentence, None


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def ground_record(item: SentenceRecord, article: str) -> tuple[Strict | None, list[Dropped]]:
    """A schema record with every value grounded, or None if a required value is lost."""
    record, sentence = item.record, item.sentence
    dropped: list[Dropped] = []
    fields: dict[str, object] = {}
    for spec in SECTION_FIELDS[record.section]:
        value = record.values.get(spec.name)
        if value is None:
            continue
        if spec.kind == "choice":
            fields[spec.name] = choice_value(spec, value)
            continue
        where, match = sentence, align(value, sentence.text)
        if match is None and spec.name in CONTEXT_FIELDS:
            where, match = _in_context(value, sentence, item.around)
        if match is None:
            reason = "not found in its sentence"
            if any(c.isdigit() for c in value):
                reason = "number not found verbatim in its sentence"
            elif spec.name in CONTEXT_FIELDS and item.around:
                reason = "not found in its sentence or its context"
            dropped.append(
                Dropped(section=record.section, field=spec.name, value=value, reason=reason)
            )
            if spec.required:
                return None, dropped
            continue
        start, end = match.start, match.end
        if spec.kind == "count":
            start, end = whole_count(sentence.text, start, end)
        start, end = where.start + start, where.start + end
        grounded = GroundedText(
            start=start, end=end, text=article[start:end], alignment=match.alignment
        )
        if spec.kind == "count":
            count = parse_count(grounded.text)
            fields.update(count_text=grounded, count=count.value, qualifier=count.qualifier)
        else:
            fields[spec.name] = grounded
    denied = _denied_field(record.section, fields, article, sentence)
    if denied is not None:
        reason = "negated in its sentence"
        return None, [
            *dropped,
            Dropped(section=record.section, field=denied.name, value=denied.text, reason=reason),
        ]
    evidence = Span(start=sentence.start, end=sentence.end, text=sentence.text)
    return RECORD_TYPES[record.section](**fields, evidence=evidence), dropped  # type: ignore[call-arg]


_DENIAL_BEFORE = re.compile(r"(?:\bno|\bnot a single|\bnone of(?: the)?)\s+$", re.IGNORECASE)
_DENYING_WHO = re.compile(r"^(?:no\b|nobody\b|none\b|no-one\b)", re.IGNORECASE)
# "The driver was not hurt", "the guards weren't injured", "residents have not left".
_DENIAL_AFTER = re.compile(
    r"^\s+(?:(?:was|were|is|are|has|have|had)(?:\s+been)?\s+(?:not|never)\b"
    r"|(?:wasn't|weren't|isn't|aren't|hasn't|haven't|hadn't)\b"
    r"|(?:did not|didn't|does not|doesn't|do not|don't)\b"
    r"|(?:was|were|escaped)\s+(?:unhurt|unharmed|uninjured|injury)\b)",
    re.IGNORECASE,
)
# "... have not been ordered to leave", "did not order residents to ...".
_DENIED_ORDER = re.compile(
    r"\b(?:not|never|no longer)\s+(?:been\s+|be\s+)?(?:order(?:ed)?|told|instruct(?:ed)?"
    r"|direct(?:ed)?|require[ds]?|call(?:ed)? for)\b(?:(?!\bbut\b)[^,;])*$"
    r"|\b(?:no|not an?)\s+(?:evacuation\s+)?order\b(?:(?!\bbut\b)[^,;])*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Denied:
    name: str
    text: str


def _denied_field(
    section: Section, fields: dict[str, object], article: str, sentence: Sentence
) -> _Denied | None:
    """The value a record rests on, where its sentence denies it; None if nothing is denied.

    The annotation guide leaves negations out ("No Americans were hurt", "they have not been
    ordered to leave"), but a model can still copy values out of such a sentence.
    """
    if section == "orders":
        requires = fields.get("requires")
        if isinstance(requires, GroundedText):
            lead = article[sentence.start : requires.start]
            if _DENIED_ORDER.search(lead):
                return _Denied("requires", requires.text)
        return None
    who = fields.get("who")
    if isinstance(who, GroundedText) and "count_text" not in fields:
        before = article[max(sentence.start, who.start - 20) : who.start]
        after = article[who.end : sentence.end]
        if (
            _DENIAL_BEFORE.search(before)
            or _DENYING_WHO.match(who.text)
            or _DENIAL_AFTER.match(after)
        ):
            return _Denied("who", who.text)
    return None
