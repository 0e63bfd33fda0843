"""Build a tiny T5 with random weights and a byte-level tokenizer trained on local text.

It reads nothing well: it exists so the whole pipeline, constrained decoding included, runs
and is tested on a real Hugging Face model without a hub.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from summarizer.fields import SECTION_FIELDS
from summarizer.prompt import template_dir
from summarizer.target_format import ABSENT, FIELD_SEPARATOR, NONE, label, surface

SPECIAL_TOKENS = ["<pad>", "</s>", "<unk>"]


def format_vocabulary() -> list[str]:
    """Every literal the output format uses, so the tokenizer learns them as pieces."""
    words = [NONE, ABSENT, FIELD_SEPARATOR]
    for specs in SECTION_FIELDS.values():
        for spec in specs:
            words.append(f"{FIELD_SEPARATOR} {label(spec)}:")
            words.extend(surface(choice) for choice in spec.choices)
    return words


def train_tokenizer(texts: Iterable[str], vocab_size: int = 600) -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    core.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )


def build_tiny_model(out: Path, extra_text: Iterable[str] = (), seed: int = 0) -> Path:
    import torch

    from summarizer.training.warmstart import t5_from_scratch

    # One copy of each text: a version that only changes what the targets may copy (v5)
    # repeats its predecessor word for word and must not shift the vocabulary.
    texts = list(
        dict.fromkeys(p.read_text(encoding="utf-8") for p in sorted(template_dir().glob("*.jinja")))
    )
    tokenizer = train_tokenizer([*texts, *format_vocabulary(), *extra_text])
    torch.manual_seed(seed)
    model = t5_from_scratch(tokenizer, d_model=64, layers=2)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)  # type: ignore[attr-defined]
    (out / "README.md").write_text(
        "# tiny-random\n\nA 2-layer T5 with random weights and a byte-level BPE tokenizer "
        "trained on the prompt templates. It does not read: it only proves the pipeline "
        "and constrained decoding run on a real Hugging Face model.\n",
        encoding="utf-8",
    )
    return out
