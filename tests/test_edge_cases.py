"""sphinx-gallery's edge cases, in real Sphinx builds of tests/sphinx_fixtures/edges
(after sphinx-gallery's own tests/tinybuild): line numbers, animations in every
``matplotlib_animations`` form, byte-order marks, helper modules kept beside an example,
two galleries with a subsection, captured reprs, text-only blocks, dummy images, and the
package versions each page records."""

from __future__ import annotations

import json
import re
import shutil
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main
from sphinx_gallery.py_source_parser import remove_ignore_blocks, split_code_and_text_blocks

from .test_sphinxext import TRACES, cells_of, outputs_of, parse

FIXTURE = Path(__file__).parent / "sphinx_fixtures" / "edges"
EXAMPLES = ["examples/plot_line_numbers.py", "examples/plot_animation.py",
            "examples/plot_defer_figures.py",
            "examples/plot_local.py", "examples/local_module.py", "examples/plot_repr.py",
            "examples/dummy_images.py", "more_examples/sub/plot_sub.py"]
BOM = "\ufeff"


def build(tmp_path: Path, conf_extra: str = "", files: dict[str, bytes] | None = None) -> Path:
    src = tmp_path / "src"
    shutil.copytree(FIXTURE, src)
    for name, data in (files or {}).items():
        (src / name).write_bytes(data)
    with open(src / "conf.py", "a", encoding="utf-8") as f:
        f.write("\n" + conf_extra + "\n")
    out = tmp_path / "out"
    assert build_main(["-q", "-b", "html", str(src), str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("edges"))


def page(out: Path, example: str) -> Path:
    gallery = {"examples": "auto_examples", "more_examples": "auto_more"}
    first, rest = example.split("/", 1)
    return out / gallery[first] / rest.replace(".py", ".html")


def config_of(path: Path) -> dict | None:
    text = path.read_text("utf-8")
    match = re.search(r'<script id="livegallery-config"[^>]*>([^<]*)</script>', text)
    return json.loads(match[1]) if match else None


def expected_cells(example: Path) -> list[str]:
    """The example's code blocks as written (the fixture keeps config comments)."""
    _, blocks = split_code_and_text_blocks(example)
    codes = [remove_ignore_blocks(b.content) for b in blocks if b.type == "code"]
    return [re.sub(r"\A(?:[ \t]*\n)+", "", c.lstrip(BOM)).rstrip() for c in codes if c.strip()]


# ------------------------------------------------------------------ cells


@pytest.mark.parametrize("example", EXAMPLES)
def test_cells_are_the_examples_own_code_and_compile(site, example):
    cells = cells_of(parse(page(site, example)))
    assert [s for _, s in cells] == expected_cells(FIXTURE / example)
    for index, source in cells:
        compile(source, f"<cell {index}>", "exec")  # no IndentationError, no stray BOM


def test_line_numbers_are_shown_but_not_embedded(site):
    path = page(site, "examples/plot_line_numbers.py")
    assert 'class="linenos"' in path.read_text("utf-8")  # sphinx-gallery numbered the lines
    first = cells_of(parse(path))[0][1]
    assert first.startswith("# sphinx_gallery_line_numbers = True\n\nvalues = [1, 2, 3]\nfor v")
    assert "\n    if v > 1:\n        print(" in first


def test_line_numbers_for_the_whole_gallery_and_a_bom(tmp_path, site):
    """``line_numbers`` in the config numbers every example; a byte-order mark at the
    start of a file never reaches a cell (nor a helper module)."""
    bom_example = ('"""\nBOM\n===\n\nStarts with a byte-order mark.\n"""\n'
                   "import local_module\nprint(local_module.N)\n")
    out = build(tmp_path, "sphinx_gallery_conf['line_numbers'] = True\n"
                "sphinx_gallery_conf['plot_gallery'] = 'False'",
                {"examples/bom_example.py": (BOM + bom_example).encode("utf-8"),
                 "examples/second_helper.py": (BOM + "M = 999\n").encode("utf-8")})
    for example in ("examples/plot_repr.py", "more_examples/sub/plot_sub.py"):
        assert 'class="linenos"' in page(out, example).read_text("utf-8")
        assert cells_of(parse(page(out, example))) == cells_of(parse(page(site, example)))
    bom_page = page(out, "examples/bom_example.py")
    sources = [s for _, s in cells_of(parse(bom_page))]
    assert sources and not any(BOM in s for s in sources)
    assert sources[0].startswith('"""\nBOM')  # sphinx-gallery's own split: one code block
    assert config_of(bom_page)["files"]["second_helper.py"] == "M = 999\n"


def test_text_only_blocks_are_not_cells_and_reprs_are_outputs(site):
    root = parse(page(site, "examples/plot_repr.py"))
    assert [i for i, _ in cells_of(root)] == [0, 1]
    assert any("42" in el.text() for el in outputs_of(root, 0))
    assert any("html-repr" in el.text() for el in outputs_of(root, 1))


def test_second_gallery_subsection_non_ascii(site):
    root = parse(page(site, "more_examples/sub/plot_sub.py"))
    (_, source), = cells_of(root)
    assert 'plt.title("été")' in source and "日本語" in source
    outputs = outputs_of(root, 0)
    assert any(el.tag == "img" for el in outputs)
    assert any("sub 日本語" in el.text() for el in outputs)


def test_example_that_is_not_run_keeps_its_cell(site):
    """Not ``plot_``: sphinx-gallery shows the code without running it (its dummy images
    are files for thumbnails only), so there is a cell and no output."""
    root = parse(page(site, "examples/dummy_images.py"))
    assert len(cells_of(root)) == 1 and not outputs_of(root, 0)


def test_text_only_example_and_indexes_are_untouched(site):
    for path in (site / "auto_examples" / "text_only.html",
                 site / "auto_more" / "sub" / "index.html"):
        text = path.read_text("utf-8")
        assert not any(trace in text for trace in TRACES), path


# ------------------------------------------------------------- animations


def animation_page(tmp_path: Path, form: str) -> Path:
    return page(build(tmp_path, f"sphinx_gallery_conf['matplotlib_animations'] = {form}\n"
                      "sphinx_gallery_conf['filename_pattern'] = '/plot_animation'"),
                "examples/plot_animation.py")


def assert_animation_is_cell_output(path: Path, tag: str) -> None:
    root = parse(path)
    assert len(cells_of(root)) == 1  # the only block keeps its cell (and the toolbar)
    outputs = outputs_of(root, 0)
    assert len(outputs) == 1 and outputs[0].tag == tag, [(o.tag, o.classes) for o in outputs]
    assert "livegallery-output" in outputs[0].classes


def test_animation_default_form(site):
    path = page(site, "examples/plot_animation.py")
    assert_animation_is_cell_output(path, "div")
    assert "sphx-glr-animation" in outputs_of(parse(path), 0)[0].classes


def test_animation_jshtml(tmp_path):
    path = animation_page(tmp_path, "(True, 'jshtml')")
    assert_animation_is_cell_output(path, "div")
    assert "<script" in path.read_text("utf-8")  # the JS player itself is in the output


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="html5 video needs ffmpeg")
def test_animation_html5(tmp_path):
    assert_animation_is_cell_output(animation_page(tmp_path, "(True, 'html5')"), "div")


@pytest.mark.skipif(find_spec("sphinxcontrib.video") is None, reason="needs sphinxcontrib-video")
def test_animation_saved_as_a_video_file(tmp_path):
    """Any other format is saved as a file and shown with sphinxcontrib-video's <video>
    (gif: Pillow writes it, no ffmpeg needed)."""
    assert_animation_is_cell_output(animation_page(tmp_path, "(True, 'gif')"), "video")


# -------------------------------------------------------- helper modules


def test_helper_modules_beside_the_example_are_embedded(site):
    files = config_of(page(site, "examples/plot_local.py"))["files"]
    assert files == {"local_module.py": (FIXTURE / "examples/local_module.py").read_text(),
                     "second_helper.py": "M = 999\n"}  # found through local_module too
    # the helper's own page needs only what it imports; an example never needs itself
    helper_page = config_of(page(site, "examples/local_module.py"))
    assert helper_page["files"] == {"second_helper.py": "M = 999\n"}
    assert config_of(page(site, "examples/plot_repr.py"))["files"] == {}


def test_oversized_helper_modules_are_named_in_a_warning(tmp_path, capsys):
    big = "M = 999\n" + "# padding\n" * 30_000
    build(tmp_path, "sphinx_gallery_conf['plot_gallery'] = 'False'",
          {"examples/second_helper.py": big.encode()})
    err = capsys.readouterr().err
    assert "auto_examples/plot_local.py imports" in err and "second_helper.py" in err


# --------------------------------------------------------------- versions


def test_pages_record_the_versions_of_what_they_import(site):
    local = config_of(page(site, "examples/plot_local.py"))
    assert local["expectedVersions"] == {"numpy": version("numpy")}
    assert config_of(page(site, "more_examples/sub/plot_sub.py"))["expectedVersions"] == {
        "matplotlib": version("matplotlib")}
    # standard library only, and a helper's own imports are not a distribution
    assert config_of(page(site, "examples/plot_line_numbers.py"))["expectedVersions"] == {}
    assert config_of(page(site, "examples/local_module.py"))["expectedVersions"] == {}


def test_expected_versions_option_pins_and_adds(tmp_path):
    out = build(tmp_path,
                "livegallery_expected_versions = {'numpy': '0.0.1', 'scikit-image': '9.9'}\n"
                "sphinx_gallery_conf['plot_gallery'] = 'False'")
    assert config_of(page(out, "examples/plot_local.py"))["expectedVersions"] == {
        "numpy": "0.0.1", "scikit-image": "9.9"}
    # a site-wide list: every runnable page expects all of it
    assert config_of(page(out, "examples/plot_line_numbers.py"))["expectedVersions"] == {
        "numpy": "0.0.1", "scikit-image": "9.9"}


@pytest.mark.parametrize("value", ["numpy==2", {"numpy": 2}, {"": "1"}, ["numpy"]])
def test_bad_expected_versions_fail_the_build_clearly(tmp_path, capsys, value):
    src = tmp_path / "src"
    shutil.copytree(FIXTURE, src)
    with open(src / "conf.py", "a", encoding="utf-8") as f:
        f.write(f"\nlivegallery_expected_versions = {value!r}\n")
    assert build_main(["-q", "-b", "html", str(src), str(tmp_path / "out")]) != 0
    assert "livegallery_expected_versions must be a dict" in capsys.readouterr().err


def test_deferred_figure_shows_under_the_later_cell(site):
    root = parse(page(site, "examples/plot_defer_figures.py"))
    def images(i):
        return [e for el in outputs_of(root, i) for e in el.iter() if e.tag == "img"]

    assert [len(images(0)), len(images(1))] == [0, 1]
