"""What an example imports: the modules it names, and the helper modules kept beside it.

sphinx-gallery runs each example with the example's own folder on ``sys.path``,
so ``import local_module`` finds ``local_module.py`` next to it. The sandbox has no such
folder: the page carries those helpers' sources and the run sends them along.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path, PurePosixPath

#: What the backend accepts as a file name (see backend/api.py).
MODULE_FILE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.py")


def imported_names(source: str) -> set[str]:
    """Top-level names of every absolute import in ``source`` (``a`` for ``import a.b``);
    empty when the source does not parse."""
    try:
        tree = ast.parse(source.lstrip("\ufeff"))
    except (SyntaxError, ValueError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def source_folder(srcdir: Path, gallery_conf: dict, example: str) -> Path:
    """The folder the example's original file lives in.

    ``example`` is the copy's path under a gallery dir (``auto_examples/sub/plot_x.py``);
    sphinx-gallery copies examples only, not their helpers, so the helpers are looked
    up in the matching ``examples_dirs`` entry. Falls back to the copy's folder.
    """
    example_path = PurePosixPath(example)
    pairs = zip(_as_list(gallery_conf.get("examples_dirs")),
                _as_list(gallery_conf.get("gallery_dirs")), strict=False)
    for examples_dir, gallery_dir in pairs:
        gallery = PurePosixPath(gallery_dir.replace("\\", "/"))
        try:
            rest = example_path.relative_to(gallery)
        except ValueError:
            continue
        folder = (srcdir / examples_dir / rest).parent
        if folder.is_dir():
            return folder
    return (srcdir / example).parent


def _as_list(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value or () if isinstance(v, str)]


def local_modules(example_source: str, folder: Path, own_name: str) -> dict[str, str]:
    """``{"helper.py": source}`` for every sibling module the example imports, directly
    or through another sibling; the example itself is never one."""
    found: dict[str, str] = {}
    pending = [example_source]
    while pending:
        for name in sorted(imported_names(pending.pop())):
            filename = f"{name}.py"
            path = folder / filename
            if filename in found or filename == own_name or not MODULE_FILE.fullmatch(filename):
                continue
            if not path.is_file():
                continue
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                continue  # not a module Python could import as written either
            found[filename] = text
            pending.append(text)
    return dict(sorted(found.items()))
