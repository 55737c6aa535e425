"""What sphinx-gallery shows for each cell of an example, and whether the service shows
the same: the comparison behind tests/test_fidelity.py and the gallery check
(benchmarks/gallery_check)."""

from __future__ import annotations

import itertools
import re
import textwrap
from dataclasses import dataclass

_SEGMENT = re.compile(r"\.\. GENERATED FROM PYTHON SOURCE LINES \d+-\d+\n")
#: The text output block: its directive may be indented (after images); its lines are
#: indented deeper than the directive, or blank.
_TEXT_OUT = re.compile(r"sphx-glr-script-out\n\n( *)\.\. code-block:: none\n\n"
                       r"((?:\1 +[^\n]*\n|\n)*)")


@dataclass(frozen=True)
class Shown:
    """One cell's output: its text lines, figure count and HTML outputs (plotly figures,
    ``_repr_html_`` reprs)."""

    text: str
    figures: int
    html: int | None = 0  # None: a service that sends no HTML outputs at all


def shown_by_sphinx_gallery(rst: str) -> list[Shown]:
    """What each code block of sphinx-gallery's generated rst shows."""
    shown = []
    for segment in _SEGMENT.split(rst)[1:]:
        if ".. code-block:: Python" not in segment:
            continue
        match = _TEXT_OUT.search(segment)
        text = textwrap.dedent(match.group(2)) if match else ""
        # _repr_html_ reprs and plotly figures sit in an output_html div; animations
        # (matplotlib_animations) in a container of their own.
        html = (segment.count('<div class="output_subarea output_html')
                + segment.count(".. container:: sphx-glr-animation"))
        shown.append(Shown(normalize(text), segment.count(".. image-sg::"), html))
    return shown


def shown_by_service(cell: dict) -> Shown:
    """The same of one cell of a ``POST /api/v1/run`` result. A service whose cells carry
    no ``html`` key predates rich outputs: its HTML count is unknown (None), not 0."""
    html = cell.get("html")
    return Shown(normalize(cell.get("stdout", "") + cell.get("stderr", "")),
                 len(cell.get("images", [])), None if html is None else len(html))


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_SITE_PACKAGES = re.compile(r"[^\s\"']*/site-packages/")
#: Where a warning raised by the example's own code points: its file and line at build
#: time, its cell and the line in that cell in the service (as tracebacks do).
_EXAMPLE_LOCATION = re.compile(r"^(?:/\S*/examples/\S+\.py|<cell \d+>):(\d+): ", re.M)


def normalize(text: str) -> str:
    """Literal blocks drop blank lines at the edges and trailing spaces. Object addresses
    in default reprs (``<... at 0x7f...>``) differ between any two processes, warnings
    name library files by where each environment installed them, and the example's own
    warnings name its file or its cell: all masked."""
    text = _SITE_PACKAGES.sub(".../site-packages/", _ADDRESS.sub(" at 0x...>", text))
    text = _EXAMPLE_LOCATION.sub("<example>:<line>: ", text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines() if line.strip())


def difference(expected: list[Shown], got: list[Shown]) -> str | None:
    """Why the service's cells differ from sphinx-gallery's, or None when they match.
    stdout and stderr are separate streams in the service, so lines are compared in
    order first and then as a multiset (sphinx-gallery interleaves the two)."""
    if len(expected) != len(got):
        return f"{len(got)} cells shown, sphinx-gallery shows {len(expected)}"
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        if why := _counts(index, want, have):
            return why
        if have.html is None and want.html:
            # A service without HTML outputs shows a _repr_html_ object by its text repr:
            # every line sphinx-gallery shows must still be there.
            missing = set(want.text.splitlines()) - set(have.text.splitlines())
            if missing:
                return f"cell {index}: text differs: missing {sorted(missing)[0][:60]!r}"
            continue
        if want.text != have.text and sorted(want.text.splitlines()) != sorted(
                have.text.splitlines()):
            numbers = "only numbers differ (timings or unseeded randomness); " if (
                _NUMBER.sub("#", want.text) == _NUMBER.sub("#", have.text)) else ""
            return (f"cell {index}: text differs: {numbers}"
                    f"{first_difference(want.text, have.text)}")
    return None


def counts_difference(expected: list[Shown], got: list[Shown]) -> str | None:
    """Why the cells' figures or HTML outputs differ (text aside), or None."""
    if len(expected) != len(got):
        return f"{len(got)} cells shown, sphinx-gallery shows {len(expected)}"
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        if why := _counts(index, want, have):
            return why
    return None


def _counts(index: int, want: Shown, have: Shown) -> str | None:
    if want.figures != have.figures:
        return f"cell {index}: {have.figures} figures, sphinx-gallery shows {want.figures}"
    if have.html is not None and want.html != have.html:
        return f"cell {index}: {have.html} HTML outputs, sphinx-gallery shows {want.html}"
    return None


def html_not_compared(expected: list[Shown], got: list[Shown]) -> bool:
    """True when sphinx-gallery shows HTML outputs the service could not report."""
    return any(w.html for w in expected) and any(h.html is None for h in got)


def first_difference(want: str, have: str) -> str:
    for a, b in itertools.zip_longest(want.splitlines(), have.splitlines(), fillvalue=""):
        if a != b:
            return f"expected {a[:60]!r}, got {b[:60]!r}"
    return "same lines"
