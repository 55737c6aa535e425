"""Build tests for livegallery.sphinxext: real Sphinx builds of a tiny gallery.

The fixture gallery (tests/sphinx_fixtures/gallery) has two examples:
``plot_multi.py`` (four cells, non-ASCII, ``</script>`` in a string, a prose
literal block that is not a cell, an image, an HTML repr, an ignore block) and
``plot_short.py`` (two blocks: sphinx-gallery puts its output before its code).
"""

from __future__ import annotations

import base64
import json
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main
from sphinx_gallery.py_source_parser import (
    remove_config_comments,
    remove_ignore_blocks,
    split_code_and_text_blocks,
)

from livegallery.sphinxext.config import DEFAULT_PLOTLY_PATH

from .sites import FIXTURE, build_in_process, gallery_source

EXAMPLES = ("plot_multi", "plot_short")
# anything the extension writes; none of it may appear on pages it leaves alone
TRACES = ("livegallery-cell", "livegallery-output", "data-livegallery", "livegallery-config",
          "livegallery/")


# ---------------------------------------------------------------- building


def build(tmp_path: Path, builder: str = "html", conf_extra: str = "", parallel: int = 0) -> Path:
    """Copy the fixture (once), append ``conf_extra`` to its conf.py, build; the outdir.
    The extension must build the fixture without a single warning."""
    src = gallery_source(tmp_path / "src", conf_extra)
    result = build_in_process(src, tmp_path / "out", builder, parallel)
    assert result.warnings == "", result.warnings
    return result.out


@pytest.fixture(scope="module")
def html_build(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("html"))


# ----------------------------------------------------------------- parsing

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag, self.attrs, self.children = tag, attrs, []

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class TreeBuilder(HTMLParser):
    """Just enough of a DOM: Sphinx writes well-formed HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(path: Path) -> Element:
    parser = TreeBuilder()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.root


def cells_of(root: Element) -> list[tuple[int, str]]:
    return [
        (int(el.attrs["data-livegallery-cell"]),
         base64.b64decode(el.attrs["data-livegallery-source"]).decode("utf-8"))
        for el in root.iter()
        if "livegallery-cell" in el.classes
    ]


def outputs_of(root: Element, index: int) -> list[Element]:
    return [el for el in root.iter() if f"livegallery-output-{index}" in el.classes]


def config_of(root: Element) -> dict | None:
    scripts = [el for el in root.iter()
               if el.tag == "script" and el.attrs.get("id") == "livegallery-config"]
    assert len(scripts) <= 1
    if not scripts:
        return None
    assert scripts[0].attrs.get("type") == "application/json"
    return json.loads(scripts[0].text())


def asset_urls(root: Element) -> tuple[list[str], list[str]]:
    """(module script srcs, stylesheet hrefs) of livegallery, query strings dropped."""
    scripts = [el.attrs["src"].split("?")[0] for el in root.iter()
               if el.tag == "script" and "livegallery" in el.attrs.get("src", "")
               and el.attrs.get("type") == "module"]
    styles = [el.attrs["href"].split("?")[0] for el in root.iter()
              if el.tag == "link" and "livegallery" in el.attrs.get("href", "")]
    return scripts, styles


# ------------------------------------------------------------ expectations


def displayed(code: str) -> str:
    """How docutils shows a code-block's content: tabs expanded, trailing
    whitespace and the blank lines around the block dropped."""
    lines = [line.rstrip() for line in code.expandtabs(8).splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def expected_cells(example: Path) -> list[str]:
    """The code blocks as sphinx-gallery splits and cleans them (the fixture
    sets remove_config_comments, so both cleaning steps apply)."""
    _, blocks = split_code_and_text_blocks(example)
    codes = [remove_config_comments(remove_ignore_blocks(b.content))
             for b in blocks if b.type == "code"]
    return [displayed(code) for code in codes if not code.isspace()]


# ------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", EXAMPLES)
def test_cell_sources_are_sphinx_gallery_blocks_in_order(html_build, name):
    root = parse(html_build / "auto_examples" / f"{name}.html")
    expected = expected_cells(FIXTURE / "examples" / f"{name}.py")
    cells = cells_of(root)
    assert [i for i, _ in cells] == list(range(len(expected)))
    assert [source for _, source in cells] == expected


def test_tricky_content_survives(html_build):
    sources = [s for _, s in cells_of(parse(html_build / "auto_examples" / "plot_multi.html"))]
    assert len(sources) == 4
    assert 's = """a "triple" string with </script> and <!-- and ]]> and &amp;"""' in sources[0]
    assert "ünïcödé 日本語" in sources[0]
    # sphinx-gallery's cleaning: config comment and ignore block are gone
    assert "sphinx_gallery_thumbnail_number" not in sources[0]
    assert "ignored by sphinx-gallery" not in sources[2]
    # prose literal blocks are not cells
    assert not any("hello-prose" in s for s in sources)


def test_cell_wraps_the_highlighted_code(html_build):
    root = parse(html_build / "auto_examples" / "plot_multi.html")
    cells = [el for el in root.iter() if "livegallery-cell" in el.classes]
    assert cells and all(el.tag == "div" for el in cells)
    for cell in cells:
        inner = [c for c in cell.children if isinstance(c, Element)]
        assert len(inner) == 1 and inner[0].tag == "div"
        assert any(c.startswith("highlight-") for c in inner[0].classes)


def test_outputs_are_marked_with_their_cell(html_build):
    root = parse(html_build / "auto_examples" / "plot_multi.html")
    # cell i prints or shows "hello-<i>"; exactly its own outputs hold it
    for i in range(4):
        texts = [el.text() for el in outputs_of(root, i)]
        assert any(f"hello-{i}" in t for t in texts), i
        for j in set(range(4)) - {i}:
            assert not any(f"hello-{i}" in el.text() for el in outputs_of(root, j)), (i, j)
    for i in range(4):
        assert all("livegallery-output" in el.classes for el in outputs_of(root, i))
    # the figure of cell 1 is an <img> carrying the classes itself
    images = [el for el in outputs_of(root, 1) if el.tag == "img"]
    assert len(images) == 1 and "sphx-glr-single-img" in images[0].classes
    # outputs are outermost: no marked element inside another one
    for el in root.iter():
        if "livegallery-output" in el.classes:
            assert not any("livegallery-output" in d.classes for d in list(el.iter())[1:])


def test_short_example_output_before_code_belongs_to_cell_0(html_build):
    root = parse(html_build / "auto_examples" / "plot_short.html")
    order = [el for el in root.iter()
             if "livegallery-cell" in el.classes or "livegallery-output" in el.classes]
    assert "livegallery-output-0" in order[0].classes  # output first ...
    assert "livegallery-cell" in order[-1].classes  # ... then the code
    assert any("short-0" in el.text() for el in outputs_of(root, 0))


def test_config_json_and_assets_on_example_pages(html_build):
    for name in EXAMPLES:
        page = html_build / "auto_examples" / f"{name}.html"
        root = parse(page)
        assert config_of(root) == {
            "backendUrl": "https://run.example.org",
            "acePath": "../_static/ace/ace.js",
            "plotlyPath": DEFAULT_PLOTLY_PATH,
            "requestTimeout": 12.5,
            "version": version("livegallery"),
        }
        scripts, styles = asset_urls(root)
        assert scripts == ["../_static/livegallery/livegallery.js"]
        assert styles == ["../_static/livegallery/livegallery.css"]
        for url in (*scripts, *styles, "../_static/ace/ace.js"):
            assert (page.parent / url).resolve().is_file(), url


def test_all_front_end_files_are_copied(html_build):
    from livegallery.frontend import ASSETS_DIR

    wanted = {p.name for p in Path(ASSETS_DIR).iterdir() if p.suffix in (".js", ".css")}
    assert {"livegallery.js", "livegallery.css"} <= wanted
    copied = {p.name for p in (html_build / "_static" / "livegallery").iterdir()}
    assert wanted <= copied


@pytest.mark.parametrize("page", ["index.html", "other.html", "auto_examples/index.html"])
def test_other_pages_untouched(html_build, page):
    text = (html_build / page).read_text(encoding="utf-8")
    assert not any(trace in text for trace in TRACES)
    if page == "other.html":  # its python code block is not a cell
        assert "plain code on a plain page" in parse(html_build / page).text()


def test_absolute_ace_path_is_kept(tmp_path):
    out = build(tmp_path,
                conf_extra='livegallery_ace_path = "/assets/ace.js"\nlivegallery_backend_url = ""')
    config = config_of(parse(out / "auto_examples" / "plot_short.html"))
    assert config["acePath"] == "/assets/ace.js"
    assert config["backendUrl"] == ""


def test_site_relative_plotly_path_becomes_page_relative(tmp_path):
    out = build(tmp_path, conf_extra='livegallery_plotly_path = "_static/plotly/plotly.min.js"')
    config = config_of(parse(out / "auto_examples" / "plot_short.html"))
    assert config["plotlyPath"] == "../_static/plotly/plotly.min.js"


# sphinx-gallery itself cannot build "text" (its image node has no text visitor).
@pytest.mark.parametrize("builder, suffix", [("latex", ".tex"), ("singlehtml", ".html")])
def test_other_builders_untouched(tmp_path, builder, suffix):
    out = build(tmp_path, builder=builder)
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix == suffix]
    assert files
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    assert "Short example" in text and "Shown" in text  # the examples are there ...
    assert not any(trace in text for trace in TRACES)  # ... untouched
    assert not (out / "_static" / "livegallery").exists()


def test_parallel_build_gives_same_cells(tmp_path, html_build):
    out = build(tmp_path, parallel=2)
    for name in EXAMPLES:
        serial = parse(html_build / "auto_examples" / f"{name}.html")
        parallel = parse(out / "auto_examples" / f"{name}.html")
        assert cells_of(parallel) == cells_of(serial) != []
        assert config_of(parallel) == config_of(serial)
        assert asset_urls(parallel) == asset_urls(serial)


def test_dirhtml_relative_paths(tmp_path):
    out = build(tmp_path, builder="dirhtml")
    page = out / "auto_examples" / "plot_multi" / "index.html"
    root = parse(page)
    assert len(cells_of(root)) == 4
    config = config_of(root)
    assert config["acePath"] == "../../_static/ace/ace.js"
    scripts, styles = asset_urls(root)
    for url in (config["acePath"], *scripts, *styles):
        assert (page.parent / url).resolve().is_file(), url
    other = (out / "other" / "index.html").read_text(encoding="utf-8")
    assert not any(trace in other for trace in TRACES)


def test_runnable_pattern_excludes_an_example(tmp_path):
    out = build(tmp_path,
                conf_extra='livegallery_runnable_pattern = r"auto_examples/plot_multi\\.py$"')
    included = parse(out / "auto_examples" / "plot_multi.html")
    assert len(cells_of(included)) == 4 and config_of(included) is not None
    excluded = (out / "auto_examples" / "plot_short.html").read_text(encoding="utf-8")
    assert not any(trace in excluded for trace in TRACES)
    assert "short-0" in excluded  # still a normal sphinx-gallery page


def test_incremental_rebuild(tmp_path):
    out = build(tmp_path)
    src = tmp_path / "src"
    # an edited example is re-run and re-read; a changed option rewrites every page
    example = src / "examples" / "plot_short.py"
    edited = example.read_text(encoding="utf-8").replace("short-0", "short-edited")
    example.write_text(edited, encoding="utf-8")
    build(tmp_path, conf_extra='livegallery_backend_url = "http://other.example.org:8080"')
    short = parse(out / "auto_examples" / "plot_short.html")
    assert [s for _, s in cells_of(short)] == ['print("short-edited")']
    multi = parse(out / "auto_examples" / "plot_multi.html")
    assert len(cells_of(multi)) == 4
    for root in (short, multi):
        assert config_of(root)["backendUrl"] == "http://other.example.org:8080"


@pytest.mark.parametrize(
    "conf_extra, message",
    [
        ('livegallery_backend_url = "ftp://example.org"',
         "livegallery_backend_url must be an http"),
        ('livegallery_backend_url = "example.org"', "livegallery_backend_url must be an http"),
        ("livegallery_request_timeout = 0",
         "livegallery_request_timeout must be a positive number"),
        ('livegallery_request_timeout = "60"',
         "livegallery_request_timeout must be a positive number"),
        ('livegallery_runnable_pattern = "plot_(multi"',
         "livegallery_runnable_pattern is not a valid regular expression"),
        ('livegallery_runnable_pattern = ["plot_"]',
         "livegallery_runnable_pattern must be a string"),
        ('livegallery_ace_path = ""', "livegallery_ace_path must be a non-empty string"),
        ('livegallery_plotly_path = None', "livegallery_plotly_path must be a non-empty string"),
        ('livegallery_plotly_path = "javascript:alert(1)"',
         "livegallery_plotly_path must be an http(s) URL"),
    ],
)
def test_invalid_options_fail_clearly(tmp_path, capsys, conf_extra, message):
    src = gallery_source(tmp_path / "src", conf_extra)
    status = build_main(["-q", "-b", "html", str(src), str(tmp_path / "out")])
    assert status != 0
    assert message in capsys.readouterr().err
