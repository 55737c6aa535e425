"""What a cell shows besides its text, captured the way sphinx-gallery does at build time.

sphinx-gallery (0.22, ``gen_rst._get_last_repr`` and ``scrapers.matplotlib_scraper``)
shows, after each code block:

1. the block's figures: every open matplotlib figure saved as PNG, except a figure that
   an ``Animation`` in the example's globals draws into, which is embedded as HTML
   (``to_jshtml``); then plotly figures shown with ``fig.show()`` under the
   ``sphinx_gallery_png`` renderer that plotly's scraper collects (scikit-image's
   ``conf.py`` uses both scrapers);
2. the block's text output;
3. the value of a trailing expression: the first method of ``capture_repr`` (default
   ``('_repr_html_', '__repr__')``) that returns a string, as HTML or as text.

This module does the same inside the sandbox and returns events for the harness to send.
HTML is untrusted: the page shows it only inside a sandboxed iframe.

The module name is prefixed so a gallery's own helper module (``display.py``, say) can
never be shadowed by it.
"""

import base64
import io
import os
import sys

#: sphinx-gallery's default ``capture_repr``; the service passes its ``capture_repr``
#: setting (comma-separated, empty for none) for a gallery whose conf.py sets another.
CAPTURE_REPR = tuple(
    name.strip() for name in
    os.environ.get("LIVEGALLERY_CAPTURE_REPR", "_repr_html_,__repr__").split(",")
    if name.strip())
#: PNG compression level tried first: level 1 encodes several times faster than
#: matplotlib's default with the very same pixels; only the file is a little larger.
FAST_PNG_LEVEL = int(os.environ.get("LIVEGALLERY_PNG_COMPRESS_LEVEL", "1"))
#: The service's caps (it passes them in the environment); over them an output is
#: dropped with a note instead of ending the run.
MAX_IMAGE_BYTES = int(os.environ.get("LIVEGALLERY_MAX_IMAGE_BYTES", "4000000"))
MAX_HTML_BYTES = int(os.environ.get("LIVEGALLERY_MAX_HTML_BYTES", "30000000"))
#: "jshtml" embeds matplotlib animations as sphinx-gallery's ``matplotlib_animations``
#: does; "off" saves their figure as a still PNG, as sphinx-gallery does by default.
ANIMATIONS = os.environ.get("LIVEGALLERY_ANIMATIONS", "jshtml")


def configure_plotly():
    """Make ``fig.show()`` queue figures for collection, as scikit-image's conf.py does
    (``plotly.io.renderers.default = "sphinx_gallery_png"``) instead of trying to open a
    browser. Must run before plotly is imported: plotly reads it at import time."""
    os.environ.setdefault("PLOTLY_RENDERER", "sphinx_gallery_png")


# -- the trailing expression ------------------------------------------------------------

def last_repr(value):
    """``("html"|"text", str)`` for a trailing expression's value, or None.

    Follows sphinx-gallery's ``_get_last_repr``: the first method of CAPTURE_REPR whose
    call returns a string wins; a method that raises or is missing is skipped; a result
    of None or "None" (a trailing ``print()``) shows nothing.
    """
    if value is None:
        return None
    if _is_plotly_figure(value) and "_repr_html_" in CAPTURE_REPR:
        # plotly's own _repr_html_ links plotly.js from its CDN; the page's iframe loads
        # the configured copy instead, so the figure's HTML must not carry one.
        return "html", plotly_html(value.to_dict())
    text, method = None, None
    for name in CAPTURE_REPR:
        try:
            text = getattr(value, name)()
        except Exception:
            text, method = None, None
            continue
        method = None if text is None or text == "None" else name
        if isinstance(text, str):
            break
    if method is None or not isinstance(text, str) or not text:
        return None
    return ("html" if method == "_repr_html_" else "text"), text


def _is_plotly_figure(value):
    base = sys.modules.get("plotly.basedatatypes")
    return base is not None and isinstance(value, base.BaseFigure)


def plotly_html(fig_dict):
    """A figure as plotly's sphinx-gallery scraper embeds it, minus the plotly.js tag."""
    import plotly.io

    return plotly.io.to_html(fig_dict, include_plotlyjs=False, full_html=False,
                             default_width="100%", default_height=525, validate=False)


# -- figures ----------------------------------------------------------------------------

def figure_events(namespace):
    """Events for every open matplotlib figure and shown plotly figure, in the order
    sphinx-gallery's scrapers put them on the page; closes the matplotlib figures."""
    events = matplotlib_events(namespace)
    for fig_dict in _shown_plotly_figures():
        events.append(html_event(plotly_html(fig_dict), "A plotly figure"))
    return events


def matplotlib_events(namespace):
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    animations = _animations(namespace)
    events, figure = [], 0
    try:
        for num in plt.get_fignums():
            fig = plt.figure(num)
            figure += 1
            if fig in animations:
                events.append(html_event(animation_html(animations[fig]),
                                         f"Animation {figure} of this cell"))
                continue
            data = figure_png(fig)
            if data is None:
                events.append(note(f"Figure {figure} of this cell was larger than "
                                   f"{MAX_IMAGE_BYTES:,} bytes as a PNG and is not shown."))
            else:
                events.append({"type": "image", "mime": "image/png", "data": data})
    finally:
        plt.close("all")
    return events


def _animations(namespace):
    """Animations in the example's globals, by figure (as sphinx-gallery finds them)."""
    animation = sys.modules.get("matplotlib.animation")
    if animation is None or ANIMATIONS == "off":
        return {}
    return {value._fig: value for value in list(namespace.values())
            if isinstance(value, animation.Animation)}


def animation_html(anim):
    """sphinx-gallery's default embedding: the animation's own ``_repr_html_`` (by
    ``rcParams['animation.html']``), else JavaScript HTML. An HTML5 video needs ffmpeg,
    which the sandbox may lack: then JavaScript HTML too."""
    import matplotlib
    from matplotlib.animation import FFMpegWriter

    if matplotlib.rcParams["animation.html"] == "html5" and FFMpegWriter.isAvailable():
        return anim.to_html5_video()
    return anim.to_jshtml()


def figure_png(fig):
    """Base64 PNG of ``fig`` within MAX_IMAGE_BYTES, or None.

    Encoded fast first; over the cap, again at matplotlib's default compression (what
    sphinx-gallery saves), which is often smaller by a third.
    """
    import matplotlib

    to_rgba = matplotlib.colors.to_rgba
    kwargs = {"format": "png"}
    # sphinx-gallery keeps a figure's own face and edge colours.
    for attr in ("facecolor", "edgecolor"):
        value = getattr(fig, "get_" + attr)()
        if to_rgba(value) != to_rgba(matplotlib.rcParams["figure." + attr]):
            kwargs[attr] = value
    for pil_kwargs in ({"compress_level": FAST_PNG_LEVEL}, None):
        buffer = io.BytesIO()
        fig.savefig(buffer, **kwargs, **({"pil_kwargs": pil_kwargs} if pil_kwargs else {}))
        data = base64.b64encode(buffer.getvalue())
        if len(data) <= MAX_IMAGE_BYTES:
            return data.decode("ascii")
    return None


def _shown_plotly_figures():
    """Figures ``fig.show()`` queued under the sphinx_gallery_png renderer, taken off
    the queue (plotly's scraper does the same after each block)."""
    renderers = sys.modules.get("plotly.io._base_renderers")
    queue = getattr(renderers, "sphinx_gallery_figures", None)
    if not queue:
        return []
    figures = list(queue)
    del queue[:]
    return figures


# -- events -----------------------------------------------------------------------------

def html_event(html, what="An HTML output"):
    """An ``html`` event, or a note when it is over the cap."""
    size = len(html.encode("utf-8", "replace"))
    if size > MAX_HTML_BYTES:
        return note(f"{what} was larger than {MAX_HTML_BYTES:,} bytes of HTML and is "
                    "not shown.")
    return {"type": "html", "data": html}


def note(text):
    """A line under the cell saying what livegallery left out, as stderr text."""
    return {"type": "stderr", "data": f"livegallery: {text}\n"}
