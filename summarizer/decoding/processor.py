"""The copy constraint as a Hugging Face logits processor, for batched generation."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import LogitsProcessor

from summarizer.decoding.automaton import RowConstraint, State


class CopyConstraintProcessor(LogitsProcessor):
    """Masks every token the grammar forbids, row by row, for batched generation."""

    def __init__(
        self,
        rows: Sequence[RowConstraint],
        num_beams: int = 1,
        record_bias: float = 0.0,
        forced: int = 0,
    ) -> None:
        self.rows = list(rows)
        self.num_beams = num_beams
        # Decoder tokens after the start token that were given, not written (a section
        # prefix): the constraint starts after them.
        self.skip = 1 + forced
        # Added to the logit of starting another record while the sentence still holds more
        # figures than records written: a small model tends to stop after its first record.
        self.record_bias = record_bias
        self._states: list[dict[tuple[int, ...], State]] = [{} for _ in self.rows]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        mask = torch.full_like(scores, float("-inf"))
        vocab = scores.shape[-1]
        for row, ids in enumerate(input_ids.tolist()):
            constraint = self.rows[row // self.num_beams]
            state = self._state(row // self.num_beams, constraint, tuple(ids[self.skip :]))
            allowed = [t for t in constraint.allowed(state, len(ids) - self.skip) if t < vocab]
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
