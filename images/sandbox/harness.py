"""Run gallery cells inside the sandbox, the way sphinx-gallery runs them at build time.

Protocol (one container serves one reader's runs, one at a time; see forkserver.py):

1. At start the harness (PID 1) imports the modules named in ``LIVEGALLERY_PRELOAD``
   (comma-separated), warms matplotlib up, and writes ``{"type": "ready", "reusable":
   true, "versions": {distribution: version}}`` (``reusable``: it serves many runs; a
   harness without it serves one; ``versions``: the installed packages).
2. It reads one JSON line from stdin: ``{"cells": ["<python>", ...], "files": {...}}``
   and answers ``{"type": "started"}`` at once. The optional ``files`` (``"helper.py":
   "<python>"``) are written by the run's child to a fresh private folder under /tmp
   added to ``sys.path``, as sphinx-gallery adds the example's own folder.
3. A child forked from PID 1 runs the cells in order in one fresh namespace and writes
   events as they happen, one JSON object per line on the container's stdout (relayed
   by PID 1)::

     {"type": "stdout"|"stderr", "cell": i, "data": str}
     {"type": "image", "cell": i, "mime": "image/png", "data": "<base64>"}
     {"type": "html", "cell": i, "data": "<html>"}   (untrusted: shown in a sandboxed iframe)
     {"type": "cell_done", "cell": i}
     {"type": "error", "cell": i, "kind": "exception"|"memory", "message": str,
      "traceback": str}
     {"type": "done"}

   While it runs, a ``{"type": "stop"}`` line on stdin kills it.
4. When the child has ended, PID 1 kills every other process, empties ``/tmp`` and
   writes the control line ``!{"type": "ended", "stopped": bool, "memory": bool,
   "code": int | "signal": int}``; then it reads the next request (back to 2). Lines
   from a run never start with ``!``: only PID 1 can end a run. EOF on stdin ends it.

File descriptor 1 is pointed at stderr before user code runs, so bytes written straight to
fd 1 (C extensions, subprocesses) cannot corrupt the event stream; the service reports
such raw bytes as stderr of the running cell. Processes a run forks never report events.

After a cell's text come its figures (PNG images, animations and plotly figures as html),
then the html repr of its trailing expression: livegallery_display.py captures them as
sphinx-gallery does. An output over its cap becomes a stderr note; the run goes on.
"""

import ast
import codeop
import functools
import gc
import importlib
import io
import json
import linecache
import os
import re
import shutil
import sys
import tempfile
import threading
import traceback
import types
import warnings

import forkserver
import livegallery_display as display

MAIN_PID = os.getpid()
_PROTO_FD = os.dup(1)
os.dup2(2, 1)
_PROTO_LOCK = threading.Lock()


def emit(event):
    line = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8", "replace")
    with _PROTO_LOCK:
        view = memoryview(line)
        while view:
            written = os.write(_PROTO_FD, view)
            view = view[written:]


class EventStream(io.TextIOBase):
    """A text stream that sends what is written as events, line by line."""

    def __init__(self, name):
        self.name = name
        self.cell = None
        self._buffer = []
        self._size = 0

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._buffer.append(text)
        self._size += len(text)
        if "\n" in text or self._size > 8192:
            self.flush()
        return len(text)

    def flush(self):
        if self._buffer and self.cell is not None:
            data = "".join(self._buffer)
            self._buffer, self._size = [], 0
            emit({"type": self.name, "cell": self.cell, "data": data})

    @property
    def encoding(self):
        return "utf-8"

    def isatty(self):
        return False


def prepare_matplotlib_cache():
    """Point matplotlib at a writable copy of the font cache built into the image (again
    after each run: emptying /tmp removes it)."""
    source = os.environ.get("LIVEGALLERY_MPL_CACHE")
    target = os.path.join(os.environ.get("TMPDIR", "/tmp"), ".matplotlib")
    if not source or os.environ.get("MPLCONFIGDIR", target) != target \
            or not os.path.isdir(source):
        return
    try:
        shutil.copytree(source, target, dirs_exist_ok=True)
        os.environ["MPLCONFIGDIR"] = target
    except OSError as exc:
        print(f"livegallery: no matplotlib cache: {exc}", file=sys.stderr)


#: Read-only datasets: baked in by images/build.sh --fetch-data, or the operator's
#: directory (setting data_dir) mounted over it. One subfolder per library's cache.
DATA_DIR = "/opt/livegallery/data"


def use_data_dir():
    """Point scikit-image's pooch cache at the read-only datasets, when there are some.

    Unset, scikit-image would try to download into /tmp and fail on the missing network
    with its own clear ConnectionError. Must run before skimage.data is imported: it picks
    its cache directory at import.
    """
    cache = os.path.join(DATA_DIR, "scikit-image")
    if os.path.isdir(cache):
        os.environ.setdefault("SKIMAGE_DATADIR", cache)


def preload(names):
    """Import the heavy modules now, so a run pays nothing for them."""
    for name in filter(None, (n.strip() for n in names.split(","))):
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing optional module must not stop the sandbox
            print(f"livegallery: could not preload {name}: {exc}", file=sys.stderr)
    if "matplotlib.pyplot" in sys.modules:
        # Drawing and encoding once loads fonts and the PNG writer ahead of the run.
        plt = sys.modules["matplotlib.pyplot"]
        fig = plt.figure()
        fig.add_subplot().plot([0, 1])
        fig.savefig(io.BytesIO(), format="png",
                    pil_kwargs={"compress_level": display.FAST_PNG_LEVEL})
        plt.close("all")


#: Written into the image at build time (images/build.sh); read instead of a metadata scan.
VERSIONS_FILE = "/opt/livegallery/versions.json"


def installed_versions(path=VERSIONS_FILE):
    """{distribution: version} of the sandbox, for the service to report in health; names
    PEP 503-normalised ("scikit-image"). The image's file is ``{"python": ...,
    "packages": {...}}`` (images/sandbox/versions.py); a flat map is read as well."""
    try:
        with open(path, encoding="utf-8") as f:
            recorded = json.load(f)
        if isinstance(recorded, dict) and isinstance(recorded.get("packages"), dict):
            recorded = recorded["packages"]
        if isinstance(recorded, dict):
            return {_normalize(k): v for k, v in recorded.items() if isinstance(v, str)}
    except (OSError, ValueError):
        pass  # no file (an older image): ask the installed distributions themselves
    from importlib.metadata import distributions

    found = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(_normalize(name), dist.version)
    return dict(sorted(found.items()))


def _normalize(name):
    return re.sub(r"[-_.]+", "-", str(name)).lower()


def install_files(files):
    """Write the run's helper modules into a private folder on sys.path.

    Appended, as sphinx-gallery appends the example's folder (gen_rst.execute_code_block):
    an installed package of the same name wins, at build time and here alike.
    """
    if not files:
        return
    folder = tempfile.mkdtemp(prefix="livegallery-files-")
    for name, source in files.items():
        # names are checked by the service; basename keeps a forged one inside the folder
        with open(os.path.join(folder, os.path.basename(name)), "w", encoding="utf-8") as f:
            f.write(source)
    sys.path.append(folder)
    importlib.invalidate_caches()


def silence_show():
    """As sphinx-gallery does: plt.show() on Agg (MPLBACKEND) is harmless and silent."""
    warnings.filterwarnings(
        "ignore",
        category=UserWarning,
        message="Matplotlib is currently using agg, which is a non-GUI backend, so cannot "
        "show the figure.|(\n|.)*is non-interactive, and thus cannot be shown",
    )


#: As sphinx-gallery: a block with this comment leaves its figures open for a later block.
DEFER_FIGURES = re.compile(r"^[ \t]*#\s*sphinx_gallery_defer_figures[ \t]*$", re.MULTILINE)


def user_traceback(exc):
    """The traceback of ``exc`` without the harness's own frames."""
    tb = exc.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<cell "):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


class CellRunner:
    """Runs cells in one namespace, like one sphinx-gallery example."""

    def __init__(self, streams):
        self.streams = streams
        self.namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        self.compiler = codeop.Compile()  # keeps __future__ imports across cells
        self.shown = None  # the html event of the running cell's trailing expression
        sys.modules["__main__"] = types.ModuleType("__main__")
        sys.modules["__main__"].__dict__.update(self.namespace)
        self.namespace = sys.modules["__main__"].__dict__

    def run(self, cells):
        for index, source in enumerate(cells):
            for stream in self.streams:
                stream.cell = index
            self.shown = None
            error = self.run_cell(index, source)
            for stream in self.streams:
                stream.flush()
            # a deferred cell's figures stay open for the next cell, unless the run ends here
            deferred = error is None and DEFER_FIGURES.search(source) is not None
            self.emit_displays(index, figures=not deferred)
            if error is not None:
                emit(error)
                return
            emit({"type": "cell_done", "cell": index})

    def run_cell(self, index, source):
        filename = f"<cell {index + 1}>"
        # Registered so tracebacks quote the user's own lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            self.execute(source, filename)
        except BaseException as exc:  # user code may raise anything, SystemExit included
            if os.getpid() != MAIN_PID:
                os._exit(1)  # a forked child must never report for the parent
            kind = "memory" if isinstance(exc, MemoryError) else "exception"
            message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            return {"type": "error", "cell": index, "kind": kind, "message": message,
                    "traceback": user_traceback(exc)}
        if os.getpid() != MAIN_PID:
            os._exit(0)
        return None

    def execute(self, source, filename):
        flags = ast.PyCF_ONLY_AST | self.compiler.flags
        tree = compile(source, filename, "exec", flags, dont_inherit=True)
        last = None
        # As sphinx-gallery does: a cell ending in an expression shows that value's repr
        # (as text now, or as html after the cell's figures).
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(self.compiler(tree, filename, "exec"), self.namespace)
        if last is not None:
            value = eval(self.compiler(last, filename, "eval"), self.namespace)
            shown = display.last_repr(value)
            if shown and shown[0] == "text":
                sys.stdout.write(shown[1] + "\n")
            elif shown:
                self.shown = display.html_event(shown[1], "The value of this cell")

    def emit_displays(self, index, figures=True):
        """The cell's figures, then the html repr of its trailing expression."""
        try:
            events = display.figure_events(self.namespace) if figures else []
        except Exception as exc:
            events = [display.note(f"could not save a figure: {exc}")]
        if self.shown is not None:
            events.append(self.shown)
        for event in events:
            emit({**event, "cell": index})


def read_request(requests):
    """The next run's cells and helper files; None when the service closed stdin."""
    while (line := requests.readline()) is not None:
        request = json.loads(line)
        if request.get("type") == "stop":
            continue  # a stop that arrived just after its run ended
        cells = request["cells"]
        if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
            raise ValueError("cells must be a list of strings")
        files = request.get("files") or {}
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise ValueError("files must map names to strings")
        return cells, files
    return None


def reseed_numpy():
    """Every child is forked from the same PID 1, so numpy's global random state would
    repeat run after run (Python's own ``random`` reseeds itself at fork): unseeded noise
    must differ between runs, as between two builds of the gallery."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def run_in_child(cells, files, event_fd):
    """The forked child: run the cells, report on ``event_fd`` (PID 1 relays it)."""
    global MAIN_PID
    MAIN_PID = os.getpid()
    os.dup2(event_fd, _PROTO_FD)  # the container's stdout stays PID 1's alone
    os.close(event_fd)
    # In the child: its folder lives in /tmp, which PID 1 empties after the run.
    install_files(files)
    reseed_numpy()
    streams = (EventStream("stdout"), EventStream("stderr"))
    sys.stdout, sys.stderr = streams
    sys.stdin = io.StringIO("")  # user code must not read the protocol channel
    CellRunner(streams).run(cells)
    emit({"type": "done"})
    os._exit(0)


def main():
    display.configure_plotly()
    prepare_matplotlib_cache()
    use_data_dir()
    preload(os.environ.get("LIVEGALLERY_PRELOAD", ""))
    silence_show()
    # Move the preloaded modules' objects out of the collector's reach: otherwise the
    # first full collection (~50 ms on that heap) lands in the reader's code.
    gc.collect()
    gc.freeze()
    forkserver.harden_pid1()
    # reusable: serves many runs (older harnesses, and sandboxes whose cleanup cannot be
    # complete, serve one)
    emit({"type": "ready", "reusable": forkserver.can_clean_ipc(),
          "versions": installed_versions()})
    requests = forkserver.LineReader(0)
    while (request := read_request(requests)) is not None:
        emit({"type": "started"})  # tells the service this sandbox is alive and took the run
        if not forkserver.serve_one(functools.partial(run_in_child, *request), requests,
                                    _PROTO_FD, prepare_matplotlib_cache):
            break


if __name__ == "__main__":
    main()
