"""What each section's records hold, in the order the model writes them.

One table drives the model's output format, the decoding constraints, the parser,
training targets and annotation checks, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from summarizer.schema import OrderKind, Outcome, Section

FieldKind = Literal["count", "text", "choice"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: FieldKind
    choices: tuple[str, ...] = ()
    required: bool = False


OUTCOMES: tuple[str, ...] = get_args(Outcome)
ORDER_KINDS: tuple[str, ...] = get_args(OrderKind)
YES_NO = ("yes", "no")
# Fields whose value may be copied from the sentence's context (guide rule 24): who, from
# where, and who said or decided; never a count, a requirement, a time or a choice.
CONTEXT_FIELDS = frozenset(("who", "origin", "according_to", "issued_by", "announced_by", "binds"))

SECTION_FIELDS: dict[Section, tuple[FieldSpec, ...]] = {
    "orders": (
        FieldSpec("kind", "choice", ORDER_KINDS, required=True),
        FieldSpec("issued_by", "text"),
        FieldSpec("binds", "text"),
        FieldSpec("requires", "text", required=True),
        FieldSpec("effective", "text"),
        FieldSpec("announced_by", "text"),
    ),
    "casualties": (
        FieldSpec("count", "count"),
        FieldSpec("who", "text"),
        FieldSpec("outcome", "choice", OUTCOMES, required=True),
        FieldSpec("according_to", "text"),
        FieldSpec("when", "text"),
    ),
    "displacement": (
        FieldSpec("count", "count"),
        FieldSpec("who", "text"),
        FieldSpec("origin", "text"),
        FieldSpec("according_to", "text"),
        FieldSpec("when", "text"),
    ),
    "escapes": (
        FieldSpec("count", "count"),
        FieldSpec("who", "text"),
        FieldSpec("origin", "text"),
        FieldSpec("according_to", "text"),
        FieldSpec("recaptured", "choice", YES_NO),
    ),
}


def choice_value(spec: FieldSpec, text: str) -> bool | str:
    """A choice as the schema holds it: yes/no choices become booleans."""
    return text == "yes" if spec.choices == YES_NO else text


def field_spec(section: Section, name: str) -> FieldSpec:
    for spec in SECTION_FIELDS[section]:
        if spec.name == name:
            return spec
    raise KeyError(f"{section} has no field {name!r}")
