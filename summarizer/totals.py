"""Killed and wounded in the article's incident, summed from its casualty records.

The coding rules are the annotation guide's (section "Casualty totals"): all sides summed; a
restated figure counts once; a later, larger toll replaces an earlier one; of sources that
disagree, the lower figure stands and the other is listed as disputed; deaths of an earlier
incident told as background are left out; a part is not added to its total; a single named
or described victim counts one (its record carries count 1, see rules.single_victims).

An incident report states its toll first and then tells it again, victim by victim or in
other words; a later figure adds to the toll only when the words say so ("also", "another",
"more", "in addition").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.rules import MONTHS, head_phrase
from summarizer.schema import Casualty, GroupTotal, Qualifier, Totals

_BACKGROUND = re.compile(
    rf"\b(?:since (?:(?:1[89]|20)\d\d|last|{MONTHS})|last (?:year|month|week)"
    r"|earlier this (?:year|month)|previous(?:ly)?"
    r"|in the past|so far this year|this year|over the past|ago|(?:in|of) (?:1[89]|20)\d\d"
    r"|(?:decades?|years?) since|in the (?:past|last) (?:\w+ )?(?:years?|decades?)"
    r"|(?:in|during) the (?:\w+ )?(?:war|conflict|insurgency)(?![-\w])"
    r"|\b(?:each|every|a|per) year\b|\bannually\b"
    rf"|in (?:{MONTHS})\b(?! \d)|in (?:{MONTHS}) (?:1[89]|20)\d\d)",
    re.I,
)
# Whose deaths a figure counts, when the words name no side: these add up with nothing.
_GENERIC = frozenset(
    {"", "people", "person", "persons", "dead", "lives", "victims", "casualties", "individuals"}
)


# 'in revenge for the killing of four', 'a month after 40 troops were killed'.
_EARLIER_LEAD = re.compile(
    r"revenge|retaliation|avenge|\b(?:days?|weeks?|months?|years?|decades?) (?:after|since)\b",
    re.I,
)
# 'in 2019, when 14 died', 'the 2019 attack on the market killed 12': another incident.
_DATED_EVENT = re.compile(
    rf"\bin (?:(?:{MONTHS}|early|late|mid-?)\s*)?(?:1[89]|20)\d\d\b"
    r"|\b(?:1[89]|20)\d\d\s+(?:attack|blast|bombing|massacre|raid|riots?"
    r"|floods?|earthquake|quake|fire|clash(?:es)?|war|uprising|ambush|explosion|cyclone|storm)\b",
    re.I,
)
# A conflict's running toll, told beside the incident: 'the insurgency, now in its 16th year,
# has killed more than 40,000', 'more than 6,000 have been killed since then', 'since the
# war began'. Not 'since the operation began Wednesday': that is the incident's own toll.
_CONFLICT = (
    r"(?:war|conflict|insurgency|uprising|rebellion|crisis|violence|fighting|unrest|invasion)"
)
_CUMULATIVE = re.compile(
    rf"\b{_CONFLICT}\b[^.;]{{0,80}}?\b(?:has|have)\s+(?:so far\s+|since\s+)?"
    r"(?:killed|claimed|left|cost)\b"
    r"|\bin its \w+ (?:year|decade)\b"
    r"|\bsince (?:then|the (?:start|beginning|outbreak|onset) of)\b"
    r"|\b(?:in|during|over|since) that (?:time|period)\b"
    rf"|\bsince (?:the |[\w-]+'s )?(?:[\w-]+ ){{0,2}}{_CONFLICT}\b",
    re.I,
)
_UPDATE = re.compile(
    r"\b(?:rose|risen|rises|climbed|increased|reached|now stands|went up|jumped|mounted"
    r"|updated|revised)\b",
    re.I,
)
_ADDITIVE = re.compile(
    r"\b(?:also|another|more|in addition|besides|separately|too|as well|further)\b", re.I
)


@dataclass(frozen=True)
class _Figure:
    index: int
    value: int
    group: str
    outcome: str
    qualifier: Qualifier | None
    sentence: int
    additive: bool
    update: bool
    source: str


@dataclass(frozen=True)
class _Toll:
    value: int
    counted: tuple[_Figure, ...]
    superseded: frozenset[int]
    disputed: frozenset[int]


def casualty_totals(casualties: Sequence[Casualty], article: str) -> tuple[Totals, list[Casualty]]:
    """The totals, and the records marked ``background`` or ``superseded`` where they are."""
    marked = [_mark_background(record, article) for record in casualties]
    figures = [
        f for i, record in enumerate(marked) if (f := _figure(i, record, article)) is not None
    ]
    killed, wounded = _toll(figures, "dead"), _toll(figures, "wounded")
    for index in killed.superseded | wounded.superseded:
        marked[index] = marked[index].model_copy(update={"superseded": True})
    totals = Totals(
        killed=killed.value,
        wounded=wounded.value,
        killed_qualifier=_qualifier(killed),
        wounded_qualifier=_qualifier(wounded),
        groups=_group_totals(killed, wounded),
        disputed=sorted(killed.disputed | wounded.disputed),
    )
    return totals, marked


def _mark_background(record: Casualty, article: str) -> Casualty:
    when = record.when.text if record.when else ""
    if _BACKGROUND.search(when) or _background_clause(record, article):
        return record.model_copy(update={"background": True})
    return record


def _background_clause(record: Casualty, article: str) -> bool:
    """A figure whose own words date it to another incident ('where 12 were killed in 2010',
    'in revenge for the killing of four supporters') or make it a conflict's running toll."""
    if record.count_text is None:
        return False
    span = record.count_text
    lead = article[max(record.evidence.start, span.start - 60) : span.start]
    after = article[span.end : record.evidence.end]
    clause = re.split(r"[,;.]|\b(?:in )?(?:revenge|retaliation|reprisal)\b", after, maxsplit=1)[0]
    before = article[record.evidence.start : span.start]
    dated = _DATED_EVENT.search(before)
    cumulative = _CUMULATIVE.search(before) or _CUMULATIVE.search(clause)
    return bool(_BACKGROUND.search(clause) or _EARLIER_LEAD.search(lead) or dated or cumulative)


def _figure(index: int, record: Casualty, article: str) -> _Figure | None:
    if record.background or record.part_of is not None or record.outcome == "missing":
        return None
    value = record.count
    if value is None:
        return None
    anchor = record.count_text or record.who
    assert anchor is not None
    start = max(record.evidence.start, anchor.start - 40)
    around = article[start : min(record.evidence.end, anchor.end + 40)]
    return _Figure(
        index=index,
        value=value,
        group=_group(record),
        outcome="wounded" if record.outcome == "wounded" else "dead",
        qualifier=record.qualifier,
        sentence=record.evidence.start,
        additive=bool(_ADDITIVE.search(around)),
        update=bool(_UPDATE.search(around)),
        source=record.according_to.text.lower() if record.according_to else "",
    )


def _group(record: Casualty) -> str:
    if record.who is None:
        return ""
    words = re.findall(r"[a-z]+", head_phrase(record.who.text).lower())
    head = words[-1] if words else ""
    return head if head not in _GENERIC else ""


def _sentence_total(figures: Sequence[_Figure]) -> int:
    """One sentence's toll: its named groups summed (the largest figure of each), or its
    figure for people in general when that is larger."""
    largest: dict[str, int] = {}
    for figure in figures:
        largest[figure.group] = max(largest.get(figure.group, 0), figure.value)
    general = largest.pop("", 0)
    return max(general, sum(largest.values()))


def _toll(figures: Sequence[_Figure], outcome: str) -> _Toll:
    sentences: dict[int, list[_Figure]] = {}
    for figure in figures:
        if figure.outcome == outcome:
            sentences.setdefault(figure.sentence, []).append(figure)
    value = 0
    counted: list[_Figure] = []
    superseded: set[int] = set()
    disputed: set[int] = set()
    for members in sentences.values():
        added = [f for f in members if f.additive] if counted else members
        if added:
            value += _sentence_total(added)
            counted += added
            continue
        restated = _sentence_total(members)
        other_source = _disputed(counted, members)
        if restated > value and (not other_source or any(f.update for f in members)):
            superseded |= {f.index for f in counted}
            value, counted = restated, list(members)
        else:
            # Sources that disagree: the lower figure stands, the other is disputed.
            disputed |= _disputed(members, counted)
    return _Toll(value, tuple(counted), frozenset(superseded), frozenset(disputed))


def _disputed(figures: Sequence[_Figure], taken: Sequence[_Figure]) -> set[int]:
    """Of ``figures``, those a different named source gives differently from ``taken``."""
    return {
        f.index
        for f in figures
        for t in taken
        if f.group == t.group
        and f.value != t.value
        and f.source
        and t.source
        and f.source != t.source
    }


def _qualifier(toll: _Toll) -> Qualifier | None:
    return next(
        (f.qualifier for f in toll.counted if f.qualifier and f.qualifier != "exactly"), None
    )


def _group_totals(killed: _Toll, wounded: _Toll) -> list[GroupTotal]:
    groups = sorted({f.group for f in (*killed.counted, *wounded.counted)})
    return [
        GroupTotal(
            who=group or None,
            killed=_sentence_total([f for f in killed.counted if f.group == group]),
            wounded=_sentence_total([f for f in wounded.counted if f.group == group]),
            records=sorted(
                f.index for f in (*killed.counted, *wounded.counted) if f.group == group
            ),
        )
        for group in groups
    ]
