#!/usr/bin/env bash
# Fresh-machine setup: a virtual environment, CPU torch first (a bare torch requirement
# would pull several GB of CUDA wheels), then the package with every extra: tests, training,
# evaluation, the dossier's embeddings and Ray (for `batch --engine ray` and its tests).
# A user who only briefs needs `pip install .` (README, "Install").
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check torch==2.13.0
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev,train,eval,dossier,ray]"
