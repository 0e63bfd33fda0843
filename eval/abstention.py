"""Choose a model's abstention threshold on the wire validation split, and write it down.

    .venv/bin/python eval/abstention.py --model runs/brief-wire [--write]

Runs the evaluation once per threshold in ``THRESHOLDS`` (1: abstention off), one thread, and
picks the one with the best F1 of recall and precision; ties go to the larger threshold, the
one that changes greedy decoding least. Prints the sweep as JSON; ``--write`` also puts the
choice and the sweep into the model's ``summarizer.json`` (``abstain_at``,
``abstain_sweep``), which is where decoding reads the model's own threshold from. The split
is the project's own held-out one: no real-copy set takes part in the choice.
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

from summarizer.backend import MODEL_CARD_DATA

SPLIT = "models/training-data/wire_000-069.validation.jsonl"
THRESHOLDS = (1.0, 0.3, 0.2, 0.1, 0.05)


def f1(overall: dict[str, Any]) -> float:
    recall, precision = overall["recall"], overall["precision"]
    return 0.0 if not recall + precision else 2 * recall * precision / (recall + precision)


def sweep(model: Path, work: Path) -> list[dict[str, Any]]:
    rows = []
    for threshold in THRESHOLDS:
        out = work / str(threshold)
        subprocess.run(
            [SUMMARIZER, "eval", "--model", str(model), "--abstain-at", str(threshold),
             "--refs", SPLIT, "--out", str(out)],
            check=True, env=ONE_THREAD, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        overall = json.loads((out / "report.json").read_text())["overall"]
        rows.append(
            {
                "abstain_at": threshold,
                "matched": overall["matched"],
                "predicted": overall["predicted"],
                "expected": overall["expected"],
                "recall": overall["recall"],
                "precision": overall["precision"],
                "f1": round(f1(overall), 4),
            }
        )
    return rows


def chosen(rows: list[dict[str, Any]]) -> float:
    best = max(rows, key=lambda row: (row["f1"], row["abstain_at"]))
    return float(best["abstain_at"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = sweep(args.model, Path(tmp))
    choice = chosen(rows)
    print(json.dumps({"split": SPLIT, "chosen": choice, "sweep": rows}, indent=2))
    if args.write:
        card = args.model / MODEL_CARD_DATA
        data = json.loads(card.read_text(encoding="utf-8"))
        data["abstain_at"] = None if choice == 1.0 else choice
        data["abstain_sweep"] = {"split": SPLIT, "rows": rows}
        card.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
