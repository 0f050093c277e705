"""analyzer/sources/rotation.py: families and rotation numbers of rotated logs."""

from __future__ import annotations

import io

import pytest

from analyzer.model import ROLE_FACT, ROLE_LOG, Source
from analyzer.sources.rotation import assign_rotation, oldest_first, split_rotation


@pytest.mark.parametrize("name, expected", [
    ("kern.log", ("kern.log", None, None)),
    ("kern.log.1", ("kern.log", 1, None)),
    ("kern.log.2.gz", ("kern.log", 2, None)),
    ("xend.log.1", ("xend.log", 1, None)),
    ("messages-20090308", ("messages", None, "20090308")),
    ("messages-20090308.bz2", ("messages", None, "20090308")),
    ("xl-win2k8.log.3", ("xl-win2k8.log", 3, None)),
    ("qemu-dm-vm1.log", ("qemu-dm-vm1.log", None, None)),
    ("dmesg.old", ("dmesg", 1, None)),
])
def test_split_rotation(name, expected):
    assert split_rotation(name) == expected


def log(path: str, role: str = ROLE_LOG) -> Source:
    return Source(path=path, role=role, open=lambda: io.BytesIO(b""))


def test_numeric_family_across_archive_and_directory_paths():
    sources = [log("logs/kern.log"), log("logs/kern.log.2.gz"), log("sos.tar!var/log/kern.log.1"),
               log("kern.log.4"), log("logs/grub.conf", ROLE_FACT)]
    assign_rotation(sources)
    assert [(s.family, s.rotation) for s in sources] == [
        ("logs/kern.log", 0), ("logs/kern.log", 2), ("sos.tar!var/log/kern.log", 1),
        ("kern.log", 4), ("", 0)]


def test_date_suffixes_rank_newest_first():
    sources = [log("var/log/messages"), log("var/log/messages-20090301.gz"),
               log("var/log/messages-20090308"), log("var/log/messages-20090222.gz")]
    assign_rotation(sources)
    assert [s.rotation for s in sources] == [0, 2, 1, 3]
    assert {s.family for s in sources} == {"var/log/messages"}


def test_oldest_first_only_moves_the_movable():
    sources = [log("d/kern.log"), log("d/kern.log.1"), log("d/kern.log.2.gz"), log("d/xend.log"),
               log("a.tar!kern.log"), log("a.tar!kern.log.1")]
    assign_rotation(sources)
    movable = {id(s) for s in sources[:4]}
    ordered = oldest_first(sources, movable)
    assert [s.path for s in ordered] == [
        "d/kern.log.2.gz", "d/kern.log.1", "d/kern.log", "d/xend.log",
        "a.tar!kern.log", "a.tar!kern.log.1"]
