"""From DOT source to pictures: which Graphviz program draws them, and how it is run.

This is the one place that chooses the renderer. ``find_renderer`` looks, in order, for

1. ``dot``, the system Graphviz, on ``PATH`` (``apt-get install graphviz``, ``brew install
   graphviz``, ...);
2. ``graphviz-pure``, a self-contained port of ``dot`` that pip installs (a dependency of
   this package), on ``PATH`` or in the scripts directory of the running Python
   (``.venv/bin``), which is searched too because ``.venv/bin/python`` is often run
   without the virtual environment being activated.

The ``graphviz`` Python package only ever runs a program called ``dot`` found on ``PATH``,
so ``Drawing`` (the ``graphviz.Digraph`` that ``draw_graph`` returns) replaces its
rendering methods with ones that run the program found here. When there is none, they
raise ``RendererNotFound`` saying what to install.

In Jupyter a ``Drawing`` shows as SVG only (a PNG beside it would double the notebook's size
for nothing), at its natural size but never wider than the page (``fit_to_page``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

INSTALL_HINT = ("install a Graphviz renderer: `pip install graphviz-pure` (into this "
                "Python's environment) or the system Graphviz (`apt-get install graphviz`, "
                "`brew install graphviz`)")


class RendererNotFound(graphviz.ExecutableNotFound):
    """No Graphviz program to draw with (a ``graphviz.ExecutableNotFound``, so code that
    catches the ``graphviz`` package's error catches this one too)."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)  # the parent's __init__ insists on its own text


class RenderError(RuntimeError):
    """The Graphviz program ran but failed (its message is included)."""


@dataclass(frozen=True)
class Renderer:
    """A Graphviz program: ``name`` is ``"dot"`` or ``"graphviz-pure"``, ``path`` its file."""

    name: str
    path: str

    def version(self) -> str:
        """The program's own version line (``-V``; both programs print it to stderr)."""
        done = subprocess.run([self.path, "-V"], capture_output=True, check=False)
        text = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        return text.splitlines()[0] if text else "unknown version"


def _script_dirs() -> list[str]:
    """Where pip puts the console programs of the running Python, even if not on PATH."""
    dirs = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    try:  # `pip install --user` puts them here (e.g. ~/.local/bin)
        dirs.append(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user")))
    except (AttributeError, KeyError):  # no user scheme on this Python
        pass
    return list(dict.fromkeys(d for d in dirs if d))  # in order, each once


def find_renderer() -> Renderer | None:
    """The program ``Drawing`` renders with (see the module docstring), or None.

    Looked up afresh on each call, so a renderer installed meanwhile is found.
    """
    dot = shutil.which("dot")
    if dot:
        return Renderer("dot", dot)
    for path in (None, *_script_dirs()):  # None: search PATH
        pure = shutil.which("graphviz-pure", path=path)
        if pure:
            return Renderer("graphviz-pure", pure)
    return None


def require_renderer() -> Renderer:
    """``find_renderer()``, or ``RendererNotFound`` saying what to install."""
    renderer = find_renderer()
    if renderer is None:
        raise RendererNotFound(
            f"cannot draw the graph: neither Graphviz's `dot` (on PATH) nor `graphviz-pure` "
            f"(on PATH or in {_script_dirs()[0]}) was found; {INSTALL_HINT}. "
            "The DOT text itself needs no renderer: see the graph's .source")
    return renderer


def renderer_info() -> str:
    """Which renderer is in use, e.g. ``"graphviz-pure 0.2.2 at .venv/bin/graphviz-pure"``."""
    renderer = find_renderer()
    if renderer is None:
        return f"no renderer found: {INSTALL_HINT}"
    return f"{renderer.version()} at {renderer.path}"


def pipe(source: str, format: str = "svg", engine: str = "dot") -> bytes:
    """Lay out DOT ``source`` with ``engine`` and return the picture in ``format`` (svg, png...)."""
    renderer = require_renderer()
    command = [renderer.path, f"-K{engine}", f"-T{format}"]
    done = subprocess.run(command, input=source.encode("utf-8"), capture_output=True,
                          check=False)
    message = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        raise RenderError(f"{renderer.name} failed (exit status {done.returncode}) drawing "
                          f"format {format!r} with engine {engine!r}: {message or 'no message'}")
    if message:  # warnings, e.g. about fonts: worth seeing, not worth failing for
        warnings.warn(f"{renderer.name}: {message}", RuntimeWarning, stacklevel=2)
    return done.stdout


_SVG_START = re.compile(r"<svg\b")
_SVG_ROOT = re.compile(r"<svg\b[^>]*>")
_STYLE = re.compile(r'\sstyle="([^"]*)"')
FIT_TO_PAGE = "max-width: 100%; height: auto;"


def fit_to_page(svg: str) -> str:
    """An SVG picture ready to sit inside a page: its ``<svg>`` element only (the XML
    declaration, DOCTYPE and comments before it would be stray text in HTML), with the style
    ``FIT_TO_PAGE``. A small graph keeps its natural size; a wide one shrinks to the page's
    width, its height following (the ``viewBox`` keeps the proportions)."""
    start = _SVG_START.search(svg)
    if start is None:
        raise ValueError("fit_to_page: the text holds no <svg> element")
    svg = svg[start.start():]
    root = _SVG_ROOT.match(svg)
    if root is None:
        raise ValueError("fit_to_page: the <svg> start tag is not closed")
    tag = root.group(0)
    style = _STYLE.search(tag)
    if style is None:
        fitted = f'<svg style="{FIT_TO_PAGE}"{tag[len("<svg"):]}'
    else:  # keep the picture's own style, ours first so that its own settings win
        fitted = f'{tag[:style.start()]} style="{FIT_TO_PAGE} {style.group(1)}"{tag[style.end():]}'
    return fitted + svg[root.end():]


def _format_of(path: Path, format: str | None) -> str:
    if format is not None:
        return format
    if not path.suffix:
        raise ValueError(f"render: cannot tell the picture format from {str(path)!r}; give the "
                         "file a suffix (.svg, .png) or pass format='svg' or 'png'")
    return path.suffix[1:].lower()


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose pictures are made by ``find_renderer()``'s program.

    Everything about building the graph (``.node``, ``.edge``, ``.source``, ``.save``) is
    ``graphviz.Digraph``'s. Rendering differs: ``pipe``, ``render``, ``view`` and the Jupyter
    display run the renderer chosen in this module, and ``render(path)`` writes the picture
    itself to ``path`` (``graphviz.Digraph.render`` would write the DOT text there and the
    picture to ``path.<format>``).
    """

    def pipe(self, format: str | None = None, *, engine: str | None = None,  # type: ignore[override]
             encoding: str | None = None) -> Any:
        """The picture as bytes (as text when ``encoding`` is given); ``format`` defaults
        to this graph's ``format`` (svg for graphs from ``draw_graph``)."""
        data = pipe(self.source, format or self.format, engine or self.engine)
        return data.decode(encoding) if encoding is not None else data

    def render(self, path: str | os.PathLike[str],  # type: ignore[override]
               format: str | None = None, *, engine: str | None = None) -> str:
        """Write the picture to ``path`` and return that path.

        The format comes from ``format`` or else from the suffix (``graph.png``); a path
        without a suffix gets ``.<format>`` appended. Missing folders are created.
        """
        target = Path(path)
        chosen = _format_of(target, format)
        if not target.suffix:
            target = target.with_name(f"{target.name}.{chosen}")
        data = pipe(self.source, chosen, engine or self.engine)  # fails before touching disk
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return str(target)

    def view(self, path: str | os.PathLike[str] | None = None,  # type: ignore[override]
             format: str = "svg") -> str:
        """Render to ``path`` (a new temporary file by default) and open it in the system's
        viewer; return the path."""
        if path is None:
            folder = tempfile.mkdtemp(prefix="autograd_core_")
            path = Path(folder, f"{self.name or 'graph'}.{format}")
        written = self.render(path, format)
        graphviz.view(written)
        return written

    def __repr__(self) -> str:
        # Also Jupyter's text/plain beside the picture: the default repr's memory address
        # would change the committed output of every notebook on every run.
        return f"<Drawing {self.name!r}: the DOT text is in .source>"

    def _repr_svg_(self) -> str:
        """The picture as Jupyter shows it: SVG that fits the page (``fit_to_page``)."""
        return fit_to_page(self.pipe("svg", encoding="utf-8"))

    # No _repr_png_: IPython calls every _repr_*_ method it finds, besides
    # _repr_mimebundle_, and stores each result, so one would put a PNG beside the SVG.
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **_: Any) -> dict[str, Any]:
        """Jupyter's display hook: SVG only, unless ``include`` asks for image/png."""
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        makers = {"image/svg+xml": self._repr_svg_, "image/png": lambda: self.pipe("png")}
        return {mime: make() for mime, make in makers.items() if mime in wanted}
