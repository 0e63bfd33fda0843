"""The model behind a small Protocol: a Hugging Face seq2seq model, or a scripted fake."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from summarizer.errors import ModelError
from summarizer.schema import Section
from summarizer.target_format import NONE

if TYPE_CHECKING:
    from summarizer.decoding.automaton import RowConstraint

DeviceChoice = Literal["auto", "cpu", "cuda"]
RuntimeChoice = Literal["auto", "hf", "ct2"]
DtypeChoice = Literal["auto", "float32", "float16", "bfloat16"]
REQUIRED_FILES = ("config.json",)
# Chosen on held-out training-round articles for the shipped model; see its model card.
DEFAULT_RECORD_BIAS = 1.0


@dataclass(frozen=True)
class GenerationRequest:
    section: Section
    prompt: str
    source: str
    # Texts beside ``source`` that context fields may copy from (templates from v5).
    context: tuple[str, ...] = ()
    # Text the decoder is forced to start with (from v6, the section); not part of the answer.
    decoder_prefix: str = ""


@dataclass(frozen=True)
class BackendConfig:
    model: str
    device: DeviceChoice = "auto"
    dtype: DtypeChoice = "auto"
    batch_size: int = 64
    # Padded prompt tokens per batch: bounds memory, and keeps short prompts with short ones.
    batch_tokens: int = 2048
    max_input_tokens: int = 512
    max_new_tokens: int = 400
    num_beams: int = 1
    constrained: bool = True
    # Logit bonus for another record while a sentence has unclaimed figures (see constrain).
    record_bias: float = DEFAULT_RECORD_BIAS
    # A row whose first-step probability of "none" reaches this answers none (None: the
    # model's own threshold, if its summarizer.json has one; 1 turns abstention off).
    abstain_at: float | None = None
    threads: int | None = None
    # "auto": CTranslate2 (int8) for greedy decoding of a local model on the CPU where it is
    # installed, else transformers (the reference, and the one for beams, GPUs and hub ids).
    runtime: RuntimeChoice = "auto"


@dataclass(frozen=True)
class OpenRow:
    """A prompt still being answered after the first pass: its encoding is kept."""

    index: int
    hidden: Any  # encoder states of its real (unpadded) tokens
    constraint: RowConstraint | None
    prefix: list[int]  # its decoder prefix ids

    @property
    def length(self) -> int:
        return int(self.hidden.shape[0])


class Backend(Protocol):
    name: str
    device: str
    dtype: str
    load_seconds: float
    constrained: bool
    template_version: int | None
    abstain_at: float | None

    def generate(self, requests: Sequence[GenerationRequest]) -> list[str]: ...


class ScriptedBackend:
    """A fake model for tests: answers from a script, keyed by (section, source sentence)."""

    device = "none"
    dtype = "none"
    load_seconds = 0.0
    constrained = False
    template_version: int | None = None
    abstain_at: float | None = None

    def __init__(
        self,
        script: dict[tuple[Section, str], str] | Callable[[GenerationRequest], str],
        name: str = "scripted",
    ) -> None:
        self.name = name
        self._script = script
        self.calls: list[GenerationRequest] = []

    def generate(self, requests: Sequence[GenerationRequest]) -> list[str]:
        self.calls.extend(requests)
        if callable(self._script):
            return [self._script(r) for r in requests]
        return [self._script.get((r.section, r.source), "none") for r in requests]


class HFBackend:
    """Any Hugging Face seq2seq model, from a local folder or a hub id."""

    def __init__(self, config: BackendConfig) -> None:
        import torch

        from summarizer.decoding.factory import ConstraintFactory
        from summarizer.decoding.source import SpanLimits

        started = time.perf_counter()
        self.config = config
        self.name = config.model
        self.constrained = config.constrained
        if config.threads:
            torch.set_num_threads(config.threads)
        self.device = pick_device(config.device)
        self.dtype = _pick_dtype(config.dtype, self.device)
        self.tokenizer, self.model = _load(config.model, self.device, self.dtype)
        self.template_version = trained_template_version(Path(config.model))
        self.constraints = (
            ConstraintFactory(self.tokenizer, SpanLimits(output_tokens=config.max_new_tokens))
            if config.constrained
            else None
        )
        self._eos = self.tokenizer.eos_token_id
        none_ids = self.tokenizer(NONE, add_special_tokens=False)["input_ids"]
        self._none_id = none_ids[0]
        self.abstain_at = resolved_abstain_at(config) if config.constrained else None
        # Long enough for a whole "none" answer: the first pass settles every such row.
        self._triage_tokens = len(none_ids) + 1
        self.load_seconds = time.perf_counter() - started

    def generate(self, requests: Sequence[GenerationRequest]) -> list[str]:
        """Outputs in request order; identical requests are generated once.

        Each distinct encoder input is encoded once, however many sections read it (from
        template v6 the sections share it and differ only in their decoder prefix). A first,
        short pass over every batch settles the rows that answer ``none``; the rows left
        open, from all batches, are then decoded together on their kept encodings, so the
        long tail of record-writing rows is paid once rather than once per batch.
        """
        unique = list(dict.fromkeys(requests))
        answers: dict[GenerationRequest, str] = {}
        try:
            for same_prefix in self._by_prefix_length(unique).values():
                answers.update(self._answer(same_prefix))
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"generation failed with model {self.name!r}: {exc}") from exc
        return [answers[r] for r in requests]

    def _by_prefix_length(
        self, requests: Sequence[GenerationRequest]
    ) -> dict[int, list[tuple[GenerationRequest, list[int]]]]:
        """Requests with their decoder prefix ids, grouped by its length: a batch's decoder
        inputs must be of one length."""
        texts = list(dict.fromkeys(request.decoder_prefix for request in requests))
        encoded = self.tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []
        prefix_ids = dict(zip(texts, encoded, strict=True))
        groups: dict[int, list[tuple[GenerationRequest, list[int]]]] = {}
        for request in requests:
            ids = prefix_ids[request.decoder_prefix]
            groups.setdefault(len(ids), []).append((request, ids))
        return groups

    def _answer(
        self, rows: Sequence[tuple[GenerationRequest, list[int]]]
    ) -> dict[GenerationRequest, str]:
        from summarizer.decoding.batching import token_batches

        prompts = list(dict.fromkeys(request.prompt for request, _ in rows))
        encoded = self.tokenizer(prompts, truncation=True, max_length=self.config.max_input_tokens)[
            "input_ids"
        ]
        readers: dict[str, list[int]] = {}
        for index, (request, _) in enumerate(rows):
            readers.setdefault(request.prompt, []).append(index)
        answers: dict[int, str] = {}
        open_rows: list[OpenRow] = []
        budget, rows_cap = self.config.batch_tokens, self.config.batch_size
        for batch in token_batches([len(ids) for ids in encoded], budget, rows_cap):
            members = [(slot, i) for slot, p in enumerate(batch) for i in readers[prompts[p]]]
            texts, still_open = self._first_pass(
                [rows[i] for _, i in members], [encoded[p] for p in batch], [s for s, _ in members]
            )
            answers.update(zip((i for _, i in members), texts, strict=True))
            open_rows += [replace(row, index=members[row.index][1]) for row in still_open]
        for group in token_batches([row.length for row in open_rows], budget, rows_cap):
            texts = self._second_pass([open_rows[i] for i in group])
            answers.update(zip((open_rows[i].index for i in group), texts, strict=True))
        return {request: answers[i] for i, (request, _) in enumerate(rows)}

    def _rows(self, requests: Sequence[GenerationRequest]) -> list[RowConstraint] | None:
        if self.constraints is None:
            return None
        return [self.constraints.row(r.section, r.source, r.context) for r in requests]

    def _first_pass(
        self,
        rows: Sequence[tuple[GenerationRequest, list[int]]],
        input_ids: Sequence[list[int]],
        reads: Sequence[int],
    ) -> tuple[list[str], list[OpenRow]]:
        """Encode a batch of inputs once, and decode each row (``reads`` gives its input) just
        far enough to finish a ``none``."""
        import torch

        from summarizer.decoding.batching import finished

        inputs = self.tokenizer.pad({"input_ids": list(input_ids)}, return_tensors="pt")
        constraints = self._rows([request for request, _ in rows])
        prefixes = [prefix for _, prefix in rows]
        with torch.inference_mode():
            encoder = self.model.get_encoder()
            encoded = encoder(
                input_ids=inputs["input_ids"].to(self.device),
                attention_mask=inputs["attention_mask"].to(self.device),
            ).last_hidden_state
            which = torch.tensor(list(reads), device=self.device)
            hidden, mask = encoded[which], inputs["attention_mask"].to(self.device)[which]
            first = self._decode(
                hidden, mask, constraints, prefixes, self._triage_tokens, scores=True
            )
        abstained = self._abstained(first.scores[0]) if constraints is not None else set()
        texts = [
            NONE if i in abstained else text
            for i, text in enumerate(self._text(first.sequences, prefixes))
        ]
        forced = len(prefixes[0])
        still_open = [
            OpenRow(
                i,
                hidden[i][mask[i].bool()],
                None if constraints is None else constraints[i],
                prefixes[i],
            )
            for i, done in enumerate(finished(first.sequences[:, forced:], self._eos))
            if not done and i not in abstained
        ]
        return texts, still_open

    def _abstained(self, step_scores: Any) -> set[int]:
        """The rows of a batch whose first step gives ``none`` the model's abstention
        probability or more (see :mod:`summarizer.decoding.abstention`)."""
        from summarizer.decoding.abstention import abstains

        if self.abstain_at is None:
            return set()
        logits = step_scores[:: self.config.num_beams].float().cpu().numpy()
        return {i for i, row in enumerate(logits) if abstains(row, self._none_id, self.abstain_at)}

    def _second_pass(self, open_rows: Sequence[OpenRow]) -> list[str]:
        """Decode in full rows the first pass left open, on their kept encodings."""
        import torch
        from torch.nn.utils.rnn import pad_sequence

        hidden = pad_sequence([row.hidden for row in open_rows], batch_first=True)
        mask = pad_sequence(
            [torch.ones(row.length, dtype=torch.long, device=hidden.device) for row in open_rows],
            batch_first=True,
        )
        rows = [row.constraint for row in open_rows if row.constraint is not None]
        prefixes = [row.prefix for row in open_rows]
        with torch.inference_mode():
            output = self._decode(hidden, mask, rows or None, prefixes, self.config.max_new_tokens)
        return self._text(output.sequences, prefixes)

    def _decode(
        self,
        hidden: Any,
        mask: Any,
        rows: list[RowConstraint] | None,
        prefixes: Sequence[list[int]],
        max_new_tokens: int,
        scores: bool = False,
    ) -> Any:
        """Generate on kept encodings, each row after the decoder start token and its prefix
        (the prefixes all of one length). ``scores``: keep each step's scores (short passes
        only: a step's scores are a row per output and a column per vocabulary token)."""
        import torch
        from transformers import LogitsProcessorList
        from transformers.modeling_outputs import BaseModelOutput

        from summarizer.decoding.batching import restricted_output
        from summarizer.decoding.processor import CopyConstraintProcessor

        processors = LogitsProcessorList()
        vocabulary = None
        if rows is not None:
            processors.append(
                CopyConstraintProcessor(
                    rows, self.config.num_beams, self.config.record_bias, len(prefixes[0])
                )
            )
            vocabulary = set().union(*(row.vocabulary for row in rows))
        start = self.model.config.decoder_start_token_id
        decoder_input_ids = torch.tensor([[start, *p] for p in prefixes], device=hidden.device)
        with restricted_output(self.model, vocabulary):
            return self.model.generate(
                encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                attention_mask=mask,
                decoder_input_ids=decoder_input_ids,
                logits_processor=processors,
                max_new_tokens=max_new_tokens,
                num_beams=self.config.num_beams,
                do_sample=False,
                output_scores=scores,
                return_dict_in_generate=True,
            )

    def _text(self, sequences: Any, prefixes: Sequence[list[int]]) -> list[str]:
        """The written answers: what follows the decoder start token and the prefixes."""
        return self.tokenizer.batch_decode(  # type: ignore[no-any-return]
            sequences[:, 1 + len(prefixes[0]) :],
            skip_special_tokens=True,
            clean_up_tokenization_spaces=False,
        )


def pick_device(choice: DeviceChoice) -> str:
    import torch

    if choice == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if choice == "cuda" and not torch.cuda.is_available():
        raise ModelError("--device cuda was asked for, but no CUDA GPU is available")
    return choice


def _pick_dtype(choice: DtypeChoice, device: str) -> str:
    """``auto``: half precision on a GPU; on a CPU bfloat16 where oneDNN runs it natively."""
    import torch

    if choice != "auto":
        return choice
    if device == "cuda":
        return "float16"
    return "bfloat16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "float32"


def _load(model: str, device: str, dtype: str) -> tuple[Any, Any]:
    """A folder, or a hub id: from the hub cache first, and from the hub only after a quick
    check that it answers, so no network fails fast rather than after a minute of retries."""
    import torch
    from huggingface_hub import is_offline_mode
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch_dtype = {
        "float32": torch.float32,
        "float16": torch.float16,
        "bfloat16": torch.bfloat16,
    }[dtype]
    local = Path(model)
    if local.exists():
        check_model_dir(local)
        tokenizer, network = _from_pretrained(model, torch_dtype, "folder")
    else:
        _check_hub_id(model)
        try:
            tokenizer, network = _from_pretrained(model, torch_dtype, "hub id", cache_only=True)
        except ModelError:
            if is_offline_mode():
                raise ModelError(
                    f"cannot load model {model!r}: no such folder, not in the hub cache, "
                    "and HF_HUB_OFFLINE=1 is set"
                ) from None
            _check_hub_answers(model)
            tokenizer, network = _from_pretrained(model, torch_dtype, "hub id")
    if not getattr(tokenizer, "is_fast", False):
        raise ModelError(f"model {model!r} has no fast tokenizer; copy constraints need offsets")
    network.to(device).eval()
    return tokenizer, network


# Seconds the hub gets to answer before a model that is not cached is given up.
HUB_TIMEOUT_SECONDS = 5


def _from_pretrained(
    model: str, torch_dtype: Any, where: str, cache_only: bool = False
) -> tuple[Any, Any]:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    try:
        with quiet_hub():
            tokenizer = AutoTokenizer.from_pretrained(
                model, trust_remote_code=False, local_files_only=cache_only
            )
            network = AutoModelForSeq2SeqLM.from_pretrained(
                model,
                use_safetensors=True,
                trust_remote_code=False,
                dtype=torch_dtype,
                local_files_only=cache_only,
            )
    except Exception as exc:  # loaders raise OSError, ValueError, SafetensorError, bare Exception
        raise ModelError(f"cannot load model {model!r} as a {where}: {first_line(exc)}") from exc
    return tokenizer, network


def _check_hub_id(model: str) -> None:
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(model)
    except HFValidationError:
        raise ModelError(f"cannot load model {model!r}: no such folder, nor a hub id") from None


def _check_hub_answers(model: str) -> None:
    """One request, no retries: does the hub hold this model's config?"""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    try:
        with quiet_hub():
            get_hf_file_metadata(hf_hub_url(model, "config.json"), timeout=HUB_TIMEOUT_SECONDS)
    except Exception as exc:  # network, HTTP and offline errors share no base class
        raise ModelError(
            f"cannot load model {model!r}: no such folder, not in the hub cache, and the "
            f"hub did not serve it ({first_line(exc)})"
        ) from exc


@contextmanager
def quiet_hub() -> Iterator[None]:
    """No retry notices or warnings from transformers and huggingface_hub: errors only."""
    from huggingface_hub.utils import logging as hub_logging
    from transformers.utils import logging as hf_logging

    levels = hf_logging.get_verbosity(), hub_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hub_logging.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        hf_logging.set_verbosity(levels[0])
        hub_logging.set_verbosity(levels[1])


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


def check_model_dir(path: Path) -> None:
    """A clear error for a folder that is not a complete safetensors checkpoint."""
    if not path.is_dir():
        raise ModelError(f"model path {path} is not a folder")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if not any(path.glob("*.safetensors")):
        missing.append("*.safetensors")
    if not any((path / name).is_file() for name in ("tokenizer.json", "spiece.model")):
        missing.append("tokenizer.json")
    if missing:
        raise ModelError(f"model folder {path} is missing {', '.join(missing)}")


MODEL_CARD_DATA = "summarizer.json"


def trained_template_version(model_dir: Path) -> int | None:
    """The prompt template version a project-trained model was trained on, if it says."""
    data = _card_data(model_dir)
    if data is None:
        return None
    try:
        return int(data["template_version"])
    except (ValueError, KeyError, TypeError) as exc:
        where = model_dir / MODEL_CARD_DATA
        raise ModelError(f"{where}: needs an integer template_version") from exc


def resolved_abstain_at(config: BackendConfig) -> float | None:
    """The abstention threshold asked for, else the model's own (its ``abstain_at``), else
    none: every row is decoded greedily."""
    if config.abstain_at is not None:
        threshold: object = config.abstain_at
        where = "--abstain-at"
    else:
        data = _card_data(Path(config.model))
        threshold = None if data is None else data.get("abstain_at")
        where = f"{Path(config.model) / MODEL_CARD_DATA}: abstain_at"
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise ModelError(f"{where} must be a number, not {threshold!r}")
    if not 0.0 < threshold <= 1.0:
        raise ModelError(f"{where} must be above 0 and at most 1, not {threshold}")
    return float(threshold)


def _card_data(model_dir: Path) -> dict[str, Any] | None:
    path = model_dir / MODEL_CARD_DATA
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{path} must hold a JSON object")
    return data


def load_backend(config: BackendConfig) -> Backend:
    from summarizer import ct2

    if config.runtime == "ct2" and not ct2.available():
        raise ModelError("--runtime ct2 needs the ctranslate2 package: pip install ctranslate2")
    if config.runtime == "ct2" or (config.runtime == "auto" and _suits_ct2(config)):
        return ct2.CT2Backend(config)
    return HFBackend(config)


def _suits_ct2(config: BackendConfig) -> bool:
    from summarizer import ct2

    return (
        config.num_beams == 1
        and config.device in ("auto", "cpu")
        and config.dtype == "auto"
        and (Path(config.model) / "model.safetensors").is_file()
        and pick_device(config.device) == "cpu"
        and ct2.available()
    )
