"""Fast batched decoding for the generate stage.

Three things ``model.generate`` alone does not do for this workload:

* **Length-bucketed batches.** Prompts are sorted by token length and cut into batches by a
  padded-token budget, so short sentences are not padded to the longest one in the article.
* **Two passes over one encoding.** Most prompts are answered ``none`` in two tokens, but a
  batch decodes as long as its longest row. A short first pass settles those rows; only rows
  that started a record are decoded in full, reusing the encoder output of the first pass
  (the encoder runs once per prompt).
* **A restricted output layer.** Under copy constraints a row can only ever emit its
  sentence's own tokens and the format's literals. The output projection is computed for the
  union of those ids (a few hundred) instead of the whole vocabulary (30k); every other logit
  is ``-inf``, which the constraint would have imposed anyway, so outputs are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn


def token_batches(lengths: Sequence[int], max_tokens: int, max_rows: int) -> list[list[int]]:
    """Indices grouped into batches, shortest first, each within a padded-token budget."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        padded = lengths[index] * (len(current) + 1)  # sorted: this one is the longest so far
        if current and (padded > max_tokens or len(current) == max_rows):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


class RestrictedHead(nn.Module):
    """An output layer computed only for ``ids``; every other logit is ``-inf``."""

    def __init__(self, head: nn.Linear, ids: Sequence[int]) -> None:
        super().__init__()
        self.vocab_size = head.out_features
        self.ids = torch.tensor(sorted(ids), dtype=torch.long, device=head.weight.device)
        self.weight = head.weight[self.ids]
        self.bias = None if head.bias is None else head.bias[self.ids]

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        logits = hidden.new_full((*hidden.shape[:-1], self.vocab_size), float("-inf"))
        logits[..., self.ids] = nn.functional.linear(hidden, self.weight, self.bias)
        return logits


@contextmanager
def restricted_output(model: Any, ids: set[int] | None) -> Iterator[None]:
    """Swap the model's output layer for a :class:`RestrictedHead` while decoding.

    ``ids=None`` (unconstrained decoding) or a model whose output layer is not a plain
    linear map leaves the model as it is.
    """
    head = model.get_output_embeddings()
    if ids is None or type(head) is not nn.Linear:
        yield
        return
    model.set_output_embeddings(RestrictedHead(head, [i for i in ids if i < head.out_features]))
    try:
        yield
    finally:
        model.set_output_embeddings(head)


def finished(sequences: torch.Tensor, eos: int) -> list[bool]:
    """Whether each generated row (decoder start token first) has ended."""
    return (sequences[:, 1:] == eos).any(dim=1).tolist()  # type: ignore[no-any-return]
