"""Bring a trained run back from the GPU machine, whose replies hold at most 64 MiB in 16 MiB files.

    python3 eval/gpu_return.py pack runs/NAME $OUT        # there, after training
    .venv/bin/python eval/gpu_return.py unpack DIR runs/NAME   # here, on what came back

``pack`` stores the vocabulary matrix (any 2-D tensor of more than ``VOCABULARY_ROWS`` rows:
the shared embedding, which is also the output head) as int8 with one float scale per row and
every other tensor as float16, splits the file into parts under 16 MiB and puts the run's
small files (config, tokenizer, training report) into one tar. A 6-layer-decoder model is
73.9 MB in float16 and 62.4 MB packed. ``unpack`` checks the parts' sha256 and writes a
float16 ``model.safetensors`` whose vocabulary rows are the dequantized int8 ones: the
CTranslate2 runtime quantizes the same matrix to int8 by rows again.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tarfile
from pathlib import Path

import torch
from safetensors.torch import load, load_file, save, save_file

VOCABULARY_ROWS = 20_000
PART_BYTES = 15 * 1024 * 1024
WEIGHTS = "model.safetensors"
PART = "weights.part"
LEFT_BEHIND = {WEIGHTS, "checkpoint.pt"}


def pack(run: Path, out: Path) -> None:
    packed: dict[str, torch.Tensor] = {}
    for name, tensor in load_file(run / WEIGHTS).items():
        if tensor.is_floating_point() and tensor.dim() == 2 and tensor.shape[0] > VOCABULARY_ROWS:
            rows = tensor.float()
            scale = (rows.abs().amax(dim=1, keepdim=True) / 127).clamp(min=1e-12)
            packed[name + ".int8"] = torch.round(rows / scale).to(torch.int8)
            packed[name + ".scale"] = scale.squeeze(1)
        else:
            packed[name] = tensor.half() if tensor.is_floating_point() else tensor
    blob = save(packed)
    out.mkdir(parents=True, exist_ok=True)
    for number, begin in enumerate(range(0, len(blob), PART_BYTES)):
        (out / f"{PART}{number}").write_bytes(blob[begin : begin + PART_BYTES])
    (out / "sha256.txt").write_text(hashlib.sha256(blob).hexdigest() + "\n")
    with tarfile.open(out / "small.tar", "w") as tar:
        for path in sorted(run.iterdir()):
            if path.is_file() and path.name not in LEFT_BEHIND:
                tar.add(path, arcname=path.name)


def unpack(back: Path, run: Path) -> None:
    parts = sorted(
        back.glob("weights.part*"), key=lambda p: int(p.name.removeprefix("weights.part"))
    )
    blob = b"".join(part.read_bytes() for part in parts)
    if hashlib.sha256(blob).hexdigest() != (back / "sha256.txt").read_text().strip():
        raise SystemExit(f"{back}: the parts do not add up to what was packed (sha256 differs)")
    packed = load(blob)
    tensors = {
        name.removesuffix(".int8"): (
            tensor.float() * packed[name.removesuffix(".int8") + ".scale"].unsqueeze(1)
        ).half()
        if name.endswith(".int8")
        else tensor
        for name, tensor in packed.items()
        if not name.endswith(".scale")
    }
    run.mkdir(parents=True, exist_ok=True)
    with tarfile.open(back / "small.tar") as tar:
        tar.extractall(run, filter="data")
    save_file(tensors, run / WEIGHTS, metadata={"format": "pt"})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    packing = verbs.add_parser("pack")
    packing.add_argument("run", type=Path)
    packing.add_argument("out", type=Path)
    unpacking = verbs.add_parser("unpack")
    unpacking.add_argument("back", type=Path)
    unpacking.add_argument("run", type=Path)
    args = parser.parse_args(argv)
    if args.verb == "pack":
        pack(args.run, args.out)
    else:
        unpack(args.back, args.run)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
