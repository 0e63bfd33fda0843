"""Constrained decoding: values are copied from the sentence, never written.

Why not outlines or transformers-cfg: both compile a regex or grammar into a token automaton
ahead of time. Here the language changes with every input (a value must be a contiguous
token span of *this* sentence, and a count span must hold a number), so it would mean one
grammar compile per sentence; and a copy constraint stated over the source's own token ids
sidesteps the tokenizer's disagreements between a span tokenized alone and in context. The
automaton below is small: forced labels, closed-set choices, and implicit tries over the
source tokens.

Training targets are built from the same pieces (:func:`target_ids`), so a model learns
exactly the token sequences this decoder lets it produce.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import torch
from transformers import LogitsProcessor, PreTrainedTokenizerBase

from summarizer.errors import ModelError
from summarizer.fields import SECTION_FIELDS, FieldSpec
from summarizer.numbers import count_figures, figure_phrases, separates_digits
from summarizer.outformat import ABSENT, FIELD_SEPARATOR, NONE, label, surface
from summarizer.schema import Section

# Words a count may have before its figure: 'no fewer than 40', 'tens of thousands'.
COUNT_LEAD_WORDS = 3
_MORE = re.compile(r"\bmore\b", re.IGNORECASE)


@dataclass(frozen=True)
class SpanLimits:
    text_tokens: int = 24
    count_tokens: int = 10
    records: int = 6
    output_tokens: int = 400


# A hyphen inside a word: "dusk-to-dawn", "Kurdish-led", "40-50", "U.S.-led".
_HYPHENATED = re.compile(r"(?<=[\w.])-\w")
# Initials with full stops, one word: "U.N.", "U.S.".
_INITIALS = re.compile(r"\b(?:[A-Za-z]\.){2,}")


class SourceTokens:
    """A sentence as token ids, with what each token may be in a copied span."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, text: str, banned: set[int]) -> None:
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        self.text = text
        self.ids: list[int] = list(encoded["input_ids"])
        offsets = [tuple(o) for o in encoded["offset_mapping"]]
        self.offsets: list[tuple[int, int]] = offsets  # type: ignore[assignment]
        self._initials = [m.span() for m in _INITIALS.finditer(text)]
        self.can_start = [self._starts_word(s, e) for s, e in offsets]
        self.can_end = [self._ends_word(s, e) for s, e in offsets]
        self.banned = [i in banned for i in self.ids]
        self.figures = len(figure_phrases(text))
        self.quantity = self._inside(count_figures(text))
        self.more = self._inside([m.span() for m in _MORE.finditer(text)])

    def _inside(self, spans: list[tuple[int, int]]) -> list[bool]:
        """For each token, whether it overlaps one of the character ``spans``."""
        return [any(s < b and e > a for a, b in spans) for s, e in self.offsets]

    def _cuts_word(self, position: int) -> bool:
        """Whether a boundary before ``position`` cuts a word, a hyphenated word like
        dusk-to-dawn or 40-50, initials like U.N. (before their last stop), or a figure
        like 130,000."""
        text = self.text
        if position <= 0 or position >= len(text):
            return False
        if text[position - 1].isalnum() and text[position].isalnum():
            return True
        if _HYPHENATED.match(text, position) or _HYPHENATED.match(text, position - 1):
            return True
        if any(start < position < end - 1 for start, end in self._initials):
            return True
        return separates_digits(text, position) or separates_digits(text, position - 1)

    def _starts_word(self, start: int, end: int) -> bool:
        piece = self.text[start:end]
        lead = start + len(piece) - len(piece.lstrip())
        return lead < end and self.text[lead].isalnum() and not self._cuts_word(lead)

    def _ends_word(self, start: int, end: int) -> bool:
        piece = self.text[start:end].rstrip()
        last = start + len(piece) - 1
        return last >= start and self.text[last].isalnum() and not self._cuts_word(last + 1)

    def span_ids(self, char_start: int, char_end: int) -> list[int]:
        """Token ids covering ``text[char_start:char_end]``: how a training target copies it."""
        inside = [
            index for index, (s, e) in enumerate(self.offsets) if s < char_end and e > char_start
        ]
        # Whitespace-only tokens (sentencepiece's lone '▁' before digits) count inside a
        # span, where the decoder must copy them too, but not at its edges.
        while inside and not self._has_text(inside[0]):
            inside.pop(0)
        while inside and not self._has_text(inside[-1]):
            inside.pop()
        return [self.ids[index] for index in inside]

    def _has_text(self, index: int) -> bool:
        start, end = self.offsets[index]
        return bool(self.text[start:end].strip())


class _Literals:
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

    def __init__(self, section: Section, literals: _Literals, limits: SpanLimits) -> None:
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


@dataclass(frozen=True)
class Start:
    """Choosing between ``none`` and the first record."""

    choice: Any


@dataclass(frozen=True)
class InLabel:
    """Inside a forced label such as ``; who:``."""

    field: int
    pos: int
    records: int


@dataclass(frozen=True)
class InValue:
    """Inside a field's value."""

    field: int
    records: int
    value: Any


@dataclass(frozen=True)
class End:
    pass


# States are immutable, so the processor can cache them by token prefix.
State = Start | InLabel | InValue | End


class _ValueMatcher(Protocol):
    def initial(self) -> Any: ...
    def allowed(self, state: Any) -> set[int]: ...
    def complete(self, state: Any) -> bool: ...
    def advance(self, state: Any, token: int) -> Any | None: ...


class _Sequences:
    """One of a few fixed token sequences (closed-set choices, or ``-``)."""

    def __init__(self, sequences: Sequence[tuple[int, ...]]) -> None:
        self.sequences = list(sequences)

    def initial(self) -> tuple[frozenset[int], int]:
        return (frozenset(range(len(self.sequences))), 0)

    def allowed(self, state: tuple[frozenset[int], int]) -> set[int]:
        alive, pos = state
        return {self.sequences[i][pos] for i in alive if pos < len(self.sequences[i])}

    def complete(self, state: tuple[frozenset[int], int]) -> bool:
        alive, pos = state
        return any(len(self.sequences[i]) == pos for i in alive)

    def advance(
        self, state: tuple[frozenset[int], int], token: int
    ) -> tuple[frozenset[int], int] | None:
        alive, pos = state
        kept = frozenset(
            i for i in alive if pos < len(self.sequences[i]) and self.sequences[i][pos] == token
        )
        return (kept, pos + 1) if kept else None


class _SourceSpans:
    """``-`` or a contiguous span of the source, whole words, optionally holding a number.

    Each start keeps only the ends that make a valid span, so a partial span can always be
    finished: the decoder never reaches a state with no allowed token.
    """

    def __init__(
        self, source: SourceTokens, absent: tuple[int, ...], max_tokens: int, quantity: bool
    ) -> None:
        self.source = source
        self.absent = _Sequences([absent]) if absent else None
        self.ends = [self._valid_ends(s, max_tokens, quantity) for s in range(len(source.ids))]
        self.starts = frozenset(s for s, ends in enumerate(self.ends) if ends)

    def _valid_ends(self, start: int, max_tokens: int, quantity: bool) -> frozenset[int]:
        src = self.source
        if not src.can_start[start]:
            return frozenset()
        ends = set()
        seen_quantity, lead_words = False, 0
        for end in range(start + 1, min(start + max_tokens, len(src.ids)) + 1):
            token = end - 1
            if src.banned[token]:
                break
            if quantity and not src.quantity[token] and not seen_quantity:
                lead_words += src.can_start[token]
                if lead_words > COUNT_LEAD_WORDS:
                    break
            seen_quantity = seen_quantity or src.quantity[token]
            if src.can_end[token] and (not quantity or self._ends_count(token, seen_quantity)):
                ends.add(end)
        return frozenset(ends)

    def _ends_count(self, token: int, seen_quantity: bool) -> bool:
        """A count ends on its figure ('at least 40'), or on 'more' after it ('dozens more')."""
        src = self.source
        return src.quantity[token] or (
            seen_quantity and src.more[token] and self._after_figure(token)
        )

    def _after_figure(self, token: int) -> bool:
        """Whether the word holding ``token`` directly follows a figure."""
        src = self.source
        while token > 0 and src.more[token - 1]:
            token -= 1
        return token > 0 and src.quantity[token - 1]

    def _extendable(self, start: int, length: int) -> bool:
        return any(end > start + length for end in self.ends[start])

    def initial(self) -> Any:
        return ("open", None if self.absent is None else self.absent.initial(), None)

    def allowed(self, state: Any) -> set[int]:
        kind, absent_state, spans = state
        dash = (
            set()
            if self.absent is None or absent_state is None
            else (self.absent.allowed(absent_state))
        )
        if kind == "open":
            return dash | {self.source.ids[s] for s in self.starts}
        if kind == "dash":
            return dash
        starts, length = spans
        return {self.source.ids[s + length] for s in starts if self._extendable(s, length)}

    def complete(self, state: Any) -> bool:
        kind, absent_state, spans = state
        if kind == "dash":
            return self.absent is not None and self.absent.complete(absent_state)
        if kind == "open":
            return False
        starts, length = spans
        return any(s + length in self.ends[s] for s in starts)

    def advance(self, state: Any, token: int) -> Any | None:
        kind, absent_state, spans = state
        if kind in ("open", "dash") and self.absent is not None:
            dash = self.absent.advance(absent_state, token)
            if dash is not None:
                return ("dash", dash, None)
        if kind == "open":
            starts = frozenset(s for s in self.starts if self.source.ids[s] == token)
            return ("span", None, (starts, 1)) if starts else None
        if kind == "dash":
            return None
        starts, length = spans
        kept = frozenset(
            s
            for s in starts
            if self._extendable(s, length) and self.source.ids[s + length] == token
        )
        return ("span", None, (kept, length + 1)) if kept else None


class RowConstraint:
    """What one output row may contain next, given the tokens it has so far."""

    def __init__(self, grammar: SectionGrammar, source: SourceTokens) -> None:
        self.grammar = grammar
        self.matchers: list[_ValueMatcher] = []
        for spec in grammar.fields:
            absent = () if spec.required else grammar.absent
            if spec.kind == "choice":
                options = [*grammar.choices[spec.name], *([absent] if absent else [])]
                self.matchers.append(_Sequences(options))
            else:
                limit = (
                    grammar.limits.count_tokens
                    if spec.kind == "count"
                    else (grammar.limits.text_tokens)
                )
                self.matchers.append(
                    _SourceSpans(source, absent, limit, quantity=spec.kind == "count")
                )
        self._start = _Sequences([(*grammar.none, grammar.eos), grammar.first_label])
        self.source = source

    @cached_property
    def vocabulary(self) -> frozenset[int]:
        """Every token id this row could ever allow: its sentence's and the format's."""
        return frozenset(self.source.ids) | self.grammar.literal_ids

    def initial(self) -> State:
        return Start(self._start.initial())

    def allowed(self, state: State, used: int = 0) -> set[int]:
        """Tokens allowed next, after ``used`` generated tokens."""
        if isinstance(state, Start):
            return self._start.allowed(state.choice)
        if isinstance(state, InLabel):
            return {self._label(state.field)[state.pos]}
        if isinstance(state, InValue):
            matcher = self.matchers[state.field]
            allowed = matcher.allowed(state.value)
            if matcher.complete(state.value):
                allowed |= self._after_value(state.field, state.records, used)
            return allowed
        return {self.grammar.eos}

    def _label(self, field: int) -> tuple[int, ...]:
        return self.grammar.labels[field]

    def next_record(self, state: State) -> int | None:
        """The token that starts another record, where ending here would leave a figure
        of a count section's sentence unclaimed by any record; else None."""
        if not isinstance(state, InValue) or state.field + 1 < len(self.grammar.fields):
            return None
        if self.grammar.fields[0].kind != "count" or self.source.figures <= state.records + 1:
            return None
        return self._label(0)[0]

    def _after_value(self, field: int, records: int, used: int) -> set[int]:
        if field + 1 < len(self.grammar.fields):
            return {self._label(field + 1)[0]}
        # A new record starts only if its longest form still fits: output is never truncated.
        fits = used + 1 + self.grammar.record_cost + 1 <= self.grammar.limits.output_tokens
        if records + 1 < self.grammar.limits.records and fits:
            return {self._label(0)[0], self.grammar.eos}
        return {self.grammar.eos}

    def advance(self, state: State, token: int) -> State:
        if isinstance(state, Start):
            moved = self._start.advance(state.choice, token)
            if moved is None:
                return End()
            if self._start.complete(moved):
                return End() if 0 in moved[0] else self._enter_value(0, 0)
            return Start(moved)
        if isinstance(state, InLabel):
            if state.pos + 1 == len(self._label(state.field)):
                return self._enter_value(state.field, state.records)
            return InLabel(state.field, state.pos + 1, state.records)
        if isinstance(state, InValue):
            value = self.matchers[state.field].advance(state.value, token)
            if value is not None:
                return InValue(state.field, state.records, value)
            if token == self.grammar.eos:
                return End()
            last = state.field + 1 == len(self.grammar.fields)
            field, records = (0, state.records + 1) if last else (state.field + 1, state.records)
            if len(self._label(field)) == 1:
                return self._enter_value(field, records)
            return InLabel(field, 1, records)
        return End()

    def _enter_value(self, field: int, records: int) -> State:
        return InValue(field, records, self.matchers[field].initial())


class CopyConstraintProcessor(LogitsProcessor):
    """Masks every token the grammar forbids, row by row, for batched generation."""

    def __init__(
        self, rows: Sequence[RowConstraint], num_beams: int = 1, record_bias: float = 0.0
    ) -> None:
        self.rows = list(rows)
        self.num_beams = num_beams
        # Added to the logit of starting another record while the sentence still holds more
        # figures than records written: a small model tends to stop after its first record.
        self.record_bias = record_bias
        self._states: list[dict[tuple[int, ...], State]] = [{} for _ in self.rows]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        mask = torch.full_like(scores, float("-inf"))
        vocab = scores.shape[-1]
        for row, ids in enumerate(input_ids.tolist()):
            constraint = self.rows[row // self.num_beams]
            state = self._state(row // self.num_beams, constraint, tuple(ids[1:]))
            allowed = [t for t in constraint.allowed(state, len(ids) - 1) if t < vocab]
            # Only a sentence with no copyable word can leave nothing allowed: end the output,
            # and the parser reports it.
            allowed = allowed or [constraint.grammar.eos]
            mask[row, allowed] = 0.0
            more = constraint.next_record(state) if self.record_bias else None
            if more is not None and more in allowed:
                mask[row, more] = self.record_bias
        return scores + mask  # type: ignore[return-value]

    def _state(self, index: int, constraint: RowConstraint, prefix: tuple[int, ...]) -> State:
        cache = self._states[index]
        if prefix in cache:
            return cache[prefix]
        state = (
            constraint.initial()
            if not prefix
            else constraint.advance(self._state(index, constraint, prefix[:-1]), prefix[-1])
        )
        cache[prefix] = state
        return state


class ConstraintFactory:
    """Builds row constraints for one tokenizer, reusing its literal token ids."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, limits: SpanLimits) -> None:
        self.tokenizer = tokenizer
        literals = _Literals(tokenizer)
        self.grammars = {
            section: SectionGrammar(section, literals, limits) for section in SECTION_FIELDS
        }
        self._banned = set().union(*(g.separator_starts for g in self.grammars.values()))

    def literal_ids(self) -> frozenset[int]:
        """Token ids of the format's fixed pieces, across every section."""
        return frozenset().union(*(g.literal_ids for g in self.grammars.values()))

    def source(self, text: str) -> SourceTokens:
        return SourceTokens(self.tokenizer, text, self._banned)

    def row(self, section: Section, sentence: str) -> RowConstraint:
        return RowConstraint(self.grammars[section], self.source(sentence))

    def target_ids(
        self, section: Section, sentence: str, records: Sequence[dict[str, str | tuple[int, int]]]
    ) -> list[int]:
        """Token ids the constrained decoder would produce for these records.

        Text and count values are given as (start, end) character ranges of ``sentence``;
        choice values as the choice name.
        """
        grammar = self.grammars[section]
        source = self.source(sentence)
        if not records:
            return [*grammar.none, grammar.eos]
        ids: list[int] = []
        for number, record in enumerate(records[: grammar.limits.records]):
            for index, spec in enumerate(grammar.fields):
                first = index == 0 and number == 0
                ids.extend(grammar.first_label if first else grammar.labels[index])
                ids.extend(self._value_ids(grammar, source, spec, record.get(spec.name)))
        return [*ids, grammar.eos]

    @staticmethod
    def _value_ids(
        grammar: SectionGrammar,
        source: SourceTokens,
        spec: FieldSpec,
        value: str | tuple[int, int] | None,
    ) -> list[int]:
        if value is None:
            return list(grammar.absent)
        if spec.kind == "choice":
            assert isinstance(value, str)
            return list(grammar.choices[spec.name][spec.choices.index(value)])
        assert isinstance(value, tuple)
        span = source.span_ids(*value)
        return span if span else list(grammar.absent)
