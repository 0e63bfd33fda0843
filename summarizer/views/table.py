"""Briefs as flat rows, one per fact, for a spreadsheet (CSV) or a data tool (JSON Lines)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence

from pydantic import BaseModel

from summarizer.schema import SECTIONS, Brief, GroundedText

COLUMNS = (
    "article",
    "section",
    "record",
    "count",
    "count_text",
    "qualifier",
    "who",
    "outcome",
    "source",
    "detail",
    "when",
    "quote",
    "start",
    "end",
)

# Per section: the field that names the people (`who`), what happened to them (`outcome`),
# who stated it (`source`) and the one detail a reader wants next (`detail`).
_ROLES: dict[str, dict[str, str]] = {
    "orders": {"who": "binds", "outcome": "kind", "source": "issued_by", "detail": "requires",
               "when": "effective"},
    "casualties": {"who": "who", "outcome": "outcome", "source": "according_to", "when": "when"},
    "displacement": {"who": "who", "source": "according_to", "detail": "origin", "when": "when"},
    "escapes": {"who": "who", "outcome": "recaptured", "source": "according_to",
                "detail": "origin", "when": "when"},
}  # fmt: skip


def _text(value: object) -> str:
    if isinstance(value, GroundedText):
        return value.text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "recaptured" if value else "at large"
    return str(value)


def _row(article: str, section: str, number: int, record: BaseModel) -> dict[str, object]:
    roles = _ROLES[section]
    values = record.__dict__
    count_text = values.get("count_text")
    evidence = values["evidence"]
    return {
        "article": article,
        "section": section,
        "record": number,
        "count": values.get("count"),
        "count_text": _text(count_text),
        "qualifier": values.get("qualifier") or "",
        **{column: _text(values.get(field)) for column, field in roles.items()},
        **{column: "" for column in ("who", "outcome", "source", "detail", "when")
           if column not in roles},
        "quote": evidence.text,
        "start": evidence.start,
        "end": evidence.end,
    }  # fmt: skip


def fact_rows(article: str, brief: Brief) -> Iterator[dict[str, object]]:
    """One row per record of every section, in the brief's order, columns as ``COLUMNS``."""
    for section in SECTIONS:
        for number, record in enumerate(getattr(brief, section)):
            row = _row(article, section, number, record)
            yield {column: row[column] for column in COLUMNS}


def to_csv(rows: Iterable[dict[str, object]], columns: Sequence[str] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def to_jsonl(rows: Iterable[dict[str, object]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
