"""Percentiles of a sample, the way wrk reports them (nearest rank)."""

from __future__ import annotations

import math


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
