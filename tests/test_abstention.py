"""Abstention: a row answers none when the model's first-step probability of none reaches a
threshold; the threshold is the model's own unless the caller gives one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from summarizer.backend import BackendConfig, resolved_abstain_at
from summarizer.decoding.abstention import abstains, none_probability
from summarizer.errors import ModelError

INF = float("inf")


@pytest.mark.parametrize(
    ("logits", "expected"),
    [
        ([0.0, 0.0, -INF, -INF], 0.5),  # two allowed tokens, equal scores
        ([np.log(3.0), 0.0, -INF, -INF], 0.75),
        ([-INF, 5.0, 1.0, -INF], 0.0),  # none forbidden at this step
        ([2.0, -INF, -INF, -INF], 1.0),  # none the only choice
        ([1000.0, 999.0, -INF, -INF], 1 / (1 + np.exp(-1.0))),  # large logits stay finite
    ],
)
def test_none_probability_is_the_softmax_over_the_allowed_tokens(
    logits: list[float], expected: float
) -> None:
    assert none_probability(np.array(logits), none_id=0) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [(None, False), (1.0, False), (0.76, False), (0.75, True), (0.1, True)],
)
def test_a_row_abstains_at_or_above_the_threshold(threshold: float | None, expected: bool) -> None:
    logits = np.array([np.log(3.0), 0.0, -INF])  # P(none) = 0.75
    assert abstains(logits, none_id=0, threshold=threshold) is expected


def _model_dir(tmp_path: Path, card: object | None) -> Path:
    if card is not None:
        (tmp_path / "summarizer.json").write_text(json.dumps(card), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("card", "asked", "expected"),
    [
        (None, None, None),  # no card: greedy decoding
        ({"template_version": 3}, None, None),  # a card without a threshold
        ({"template_version": 3, "abstain_at": None}, None, None),  # chosen: off
        ({"template_version": 3, "abstain_at": 0.2}, None, 0.2),  # the model's own
        ({"template_version": 3, "abstain_at": 0.2}, 0.5, 0.5),  # the caller's wins
        ({"template_version": 3, "abstain_at": 0.2}, 1.0, 1.0),  # 1: off, for this run
        (None, 0.3, 0.3),
    ],
)
def test_the_threshold_is_the_callers_else_the_models(
    tmp_path: Path, card: object | None, asked: float | None, expected: float | None
) -> None:
    config = BackendConfig(model=str(_model_dir(tmp_path, card)), abstain_at=asked)
    assert resolved_abstain_at(config) == expected


@pytest.mark.parametrize(
    ("card", "asked", "message"),
    [
        (None, 0.0, "--abstain-at must be above 0 and at most 1, not 0.0"),
        (None, 1.5, "--abstain-at must be above 0 and at most 1, not 1.5"),
        ({"abstain_at": "0.2"}, None, "abstain_at must be a number, not '0.2'"),
        ({"abstain_at": True}, None, "abstain_at must be a number, not True"),
        ({"abstain_at": -1}, None, "abstain_at must be above 0 and at most 1, not -1"),
        (["not", "an", "object"], None, "must hold a JSON object"),
    ],
)
def test_a_bad_threshold_is_a_model_error(
    tmp_path: Path, card: object | None, asked: float | None, message: str
) -> None:
    config = BackendConfig(model=str(_model_dir(tmp_path, card)), abstain_at=asked)
    with pytest.raises(ModelError, match=re.escape(message)):
        resolved_abstain_at(config)


def test_a_card_that_is_not_json_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "summarizer.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match=r"summarizer\.json is not valid JSON"):
        resolved_abstain_at(BackendConfig(model=str(tmp_path)))
