"""The CTranslate2 runtime writes what greedy constrained decoding writes: the replay oracle."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from summarizer.backend import BackendConfig, GenerationRequest, HFBackend, load_backend
from summarizer.decoding.factory import ConstraintFactory
from summarizer.decoding.source import SpanLimits
from summarizer.errors import ModelError
from summarizer.ingest import parse_article, read_article
from summarizer.pipeline import Pipeline
from summarizer.training.targets import target_ids

pytest.importorskip("ctranslate2")

from summarizer.ct2 import ConstraintReplay, CT2Backend, _Next, _Row, _Watch
from tests.conftest import EVAL_SPLITS, LONG_SEED, SHIPPED_MODEL, SHORT_SEED

SENTENCE = "Officials said 40 people were killed and 12 wounded in Tuesday's attack."


def _requests(backend: HFBackend) -> list[GenerationRequest]:
    """The prompts of both seeds and of 15 synthetic validation articles."""
    lines = EVAL_SPLITS["synthetic"].read_text(encoding="utf-8").splitlines()[:15]
    articles = [read_article(SHORT_SEED), read_article(LONG_SEED)]
    articles += [parse_article(json.loads(line)["text"].encode(), source="v") for line in lines]
    return Pipeline(backend).requests(articles)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ct2-cache")


@pytest.fixture(scope="module")
def shipped_tokenizer():  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(SHIPPED_MODEL))


def _replay(tokenizer, bias: float = 0.0) -> tuple[ConstraintReplay, list[int]]:  # type: ignore[no-untyped-def]
    row = ConstraintFactory(tokenizer, SpanLimits()).row("casualties", SENTENCE)
    replay = ConstraintReplay(row, tokenizer.eos_token_id, len(tokenizer), bias)
    ids = tokenizer(SENTENCE, add_special_tokens=False)["input_ids"]
    return replay, ids


def test_replay_refuses_a_token_the_constraint_forbids(shipped_tokenizer) -> None:  # type: ignore[no-untyped-def]
    replay, _ = _replay(shipped_tokenizer)
    state = replay.constraint.initial()
    allowed = replay.allowed(state, 0)
    forbidden = next(t for t in range(len(shipped_tokenizer)) if t not in allowed)
    assert replay.check(state, 0, allowed[0]) is _Next.DECODE
    assert replay.check(state, 0, forbidden) is _Next.LOGITS


def test_replay_choice_is_the_best_allowed_token(shipped_tokenizer) -> None:  # type: ignore[no-untyped-def]
    """Planted logits: the forbidden token scores highest, the choice is the best allowed."""
    replay, _ = _replay(shipped_tokenizer)
    state = replay.constraint.initial()
    allowed = sorted(replay.allowed(state, 0))
    logits = np.zeros(len(shipped_tokenizer), dtype=np.float32)
    forbidden = next(t for t in range(len(shipped_tokenizer)) if t not in allowed)
    logits[forbidden] = 10.0
    logits[allowed[-1]] = 3.0
    logits[allowed[0]] = 2.0
    assert replay.choice(state, 0, logits) == allowed[-1]


def _end_of_first_record(replay: ConstraintReplay, tokenizer) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    """The state after a whole first record, where another record or the end may follow."""
    factory = ConstraintFactory(tokenizer, SpanLimits())
    start = SENTENCE.index("40")
    record = {"count": (start, start + 2), "who": (start + 3, start + 9), "outcome": "killed"}
    target = target_ids(factory, "casualties", SENTENCE, [record])[:-1]  # without the end
    state = replay.constraint.initial()
    for token in target:
        state = replay.constraint.advance(state, token)
    return state, len(target)


@pytest.mark.parametrize(
    ("bias", "eos_lead", "expected"),
    [
        (0.0, 0.5, "eos"),  # no bias: the higher logit wins
        (1.0, 0.5, "more"),  # the bias outweighs a small lead of the end
        (1.0, 1.5, "eos"),  # but not a large one
    ],
)
def test_replay_applies_the_record_bias(shipped_tokenizer, bias, eos_lead, expected) -> None:  # type: ignore[no-untyped-def]
    replay, _ = _replay(shipped_tokenizer, bias)
    state, used = _end_of_first_record(replay, shipped_tokenizer)
    more = replay.constraint.next_record(state)  # type: ignore[arg-type]
    assert more is not None, "the sentence holds a second figure"
    eos = shipped_tokenizer.eos_token_id
    logits = np.zeros(len(shipped_tokenizer), dtype=np.float32)
    logits[eos], logits[more] = 5.0 + eos_lead, 5.0
    chosen = replay.choice(state, used, logits)  # type: ignore[arg-type]
    assert chosen == (eos if expected == "eos" else more)
    # With a bias, stopping there is never taken on trust: the scores decide.
    verdict = replay.check(state, used, eos)  # type: ignore[arg-type]
    assert verdict is (_Next.DECODE if bias == 0.0 else _Next.BIAS)
    assert replay.check(state, used, more) is _Next.DECODE  # type: ignore[arg-type]


class _Step:
    """What CTranslate2's callback receives for one step of one row."""

    def __init__(self, step: int, token_id: int) -> None:
        self.step, self.token_id = step, token_id


@pytest.mark.parametrize("on_map", [False, True], ids=["vocabulary", "map"])
def test_watch_stops_a_row_at_its_first_forbidden_token(shipped_tokenizer, on_map) -> None:  # type: ignore[no-untyped-def]
    """Prefix steps are never judged; allowed tokens go on; the first forbidden one stops the
    row. On the map a step names a column, which the watch reads as that column's token."""
    replay, _ = _replay(shipped_tokenizer)
    factory = ConstraintFactory(shipped_tokenizer, SpanLimits())
    start = SENTENCE.index("40")
    record = {"count": (start, start + 2), "who": (start + 3, start + 9), "outcome": "killed"}
    target = target_ids(factory, "casualties", SENTENCE, [record])
    forced = shipped_tokenizer("casualties", add_special_tokens=False)["input_ids"]
    state = replay.constraint.initial()
    state = replay.constraint.advance(state, target[0])  # one settled token past the prefix
    row = _Row([], [], replay, mapped=on_map, prefix=[*forced, target[0]], forced=len(forced))
    row.state = state
    forbidden = next(t for t in range(len(shipped_tokenizer)) if t not in replay.allowed(state, 1))
    output = [*row.prefix, *target[1:4], forbidden, *target[4:]]
    columns = sorted(set(output)) if on_map else None
    watch = _Watch(row, columns)

    def sent(step: int) -> bool:
        token = output[step]
        return watch.stops(_Step(step, columns.index(token) if columns else token))

    stops = [sent(step) for step in range(len(output))]
    assert stops.index(True) == len(row.prefix) + 3  # the forbidden token's step
    assert not any(stops[: len(row.prefix) + 3])


def _with_decoder_prefixes(requests: list[GenerationRequest]) -> list[GenerationRequest]:
    """The requests as template v6 makes them: the section as the decoder's forced prefix."""
    return [replace(r, decoder_prefix=r.section) for r in requests]


@pytest.mark.slow
@pytest.mark.parametrize("prefixed", [False, True], ids=["instruction", "decoder-prefix"])
def test_ct2_float32_writes_what_transformers_float32_writes(cache: Path, prefixed: bool) -> None:
    """The oracle: on every prompt of 17 articles, the replayed CTranslate2 output equals
    transformers' constrained greedy output, token for token, at the same precision; with
    the section forced as the decoder's prefix (v6) too."""
    config = BackendConfig(model=str(SHIPPED_MODEL), device="cpu", dtype="float32")
    reference = HFBackend(config)
    fast = CT2Backend(config, cache=cache)
    requests = _requests(reference)
    if prefixed:
        requests = _with_decoder_prefixes(requests)
    assert len(requests) > 150
    expected = reference.generate(requests)
    assert sum(text != "none" for text in expected) >= 30  # rows whose replay is exercised
    assert fast.generate(requests) == expected


def _none_probabilities(config: BackendConfig, requests: list[GenerationRequest]) -> list[float]:
    """Each request's probability of ``none`` at the first step, worked out apart from both
    runtimes: one decoder step from the start token, softmax over what the constraint allows."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.model)
    model = AutoModelForSeq2SeqLM.from_pretrained(config.model, dtype=torch.float32).eval()
    factory = ConstraintFactory(tokenizer, SpanLimits())
    none_id = tokenizer("none", add_special_tokens=False)["input_ids"][0]
    probabilities = []
    with torch.inference_mode():
        for request in requests:
            prefix = tokenizer(request.decoder_prefix, add_special_tokens=False)["input_ids"]
            start = torch.tensor([[model.config.decoder_start_token_id, *prefix]])
            inputs = tokenizer(request.prompt, return_tensors="pt")
            logits = model(**inputs, decoder_input_ids=start).logits[0, -1]
            row = factory.row(request.section, request.source, request.context)
            allowed = sorted(row.allowed(row.initial(), 0))
            probabilities.append(float(torch.softmax(logits[allowed], -1)[allowed.index(none_id)]))
    return probabilities


@pytest.mark.slow
@pytest.mark.parametrize("prefixed", [False, True], ids=["instruction", "decoder-prefix"])
def test_both_runtimes_abstain_exactly_where_none_reaches_the_threshold(
    cache: Path, prefixed: bool
) -> None:
    """The oracle for abstention: with a threshold between the first-step probabilities of
    none of the record-writing rows, those at or above it answer none and every other row
    writes what greedy decoding writes, on transformers and on CTranslate2 alike."""
    config = BackendConfig(model=str(SHIPPED_MODEL), device="cpu", dtype="float32")
    reference = HFBackend(config)
    requests = Pipeline(reference).requests([read_article(SHORT_SEED), read_article(LONG_SEED)])
    if prefixed:
        requests = _with_decoder_prefixes(requests)
    greedy = reference.generate(requests)
    probabilities = _none_probabilities(config, requests)
    writing = sorted(p for p, text in zip(probabilities, greedy, strict=True) if text != "none")
    middle = len(writing) // 2
    threshold = (writing[middle - 1] + writing[middle]) / 2
    expected = [
        "none" if p >= threshold else text for p, text in zip(probabilities, greedy, strict=True)
    ]
    assert 0 < sum(a != b for a, b in zip(expected, greedy, strict=True)) < len(writing)
    abstaining = replace(config, abstain_at=threshold)
    assert HFBackend(abstaining).generate(requests) == expected
    assert CT2Backend(abstaining, cache=cache).generate(requests) == expected


def test_map_logits_land_on_their_token_ids_and_a_wrong_map_is_refused(cache: Path) -> None:
    backend = CT2Backend(BackendConfig(model=str(SHIPPED_MODEL), device="cpu"), cache=cache)
    row = _Row(source=[], source_ids=[], replay=None, mapped=True, columns=[5, 9, 40])
    row.logits = [np.array([0.1, 2.0, 0.5], dtype=np.float32)]
    scores = backend._step_logits(row, 0, token=9)
    assert scores.shape == (len(backend.tokenizer),)
    assert (scores[[5, 9, 40]] == np.array([0.1, 2.0, 0.5], dtype=np.float32)).all()
    assert np.isneginf(np.delete(scores, [5, 9, 40])).all()
    with pytest.raises(ModelError, match="vocabulary map"):
        backend._step_logits(row, 0, token=40)  # the runtime wrote 40, so 40 must score best


CONTEXT = ("Rebel commanders in Idlib reported heavy shelling overnight.", "Aid workers fled.")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("context", "prefix"),
    [((), ""), (CONTEXT, ""), (CONTEXT, "casualties")],
    ids=["sentence", "with-context", "decoder-prefix"],
)
def test_ct2_repairs_a_model_that_ignores_the_format(
    tiny_model_dir: Path, cache: Path, context: tuple[str, ...], prefix: str
) -> None:
    """A model with random weights breaks the constraint at almost every step: every token
    of its output must come from the repair path, and still equal transformers' output,
    with context texts (v5) as copy sources too, and after a forced decoder prefix (v6)."""
    config = BackendConfig(model=str(tiny_model_dir), device="cpu", dtype="float32")
    prompt = f"casualties: {SENTENCE} | {' '.join(context)}"
    requests = [GenerationRequest("casualties", prompt, SENTENCE, context, prefix)]
    expected = HFBackend(config).generate(requests)
    assert expected != ["none"]
    assert CT2Backend(config, cache=cache).generate(requests) == expected


@pytest.mark.parametrize(
    ("changes", "runtime"),
    [
        ({}, CT2Backend),
        ({"runtime": "hf"}, HFBackend),
        ({"num_beams": 3}, HFBackend),
        ({"dtype": "float32"}, HFBackend),
        ({"runtime": "ct2", "dtype": "float32"}, CT2Backend),
    ],
)
def test_auto_runtime_choice(
    changes: dict[str, object], runtime: type, cache: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    config = BackendConfig(model=str(SHIPPED_MODEL), device="cpu", **changes)  # type: ignore[arg-type]
    assert type(load_backend(config)) is runtime


def test_ct2_refuses_beams(cache: Path) -> None:
    config = BackendConfig(model=str(SHIPPED_MODEL), device="cpu", num_beams=2)
    with pytest.raises(ModelError, match="greedily"):
        CT2Backend(config, cache=cache)


def test_ct2_reports_damaged_weights_as_a_model_error(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for path in SHIPPED_MODEL.iterdir():
        if path.is_file():
            data = path.read_bytes()
            (damaged / path.name).write_bytes(
                data[:4096] if path.suffix == ".safetensors" else data
            )
    with pytest.raises(ModelError):
        CT2Backend(BackendConfig(model=str(damaged), device="cpu"), cache=tmp_path / "cache")
