"""One host, end to end: sources -> parse -> clock -> tag -> facts/episodes -> correlate.

    >>> from analyzer import analyze, build_options
    >>> report = analyze(["sample_logs/xen07-incident"], options=build_options())
    >>> [f.id for f in report.findings][:1]
    ['xen-dom0-balloon-netback-squeeze']

The library never prints and never exits; a host whose inputs cannot be read at all raises
:class:`analyzer.errors.InputError`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Sequence

import numpy as np
import pandas as pd

from . import __version__
from .errors import InputError
from .model import (
    PARSE_COLUMNS,
    REASON_LIMIT,
    ROLE_FACT,
    ROLE_LOG,
    Accounting,
    HostReport,
    Inventory,
    Skipped,
    Source,
    SourceAccount,
)
from .memory import release_memory
from .options import Options

MAX_FACT_BYTES = 4 * 1024 * 1024  # a config/state file larger than this is not a config file
MAX_WARNINGS_PER_SOURCE = 20
NAT_NS = np.iinfo(np.int64).min
#: Lines per chunk of the streaming read: its working memory (a chunk's pandas frames, Arrow
#: arrays and Python strings, ~2 KB a line) is paid once per chunk, not per log.
STREAM_CHUNK_LINES = 25_000
#: Chunks a stage of the streaming read may run ahead of the next (queued): 2 absorbs the
#: chunks that cost one stage more than usual (a burst of tagged lines, of new shapes) for
#: ~10-50 MB (1M lines: events --tagged-only 3.7 -> 3.5 s, analyze 8.0 -> 7.8 s); larger
#: chunks were faster still but cost ~150 MB at 50k lines.
STREAM_AHEAD = 2
#: Chunks between two ``release_memory`` calls while a log is read.
TRIM_EVERY = 16


@dataclass
class HostEvents:
    """One host's normalized, tagged event table, with everything needed to explain it."""

    host: str
    events: pd.DataFrame
    accounting: Accounting
    inventory: Inventory
    fact_texts: list[tuple[Source, str]] = field(default_factory=list)
    clock_notes: list[str] = field(default_factory=list)
    anchors: dict = field(default_factory=dict)
    patterns_version: str = ""
    #: masked message per shape id (the events' ``shape`` column); None when the table was read
    #: with ``keep_untagged=True`` and has no ``shape`` column (templates are then mined from
    #: the messages)
    shapes: list[str] | None = None
    #: untagged rows kept as numbers only (``keep_untagged=False``; see ``analyzer.compact``)
    rest: object = None
    #: source path and format per ``seq`` (what ``rest`` rows refer to)
    source_table: dict = field(default_factory=dict)


def read_host(paths: Sequence[str], *, options: Options, library=None,
              keep_untagged: bool = True, shapes: bool = True) -> HostEvents:
    """Read, parse, clock and tag everything ``paths`` hold for one host.

    ``keep_untagged=True`` (``kernlog events``, ``templates``): the table as the contract
    describes it, every row with its message. ``False`` (``analyze``, ``batch``, ``events
    --tagged-only``): the streaming read (``analyzer.compact``): each chunk is tagged as it is
    parsed, the rows a report cites or the clock needs stay rows, and the other untagged lines
    become numbers only (``HostEvents.rest``, clocked exactly like the rows); each chunk's
    messages are masked into a host-wide table of shapes (``HostEvents.shapes``, per row the
    ``shape`` column), so template mining follows the number of distinct shapes, not the
    length of the log. ``shapes=False`` skips the masking (callers that want tagged rows only).
    """
    from .clock import assign_clock
    from .patterns import load_library
    from .sources import discover
    from .tag import tag_events

    if library is None:
        library = load_library(tuple(options.patterns))
    inventory = discover(list(paths), options=options)
    if not keep_untagged:
        try:
            return _read_host_streaming(paths, inventory, options=options, library=library,
                                        mask=shapes)
        finally:
            inventory.close()
    try:
        def read_log(seq: int, source: Source, accounting: Accounting):
            frame = _read_log(source, options=options, accounting=accounting)
            if frame is not None:
                frame["seq"] = seq
            return frame

        frames, fact_texts, accounting = _read_sources(paths, inventory, read_log)
        events = pd.concat(frames, ignore_index=True) if frames else _empty_events()
        del frames  # each stage's input is dropped as soon as its output exists (peak memory)
        clocked = assign_clock(events, collected=inventory.collected,
                               host_tz=inventory.timezone, options=options)
        del events
        events = tag_events(clocked.events, library)
        clocked.events = None
        host = _host_name(options, inventory, events)
        events["origin_host"] = events["host"]  # the line's own host field (central logs)
        events["host"] = host
        events, filtered = _apply_range(events, options)
        return HostEvents(
            host=host, events=events.reset_index(drop=True), accounting=accounting,
            inventory=inventory, fact_texts=fact_texts,
            clock_notes=_with_range_note(clocked.notes, filtered),
            anchors=clocked.anchors, patterns_version=library.version,
        )
    finally:
        inventory.close()


#: ``HostEvents.rest`` after ``report_for(release=True)``
_RELEASED = "released"


def _read_host_streaming(paths, inventory: Inventory, *, options: Options,
                         library, mask: bool = True) -> HostEvents:
    """``read_host(keep_untagged=False)``: tag chunk by chunk, keep the rows a report needs
    and the rest as numbers (``analyzer.compact``); clock both."""
    from .clock import assign_clock
    from .clock.zone import resolve_zone
    from .compact import Splitter, anchor_promotions, apply_clock, phantoms, promote

    shapes = None
    if mask:  # (the templates package brings scikit-learn: imported only when masking)
        from .templates.shapes import ShapeTable

        shapes = ShapeTable()
    zone, _ = resolve_zone(tz_option=options.tz, host_tz=inventory.timezone)
    splitter = Splitter(zone)
    source_table: dict[int, tuple[str, str | None]] = {}

    def read_log(seq: int, source: Source, accounting: Accounting):
        parts = _read_log_streaming(source, seq, options=options, accounting=accounting,
                                    shapes=shapes, splitter=splitter, library=library)
        source_table[seq] = (source.path, accounting.sources[-1].format)
        return parts

    packed, fact_texts, accounting = _read_sources(paths, inventory, read_log)
    # the numbers first (their chunks' pieces are let go), then the kept rows' strings
    rest = splitter.rest.finish()
    release_memory()  # the chunks' small arrays left holes in the heap
    events = _unpack_strings([part for parts in packed for part in parts]) if packed \
        else _empty_events()
    del packed
    for name in ("tag", "category", "severity", "fields"):
        if name not in events:
            events[name] = pd.Series([None] * len(events), dtype=object)
    if "_absorbed" not in events:
        events["_absorbed"] = False

    def clock(events):
        return assign_clock(events, collected=inventory.collected, host_tz=inventory.timezone,
                            options=options, phantoms=phantoms(events, rest) if len(rest) else None)

    clocked = clock(events)
    if len(rest):
        # dropped lines uptime anchoring would compare come back as rows
        mask = anchor_promotions(events, rest, clocked)
        if mask.any():
            events = promote(events, rest, mask, source_table)
            clocked = clock(events)
        apply_clock(clocked.events, rest, clocked)
    events = clocked.events
    clocked.events = None
    events = events[~events["_absorbed"].to_numpy(dtype=bool)].drop(
        columns=[c for c in ("_absorbed", "_banner") if c in events])
    host = _host_name(options, inventory, None, splitter.hosts)
    events["origin_host"] = events["host"]
    events["host"] = host
    events, filtered = _apply_range(events, options)
    filtered += _range_rest(rest, options)
    release_memory()
    return HostEvents(
        host=host, events=events.reset_index(drop=True), accounting=accounting,
        inventory=inventory, fact_texts=fact_texts,
        clock_notes=_with_range_note(clocked.notes, filtered),
        anchors=clocked.anchors, patterns_version=library.version,
        shapes=shapes.shapes if shapes is not None else None,
        rest=rest, source_table=source_table,
    )


def _read_log_streaming(source: Source, seq: int, *, options: Options, accounting: Accounting,
                        shapes, splitter, library) -> list | None:
    """Parse, tag and split one log source chunk by chunk: the rows kept, each chunk's with
    their strings parked in Arrow (``_pack_strings``; ``_unpack_strings`` makes one frame of
    them), the rest to ``splitter.rest``. The last rows of each chunk wait for the next one,
    so no multi-line block is cut and the rules that look a few rows ahead see them."""
    from .clock.boots import banner_texts
    from .compact import EDGE_ROWS, message_hashes
    from .tag import MATCHED, arrow_strings, block_reach, match_rows, tag_events

    kept: list[pd.DataFrame] = []
    pending: pd.DataFrame | None = None
    done = 0  # rows of this source finalized so far (before block grouping)
    hold = block_reach(library) + EDGE_ROWS + 1
    flushes = 0

    def flush(last: bool) -> None:
        nonlocal pending, done, flushes
        if pending is None or not len(pending):
            return
        m = len(pending)
        cut = m if last else m - hold
        if cut <= 0:
            return
        region = tag_events(pending, library, final_before=cut, keep_absorbed=True)
        final = np.arange(m) < cut
        final |= region["_absorbed"].to_numpy(dtype=bool)  # merged into a block before the cut
        final_rows = np.flatnonzero(final)
        if len(final_rows) < m:
            region = region.iloc[final_rows]
        csum = np.r_[0, np.cumsum(pending["_banner"].to_numpy(dtype=np.int64))]
        ahead = csum[np.minimum(final_rows + EDGE_ROWS + 1, m)] - csum[final_rows]
        fmt = accounting.sources[-1].format
        out = splitter.split(region, seq=seq, source=source.path, fmt=fmt, near_banner=ahead > 0,
                             first_rows=done, last=last, total=done + m)
        if len(out):
            out = out.copy(deep=False)
            _source_columns(out, source, fmt, seq=seq)  # (on the kept rows only: cheaper)
            kept.append(_pack_strings(out))
        carry = np.flatnonzero(~final)
        pending = pending.iloc[carry].reset_index(drop=True) if len(carry) else None
        done += m - len(carry)
        flushes += 1
        if flushes % TRIM_EVERY == 0:
            release_memory()

    def parsed():
        return _parsed_chunks(source, options=options, accounting=accounting,
                              chunk_lines=STREAM_CHUNK_LINES)

    def shaped(results):
        """Each chunk with message hashes, banner flags, message shapes (the masking: Arrow
        RE2 passes) and the patterns each row matches."""
        for result in results:
            ev = result.events
            if len(ev):
                ev["mhash"] = message_hashes(ev["message"].to_numpy(dtype=object))
                messages = arrow_strings(ev["message"])
                linux, xen = banner_texts(messages)
                ev["_banner"] = linux | xen  # the Splitter keeps the lines before a banner
                ev["shape"] = shapes.add(ev["message"]) if shapes is not None else \
                    np.zeros(len(ev), dtype=np.int32)
                ev[MATCHED[0]], fields = match_rows(ev, library, messages=messages)
                ev[MATCHED[1]] = pd.Series(fields, index=ev.index, dtype=object)
            yield result

    # three stages on their own threads, a chunk apart: parse; hash, mask and match; then
    # group blocks and split here (the Arrow work of the first two releases the interpreter)
    for result in _ahead(shaped(_ahead(parsed(), STREAM_AHEAD)), STREAM_AHEAD):
        if result.leading_repeats and pending is not None and len(pending):
            pending.iloc[-1, pending.columns.get_loc("count")] += result.leading_repeats
        ev = result.events
        if not len(ev):
            continue
        pending = ev if pending is None else pd.concat([pending, ev], ignore_index=True)
        flush(last=False)
    flush(last=True)
    return kept or None


def _ahead(items, depth: int = 1):
    """``items`` produced by a worker thread, at most ``depth`` ahead of the consumer; an
    exception in the worker is raised here, in order."""
    import queue
    import threading

    done = object()
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work():
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put((done, None))
        except BaseException as e:  # handed to the consumer, raised there
            box.put((done, e))

    worker = threading.Thread(target=work, name="kernlog-read", daemon=True)
    worker.start()
    try:
        while True:
            item, error = box.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        worker.join()


#: Text columns the streaming read parks in Arrow buffers between chunks (see _pack_strings).
_PACKED = ("message", "program", "host", "wall_kind", "boot_id", "caller")


def _pack_strings(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """A kept chunk with its text columns moved into Arrow arrays.

    The kept rows' strings were allocated among the whole chunk's; held as Python objects they
    would pin most of the chunk's interpreter memory after the rest is freed (memory would
    grow with the log, not with what is kept). Unpacked once at the end, they are compact.
    """
    import pyarrow as pa

    packed = {}
    for name in _PACKED:
        if name in frame and frame[name].dtype == object:
            try:
                packed[name] = pa.array(frame[name].to_numpy(dtype=object), type=pa.large_string(),
                                        from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                continue
    return frame.drop(columns=list(packed)), packed


def _unpack_strings(parts: list[tuple[pd.DataFrame, dict]]) -> pd.DataFrame:
    """The kept chunks as one frame, text columns back as Python strings (column order kept)."""
    frames = []
    for frame, packed in parts:
        frame = frame.copy(deep=False)
        for name, arr in packed.items():
            frame[name] = pd.Series(arr.to_numpy(zero_copy_only=False), index=frame.index,
                                    dtype=object)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    order = [c for c in PARSE_COLUMNS if c in frame]
    frame = frame[order + [c for c in frame.columns if c not in order]]
    _share_strings(frame)
    return frame


def _range_rest(rest, options: Options) -> int:
    """Drop rest rows outside --since/--until (as ``_apply_range`` does for rows)."""
    if rest is None or not len(rest) or (options.since is None and options.until is None):
        return 0
    ts = rest["ts"]
    out = np.zeros(len(ts), dtype=bool)
    if options.since is not None:
        since = pd.Timestamp(options.since).tz_convert("UTC").tz_localize(None).value
        out |= (ts != NAT_NS) & (ts < since)
    if options.until is not None:
        until = pd.Timestamp(options.until).tz_convert("UTC").tz_localize(None).value
        out |= (ts != NAT_NS) & (ts > until)
    rest.take(~out)
    return int(out.sum())


def analyze(paths: Sequence[str], *, options: Options, library=None, rules=None) -> HostReport:
    """The product's main job: a root-cause report for one host."""
    return analyze_host(paths, options=options, library=library, rules=rules)[0]


def analyze_host(paths: Sequence[str], *, options: Options, library=None,
                 rules=None) -> tuple[HostReport, HostEvents]:
    """Like :func:`analyze`, also returning the host's event table (batch keeps its tagged rows)."""
    host_events = read_host(paths, options=options, library=library, keep_untagged=False)
    return report_for(host_events, options=options, rules=rules, release=True), host_events


def report_for(host_events: HostEvents, *, options: Options, rules=None,
               release: bool = False) -> HostReport:
    """Facts, episodes, correlation and the report model for an already-read host.

    ``release=True``: the host's numbers-only rows (``rest``) are let go once the report's
    counts have them (memory for a long log); ``host_events`` then holds the kept rows only
    and cannot make another report.
    """
    if host_events.rest is _RELEASED:
        raise ValueError("this host's rows were released by an earlier report_for")
    from .correlate import correlate, load_rules
    from .episodes import find_episodes
    from .facts import extract_facts
    from .report.build import build_report
    from .templates import anomalous_windows, template_column, unexplained_messages

    events = host_events.events
    facts = extract_facts(events, host_events.fact_texts)
    episodes, episode_of = find_episodes(events, gap_minutes=options.episode_gap_minutes)
    if rules is None:
        rules = load_rules(tuple(options.patterns))
    correlation = correlate(events, episodes, episode_of, facts, rules)
    # the counts read every line: rows dropped to numbers by the streaming read come back
    # (without their text) for this part only
    rows = events
    if host_events.rest is not None:
        from .compact import all_rows

        rows = all_rows(events, host_events.rest, host_events.source_table, host_events.host,
                        consume=release)
        if release:
            host_events.rest = _RELEASED
        release_memory()
    # mined once (from the shapes read, when there are), read twice
    rows = rows.assign(template=template_column(rows, shapes=host_events.shapes))
    unexplained = unexplained_messages(rows, episodes, episode_of)
    release_memory()
    windows = anomalous_windows(rows)
    release_memory()
    return build_report(
        host_events, facts=facts, episodes=episodes, correlation=correlation,
        kernlog_version=__version__, unexplained=unexplained, windows=windows,
        generated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        all_rows=rows,
    )


# ---------------------------------------------------------------------------------------------


def _read_sources(paths, inventory: Inventory, read_log):
    """Every source of the host: logs through ``read_log(seq, source, accounting)`` (a frame
    or None), facts as text. Returns (frames, fact_texts, accounting); raises InputError when
    nothing at all could be read."""
    accounting = Accounting(skipped=list(inventory.skipped))
    frames: list[pd.DataFrame] = []
    fact_texts: list[tuple[Source, str]] = []
    for seq, source in enumerate(inventory.sources):
        if source.role == ROLE_LOG:
            frame = read_log(seq, source, accounting)
            if frame is not None and len(frame):
                frames.append(frame)
        elif source.role == ROLE_FACT:
            text = _read_fact(source, accounting)
            if text is not None:
                fact_texts.append((source, text))
    lines_read = sum(a.lines_read for a in accounting.sources)
    if lines_read == 0 and not fact_texts:
        raise InputError(_nothing_read_message(paths, inventory, accounting))
    return frames, fact_texts, accounting


def _with_range_note(notes, filtered: int) -> list[str]:
    notes = list(notes)
    if filtered:
        notes.append(f"{filtered:,} events outside --since/--until were left out")
    return notes


def _parsed_chunks(source: Source, *, options: Options, accounting: Accounting,
                   chunk_lines: int | None = None):
    """Parse one log source chunk by chunk, counting every line in ``accounting`` (a new
    ``SourceAccount``, the last of ``accounting.sources``); yields each chunk's ParseResult
    (journal boot markers numbered per source). A source that vanishes or cannot be read
    mid-run keeps what was read; the rest is counted as skipped."""
    from .parse import sniff
    from .sources import iter_line_chunks

    account = SourceAccount(path=source.path)
    accounting.sources.append(account)
    parser = None
    markers = (0, None)  # journal "-- Boot --" markers seen so far in this source, last id
    warned = 0  # warnings (unparsed-line excerpts) kept for this source
    extra = {} if chunk_lines is None else {"chunk_lines": chunk_lines}
    try:
        for chunk in iter_line_chunks(source, options=options, **extra):
            account.lines_read += len(chunk.lines)
            account.lines_truncated += chunk.lines_truncated
            account.bytes_replaced += chunk.bytes_replaced
            if chunk.stopped:  # read ended early: lines before it are kept, the rest counted here
                accounting.skipped.append(Skipped(source.path, chunk.stopped))
            if not chunk.lines:
                continue
            if parser is None:
                parser = sniff(chunk.lines)
                account.format = parser.FORMAT
            result = parser.parse(chunk.lines, source=source.path, first_line=chunk.first_line)
            account.lines_parsed += result.lines_parsed
            account.unparsed.update(result.unparsed)
            kept = result.warnings[: MAX_WARNINGS_PER_SOURCE - warned]
            accounting.warnings.extend(kept)
            warned += len(kept)
            markers = _renumber_markers(result.events, markers, result.boot_markers)
            yield result
    except OSError as e:  # vanished or unreadable mid-run: keep what was read, count the rest
        accounting.skipped.append(Skipped(source.path, f"unreadable: {e.strerror or e}"))


def _source_columns(frame: pd.DataFrame, source: Source, fmt: str | None, **more) -> None:
    """The columns every row of a source shares (in place)."""
    frame["source"] = source.path
    frame["format"] = fmt
    frame["family"] = source.family
    frame["rotation"] = source.rotation
    frame["kind"] = source.kind
    for name, value in more.items():
        frame[name] = value


def _read_log(source: Source, *, options: Options, accounting: Accounting) -> pd.DataFrame | None:
    """Every event of one log source, one row each (``kernlog events``, ``templates``)."""
    frames = []
    for result in _parsed_chunks(source, options=options, accounting=accounting):
        if result.leading_repeats and frames and len(frames[-1]):
            last = frames[-1]
            last.iloc[-1, last.columns.get_loc("count")] += result.leading_repeats
        if len(result.events):
            _share_strings(result.events)
            frames.append(result.events)
    if not frames:
        return None
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    _source_columns(frame, source, accounting.sources[-1].format)
    return frame


def _share_strings(events: pd.DataFrame) -> None:
    """Equal strings of a chunk's object columns become one object (in place).

    Parsers give every row its own ``str`` for ``program``, ``host``, ``wall_kind`` ... (a
    ``"kernel"`` costs ~60 bytes a row, more than the row's numbers); repeated messages too.
    The values stay equal, only duplicates are dropped: a few hundred MB per million rows.
    """
    for name in events.columns:
        column = events[name]
        if column.dtype != object:
            continue
        seen: dict = {}
        shared = [seen.setdefault(v, v) if type(v) is str else v for v in column.to_numpy()]
        events[name] = pd.Series(shared, index=events.index, dtype=object)


def _renumber_markers(events: pd.DataFrame, state: tuple[int, str | None], count: int):
    """Parsers number journal boot markers ("marker:N") per chunk; make them per source.

    ``state``: markers seen in the source's earlier chunks and the last one's id; ``count``:
    markers in this chunk (one may be its last line, with no row after it). Rows before the
    chunk's first marker belong to the last marker before the chunk."""
    seen, last = state
    if "boot_id" not in events:
        return state
    ids = events["boot_id"]
    values = ids.to_numpy(dtype=object)
    given = np.flatnonzero(pd.notna(values))  # (most rows have none: looked at alone)
    is_str = np.zeros(len(values), dtype=bool)
    is_str[given] = [isinstance(v, str) for v in values[given]]
    is_marker = np.zeros(len(values), dtype=bool)
    is_marker[given] = [isinstance(v, str) and v.startswith("marker:") for v in values[given]]
    new = values.copy()
    if is_marker.any():
        at = np.flatnonzero(is_marker)
        new[at] = [f"marker:{int(v[7:]) + seen}" for v in values[at]]
    if last is not None:  # rows before this chunk's first marker belong to the last one
        first = int(np.argmax(is_marker)) if is_marker.any() else len(values)
        before = np.flatnonzero(~is_str[:first])
        new[before] = last
    if is_marker.any() or last is not None:
        events["boot_id"] = pd.Series(new, index=ids.index, dtype=object)
    if count:
        seen += count
        last = f"marker:{seen}"
    return seen, last


def _read_fact(source: Source, accounting: Accounting) -> str | None:
    try:
        with source.open() as f:
            data = f.read(MAX_FACT_BYTES + 1)
    except OSError as e:
        accounting.skipped.append(Skipped(source.path, f"unreadable: {e.strerror or e}"))
        return None
    if len(data) > MAX_FACT_BYTES:
        accounting.skipped.append(Skipped(source.path, f"{REASON_LIMIT}: config file over "
                                          f"{MAX_FACT_BYTES // 1024 // 1024} MiB"))
        return None
    return data.decode("utf-8", errors="replace")


def _empty_events() -> pd.DataFrame:
    frame = pd.DataFrame({c: [] for c in PARSE_COLUMNS})
    for c in ("source", "format", "family", "kind"):
        frame[c] = pd.Series([], dtype=object)
    frame["rotation"] = pd.Series([], dtype="int64")
    frame["seq"] = pd.Series([], dtype="int64")
    frame["line"] = frame["line"].astype("int64")
    frame["end_line"] = frame["end_line"].astype("int64")
    frame["count"] = frame["count"].astype("int64")
    frame["uptime"] = frame["uptime"].astype("float64")
    frame["priority"] = frame["priority"].astype("float64")
    frame["wall"] = pd.to_datetime(frame["wall"])
    return frame


def _host_name(options: Options, inventory: Inventory, events: pd.DataFrame | None,
               counts: Counter | None = None) -> str:
    """``--host``, the sosreport's hostname, the most common host field, the path's name."""
    if options.host:
        return options.host
    if inventory.hostname:
        return inventory.hostname.strip().split()[0] if inventory.hostname.strip() else "unknown"
    if counts is None and events is not None and "host" in events \
            and events["host"].notna().any():
        counts = Counter(h for h in events["host"].dropna() if h and h != "localhost")
    if counts:
        return counts.most_common(1)[0][0]
    return inventory.root_name or "unknown"


def _apply_range(events: pd.DataFrame, options: Options) -> tuple[pd.DataFrame, int]:
    if options.since is None and options.until is None:
        return events, 0
    ts = events["ts"]
    keep = pd.Series(True, index=events.index)
    if options.since is not None:
        keep &= ~(ts < pd.Timestamp(options.since))
    if options.until is not None:
        keep &= ~(ts > pd.Timestamp(options.until))
    return events[keep], int((~keep).sum())


def _nothing_read_message(paths, inventory: Inventory, accounting: Accounting) -> str:
    given = ", ".join(str(p) for p in paths)
    if accounting.skipped:
        reasons = Counter(s.reason.split(":")[0] for s in accounting.skipped)
        why = ", ".join(f"{n} {r}" for r, n in reasons.most_common())
        first = accounting.skipped[0]
        return (f"no log lines could be read from {given} (files skipped: {why}; "
                f"first: {first.path}: {first.reason})")
    if accounting.sources:
        return f"no log lines in {given} (the files are empty)"
    return f"no log files found in {given}"
