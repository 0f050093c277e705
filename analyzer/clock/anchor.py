"""Uptime anchoring: map a dmesg's seconds-since-boot to wall time through shared lines.

The same printk often reaches two files of one host::

    dmesg:     [ 8811.204518] xen_net: Memory squeeze in netback driver.
    kern.log:  Mar  6 14:02:44 dom0 kernel: [ 8811.204518] xen_net: Memory squeeze in netback driver.
    messages:  Mar  6 14:02:44 dom0 kernel: xen_net: Memory squeeze in netback driver.   (RHEL 5)

A syslog line with ``[uptime]`` matches a dmesg line with the same uptime and text exactly;
each match gives ``offset = wall_utc - uptime`` (the boot's wall-clock start; plus half a
second when the syslog stamps are whole seconds, which truncate). A syslog line
without uptime (RHEL style) matches on text alone, and only where the text occurs once on each
side (boot banners repeat every boot and would match the wrong one). The offset of a dmesg boot
is the median over the matches that point at the most-matched dated boot; matches further than
``max(2 s, 5 x MAD)`` from it are outliers and dropped. Over hours the kernel's clock drifts
from the wall clock (here by 0.9 s in 17 h), so with enough matches a straight line
``wall = offset + (1 + drift) x uptime`` is fitted to the inliers instead. Whole columns are joined (one hash
merge), never one line at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NS = 10**9
#: Text-only matches needed before they place a dmesg boot.
MIN_TEXT_MATCHES = 3
#: Exact uptime+text matches needed. Lines stamped ``[    0.000000]`` never count: every boot of
#: every machine prints ``KERNEL supported cpus:`` at 0.000000.
MIN_EXACT_MATCHES = 2
#: An (uptime, text) key seen in more dated boots than this is ignored (bounds the join).
MAX_KEY_BOOTS = 3
MIN_OUTLIER_NS = 2 * NS
#: A drift (kernel clock vs the NTP-disciplined wall clock, typically 10-50 ppm: a second per
#: day) is fitted when this many matches span at least this many seconds of uptime.
MIN_FIT_MATCHES = 20
MIN_FIT_SPAN_S = 3600.0
MAX_DRIFT = 1e-3
MAD_FACTOR = 5.0


@dataclass
class Anchor:
    """How one undated boot segment maps onto a dated boot."""

    segment: int
    cluster: int  # the dated boot (cluster) most matches point at
    offset_ns: int | None  # wall_utc - uptime at uptime 0 (None: no uptimes to anchor)
    matches: int  # inlier matches used
    spread_s: float  # max - min of inlier offsets
    method: str  # "uptime+text" or "text"
    source: str  # dated source most matches came from
    drift: float = 0.0  # wall seconds gained per uptime second (kernel clock vs NTP), ppm-small

    def wall_ns(self, uptime_s: np.ndarray) -> np.ndarray:
        """UTC ns of uptimes (seconds) of the anchored boot."""
        up = np.asarray(uptime_s, dtype=float)
        return (self.offset_ns + np.round(up * NS * (1.0 + self.drift))).astype(np.int64)


def find_anchors(undated: pd.DataFrame, dated: pd.DataFrame) -> dict[int, Anchor]:
    """Anchors per undated segment.

    ``undated``: columns seg, message, uptime (NaN when absent). ``dated``: columns cluster,
    message, uptime, ts (int64 ns UTC), source - kernel rows with a wall time and a known boot.
    """
    if not len(undated) or not len(dated):
        return {}
    parts = []
    with_up = dated[dated["uptime"].notna()]
    und_up = undated[undated["uptime"] > 0]
    if len(with_up) and len(und_up):
        left = und_up.assign(us=np.round(und_up["uptime"].to_numpy() * 1e6).astype(np.int64))
        right = with_up.assign(us=np.round(with_up["uptime"].to_numpy() * 1e6).astype(np.int64))
        right = right.drop_duplicates(["us", "message", "cluster"])
        # a line at the same uptime in many boots (early boot) says nothing about which one
        right = right[right.groupby(["us", "message"])["cluster"].transform("size")
                      <= MAX_KEY_BOOTS]
        left = left.drop_duplicates(["seg", "us", "message"])
        m = left.merge(right[["us", "message", "cluster", "ts", "source"]],
                       on=["us", "message"], how="inner")
        m["method"] = "uptime+text"
        parts.append(m[["seg", "uptime", "cluster", "ts", "source", "method"]])
    no_up = dated[dated["uptime"].isna()]
    if len(no_up):
        right = no_up[~no_up["message"].duplicated(keep=False)]
        left = undated[undated["message"].isin(right["message"])]
        left = left[~left.duplicated(["seg", "message"], keep=False)]
        if len(left):
            m = left.merge(right[["message", "cluster", "ts", "source"]], on="message",
                           how="inner")
            m["method"] = "text"
            parts.append(m[["seg", "uptime", "cluster", "ts", "source", "method"]])
    if not parts:
        return {}
    matches = pd.concat(parts, ignore_index=True)
    out: dict[int, Anchor] = {}
    for seg, grp in matches.groupby("seg", sort=True):
        anchor = _anchor_of(int(seg), grp)
        if anchor is not None:
            out[int(seg)] = anchor
    return out


def _anchor_of(seg: int, grp: pd.DataFrame) -> Anchor | None:
    cluster = int(grp["cluster"].value_counts().idxmax())
    grp = grp[grp["cluster"] == cluster]
    exact = int((grp["method"] == "uptime+text").sum()) >= MIN_EXACT_MATCHES
    if not exact:
        grp = grp[grp["method"] == "text"]
        if len(grp) < MIN_TEXT_MATCHES:
            return None
    method = "uptime+text" if exact else "text"
    source = str(grp["source"].value_counts().idxmax())
    timed = grp[grp["uptime"].notna()]
    if not len(timed):
        return Anchor(seg, cluster, None, len(grp), 0.0, method, source)
    off = timed["ts"].to_numpy(dtype=np.int64) - np.round(
        timed["uptime"].to_numpy() * NS).astype(np.int64)
    med = np.median(off)
    mad = np.median(np.abs(off - med))
    keep = np.abs(off - med) <= max(MIN_OUTLIER_NS, MAD_FACTOR * mad)
    inl = off[keep]
    if not (timed["ts"].to_numpy(dtype=np.int64) % NS).any():
        # whole-second stamps are truncated: on average the printk came half a second later
        inl = inl + NS // 2
    if not exact and len(inl) < MIN_TEXT_MATCHES:
        return Anchor(seg, cluster, None, len(grp), 0.0, method, source)
    ups = timed["uptime"].to_numpy()[keep]
    offset, drift = float(np.median(inl)), 0.0
    if len(inl) >= MIN_FIT_MATCHES and ups.max() - ups.min() >= MIN_FIT_SPAN_S:
        slope, icept = np.polyfit(ups, inl.astype(np.float64), 1)
        if abs(slope) <= MAX_DRIFT * NS:
            offset, drift = icept, slope / NS
    resid = inl - (offset + drift * NS * ups)
    return Anchor(seg, cluster, int(round(offset)), int(len(inl)),
                  float((resid.max() - resid.min()) / NS), method, source, drift)
