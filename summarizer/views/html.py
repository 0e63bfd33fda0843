"""Briefs as one self-contained HTML file: the article with every evidence span highlighted.

Each evidence sentence is coloured by its section, each value copied from it is marked inside
it, and hovering shows the record (clicking also picks out its row in the tables below). The
file loads nothing: styles and the few lines of script are inline, and every piece of article
text is escaped, so an article holding ``<script>`` renders as text.

The page is written by hand rather than with displaCy or langextract's visualiser: displaCy's
span view needs spaCy's Doc objects and its own tokenization, and langextract's view takes its
own extraction types; both would be a second schema beside the brief's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise
from typing import Any

from summarizer.schema import SECTIONS, Brief, GroundedText
from summarizer.views.table import COLUMNS, fact_rows

SECTION_COLOURS = {
    "orders": "#cfe0ff",
    "casualties": "#ffd1d1",
    "displacement": "#ffe3bf",
    "escapes": "#d3f2d3",
}
_VALUE_FIELDS = ("count_text", "who", "according_to", "issued_by", "binds", "requires",
                 "effective", "announced_by", "area", "period", "origin", "when")  # fmt: skip

_STYLE = (
    """
body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}
.article{white-space:pre-wrap;border:1px solid #ccc;padding:1em;background:#fcfcfc}
.ev{border-radius:3px;cursor:pointer}
"""
    + "".join(
        f".ev.{s}{{background:{c}}} tr.{s} td:first-child{{border-left:6px solid {c}}}\n"
        for s, c in SECTION_COLOURS.items()
    )
    + """
mark.val{background:none;border-bottom:2px solid #333;font-weight:600}
.missed{outline:2px dashed #c00}
.unmatched{outline:2px dotted #666}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top;text-align:left}
tr.picked td{background:#fff7a8}
.legend span{padding:0 .5em;margin-right:.5em;border-radius:3px}
"""
)
# Clicking a highlighted stretch picks out the rows of the records it belongs to.
_SCRIPT = """
document.querySelectorAll('.ev').forEach(function(el){el.addEventListener('click',function(){
document.querySelectorAll('tr.picked').forEach(function(r){r.classList.remove('picked')});
(el.dataset.r||'').split(' ').forEach(function(id){var row=document.getElementById(id);
if(row){row.classList.add('picked');}});});});
"""


@dataclass(frozen=True)
class Mark:
    """A stretch of the article to show: a record's evidence, one of its values, or an
    evaluation's missed fact or unmatched record."""

    start: int
    end: int
    kind: str  # evidence | value | missed | unmatched
    section: str
    record: str  # the id of the record's table row
    label: str


def _record_label(section: str, row: dict[str, object]) -> str:
    parts = [f"{section}:"]
    parts += [f"{k}={row[k]}" for k in ("count_text", "who", "outcome", "source", "detail")
              if row[k] not in ("", None)]  # fmt: skip
    return " ".join(parts)


def brief_marks(brief: Brief, prefix: str) -> list[Mark]:
    """Every record's evidence span and the spans of its values, tagged with its row id."""
    marks = []
    for row in fact_rows(prefix, brief):
        section, number = str(row["section"]), int(str(row["record"]))
        record = getattr(brief, section)[number]
        row_id = f"{prefix}-{section}-{number}"
        label = _record_label(section, row)
        evidence = record.evidence
        marks.append(Mark(evidence.start, evidence.end, "evidence", section, row_id, label))
        for name in _VALUE_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, GroundedText) and value.end > value.start:
                marks.append(Mark(value.start, value.end, "value", section, row_id, label))
    return marks


def highlight(text: str, marks: Sequence[Mark]) -> str:
    """The article, escaped, cut at every mark boundary; each piece carries the marks over it."""
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    pieces = []
    for start, end in pairwise(cuts):
        over = [m for m in marks if m.start <= start and end <= m.end and m.start < m.end]
        pieces.append(_piece(text[start:end], start, over))
    return "".join(pieces)


def _piece(text: str, start: int, over: list[Mark]) -> str:
    body = escape(text, quote=False)
    if not over:
        return body
    if any(m.kind == "value" for m in over):
        body = f'<mark class="val">{body}</mark>'
    sections = list(dict.fromkeys(m.section for m in over if m.kind != "value"))
    kinds = sorted({m.kind for m in over} - {"value", "evidence"})
    ids = " ".join(dict.fromkeys(m.record for m in over))
    title = "\n".join(dict.fromkeys(m.label for m in over))
    classes = " ".join(["ev", *sections, *kinds])
    style = ""
    if len(sections) > 1:  # a sentence of two sections shows both colours, in bands
        bands = ",".join(SECTION_COLOURS[s] for s in sections)
        style = f' style="background:linear-gradient({bands})"'
    return (
        f'<span class="{classes}"{style} data-start="{start}" data-r="{escape(ids)}" '
        f'title="{escape(title)}">{body}</span>'
    )


def records_table(brief: Brief, prefix: str) -> str:
    rows = list(fact_rows(prefix, brief))
    if not rows:
        return "<p>No records.</p>"
    shown = [c for c in COLUMNS if c != "article"]
    head = "".join(f"<th>{escape(c)}</th>" for c in shown)
    body = "".join(
        f'<tr class="{row["section"]}" id="{prefix}-{row["section"]}-{row["record"]}">'
        + "".join(f"<td>{escape(_cell(row[c]))}</td>" for c in shown)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _legend() -> str:
    return (
        '<p class="legend">'
        + "".join(f'<span style="background:{SECTION_COLOURS[s]}">{s}</span>' for s in SECTIONS)
        + "</p>"
    )


def _totals(brief: Brief) -> str:
    totals = brief.totals
    if totals is None:
        return ""
    killed = f"{totals.killed_qualifier or ''} {totals.killed}".strip()
    wounded = f"{totals.wounded_qualifier or ''} {totals.wounded}".strip()
    return f"<p><b>Totals:</b> {escape(killed)} killed, {escape(wounded)} wounded</p>"


def _dropped(brief: Brief) -> str:
    if not brief.dropped:
        return ""
    items = "".join(
        f"<li>{escape(d.section)}.{escape(d.field)} {escape(repr(d.value))}: "
        f"{escape(d.reason)}</li>"
        for d in brief.dropped
    )
    return (
        f"<details><summary>Dropped values ({len(brief.dropped)})</summary><ul>{items}</ul>"
        "</details>"
    )


def article_section(text: str, brief: Brief, prefix: str, extra: Iterable[Mark] = ()) -> str:
    """One article: heading, totals, summary, the highlighted text and its records."""
    marks = [*brief_marks(brief, prefix), *extra]
    return (
        f'<section id="{prefix}"><h2>{escape(brief.provenance.source)}</h2>'
        f"{_totals(brief)}<p>{escape(brief.summary)}</p>"
        f'<div class="article">{highlight(text, marks)}</div>'
        f"{records_table(brief, prefix)}{_dropped(brief)}</section>"
    )


def page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{_legend()}{body}<script>{_SCRIPT}</script></body></html>\n"
    )


def briefs_page(title: str, pairs: Sequence[tuple[str, Brief]]) -> str:
    """A page of articles with their briefs (``brief`` of several files, ``batch``)."""
    return page(title, "".join(article_section(t, b, f"a{i}") for i, (t, b) in enumerate(pairs)))


def _evaluation_marks(text: str, scored: dict[str, Any], brief: Brief, prefix: str) -> list[Mark]:
    marks = []
    for number, fact in enumerate(scored.get("missed", [])):
        start = text.find(fact["evidence"])
        if start >= 0:
            label = "missed: " + ", ".join(
                f"{k}={v}" for k, v in fact.items() if k not in ("evidence",) and v is not None
            )
            marks.append(Mark(start, start + len(fact["evidence"]), "missed", fact["section"],
                              f"{prefix}-missed-{number}", label))  # fmt: skip
    for item in scored.get("unmatched", []):
        record = getattr(brief, item["section"])[item["record"]]
        row_id = f"{prefix}-{item['section']}-{item['record']}"
        marks.append(Mark(record.evidence.start, record.evidence.end, "unmatched",
                          item["section"], row_id, "matches no reference fact"))  # fmt: skip
    return marks


def _missed_list(scored: dict[str, Any], prefix: str) -> str:
    missed = scored.get("missed", [])
    if not missed:
        return ""
    items = "".join(
        f'<li id="{prefix}-missed-{n}">{escape(fact["section"])}: '
        + escape(", ".join(f"{k}={v}" for k, v in fact.items() if k != "section" and v))
        + "</li>"
        for n, fact in enumerate(missed)
    )
    return f"<h3>Missed reference facts ({len(missed)})</h3><ul>{items}</ul>"


def evaluation_page(title: str, texts: Sequence[str], result: dict[str, Any]) -> str:
    """An evaluation: each article with its brief, missed facts outlined in red dashes and
    records that match no reference fact in grey dots."""
    sections = []
    for number, (text, scored, dumped) in enumerate(
        zip(texts, result["articles"], result["briefs"], strict=True)
    ):
        brief = Brief.model_validate(dumped)
        prefix = f"a{number}"
        extra = _evaluation_marks(text, scored, brief, prefix)
        recall = scored["recall"]
        score = (
            f"<p>recall {'n/a' if recall is None else f'{recall:.2f}'} "
            f"({scored['matched']}/{scored['expected']})</p>"
        )
        sections.append(article_section(text, brief, prefix, extra) + score
                        + _missed_list(scored, prefix))  # fmt: skip
    return page(title, "".join(sections))
