"""The cost curves as one PNG: a panel per measured cost, data size against cost on log-log
axes (the sizes span 100x), each run as a dot, the medians joined, and the growth the design
claims drawn dashed from the 1x point, so a curve that bends away from it shows at a glance.
matplotlib draws off-screen (Agg): benches run where there is no display."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the backend
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

if TYPE_CHECKING:
    from bench.curves import Curve

_plain = FuncFormatter(lambda value, _: f"{value:,.6g}")


def draw(curves: Sequence[Curve], path: Path) -> Path:
    panels: dict[str, list[Curve]] = {}
    for curve in curves:
        panels.setdefault(curve.panel, []).append(curve)
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.4), squeeze=False)
    for ax, (panel, members) in zip(axes[0], panels.items(), strict=True):
        for curve in members:
            line = ax.plot(curve.sizes, curve.values, marker="o", label=curve.label or "measured")
            colour = line[0].get_color()
            for size, runs in zip(curve.sizes, curve.runs, strict=True):
                ax.scatter([size] * len(runs), runs, s=12, color=colour, alpha=0.4)
            first, base = curve.values[0], curve.sizes[0]
            claimed = [first * (s / base if curve.claim == "linear" else 1) for s in curve.sizes]
            ax.plot(curve.sizes, claimed, linestyle="--", color=colour, alpha=0.6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        # Ticks at the measured sizes and at 1-2-5 of the cost, written plainly (0.05 s,
        # 1,000 people: not 5x10^-2, 10^3).
        ax.set_xticks(members[0].sizes)
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(_plain)
            axis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{panel}\n(dashed: the design's claim, {members[0].claim})", fontsize=10)
        ax.set_xlabel(members[0].size_label)
        ax.set_ylabel(members[0].unit)
        ax.grid(True, which="both", alpha=0.3)
        if len(members) > 1:
            ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
