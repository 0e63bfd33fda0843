"""A CTranslate2 backend: the same model, run by an int8 runtime, with copy constraints kept exact.

CTranslate2 has no per-step logits hook, so the copy constraint cannot mask its logits while it
decodes. Greedy decoding under a mask picks the highest-scoring *allowed* token, which is the
unconstrained choice whenever that choice is allowed. So every row is first decoded without
constraints (on a vocabulary map: the output layer covers the batch's own tokens), then
replayed through its constraint automaton (:class:`ConstraintReplay`). Every pass also returns each
step's logits. A row whose every token was allowed, and where the record bias could not have
changed a choice, is exactly what constrained decoding would have written. At the first step
where that fails, the best allowed token (with the record bias) is taken from that step's
logits; if it is the runtime's own token the replay goes on along the same output, otherwise
the row is decoded again from its new prefix, and so on until it replays clean. A callback
watches each row as it is decoded and stops it at the first token its constraint forbids, so
no pass decodes past a step that the replay will overrule.

On the vocabulary map a step's logits cover only the batch's tokens, in token-id order; the
backend forms those batches itself, so it knows which token each logit belongs to, and checks
at every decision that the runtime's own token scores best. The passes after the first (over
the few rows left) give each row its settled tokens as a target prefix and run on the whole
vocabulary, a few rows at a time to bound the logits they return: CTranslate2 4.x misreads a
target prefix on a map (it writes another token than the prefix's, or fails). From template
v6 every row starts from a forced prefix, its section's name, so a v6 model's first pass runs
on the whole vocabulary too, in batches of similar length.

CTranslate2 encodes every row's source itself, so a sentence read for two sections is encoded
twice here (transformers encodes it once); from v6 the source is at least the sentence alone,
without a section's instruction.

The result equals greedy constrained decoding on this runtime's logits (tests/test_ct2.py
checks it token for token against transformers at float32). Transformers
(:class:`summarizer.backend.HFBackend`) stays the reference backend, and the one for beams.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from summarizer.backend import (
    BackendConfig,
    GenerationRequest,
    check_model_dir,
    first_line,
    quiet_hub,
    resolved_abstain_at,
    trained_template_version,
)
from summarizer.decoding.abstention import abstains
from summarizer.decoding.automaton import RowConstraint, State
from summarizer.decoding.factory import ConstraintFactory
from summarizer.decoding.source import SpanLimits
from summarizer.errors import ModelError
from summarizer.target_format import NONE

# CTranslate2's converter reads two settings that newer transformers no longer put in a BART
# config (both are False for every BART-shaped model this project trains).
_CONVERTER_DEFAULTS = {"normalize_before": False, "add_final_layer_norm": False}
COMPUTE_TYPES = {"auto": "int8", "float32": "float32", "int8": "int8"}


def available() -> bool:
    return importlib.util.find_spec("ctranslate2") is not None


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "summarizer" / "ct2"


def converted_model(
    model_dir: Path, quantization: str, always: Sequence[str], root: Path | None = None
) -> Path:
    """The model converted for CTranslate2, built once and kept under the cache folder.

    The folder's name hashes the weights and config, so a retrained model is converted anew.
    Beside the weights goes a vocabulary map (``vmap.txt``): each token may be written only
    where it is in the input, plus the tokens in ``always``. The output layer is then computed
    for a batch's own tokens instead of the whole vocabulary (the same restriction as
    :class:`summarizer.decoding.RestrictedHead`).
    """
    fingerprint = hashlib.sha256()
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        path = model_dir / name
        if path.is_file():
            stat = path.stat()
            fingerprint.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    fingerprint.update((model_dir / "config.json").read_bytes())
    fingerprint.update(" ".join(always).encode())
    target = (root or cache_root()) / f"{fingerprint.hexdigest()[:16]}-{quantization}"
    if (target / "vmap.txt").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        source = Path(work) / "hf"
        shutil.copytree(model_dir, source)
        config = json.loads((source / "config.json").read_text(encoding="utf-8"))
        (source / "config.json").write_text(
            json.dumps({**_CONVERTER_DEFAULTS, **config}), encoding="utf-8"
        )
        built = Path(work) / "ct2"
        _convert(source, built, quantization)
        _write_vocabulary_map(built, always)
        try:
            built.rename(target)
        except OSError:  # another process converted it first
            if not (target / "vmap.txt").is_file():
                raise
    return target


def mappable(token: str) -> bool:
    """Whether a token can be a key of the vocabulary map (a line holds tab-separated words)."""
    return bool(token.strip()) and " " not in token and "\t" not in token


def _write_vocabulary_map(folder: Path, always: Sequence[str]) -> None:
    vocabulary = json.loads((folder / "shared_vocabulary.json").read_text(encoding="utf-8"))
    lines = ["\t" + " ".join(always)]
    lines += [f"{token}\t{token}" for token in vocabulary if mappable(token)]
    (folder / "vmap.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _convert(source: Path, output: Path, quantization: str) -> None:
    from ctranslate2.converters import TransformersConverter
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        with quiet_hub():
            TransformersConverter(str(source)).convert(str(output), quantization=quantization)
    except Exception as exc:  # a damaged checkpoint fails in the converter in many ways
        raise ModelError(f"cannot convert the model for CTranslate2: {first_line(exc)}") from exc


# Rows per pass on the whole vocabulary: each returns a vocabulary-sized row of logits per
# step (122 KB for this tokenizer), so a few rows at a time bound the memory.
_FULL_VOCABULARY_ROWS = 4


class _Next(Enum):
    """What a row needs next."""

    DECODE = "decode"  # decoding on from its prefix
    BIAS = "bias"  # the record bias weighed against the runtime's token
    LOGITS = "logits"  # the step's logits: the runtime's token is not allowed
    NOTHING = "nothing"  # it has ended


class ConstraintReplay:
    """Checks a decoded row against its constraint; finds where greedy decoding under the
    constraint (and the record bias) could have chosen otherwise."""

    def __init__(self, constraint: RowConstraint, eos: int, vocab: int, record_bias: float) -> None:
        self.constraint = constraint
        self.eos = eos
        self.vocab = vocab
        self.record_bias = record_bias

    def allowed(self, state: State, used: int) -> list[int]:
        allowed = [t for t in self.constraint.allowed(state, used) if t < self.vocab]
        return allowed or [self.eos]

    def bias_token(self, state: State, allowed: list[int]) -> int | None:
        more = self.constraint.next_record(state) if self.record_bias else None
        return more if more is not None and more in allowed else None

    def choice(self, state: State, used: int, logits: np.ndarray) -> int:
        """The token greedy decoding under the constraint takes at this step."""
        allowed = self.allowed(state, used)
        scores = logits[allowed].astype(np.float64)
        more = self.bias_token(state, allowed)
        if more is not None:
            scores[allowed.index(more)] += self.record_bias
        return allowed[int(np.argmax(scores))]

    def check(self, state: State, used: int, token: int) -> _Next:
        """Whether the unconstrained choice ``token`` is certainly the constrained one
        (``DECODE``: decoding goes on past it), or what must decide the step."""
        allowed = self.allowed(state, used)
        if token not in allowed:
            return _Next.LOGITS
        more = self.bias_token(state, allowed)
        return _Next.DECODE if more is None or more == token else _Next.BIAS


@dataclass
class _Row:
    """One request being decoded: the tokens settled so far, and where it stands."""

    source: list[str]
    source_ids: list[int]
    replay: ConstraintReplay | None
    # Whether every token the row may write is among the input tokens or the always-allowed
    # ones, so a vocabulary restricted by the map still holds each of its choices.
    mapped: bool
    # The settled tokens, the forced ones (the decoder prefix, from v6) first.
    prefix: list[int] = field(default_factory=list)
    forced: int = 0
    state: State | None = None
    next: _Next = _Next.DECODE
    output: list[int] = field(default_factory=list)  # the runtime's last output for this row
    # That output's step logits, and the token ids of their columns (None: the whole
    # vocabulary in id order).
    logits: list[Any] = field(default_factory=list)
    columns: list[int] | None = None


class _Watch:
    """Stops a row's decoding at the first token its constraint forbids.

    Constrained decoding certainly writes another token there, so the steps after it would be
    decoded only to be thrown away (the row is decoded again from its corrected prefix).
    CTranslate2 calls this for every step of the row, its prefix included; on the vocabulary
    map a step's ``token_id`` is a column of the map, not a token id.
    """

    def __init__(self, row: _Row, columns: list[int] | None) -> None:
        self.row = row
        self.columns = columns
        self.state = row.state

    def stops(self, step: Any) -> bool:
        row = self.row
        if row.replay is None or self.state is None or step.step < len(row.prefix):
            return False
        token = step.token_id if self.columns is None else self.columns[step.token_id]
        used = step.step - row.forced
        if row.replay.check(self.state, used, token) is _Next.LOGITS:
            return True
        self.state = row.replay.constraint.advance(self.state, token)
        return False


def _stopper(group: list[_Row], columns: list[int] | None) -> Callable[[Any], bool]:
    """CTranslate2's step callback for a batch: whether to stop the step's row there."""
    watches = [_Watch(row, columns) for row in group]
    return lambda step: watches[step.batch_id].stops(step)


class CT2Backend:
    """The project's model on CTranslate2 (int8 on CPU by default), greedy decoding only."""

    template_version: int | None

    def __init__(self, config: BackendConfig, cache: Path | None = None) -> None:
        import ctranslate2
        import torch
        from transformers import AutoTokenizer

        started = time.perf_counter()
        if config.num_beams != 1:
            raise ModelError("the ctranslate2 runtime decodes greedily; use --runtime hf for beams")
        model_dir = Path(config.model)
        if not model_dir.is_dir():
            raise ModelError(f"the ctranslate2 runtime needs a local model folder, not {model_dir}")
        check_model_dir(model_dir)
        self.config = config
        self.name = config.model
        self.constrained = config.constrained
        self.device = "cuda" if config.device == "cuda" else "cpu"
        compute = COMPUTE_TYPES.get(config.dtype, "int8")
        self.dtype = f"ct2-{compute}"
        self.template_version = trained_template_version(model_dir)
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        self.constraints = ConstraintFactory(
            self.tokenizer, SpanLimits(output_tokens=config.max_new_tokens)
        )
        self._always = sorted(self.constraints.literal_ids() | set(self.tokenizer.all_special_ids))
        threads = config.threads or torch.get_num_threads()
        self.folder = str(converted_model(model_dir, compute, self._tokens(self._always), cache))
        try:
            self.translator = ctranslate2.Translator(
                self.folder, device=self.device, compute_type=compute, intra_threads=threads
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"cannot load {model_dir} on CTranslate2: {exc}") from exc
        self._eos = int(self.tokenizer.eos_token_id)
        self._none_ids = self.tokenizer(NONE, add_special_tokens=False)["input_ids"]
        self.abstain_at = resolved_abstain_at(config) if config.constrained else None
        self._vocab = len(self.tokenizer)
        vocabulary = self.tokenizer.get_vocab()
        self._mappable = frozenset(i for token, i in vocabulary.items() if mappable(token))
        self.load_seconds = time.perf_counter() - started

    def _prefix(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"]) if text else []

    def generate(self, requests: Sequence[GenerationRequest]) -> list[str]:
        unique = list(dict.fromkeys(requests))
        encoded = self.tokenizer(
            [r.prompt for r in unique], truncation=True, max_length=self.config.max_input_tokens
        )["input_ids"]
        rows = [self._row(r, ids) for r, ids in zip(unique, encoded, strict=True)]
        first = True
        try:
            while decoding := self._needing(rows, _Next.DECODE):
                self._decode(decoding, first)
                first = False
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"generation failed with model {self.name!r}: {exc}") from exc
        texts = self.tokenizer.batch_decode(
            [row.prefix[row.forced :] for row in rows],
            skip_special_tokens=True,
            clean_up_tokenization_spaces=False,
        )
        answer = dict(zip(unique, texts, strict=True))
        return [answer[r] for r in requests]

    @staticmethod
    def _needing(rows: list[_Row], need: _Next) -> list[_Row]:
        return [row for row in rows if row.next is need]

    def _row(self, request: GenerationRequest, ids: list[int]) -> _Row:
        source = self._tokens(ids)
        forced = self._prefix(request.decoder_prefix)
        if not self.constrained:
            return _Row(source, ids, None, mapped=True, prefix=forced, forced=len(forced))
        constraint = self.constraints.row(request.section, request.source, request.context)
        replay = ConstraintReplay(constraint, self._eos, self._vocab, self.config.record_bias)
        mapped = constraint.vocabulary <= self._mappable.intersection(ids).union(self._always)
        return _Row(source, ids, replay, mapped, forced, len(forced), state=constraint.initial())

    def _decode(self, rows: list[_Row], first: bool) -> None:
        """Decode ``rows`` on from their settled prefixes, unconstrained, and replay each."""
        for group, columns in self._passes(rows, first):
            prefixed = any(row.prefix for row in group)
            results = self.translator.translate_batch(
                [row.source for row in group],
                target_prefix=[self._tokens(row.prefix) for row in group] if prefixed else None,
                beam_size=1,
                max_decoding_length=self.config.max_new_tokens + max(r.forced for r in group),
                max_batch_size=0,
                return_end_token=True,
                return_logits_vocab=self.constrained,
                use_vmap=columns is not None,
                callback=_stopper(group, columns) if self.constrained else None,
            )
            for row, result in zip(group, results, strict=True):
                row.output = self._ids(result.hypotheses[0])
                row.logits, row.columns = (result.logits[0] if self.constrained else []), columns
                self._replay(row)
                row.logits = []

    def _passes(self, rows: list[_Row], first: bool) -> list[tuple[list[_Row], list[int] | None]]:
        """The batches of one pass, each with the token ids its logits will cover.

        The first pass puts mapped rows on the vocabulary map, and rows with a forced decoder
        prefix on the whole vocabulary (CTranslate2 4.x misreads a target prefix on a map),
        both in batches of similar length (at most ``batch_tokens`` padded input tokens);
        every other row goes on the whole vocabulary, a few at a time.
        """
        on_map = [r for r in rows if first and r.mapped and not r.forced]
        prefixed = [r for r in rows if first and r.forced]
        passes: list[tuple[list[_Row], list[int] | None]] = [
            (group, self._columns(group)) for group in self._length_batches(on_map)
        ]
        passes += [(group, None) for group in self._length_batches(prefixed)]
        rest = [r for r in rows if not (first and (r.forced or r.mapped))]
        passes += [
            (rest[i : i + _FULL_VOCABULARY_ROWS], None)
            for i in range(0, len(rest), _FULL_VOCABULARY_ROWS)
        ]
        return passes

    def _length_batches(self, rows: list[_Row]) -> list[list[_Row]]:
        """``rows`` shortest first, cut into batches of at most ``batch_tokens`` padded tokens."""
        batches: list[list[_Row]] = []
        group: list[_Row] = []
        for row in sorted(rows, key=lambda r: len(r.source)):
            if group and (len(group) + 1) * len(row.source) > self.config.batch_tokens:
                batches.append(group)
                group = []
            group.append(row)
        return [*batches, group] if group else batches

    def _columns(self, group: list[_Row]) -> list[int]:
        """The token ids the vocabulary map lets a batch write, in the runtime's order."""
        ids = {i for row in group for i in row.source_ids if i in self._mappable}
        return sorted(ids.union(self._always))

    def _step_logits(self, row: _Row, step: int, token: int) -> np.ndarray:
        """The logits of ``row``'s step, checked to make ``token`` the runtime's choice."""
        scores = self._full_logits(row, step)
        if token < len(scores) and scores[token] < scores.max():
            raise ModelError("CTranslate2's vocabulary map did not give the expected columns")
        return scores

    def _full_logits(self, row: _Row, step: int) -> np.ndarray:
        """The logits of ``row``'s step over the whole vocabulary (-inf outside its columns)."""
        scores = np.asarray(row.logits[step], dtype=np.float64)
        if row.columns is None:
            return scores
        if len(scores) != len(row.columns):
            raise ModelError("CTranslate2's vocabulary map did not give the expected columns")
        full = np.full(self._vocab, -np.inf)
        full[row.columns] = scores
        return full

    def _tokens(self, ids: Sequence[int]) -> list[str]:
        return list(self.tokenizer.convert_ids_to_tokens(list(ids)))

    def _ids(self, tokens: list[str]) -> list[int]:
        ids = self.tokenizer.convert_tokens_to_ids(tokens)
        return [ids] if isinstance(ids, int) else ids

    def _replay(self, row: _Row) -> None:
        """Settle the runtime's output past the row's prefix while it is what constrained
        decoding writes; where it is not, settle the constrained choice from the step's
        logits and ask for a new pass from there."""
        if row.replay is None:
            row.prefix, row.next = row.output, _Next.NOTHING
            return
        if len(row.prefix) == row.forced and self._abstains(row):
            row.prefix, row.next = row.prefix + list(self._none_ids), _Next.NOTHING
            return
        row.next = _Next.DECODE
        while row.next is _Next.DECODE:
            step = len(row.prefix)  # the output's position; the constraint's is step - forced
            if step >= len(row.output):
                row.next = _Next.NOTHING  # the runtime stopped at the length limit
                return
            assert row.state is not None
            token, used = row.output[step], step - row.forced
            if row.replay.check(row.state, used, token) is _Next.DECODE:
                self._advance(row, token)
                continue
            logits = self._step_logits(row, step, token)
            chosen = row.replay.choice(row.state, used, logits)
            self._advance(row, chosen)
            if chosen != token and row.next is _Next.DECODE:
                return  # decoded again from the new prefix in the next pass

    def _abstains(self, row: _Row) -> bool:
        """Whether the row's first step gives ``none`` the abstention probability or more."""
        if self.abstain_at is None or not row.logits:
            return False
        assert row.replay is not None and row.state is not None
        scores = self._full_logits(row, row.forced)
        allowed = row.replay.allowed(row.state, 0)
        masked = np.full_like(scores, -np.inf)
        masked[allowed] = scores[allowed]
        return abstains(masked, self._none_ids[0], self.abstain_at)

    def _advance(self, row: _Row, token: int) -> None:
        """Settle one more token; a row that ends here needs nothing more."""
        assert row.replay is not None and row.state is not None
        row.state = row.replay.constraint.advance(row.state, token)
        row.prefix.append(token)
        if token == self._eos or len(row.prefix) - row.forced >= self.config.max_new_tokens:
            row.next = _Next.NOTHING
