"""Train the project's brief model: ``summarizer train --config models/<name>.yaml``.

A plain, seeded PyTorch loop (no Trainer: the targets are pre-built token ids and the run
must stop on a wall-clock budget on a 2-core machine).
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import os
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, model_validator

from summarizer.annotations import AnnotatedArticle, article_text, load_annotations
from summarizer.backend import MODEL_CARD_DATA, DeviceChoice, pick_device
from summarizer.decoding.factory import ConstraintFactory
from summarizer.decoding.source import SpanLimits
from summarizer.errors import ConfigError
from summarizer.prompt import (
    CONTEXT_VALUES_VERSIONS,
    CONTEXT_VERSIONS,
    copy_sources,
    decoder_prefix,
    render_sentence,
    section_template,
)
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
    # ``auto`` trains on a CUDA GPU when there is one. A GPU run is not bit-identical to a CPU
    # run of the same config (other kernels, other rounding), but trains the same recipe.
    device: DeviceChoice = "auto"
    # Processes that encode an epoch's examples (0: one per CPU core). Encoding is deterministic,
    # so this changes the speed, not the data: on a GPU it would otherwise take longer than the
    # training steps.
    encode_workers: int = 0
    # Pad each batch's input and target widths up to a multiple of this (None: 32 on a GPU,
    # 1 on the CPU). Padding is masked, so the loss is the same; on an H200 a run whose every
    # batch has a new shape spent about 5 times longer a step (new allocations, new kernel
    # choices) than one whose shapes repeat (eval/gpu_step_speed.py).
    pad_multiple: int | None = None
    save_dtype: Literal["float16", "float32"] = "float16"
    template_version: int = 2
    # Softmax over the tokens the copy-constrained decoder could emit for the batch (its
    # sentences' tokens and the format's), not the whole vocabulary: train as it decodes.
    restricted_softmax: bool = False
    # Run forward and backward under bfloat16 autocast (weights and optimiser stay float32):
    # about 1.4x faster steps on CPUs with native bfloat16, so more epochs fit the budget.
    bfloat16_autocast: bool = False
    # Save model, optimiser and data position every this many steps to
    # ``<output>/checkpoint.pt``; a run started again with the same config resumes there.
    checkpoint_every: int = 250

    @model_validator(mode="after")
    def _restricted_softmax_needs_bart(self) -> TrainConfig:
        if self.restricted_softmax and self.architecture != "minilm-bart":
            raise ValueError("restricted_softmax needs the BART-shaped minilm-bart architecture")
        return self


CHECKPOINT = "checkpoint.pt"
# What a resumed run may change without changing the model it trains.
_RESUMABLE_CHANGES = frozenset(
    {"minutes", "threads", "checkpoint_every", "device", "encode_workers", "pad_multiple"}
)


@dataclass
class Progress:
    """Where a run stands: enough, with the random states, to resume it exactly."""

    step: int
    epoch: int
    batches_done: int  # in the current epoch
    augmentation_state: Any  # before the epoch's examples were drawn
    order_state: Any  # before the epoch's batches were shuffled
    losses: list[float]
    seconds: float  # spent by earlier processes of this run


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]
    # Decoder input before the labels (from v6, the section), given and never predicted.
    prefix: tuple[int, ...] = ()


def load_config(
    path: Path, *, device: str | None = None, minutes: float | None = None
) -> TrainConfig:
    """The config at ``path``, its paths made absolute, with the overrides a resumed run allows."""
    try:
        import yaml
    except ImportError as exc:
        raise ConfigError("training needs the train extra: pip install '.[train]'") from exc
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the training config ({exc.strerror})") from exc
    overrides = {"device": device, "minutes": minutes}
    try:
        raw = yaml.safe_load(text)
        if isinstance(raw, dict):
            raw |= {name: value for name, value in overrides.items() if value is not None}
        config = TrainConfig.model_validate(raw)
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


def _copies(example: SentenceExample, config: TrainConfig) -> int:
    return 1 + (config.augment_positive if example.records else config.augment_negative)


def build_examples(
    base: Sequence[SentenceExample], names: Sequence[str], config: TrainConfig, rng: random.Random
) -> list[SentenceExample]:
    examples: list[SentenceExample] = []
    for example in base:
        replaced = rng.random() < config.replace_probability
        examples.append(augment(example, names, rng) if replaced else example)
        examples.extend(augment(example, names, rng) for _ in range(_copies(example, config) - 1))
    return examples


def encode_one(
    example: SentenceExample, tokenizer: Any, factory: ConstraintFactory, config: TrainConfig
) -> Encoded:
    version = config.template_version
    prompt = render_sentence(
        section_template(example.section, version), version, example.sentence, example.context
    )
    input_ids = tokenizer(prompt, truncation=True, max_length=config.max_input_tokens)["input_ids"]
    prefix = tokenizer(decoder_prefix(example.section, version), add_special_tokens=False)
    labels = target_ids(
        factory,
        example.section,
        example.sentence,
        list(example.records),
        copy_sources(example.context, version),
    )
    return Encoded(input_ids, labels, tuple(prefix["input_ids"]))


# Forking costs about what encoding this many examples does.
EXAMPLES_PER_WORKER = 2000
# What each forked encoding process reads: inherited through fork, never pickled.
_WORKER_STATE: tuple[Any, ConstraintFactory, TrainConfig] | None = None


def _encode_in_worker(example: SentenceExample) -> Encoded:
    assert _WORKER_STATE is not None
    return encode_one(example, *_WORKER_STATE)


def _worker_count(config: TrainConfig, examples: int) -> int:
    wanted = config.encode_workers or os.cpu_count() or 1
    return max(1, min(wanted, examples // EXAMPLES_PER_WORKER))


def encode(
    examples: Sequence[SentenceExample],
    tokenizer: Any,
    factory: ConstraintFactory,
    config: TrainConfig,
) -> list[Encoded]:
    global _WORKER_STATE
    workers = _worker_count(config, len(examples))
    if workers == 1:
        return [encode_one(example, tokenizer, factory, config) for example in examples]
    _WORKER_STATE = (tokenizer, factory, config)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_encode_in_worker, examples, chunksize=256)
    finally:
        _WORKER_STATE = None


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


def _collate(batch: list[Encoded], pad: int, start: int) -> dict[str, torch.Tensor]:
    """Padded tensors; the decoder reads the start token, the prefix and the labels but the
    last, and only the labels are predicted (a prefix position's label is ignored)."""
    width = max(len(e.input_ids) for e in batch)
    labels = [[-100] * len(e.prefix) + e.labels for e in batch]
    decoder = [[start, *e.prefix, *e.labels[:-1]] for e in batch]
    target = max(len(row) for row in labels)
    return {
        "input_ids": torch.tensor(
            [e.input_ids + [pad] * (width - len(e.input_ids)) for e in batch]
        ),
        "attention_mask": torch.tensor(
            [[1] * len(e.input_ids) + [0] * (width - len(e.input_ids)) for e in batch]
        ),
        "decoder_input_ids": torch.tensor([row + [pad] * (target - len(row)) for row in decoder]),
        "labels": torch.tensor([row + [-100] * (target - len(row)) for row in labels]),
    }


def copyable_ids(inputs: dict[str, torch.Tensor], literals: torch.Tensor) -> torch.Tensor:
    """The sorted token ids a batch's targets may use: its input tokens, labels and literals.

    Computed on the CPU before the batch moves: on a GPU, ``unique`` and boolean masks wait
    for the device, and a step that waits for the device twice runs at half speed.
    """
    labels = inputs["labels"]
    return torch.unique(torch.cat([inputs["input_ids"].flatten(), labels[labels >= 0], literals]))


def restricted_loss(model: Any, inputs: dict[str, torch.Tensor], ids: torch.Tensor) -> Any:
    """Cross-entropy over the batch's copyable tokens and the format's literals only (``ids``).

    Every target token is one of them by construction, and the constrained decoder can emit
    nothing else, so the full-vocabulary softmax spends most of its time (and gradient) on
    tokens that can never be chosen. Needs a BART-shaped model (``model.model``).
    """
    labels = inputs["labels"]
    hidden = model.model(
        input_ids=inputs["input_ids"],
        attention_mask=inputs["attention_mask"],
        decoder_input_ids=inputs["decoder_input_ids"],
    ).last_hidden_state
    head = model.get_output_embeddings().weight
    logits = torch.nn.functional.linear(hidden, head[ids]) + model.final_logits_bias[:, ids]
    position = torch.full((head.shape[0],), -100, dtype=torch.long, device=labels.device)
    position[ids] = torch.arange(len(ids), device=labels.device)
    targets = torch.where(labels >= 0, position[labels.clamp(min=0)], -100)
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())


GPU_PAD_MULTIPLE = 32


def padded_to_multiple(
    collated: dict[str, torch.Tensor], multiple: int, pad: int
) -> dict[str, torch.Tensor]:
    """The batch with its widths rounded up to ``multiple``: masked input, ignored labels."""
    if multiple == 1:
        return collated

    def widened(tensor: torch.Tensor, value: int) -> torch.Tensor:
        extra = -tensor.shape[1] % multiple
        return torch.nn.functional.pad(tensor, (0, extra), value=value)

    return {
        "input_ids": widened(collated["input_ids"], pad),
        "attention_mask": widened(collated["attention_mask"], 0),
        "decoder_input_ids": widened(collated["decoder_input_ids"], pad),
        "labels": widened(collated["labels"], -100),
    }


def _step(
    model: Any, batch: list[Encoded], tokenizer: Any, literals: torch.Tensor, config: TrainConfig
) -> torch.Tensor:
    """Forward and backward on one batch; returns its loss, still on the device."""
    collated = _collate(batch, tokenizer.pad_token_id, model.config.decoder_start_token_id)
    device = next(model.parameters()).device
    multiple = config.pad_multiple or (GPU_PAD_MULTIPLE if device.type == "cuda" else 1)
    padded = padded_to_multiple(collated, multiple, tokenizer.pad_token_id)
    inputs = {name: tensor.to(device, non_blocking=True) for name, tensor in padded.items()}
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.bfloat16_autocast)
    with autocast:
        loss = (
            restricted_loss(model, inputs, copyable_ids(collated, literals).to(device))
            if config.restricted_softmax
            else model(**inputs).loss
        )
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    return loss.detach()


def _fingerprint(config: TrainConfig) -> str:
    return config.model_dump_json(exclude=set(_RESUMABLE_CHANGES))


def _checkpoint(
    config: TrainConfig, model: Any, optimizer: Any, schedule: Any, progress: Progress
) -> None:
    """Write the run's state next to its output, atomically (a cut write leaves the old one)."""
    config.output.mkdir(parents=True, exist_ok=True)
    state = {
        "config": _fingerprint(config),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "schedule": schedule.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "progress": asdict(progress),
    }
    partial = config.output / (CHECKPOINT + ".partial")
    torch.save(state, partial)
    partial.replace(config.output / CHECKPOINT)
    log.info("checkpoint at step %d", progress.step)


def _resume(config: TrainConfig, model: Any, optimizer: Any, schedule: Any) -> Progress | None:
    path = config.output / CHECKPOINT
    if not path.is_file():
        return None
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # torch raises many kinds for a damaged file
        message = f"{path}: cannot read the checkpoint ({exc}); delete it to start over"
        raise ConfigError(message) from exc
    if state["config"] != _fingerprint(config):
        raise ConfigError(
            f"{path} was written with another training config; delete it to start over"
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    schedule.load_state_dict(state["schedule"])
    torch.set_rng_state(state["torch_rng"])
    progress = Progress(**state["progress"])
    log.info("resuming at step %d (epoch %d)", progress.step, progress.epoch)
    return progress


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


def _cpu_computes_bfloat16() -> bool:
    # torch has no public query; these private ones exist since 2.1 (absent: assume it does).
    checks = [
        getattr(torch.cpu, name, None)
        for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    ]
    return any(check() if check else True for check in checks)


def train(config: TrainConfig) -> dict[str, Any]:
    """Train, save the model to ``config.output`` and return what was measured."""
    started = time.perf_counter()
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    train_items, validation_items = training_items(config)
    device = torch.device(pick_device(config.device))
    model, tokenizer = _make_model(config, train_items)
    model.to(device)
    if device.type == "cpu" and config.bfloat16_autocast and not _cpu_computes_bfloat16():
        log.warning(
            "bfloat16 autocast on a CPU without bfloat16 instructions (AVX512-BF16 or AMX) is "
            "emulated: a step takes many times longer than in float32 "
            "(set bfloat16_autocast: false)"
        )
    factory = ConstraintFactory(tokenizer, SpanLimits())
    literals = torch.tensor(sorted(factory.literal_ids()))
    context = config.template_version in CONTEXT_VERSIONS
    values = config.template_version in CONTEXT_VALUES_VERSIONS
    base = [
        example
        for item in train_items
        for example in examples_of(item, context=context, context_values=values)
    ]
    names = name_pool(train_items)
    augmentation = random.Random(config.seed)
    steps_per_epoch = math.ceil(
        sum(_copies(example, config) for example in base) / config.batch_size
    )
    total_steps = steps_per_epoch * config.epochs
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)
    optimizer = torch.optim.AdamW(
        model.parameters(),
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
        fused=device.type == "cuda",
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(1.0, (step + 1) / config.warmup_steps) * max(0.0, 1 - step / total_steps),
    )
    order = random.Random(config.seed)
    progress = _resume(config, model, optimizer, schedule) or Progress(
        0, 1, 0, augmentation.getstate(), order.getstate(), [], 0.0
    )
    deadline = started + config.minutes * 60

    def finished() -> bool:
        return progress.step >= total_steps or time.perf_counter() > deadline

    unread: list[torch.Tensor] = []  # losses still on the device: reading each one waits

    def read_losses() -> None:
        if unread:
            progress.losses.extend(torch.stack(unread).float().tolist())
            unread.clear()

    def save_state() -> None:
        nonlocal started
        read_losses()
        progress.seconds += time.perf_counter() - started
        started = time.perf_counter()
        _checkpoint(config, model, optimizer, schedule, progress)

    model.train()
    data: list[Encoded] | None = None
    for epoch in range(progress.epoch, config.epochs + 1):
        if epoch > progress.epoch:
            augmentation_state = augmentation.getstate() if config.fresh_augmentation else None
            progress.epoch, progress.batches_done = epoch, 0
            progress.augmentation_state = augmentation_state or progress.augmentation_state
            progress.order_state = order.getstate()
        augmentation.setstate(progress.augmentation_state)
        order.setstate(progress.order_state)
        if data is None or config.fresh_augmentation:
            examples = build_examples(base, names, config, augmentation)
            data = encode(examples, tokenizer, factory, config)
            log.info("epoch %d: %d examples from %d articles", epoch, len(data), len(train_items))
        batches = _batches(data, config.batch_size, order)
        for _ in range(progress.batches_done):
            next(batches)
        for batch in batches:
            unread.append(_step(model, batch, tokenizer, literals, config))
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            progress.step += 1
            progress.batches_done += 1
            if progress.step % 50 == 0:
                read_losses()
                recent = progress.losses[-50:]
                log.info("epoch %d step %d loss %.4f", epoch, progress.step, sum(recent) / 50)
            if progress.step % config.checkpoint_every == 0 and not finished():
                save_state()
            if finished():
                break
        if finished():
            break
    read_losses()
    cut_by_the_clock = progress.step < total_steps
    if cut_by_the_clock:  # keep the state: the same command resumes where this run stopped
        save_state()
    model.eval()
    save(model, tokenizer, config)
    if not cut_by_the_clock:
        (config.output / CHECKPOINT).unlink(missing_ok=True)
    report = {
        "architecture": config.architecture,
        "examples": len(data or []),
        "train_articles": len(train_items),
        "validation_articles": len(validation_items),
        "steps": progress.step,
        "planned_steps": total_steps,
        "epochs_completed": progress.epoch,
        "final_loss": round(sum(progress.losses[-50:]) / max(len(progress.losses[-50:]), 1), 4),
        "train_minutes": round((progress.seconds + time.perf_counter() - started) / 60, 2),
        "parameters": sum(p.numel() for p in model.parameters()),
        "bfloat16_autocast": config.bfloat16_autocast,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
    }
    (config.output / "training_report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def save(model: Any, tokenizer: Any, config: TrainConfig) -> None:
    config.output.mkdir(parents=True, exist_ok=True)
    model = model.to("cpu")
    if config.save_dtype == "float16":
        model = model.half()
    model.save_pretrained(config.output, safe_serialization=True)
    tokenizer.save_pretrained(config.output)
    card_data = {"template_version": config.template_version, "architecture": config.architecture}
    (config.output / MODEL_CARD_DATA).write_text(json.dumps(card_data, indent=2) + "\n")
