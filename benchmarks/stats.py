"""Numbers: percentiles, the summary every timed section records, and how they print."""

from __future__ import annotations

import math
import statistics


def pct(values: list[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation between closest ranks)."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    if math.isinf(s[hi]) or lo == hi:  # a 429 counted as endless: no interpolating to it
        return s[hi] if k > lo else s[lo]
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(values_s: list[float]) -> dict:
    """Samples in seconds -> n, p50, p90, min, max, mean and every sample, in ms."""
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50_ms": pct(ms, 50), "p90_ms": pct(ms, 90),
            "min_ms": min(ms) if ms else None, "max_ms": max(ms) if ms else None,
            "mean_ms": statistics.fmean(ms) if ms else None, "samples_ms": ms}


def fmt(ms: float | None) -> str:
    if ms is None:
        return "-"
    return f"{ms:.1f}" if ms < 1000 else f"{ms:,.0f}"


def ratio_target(name: str, num: float | None, den: float | None, limit: float) -> dict:
    """A target row: ``num / den <= limit`` (fails when either side is missing)."""
    value = num / den if num is not None and den else None
    return {"target": name, "measured": value, "limit": limit,
            "detail": f"{fmt(num)} ms / {fmt(den)} ms",
            "pass": value is not None and value <= limit}
