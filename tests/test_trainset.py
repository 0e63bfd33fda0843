"""Training examples and augmentation: targets stay aligned with the text they copy."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from summarizer.annotations import AnnotatedArticle
from summarizer.backend import BackendConfig, HFBackend
from summarizer.trainset import SentenceExample, augment, examples_of

TEXT = (
    "Police in Velora said 1,250 people were evacuated from Marrow Bay on Monday. "
    "Officials said four firefighters were injured. The mayor, Ana Kessler, ordered "
    "residents of Marrow Bay to leave."
)
ARTICLE = AnnotatedArticle.model_validate(
    {
        "corpus": "synthetic",
        "id": "t-1",
        "text": TEXT,
        "facts": [
            {
                "section": "displacement",
                "evidence": "Police in Velora said 1,250 people were evacuated from Marrow Bay "
                "on Monday.",
                "fields": {
                    "count": "1,250",
                    "who": "people",
                    "origin": "Marrow Bay",
                    "according_to": "Police in Velora",
                },
            },
            {
                "section": "casualties",
                "evidence": "Officials said four firefighters were injured.",
                "fields": {
                    "count": "four",
                    "who": "firefighters",
                    "outcome": "wounded",
                    "according_to": "Officials",
                },
            },
        ],
    }
)


def _values(example: SentenceExample) -> list[dict[str, str]]:
    return [
        {k: example.sentence[v[0] : v[1]] if isinstance(v, tuple) else v for k, v in r.items()}
        for r in example.records
    ]


def test_examples_carry_annotated_spans_and_routed_negatives() -> None:
    examples = examples_of(ARTICLE)
    positives = [e for e in examples if e.records]
    assert [(e.section, _values(e)) for e in positives] == [
        (
            "displacement",
            [
                {
                    "count": "1,250",
                    "who": "people",
                    "origin": "Marrow Bay",
                    "according_to": "Police in Velora",
                }
            ],
        ),
        (
            "casualties",
            [
                {
                    "count": "four",
                    "who": "firefighters",
                    "outcome": "wounded",
                    "according_to": "Officials",
                }
            ],
        ),
    ]
    negatives = {(e.section, e.sentence[:10]) for e in examples if not e.records}
    assert ("orders", "The mayor,") in negatives


@pytest.mark.parametrize("seed", range(30))
def test_augmentation_keeps_targets_on_the_changed_text(seed: int) -> None:
    rng = random.Random(seed)
    names = ["Port Lanning", "Hessa Dorr", "Quillon"]
    for example in [e for e in examples_of(ARTICLE) if e.records]:
        changed = augment(example, names, rng)
        before, after = _values(example), _values(changed)
        assert len(before) == len(after)
        for old, new in zip(before, after, strict=True):
            assert set(old) == set(new)
            for field, value in new.items():
                assert value == value.strip() and value
                if field == "count" and old[field] != "four":
                    assert new[field].replace(",", "").isdigit()
                    assert (new[field] == old[field]) or "," in new[field]


def test_a_trained_model_records_its_template_version(tmp_path: Path) -> None:
    from summarizer.train import TrainConfig, train

    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(ARTICLE.model_dump(mode="json")) + "\n", encoding="utf-8")
    config = TrainConfig(
        architecture="t5-scratch",
        output=tmp_path / "model",
        data=[data],
        epochs=2,
        fresh_augmentation=True,
        replace_probability=0.5,
        batch_size=4,
        t5_d_model=32,
        t5_layers=2,
        t5_vocab_size=400,
        augment_positive=1,
        save_dtype="float32",
    )
    report = train(config)
    assert report["epochs_completed"] == 2 and report["train_articles"] == 1
    backend = HFBackend(BackendConfig(model=str(config.output), device="cpu"))
    assert backend.template_version == 2
