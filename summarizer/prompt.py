"""Route sentences to the section prompts that may concern them, and render those prompts.

Templates are versioned files, ``extract_<section>.v<N>.jinja``, rendered in a sandbox with
``StrictUndefined`` so a missing variable is an error, never an empty string.

Templates from v4 also show read-only context after the sentence: the headline and the two
sentences before it (``before``) and the one after it (``after``), so a model can tell whose
figure a sentence gives or which troops an order binds. Values are still copied from the
sentence alone.

Template v6 goes back to v3's input (no context: with the same recipe, the v5 model recalled
less on real copy than the v3 one, 0.654 against 0.709 on realnews-dev), and its encoder
input names no section: one template, ``read_sentence``, renders the sentence, and the
section is the decoder's forced first token instead. A
sentence routed to several sections is then encoded once and decoded once per section from
that one encoding; before v6 each section's instruction made its own encoder input.

Templates from v3 pass the sentence through ``mark_acronyms``: an uncased tokenizer reads
"IS", "US" or "WHO" as the words "is", "us" and "who", so each all-capital word gets a marker
the model can see. Only the prompt changes; values are still copied from the sentence itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import StrictUndefined
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment

from summarizer.errors import TemplateError
from summarizer.schema import SECTIONS, Section, TemplateRef
from summarizer.segment import Sentence

TEMPLATE_VERSION = 1
ACRONYM_MARK = "^"
# A word of two or more capitals; augmentation swaps exactly these words.
ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_TEMPLATE_NAME = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.jinja$")

_TRIGGERS: dict[Section, re.Pattern[str]] = {
    "casualties": re.compile(
        r"kill|dead|death|die[ds]?\b|dying|wound|injur|hurt|missing|casualt|bodies|body of"
        r"|lives|life|perish|fatal|shot|toll|massacre|drown|victim|hospital|critical condition"
        r"|murder|lynch|manslaughter|harm|burns|asphyxiat|unaccounted|slain|behead|execut"
        r"|crash|bomb|stab|trampl|\bmemory|\blost\b|neutrali[sz]|buried|deceased",
        re.IGNORECASE,
    ),
    "displacement": re.compile(
        r"fled|flee|displac|evacuat|homeless|refugee|asylum|homes|leave|left|forced"
        r"|shelter|uproot|exodus|refuge|driven from|relocat|crossed|cross into|moved|abandon"
        r"|spent the night|taken by bus|camps?\b|migrant|stranded|evacuee|in the open|tents?\b"
        r"|reception|registered|arriv|housed|sleeping",
        re.IGNORECASE,
    ),
    "escapes": re.compile(
        r"escap|broke out|break out|breakout|jailbreak|on the run|recaptur|freed|fled"
        r"|absconded|bust|prison|jail|inmate|detainee|custody|at large|arrest|caught|scaled"
        r"|tunnel|got out|walked (?:away|out)|missing from|brought back|gave themselves up"
        r"|handed themselves|returned",
        re.IGNORECASE,
    ),
    "orders": re.compile(
        r"order|evacuat|curfew|emergency|\bban|closure|closed|withdr|pull(?:ed)? out|told"
        r"|direct|instruct|command|decree|surrender|ultimatum|must|requir|deploy|call(?:ed)? for"
        r"|impos|martial law|lockdown|mobili|allowed|prohibit|freeze|suspend|declar|outlaw"
        r"|demand|deadline|\bsent\b|send|given|have to|has to|reject|stood down|assemble"
        r"|cancel|restrict|halt|authori[sz]|decision|decided|sanction|expel|lift|pull(?:ed|s)? back"
        r"|reinforc|troops|soldiers|repatriat|postpone",
        re.IGNORECASE,
    ),
}


CONTEXT_BEFORE = 2
CONTEXT_AFTER = 1
# The first template version that shows the context.
# The versions that show the context, and those whose context fields may copy their value
# from it (guide rule 24).
CONTEXT_VERSIONS = frozenset({4, 5})
CONTEXT_VALUES_VERSIONS = frozenset({5})
# The first whose encoder input is the same for every section (the section is a decoder prefix).
ENCODE_ONCE_VERSION = 6
READ_TEMPLATE = "read_sentence"


@dataclass(frozen=True)
class Context:
    before: str
    after: str
    # The sentences ``before`` and ``after`` are joined from, in article order.
    sentences: tuple[Sentence, ...] = ()


NO_CONTEXT = Context("", "")


def contexts(sentences: Sequence[Sentence]) -> list[Context]:
    """The read-only context of each sentence: the headline lines and the ``CONTEXT_BEFORE``
    sentences before it, and the ``CONTEXT_AFTER`` after it. The headline lines before the
    window are collected once as the window moves, not searched again for every sentence."""
    found: list[Context] = []
    headlines: list[Sentence] = []
    for position in range(len(sentences)):
        first = max(0, position - CONTEXT_BEFORE)
        if first > 0 and sentences[first - 1].headline:  # the line that just left the window
            headlines.append(sentences[first - 1])
        before = [*headlines, *sentences[first:position]]
        after = sentences[position + 1 : position + 1 + CONTEXT_AFTER]
        found.append(
            Context(
                " ".join(s.text for s in before),
                " ".join(s.text for s in after),
                (*before, *after),
            )
        )
    return found


@dataclass(frozen=True)
class Prompt:
    section: Section
    sentence: Sentence
    text: str
    template: TemplateRef
    # The sentence's context, shown in v4 and v5, and a copy source in v5.
    context: Context = NO_CONTEXT
    # What the decoder is given before it writes (from v6: the section's name).
    decoder_prefix: str = ""

    @property
    def context_texts(self) -> tuple[str, ...]:
        """What context fields may copy from besides the sentence (none before v5)."""
        return copy_sources(self.context, self.template.version)


def template_dir() -> Path:
    """Templates ship inside the wheel as ``summarizer/prompts``; a checkout keeps ``prompts/``."""
    packaged = Path(__file__).parent / "prompts"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "prompts"


def mark_acronyms(text: str) -> str:
    """``text`` with :data:`ACRONYM_MARK` before every word of two or more capitals."""
    return ACRONYM.sub(lambda m: ACRONYM_MARK + m.group(), text)


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False
    )
    environment.filters["mark_acronyms"] = mark_acronyms
    return environment


@cache
def load_template(name: str, version: int = TEMPLATE_VERSION) -> tuple[TemplateRef, object]:
    path = template_dir() / f"{name}.v{version}.jinja"
    if not path.is_file():
        raise TemplateError(f"prompt template {path.name} not found in {path.parent}")
    try:
        template = _environment().from_string(path.read_text(encoding="utf-8"))
    except JinjaError as exc:
        raise TemplateError(f"{path.name}: {exc}") from exc
    return TemplateRef(name=name, version=version), template


def render(name: str, version: int = TEMPLATE_VERSION, **variables: str) -> str:
    ref, template = load_template(name, version)
    try:
        return template.render(**variables).strip()  # type: ignore[attr-defined, no-any-return]
    except JinjaError as exc:
        raise TemplateError(f"{ref.name}.v{ref.version}: {exc}") from exc


def section_template(section: Section, version: int = TEMPLATE_VERSION) -> str:
    """The template of a section's encoder input: its own before v6, one shared from v6."""
    return READ_TEMPLATE if version >= ENCODE_ONCE_VERSION else f"extract_{section}"


def decoder_prefix(section: Section, version: int) -> str:
    """The text the decoder is forced to start with: the section's name from v6, else none."""
    return section if version >= ENCODE_ONCE_VERSION else ""


def may_hold(section: Section, sentence: Sentence) -> bool:
    return bool(_TRIGGERS[section].search(sentence.text))


def build_prompts(
    sentences: list[Sentence],
    route: bool = True,
    version: int = TEMPLATE_VERSION,
    headlines: bool = False,
) -> list[Prompt]:
    """One prompt per (sentence, section), skipping pairs the router rules out, and headline
    lines unless ``headlines``."""
    prompts = []
    for sentence, context in zip(sentences, contexts(sentences), strict=True):
        if sentence.headline and not headlines:
            continue
        rendered: dict[str, str] = {}  # from v6 the sections share one encoder input
        for section in SECTIONS:
            if route and not may_hold(section, sentence):
                continue
            name = section_template(section, version)
            ref, _ = load_template(name, version)
            if name not in rendered:
                rendered[name] = render_sentence(name, version, sentence.text, context)
            text = rendered[name]
            prefix = decoder_prefix(section, version)
            prompts.append(Prompt(section, sentence, text, ref, context, prefix))
    return prompts


def copy_sources(context: Context, version: int) -> tuple[str, ...]:
    """The context texts a value may be copied from under templates of ``version``."""
    return (context.before, context.after) if version in CONTEXT_VALUES_VERSIONS else ()


def render_sentence(name: str, version: int, sentence: str, context: Context) -> str:
    """A section's prompt for one sentence; templates before v4 leave the context out."""
    return render(name, version, sentence=sentence, before=context.before, after=context.after)


def available_templates() -> list[str]:
    return sorted(p.name for p in template_dir().glob("*.jinja") if _TEMPLATE_NAME.match(p.name))
