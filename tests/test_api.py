"""The Python API: text in, validated briefs out, the model loaded once and on first use."""

from __future__ import annotations

import pytest

from summarizer import ModelOptions, Summarizer
from summarizer.backend import GenerationRequest, ScriptedBackend
from summarizer.errors import InputError

TEXT = (
    "Police said 12 people were killed when a bus overturned near Tamale on Sunday. "
    "The governor ordered all schools in the district closed until Friday."
)


def _answer(request: GenerationRequest) -> str:
    if request.section == "casualties" and "12 people" in request.source:
        return "count: 12; who: people; outcome: killed; according to: Police; when: on Sunday"
    return "none"


def test_brief_of_text_is_grounded_in_that_text() -> None:
    backend = ScriptedBackend(_answer)
    brief = Summarizer.with_backend(backend).brief(TEXT)
    (casualty,) = brief.casualties
    assert casualty.count == 12
    assert TEXT[casualty.evidence.start : casualty.evidence.end] == casualty.evidence.text
    assert brief.provenance.source == "text-1"


class _Counting(ScriptedBackend):
    generations = 0

    def generate(self, requests):  # type: ignore[no-untyped-def]
        self.generations += 1
        return super().generate(requests)


def test_briefs_share_one_model_call() -> None:
    backend = _Counting(_answer)
    briefs = Summarizer.with_backend(backend).briefs([TEXT, TEXT.replace("Tamale", "Wa")])
    assert [b.provenance.source for b in briefs] == ["text-1", "text-2"]
    assert backend.generations == 1
    assert [b.casualties[0].count for b in briefs] == [12, 12]


@pytest.mark.parametrize("text", ["", "   ", "1 2 3 4 5", "%PDF-1.7 binary"])
def test_text_that_is_no_article_raises_input_error(text: str) -> None:
    with pytest.raises(InputError):
        Summarizer.with_backend(ScriptedBackend(_answer)).brief(text)


def test_options_reach_the_backend_config_and_nothing_loads_early() -> None:
    reader = Summarizer("some/model", ModelOptions(device="cpu", runtime="hf", beams=3))
    config = reader.backend_config()
    assert (config.model, config.device, config.runtime, config.num_beams) == (
        "some/model", "cpu", "hf", 3,
    )  # fmt: skip
    assert reader._pipeline is None  # no model is loaded until a brief is asked for
