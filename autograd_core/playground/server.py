"""The playground's web server: a static page and a small JSON API over one ``Playground``.

Starlette routes the requests; uvicorn serves them on 127.0.0.1 only. The page drives the
training: while playing it asks for one epoch at a time (``POST /api/step``) and draws the
answer, so the server never trains on its own and each answer is a consistent snapshot.

API (every answer is JSON; a refused request gets status 400 and ``{"error": message}``):

    GET  /api/state                    everything the page draws (``Playground.snapshot``)
    POST /api/settings {settings}      new settings; the state (and "restarted")
    POST /api/step     {epochs}        train, then the state without the static parts
    POST /api/reset                    new weights, epoch 0
    POST /api/inspect  {point, neuron: [layer, i] | weight: [layer, to, from]}
    POST /api/backward {point, index}  one step of the backward pass of L for that point
    POST /api/heartbeat {page} / POST /api/bye {page}: a page is open / was closed

The server stops by itself a few seconds after the last open page is closed (``Lifecycle``),
and on Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .datasets import DATASETS, FEATURES
from .state import (
    ACTIVATIONS,
    MAX_BATCH,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_NOISE,
    REGULARIZATIONS,
    TRAIN_FRACTIONS,
    Playground,
    Settings,
)

HOST = "127.0.0.1"  # this machine only: the page runs code on request and has no login
DEFAULT_PORT = 8765
STATIC = Path(__file__).parent / "static"
MAX_EPOCHS_PER_STEP = 100
GRACE_SECONDS = 3.0  # a reload closes the page and opens it again within this time
SILENCE_SECONDS = 150.0  # browsers slow hidden tabs' timers to one a minute: allow two misses


class Lifecycle:
    """Which pages are open, to stop the server once the last one is closed.

    A page says hello and then beats every few seconds (``heard``) and says goodbye when
    closed (``left``); a page silent for ``silence`` seconds counts as closed too (its
    goodbye can get lost). ``should_stop`` is true once pages were open and none has been for
    ``grace`` seconds. Before the first page arrives, nothing stops the server.
    """

    def __init__(self, grace: float = GRACE_SECONDS, silence: float = SILENCE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.grace = grace
        self.silence = silence
        self._clock = clock
        self._pages: dict[str, float] = {}  # page id -> when last heard
        self._empty_since: float | None = None
        self._lock = threading.Lock()

    def heard(self, page: str) -> None:
        with self._lock:
            self._pages[page] = self._clock()
            self._empty_since = None

    def left(self, page: str) -> None:
        with self._lock:
            self._pages.pop(page, None)
            if not self._pages:
                self._empty_since = self._clock()

    @property
    def open_pages(self) -> int:
        with self._lock:
            return len(self._pages)

    def should_stop(self) -> bool:
        with self._lock:
            now = self._clock()
            for page, last in list(self._pages.items()):
                if now - last > self.silence:
                    del self._pages[page]
                    if not self._pages:
                        self._empty_since = last + self.silence
            return (not self._pages and self._empty_since is not None
                    and now - self._empty_since >= self.grace)


class RequestError(ValueError):
    """A request the API refuses (status 400, the message shown on the page)."""


def options() -> dict[str, Any]:
    """The form's choices and limits, so that the page lists what the server accepts."""
    return {"datasets": [{"name": d.name, "title": d.title, "task": d.task}
                         for d in DATASETS.values()],
            "features": list(FEATURES), "activations": list(ACTIVATIONS),
            "regularizations": list(REGULARIZATIONS), "max_layers": MAX_LAYERS,
            "max_neurons": MAX_NEURONS, "max_batch": MAX_BATCH, "max_noise": MAX_NOISE,
            "train_fractions": list(TRAIN_FRACTIONS)}


class PlaygroundAPI:
    """The API's work, one request at a time (a lock: two tabs share one playground)."""

    def __init__(self, playground: Playground, lifecycle: Lifecycle) -> None:
        self.playground = playground
        self.lifecycle = lifecycle
        self._lock = threading.Lock()

    def state(self, body: dict[str, Any]) -> dict[str, Any]:
        return {**self.playground.snapshot(full=True), "options": options()}

    def settings(self, body: dict[str, Any]) -> dict[str, Any]:
        settings = Settings.from_dict(body.get("settings"), base=self.playground.settings)
        restarted = self.playground.update(settings)
        return {**self.state(body), "restarted": restarted}

    def step(self, body: dict[str, Any]) -> dict[str, Any]:
        epochs = body.get("epochs", 1)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or not (
                1 <= epochs <= MAX_EPOCHS_PER_STEP):
            raise RequestError(f"epochs must be a whole number from 1 to {MAX_EPOCHS_PER_STEP}, "
                               f"got {epochs!r}")
        self.playground.step(epochs)
        return self.playground.snapshot(full=False)

    def reset(self, body: dict[str, Any]) -> dict[str, Any]:
        self.playground.reset()
        return self.state(body)

    def inspect(self, body: dict[str, Any]) -> dict[str, Any]:
        point = body.get("point", 0)
        inspection = self.playground.inspect(point, neuron=body.get("neuron"),
                                             weight=body.get("weight"))
        network = self.playground.point_network(point)
        return {**inspection.to_json(), "epoch": self.playground.epoch,
                "point": {"index": point, "x": self.playground.points_train[point].tolist(),
                          "y": network.target, "yhat": network.output.data,
                          "loss": network.loss.data},
                "steps": len(network.steps)}

    def backward(self, body: dict[str, Any]) -> dict[str, Any]:
        network = self.playground.point_network(body.get("point", 0))
        return network.backward_step(body.get("index", 0))

    def heartbeat(self, body: dict[str, Any]) -> dict[str, Any]:
        self.lifecycle.heard(_page_id(body))
        return {"ok": True}

    def bye(self, body: dict[str, Any]) -> dict[str, Any]:
        self.lifecycle.left(_page_id(body))
        return {"ok": True}

    def run(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return getattr(self, name)(body)


def _page_id(body: dict[str, Any]) -> str:
    page = body.get("page")
    if not isinstance(page, str) or not 0 < len(page) <= 100:
        raise RequestError(f"page must be the page's id (a short text), got {page!r}")
    return page


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        # no content-type check: navigator.sendBeacon sends JSON as text/plain
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise RequestError("the request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise RequestError(f"the request body must be a JSON object, got {type(body).__name__}")
    return body


def _endpoint(api: PlaygroundAPI, name: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        try:
            body = await _body(request)
            answer = await run_in_threadpool(api.run, name, body)
        except (ValueError, TypeError) as error:  # SettingsError, RequestError, bad indices
            return JSONResponse({"error": str(error)}, status_code=400)
        except Exception as error:  # a bug: say so on the page, the details on the console
            traceback.print_exc(file=sys.stderr)
            return JSONResponse({"error": f"internal error in {name}: {error!r} (details on the "
                                          "server's console)"}, status_code=500)
        return JSONResponse(answer)

    return endpoint


def create_app(playground: Playground | None = None, lifecycle: Lifecycle | None = None,
               on_idle: Callable[[], None] | None = None) -> Starlette:
    """The web application: the page at ``/``, its files under ``/static``, the API under
    ``/api``. ``on_idle`` is called once when ``lifecycle`` says every page has been closed."""
    api = PlaygroundAPI(playground or Playground(), lifecycle or Lifecycle())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        watcher = asyncio.create_task(_watch(api.lifecycle, on_idle)) if on_idle else None
        yield
        if watcher is not None:
            watcher.cancel()

    def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    def no_icon(request: Request) -> Response:
        return Response(status_code=204)  # browsers ask for one; an error would fill their logs

    reads = {"state"}
    routes = [Route("/", page), Route("/favicon.ico", no_icon),
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    for name in ("state", "settings", "step", "reset", "inspect", "backward", "heartbeat", "bye"):
        routes.append(Route(f"/api/{name}", _endpoint(api, name),
                            methods=["GET"] if name in reads else ["POST"]))
    return Starlette(routes=routes, lifespan=lifespan)


async def _watch(lifecycle: Lifecycle, on_idle: Callable[[], None]) -> None:
    while not lifecycle.should_stop():
        await asyncio.sleep(0.25)
    on_idle()


def listen(port: int) -> socket.socket:
    """A socket listening on 127.0.0.1:``port`` (0: any free port); OSError if taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
        sock.listen()
    except OSError:
        sock.close()
        raise
    return sock


def serve(sock: socket.socket, open_browser: bool = True,
          lifecycle: Lifecycle | None = None) -> None:
    """Serve the playground on ``sock`` (from ``listen``) until Ctrl-C or until the last open
    page is closed; with ``open_browser``, open the page in the system's browser."""
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    print(f"autograd-core playground: {url}  (Ctrl-C stops it; so does closing the page)",
          flush=True)
    server: uvicorn.Server | None = None

    def idle() -> None:
        print("the page was closed: stopping", flush=True)
        assert server is not None
        server.should_exit = True

    app = create_app(lifecycle=lifecycle or Lifecycle(), on_idle=idle)
    config = uvicorn.Config(app, log_level="warning", lifespan="on",
                            timeout_graceful_shutdown=2)
    server = _Server(config)
    if open_browser:
        threading.Thread(target=_open, args=(url,), daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    print("playground stopped", flush=True)


class _Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Ctrl-C: stop (a second one: stop now, without waiting for open requests). uvicorn's
        own handler would also raise the signal again once stopped, as a KeyboardInterrupt
        inside the event loop, which prints tracebacks on the way out."""
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True


def _open(url: str) -> None:
    if not webbrowser.open(url):
        print(f"no web browser found: open {url} yourself", flush=True)
