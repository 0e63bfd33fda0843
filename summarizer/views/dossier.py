"""A dossier as Markdown, HTML or CSV: per event, its summary, the figures that differ, and the
merged facts with every article that states them."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from summarizer.dossier.schema import Dossier, Event, MergedFact, Statement
from summarizer.views.html import article_section, page
from summarizer.views.table import to_csv

DOSSIER_COLUMNS = ("event", "kind", "section", "outcome", "who", "count", "count_text",
                   "source", "article", "quote", "start", "end")  # fmt: skip


def _source(dossier: Dossier, statement: Statement) -> str:
    return dossier.briefs[statement.article].provenance.source


def _figure(statement: Statement) -> str:
    return statement.count_text or ("" if statement.count is None else str(statement.count))


def _fact_name(fact: MergedFact) -> str:
    return " ".join(filter(None, [fact.section, fact.outcome, fact.who and f"({fact.who})"]))


def dossier_markdown(dossier: Dossier) -> str:
    lines = [f"# Dossier: {len(dossier.events)} event(s)", "", f"_Grouped by {dossier.grouping}._"]
    for number, event in enumerate(dossier.events, 1):
        lines += ["", f"## Event {number}", "", event.summary, ""]
        lines += [f"- {a.source}: {a.headline}" + (f" ({a.dateline})" if a.dateline else "")
                  for a in event.articles]  # fmt: skip
        if event.discrepancies:
            lines += ["", "### Figures that differ", ""]
            for d in event.discrepancies:
                lines.append(
                    f"- **{d.section} {d.outcome or ''} {d.who or ''}**".replace("  ", " ")
                )
                lines += [_figure_line(dossier, s) for s in d.figures]
        lines += ["", "### Facts", ""]
        for fact in event.facts:
            figure = fact.count_text or ""
            sources = sorted({_source(dossier, s) for s in fact.statements})
            lines.append(f"- {_fact_name(fact)} {figure}: stated in {len(fact.statements)} "
                         f"sentence(s) of {', '.join(sources)}")  # fmt: skip
    return "\n".join(lines) + "\n"


def _figure_line(dossier: Dossier, s: Statement) -> str:
    source = s.according_to or "no source named"
    return f'  - {_figure(s)}: {source}, {_source(dossier, s)}: "{s.evidence.text}"'


def dossier_rows(dossier: Dossier) -> list[dict[str, object]]:
    """One row per statement: each merged fact's, then each discrepancy's figures."""
    rows = []
    for number, event in enumerate(dossier.events, 1):
        for fact in event.facts:
            rows += [_row(dossier, number, "fact", fact.section, fact.outcome, fact.who, s)
                     for s in fact.statements]  # fmt: skip
        for d in event.discrepancies:
            rows += [_row(dossier, number, "discrepancy", d.section, d.outcome, d.who, s)
                     for s in d.figures]  # fmt: skip
    return rows


def _row(
    dossier: Dossier, event: int, kind: str, section: str, outcome: str | None,
    who: str | None, s: Statement,
) -> dict[str, object]:  # fmt: skip
    return {
        "event": event, "kind": kind, "section": section, "outcome": outcome or "",
        "who": who or "", "count": s.count, "count_text": s.count_text or "",
        "source": s.according_to or "", "article": _source(dossier, s),
        "quote": s.evidence.text, "start": s.evidence.start, "end": s.evidence.end,
    }  # fmt: skip


def dossier_csv(dossier: Dossier) -> str:
    return to_csv(dossier_rows(dossier), DOSSIER_COLUMNS)


def _discrepancy_table(dossier: Dossier, event: Event) -> str:
    if not event.discrepancies:
        return "<p>No figures differ between the articles.</p>"
    rows = "".join(
        f"<tr><td>{escape(d.section)} {escape(d.outcome or '')} {escape(d.who or '')}</td>"
        f"<td>{escape(_figure(s))}</td><td>{escape(s.according_to or '')}</td>"
        f"<td>{escape(_source(dossier, s))}</td><td>{escape(s.evidence.text)}</td></tr>"
        for d in event.discrepancies
        for s in d.figures
    )
    return ("<h3>Figures that differ</h3><table class=\"discrepancies\"><thead><tr><th>fact</th>"
            "<th>figure</th><th>source</th><th>article</th><th>quote</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")  # fmt: skip


def dossier_html(dossier: Dossier, texts: Sequence[str]) -> str:
    """Each event: summary, the figures that differ, then its articles highlighted."""
    body = []
    for number, event in enumerate(dossier.events, 1):
        articles = "".join(
            article_section(texts[a.article], dossier.briefs[a.article], f"e{number}a{a.article}")
            for a in event.articles
        )
        body.append(
            f'<section class="event"><h2>Event {number}</h2><p>{escape(event.summary)}</p>'
            f"{_discrepancy_table(dossier, event)}{articles}</section>"
        )
    return page(f"Dossier: {len(dossier.events)} event(s)", "".join(body))
