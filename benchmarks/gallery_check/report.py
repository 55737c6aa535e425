"""The check's table: printed, and written as an rst page of the docs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .runner import Outcome


def summary(outcomes: list[Outcome]) -> str:
    counts = Counter(o.status for o in outcomes)
    return ", ".join(f"{n} {status}" for status, n in counts.most_common()) + \
        f" (of {len(outcomes)} examples)"


def text_table(outcomes: list[Outcome]) -> str:
    width = max((len(o.name) for o in outcomes), default=10)
    lines = [f"{'example':<{width}}  {'status':<16} {'time s':>7} {'peak MB':>8}  reason"]
    for o in outcomes:
        peak = f"{o.peak_mb:8.0f}" if o.peak_mb is not None else f"{'-':>8}"
        lines.append(f"{o.name:<{width}}  {o.status:<16} {o.seconds:7.1f} {peak}  {o.reason}")
    return "\n".join(lines)


def rst_page(outcomes: list[Outcome], context: dict) -> str:
    title = "Gallery check: scikit-image's gallery through the service"
    head = [
        title, "=" * len(title), "",
        "Written by ``make gallery-check`` (``benchmarks/gallery_check``): every example of "
        f"scikit-image {context['version']}'s gallery (the released sdist's ``doc/examples``), "
        "built by sphinx-gallery with the extension, then run cell by cell through the real "
        "service with its default settings; each cell's text lines, figures and HTML outputs "
        "are compared with sphinx-gallery's own run. Time is the whole request; peak memory "
        "is the sandbox's cgroup peak. \"varies\": the example prints run-dependent text "
        "(a clock, unseeded random noise): it was run twice and the service's two runs "
        "differ from each other as from sphinx-gallery's, while every figure and HTML "
        "output matches — no two builds of sphinx-gallery agree on such text either; "
        "\"needs data\" examples download a dataset and run when the service has it "
        "(setting ``data_dir``).", "",
        f"- Image: ``{context['image']}``; data directory: {context['data_dir'] or 'none'}",
        f"- Machine: {context['machine']}; run on {context['date']}",
        f"- Result: {summary(outcomes)}", "",
        ".. list-table::", "   :header-rows: 1", "   :widths: 40 12 8 8 32", "",
        "   * - Example", "     - Status", "     - Time (s)", "     - Peak (MB)", "     - Reason",
    ]
    rows = []
    for o in outcomes:
        peak = f"{o.peak_mb:.0f}" if o.peak_mb is not None else "-"
        reason = o.reason.replace("`", "'").replace("*", "\\*") or "-"
        rows += [f"   * - ``{o.name}``", f"     - {o.status}", f"     - {o.seconds:.1f}",
                 f"     - {peak}", f"     - {reason}"]
    return "\n".join(head + rows) + "\n"


def write_rst(path: Path, outcomes: list[Outcome], context: dict) -> None:
    path.write_text(rst_page(outcomes, context), encoding="utf-8")
