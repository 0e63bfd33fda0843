"""Where an order applies, how long it runs, and when an escape happened.

The model reads these fields only from schema version 2 on (it was trained before them), so
they are read from the record's own sentence by the patterns wire copy uses: "a curfew from
7 p.m. to 6 a.m. for 30 days in Molo, Kuresoi North and Kuresoi South", "escaped late on
Sunday". A field the sentence does not state stays empty.
"""

from __future__ import annotations

import re

from summarizer.rules import MONTHS, WEEKDAYS, Verdict, grounded
from summarizer.schema import Escape, GroundedText, Order, Span, Strict

_CLOCK = (
    r"(?:\d{1,2}(?:[:.]\d\d)?\s*(?:a\.?m\.?|p\.?m\.?|hrs|GMT)"
    r"|midnight|noon|dawn|dusk|sunset|sunrise)"
)
_DAY = rf"(?:{WEEKDAYS})"
_MONTH = rf"(?:{MONTHS})"
_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|thirty|a)"
_UNIT = r"(?:hours?|days?|weeks?|months?|years?)"
_PERIOD = re.compile(
    rf"\b(?:from\s+{_CLOCK}\s+(?:to|until|till)\s+{_CLOCK}"
    rf"|between\s+{_CLOCK}\s+and\s+{_CLOCK}"
    rf"|{_CLOCK}\s*(?:-|\u2013|to)\s*{_CLOCK}"
    rf"|(?:dusk|sunset)-to-(?:dawn|sunrise)"
    rf"|for\s+(?:the\s+next\s+|another\s+|a\s+further\s+)?{_NUMBER}[\s-]+{_UNIT}"
    rf"|until\s+(?:further notice|{_DAY}|{_MONTH}\s+\d{{1,2}}|{_CLOCK}|the end of \w+)"
    rf"|{_NUMBER}-(?:hour|day|week|month|year)\b)"
    rf"(?:\s+for\s+{_NUMBER}[\s-]+{_UNIT})?",
    re.I,
)
_PLACE_WORD = r"[A-Z][\w'\u2019-]+"
_PLACES = rf"{_PLACE_WORD}(?:(?:\s+|,\s+|\s+and\s+){_PLACE_WORD})*"
_GENERIC_AREA = (
    r"(?:the\s+)?(?:whole|entire)?\s*(?:capital|country|city|region|state|province|district"
    r"|area|valley|island|town|county|zone|territory)\b(?:\s+of\s+" + _PLACES + r")?"
)
_AREA = re.compile(
    rf"\b(?:in|across|throughout|covering|over|for)\s+(?P<area>(?:the\s+)?{_PLACES}"
    rf"|{_GENERIC_AREA})|\b(?P<nationwide>nationwide|countrywide|city-wide|citywide)\b"
)
_NOT_AREA = re.compile(rf"^(?:the\s+)?(?:{_DAY}|{_MONTH})\b")
_TIME = re.compile(
    rf"\b(?:(?:early|late)\s+(?:on\s+)?{_DAY}|on\s+{_DAY}(?:\s+(?:night|morning|evening))?"
    rf"|on\s+{_MONTH}\s+\d{{1,2}}|overnight|last\s+(?:night|week|month)"
    rf"|(?:this|that|on\s+{_DAY})\s+(?:morning|afternoon|evening|night)"
    rf"|(?:early|late)\s+(?:morning|afternoon|evening|night))",
    re.I,
)
_REPORTING = re.compile(r"\b(?:said|says|told|reported|announced|added|stated)\s*$", re.I)


def order_extent(record: Strict, article: str) -> Verdict:
    """``area`` and ``period`` of an order, from its sentence."""
    if not isinstance(record, Order) or (record.area and record.period):
        return Verdict(record)
    start = record.requires.start if record.requires else record.evidence.start
    updates: dict[str, GroundedText] = {}
    if record.period is None and (period := _first(_PERIOD, article, record.evidence)):
        updates["period"] = period
    if record.area is None and (area := _area(article, record.evidence, start)):
        updates["area"] = area
    return Verdict(record.model_copy(update=updates) if updates else record)


def escape_time(record: Strict, article: str) -> Verdict:
    """``when`` of an escape: the time the sentence gives, not that of its reporting verb."""
    if not isinstance(record, Escape) or record.when is not None:
        return Verdict(record)
    when = _first(_TIME, article, record.evidence, skip_after=_REPORTING)
    return Verdict(record.model_copy(update={"when": when}) if when else record)


def _first(
    pattern: re.Pattern[str],
    article: str,
    evidence: Span,
    skip_after: re.Pattern[str] | None = None,
) -> GroundedText | None:
    for match in pattern.finditer(article, evidence.start, evidence.end):
        lead = article[max(evidence.start, match.start() - 16) : match.start()]
        if skip_after is not None and skip_after.search(lead):
            continue
        return grounded(article, match.start(), match.end())
    return None


def _area(article: str, evidence: Span, start: int) -> GroundedText | None:
    for match in _AREA.finditer(article, start, evidence.end):
        group = "area" if match.group("area") else "nationwide"
        text = match.group(group)
        if group == "area" and _NOT_AREA.match(text):
            continue
        return grounded(article, match.start(group), match.end(group))
    return None
