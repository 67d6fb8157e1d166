"""How a benchmark states a figure: a measured value, the reference measured in the same run on
the same machine, their ratio, and the target the ratio must meet."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    reference: float | None = None
    reference_name: str = ""
    target: float | None = None
    higher_is_better: bool = True
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.reference in (None, 0):
            return None
        assert self.reference is not None
        return self.value / self.reference

    @property
    def verdict(self) -> str:
        if self.target is None or self.ratio is None:
            return ""
        ok = self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target
        sign = ">=" if self.higher_is_better else "<="
        return f"{'meets' if ok else 'MISSES'} target {sign} {self.target:g}"


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"


def print_figures(figures: list[Figure]) -> None:
    width = max(len(f.name) for f in figures)
    for f in figures:
        line = f"{f.name:<{width}}  {_num(f.value):>12} {f.unit}"
        if f.ratio is not None:
            line += f"  vs {f.reference_name} {_num(f.reference)}  ratio {f.ratio:.3f}"
        if f.verdict:
            line += f"  ({f.verdict})"
        print(line, flush=True)
        for key, value in f.notes.items():
            print(f"{'':<{width}}    {key}: {value}", flush=True)


def save(figures: list[Figure], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    payload = {
        "machine": {"python": platform.python_version(), "cpu_count": __import__("os").cpu_count()},
        "figures": [{**asdict(f), "ratio": f.ratio, "verdict": f.verdict} for f in figures],
    }
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path
