"""The output format's fixed pieces as token ids, and one section's token-level shape."""

from __future__ import annotations

from functools import cached_property

from transformers import PreTrainedTokenizerBase

from summarizer.decoding.source import SpanLimits
from summarizer.errors import ModelError
from summarizer.fields import SECTION_FIELDS, FieldSpec
from summarizer.schema import Section
from summarizer.target_format import ABSENT, FIELD_SEPARATOR, NONE, label, surface


class Literals:
    """The format's fixed pieces as token ids for one tokenizer."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self._tokenizer = tokenizer
        eos = tokenizer.eos_token_id
        if eos is None:
            raise ModelError("the tokenizer has no end-of-sequence token")
        self.eos: int = eos

    def encode(self, text: str) -> tuple[int, ...]:
        ids = tuple(self._tokenizer(text, add_special_tokens=False)["input_ids"])
        unk = self._tokenizer.unk_token_id
        if not ids or (unk is not None and unk in ids):
            raise ModelError(f"the tokenizer cannot write the output format's {text!r}")
        return ids

    @cached_property
    def none(self) -> tuple[int, ...]:
        return self.encode(NONE)

    @cached_property
    def absent(self) -> tuple[int, ...]:
        return self.encode(ABSENT)

    def first_label(self, spec: FieldSpec) -> tuple[int, ...]:
        return self.encode(f"{label(spec)}:")

    def next_label(self, spec: FieldSpec) -> tuple[int, ...]:
        return self.encode(f"{FIELD_SEPARATOR} {label(spec)}:")

    def choices(self, spec: FieldSpec) -> list[tuple[int, ...]]:
        return [self.encode(surface(c)) for c in spec.choices]


class SectionGrammar:
    """The token-level shape of one section's output, for one tokenizer."""

    def __init__(self, section: Section, literals: Literals, limits: SpanLimits) -> None:
        self.section = section
        self.fields = SECTION_FIELDS[section]
        self.limits = limits
        self.eos = literals.eos
        self.none = literals.none
        self.absent = literals.absent
        self.first_label = literals.first_label(self.fields[0])
        self.labels = [literals.next_label(spec) for spec in self.fields]
        self.choices = {
            spec.name: literals.choices(spec) for spec in self.fields if spec.kind == "choice"
        }
        self.separator_starts = {seq[0] for seq in self.labels}
        self.record_cost = sum(len(seq) for seq in self.labels) + sum(
            self._value_cost(spec) for spec in self.fields
        )
        if self.record_cost + len(self.none) + 1 > limits.output_tokens:
            raise ModelError(
                f"output_tokens={limits.output_tokens} cannot hold one {section} record"
            )
        clash = self.separator_starts & (
            {self.absent[0], self.eos} | {c[0] for cs in self.choices.values() for c in cs}
        )
        if clash:
            raise ModelError("the tokenizer cannot separate the output format's fields")

    @cached_property
    def literal_ids(self) -> frozenset[int]:
        """Every token id of this section's fixed pieces: labels, choices, none, absent, eos."""
        pieces = [self.none, self.absent, self.first_label, *self.labels]
        pieces += [choice for options in self.choices.values() for choice in options]
        return frozenset().union(*pieces, {self.eos})

    def _value_cost(self, spec: FieldSpec) -> int:
        if spec.kind == "choice":
            return max(len(seq) for seq in [self.absent, *self.choices[spec.name]])
        limit = self.limits.count_tokens if spec.kind == "count" else self.limits.text_tokens
        return max(limit, len(self.absent))
