"""Measure a trained candidate model on every set a shipping decision reads, scores only.

    .venv/bin/python eval/candidate.py --recipe models/brief-context.yaml --shared ../shared

Writes ``eval/reports/candidates/NAME.json`` (its training report and the overall scores on the
synthetic, wire and Lee validation splits and the seeds) and ``NAME.real_copy.json`` (the three
real-copy sets, through ``eval/real_copy.py``). NAME is the recipe's file name; the model is
the recipe's ``output`` folder. Every run is one thread, as the shipped model's reports are;
the real-copy sets and the validation splits run side by side.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from real_copy import ONE_THREAD, SUMMARIZER  # eval/, the script's own folder

from summarizer.training.train import load_config

VALIDATION = {
    "synthetic": "models/training-data/synthetic_000-039.validation.jsonl",
    "wire": "models/training-data/wire_000-069.validation.jsonl",
    "lee": "models/training-data/lee_000-049.validation.jsonl",
    "seeds": "seeds",
}
CANDIDATES = Path("eval/reports/candidates")


def _environment(model: Path) -> dict[str, str]:
    return {**ONE_THREAD, "SUMMARIZER_MODEL": str(model)}


def validation(model: Path, work: Path) -> dict[str, Any]:
    """Overall scores (articles and missed facts left out) on each validation set."""
    scores = {}
    for name, refs in VALIDATION.items():
        out = work / name
        subprocess.run(
            [SUMMARIZER, "eval", "--refs", refs, "--out", str(out)],
            check=True, env=_environment(model), stdout=subprocess.DEVNULL,
        )  # fmt: skip
        scores[name] = json.loads((out / "report.json").read_text())["overall"]
    return scores


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipe", type=Path, required=True)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    args = parser.parse_args(argv)
    config = load_config(args.recipe)
    name = args.recipe.stem
    training = json.loads((config.output / "training_report.json").read_text())
    CANDIDATES.mkdir(parents=True, exist_ok=True)
    real_copy = CANDIDATES / f"{name}.real_copy.json"
    # The real-copy sets run beside the validation splits: one thread each, two cores.
    real_copy_run = subprocess.Popen(
        [sys.executable, "eval/real_copy.py", "--shared", str(args.shared), "--out",
         str(real_copy)],
        env=_environment(config.output),
    )  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as tmp:
            report = {
                "model": name,
                "recipe": str(args.recipe),
                "training": training,
                "validation": validation(config.output, Path(tmp)),
            }
    except BaseException:
        real_copy_run.kill()
        raise
    (CANDIDATES / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    return real_copy_run.wait()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
