"""The playground's web server, through Starlette's TestClient (no socket) and as the real
``autograd-core playground`` command: its page, its API, refused requests, its pace, and how it
stops (Ctrl-C, or the last page closed)."""

from __future__ import annotations

import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from autograd_core.cli import main
from autograd_core.playground.server import STATIC, Lifecycle, create_app, listen
from autograd_core.playground.state import Playground, Settings


@pytest.fixture
def client():
    with TestClient(create_app(Playground())) as client:
        yield client


# ---- the page ---------------------------------------------------------------------------------


def test_the_page_and_its_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name in re.findall(r'(?:src|href)="/static/([^"]+)"', page.text):
        served = client.get(f"/static/{name}")
        assert served.status_code == 200 and served.text == (STATIC / name).read_text()
    assert {"playground.js", "playground.css"} <= set(re.findall(r"/static/([\w.]+)", page.text))
    assert client.get("/favicon.ico").status_code == 204


def test_the_page_loads_nothing_from_elsewhere():
    for path in STATIC.iterdir():
        text = path.read_text()
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), path.name
        assert "http://" not in text.replace('"http://www.w3.org/2000/svg"', ""), path.name
        assert "https://" not in text, path.name


def test_every_element_the_script_uses_is_on_the_page():
    script = (STATIC / "playground.js").read_text()
    page = (STATIC / "index.html").read_text()
    used = set(re.findall(r'\$\("([\w-]+)"\)', script))
    used |= {f"{name}-out" for name in ("train_fraction", "noise", "batch_size")}
    used |= {f"bw-{where}" for where in ("first", "prev", "next", "last")}
    missing = {name for name in used if f'id="{name}"' not in page}
    assert not missing


# ---- the API ----------------------------------------------------------------------------------


def test_the_state_has_the_options_the_form_offers(client):
    state = client.get("/api/state").json()
    assert state["epoch"] == 0 and state["layers"] == [2, 4, 2, 1]
    assert state["settings"]["dataset"] == "circle"
    options = state["options"]
    assert [d["name"] for d in options["datasets"]] == ["circle", "xor", "gauss", "spiral",
                                                        "reg-plane", "reg-gauss"]
    assert options["activations"] == ["relu", "tanh", "sigmoid", "linear"]
    assert options["regularizations"] == ["none", "L1", "L2"]
    assert len(options["features"]) == 7


def test_play_is_a_sequence_of_steps_that_lower_the_test_loss(client):
    client.post("/api/settings", json={"settings": {"dataset": "xor"}})
    first = client.post("/api/step", json={"epochs": 1}).json()
    assert first["epoch"] == 1 and "train_points" not in first
    for _ in range(15):
        last = client.post("/api/step", json={"epochs": 10}).json()
    assert last["epoch"] == 151
    assert last["test_loss"] < 0.1 < first["test_loss"]
    reset = client.post("/api/reset").json()
    assert reset["epoch"] == 0 and "train_points" in reset


def test_settings_answer_with_whether_the_network_restarted(client):
    client.post("/api/step", json={})
    answer = client.post("/api/settings", json={"settings": {"learning_rate": "0.1"}}).json()
    assert answer["restarted"] is False and answer["epoch"] == 1
    assert answer["settings"]["learning_rate"] == 0.1
    answer = client.post("/api/settings", json={"settings": {"hidden": [3]}}).json()
    assert answer["restarted"] is True and answer["epoch"] == 0 and answer["layers"] == [2, 3, 1]


@pytest.mark.parametrize("path, body, message", [
    ("settings", {"settings": {"learning_rate": -1}}, "learning rate must be positive"),
    ("settings", {"settings": {"hidden": [4, 0]}}, "hidden layer 2 has 0 neurons"),
    ("settings", {"settings": {"features": []}}, "no input feature chosen"),
    ("settings", {"settings": {"regularization_rate": "-1"}}, "regularization rate must be"),
    ("settings", {"settings": "fast"}, "settings must be a JSON object, got str"),
    ("settings", {}, "settings must be a JSON object, got NoneType"),
    ("step", {"epochs": 0}, "epochs must be a whole number from 1 to 100, got 0"),
    ("step", {"epochs": "1"}, "epochs must be a whole number from 1 to 100, got '1'"),
    ("inspect", {"point": 0, "neuron": [9, 0]}, "neuron [9, 0] does not exist"),
    ("inspect", {"point": -1, "neuron": [1, 0]}, "point must be a training point's index"),
    ("inspect", {"point": 0}, "give either a neuron or a weight"),
    ("backward", {"point": 0, "index": 10_000}, "backward step must be from 0 to"),
    ("heartbeat", {}, "page must be the page's id"),
])
def test_bad_requests_get_status_400_and_a_message_not_a_traceback(client, path, body, message):
    answer = client.post(f"/api/{path}", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert "Traceback" not in answer.text


def test_a_body_that_is_not_json_is_refused(client):
    answer = client.post("/api/step", content=b"epochs=1")
    assert answer.status_code == 400
    assert answer.json() == {"error": "the request body must be a JSON object"}
    assert client.post("/api/step", content=b"[1]").json()["error"].endswith("got list")


def test_a_refused_change_keeps_the_settings_in_use(client):
    client.post("/api/settings", json={"settings": {"learning_rate": -5, "dataset": "xor"}})
    state = client.get("/api/state").json()
    assert state["settings"]["learning_rate"] == 0.03 and state["settings"]["dataset"] == "circle"


def test_inspect_a_neuron_and_step_through_backward(client):
    answer = client.post("/api/inspect", json={"point": 3, "neuron": [1, 0]}).json()
    assert answer["title"] == "neuron h1[1] for training point 3"
    assert answer["graph"]["svg"].startswith("<svg")
    assert answer["explanation"].startswith("dL/dh1[1] = ")
    assert answer["point"]["index"] == 3 and len(answer["point"]["x"]) == 2
    assert answer["point"]["loss"] == pytest.approx(
        0.5 * (answer["point"]["yhat"] - answer["point"]["y"]) ** 2)
    step = client.post("/api/backward", json={"point": 3, "index": 2}).json()
    assert step["index"] == 2 and step["count"] == answer["steps"]
    assert step["graph"]["svg"].startswith("<svg")
    weight = client.post("/api/inspect", json={"point": 3, "weight": [2, 1, 3]}).json()
    assert weight["title"] == "weight W2[2,4] into h2[2], training point 3"
    assert weight["explanation"].startswith("dL/dW2[2,4] = ")


def test_an_error_inside_is_reported_as_such(client, monkeypatch):
    def broken(self, epochs=1):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(Playground, "step", broken)
    answer = client.post("/api/step", json={})
    assert answer.status_code == 500
    assert answer.json()["error"] == ("internal error in step: ZeroDivisionError('oops') "
                                      "(details on the server's console)")


def test_at_least_ten_updates_a_second_for_a_2_4_2_network():
    """The page's pace while playing: one request per update (train an epoch, answer the
    state). The issue asks for 10 a second on a 2-core machine."""
    playground = Playground(Settings(dataset="xor", hidden=(4, 2)))
    with TestClient(create_app(playground)) as client:
        client.post("/api/step", json={})
        times = []
        for _ in range(15):
            start = time.perf_counter()
            client.post("/api/step", json={"epochs": 1}).raise_for_status()
            times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.1


# ---- when to stop -------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_the_server_stops_a_while_after_the_last_page_is_closed():
    clock = Clock()
    life = Lifecycle(grace=3, silence=150, clock=clock)
    assert not life.should_stop()  # no page yet: wait for one
    life.heard("a")
    life.heard("b")
    life.left("a")
    clock.now += 10
    assert not life.should_stop()  # b is still open
    life.left("b")
    clock.now += 2.9
    assert not life.should_stop()
    life.heard("c")  # a reload: the page is back within the grace period
    clock.now += 10
    assert not life.should_stop()
    life.left("c")
    clock.now += 3
    assert life.should_stop()


def test_a_page_that_went_silent_counts_as_closed():
    clock = Clock()
    life = Lifecycle(grace=3, silence=150, clock=clock)
    life.heard("a")
    clock.now += 140
    assert not life.should_stop() and life.open_pages == 1
    clock.now += 12  # silent for 152 s: closed at 150 s, and 2 s of grace passed
    assert not life.should_stop() and life.open_pages == 0
    clock.now += 1
    assert life.should_stop()


# ---- the command ------------------------------------------------------------------------------


def test_help_describes_the_command(capsys):
    assert main(["playground", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--port" in out and "--no-browser" in out and "127.0.0.1" in out
    assert main(["--help"]) == 0
    assert "playground" in capsys.readouterr().out


def test_a_bad_port_is_a_usage_error(capsys):
    assert main(["playground", "--port", "70000", "--no-browser"]) == 2
    assert "--port must be from 0 to 65535 (0: any free port), got 70000" in \
        capsys.readouterr().err


def test_a_port_in_use_fails_with_status_1_saying_so(capsys):
    taken = listen(0)
    try:
        port = taken.getsockname()[1]
        assert main(["playground", "--port", str(port), "--no-browser"]) == 1
    finally:
        taken.close()
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "choose another --port" in err


def test_without_the_extra_the_command_says_what_to_install(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now fails
    monkeypatch.delitem(sys.modules, "autograd_core.playground.server", raising=False)
    assert main(["playground", "--no-browser"]) == 1
    assert "pip install 'autograd-core[playground]'" in capsys.readouterr().err


def test_it_listens_on_localhost_only():
    sock = listen(0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


def start_server(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "autograd_core", "playground", "--no-browser", "--port", "0",
         *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=Path(__file__).parent)
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    assert found, line + process.stderr.read()
    return process, found.group(0)


def post(url: str, body: bytes) -> bytes:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "text/plain"})  # as a beacon
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.read()


def test_ctrl_c_stops_the_server_cleanly():
    process, url = start_server()
    try:
        with urllib.request.urlopen(url, timeout=10) as page:
            assert b"autograd-core playground" in page.read()
        post(url + "api/step", b'{"epochs": 2}')
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0
    assert out.strip().endswith("playground stopped")
    assert "Traceback" not in err and "ERROR" not in err


def test_closing_the_last_page_stops_the_server():
    process, url = start_server()
    try:
        post(url + "api/heartbeat", b'{"page": "tab-1"}')
        post(url + "api/bye", b'{"page": "tab-1"}')
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "the page was closed: stopping\nplayground stopped" in out
    assert "Traceback" not in err
    with pytest.raises(OSError):  # nothing listens any more
        socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1].strip("/"))),
                                 timeout=2)
