"""What only a real model shows: a random-weight T5, built locally, driven end to end."""

from __future__ import annotations

import contextlib
import json
import pickle
import shutil
from pathlib import Path

import pytest

from summarizer.backend import BackendConfig, HFBackend
from summarizer.errors import ModelError
from summarizer.ingest import read_article
from summarizer.pipeline import Pipeline
from summarizer.schema import Brief, GroundedText
from summarizer.training.tiny import build_tiny_model
from tests.conftest import LONG_SEED, SHORT_SEED

pytestmark = pytest.mark.model


def _whole_words(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` neither starts nor ends inside a word."""
    cut_before = 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum()
    cut_after = 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    return start < end and not cut_before and not cut_after


def _assert_grounded(brief: Brief, text: str) -> None:
    """Each value is whole words inside its record's evidence, itself a stripped sentence of
    ``text``, or a pronoun there resolved to a name earlier in ``text``; a count holds no
    fuzzily matched digit."""
    for section in ("orders", "casualties", "displacement", "escapes"):
        for record in getattr(brief, section):
            evidence = text[record.evidence.start : record.evidence.end]
            assert evidence and evidence == evidence.strip()
            for name in type(record).model_fields:
                value = getattr(record, name)
                if isinstance(value, GroundedText) and name != "evidence":
                    written = value.resolved_from or value
                    assert record.evidence.start <= written.start
                    assert written.end <= record.evidence.end
                    assert _whole_words(text, value.start, value.end), (name, value)
                    assert value.resolved_from is None or value.end <= written.start
            count_text = getattr(record, "count_text", None)
            if count_text is not None:
                assert count_text.alignment in ("exact", "normalized")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_constrained_decoding_always_yields_a_valid_grounded_brief(
    seed: int, tmp_path: Path
) -> None:
    model = build_tiny_model(tmp_path / f"tiny-{seed}", seed=seed)
    backend = HFBackend(BackendConfig(model=str(model), device="cpu"))
    pipeline = Pipeline(backend)
    for path in (LONG_SEED, SHORT_SEED):
        brief = pipeline.brief(read_article(path))
        Brief.model_validate_json(brief.model_dump_json())
        assert [d for d in brief.dropped if d.field == "*"] == []  # every output parsed
        _assert_grounded(brief, path.read_text(encoding="utf-8"))
        assert brief.provenance.constrained is True


def test_free_decoding_never_crashes_and_reports_what_it_drops(tiny_model_dir: Path) -> None:
    backend = HFBackend(
        BackendConfig(model=str(tiny_model_dir), device="cpu", constrained=False, max_new_tokens=60)
    )
    brief = Pipeline(backend).brief(read_article(SHORT_SEED))
    assert brief.provenance.constrained is False
    assert brief.dropped, "a random model decoding freely writes unparseable text"
    _assert_grounded(brief, SHORT_SEED.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_batched_generation_matches_one_by_one(tiny_model_dir: Path) -> None:
    article = read_article(LONG_SEED)
    batched = Pipeline(
        HFBackend(BackendConfig(model=str(tiny_model_dir), dtype="float32", batch_size=64))
    )
    single = Pipeline(
        HFBackend(BackendConfig(model=str(tiny_model_dir), dtype="float32", batch_size=1))
    )
    strip = {"provenance"}
    assert batched.brief(article).model_dump(exclude=strip) == single.brief(article).model_dump(
        exclude=strip
    )


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p.mkdir(), "missing config.json"),
        (lambda p: (p.mkdir(), (p / "config.json").write_text("{}")), "safetensors"),
        (lambda p: p.write_text("x"), "not a folder"),
    ],
)
def test_incomplete_model_folders_get_clear_errors(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken"
    setup(path)
    with pytest.raises(ModelError, match=message):
        HFBackend(BackendConfig(model=str(path)))


def test_unreachable_hub_id_is_a_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # read once at import: without this, a machine with no route waits on network timeouts
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelError, match="cannot load model"):
        HFBackend(BackendConfig(model="google/flan-t5-large"))


def test_cuda_request_without_gpu_is_a_model_error(tiny_model_dir: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ModelError, match="no CUDA GPU"):
        HFBackend(BackendConfig(model=str(tiny_model_dir), device="cuda"))


class _Payload:
    """Unpickling this writes a marker file: proof that a loader unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.marker, "unpickled"))


def _copy_without_safetensors(source: Path, target: Path, marker: Path) -> None:
    shutil.copytree(source, target)
    for weights in target.glob("*.safetensors"):
        weights.unlink()
    with (target / "pytorch_model.bin").open("wb") as handle:
        pickle.dump(_Payload(marker), handle)


@pytest.mark.parametrize("skip_folder_check", [False, True])
def test_pickled_weights_are_refused_never_unpickled(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, skip_folder_check: bool
) -> None:
    marker = tmp_path / "marker"
    model = tmp_path / "pickled"
    _copy_without_safetensors(tiny_model_dir, model, marker)
    if skip_folder_check:  # the loader itself must refuse too, not only our folder check
        monkeypatch.setattr("summarizer.backend.check_model_dir", lambda path: None)
    with pytest.raises(ModelError, match="safetensors"):
        HFBackend(BackendConfig(model=str(model), device="cpu"))
    assert not marker.exists()


def test_remote_code_is_never_run(tiny_model_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    model = tmp_path / "remote-code"
    shutil.copytree(tiny_model_dir, model)
    (model / "modeling_evil.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
    )
    config = json.loads((model / "config.json").read_text())
    config["auto_map"] = {"AutoModelForSeq2SeqLM": "modeling_evil.EvilModel"}
    (model / "config.json").write_text(json.dumps(config))
    with contextlib.suppress(ModelError):  # refusing is fine; running the file is not
        HFBackend(BackendConfig(model=str(model), device="cpu"))
    assert not marker.exists()
