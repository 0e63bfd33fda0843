"""Train the project's brief model: ``summarizer train --config models/<name>.yaml``.

A plain, seeded PyTorch loop (no Trainer: the targets are pre-built token ids and the run
must stop on a wall-clock budget on a 2-core machine).
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, model_validator

from summarizer.annotations import AnnotatedArticle, article_text, load_annotations
from summarizer.backend import MODEL_CARD_DATA
from summarizer.decoding.factory import ConstraintFactory
from summarizer.decoding.source import SpanLimits
from summarizer.errors import ConfigError
from summarizer.prompt import render, section_template
from summarizer.training.targets import target_ids
from summarizer.training.tiny import format_vocabulary, train_tokenizer
from summarizer.training.trainset import SentenceExample, augment, examples_of, name_pool
from summarizer.training.warmstart import bart_from_minilm, t5_from_scratch

log = logging.getLogger(__name__)


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    architecture: Literal["minilm-bart", "t5-scratch"]
    output: Path
    # Continue training this checkpoint instead of building a fresh model.
    init_from: Path | None = None
    data: list[Path]
    seed: int = 13
    minutes: float = 30.0
    epochs: int = 40
    # Stop after this many optimiser steps, the learning rate reaching zero there: a budget
    # that, unlike ``minutes``, gives the same model on any machine.
    max_steps: int | None = None
    batch_size: int = 16
    learning_rate: float = 2e-4
    warmup_steps: int = 100
    weight_decay: float = 0.01
    augment_positive: int = 4
    augment_negative: int = 1
    # Redraw augmentation every epoch, replacing each original with this probability, so no
    # literal figure or name recurs often enough to be memorised.
    fresh_augmentation: bool = False
    replace_probability: float = 0.0
    max_input_tokens: int = 160
    decoder_layers: int = 3
    t5_d_model: int = 256
    t5_layers: int = 4
    t5_vocab_size: int = 8000
    threads: int = 2
    save_dtype: Literal["float16", "float32"] = "float16"
    template_version: int = 2
    # Softmax over the tokens the copy-constrained decoder could emit for the batch (its
    # sentences' tokens and the format's), not the whole vocabulary: train as it decodes.
    restricted_softmax: bool = False
    # Run forward and backward under bfloat16 autocast (weights and optimiser stay float32):
    # about 1.4x faster steps on CPUs with native bfloat16, so more epochs fit the budget.
    bfloat16_autocast: bool = False

    @model_validator(mode="after")
    def _restricted_softmax_needs_bart(self) -> TrainConfig:
        if self.restricted_softmax and self.architecture != "minilm-bart":
            raise ValueError("restricted_softmax needs the BART-shaped minilm-bart architecture")
        return self


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]


def load_config(path: Path) -> TrainConfig:
    try:
        import yaml
    except ImportError as exc:
        raise ConfigError("training needs the train extra: pip install '.[train]'") from exc
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the training config ({exc.strerror})") from exc
    try:
        config = TrainConfig.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{path}: not a valid training config ({first})") from exc
    base = path.parent.parent
    return config.model_copy(
        update={
            "output": base / config.output,
            "init_from": base / config.init_from if config.init_from else None,
            "data": [base / p for p in config.data],
        }
    )


def training_items(config: TrainConfig) -> tuple[list[AnnotatedArticle], list[AnnotatedArticle]]:
    items = [item for path in config.data for item in load_annotations(path)]
    return [i for i in items if i.split == "train"], [i for i in items if i.split == "validation"]


def build_examples(
    base: Sequence[SentenceExample], names: Sequence[str], config: TrainConfig, rng: random.Random
) -> list[SentenceExample]:
    examples: list[SentenceExample] = []
    for example in base:
        replaced = rng.random() < config.replace_probability
        examples.append(augment(example, names, rng) if replaced else example)
        copies = config.augment_positive if example.records else config.augment_negative
        examples.extend(augment(example, names, rng) for _ in range(copies))
    return examples


def encode(
    examples: Sequence[SentenceExample],
    tokenizer: Any,
    factory: ConstraintFactory,
    config: TrainConfig,
) -> list[Encoded]:
    encoded = []
    limit, version = config.max_input_tokens, config.template_version
    for example in examples:
        prompt = render(section_template(example.section), version, sentence=example.sentence)
        input_ids = tokenizer(prompt, truncation=True, max_length=limit)["input_ids"]
        labels = target_ids(factory, example.section, example.sentence, list(example.records))
        encoded.append(Encoded(input_ids, labels))
    return encoded


def _batches(data: list[Encoded], size: int, rng: random.Random) -> Iterator[list[Encoded]]:
    """Shuffled batches of similar length, to waste little on padding."""
    order = data[:]
    rng.shuffle(order)
    pool = size * 50
    for begin in range(0, len(order), pool):
        chunk = sorted(order[begin : begin + pool], key=lambda e: len(e.input_ids))
        batches = [chunk[i : i + size] for i in range(0, len(chunk), size)]
        rng.shuffle(batches)
        yield from batches


def _collate(batch: list[Encoded], pad: int) -> dict[str, torch.Tensor]:
    width = max(len(e.input_ids) for e in batch)
    target = max(len(e.labels) for e in batch)
    return {
        "input_ids": torch.tensor(
            [e.input_ids + [pad] * (width - len(e.input_ids)) for e in batch]
        ),
        "attention_mask": torch.tensor(
            [[1] * len(e.input_ids) + [0] * (width - len(e.input_ids)) for e in batch]
        ),
        "labels": torch.tensor([e.labels + [-100] * (target - len(e.labels)) for e in batch]),
    }


def restricted_loss(model: Any, inputs: dict[str, torch.Tensor], literals: torch.Tensor) -> Any:
    """Cross-entropy over the batch's copyable tokens and the format's literals only.

    Every target token is one of them by construction, and the constrained decoder can emit
    nothing else, so the full-vocabulary softmax spends most of its time (and gradient) on
    tokens that can never be chosen. Needs a BART-shaped model (``model.model``).
    """
    from transformers.models.bart.modeling_bart import shift_tokens_right

    labels = inputs["labels"]
    ids = torch.unique(torch.cat([inputs["input_ids"].flatten(), labels[labels >= 0], literals]))
    decoder_input_ids = shift_tokens_right(
        labels, model.config.pad_token_id, model.config.decoder_start_token_id
    )
    hidden = model.model(
        input_ids=inputs["input_ids"],
        attention_mask=inputs["attention_mask"],
        decoder_input_ids=decoder_input_ids,
    ).last_hidden_state
    head = model.get_output_embeddings().weight
    logits = torch.nn.functional.linear(hidden, head[ids]) + model.final_logits_bias[:, ids]
    position = torch.full((head.shape[0],), -100, dtype=torch.long)
    position[ids] = torch.arange(len(ids))
    targets = torch.where(labels >= 0, position[labels.clamp(min=0)], -100)
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())


def _make_model(config: TrainConfig, train: Sequence[AnnotatedArticle]) -> tuple[Any, Any]:
    if config.init_from is not None:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        model = AutoModelForSeq2SeqLM.from_pretrained(config.init_from, dtype=torch.float32)
        return model, AutoTokenizer.from_pretrained(config.init_from)
    if config.architecture == "minilm-bart":
        return bart_from_minilm(config.decoder_layers)
    texts = [article_text(item) for item in train]
    tokenizer = train_tokenizer([*texts, *format_vocabulary()], vocab_size=config.t5_vocab_size)
    return t5_from_scratch(tokenizer, config.t5_d_model, config.t5_layers), tokenizer


def train(config: TrainConfig) -> dict[str, Any]:
    """Train, save the model to ``config.output`` and return what was measured."""
    started = time.perf_counter()
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    train_items, validation_items = training_items(config)
    model, tokenizer = _make_model(config, train_items)
    factory = ConstraintFactory(tokenizer, SpanLimits())
    literals = torch.tensor(sorted(factory.literal_ids()))
    base = [example for item in train_items for example in examples_of(item)]
    names = name_pool(train_items)
    augmentation = random.Random(config.seed)
    data = encode(build_examples(base, names, config, augmentation), tokenizer, factory, config)
    log.info("%d training examples from %d articles", len(data), len(train_items))
    steps_per_epoch = math.ceil(len(data) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(1.0, (step + 1) / config.warmup_steps) * max(0.0, 1 - step / total_steps),
    )
    rng = random.Random(config.seed)
    model.train()
    step, losses, deadline = 0, [], started + config.minutes * 60

    def finished() -> bool:
        return step >= total_steps or time.perf_counter() > deadline

    epoch = 0
    for epoch in range(1, config.epochs + 1):
        if config.fresh_augmentation and epoch > 1:
            examples = build_examples(base, names, config, augmentation)
            data = encode(examples, tokenizer, factory, config)
        for batch in _batches(data, config.batch_size, rng):
            inputs = _collate(batch, tokenizer.pad_token_id)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bfloat16_autocast):
                loss = (
                    restricted_loss(model, inputs, literals)
                    if config.restricted_softmax
                    else model(**inputs).loss
                )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            step += 1
            if step % 50 == 0:
                log.info("epoch %d step %d loss %.4f", epoch, step, sum(losses[-50:]) / 50)
            if finished():
                break
        if finished():
            break
    model.eval()
    save(model, tokenizer, config)
    report = {
        "architecture": config.architecture,
        "examples": len(data),
        "train_articles": len(train_items),
        "validation_articles": len(validation_items),
        "steps": step,
        "planned_steps": total_steps,
        "epochs_completed": epoch,
        "final_loss": round(sum(losses[-50:]) / max(len(losses[-50:]), 1), 4),
        "train_minutes": round((time.perf_counter() - started) / 60, 2),
        "parameters": sum(p.numel() for p in model.parameters()),
        "bfloat16_autocast": config.bfloat16_autocast,
    }
    (config.output / "training_report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def save(model: Any, tokenizer: Any, config: TrainConfig) -> None:
    config.output.mkdir(parents=True, exist_ok=True)
    if config.save_dtype == "float16":
        model = model.half()
    model.save_pretrained(config.output, safe_serialization=True)
    tokenizer.save_pretrained(config.output)
    card_data = {"template_version": config.template_version, "architecture": config.architecture}
    (config.output / MODEL_CARD_DATA).write_text(json.dumps(card_data, indent=2) + "\n")
