"""Briefs as Markdown for people to read."""

from __future__ import annotations

from summarizer.schema import SECTIONS, Brief, Span

_TITLES = {
    "orders": "Orders",
    "casualties": "Casualties",
    "displacement": "Displacement",
    "escapes": "Escapes",
}


def _cell(value: object) -> str:
    if isinstance(value, Span):  # a grounded value or a span: its words, not its offsets
        text = value.text
    elif isinstance(value, list):
        text = f"{len(value)} more" if value else ""
    elif value is None or value is False:
        text = ""
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _totals_lines(brief: Brief) -> list[str]:
    totals = brief.totals
    if totals is None:
        return []

    def figure(value: int, qualifier: str | None) -> str:
        return f"{qualifier} {value}" if qualifier else str(value)

    line = (
        f"**Totals:** {figure(totals.killed, totals.killed_qualifier)} killed, "
        f"{figure(totals.wounded, totals.wounded_qualifier)} wounded"
    )
    groups = [f"{g.who or 'people'}: {g.killed} killed, {g.wounded} wounded" for g in totals.groups]
    if len(groups) > 1:
        line += " (" + "; ".join(groups) + ")"
    if totals.disputed:
        line += f"; {len(totals.disputed)} disputed figure(s) not counted"
    return [line + ".", ""]


def brief_to_markdown(brief: Brief) -> str:
    lines = [f"# Brief: {brief.provenance.source}", "", *_totals_lines(brief), brief.summary, ""]
    for section in SECTIONS:
        records = getattr(brief, section)
        lines.append(f"## {_TITLES[section]} ({len(records)})")
        if not records:
            lines += ["", "None found.", ""]
            continue
        columns = [name for name in type(records[0]).model_fields if name != "evidence"]
        lines += ["", "| " + " | ".join([*columns, "quote"]) + " |"]
        lines.append("|" + "---|" * (len(columns) + 1))
        for record in records:
            evidence: Span = record.evidence
            cells = [_cell(getattr(record, name)) for name in columns]
            lines.append("| " + " | ".join([*cells, _cell(evidence)]) + " |")
        lines.append("")
    if brief.actors:
        lines.append("## Actors")
        lines += [f"- {a.name} ({', '.join(a.roles)})" for a in brief.actors]
        lines.append("")
    if brief.dropped:
        lines.append(f"## Dropped values ({len(brief.dropped)})")
        lines += [f"- {d.section}.{d.field} {d.value!r}: {d.reason}" for d in brief.dropped]
        lines.append("")
    model = brief.provenance
    templates = ", ".join(f"{t.name}.v{t.version}" for t in model.templates)
    lines.append(f"_Model {model.model} on {model.device}; templates {templates}._")
    return "\n".join(lines) + "\n"
