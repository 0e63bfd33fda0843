"""The command line: the only place that prints, and that turns errors into exit codes."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from summarizer.backend import DEFAULT_RECORD_BIAS, Backend, BackendConfig, load_backend
from summarizer.errors import ConfigError, InputError, OutputError, SummarizerError

if TYPE_CHECKING:
    from summarizer.api import Summarizer
    from summarizer.batch import BatchReport
    from summarizer.dossier.schema import Dossier
    from summarizer.ingest import Article
    from summarizer.schema import Brief

EXIT_CODES = """Exit codes: 0 done; 1 unexpected failure; 2 bad usage or configuration;
3 an input could not be read as an article; 4 the model could not be loaded or run;
5 a prompt template is missing or broken; 6 the output could not be written (disk full,
not writable, a folder, or another `batch` run is writing it). `batch` exits 0 when the run
completes: bad items are recorded in its output with their reason."""

app = typer.Typer(
    help=f"Structured, grounded briefs of news articles.\n\n{EXIT_CODES}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from summarizer import __version__

        typer.echo(f"summarizer {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Structured, grounded briefs of news articles."""


ModelOption = Annotated[
    str | None,
    typer.Option("--model", help="Model folder or hub id. Default: the shipped model."),
]
DeviceOption = Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")]
DtypeOption = Annotated[str, typer.Option("--dtype", help="auto, float32, float16, bfloat16.")]
BatchSizeOption = Annotated[int, typer.Option("--batch-size", min=1, help="Prompts per batch.")]
BeamsOption = Annotated[
    int,
    typer.Option(
        "--beams",
        min=1,
        help="Beam width. 3 found 1-3 more validation facts in 237, at 2-3 times the time.",
    ),
]
RecordBiasOption = Annotated[
    float,
    typer.Option(
        "--record-bias",
        help="Logit bonus for writing another record while a sentence has unclaimed figures.",
    ),
]
AbstainOption = Annotated[
    float | None,
    typer.Option(
        "--abstain-at",
        help="Answer none for a sentence and section when the model's first-step probability "
        "of none is at least this. Default: the model's own threshold; 1 turns it off.",
    ),
]
RuntimeOption = Annotated[
    str,
    typer.Option(
        "--runtime",
        help="auto (CTranslate2 int8 for greedy decoding on a CPU where it is installed, "
        "else transformers), hf (transformers, the reference) or ct2.",
    ),
]
FreeOption = Annotated[
    bool,
    typer.Option("--free", help="Decode without copy constraints (for comparison only)."),
]


def _fail(error: SummarizerError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(error.exit_code)


@dataclass(frozen=True)
class _ModelChoice:
    """What the commands that run a model share: which model, where, and how it decodes."""

    model: str | None
    device: str
    dtype: str
    batch_size: int = 64
    beams: int = 1
    free: bool = False
    record_bias: float = DEFAULT_RECORD_BIAS
    runtime: str = "auto"
    abstain_at: float | None = None

    def summarizer(self) -> Summarizer:
        from summarizer.api import ModelOptions, Summarizer

        if self.device not in ("auto", "cpu", "cuda"):
            raise typer.BadParameter("--device must be auto, cpu or cuda")
        if self.dtype not in ("auto", "float32", "float16", "bfloat16"):
            raise typer.BadParameter("--dtype must be auto, float32, float16 or bfloat16")
        if self.runtime not in ("auto", "hf", "ct2"):
            raise typer.BadParameter("--runtime must be auto, hf or ct2")
        options = ModelOptions(
            device=self.device,
            dtype=self.dtype,
            runtime=self.runtime,
            batch_size=self.batch_size,
            beams=self.beams,
            constrained=not self.free,
            record_bias=self.record_bias,
            abstain_at=self.abstain_at,
        )
        return Summarizer(self.model, options)

    def config(self) -> BackendConfig:
        return self.summarizer().backend_config()

    def load(self) -> Backend:
        return load_backend(self.config())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename: a reader never sees half a file,
    and a failed write leaves neither half a file nor the temporary one behind."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
        ) as handle:
            temporary = Path(handle.name)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # as open() would make it, not mkstemp's 0600
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


BRIEF_FORMATS = ("json", "markdown", "html", "csv", "jsonl")


def _read_inputs(articles: list[str]) -> tuple[list[Article], InputError | None]:
    """Every readable article ("-" is standard input); each unreadable one is reported on
    its own line, and the first such error is returned."""
    from summarizer.ingest import parse_article, read_article

    readable, failed = [], None
    for name in articles:
        try:
            if name == "-":
                readable.append(parse_article(sys.stdin.buffer.read(), source="<stdin>"))
            else:
                readable.append(read_article(name))
        except InputError as error:
            typer.echo(f"error: {error}", err=True)
            failed = failed or error
    return readable, failed


def _check_output(output: Path | None) -> None:
    """An output path that cannot be written fails before the model loads."""
    if output is None:
        return
    if output.is_dir():
        raise OutputError(f"cannot write {output}: it is a folder")
    parent = output.parent if str(output.parent) else Path(".")
    existing = next((p for p in (parent, *parent.parents) if p.exists()), Path("."))
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise OutputError(f"cannot write {output}: {existing} is not a writable folder")


def _format_of(output_format: str | None, output: Path | None, default: str) -> str:
    if output_format is None and output is not None:
        by_suffix = {".md": "markdown", ".html": "html", ".htm": "html", ".csv": "csv",
                     ".jsonl": "jsonl", ".json": "json"}  # fmt: skip
        return by_suffix.get(output.suffix.lower(), default)
    return output_format or default


def _briefs_text(fmt: str, articles: list[Article], briefs: list[Brief]) -> str:
    from summarizer.views.html import briefs_page
    from summarizer.views.markdown import brief_to_markdown
    from summarizer.views.table import fact_rows, to_csv, to_jsonl

    if fmt == "markdown":
        return "\n".join(brief_to_markdown(b) for b in briefs)
    if fmt == "html":
        return briefs_page("Briefs", [(a.text, b) for a, b in zip(articles, briefs, strict=True)])
    if fmt in ("csv", "jsonl"):
        rows = [
            row for a, b in zip(articles, briefs, strict=True) for row in fact_rows(a.source, b)
        ]
        return to_csv(rows) if fmt == "csv" else to_jsonl(rows)
    dumped = [b.model_dump(mode="json") for b in briefs]
    return (
        json.dumps(dumped[0] if len(dumped) == 1 else dumped, indent=2, ensure_ascii=False) + "\n"
    )


def _emit(text: str, output: Path | None) -> None:
    if output:
        _write_atomically(output, text)
    else:
        sys.stdout.write(text)


FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="json (default), markdown, html (one self-contained page), csv or jsonl (one row "
        "per fact). Default: from the -o suffix.",
    ),
]


@app.command()
def brief(
    articles: Annotated[
        list[str], typer.Argument(help="Plain-text article files; - reads standard input.")
    ],
    model: ModelOption = None,
    device: DeviceOption = "auto",
    dtype: DtypeOption = "auto",
    batch_size: BatchSizeOption = 64,
    output_format: FormatOption = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    beams: BeamsOption = 1,
    free: FreeOption = False,
    record_bias: RecordBiasOption = DEFAULT_RECORD_BIAS,
    abstain_at: AbstainOption = None,
    runtime: RuntimeOption = "auto",
) -> None:
    """Brief each ARTICLE: JSON on stdout (an array when several are given).

    Example: summarizer brief seeds/003_36393d928e02eb65.txt --format markdown
    """
    fmt = _format_of(output_format, output, "json")
    if fmt not in BRIEF_FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(BRIEF_FORMATS)}")
    try:
        _check_output(output)
    except OutputError as error:
        raise _fail(error) from error
    readable, failed = _read_inputs(articles)
    if not readable:
        raise typer.Exit(failed.exit_code if failed else 2)
    try:
        choice = _ModelChoice(
            model, device, dtype, batch_size, beams, free, record_bias, runtime, abstain_at
        )
        briefs = choice.summarizer().briefs(readable)
        _emit(_briefs_text(fmt, readable, briefs), output)
    except SummarizerError as error:
        raise _fail(error) from error
    if failed:
        raise typer.Exit(failed.exit_code)


DOSSIER_FORMATS = ("json", "markdown", "html", "csv")


@app.command()
def dossier(
    articles: Annotated[
        list[Path], typer.Argument(help="Plain-text article files, or one folder of .txt files.")
    ],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="dossier.json, .md, .html or .csv (format by suffix)."),
    ] = None,
    output_format: Annotated[
        str | None, typer.Option("--format", help="json, markdown, html or csv.")
    ] = None,
    model: ModelOption = None,
    device: DeviceOption = "auto",
    runtime: RuntimeOption = "auto",
) -> None:
    """Brief every article, group them into events, and merge each event's records, flagging
    figures the articles disagree on.

    Example: summarizer dossier seeds/ -o dossier.html
    """
    from summarizer.batch import check_source
    from summarizer.dossier.events import default_encoder

    fmt = _format_of(output_format, output, "json")
    if fmt not in DOSSIER_FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(DOSSIER_FORMATS)}")
    paths = articles
    if len(articles) == 1 and articles[0].is_dir():
        try:
            check_source(articles[0])  # the folder check batch makes: some .txt must be there
        except SummarizerError as error:
            raise _fail(error) from error
        paths = sorted(articles[0].glob("*.txt"))
    try:
        _check_output(output)
    except OutputError as error:
        raise _fail(error) from error
    readable, failed = _read_inputs([str(p) for p in paths])
    if not readable:
        raise typer.Exit(failed.exit_code if failed else 2)
    try:
        reader = _ModelChoice(model, device, "auto", runtime=runtime).summarizer()
        result = reader.dossier(readable, default_encoder())
        _emit(_dossier_text(fmt, readable, result), output)
    except SummarizerError as error:
        raise _fail(error) from error
    typer.echo(
        f"{len(readable)} articles, {len(result.events)} events ({result.grouping})", err=True
    )
    if failed:
        raise typer.Exit(failed.exit_code)


def _dossier_text(fmt: str, articles: list[Article], result: Dossier) -> str:
    from summarizer.views.dossier import dossier_csv, dossier_html, dossier_markdown

    if fmt == "markdown":
        return dossier_markdown(result)
    if fmt == "html":
        return dossier_html(result, [a.text for a in articles])
    if fmt == "csv":
        return dossier_csv(result)
    return result.model_dump_json(indent=2) + "\n"


@app.command()
def batch(
    source: Annotated[Path, typer.Argument(help="A folder of .txt files or a .jsonl file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output JSON Lines file.")],
    model: ModelOption = None,
    device: DeviceOption = "auto",
    dtype: DtypeOption = "auto",
    batch_size: BatchSizeOption = 64,
    chunk_size: Annotated[int, typer.Option(help="Articles briefed together.")] = 8,
    beams: BeamsOption = 1,
    record_bias: RecordBiasOption = DEFAULT_RECORD_BIAS,
    abstain_at: AbstainOption = None,
    runtime: RuntimeOption = "auto",
    shard: Annotated[
        str,
        typer.Option(
            help="K/N: brief only every N-th item from the K-th (0-based), for N workers."
        ),
    ] = "0/1",
    engine: Annotated[
        str,
        typer.Option(
            help="local (this process) or ray (Ray Data actors, one model each; needs the "
            "ray extra; also reads Parquet)."
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            help="--engine ray: local (default: start Ray on this machine), auto (join the "
            "running cluster) or HOST:PORT."
        ),
    ] = None,
    actors: Annotated[
        int | None, typer.Option(min=1, help="--engine ray: model actors (default 1).")
    ] = None,
    gpus_per_actor: Annotated[
        float | None,
        typer.Option(min=0, help="--engine ray: GPUs (a fraction is fine) for each actor."),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(help="Also write one HTML page of every briefed article (local engine)."),
    ] = None,
    facts: Annotated[
        Path | None,
        typer.Option(help="Also write every fact, one row each, as .csv or .jsonl (local engine)."),
    ] = None,
) -> None:
    """Brief many articles into OUTPUT, one JSON line each; rerun to resume after a stop.

    Example: summarizer batch articles/ -o briefs.jsonl --html briefs.html --facts facts.csv
    """
    from rich.progress import Progress

    from summarizer.batch import (
        BatchConfig,
        BatchOutput,
        Shard,
        briefed_pairs,
        check_source,
        iter_inputs,
        run_batch,
        written_briefs,
    )
    from summarizer.pipeline import Pipeline
    from summarizer.views.html import briefs_page

    choice = _ModelChoice(
        model,
        device,
        dtype,
        batch_size,
        beams,
        record_bias=record_bias,
        runtime=runtime,
        abstain_at=abstain_at,
    )
    if engine == "ray":
        scale = _RayChoice(address or "local", actors or 1, gpus_per_actor or 0.0, chunk_size)
        _batch_on_ray(source, output, shard, choice, scale)
        return
    try:
        _check_local_engine(engine, source, address, actors, gpus_per_actor)
        skipped = check_source(source)
        _check_output(html)
        _check_output(facts)
        if facts is not None and facts.suffix.lower() not in (".csv", ".jsonl"):
            raise ConfigError(f"--facts {facts}: name a .csv or .jsonl file")
        part = Shard.parse(shard)
        total = sum(1 for _ in source.glob("*.txt")) if source.is_dir() else None
        with BatchOutput(output) as held, Progress(transient=True, console=None) as bar:
            pipeline = Pipeline(choice.load())  # after the lock: a second run is refused at once
            task = bar.add_task("briefing", total=None if total is None else part.size(total))
            report = run_batch(
                pipeline,
                part.select(iter_inputs(source)),
                held,
                BatchConfig(chunk_size=chunk_size),
                progress=lambda n: bar.advance(task, n),
            )
        if html is not None:
            pairs = briefed_pairs(source, output)
            _write_atomically(html, briefs_page(f"Batch: {source}", pairs))
        if facts is not None:
            _write_atomically(facts, _facts_text(facts, written_briefs(output)))
    except SummarizerError as error:
        raise _fail(error) from error
    _batch_summary(report, output, skipped)


def _facts_text(path: Path, briefs: dict[str, Brief]) -> str:
    from summarizer.views.table import fact_rows, to_csv, to_jsonl

    rows = [row for item, brief in briefs.items() for row in fact_rows(item, brief)]
    return to_csv(rows) if path.suffix.lower() == ".csv" else to_jsonl(rows)


def _batch_summary(report: BatchReport, output: Path, skipped: list[str] | None = None) -> None:
    typer.echo(
        f"{report.written} briefed, {report.failed} bad inputs recorded, "
        f"{report.skipped} already done -> {output}",
        err=True,
    )
    if skipped:
        more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        shown = ", ".join(skipped[:10]) + more
        typer.echo(f"skipped (not .txt): {shown}", err=True)
    if report.written == 0 and report.skipped == 0 and report.failed > 0:
        typer.echo("error: no readable articles: every input was recorded as bad", err=True)
        raise typer.Exit(InputError.exit_code)


def _check_local_engine(
    engine: str, source: Path, address: str | None, actors: int | None, gpus: float | None
) -> None:
    if engine != "local":
        raise ConfigError(f"--engine must be local or ray, not {engine!r}")
    if address is not None or actors is not None or gpus is not None:
        raise ConfigError("--address, --actors and --gpus-per-actor need --engine ray")
    if source.suffix == ".parquet":
        raise ConfigError(f"{source}: Parquet input needs --engine ray")


@dataclass(frozen=True)
class _RayChoice:
    address: str
    actors: int
    gpus_per_actor: float
    chunk_size: int


def _batch_on_ray(
    source: Path, output: Path, shard: str, choice: _ModelChoice, scale: _RayChoice
) -> None:
    """`batch --engine ray`: the same records, briefed by a pool of Ray actors."""
    from rich.progress import Progress

    from summarizer.batch import BatchOutput

    try:
        from summarizer.scale import ScaleConfig, require_ray, run_on_ray

        require_ray()  # first: without the extra, one line at once
        if shard != "0/1":
            raise ConfigError("--shard is for the local engine; Ray splits the work itself")
        config = ScaleConfig(
            backend=choice.config(),
            actors=scale.actors,
            gpus_per_actor=scale.gpus_per_actor,
            chunk_size=scale.chunk_size,
        )
        with BatchOutput(output) as held, Progress(transient=True, console=None) as bar:
            task = bar.add_task("briefing on Ray", total=None)
            report = run_on_ray(
                source, held, config, scale.address, progress=lambda n: bar.advance(task, n)
            )
    except SummarizerError as error:
        raise _fail(error) from error
    _batch_summary(report, output)


@app.command("eval")
def evaluate_command(
    refs: Annotated[Path, typer.Option(help="Folder of articles and *.ref.json.")] = Path("seeds"),
    model: ModelOption = None,
    device: DeviceOption = "auto",
    dtype: DtypeOption = "auto",
    out: Annotated[Path, typer.Option(help="Folder for report.json and report.md.")] = Path(
        "reports/eval"
    ),
    beams: BeamsOption = 1,
    free: FreeOption = False,
    record_bias: RecordBiasOption = DEFAULT_RECORD_BIAS,
    abstain_at: AbstainOption = None,
    runtime: RuntimeOption = "auto",
) -> None:
    """Score briefs of the reference articles: factual recall per article and section.

    Example: summarizer eval --refs seeds --out reports/eval
    """
    from rich.console import Console
    from rich.table import Table

    from summarizer.evaluation.run import (
        EvalConfig,
        evaluate_pipeline,
        markdown_report,
        reference_dataset,
    )
    from summarizer.pipeline import Pipeline
    from summarizer.schema import SECTIONS
    from summarizer.views.html import evaluation_page

    try:
        dataset = reference_dataset(refs)  # before the model loads: a wrong path fails at once
        _check_output(out / "report.json")
        backend = _ModelChoice(
            model, device, dtype, 64, beams, free, record_bias, runtime, abstain_at
        ).load()
        result = evaluate_pipeline(Pipeline(backend), EvalConfig(refs=refs), dataset)
        _write_atomically(out / "report.json", json.dumps(result, indent=2, ensure_ascii=False))
        _write_atomically(out / "report.md", markdown_report(result, backend.name))
        page = evaluation_page(f"Evaluation: {refs} ({backend.name})", dataset["text"], result)
        _write_atomically(out / "report.html", page)
    except SummarizerError as error:
        raise _fail(error) from error
    table = Table(title=f"Factual recall ({backend.name})")
    for column in ("article", *SECTIONS, "overall", "precision", "dropped"):
        table.add_column(column)
    for row in [*result["articles"], {**result["overall"], "article": "all"}]:
        table.add_row(
            row["article"],
            *[_fraction(row["sections"][s]) for s in SECTIONS],
            _fraction(row),
            "n/a" if row["precision"] is None else f"{row['precision']:.2f}",
            str(row["dropped_values"]),
        )
    Console().print(table)
    typer.echo(f"reports: {out / 'report.json'}, {out / 'report.md'}, {out / 'report.html'}")


def _fraction(scores: dict[str, object]) -> str:
    recall = scores["recall"]
    shown = "n/a" if recall is None else f"{recall:.2f}"
    return f"{shown} ({scores['matched']}/{scores['expected']})"


@app.command()
def train(
    config: Annotated[Path, typer.Option("--config", help="Training config (YAML).")],
    device: Annotated[
        str | None, typer.Option("--device", help="auto, cpu or cuda (default: the config's).")
    ] = None,
    minutes: Annotated[
        float | None, typer.Option("--minutes", help="Wall-clock budget (default: the config's).")
    ] = None,
) -> None:
    """Train a brief model from the annotations (needs the training extra).

    A run stopped by its --minutes budget saves its model as it stands and keeps its
    checkpoint: the same command resumes it (so does a killed run, from its last checkpoint).

    Example: summarizer train --config models/brief-minilm.yaml --device cuda
    """
    import logging

    if not config.is_file():  # before torch loads with the training module
        raise _fail(ConfigError(f"{config}: no such training config"))
    from summarizer.training.train import load_config
    from summarizer.training.train import train as run_training

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        report = run_training(load_config(config, device=device, minutes=minutes))
    except SummarizerError as error:
        raise _fail(error) from error
    typer.echo(json.dumps(report, indent=2))


@app.command()
def schema() -> None:
    """Print the JSON Schema of a brief.

    Example: summarizer schema > brief.schema.json
    """
    from summarizer.schema import Brief

    typer.echo(json.dumps(Brief.model_json_schema(), indent=2))
