"""Scores on the three real-copy development sets, written to one report the docs read.

    .venv/bin/python eval/real_copy.py --shared ../shared --out eval/reports/real_copy.json

- realnews-dev: ``summarizer eval`` on its annotation file (recall and precision by section);
- external-eval: ``summarizer batch`` on its articles, scored by its own ``score.py
  --per-record`` (a count and its outcome must sit in one record);
- satp-dev: ``summarizer batch`` on its incidents, each brief's ``totals`` against the
  hand-coded killed and wounded (``summarizer.evaluation.metrics.totals_error``, the
  definitions of its ``score.py``).

Only scores are written: the sets are development data kept outside the repository, and no
text of theirs may enter it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from summarizer.evaluation.metrics import totals_error
from summarizer.models import default_model

SUMMARIZER = str(Path(sys.executable).with_name("summarizer"))
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def cpu_name() -> str:
    """The processor's name: timings, and int8 kernels' results, differ between CPUs."""
    cpuinfo = Path("/proc/cpuinfo")  # Linux
    for line in cpuinfo.read_text().splitlines() if cpuinfo.exists() else []:
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return "unknown"


def _run(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, env=ONE_THREAD, stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 1)


def realnews(shared: Path, work: Path) -> dict[str, Any]:
    refs = shared / "realnews-dev" / "realnews_dev.validation.jsonl"
    seconds = _run(SUMMARIZER, "eval", "--refs", str(refs), "--out", str(work / "realnews"))
    overall = json.loads((work / "realnews" / "report.json").read_text())["overall"]
    sections = {
        s: {k: v[k] for k in ("recall", "precision")} for s, v in overall["sections"].items()
    }
    keep = ("expected", "matched", "predicted", "recall", "precision")
    return {**{k: overall[k] for k in keep}, "sections": sections, "seconds": seconds}


def external(shared: Path, work: Path) -> dict[str, Any]:
    root = shared / "external-eval"
    out = work / "external.jsonl"
    seconds = _run(SUMMARIZER, "batch", str(root / "articles"), "-o", str(out))
    briefs = work / "external"
    briefs.mkdir()
    for line in out.read_text().splitlines():
        row = json.loads(line)
        if row.get("ok"):
            name = row["id"].removesuffix(".txt")
            (briefs / f"{name}.json").write_text(json.dumps(row["brief"]))
    scored = work / "external-score.json"
    subprocess.run(
        [sys.executable, str(root / "score.py"), "--articles", str(root / "articles"),
         "--refs", str(root / "refs"), "--briefs", str(briefs), "--per-record",
         "--json", str(scored)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    summary = json.loads(scored.read_text())
    # Scores only: the per-article rows quote the articles.
    kept = {k: summary[k] for k in ("recall", "found", "total", "by_kind")}
    return {"per_record": kept, "seconds": seconds}


def satp(shared: Path, work: Path) -> dict[str, Any]:
    incidents_path = shared / "satp-dev" / "incidents.jsonl"
    out = work / "satp.jsonl"
    seconds = _run(SUMMARIZER, "batch", str(incidents_path), "-o", str(out))
    rows = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    incidents = [json.loads(line) for line in incidents_path.read_text().splitlines() if line]
    scores: dict[str, Any] = {"incidents": len(incidents), "seconds": seconds}
    scores["refused"] = sum(not rows.get(i["id"], {}).get("ok") for i in incidents)
    for outcome, gold in (("killed", "total_fatalities"), ("wounded", "total_injuries")):
        pairs = [
            {"expected": i[gold], "got": _total(rows.get(i["id"]), outcome)} for i in incidents
        ]
        scores[outcome] = totals_error(pairs)
    return scores


def _total(row: dict[str, Any] | None, outcome: str) -> int:
    if not row or not row.get("ok"):
        return 0
    return int((row["brief"].get("totals") or {}).get(outcome, 0))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=Path("eval/reports/real_copy.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        report = {
            "model": default_model().name,  # $SUMMARIZER_MODEL when set
            "realnews_dev": realnews(args.shared, work),
            "external_eval": external(args.shared, work),
            "satp_dev": satp(args.shared, work),
            "threads": 1,
            "cpu": cpu_name(),
        }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
