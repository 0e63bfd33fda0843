"""eval/encoder_load.py: the encoder's tokens per template version, on an article of our own."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from transformers import AutoTokenizer

from summarizer.ingest import Article
from tests.conftest import ROOT, SHIPPED_MODEL

# One sentence the router sends to several sections (casualties, displacement, orders), one
# it sends to one, one it sends to none.
ARTICLE = Article(
    source="planted",
    text=(
        "Flood kills 12 in river towns\n\n"
        "Twelve people were killed and 3,000 fled their homes after the governor ordered "
        "the evacuation of the river towns, officials said on Monday.\n\n"
        "Police said 40 people were injured.\n\n"
        "The river is the longest in the province."
    ),
)


def _module() -> ModuleType:
    path = ROOT / "eval" / "encoder_load.py"
    spec = importlib.util.spec_from_file_location("encoder_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_v6_encodes_a_sentence_once_for_all_its_sections_and_v3_once_per_section() -> None:
    tokenizer = AutoTokenizer.from_pretrained(SHIPPED_MODEL)
    load = _module().version_load
    v3, v6 = (load([ARTICLE], version, tokenizer) for version in (3, 6))
    assert v3["rows"] == v6["rows"] > v6["distinct_inputs"]  # same routing, shared inputs
    assert v3["distinct_inputs"] == v3["rows"]  # each section's instruction is in its input
    assert v6["row_tokens"] < v3["row_tokens"]  # no instruction in the encoder's input
    assert v6["distinct_tokens"] < v6["row_tokens"]
