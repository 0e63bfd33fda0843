"""Time training steps of the brief model on random batches: what a GPU step costs, and why.

    python3 eval/gpu_step_speed.py --probe repeat --steps 150 --out speed.json   # on the GPU
    python3 eval/gpu_step_speed.py --probe ragged --steps 200 --out speed.json

``repeat`` draws every batch from five widths, so shapes recur as in a warm run: eager steps at
batch 16 and 64, a 6-layer decoder, and ``torch.compile``. ``ragged`` draws widths from 20 to
300 input and 5 to 120 target tokens, as real sentences are, once as they come and once rounded
up to multiples of 32 (what ``TrainConfig.pad_multiple`` does on a GPU). Each variant is the
training step of ``summarizer/training/train.py``: restricted softmax under bfloat16 autocast,
gradient clipping, AdamW. Timings exclude ``--warmup`` steps; the result is written after each.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from summarizer.training.train import copyable_ids, padded_to_multiple, restricted_loss
from summarizer.training.warmstart import bart_from_minilm

REPEATING_INPUT_WIDTHS = (24, 40, 56, 72, 96)
REPEATING_TARGET_WIDTHS = (8, 16, 24, 40)


def _batches(size: int, probe: str, multiple: int, seed: int) -> Iterator[dict[str, torch.Tensor]]:
    rng = random.Random(seed)
    while True:
        if probe == "repeat":
            width = rng.choice(REPEATING_INPUT_WIDTHS)
            target = rng.choice(REPEATING_TARGET_WIDTHS)
        else:
            width, target = rng.randint(20, 300), rng.randint(5, 120)
        ids = torch.randint(1000, 29000, (size, width))
        batch = {
            "input_ids": ids,
            "attention_mask": torch.ones_like(ids),
            "decoder_input_ids": ids[:, :target],
            "labels": ids[:, :target],
        }
        yield padded_to_multiple(batch, multiple, pad=0)


def time_steps(
    size: int, probe: str, args: argparse.Namespace, multiple: int = 1, **model: Any
) -> dict[str, float]:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    network, _ = bart_from_minilm(model.get("layers", 3))
    network.to(device).train()
    if model.get("compiled"):
        network.model = torch.compile(network.model, dynamic=True)
    optimizer = torch.optim.AdamW(network.parameters(), lr=1e-4, fused=device == "cuda")
    batches = _batches(size, probe, multiple, seed=0)
    literals = torch.arange(100)

    def step() -> None:
        batch = next(batches)
        inputs = {name: tensor.to(device, non_blocking=True) for name, tensor in batch.items()}
        with torch.autocast(device, dtype=torch.bfloat16):
            loss = restricted_loss(network, inputs, copyable_ids(batch, literals).to(device))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()

    def timed(count: int) -> float:
        began = time.perf_counter()
        for _ in range(count):
            step()
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - began

    warmup, seconds = timed(args.warmup), timed(args.steps)
    return {
        "batch": size,
        "warmup_s": round(warmup, 2),
        "s_per_step": round(seconds / args.steps, 4),
        "s_per_example": round(seconds / args.steps / size, 5),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--probe", choices=("repeat", "ragged"), required=True)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    variants: dict[str, dict[str, Any]] = (
        {
            "eager_b16": {"size": 16},
            "eager_b64": {"size": 64},
            "eager_b16_6layer": {"size": 16, "layers": 6},
            "compiled_b16": {"size": 16, "compiled": True},
        }
        if args.probe == "repeat"
        else {"ragged_b16": {"size": 16}, "bucketed32_b16": {"size": 16, "multiple": 32}}
    )
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    results: dict[str, dict[str, float]] = {}
    for name, settings in variants.items():
        results[name] = time_steps(probe=args.probe, args=args, **settings)
        print(name, results[name], flush=True)
        report = {"device": device, "probe": args.probe, "steps": args.steps, "results": results}
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
