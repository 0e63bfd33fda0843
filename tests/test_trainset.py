"""Training examples and augmentation: targets stay aligned with the text they copy."""

from __future__ import annotations

import json
import logging
import math
import random
from pathlib import Path
from typing import Any

import pytest

from summarizer.annotations import AnnotatedArticle, article_text
from summarizer.backend import BackendConfig, HFBackend
from summarizer.ingest import parse_article
from summarizer.pipeline import Pipeline
from summarizer.prompt import ACRONYM_MARK, NO_CONTEXT, Context, mark_acronyms
from summarizer.training.targets import ContextSpan
from summarizer.training.trainset import ACRONYMS, SentenceExample, augment, examples_of

TEXT = (
    "Police in Velora said 1,250 people were evacuated from Marrow Bay on Monday. "
    "Officials said four firefighters were injured. The mayor, Ana Kessler, ordered "
    "residents of Marrow Bay to leave."
)
ARTICLE = AnnotatedArticle.model_validate(
    {
        "corpus": "synthetic",
        "id": "t-1",
        "text": TEXT,
        "facts": [
            {
                "section": "displacement",
                "evidence": "Police in Velora said 1,250 people were evacuated from Marrow Bay "
                "on Monday.",
                "fields": {
                    "count": "1,250",
                    "who": "people",
                    "origin": "Marrow Bay",
                    "according_to": "Police in Velora",
                },
            },
            {
                "section": "casualties",
                "evidence": "Officials said four firefighters were injured.",
                "fields": {
                    "count": "four",
                    "who": "firefighters",
                    "outcome": "wounded",
                    "according_to": "Officials",
                },
            },
        ],
    }
)


def _values(example: SentenceExample) -> list[dict[str, str]]:
    return [
        {k: example.sentence[v[0] : v[1]] if isinstance(v, tuple) else v for k, v in r.items()}
        for r in example.records
    ]


def test_examples_carry_annotated_spans_and_routed_negatives() -> None:
    examples = examples_of(ARTICLE)
    positives = [e for e in examples if e.records]
    assert [(e.section, _values(e)) for e in positives] == [
        (
            "displacement",
            [
                {
                    "count": "1,250",
                    "who": "people",
                    "origin": "Marrow Bay",
                    "according_to": "Police in Velora",
                }
            ],
        ),
        (
            "casualties",
            [
                {
                    "count": "four",
                    "who": "firefighters",
                    "outcome": "wounded",
                    "according_to": "Officials",
                }
            ],
        ),
    ]
    negatives = {(e.section, e.sentence[:10]) for e in examples if not e.records}
    assert ("orders", "The mayor,") in negatives


def test_examples_carry_context_only_when_asked() -> None:
    plain = {e.sentence: e.context for e in examples_of(ARTICLE)}
    assert set(plain.values()) == {NO_CONTEXT}
    around = {e.sentence: e.context for e in examples_of(ARTICLE, context=True)}
    context = around["Officials said four firefighters were injured."]
    assert (context.before, context.after) == (
        "Police in Velora said 1,250 people were evacuated from Marrow Bay on Monday.",
        "The mayor, Ana Kessler, ordered residents of Marrow Bay to leave.",
    )


def test_augmentation_swaps_a_name_alike_in_the_sentence_and_its_context() -> None:
    sentence = "Families left Marrow Bay, where 40 people fled."
    start = sentence.index("Marrow Bay")
    example = SentenceExample(
        "displacement",
        sentence,
        ({"origin": (start, start + len("Marrow Bay"))},),
        "t",
        Context("Shelling hit Marrow Bay at dawn.", "Roads out of Marrow Bay were shut."),
    )
    swapped = 0
    for seed in range(20):
        changed = augment(example, ["Port Lanning", "Quillon"], random.Random(seed))
        (origin,) = [v["origin"] for v in _values(changed)]
        assert changed.context.before == f"Shelling hit {origin} at dawn."
        assert changed.context.after == f"Roads out of {origin} were shut."
        swapped += origin != "Marrow Bay"
    assert swapped > 5


@pytest.mark.parametrize("seed", range(30))
def test_augmentation_keeps_targets_on_the_changed_text(seed: int) -> None:
    rng = random.Random(seed)
    names = ["Port Lanning", "Hessa Dorr", "Quillon"]
    for example in [e for e in examples_of(ARTICLE) if e.records]:
        changed = augment(example, names, rng)
        before, after = _values(example), _values(changed)
        assert len(before) == len(after)
        for old, new in zip(before, after, strict=True):
            assert set(old) == set(new)
            for field, value in new.items():
                assert value == value.strip() and value
                if field == "count" and old[field] != "four":
                    assert new[field].replace(",", "").isdigit()
                    assert (new[field] == old[field]) or "," in new[field]


# Every word the v3 prompt marks is swappable, long all-capital names included.
@pytest.mark.parametrize("word", ["UN", "WHO", "ANTANANARIVO"])
def test_augmentation_swaps_an_acronym_alike_in_text_and_target(word: str) -> None:
    sentence = f"The {word} said 40 {word} staff fled the camp."
    count = sentence.index("40")
    start = sentence.index(f"{word} staff")
    example = SentenceExample(
        "displacement",
        sentence,
        ({"count": (count, count + 2), "who": (start, start + len(word) + 6)},),
        "t",
    )
    assert mark_acronyms(sentence).count(ACRONYM_MARK) == 2
    swapped = set()
    for seed in range(20):
        changed = augment(example, [], random.Random(seed))
        (who,) = [v["who"] for v in _values(changed)]
        acronym = who.removesuffix(" staff")
        assert acronym == word or acronym in ACRONYMS
        assert changed.sentence.startswith(f"The {acronym} said")
        swapped.add(acronym)
    assert len(swapped - {word}) > 3


def _tiny_train_config(tmp_path: Path, **overrides: Any) -> Any:
    from summarizer.training.train import TrainConfig

    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(ARTICLE.model_dump(mode="json")) + "\n", encoding="utf-8")
    settings: dict[str, Any] = {
        "architecture": "t5-scratch",
        "output": tmp_path / "model",
        "data": [data],
        "epochs": 2,
        "fresh_augmentation": True,
        "replace_probability": 0.5,
        "batch_size": 4,
        "t5_d_model": 32,
        "t5_layers": 2,
        "t5_vocab_size": 400,
        "augment_positive": 1,
        "save_dtype": "float32",
    }
    return TrainConfig(**(settings | overrides))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bfloat16_autocast", "version"), [(False, 2), (True, 4), (True, 5), (True, 6)]
)
def test_a_trained_model_records_its_template_version(
    tmp_path: Path,
    bfloat16_autocast: bool,
    version: int,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from summarizer.training import train as training

    monkeypatch.setattr(training, "_cpu_computes_bfloat16", lambda: False)
    config = _tiny_train_config(
        tmp_path, bfloat16_autocast=bfloat16_autocast, template_version=version
    )
    with caplog.at_level(logging.WARNING, logger=training.log.name):
        report = training.train(config)
    emulated = [r for r in caplog.records if "without bfloat16 instructions" in r.message]
    assert bool(emulated) == bfloat16_autocast  # the slow emulated path is named, not silent
    assert report["epochs_completed"] == 2 and report["train_articles"] == 1
    assert report["steps"] == report["planned_steps"]
    assert math.isfinite(report["final_loss"]) and report["final_loss"] > 0
    import torch
    from safetensors.torch import load_file

    saved = load_file(config.output / "model.safetensors")
    assert {t.dtype for t in saved.values()} == {torch.float32}  # autocast keeps fp32 weights
    backend = HFBackend(BackendConfig(model=str(config.output), device="cpu"))
    assert backend.template_version == version
    requests = Pipeline(backend).requests([parse_article(article_text(ARTICLE).encode(), "t")])
    prefixed = {r.decoder_prefix == r.section for r in requests}
    assert requests and prefixed == {version >= 6}  # the pipeline sends v6's section prefix
    assert all(isinstance(text, str) for text in backend.generate(requests))


@pytest.mark.slow
def test_max_steps_ends_training_early(tmp_path: Path) -> None:
    from summarizer.training.train import train

    report = train(_tiny_train_config(tmp_path, epochs=5, max_steps=3))
    assert report["steps"] == report["planned_steps"] == 3
    assert report["epochs_completed"] < 5


def _tiny_bart_and_batch() -> tuple[Any, dict[str, Any]]:
    """A one-layer BART without dropout (so two passes compare) and a padded batch of two."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    from summarizer.training.train import Encoded, _collate

    torch.manual_seed(0)
    config = BartConfig(
        vocab_size=60, d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
        max_position_embeddings=64, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        decoder_start_token_id=2,
    )  # fmt: skip
    batch = [Encoded([5, 9, 11, 2], [9, 40, 2]), Encoded([7, 8, 2], [8, 2])]
    inputs = _collate(batch, pad=1, start=2)
    assert torch.equal(inputs["input_ids"], torch.tensor([[5, 9, 11, 2], [7, 8, 2, 1]]))
    assert torch.equal(inputs["attention_mask"], torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]))
    assert torch.equal(inputs["labels"], torch.tensor([[9, 40, 2], [8, 2, -100]]))
    assert torch.equal(inputs["decoder_input_ids"], torch.tensor([[2, 9, 40], [2, 8, 1]]))
    return BartForConditionalGeneration(config).eval(), inputs


def test_a_decoder_prefix_is_read_by_the_decoder_but_never_predicted() -> None:
    import torch

    from summarizer.training.train import Encoded, _collate, copyable_ids, restricted_loss

    model, plain = _tiny_bart_and_batch()
    prefixed = _collate(
        [Encoded([5, 9, 11, 2], [9, 40, 2], (30,)), Encoded([7, 8, 2], [8, 2], (31,))], 1, 2
    )
    assert torch.equal(prefixed["decoder_input_ids"], torch.tensor([[2, 30, 9, 40], [2, 31, 8, 1]]))
    assert torch.equal(prefixed["labels"], torch.tensor([[-100, 9, 40, 2], [-100, 8, 2, -100]]))
    ids = copyable_ids(prefixed, torch.tensor([2, 40, 41]))
    assert 30 not in ids.tolist()  # the prefix is an input of the decoder, not an output
    loss = restricted_loss(model, prefixed, ids)
    logits = model(**prefixed).logits  # the same decoder inputs, the full softmax
    masked = torch.full_like(logits, float("-inf"))
    masked[..., ids] = logits[..., ids]
    expected = torch.nn.functional.cross_entropy(masked.flatten(0, 1), prefixed["labels"].flatten())
    assert torch.allclose(loss, expected, atol=1e-6)
    assert not torch.allclose(loss, restricted_loss(model, plain, ids))  # the prefix is read


def test_restricted_loss_is_the_full_softmax_with_other_tokens_masked() -> None:
    import torch

    from summarizer.training.train import copyable_ids, restricted_loss

    model, inputs = _tiny_bart_and_batch()
    literals = torch.tensor([2, 40, 41])
    allowed = torch.tensor([1, 2, 5, 7, 8, 9, 11, 40, 41])  # inputs, labels, literals
    assert torch.equal(copyable_ids(inputs, literals), allowed)
    loss = restricted_loss(model, inputs, allowed)
    logits = model(**inputs).logits
    masked = torch.full_like(logits, float("-inf"))
    masked[..., allowed] = logits[..., allowed]
    expected = torch.nn.functional.cross_entropy(masked.flatten(0, 1), inputs["labels"].flatten())
    assert torch.allclose(loss, expected, atol=1e-6)
    loss.backward()
    assert model.get_output_embeddings().weight.grad is not None


def test_padding_a_batch_to_a_multiple_leaves_its_loss_unchanged() -> None:
    import torch

    from summarizer.training.train import copyable_ids, padded_to_multiple, restricted_loss

    model, inputs = _tiny_bart_and_batch()
    ids = copyable_ids(inputs, torch.tensor([2, 40, 41]))
    padded = padded_to_multiple(inputs, 32, pad=1)
    assert [tuple(t.shape) for t in padded.values()] == [(2, 32)] * 4
    assert torch.equal(padded["input_ids"][:, :4], inputs["input_ids"])
    assert int(padded["attention_mask"].sum()) == int(inputs["attention_mask"].sum())
    expected = restricted_loss(model, inputs, ids)
    assert torch.allclose(restricted_loss(model, padded, ids), expected, atol=1e-6)
    assert padded_to_multiple(inputs, 1, pad=1)["labels"].shape == (2, 3)


@pytest.mark.slow
def test_a_cut_run_resumes_from_its_checkpoint_to_the_same_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch
    from safetensors.torch import load_file

    from summarizer.training import train as training

    settings = {"epochs": 3, "checkpoint_every": 2, "fresh_augmentation": True}
    (tmp_path / "uncut").mkdir()
    uncut = _tiny_train_config(tmp_path / "uncut", **settings)
    expected = training.train(uncut)
    assert expected["steps"] > 6  # the cut below falls inside the run, after a checkpoint

    config = _tiny_train_config(tmp_path, **settings)
    real_step, calls = training._step, 0

    def power_cut(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 6:
            raise KeyboardInterrupt
        return real_step(*args)

    monkeypatch.setattr(training, "_step", power_cut)
    with pytest.raises(KeyboardInterrupt):
        training.train(config)
    assert (config.output / training.CHECKPOINT).is_file()
    monkeypatch.setattr(training, "_step", real_step)
    resumed = training.train(config)

    assert resumed["steps"] == expected["steps"]
    assert not (config.output / training.CHECKPOINT).exists()
    want = load_file(uncut.output / "model.safetensors")
    got = load_file(config.output / "model.safetensors")
    assert all(torch.allclose(want[name], got[name], atol=1e-5) for name in want)


def test_a_checkpoint_from_another_config_is_refused(tmp_path: Path) -> None:
    import torch

    from summarizer.errors import ConfigError
    from summarizer.training import train as training

    config = _tiny_train_config(tmp_path)
    config.output.mkdir()
    torch.save({"config": "something else"}, config.output / training.CHECKPOINT)
    with pytest.raises(ConfigError, match="another training config"):
        training.train(config)


# Guide rule 24: the second sentence leaves out who escaped and who said so; its context
# names both.
ESCAPE_TEXT = (
    "Police in Tamu said 30 inmates broke out of the district jail on Friday. "
    "Eleven were caught by nightfall."
)
ESCAPE_ARTICLE = AnnotatedArticle.model_validate(
    {
        "corpus": "synthetic",
        "id": "t-2",
        "text": ESCAPE_TEXT,
        "facts": [
            {
                "section": "escapes",
                "evidence": "Eleven were caught by nightfall.",
                "fields": {"count": "Eleven", "recaptured": "yes"},
                "context": {"who": "inmates", "according_to": "Police in Tamu"},
            }
        ],
    }
)


def _context_values(example: SentenceExample) -> dict[str, str]:
    texts = (example.context.before, example.context.after)
    return {
        name: texts[v.text][v.start : v.end]
        for record in example.records
        for name, v in record.items()
        if isinstance(v, ContextSpan)
    }


def _caught(**options: bool) -> SentenceExample:
    return next(
        e
        for e in examples_of(ESCAPE_ARTICLE, **options)
        if e.section == "escapes" and e.sentence.startswith("Eleven")
    )


def test_context_values_are_targets_only_when_asked() -> None:
    assert _context_values(_caught(context=True)) == {}
    assert _context_values(_caught(context=True, context_values=True)) == {
        "who": "inmates",
        "according_to": "Police in Tamu",
    }


@pytest.mark.parametrize("seed", range(20))
def test_augmentation_keeps_context_values_on_the_changed_context(seed: int) -> None:
    example = _caught(context=True, context_values=True)
    changed = augment(example, ["Port Lanning", "Quillon"], random.Random(seed))
    values = _context_values(changed)
    assert values["who"] == "inmates"
    source = values["according_to"]
    assert source.startswith("Police in ") and source in changed.context.before


@pytest.mark.parametrize(("version", "copied"), [(4, False), (5, True)])
def test_v5_targets_copy_context_values_and_v4_targets_do_not(
    tmp_path: Path, tiny_backend: HFBackend, version: int, copied: bool
) -> None:
    from summarizer.decoding.factory import ConstraintFactory
    from summarizer.decoding.source import SpanLimits
    from summarizer.training.train import encode

    tokenizer = tiny_backend.tokenizer
    config = _tiny_train_config(tmp_path, template_version=version)
    examples = [
        e
        for e in examples_of(ESCAPE_ARTICLE, context=True, context_values=version >= 5)
        if e.records
    ]
    (encoded,) = encode(examples, tokenizer, ConstraintFactory(tokenizer, SpanLimits()), config)
    target = tokenizer.decode(encoded.labels, skip_special_tokens=True)
    assert ("Police in Tamu" in target) is copied
    assert ("inmates" in target) is copied


RECIPES = sorted((Path(__file__).parent.parent / "models").glob("*.yaml"))


def test_the_recipes_are_found() -> None:
    assert {"brief-minilm", "brief-wire", "brief-context", "brief-deep"} <= {
        p.stem for p in RECIPES
    }


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.stem)
def test_every_recipe_is_a_valid_config_over_existing_data(recipe: Path) -> None:
    from summarizer.training.train import load_config

    config = load_config(recipe)
    assert config.data and all(path.is_file() for path in config.data)
    assert not any(part.startswith("seed") for path in config.data for part in path.parts)


def test_encoding_in_worker_processes_gives_the_same_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer.decoding.factory import ConstraintFactory
    from summarizer.decoding.source import SpanLimits
    from summarizer.training import train as training
    from summarizer.training.tiny import format_vocabulary, train_tokenizer

    config = _tiny_train_config(tmp_path, template_version=5)
    tokenizer = train_tokenizer([ARTICLE.text or "", *format_vocabulary()], vocab_size=400)
    factory = ConstraintFactory(tokenizer, SpanLimits())
    examples = examples_of(ARTICLE, context=True, context_values=True) * 3
    monkeypatch.setattr(training, "EXAMPLES_PER_WORKER", 2)
    one = training.encode(
        examples, tokenizer, factory, config.model_copy(update={"encode_workers": 1})
    )
    assert (
        training._worker_count(config.model_copy(update={"encode_workers": 2}), len(examples)) == 2
    )
    two = training.encode(
        examples, tokenizer, factory, config.model_copy(update={"encode_workers": 2})
    )
    assert two == one and len(one) == len(examples) and all(e.labels for e in one)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, {"device": "auto"}),
        ({"device": "cpu", "minutes": 1.5}, {"device": "cpu", "minutes": 1.5}),
        ({"device": "cuda"}, {"device": "cuda"}),
    ],
)
def test_the_command_line_overrides_a_recipes_device_and_budget(
    overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    from summarizer.training.train import load_config

    config = load_config(next(p for p in RECIPES if p.stem == "brief-wire"), **overrides)
    assert {name: getattr(config, name) for name in expected} == expected


def test_an_unknown_training_device_is_a_config_error() -> None:
    from summarizer.errors import ConfigError
    from summarizer.training.train import load_config

    with pytest.raises(ConfigError, match="not a valid training config"):
        load_config(next(p for p in RECIPES if p.stem == "brief-wire"), device="tpu")


def test_training_on_cuda_without_a_gpu_is_a_model_error(tmp_path: Path) -> None:
    import torch

    from summarizer.errors import ModelError
    from summarizer.training.train import train

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    with pytest.raises(ModelError, match="no CUDA GPU"):
        train(_tiny_train_config(tmp_path, device="cuda"))
    assert not (tmp_path / "model").exists()


@pytest.mark.slow
def test_a_run_trains_on_cuda_when_there_is_one(tmp_path: Path) -> None:
    import torch

    from summarizer.training.train import train

    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    report = train(_tiny_train_config(tmp_path, device="auto", bfloat16_autocast=True))
    assert report["device"] == torch.cuda.get_device_name(0)
    assert report["steps"] == report["planned_steps"] and math.isfinite(report["final_loss"])


@pytest.mark.slow
def test_a_run_out_of_minutes_saves_its_model_and_resumes_to_the_same_model(
    tmp_path: Path,
) -> None:
    import torch
    from safetensors.torch import load_file

    from summarizer.training import train as training

    (tmp_path / "uncut").mkdir()
    expected = training.train(_tiny_train_config(tmp_path / "uncut", epochs=3))
    uncut = load_file(tmp_path / "uncut" / "model" / "model.safetensors")

    cut = training.train(_tiny_train_config(tmp_path, epochs=3, minutes=0))
    assert cut["steps"] == 1 < cut["planned_steps"]
    assert (tmp_path / "model" / "model.safetensors").is_file()
    assert (tmp_path / "model" / training.CHECKPOINT).is_file()

    resumed = training.train(_tiny_train_config(tmp_path, epochs=3, minutes=30))
    assert resumed["steps"] == expected["steps"]
    assert not (tmp_path / "model" / training.CHECKPOINT).exists()
    got = load_file(tmp_path / "model" / "model.safetensors")
    assert all(torch.allclose(uncut[name], got[name], atol=1e-5) for name in uncut)
