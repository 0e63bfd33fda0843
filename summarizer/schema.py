"""The brief: the pydantic schema every output validates against."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Alignment = Literal["exact", "normalized", "fuzzy"]
Outcome = Literal["killed", "died", "wounded", "missing"]
Qualifier = Literal["exactly", "at least", "more than", "about", "up to", "fewer than", "nearly"]
OrderKind = Literal[
    "military_order",
    "evacuation",
    "curfew",
    "state_of_emergency",
    "surrender_demand",
    "restriction",
    "other",
]
Section = Literal["orders", "casualties", "displacement", "escapes"]
# 2: totals; order area and period; escape when; part_of, background, superseded;
# also_in; resolved pronouns. Briefs of version 1 still validate (every new field has a default).
SCHEMA_VERSION = 2
SECTIONS: tuple[Section, ...] = ("orders", "casualties", "displacement", "escapes")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(Strict):
    """A stretch of the original article: ``article[start:end] == text``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError("span end precedes its start")
        return self


class Offsets(Strict):
    """Where another sentence stating the same fact stands: ``article[start:end]``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class GroundedText(Span):
    """A value copied from the article, with how it was aligned back to it."""

    alignment: Alignment
    resolved_from: Span | None = Field(
        default=None,
        description="The pronoun the record's sentence used ('he'), when the value is the "
        "named antecedent it refers to.",
    )


class CountMixin(Strict):
    count: int | None = Field(
        default=None, description="The figure as an integer, where the article states one."
    )
    count_text: GroundedText | None = Field(
        default=None, description="The article's own wording: 'hundreds', 'more than 130,000'."
    )
    qualifier: Qualifier | None = Field(
        default=None, description="'more than' in 'more than 130,000'; None for a bare figure."
    )
    part_of: Span | None = Field(
        default=None,
        description="The larger figure this one is part of: '13 soldiers' of 'the 20 dead'.",
    )


class Casualty(CountMixin):
    outcome: Outcome
    who: GroundedText | None = Field(default=None, description="Whose people were hit.")
    according_to: GroundedText | None = None
    when: GroundedText | None = None
    background: bool = Field(
        default=False, description="Deaths of an earlier incident, told as background."
    )
    superseded: bool = Field(
        default=False, description="A toll the article later replaces with a newer one."
    )
    evidence: Span
    also_in: list[Offsets] = Field(
        default_factory=list, description="Other sentences that state the same fact."
    )


class Order(Strict):
    kind: OrderKind
    issued_by: GroundedText | None = Field(default=None, description="Who decided.")
    binds: GroundedText | None = Field(default=None, description="Whom the order binds.")
    requires: GroundedText | None = Field(default=None, description="What it requires.")
    effective: GroundedText | None = Field(default=None, description="When it takes effect.")
    announced_by: GroundedText | None = None
    area: GroundedText | None = Field(default=None, description="Where the order applies.")
    period: GroundedText | None = Field(
        default=None, description="How long or during which hours it runs."
    )
    evidence: Span
    also_in: list[Offsets] = Field(
        default_factory=list, description="Other sentences that state the same fact."
    )


class Displacement(CountMixin):
    who: GroundedText | None = None
    origin: GroundedText | None = Field(default=None, description="Where people left.")
    according_to: GroundedText | None = None
    when: GroundedText | None = None
    evidence: Span
    also_in: list[Offsets] = Field(
        default_factory=list, description="Other sentences that state the same fact."
    )


class Escape(CountMixin):
    who: GroundedText | None = None
    origin: GroundedText | None = Field(default=None, description="What they escaped from.")
    according_to: GroundedText | None = None
    recaptured: bool | None = None
    when: GroundedText | None = None
    evidence: Span
    also_in: list[Offsets] = Field(
        default_factory=list, description="Other sentences that state the same fact."
    )


class Mention(Strict):
    """An actor or a place, with every place in the article where a record names it."""

    name: str
    roles: list[str]
    mentions: list[Span]


class Dropped(Strict):
    """A value the model produced that the brief does not keep: not grounded, negated, or
    set aside by a reading rule. ``field`` is ``record`` when a rule dropped the whole record,
    ``*`` when an output could not be parsed."""

    section: Section
    field: str
    value: str
    reason: str


class TemplateRef(Strict):
    name: str
    version: int


class Timing(Strict):
    load_seconds: float = Field(ge=0)
    model_seconds: float = Field(ge=0)
    total_seconds: float = Field(ge=0)


class Unread(Strict):
    """The end of an article past the per-article budget: it was not briefed."""

    start: int = Field(ge=0, description="Offset of the first character not read.")
    reason: str


class Provenance(Strict):
    model: str
    device: str
    dtype: str
    templates: list[TemplateRef]
    source: str
    source_sha256: str
    source_chars: int
    timing: Timing
    constrained: bool
    abstain_at: float | None = Field(
        default=None,
        description="Rows whose first-step probability of answering none reached this "
        "answered none (the model's own threshold, or --abstain-at).",
    )
    unread: Unread | None = Field(
        default=None, description="Set when the article was too long to brief whole."
    )
    schema_version: int = SCHEMA_VERSION


class GroupTotal(Strict):
    """Killed and wounded of one group of people, with the casualty records summed."""

    who: str | None
    killed: int = Field(ge=0)
    wounded: int = Field(ge=0)
    records: list[int] = Field(description="Indices into the brief's casualties.")


class Totals(Strict):
    """People killed and wounded in the article's incident, by the guide's coding rules."""

    killed: int = Field(ge=0)
    wounded: int = Field(ge=0)
    killed_qualifier: Qualifier | None = None
    wounded_qualifier: Qualifier | None = None
    groups: list[GroupTotal]
    disputed: list[int] = Field(
        default_factory=list,
        description="Casualty records whose figure another source states differently and "
        "the total does not take.",
    )


class Brief(Strict):
    summary: str
    orders: list[Order]
    casualties: list[Casualty]
    displacement: list[Displacement]
    escapes: list[Escape]
    actors: list[Mention]
    places: list[Mention]
    dropped: list[Dropped]
    provenance: Provenance
    totals: Totals | None = Field(
        default=None, description="Set on every brief from schema version 2 on."
    )


RECORD_TYPES: dict[Section, type[Strict]] = {
    "orders": Order,
    "casualties": Casualty,
    "displacement": Displacement,
    "escapes": Escape,
}
