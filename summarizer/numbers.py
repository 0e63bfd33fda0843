"""Read a count as the article words it: 'more than 130,000' -> (130000, 'more than')."""

from __future__ import annotations

import re
from dataclasses import dataclass

from word2number import w2n

from summarizer.schema import Qualifier

_QUALIFIERS: tuple[tuple[str, Qualifier], ...] = (
    (r"more than|over|upwards of|in excess of", "more than"),
    (r"at least|no fewer than|no less than|a minimum of", "at least"),
    (r"about|around|approximately|roughly|some|an estimated|estimated|an approximate", "about"),
    (r"up to|as many as|a maximum of", "up to"),
    (r"fewer than|less than|under", "fewer than"),
    (r"nearly|almost|close to|just under", "nearly"),
    (r"exactly|precisely", "exactly"),
)
_QUALIFIER_RE = re.compile(
    r"^(?P<q>" + "|".join(p for p, _ in _QUALIFIERS) + r")\b\s*", re.IGNORECASE
)
# Western grouping '130,000' and Indian grouping '3,57,243' (lakhs and crores in pairs).
_DIGITS = re.compile(
    r"(?<![\d.])(\d{1,2}(?:,\d{2})+,\d{3}|\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?!\d)"
)
_SCALES = {
    "thousand": 1_000,
    "lakh": 100_000,
    "lakhs": 100_000,
    "lac": 100_000,
    "lacs": 100_000,
    "million": 1_000_000,
    "crore": 10_000_000,
    "crores": 10_000_000,
    "billion": 1_000_000_000,
}
_SCALE = re.compile(r"^\s*(" + "|".join(_SCALES) + r")\b", re.IGNORECASE)
# 'seven lakh': a number in words before a scale that word2number does not know.
_WORDS_BEFORE_SCALE = re.compile(
    r"^(?P<words>[a-z -]+?)\s+(?P<scale>lakhs?|lacs?|crores?)\b", re.IGNORECASE
)
# '40 to 50', '40-50', 'between 40 and 50': the lower figure, at least.
_RANGE = re.compile(r"^(?:between\s+)?[\d,.]+\s*(?:-|\u2013|to|and|or)\s*[\d,.]+\b", re.IGNORECASE)
# More digits than any count of people has: such a figure keeps its text but gets no value
# (its int would not fit a float, and past 4,300 digits int() refuses it).
MAX_COUNT_DIGITS = 15
_PHRASES = {"a dozen": 12, "dozen": 12, "a couple of": 2, "a pair of": 2}
_VAGUE = re.compile(
    r"\b(hundreds|thousands|dozens|scores|millions|tens of thousands|several|a few|few|many"
    r"|numerous|some)\b",
    re.IGNORECASE,
)


# A token or phrase that can carry a count: digits, number words, vague quantities.
QUANTITY_WORD = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundred|hundreds|thousand|thousands|million|millions|dozen|dozens|scores"
    r"|lakh|lakhs|lac|lacs|crore|crores|several|few|many|couple|half|numerous)\b",
    re.IGNORECASE,
)


# What may sit between the words of one figure: '1.5 million', '40-50', 'two hundred'. A
# comma or stop joins only digits it touches ('130,000', '1.5'), never '12, 40'.
_FIGURE_GLUE = re.compile(r"[\s-]*")
# A digit inside a name is no figure: 'M23', 'COVID-19', 'F-16'.
_NAME_WITH_DIGITS = re.compile(r"\b[A-Za-z][\w-]*?\d[\w-]*")
# A bare four-digit year ("in 2016", "a 2019 deal"): a figure, but never a count of people.
_YEAR = re.compile(r"(?<![\d,.])(?:1[89]\d\d|20\d\d)(?![\d,.]\d|\d)")


def count_figures(text: str) -> list[tuple[int, int]]:
    """Character spans of the words in ``text`` that can carry a count of people."""
    years = [m.span() for m in _YEAR.finditer(text)]
    return [
        m.span()
        for m in QUANTITY_WORD.finditer(text)
        if not any(a <= m.start() < b for a, b in years)
    ]


# "hundreds of thousands" is one figure: a plural scale word, "of", a scale word.
PLURAL_SCALE = re.compile(r"\b(?:tens|dozens|scores|hundreds|thousands|millions)$", re.IGNORECASE)
_SCALE_OF = re.compile(r"\s+of\s+")
_SCALE_WORD = re.compile(
    r"(?:hundreds?|thousands?|lakhs?|lacs?|millions?|crores?|billions?)\b", re.IGNORECASE
)
# In "as many as 10,000" the word "many" belongs to the qualifier, not to a figure.
_QUALIFYING_QUANTITY = re.compile(r"\bas\s+(?:many|few)\s+as\b", re.IGNORECASE)
# Words that make part of the figure they stand before: 'tens of thousands'.
_SCALE_LEAD = re.compile(r"\b(?:tens|dozens|scores) of\s+", re.IGNORECASE)
_QUALIFIER_LEAD = re.compile(
    r"\b(?:" + "|".join(p for p, _ in _QUALIFIERS) + r")\s+", re.IGNORECASE
)


def separates_digits(text: str, index: int) -> bool:
    """Whether ``text[index]`` is a comma or stop inside a number: '130,000', '1.5'."""
    return (
        0 < index < len(text) - 1
        and text[index] in ",."
        and text[index - 1].isdigit()
        and text[index + 1].isdigit()
    )


def _joined(text: str, previous: tuple[int, int], start: int) -> bool:
    if _FIGURE_GLUE.fullmatch(text, previous[1], start):
        return True
    if start == previous[1] + 1 and separates_digits(text, previous[1]):
        return True
    return bool(
        _SCALE_OF.fullmatch(text, previous[1], start)
        and PLURAL_SCALE.search(text, previous[0], previous[1])
        and _SCALE_WORD.match(text, start)
    )


def figure_phrases(text: str) -> list[tuple[int, int]]:
    """Spans of whole figures: '130,000', 'two hundred', '1.5 million' and 'hundreds of
    thousands' are one each; the 'many' of 'as many as' is none."""
    skipped = [m.span() for m in _QUALIFYING_QUANTITY.finditer(text)]
    skipped += [m.span() for m in _NAME_WITH_DIGITS.finditer(text)]
    phrases: list[tuple[int, int]] = []
    for start, end in count_figures(text):
        if any(a <= start < b for a, b in skipped):
            continue
        if phrases and _joined(text, phrases[-1], start):
            phrases[-1] = (phrases[-1][0], end)
        else:
            phrases.append((start, end))
    return phrases


def whole_count(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` widened to the whole figures it touches: a model may stop at
    'hundreds' of 'hundreds of thousands', or start inside a qualifier ('many as 10,000').

    A qualifier the copy left out entirely stays out: in 'worried about 300 miners' the
    'about' is no qualifier, and only the copy can tell.
    """
    touched = [(a, b) for a, b in figure_phrases(text) if a < end and start < b]
    if not touched:
        return start, end
    first, end = touched[0][0], max(end, touched[-1][1])
    if scale := _lead_before(_SCALE_LEAD, text, first):
        first = scale.start()
    start = min(start, first)
    qualifier = _lead_before(_QUALIFIER_LEAD, text, first)
    if qualifier and qualifier.start() < start < qualifier.end():
        return qualifier.start(), end
    return start, end


def _lead_before(lead: re.Pattern[str], text: str, position: int) -> re.Match[str] | None:
    """The match of ``lead`` that ends right at ``position``, if any."""
    return next((m for m in lead.finditer(text, 0, position) if m.end() == position), None)


@dataclass(frozen=True)
class Count:
    value: int | None
    qualifier: Qualifier | None


def parse_count(text: str) -> Count:
    """Integer and qualifier of a count phrase; value None for vague wording like 'hundreds'."""
    phrase = " ".join(text.replace("\u00a0", " ").split())
    qualifier: Qualifier | None = None
    match = _QUALIFIER_RE.match(phrase)
    if match:
        qualifier = _qualifier_for(match.group("q"))
        phrase = phrase[match.end() :]
    if qualifier is None and _RANGE.match(phrase):
        qualifier = "at least"
    return Count(_value(phrase.removeprefix("between ")), qualifier)


def _qualifier_for(word: str) -> Qualifier:
    for pattern, qualifier in _QUALIFIERS:
        if re.fullmatch(pattern, word, re.IGNORECASE):
            return qualifier
    raise ValueError(word)


def _value(phrase: str) -> int | None:
    digits = _DIGITS.search(phrase)
    if digits:
        figure = digits.group(1).replace(",", "")
        if len(figure) > MAX_COUNT_DIGITS:
            return None
        whole = int(figure)
        fraction = digits.group(2) or ""
        scale = _SCALE.match(phrase[digits.end() :])
        if scale:
            factor = _SCALES[scale.group(1).lower()]
            return round((whole + float("0." + fraction if fraction else 0)) * factor)
        return whole if not fraction else None
    lowered = phrase.lower()
    if _VAGUE.search(lowered) and not re.search(r"\b(hundred|thousand|million)\b", lowered):
        return None
    if scaled := _WORDS_BEFORE_SCALE.match(lowered):
        units = _value(scaled.group("words"))
        return None if units is None else units * _SCALES[scaled.group("scale")]
    for words, value in _PHRASES.items():
        if lowered == words or lowered.startswith(words + " "):
            return value
    try:
        return int(w2n.word_to_num(lowered.replace("-", " ")))
    except ValueError:
        return None
