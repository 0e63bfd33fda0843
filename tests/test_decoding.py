"""The generate stage's batching and decoding shortcuts change speed, never outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from summarizer.backend import BackendConfig, GenerationRequest, HFBackend
from summarizer.decoding.batching import RestrictedHead, finished, restricted_output, token_batches
from summarizer.decoding.processor import CopyConstraintProcessor


@pytest.mark.parametrize(
    ("lengths", "max_tokens", "max_rows", "expected"),
    [
        ([], 100, 8, []),
        ([5, 3, 4], 100, 8, [[1, 2, 0]]),
        ([5, 3, 4], 100, 2, [[1, 2], [0]]),
        ([10, 10, 10, 10], 20, 8, [[0, 1], [2, 3]]),
        ([50, 1, 1], 10, 8, [[1, 2], [0]]),  # one prompt over the budget still gets a batch
        ([3, 9, 2, 8], 18, 8, [[2, 0], [3, 1]]),
    ],
)
def test_token_batches(
    lengths: list[int], max_tokens: int, max_rows: int, expected: list[list[int]]
) -> None:
    batches = token_batches(lengths, max_tokens, max_rows)
    assert batches == expected
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= max_rows
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= max_tokens


def test_restricted_head_matches_the_full_layer_on_its_ids() -> None:
    torch.manual_seed(0)
    head = nn.Linear(8, 50, bias=True)
    hidden = torch.randn(3, 2, 8)
    ids = [0, 7, 49, 13]
    restricted = RestrictedHead(head, ids)(hidden)
    full = head(hidden)
    assert torch.allclose(restricted[..., ids], full[..., ids])
    others = [i for i in range(50) if i not in ids]
    assert torch.isinf(restricted[..., others]).all()


def test_restricted_output_swaps_the_head_back(tiny_backend: HFBackend) -> None:
    model = tiny_backend.model
    head = model.get_output_embeddings()
    with restricted_output(model, {1, 2, 3}):
        assert isinstance(model.get_output_embeddings(), RestrictedHead)
    assert model.get_output_embeddings() is head
    with restricted_output(model, None):
        assert model.get_output_embeddings() is head


def test_finished_rows() -> None:
    sequences = torch.tensor([[0, 5, 1, 0], [0, 5, 6, 7], [1, 4, 4, 4]])
    assert finished(sequences, eos=1) == [True, False, False]  # the start token does not count


def _plain_generate(backend: HFBackend, request: GenerationRequest) -> str:
    """The textbook path: one prompt, the full output layer, one generate call, under the
    same constraint and record bias as the backend."""
    assert backend.constraints is not None
    inputs = backend.tokenizer(request.prompt, return_tensors="pt")
    row = backend.constraints.row(request.section, request.source)
    prefix = backend.tokenizer(request.decoder_prefix, add_special_tokens=False)["input_ids"]
    start = [backend.model.config.decoder_start_token_id, *prefix]
    bias = backend.config.record_bias
    with torch.inference_mode():
        output = backend.model.generate(
            input_ids=inputs["input_ids"],
            attention_mask=inputs["attention_mask"],
            decoder_input_ids=torch.tensor([start]),
            logits_processor=[CopyConstraintProcessor([row], record_bias=bias, forced=len(prefix))],
            max_new_tokens=backend.config.max_new_tokens,
            do_sample=False,
        )
    return backend.tokenizer.decode(  # type: ignore[no-any-return]
        output[0][len(start) :], skip_special_tokens=True, clean_up_tokenization_spaces=False
    )


class _EncodedRows:
    """Counts the rows a model's encoder is run on."""

    def __init__(self, model: nn.Module) -> None:
        self.rows = 0
        model.get_encoder().register_forward_hook(self._count, with_kwargs=True)

    def _count(self, module: nn.Module, args: object, kwargs: object, output: object) -> None:
        self.rows += int(kwargs["input_ids"].shape[0])  # type: ignore[index]


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("shared_input", [False, True], ids=["instruction", "decoder-prefix"])
def test_fast_generation_equals_one_plain_generate_call_per_prompt(
    seed: int, shared_input: bool, tmp_path: Path
) -> None:
    """Before template v6 each section's instruction makes its own encoder input; from v6 the
    sections share one input, encoded once, and the section is the decoder's prefix."""
    from summarizer.training.tiny import build_tiny_model

    model = build_tiny_model(tmp_path / "tiny", seed=seed)
    backend = HFBackend(
        BackendConfig(model=str(model), device="cpu", dtype="float32", batch_tokens=256)
    )
    sentences = [
        "Police said 12 people were killed when a bus overturned near Kano on Sunday.",
        "The governor ordered schools closed.",
        "About 3,000 residents fled the floods, officials said.",
        "Nearly 200 inmates escaped from the prison overnight, and 40 were recaptured.",
    ]
    requests = [
        GenerationRequest(section, text, text, decoder_prefix=section)
        if shared_input
        else GenerationRequest(section, f"{section}: {text}", text)
        for text in sentences
        for section in ("casualties", "displacement", "escapes", "orders")
    ]
    requests.append(requests[0])  # a duplicate is answered once, and the same
    encoded = _EncodedRows(backend.model)
    fast = backend.generate(requests)
    assert encoded.rows == len({r.prompt for r in requests}) == (4 if shared_input else 16)
    assert fast == [_plain_generate(backend, r) for r in requests]
    assert fast[-1] == fast[0]
