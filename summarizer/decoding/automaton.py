"""The row automaton: what one output row may hold next, given the tokens it has so far.

Forced labels, closed-set choices, and implicit tries over the source sentence's tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from summarizer.decoding.grammar import SectionGrammar
from summarizer.decoding.source import COUNT_LEAD_WORDS, SourceTokens
from summarizer.fields import CONTEXT_FIELDS


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


def _spans(
    source: SourceTokens, absent: tuple[int, ...], limit: int, quantity: bool
) -> _SourceSpans:
    """The span matcher of this shape over ``source``, built once: it holds no state of a
    row's, so every row and field over the same text shares it."""
    key = (absent, limit, quantity)
    found = source.matchers.get(key)
    if not isinstance(found, _SourceSpans):
        found = source.matchers[key] = _SourceSpans(source, absent, limit, quantity)
    return found


class _AnySpans:
    """A span of any one of several sources: the sentence, or one of its context texts.

    The state holds each source's own state, None where that source can no longer match.
    """

    def __init__(self, sources: Sequence[_SourceSpans]) -> None:
        self.sources = list(sources)

    def initial(self) -> tuple[Any, ...]:
        return tuple(source.initial() for source in self.sources)

    def allowed(self, state: tuple[Any, ...]) -> set[int]:
        return set().union(
            *(m.allowed(s) for m, s in zip(self.sources, state, strict=True) if s is not None)
        )

    def complete(self, state: tuple[Any, ...]) -> bool:
        return any(m.complete(s) for m, s in zip(self.sources, state, strict=True) if s is not None)

    def advance(self, state: tuple[Any, ...], token: int) -> tuple[Any, ...] | None:
        moved = tuple(
            None if s is None else m.advance(s, token)
            for m, s in zip(self.sources, state, strict=True)
        )
        return None if all(s is None for s in moved) else moved


class RowConstraint:
    """What one output row may contain next, given the tokens it has so far.

    ``context`` holds the texts around the sentence (templates from v5): a field of
    ``CONTEXT_FIELDS`` may copy its value from them as well as from the sentence.
    """

    def __init__(
        self,
        grammar: SectionGrammar,
        source: SourceTokens,
        context: Sequence[SourceTokens] = (),
    ) -> None:
        self.grammar = grammar
        self.matchers: list[_ValueMatcher] = []
        for spec in grammar.fields:
            absent = () if spec.required else grammar.absent
            if spec.kind == "choice":
                options = [*grammar.choices[spec.name], *([absent] if absent else [])]
                self.matchers.append(_Sequences(options))
                continue
            limit = (
                grammar.limits.count_tokens
                if spec.kind == "count"
                else (grammar.limits.text_tokens)
            )
            quantity = spec.kind == "count"
            spans = _spans(source, absent, limit, quantity)
            if context and spec.name in CONTEXT_FIELDS:
                around = [_spans(text, absent, limit, quantity) for text in context]
                self.matchers.append(_AnySpans([spans, *around]))
            else:
                self.matchers.append(spans)
        self._start = _Sequences([(*grammar.none, grammar.eos), grammar.first_label])
        self.source = source
        self.context = tuple(context)

    @cached_property
    def vocabulary(self) -> frozenset[int]:
        """Every token id this row could ever allow: its sentence's, its context's and the
        format's."""
        ids = frozenset(self.source.ids).union(*(text.ids for text in self.context))
        return ids | self.grammar.literal_ids

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
