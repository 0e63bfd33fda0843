"""The text the model writes, and reading it back.

The model does not write JSON: the format must suit any seq2seq vocabulary (T5's has no
braces, though the shipped WordPiece model's has), and labelled fields need no quotes or
escapes. It writes each record as labelled fields in a fixed order, records one after
another, or ``none``:

    count: 440; who: Kurdish fighters; outcome: killed; according to: Turkey; when: -

``-`` marks a field the sentence does not state. Labels are fixed per section, so the
constrained decoder forces them and the model only chooses values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from summarizer.fields import SECTION_FIELDS, FieldSpec
from summarizer.prompt import Prompt
from summarizer.schema import Section
from summarizer.segment import Sentence

NONE = "none"
ABSENT = "-"
FIELD_SEPARATOR = ";"


def label(spec: FieldSpec) -> str:
    return spec.name.replace("_", " ")


def surface(choice: str) -> str:
    """How a choice value is written by the model: 'military_order' -> 'military order'."""
    return choice.replace("_", " ")


def render_records(section: Section, records: list[dict[str, str]]) -> str:
    """The target text for some records; the inverse of :func:`parse_output`."""
    if not records:
        return NONE
    parts = []
    for record in records:
        for spec in SECTION_FIELDS[section]:
            value = record.get(spec.name)
            shown = ABSENT if value is None else surface(value) if spec.kind == "choice" else value
            parts.append(f"{label(spec)}: {shown}")
    return f"{FIELD_SEPARATOR} ".join(parts)


@dataclass(frozen=True)
class RawRecord:
    """Field values as the model wrote them; None where it wrote ``-``."""

    section: Section
    values: dict[str, str | None]


@dataclass(frozen=True)
class ParseFailure:
    section: Section
    text: str
    reason: str


@cache
def _record_pattern(section: Section) -> re.Pattern[str]:
    fields = []
    for spec in SECTION_FIELDS[section]:
        fields.append(rf"{re.escape(label(spec))}\s*:\s*(?P<{spec.name}>[^;]*?)")
    body = rf"\s*{FIELD_SEPARATOR}\s*".join(fields)
    return re.compile(rf"\s*{body}\s*(?:{FIELD_SEPARATOR}|$)", re.IGNORECASE)


def parse_output(section: Section, text: str) -> tuple[list[RawRecord], list[ParseFailure]]:
    """Records in the model's output, and a failure for any part that is not a whole record."""
    stripped = text.strip()
    if stripped.lower() == NONE:
        return [], []
    if not stripped:
        return [], [ParseFailure(section, text, "empty output")]
    pattern = _record_pattern(section)
    records: list[RawRecord] = []
    failures: list[ParseFailure] = []
    position = 0
    while position < len(stripped):
        match = pattern.match(stripped, position)
        if match is None or match.end() == position:
            failures.append(
                ParseFailure(section, stripped[position:], "output is not a whole record")
            )
            break
        record = _record_values(section, match)
        if isinstance(record, ParseFailure):
            failures.append(record)
        else:
            records.append(record)
        position = match.end()
    return records, failures


def _record_values(section: Section, match: re.Match[str]) -> RawRecord | ParseFailure:
    values: dict[str, str | None] = {}
    for spec in SECTION_FIELDS[section]:
        raw = match.group(spec.name).strip()
        value = None if raw in ("", ABSENT) else raw
        if value is not None and spec.kind == "choice":
            by_surface = {surface(c): c for c in spec.choices}
            if value.lower() not in by_surface:
                return ParseFailure(
                    section, match.group(0), f"{spec.name} {value!r} is not allowed"
                )
            value = by_surface[value.lower()]
        if value is None and spec.required:
            return ParseFailure(section, match.group(0), f"required field {spec.name} is missing")
        values[spec.name] = value
    return RawRecord(section, values)


@dataclass(frozen=True)
class SentenceRecord:
    """A raw record tied to the sentence it came from."""

    record: RawRecord
    sentence: Sentence
    # Sentences a context field's value may come from (templates from v5), else none.
    around: tuple[Sentence, ...] = ()


def parse_all(
    prompts: Sequence[Prompt], outputs: Sequence[str]
) -> tuple[list[SentenceRecord], list[ParseFailure]]:
    records: list[SentenceRecord] = []
    failures: list[ParseFailure] = []
    for prompt, output in zip(prompts, outputs, strict=True):
        parsed, failed = parse_output(prompt.section, output)
        around = prompt.context.sentences if prompt.context_texts else ()
        records.extend(SentenceRecord(r, prompt.sentence, around) for r in parsed)
        failures.extend(failed)
    return records, failures
