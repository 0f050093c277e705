"""Many hosts: one job per host on a local process pool, or on a Dask distributed cluster.

    >>> from analyzer.options import build_options
    >>> result = run_batch(["sample_logs"], output=Path("out"),
    ...                    options=build_options())                # doctest: +SKIP
    >>> result.summary_line()                                    # doctest: +SKIP
    '5 hosts: 5 ok, 0 failed; findings: xen-dom0-balloon-netback-squeeze (1), ...'

Every immediate subdirectory or archive of a ROOT is one host. Each host's job is the same
function on either engine (:func:`host_job`): it writes ``<host>.md`` (with its chart) and
``<host>.json`` and returns a small summary plus the host's tagged events. A host that fails
is reported ``failed`` with a one-line reason; the others finish. The fleet summary is
``fleet.json``, ``fleet.md`` and ``events.parquet`` (tagged events of all hosts).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .errors import InputError, KernlogError, UsageError
from .options import Options

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2",
                    ".tar.zst", ".tzst")
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


@dataclass(frozen=True)
class HostJob:
    name: str  # display name (directory or archive stem)
    paths: tuple[str, ...]
    file_stem: str  # safe, unique file name stem for its reports
    central: bool = False  # a log file of several hosts (central syslog): split by host field


@dataclass
class BatchResult:
    output: Path
    hosts: list[dict] = field(default_factory=list)  # fleet.json "hosts"
    findings: dict = field(default_factory=dict)  # finding id -> [hosts]

    @property
    def failed(self) -> list[dict]:
        return [h for h in self.hosts if h["status"] == "failed"]

    def summary_line(self) -> str:
        ok = len(self.hosts) - len(self.failed)
        parts = ", ".join(f"{fid} ({len(hosts)})" for fid, hosts in sorted(self.findings.items()))
        return (f"{len(self.hosts)} hosts: {ok} ok, {len(self.failed)} failed; "
                f"findings: {parts or 'none'}; reports in {self.output}")


def archive_stem(name: str) -> str | None:
    low = name.lower()
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if low.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


#: Files at a batch root that are documentation, not a central log of several hosts.
DOCUMENT_SUFFIXES = (".md", ".rst", ".html", ".htm", ".pdf", ".json", ".yaml", ".yml", ".csv",
                     ".png", ".jpg", ".py", ".sh")


def _is_document(name: str) -> bool:
    low = name.lower()
    return low.endswith(DOCUMENT_SUFFIXES) or low.startswith(("readme", "license", "copying"))


def safe_stem(name: str) -> str:
    """A host name made safe as a file name: no separators, dots-only or control characters."""
    stem = _UNSAFE.sub("_", name).strip("._-") or "host"  # no leading "-": not an option
    return stem[:100]


def find_hosts(roots: Sequence[str]) -> list[HostJob]:
    """Immediate subdirectories and archives of each root; names made safe and unique."""
    found: list[tuple[str, str]] = []
    for root in roots:
        path = Path(root)
        if not path.is_dir():
            raise UsageError(f"{root}: not a directory (batch takes directories whose "
                             "subdirectories or archives are hosts; use `kernlog analyze` for one host)")
        try:
            children = sorted(path.iterdir(), key=lambda p: p.name)
        except OSError as e:
            raise InputError(f"{root}: cannot list: {e.strerror or e}") from None
        for child in children:
            if child.name.startswith("."):
                continue
            if child.is_dir():
                found.append((child.name, str(child)))
            elif child.is_file() and archive_stem(child.name):
                found.append((archive_stem(child.name), str(child)))
            elif child.is_file() and not _is_document(child.name):
                found.append((child.name, str(child), True))  # a central log: lines name hosts
    jobs, used = [], set()
    for name, p, *central in found:
        stem = base = safe_stem(name)
        n = 2
        while stem.lower() in used or stem.lower() == "fleet" or stem.lower() == "events":
            stem = f"{base}-{n}"
            n += 1
        used.add(stem.lower())
        jobs.append(HostJob(name=name, paths=(p,), file_stem=stem, central=bool(central)))
    return jobs


def host_job(job: HostJob, options: Options, output: str, host_from: str = "dir",
             write: bool = True) -> list[dict]:
    """Analyse one job's host (or, for a central log, each host it names); never raises.

    Returns one summary per host: failures are data. With ``write=False`` the report is
    returned (``summary["_report"]``) instead of written: ``--redact`` masks all hosts' reports
    in the parent with one shared mapping.
    """
    from .pipeline import read_host

    try:
        if job.central:
            host_events = read_host(list(job.paths), options=options, keep_untagged=False)
            if host_events.events["origin_host"].isna().all():
                return [dict(_failed(job, "no line names a host (not a central syslog file)"),
                             status="skipped")]
            parts = split_by_origin_host(host_events)
            return [_report_one(part, job, f"{job.file_stem}-{stem}", part.host, options,
                                output, write) for stem, part in parts]
        opts = options if options.host or host_from == "logs" else _with_host(options, job.name)
        host_events = read_host(list(job.paths), options=opts, keep_untagged=False)
        name = host_events.host if host_from == "logs" else job.name
        return [_report_one(host_events, job, job.file_stem, name, opts, output, write)]
    except KernlogError as e:
        return [_failed(job, str(e))]
    except Exception as e:  # one broken host never sinks the others
        return [_failed(job, f"internal error: {type(e).__name__}: {e}")]


def _failed(job: HostJob, error: str) -> dict:
    return {"host": job.name, "file": job.file_stem, "_job": job.file_stem, "status": "failed",
            "error": error, "findings": [], "episodes": 0}


def _report_one(host_events, job: HostJob, stem: str, name: str, options: Options, output: str,
                write: bool) -> dict:
    from .pipeline import report_for

    summary = {"host": name, "file": stem, "_job": job.file_stem, "status": "ok", "error": None,
               "findings": [], "episodes": 0}
    try:
        report = report_for(host_events, options=options, release=True)
        if write:
            write_host_report(report, Path(output), stem)
        else:
            summary["_report"] = report
        summary.update(_summary_of(report))
        ev = host_events.events
        summary["_events"] = _events_for_fleet(ev[ev["tag"].notna()], name)
    except KernlogError as e:
        summary.update(status="failed", error=str(e))
    except Exception as e:
        summary.update(status="failed", error=f"internal error: {type(e).__name__}: {e}")
    return summary


def split_by_origin_host(host_events) -> list[tuple[str, object]]:
    """A central log's events, one HostEvents per host its lines name (sorted, safe stems).

    Lines without a host field (continuations are folded already) stay with the file's most
    common host. The accounting (lines read and parsed) is the file's, shared by its hosts.
    """
    from dataclasses import replace

    ev = host_events.events
    origin = ev["origin_host"].where(ev["origin_host"].notna(), host_events.host)
    rest = host_events.rest
    rest_origin = rest.origin_hosts(host_events.host) if rest is not None else None
    names = set(origin.unique()) | (set(rest_origin) if rest_origin is not None else set())
    parts, used = [], set()
    for name in sorted(names, key=str):
        stem = base = safe_stem(str(name))
        n = 2
        while stem.lower() in used:
            stem, n = f"{base}-{n}", n + 1
        used.add(stem.lower())
        sub = ev[(origin == name).to_numpy()].reset_index(drop=True)
        sub = sub.assign(host=str(name))
        sub_rest = rest.subset(rest_origin == name) if rest is not None else None
        parts.append((stem, replace(host_events, host=str(name), events=sub, rest=sub_rest)))
    return parts


def write_host_report(report, output: Path, stem: str) -> None:
    from .report import write_report

    write_report(report, fmt="markdown", output=output / f"{stem}.md", chart=None, stdout=None)
    write_report(report, fmt="json", output=output / f"{stem}.json", chart=None, stdout=None)


def _summary_of(report) -> dict:
    from .report.json_report import report_dict

    d = report_dict(report)
    return dict(
            findings=[f["id"] for f in d["findings"]],
            finding_confidence={f["id"]: f["confidence"] for f in d["findings"]},
            episodes=len(d["episodes"]),
            episode_list=[{k: e[k] for k in ("id", "tag", "start", "end", "events",
                                              "estimated_occurrences")} for e in d["episodes"]],
        facts={k: d["facts"].get(k) for k in ("ram_mib", "dom0_mem_option", "dom0_mem_mib",
                                              "dom0_boot_mib", "xen", "kernel", "xen_cmdline")},
        lines=d["accounting"].get("lines_read", 0),
        period=d.get("period", {}),
    )


def _redact_all(summaries: list[dict], output: Path) -> list[dict]:
    """Mask every host's report with one shared mapping, then write them (``--redact``)."""
    from .redact import Redactor, redact_report

    redactor = Redactor(hosts=[s["host"] for s in summaries])
    for s in summaries:  # every host name is known before the first report is masked
        if s.get("_report") is not None:
            redactor.add_host(s["_report"].host)
    out, used = [], set()
    for s in summaries:
        report = s.pop("_report", None)
        s["host"] = redactor.redact_text(s["host"])
        stem = base = safe_stem(s["host"])
        n = 2
        while stem.lower() in used:
            stem, n = f"{base}-{n}", n + 1
        used.add(stem.lower())
        s["file"] = stem
        if report is not None:
            report = redact_report(report, mapping=redactor)
            write_host_report(report, output, stem)
        for key in ("error", "facts", "episode_list"):
            if s.get(key) is not None:
                s[key] = redactor.redact_value(s[key], key=key)
        events = s.get("_events")
        if events is not None and len(events):
            events = events.copy()
            for col in ("host", "source", "message", "fields"):
                events[col] = [redactor.redact_text(v) if isinstance(v, str) else v
                               for v in events[col]]
            s["_events"] = events
        out.append(s)
    return out


def _with_host(options: Options, name: str) -> Options:
    from dataclasses import replace

    return replace(options, host=name)


def _events_for_fleet(tagged, host: str):
    from .events_io import contract_frame

    frame = contract_frame(tagged, fields_as_json=True)
    frame["host"] = host
    return frame


def run_batch(roots: Sequence[str], *, output: Path, options: Options, jobs: int | None = None,
              scheduler: str | None = None, host_from: str = "dir",
              progress: bool = False, redact: bool = False) -> BatchResult:
    """Analyse every host under ``roots`` into ``output``; see the module docstring.

    ``redact`` masks host names, addresses and user names in every output, consistently across
    hosts (the reports are then written by this process, after all hosts are analysed).
    """
    host_jobs = find_hosts(roots)
    if not host_jobs:
        raise InputError("no hosts found: " + ", ".join(roots) + " holds no subdirectories or "
                         "archives")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    write = not redact
    if scheduler:
        summaries = _run_dask(host_jobs, options, output, host_from, scheduler, progress, write)
    else:
        summaries = _run_local(host_jobs, options, output, host_from, jobs, progress, write)
    order = {j.file_stem: i for i, j in enumerate(host_jobs)}  # job order, then host order
    summaries.sort(key=lambda s: (order[s["_job"]], s["file"]))
    if redact:
        summaries = _redact_all(summaries, output)
    from .fleet import write_fleet

    return write_fleet(summaries, output=output)


def _run_local(host_jobs, options, output, host_from, jobs, progress, write) -> list[dict]:
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    if jobs == 1 or len(host_jobs) == 1:
        results = []
        with _progress(progress, len(host_jobs)) as advance:
            for job in host_jobs:
                results.extend(host_job(job, options, str(output), host_from, write))
                advance()
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
    results = []
    with ProcessPoolExecutor(max_workers=min(jobs, len(host_jobs)), mp_context=ctx) as pool, \
            _progress(progress, len(host_jobs)) as advance:
        futures = {pool.submit(host_job, job, options, str(output), host_from, write): job
                   for job in host_jobs}
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                results.extend(fut.result())
            except Exception as e:  # the worker process itself died
                results.append(_failed(job, f"worker failed: {type(e).__name__}: {e}"))
            advance()
    return results


def _run_dask(host_jobs, options, output, host_from, scheduler, progress, write) -> list[dict]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError("--scheduler needs the Dask extra: pip install 'kernlog[dask]'") from None
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as e:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    results = []
    try:
        futures = client.map(host_job, host_jobs, options=options, output=str(output),
                             host_from=host_from, write=write, pure=False)
        job_of = dict(zip((f.key for f in futures), host_jobs))
        with _progress(progress, len(host_jobs)) as advance:
            for fut in as_completed(futures):
                job = job_of[fut.key]
                try:
                    results.extend(fut.result())
                except Exception as e:
                    results.append(_failed(job, f"worker failed: {type(e).__name__}: {e}"))
                advance()
    finally:
        client.close()
    return results


class _progress:
    """A rich progress bar on stderr while hosts finish (only when stderr is a terminal)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total, self._bar = enabled, total, None

    def __enter__(self):
        if not self.enabled:
            return lambda: None
        from rich.console import Console
        from rich.progress import Progress

        self._bar = Progress(console=Console(stderr=True), transient=True)
        self._bar.start()
        task = self._bar.add_task("hosts", total=self.total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
