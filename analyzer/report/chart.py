"""Timeline chart (PNG): Dom0 memory target and running DomUs, problem episodes as bands."""

from __future__ import annotations

from pathlib import Path

from ..model import HostReport


def has_chart_data(report: HostReport) -> bool:
    s = report.series or {}
    return bool(s.get("dom0_target_mib") or s.get("running_domus") or
                any(e.start for e in report.episodes))


def render_chart(report: HostReport, path: Path) -> None:
    """Write the chart to ``path`` (matplotlib, Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import pandas as pd

    def times(points):
        return [pd.Timestamp(p[0]).tz_convert("UTC").tz_localize(None) for p in points]

    s = report.series or {}
    end = (report.period or {}).get("end")

    def extended(points):  # a step series holds its last value until the logs end
        if points and end and pd.Timestamp(end) > pd.Timestamp(points[-1][0]):
            return list(points) + [[end, points[-1][1]]]
        return points

    all_times = [pd.Timestamp(p) for p in ((report.period or {}).get("start"), end) if p]
    span = (max(all_times) - min(all_times)) if len(all_times) == 2 else pd.Timedelta(hours=1)
    min_band = max(span * 0.004, pd.Timedelta(minutes=5))
    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=100)
    try:
        handles = []
        target = extended(s.get("dom0_target_mib") or [])
        if target:
            moves = any(e.kind == "balloon" for e in report.timeline)
            label = ("Dom0 memory target (MiB)" if moves else
                     "Dom0 size at boot (MiB; no balloon moves logged)")
            h, = ax.step(times(target), [p[1] for p in target], where="post", color="#1f5fa8",
                         label=label, linestyle="-" if moves else "--")
            handles.append(h)
            ax.set_ylabel("Dom0 MiB")
            ax.set_ylim(bottom=0)
        domus = extended(s.get("running_domus") or [])
        if domus:
            ax2 = ax.twinx()
            h, = ax2.step(times(domus), [p[1] for p in domus], where="post", color="#2a8a3e",
                          label="running DomUs")
            handles.append(h)
            ax2.set_ylabel("DomUs")
            ax2.set_ylim(bottom=0)
        palette = ["#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"]
        tags = []
        for ep in report.episodes:
            if not ep.start:
                continue
            if ep.tag not in tags:
                tags.append(ep.tag)
            color = palette[tags.index(ep.tag) % len(palette)]
            start = pd.Timestamp(ep.start).tz_convert("UTC").tz_localize(None)
            stop = pd.Timestamp(ep.end or ep.start).tz_convert("UTC").tz_localize(None)
            if stop - start < min_band:
                stop = start + min_band
            ax.axvspan(start, stop, color=color, alpha=0.3, lw=0)
        from matplotlib.patches import Patch

        handles += [Patch(color=palette[i % len(palette)], alpha=0.3, label=t)
                    for i, t in enumerate(tags)]
        if handles:  # below the plot, where it hides no data
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22),
                      ncol=min(len(handles), 4), fontsize=8, frameon=False)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M"))
        fig.autofmt_xdate()
        ax.set_title(f"{report.host}: Dom0 memory, DomUs and problem episodes (UTC)", fontsize=10)
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, metadata={"Software": None}, bbox_inches="tight")
    finally:
        plt.close(fig)
