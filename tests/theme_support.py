"""Helpers of tests/test_themes.py: the fixture gallery built once per theme into one
site root (so one service serves all three), how each theme is put in light or dark
mode, and in-page JavaScript that measures what a reader sees: rendered colours
(any CSS colour syntax, resolved by a canvas), the backdrop a text is drawn on
(walking up the ancestors and compositing translucent backgrounds), WCAG contrast
ratios and boxes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .sites import build_subprocess, gallery_source

EXAMPLE = "auto_examples/plot_multi.html"

THEMES = ("pydata_sphinx_theme", "furo", "alabaster")
MODES = ("light", "dark")

# WCAG 2.2: 1.4.3 text contrast (AA, normal-size text), 1.4.11 non-text contrast
# (focus indicators), 2.5.8 target size (minimum).
TEXT_CONTRAST = 4.5
UI_CONTRAST = 3.0
TARGET = 24


def build_theme(theme: str, root: Path) -> Path:
    """The fixture gallery built with ``theme``, into ``root/<theme>``, with the real
    Ace at _static/ace and the backend at the page's own origin."""
    src = gallery_source(root.parent / f"src-{theme}", real_ace=True, conf_extra=(
        'livegallery_backend_url = ""\n'
        'livegallery_ace_path = "_static/ace/ace.js"\n'
        f'html_theme = "{theme}"'))
    out = build_subprocess(src, root / theme, timeout=180)
    assert (out / EXAMPLE).is_file(), f"the {theme} build has no {EXAMPLE}"
    return out


def build_all(root: Path) -> Path:
    """Every theme's site under ``root`` (built in parallel), plus the index.html the
    service wants at the root of what it serves."""
    root.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(len(THEMES)) as pool:
        list(pool.map(lambda t: build_theme(t, root), THEMES))
    links = "".join(f'<li><a href="{t}/index.html">{t}</a></li>' for t in THEMES)
    (root / "index.html").write_text(f"<!doctype html><title>themes</title><ul>{links}</ul>")
    return root


def init_script(theme: str, mode: str) -> str:
    """Run before the page's own scripts: the reader's stored choice of scheme, as the
    theme's own switcher would have stored it. Alabaster has none (the OS preference,
    emulated separately, is all there is). Playwright runs it in every frame too; the
    sandboxed frames of HTML outputs have no storage, so only the page itself does it."""
    if theme == "pydata_sphinx_theme":
        store = (f"localStorage.setItem('mode', '{mode}');"
                 f"localStorage.setItem('theme', '{mode}');")
    elif theme == "furo":
        store = f"localStorage.setItem('theme', '{mode}');"
    else:
        return ""
    return f"if (window === window.top) {{ {store} }}"


#: The scheme the theme itself says it shows (None: the theme has no dark mode).
THEME_SCHEME_JS = {
    "pydata_sphinx_theme": "document.documentElement.dataset.theme",
    "furo": "document.body.dataset.theme",
    "alabaster": "null",
}

#: In-page measuring functions, installed as window.__lgProbe.
PROBE_JS = r"""
(() => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  // Any CSS colour (rgb, color(srgb), oklch, color-mix, ...) as [r, g, b, a], 0-255 / 0-1.
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = (top, bottom) => {  // source-over of a translucent colour on an opaque one
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
  };
  const lum = ([r, g, b]) => {
    const lin = (c) => {
      c /= 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const contrast = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  // The opaque colour an element is painted on: its own background and its
  // ancestors', composited from the first opaque one down; the canvas (white,
  // or dark when the root asks for a dark color-scheme) under everything.
  const backdrop = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      const image = cs.backgroundImage;
      if (image && image !== 'none' && !image.startsWith('url(')) {
        layers.push({ gradient: cs.backgroundImage, el: e.tagName });
      }
      const c = rgba(cs.backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    const rootScheme = getComputedStyle(document.documentElement).colorScheme || '';
    const dark = rootScheme.includes('dark') && !rootScheme.includes('light');
    let base = dark ? [18, 18, 18, 1] : [255, 255, 255, 1];
    const gradients = layers.filter((l) => l.gradient).map((l) => l.el);
    const colours = layers.filter((l) => !l.gradient);
    if (colours.length && colours[colours.length - 1][3] >= 1) base = colours.pop();
    for (let i = colours.length - 1; i >= 0; i--) base = over(colours[i], base);
    return { colour: base, gradients };
  };
  // Text colour as drawn: the element's colour on its backdrop, faded by the
  // opacity of it and its ancestors.
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height, right: r.right, bottom: r.bottom };
  };
  const textContrast = (el) => {
    const cs = getComputedStyle(el);
    const bg = backdrop(el);
    const fg = rgba(cs.color);
    const o = opacity(el);
    const drawn = over([fg[0], fg[1], fg[2], fg[3] * o], bg.colour);
    return {
      color: cs.color, drawn, background: bg.colour, gradients: bg.gradients,
      opacity: o, ratio: contrast(drawn, bg.colour),
      fontSize: cs.fontSize, fontWeight: cs.fontWeight, text: el.textContent,
    };
  };
  // Who is on top at the centre of el (the topmost hit, which must be el or inside it).
  const onTop = (el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return { ok: Boolean(hit && (hit === el || el.contains(hit))),
             hit: hit ? `${hit.tagName}.${hit.className}` : null };
  };
  const focusRing = (el) => {
    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
    const shadow = cs.boxShadow && cs.boxShadow !== 'none';
    // An outline drawn outside the border (offset >= 0) sits on the parent's backdrop.
    const against = parseFloat(cs.outlineOffset) >= 0 ? backdrop(el.parentElement).colour
                                                      : backdrop(el).colour;
    const ringColour = outline ? rgba(cs.outlineColor) : null;
    return {
      focused: document.activeElement === el,
      focusVisible: el.matches(':focus-visible'),
      outlineStyle: cs.outlineStyle, outlineWidth: cs.outlineWidth,
      outlineColor: cs.outlineColor, outlineOffset: cs.outlineOffset, boxShadow: cs.boxShadow,
      visible: Boolean(outline || shadow),
      ratio: ringColour ? contrast(over(ringColour, against), against) : null,
    };
  };
  window.__lgProbe = { rgba, backdrop, textContrast, box, onTop, focusRing, contrast, lum };
})();
"""


def scheme_of(luminance: float) -> str:
    """Light or dark, from a background's relative luminance (0 black .. 1 white)."""
    return "dark" if luminance < 0.18 else "light"


class Findings:
    """Every problem of one theme × mode, so one run reports them all (and the
    screenshot is saved before the test fails)."""

    def __init__(self, where: str):
        self.where = where
        self.problems: list[str] = []

    def check(self, ok: bool, message: str) -> bool:
        if not ok:
            self.problems.append(message)
        return ok

    def contrast(self, what: str, measured: dict, minimum: float = TEXT_CONTRAST) -> None:
        self.check(measured["ratio"] >= minimum,
                   f"{what}: contrast {measured['ratio']:.2f} < {minimum} "
                   f"({measured['color']} drawn as {measured['drawn'][:3]} on "
                   f"{measured['background'][:3]})")
        self.check(not measured["gradients"],
                   f"{what}: drawn over a gradient ({measured['gradients']}); contrast unknown")

    def report(self) -> str:
        return f"{self.where}: {len(self.problems)} problem(s):\n  " + "\n  ".join(self.problems)
