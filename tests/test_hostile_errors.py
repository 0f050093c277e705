"""Unreadable files and directories, permission errors, files vanishing mid-run: counted with
their path, and the run goes on. Input that cannot be read at all is one clear line, exit 2.

The tests run as root (chmod does not stop root), so failures are simulated with monkeypatch at
the points where kernlog touches the file system.
"""

from __future__ import annotations

import errno
import io
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import analyzer.sources as sources_pkg
import analyzer.sources.walk as walk
from analyzer.batch import run_batch
from analyzer.cli import app
from analyzer.errors import InputError
from analyzer.options import build_options
from analyzer.pipeline import analyze
from analyzer.report import render_json

SQUEEZE = b"Mar  7 10:16:03 xen07 kernel: xen_net: Memory squeeze in netback driver.\n"
SUPPRESSED = b"Mar  7 10:16:18 xen07 kernel: printk: 1100 messages suppressed.\n"
XM_DMESG = b"(XEN) System RAM: 8190MB (8386560kB)\n(XEN) Command line: /xen.gz-3.3.1\n"


def make_host(root: Path) -> Path:
    host = root / "xen07"
    (host / "var" / "log").mkdir(parents=True)
    (host / "sos_commands" / "xen").mkdir(parents=True)
    (host / "hostname").write_text("xen07.example.net\n")
    (host / "var" / "log" / "messages").write_bytes(SQUEEZE * 3)
    (host / "var" / "log" / "messages.1").write_bytes(SUPPRESSED * 2)
    (host / "var" / "log" / "kern.log").write_bytes(SQUEEZE)
    (host / "sos_commands" / "xen" / "xm_dmesg").write_bytes(XM_DMESG)
    return host


def deny(monkeypatch, *names: str, err: int = errno.EACCES) -> None:
    """Opening a file whose name is in ``names`` fails as it would for a non-root user."""
    real = walk._open_file

    def fake(path: str):
        if os.path.basename(path) in names:
            raise PermissionError(err, os.strerror(err), path)
        return real(path)

    monkeypatch.setattr(walk, "_open_file", fake)


def skipped_of(report) -> dict[str, str]:
    return {s["path"]: s["reason"] for s in report.accounting["skipped"]}


def test_unreadable_file_is_counted_with_its_path(tmp_path, monkeypatch):
    host = make_host(tmp_path)
    deny(monkeypatch, "messages.1", "xm_dmesg")
    report = analyze([str(host)], options=build_options())
    skipped = skipped_of(report)
    assert skipped[str(host / "var" / "log" / "messages.1")] == "unreadable: Permission denied"
    assert skipped[str(host / "sos_commands" / "xen" / "xm_dmesg")] == \
        "unreadable: Permission denied"
    assert report.accounting["lines_read"] == 4  # messages (3) + kern.log (1)
    assert report.facts.get("ram_mib") is None  # the unreadable xm_dmesg said it


def test_unlistable_directory_is_counted_and_the_rest_read(tmp_path, monkeypatch):
    host = make_host(tmp_path)
    secret = host / "var" / "log" / "audit"
    secret.mkdir()
    (secret / "audit.log").write_bytes(SQUEEZE)
    real = os.scandir

    def fake_scandir(path="."):
        if os.fspath(path) == str(secret):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(walk.os, "scandir", fake_scandir)
    report = analyze([str(host)], options=build_options())
    assert skipped_of(report)[str(secret)] == "unreadable: Permission denied"
    assert report.accounting["lines_read"] == 3 + 2 + 1 + 2  # all but audit.log


def test_file_vanishing_between_discovery_and_reading(tmp_path, monkeypatch):
    host = make_host(tmp_path)
    gone = host / "var" / "log" / "messages.1"
    real = sources_pkg.discover

    def discover_then_delete(paths, *, options):
        inv = real(paths, options=options)
        gone.unlink()
        return inv

    monkeypatch.setattr(sources_pkg, "discover", discover_then_delete)
    report = analyze([str(host)], options=build_options())
    assert skipped_of(report)[str(gone)] == "unreadable: No such file or directory"
    assert report.accounting["lines_read"] == 3 + 1 + 2  # all but messages.1


class _Failing(io.RawIOBase):
    """A file that breaks (EIO) after its first ``good`` bytes: a disk dying mid-read."""

    def __init__(self, data: bytes, good: int) -> None:
        self._data, self._good, self._pos = data, good, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._pos >= self._good:
            raise OSError(errno.EIO, "Input/output error")
        n = min(len(buffer), self._good - self._pos)
        buffer[:n] = self._data[self._pos: self._pos + n]
        self._pos += n
        return n


def test_read_error_mid_file_keeps_the_lines_before_and_counts_the_rest(tmp_path, monkeypatch):
    host = make_host(tmp_path)
    big = host / "var" / "log" / "messages.2"
    big.write_bytes(SQUEEZE * 1000)
    real = walk._open_file
    opened = []

    def fake(path: str):
        if os.path.basename(path) == "messages.2":
            opened.append(path)
            if len(opened) > 1:  # the probe reads the head; the line reader then breaks
                return io.BufferedReader(_Failing(big.read_bytes(), len(SQUEEZE) * 10 + 5))
        return real(path)

    monkeypatch.setattr(walk, "_open_file", fake)
    report = analyze([str(host)], options=build_options())
    assert skipped_of(report)[str(big)] == "unreadable: Input/output error"
    lines = {s["path"]: s["lines"] for s in report.sources}
    assert lines[str(big)] == 11  # ten whole lines and the start of the eleventh
    assert report.accounting["lines_read"] == 8 + 11


def test_nothing_readable_is_one_line_exit_2(tmp_path, monkeypatch):
    host = make_host(tmp_path)
    deny(monkeypatch, "messages", "messages.1", "kern.log", "xm_dmesg", "hostname")
    with pytest.raises(InputError) as exc:
        analyze([str(host)], options=build_options())
    assert "unreadable" in str(exc.value) and str(host) in str(exc.value)
    result = CliRunner().invoke(app, ["analyze", str(host)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Permission denied" in result.stderr


@pytest.mark.parametrize("given", ["does-not-exist.log", "no/such/dir/", "-bad\nname"])
def test_missing_path_is_a_usage_error_naming_it(tmp_path, given):
    target = str(tmp_path / given)
    result = CliRunner().invoke(app, ["analyze", target])
    assert result.exit_code == 2
    assert target.splitlines()[0] in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_path_given_by_the_user(tmp_path, monkeypatch):
    log = tmp_path / "messages"
    log.write_bytes(SQUEEZE)
    real_open = open

    def fake_open(file, *args, **kwargs):
        if os.fspath(file) == str(log):
            raise PermissionError(errno.EACCES, "Permission denied", str(log))
        return real_open(file, *args, **kwargs)

    import builtins

    monkeypatch.setattr(builtins, "open", fake_open)
    with pytest.raises(InputError, match="Permission denied"):
        analyze([str(log)], options=build_options())


def test_batch_goes_on_when_one_host_is_unreadable(tmp_path, monkeypatch):
    root = tmp_path / "fleet"
    root.mkdir()
    make_host(root)
    bad = root / "xen08"
    (bad / "var" / "log").mkdir(parents=True)
    (bad / "var" / "log" / "secure").write_bytes(SQUEEZE)
    deny(monkeypatch, "secure")
    out = tmp_path / "out"
    result = run_batch([str(root)], output=out, options=build_options(), jobs=1)
    status = {h["host"]: h for h in result.hosts}
    assert status["xen07"]["status"] == "ok"
    assert status["xen08"]["status"] == "failed"
    assert "Permission denied" in status["xen08"]["error"]
    assert str(bad / "var" / "log" / "secure") in status["xen08"]["error"]
    fleet = json.loads((out / "fleet.json").read_text())
    assert [h["status"] for h in fleet["hosts"]] == ["ok", "failed"]
    assert (out / "xen07.json").exists() and not (out / "xen08.json").exists()


# Security: a symbolic link inside a tree the user gave, pointing outside it.
def test_symlink_leaving_the_tree_is_not_followed(tmp_path):
    host = make_host(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "shadow"
    secret.write_text("root:$6$SECRETHASH:19000:0:99999:7:::\n")
    link = host / "var" / "log" / "messages.3"  # a name a sosreport's logs have
    link.symlink_to(secret)
    report = analyze([str(host)], options=build_options())
    assert str(link) not in [s["path"] for s in report.sources]
    assert skipped_of(report).get(str(link)) == "symlink"
    assert "SECRETHASH" not in render_json(report)
