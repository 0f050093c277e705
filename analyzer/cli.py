"""The ``kernlog`` command: options in, one library call, rendered result out.

Only this module imports typer. Heavy libraries (pandas, pyarrow, scikit-learn, matplotlib) are
imported inside the commands that need them, so ``kernlog --help`` is instant. Library exceptions
become exit codes in exactly one place, :func:`main`.
"""

from __future__ import annotations

import enum
import functools
import inspect
import sys
import typing
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import options as opts
from .errors import KernlogError, UsageError


class ExitStatus(enum.IntEnum):
    OK = 0
    CHECK_FAILED = 1  # findings at/above --fail-on; failing pattern examples
    USAGE_OR_INPUT = 2  # bad options, or input that cannot be read at all
    HOSTS_FAILED = 3  # batch finished but some hosts failed


class ReportFormat(str, enum.Enum):
    markdown = "markdown"
    json = "json"


class EventFormat(str, enum.Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class TemplateFormat(str, enum.Enum):
    jsonl = "jsonl"
    markdown = "markdown"


class Severity(str, enum.Enum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"
    critical = "critical"


class HostFrom(str, enum.Enum):
    dir = "dir"
    logs = "logs"


app = typer.Typer(
    name="kernlog",
    help="Kernel-log post-mortem analyzer and incident correlator for Linux and Xen hosts.\n\n"
    "Example: kernlog analyze sosreport-xen07.tar.xz -o xen07.md",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
patterns_app = typer.Typer(
    help="List, show and test the pattern library.\n\nExample: kernlog patterns show "
    "xen.netback.memory_squeeze",
    no_args_is_help=True,
)
app.add_typer(patterns_app, name="patterns")

# --------------------------------------------------------------------------------------------
# Options shared by several commands (they mean the same everywhere)

Paths = Annotated[list[str], typer.Argument(help="Files, directories, archives or - for stdin.")]
OutFile = Annotated[Optional[Path], typer.Option("-o", "--output", help="Write here instead of stdout.")]
HostOpt = Annotated[Optional[str], typer.Option("--host", help="Host name to use (default: from sosreport hostname, syslog host field, or the path).")]
PatternsOpt = Annotated[Optional[list[Path]], typer.Option("--patterns", help="Extra pattern directory (repeatable); a pattern with an existing id replaces it.")]
YearOpt = Annotated[Optional[int], typer.Option("--year", help="Year of year-less syslog lines (default: inferred).")]
TzOpt = Annotated[Optional[str], typer.Option("--tz", help="Zone of timestamps that carry none, e.g. Europe/Berlin (default: the host's zone from its sosreport, else UTC).")]
SinceOpt = Annotated[Optional[str], typer.Option("--since", help='Only events from this time, e.g. "2009-03-06 14:00" or "yesterday".')]
UntilOpt = Annotated[Optional[str], typer.Option("--until", help="Only events up to this time.")]
GapOpt = Annotated[float, typer.Option("--episode-gap", help="Minutes between problem events of one episode.")]
MaxLineOpt = Annotated[int, typer.Option("--max-line-bytes", help="Longer lines are cut and counted.")]
MaxFileOpt = Annotated[int, typer.Option("--max-file-bytes", help="Decompressed bytes read per file at most.")]
MaxFilesOpt = Annotated[int, typer.Option("--max-files", help="Files read per host at most; the rest are skipped and counted.")]
TracebackOpt = Annotated[bool, typer.Option("--traceback", help="Show the Python traceback of an error (for developers).")]
RedactOpt = Annotated[bool, typer.Option("--redact", help="Mask host names, IP/MAC addresses and user names in the output (the same value gets the same mask).")]


_COMMON_PARAMS = [
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
    for name, annotation, default in (
        ("host", HostOpt, None),
        ("patterns", PatternsOpt, None),
        ("year", YearOpt, None),
        ("tz", TzOpt, None),
        ("since", SinceOpt, None),
        ("until", UntilOpt, None),
        ("episode_gap", GapOpt, opts.DEFAULT_EPISODE_GAP_MINUTES),
        ("max_line_bytes", MaxLineOpt, opts.DEFAULT_MAX_LINE_BYTES),
        ("max_file_bytes", MaxFileOpt, opts.DEFAULT_MAX_FILE_BYTES),
        ("max_files", MaxFilesOpt, opts.DEFAULT_MAX_FILES),
        ("traceback", TracebackOpt, False),
    )
]
_COMMON_NAMES = [p.name for p in _COMMON_PARAMS]

COMMON = None  # placeholder default: common_options fills ``options`` in


def common_options(fn):
    """Give a command the options every command shares (DESIGN.md COMMON), declared once.

    The command takes ``options: Options``; its CLI signature gets ``--host``, ``--patterns``,
    ``--year``, ``--tz``, ``--since``, ``--until``, ``--episode-gap``, ``--max-line-bytes``,
    ``--max-file-bytes``, ``--max-files`` and ``--traceback`` instead, converted here once.
    Errors inside the command become one line and an exit code (see :func:`guarded`).
    """
    sig = inspect.signature(fn)
    hints = typing.get_type_hints(fn, include_extras=True)  # resolve postponed annotations
    own = [p.replace(annotation=hints.get(p.name, p.annotation))
           for p in sig.parameters.values() if p.name != "options"]

    @functools.wraps(fn)
    def run(*args, **kwargs):  # under ``guarded``: a bad option value is one line, exit 2
        common = {name: kwargs.pop(name) for name in _COMMON_NAMES if name != "traceback"}
        kwargs["options"] = opts.build_options(
            host=common["host"], patterns=tuple(common["patterns"] or ()),
            year=common["year"], tz=common["tz"], since=common["since"],
            until=common["until"], episode_gap_minutes=common["episode_gap"],
            max_line_bytes=common["max_line_bytes"], max_file_bytes=common["max_file_bytes"],
            max_files=common["max_files"])
        return fn(*args, **kwargs)

    wrapper = guarded(run)  # takes ``traceback`` itself
    wrapper.__signature__ = sig.replace(parameters=own + _COMMON_PARAMS)
    wrapper.__annotations__ = {p.name: p.annotation for p in own + _COMMON_PARAMS}
    return wrapper


def _write(text: str, output: Path | None) -> None:
    from .output import emit

    emit(text, output=output, stdout=sys.stdout)


def guarded(fn):
    """Turn library exceptions into a one-line message and an exit code: the one place."""

    @functools.wraps(fn)
    def wrapper(*args, traceback: bool = False, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except KernlogError as e:
            if traceback:
                raise
            typer.echo(f"kernlog: error: {e}", err=True)
            raise typer.Exit(ExitStatus.USAGE_OR_INPUT) from None
        except BrokenPipeError:
            raise
        except Exception as e:  # a bug: still one line unless --traceback
            if traceback:
                raise
            typer.echo(f"kernlog: internal error: {type(e).__name__}: {e} "
                       "(rerun with --traceback and report it)", err=True)
            raise typer.Exit(ExitStatus.USAGE_OR_INPUT) from None

    return wrapper


# --------------------------------------------------------------------------------------------
# Commands


@app.command()
@common_options
def analyze(
    paths: Paths,
    output: OutFile = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="Report format.")] = ReportFormat.markdown,
    fail_on: Annotated[Optional[Severity], typer.Option("--fail-on", help="Exit 1 when a finding of this severity or worse exists.")] = None,
    chart: Annotated[Optional[Path], typer.Option("--chart", help="Write the timeline chart (PNG) here and link it (default with -o NAME.md: NAME.png).")] = None,
    redact: RedactOpt = False,
    options: opts.Options = COMMON,
) -> None:
    """Analyse one host's logs and write a root-cause report.

    Example: kernlog analyze sample_logs/xen07-incident -o xen07.md
    """
    from .pipeline import analyze as run_analysis
    from .report import write_report

    report = run_analysis(paths, options=options)
    if redact:
        from .redact import redact_report

        report = redact_report(report)
    write_report(report, fmt=format.value, output=output, chart=chart, stdout=sys.stdout)
    if fail_on is not None and report_has_severity(report, fail_on.value):
        raise typer.Exit(ExitStatus.CHECK_FAILED)


def report_has_severity(report, severity: str) -> bool:
    from .model import SEVERITY_RANK

    floor = SEVERITY_RANK[severity]
    return any(SEVERITY_RANK.get(f.severity, 0) >= floor for f in report.findings)


@app.command()
@common_options
def events(
    paths: Paths,
    output: OutFile = None,
    format: Annotated[EventFormat, typer.Option("--format", help="Output format.")] = EventFormat.jsonl,
    tagged_only: Annotated[bool, typer.Option("--tagged-only", help="Only events a pattern recognised.")] = False,
    options: opts.Options = COMMON,
) -> None:
    """Write the normalized event table (one event per line in jsonl).

    Example: kernlog events /var/log/kern.log --tagged-only --format csv -o events.csv
    """
    if format is EventFormat.parquet and output is None:
        raise UsageError("--format parquet needs -o FILE (parquet is binary)")
    from .events_io import write_events
    from .pipeline import read_host

    # --tagged-only: the streaming read (untagged lines become numbers, no message shapes)
    host_events = read_host(paths, options=options, keep_untagged=not tagged_only,
                            shapes=not tagged_only)
    write_events(host_events, fmt=format.value, output=output, tagged_only=tagged_only,
                 stdout=sys.stdout)


@app.command()
@common_options
def batch(
    roots: Annotated[list[str], typer.Argument(help="Directories whose subdirectories/archives are hosts.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory for the reports.")],
    jobs: Annotated[Optional[int], typer.Option("--jobs", help="Parallel host jobs on this machine (default: CPU count).")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask distributed scheduler address, e.g. tcp://10.0.0.5:8786.")] = None,
    host_from: Annotated[HostFrom, typer.Option("--host-from", help="Name hosts after their directory/archive, or after the name in their logs.")] = HostFrom.dir,
    redact: RedactOpt = False,
    options: opts.Options = COMMON,
) -> None:
    """Analyse many hosts (one per subdirectory or archive) and write a fleet summary.

    Example: kernlog batch /srv/sosreports -o reports/ --jobs 8
    """
    from .batch import run_batch

    result = run_batch(roots, output=output, options=options, jobs=jobs, scheduler=scheduler,
                       host_from=host_from.value, progress=sys.stderr.isatty(), redact=redact)
    sys.stdout.write(result.summary_line() + "\n")
    if result.failed:
        raise typer.Exit(ExitStatus.HOSTS_FAILED)


@app.command()
@common_options
def templates(
    paths: Paths,
    output: OutFile = None,
    format: Annotated[TemplateFormat, typer.Option("--format", help="Output format.")] = TemplateFormat.jsonl,
    untagged_only: Annotated[bool, typer.Option("--untagged-only", help="Only lines no pattern recognised.")] = False,
    options: opts.Options = COMMON,
) -> None:
    """Group messages into templates (numbers, addresses, devices masked).

    Example: kernlog templates kern.log --untagged-only --format markdown
    """
    from .pipeline import read_host
    from .templates import render_templates

    host_events = read_host(paths, options=options)
    _write(render_templates(host_events.events, fmt=format.value, untagged_only=untagged_only),
           output)


@patterns_app.command("list")
@guarded
def patterns_list(patterns: PatternsOpt = None) -> None:
    """List every pattern: id, category, severity, description.

    Example: kernlog patterns list --patterns ./my-patterns
    """
    from .patterns import load_library

    lib = load_library(tuple(patterns or ()))
    lines = [f"patterns {lib.version}: {len(lib.patterns)} patterns"]
    for p in sorted(lib.patterns, key=lambda p: p.id):
        desc = " ".join(str(p.description or "").split())
        lines.append(f"{p.id}\t{p.category}\t{p.severity}\t{desc}")
    _write("\n".join(lines) + "\n", None)


@patterns_app.command("show")
@guarded
def patterns_show(pattern_id: Annotated[str, typer.Argument(help="Pattern id.")],
                  patterns: PatternsOpt = None) -> None:
    """Show one pattern in full.

    Example: kernlog patterns show dma.swiotlb_full
    """
    import yaml

    from .patterns import load_library

    lib = load_library(tuple(patterns or ()))
    try:
        p = lib.get(pattern_id)
    except KeyError:
        raise UsageError(f"no pattern with id {pattern_id!r} (see `kernlog patterns list`)") from None
    fields = {k: v for k, v in p.to_dict().items() if v not in (None, (), [], {})}
    _write(yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=100), None)


@patterns_app.command("test")
@guarded
def patterns_test(directory: Annotated[Optional[Path], typer.Argument(help="A pattern directory to test (default: the library).")] = None,
                  patterns: PatternsOpt = None) -> None:
    """Run every pattern's match/no_match examples; exit 1 listing failures.

    Example: kernlog patterns test ./my-patterns
    """
    from .patterns import load_library

    dirs = tuple(patterns or ()) + ((directory,) if directory else ())
    lib = load_library(dirs)
    failures = lib.test_examples()
    if failures:
        out = [f"{len(failures)} example(s) failed:"]
        out += [f"  {f}" for f in failures]
        _write("\n".join(out) + "\n", None)
        raise typer.Exit(ExitStatus.CHECK_FAILED)
    count = sum(len(p.examples) for p in lib.patterns)
    _write(f"all examples pass: {len(lib.patterns)} patterns, {count} examples\n", None)


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        app(args=argv)
    except KeyboardInterrupt:
        sys.stderr.write("kernlog: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
