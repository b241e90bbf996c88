"""nn.datasets: the generated sets (shapes, dtypes, seeds, balance, noise, geometry), the bundled
digits (equal to scikit-learn's), the IDX reader, MNIST's download/verify/cache against a local
HTTP server (a mirror down, a truncated or corrupt file, a wrong checksum, offline), and the
registry the command line uses."""

from __future__ import annotations

import gzip
import hashlib
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from autograd_core.nn import datasets
from autograd_core.nn.datasets import (
    DATASETS,
    DownloadError,
    build_digits,
    get_dataset,
    list_datasets,
    load_dataset,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    logic_gate,
    make_blobs,
    make_circles,
    make_curve,
    make_moons,
    make_spirals,
    make_xor_quadrants,
    read_idx,
)
from autograd_core.nn.datasets import mnist as mnist_module
from autograd_core.nn.datasets.digits import digits_arrays

# ---- generated sets -----------------------------------------------------------------------------

GATES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0], "nand": [1, 1, 1, 0]}
TABLE = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]


@pytest.mark.parametrize("gate", GATES)
def test_logic_gates_are_their_truth_tables(gate: str) -> None:
    X, y = logic_gate(gate)
    assert X.shape == (4, 2) and y.shape == (4,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert X.tolist() == TABLE and y.tolist() == GATES[gate]
    assert logic_gate(gate.upper())[1].tolist() == GATES[gate]


def test_a_logic_gate_repeats_its_rows_and_noise_jitters_only_the_inputs() -> None:
    X, y = logic_gate("xor", n_samples=10, noise=0.05, seed=1)
    assert y.tolist() == [0, 1, 1, 0] * 2 + [0, 1]
    clean = np.array(TABLE * 3)[:10]
    assert 0 < np.abs(X - clean).max() < 0.3
    X2, _ = logic_gate("xor", n_samples=10, noise=0.05, seed=1)
    assert np.array_equal(X, X2)


def test_logic_gate_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="unknown gate 'nor'.*and, or, xor, nand"):
        logic_gate("nor")
    with pytest.raises(ValueError, match="logic_gate: n_samples must be at least 4, got 3"):
        logic_gate("and", n_samples=3)


# (generator, options, n_features, n_classes)
CLASSIFICATION = {
    "moons": (make_moons, {}, 2, 2),
    "circles": (make_circles, {}, 2, 2),
    "spirals": (make_spirals, {"n_arms": 3}, 2, 3),
    "blobs": (make_blobs, {"centers": 4, "n_features": 3}, 3, 4),
    "xor-quadrants": (make_xor_quadrants, {}, 2, 2),
}


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_generated_sets_shapes_dtypes_balance_and_seeds(name: str) -> None:
    generate, options, n_features, n_classes = CLASSIFICATION[name]
    X, y = generate(n_samples=101, noise=0.1, seed=5, **options)
    assert X.shape == (101, n_features) and y.shape == (101,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    again = generate(n_samples=101, noise=0.1, seed=5, **options)
    other = generate(n_samples=101, noise=0.1, seed=6, **options)
    assert np.array_equal(X, again[0]) and np.array_equal(y, again[1])
    assert not np.array_equal(X, other[0])
    assert not np.array_equal(y, np.sort(y))  # shuffled, not class after class


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_generated_sets_reject_negative_noise_and_too_few_samples(name: str) -> None:
    generate, options, _, _ = CLASSIFICATION[name]
    function = generate.__name__
    with pytest.raises(ValueError, match=f"{function}: noise must be >= 0, got -0.1"):
        generate(n_samples=100, noise=-0.1, **options)
    with pytest.raises(ValueError, match=f"{function}: n_samples must be at least"):
        generate(n_samples=1, **options)


def test_make_moons_keeps_its_numbers() -> None:
    X, y = make_moons(7, noise=0.1, seed=3)  # the values before nn.datasets became a package
    assert X[0].tolist() == [1.5225786613227918, -0.4012884832185982]
    assert X[-1].tolist() == [-1.0452649292110445, -0.02155971630897647]
    assert y.tolist() == [1, 1, 1, 1, 0, 0, 0]


def test_clean_circles_lie_on_their_radii() -> None:
    X, y = make_circles(50, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)
    assert (y == 0).sum() == 25
    with pytest.raises(ValueError, match=r"make_circles: factor .* must be in \(0, 1\), got 1"):
        make_circles(10, factor=1)


def test_noise_is_gaussian_with_the_given_standard_deviation() -> None:
    X, y = make_circles(4000, noise=0.02, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    residual = np.where(y == 0, radius - 1.0, radius - 0.8)
    assert abs(residual.mean()) < 0.002 and abs(residual.std() - 0.02) < 0.002


def test_clean_spiral_arms_are_one_spiral_rotated() -> None:
    X, y = make_spirals(90, n_arms=3, turns=1.5, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert 0 < radius.min() and radius.max() < 1
    expected = 2 * np.pi * (1.5 * radius + y / 3)
    angle_error = np.angle(np.exp(1j * (np.arctan2(X[:, 1], X[:, 0]) - expected)))
    assert np.allclose(angle_error, 0.0, atol=1e-9)
    with pytest.raises(ValueError, match="make_spirals: n_arms must be at least 2, got 1"):
        make_spirals(10, n_arms=1)


def test_blobs_centre_and_spread() -> None:
    centers = np.array([[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]])
    X, y = make_blobs(3000, centers=centers, noise=0.5, seed=0)
    assert np.bincount(y).tolist() == [1000, 1000, 1000]
    for k, center in enumerate(centers):
        assert np.allclose(X[y == k].mean(axis=0), center, atol=0.05)
        assert np.allclose(X[y == k].std(axis=0), 0.5, atol=0.05)
    drawn, _ = make_blobs(300, centers=3, noise=0.0, seed=1)  # clean: the centres themselves
    assert len(np.unique(drawn, axis=0)) == 3 and np.abs(drawn).max() <= 10
    with pytest.raises(ValueError, match=r"make_blobs: centers must be .* got shape \(3,\)"):
        make_blobs(10, centers=np.zeros(3))


def test_xor_quadrants_label_the_sign_disagreement_and_leave_a_margin() -> None:
    X, y = make_xor_quadrants(202, margin=0.1, seed=0)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    assert np.abs(X).min() >= 0.1 and np.abs(X).max() <= 1.0
    quadrant_sizes = np.unique(np.sign(X), axis=0, return_counts=True)[1]
    assert sorted(quadrant_sizes.tolist()) == [50, 50, 51, 51]
    with pytest.raises(ValueError, match=r"margin must be in \[0, 1\), got 1"):
        make_xor_quadrants(10, margin=1)


@pytest.mark.parametrize(("curve", "function", "low", "high"),
                         [("square", np.square, -1.0, 1.0), ("sine", np.sin, -np.pi, np.pi)])
def test_regression_curves(curve: str, function: Callable[[np.ndarray], np.ndarray],
                           low: float, high: float) -> None:
    X, y = make_curve(curve, n_samples=2000, seed=0)
    assert X.shape == y.shape == (2000, 1) and X.dtype == y.dtype == np.float64
    assert np.array_equal(y, function(X))
    assert low <= X.min() < low + 0.01 and high - 0.01 < X.max() <= high
    X, noisy = make_curve(curve, n_samples=2000, noise=0.1, seed=0)
    assert abs((noisy - function(X)).std() - 0.1) < 0.01
    with pytest.raises(ValueError, match="make_curve: unknown curve 'cube'; expected one of "
                                         "square, sine"):
        make_curve("cube")


# ---- the bundled digits -------------------------------------------------------------------------


def test_load_digits_needs_no_scikit_learn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # any import of it now fails
    X_train, y_train, X_test, y_test = load_digits()
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert np.array_equal(X_train * 16, np.round(X_train * 16))
    assert set(y_test.tolist()) == set(range(10))


def test_load_digits_split_is_one_seeded_shuffle() -> None:
    X_train, y_train, X_test, y_test = load_digits(n_train=1000, seed=3)
    again = load_digits(n_train=1000, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((X_train, y_train, X_test, y_test), again))
    assert not np.array_equal(X_train, load_digits(n_train=1000, seed=4)[0])
    data, target = digits_arrays()
    together = np.column_stack([np.vstack([X_train, X_test]) * 16,
                                np.concatenate([y_train, y_test])])
    original = np.column_stack([data, target]).astype(np.float64)
    assert np.array_equal(np.unique(together, axis=0), np.unique(original, axis=0))
    with pytest.raises(ValueError, match="load_digits: n_train must be between 1 and 1796, "
                                         "got 1797"):
        load_digits(n_train=1797)


def test_the_bundled_digits_are_scikit_learns_bit_for_bit() -> None:
    from sklearn.datasets import load_digits as sklearn_digits  # the dev extra installs it

    digits = sklearn_digits()
    data, target = digits_arrays()
    assert data.dtype == target.dtype == np.uint8
    assert np.array_equal(data.astype(np.float64), digits.data)
    assert np.array_equal(target.astype(np.int64), digits.target)
    for n_train, seed in [(1437, 0), (100, 7)]:  # the formula load_digits used with sklearn
        order = np.random.default_rng(seed).permutation(len(digits.target))
        X = digits.data[order].astype(np.float64) / 16.0
        y = digits.target[order].astype(np.int64)
        expected = (X[:n_train], y[:n_train], X[n_train:], y[n_train:])
        for ours, theirs in zip(load_digits(n_train, seed), expected):
            assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


def test_the_build_script_rebuilds_the_bundled_file(tmp_path: Path) -> None:
    output = tmp_path / "digits.npz"
    build_digits.build(output)
    with np.load(output) as rebuilt:
        data, target = digits_arrays()
        assert np.array_equal(rebuilt["data"], data) and rebuilt["data"].dtype == np.uint8
        assert np.array_equal(rebuilt["target"], target)


# ---- the IDX reader -----------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, code: int) -> bytes:
    """``array`` as an IDX file: 0, 0, type code, ndim, big-endian uint32 sizes, big-endian data."""
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize(("dtype", "code"), [(np.uint8, 0x08), (np.int8, 0x09),
                                             (np.int16, 0x0B), (np.int32, 0x0C),
                                             (np.float32, 0x0D), (np.float64, 0x0E)])
def test_read_idx_reads_every_type(dtype: type, code: int) -> None:
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    read = read_idx(idx_bytes(array, code))
    assert read.shape == (2, 3, 4) and read.dtype == np.dtype(dtype).newbyteorder("=")
    assert np.array_equal(read, array)


def test_read_idx_reads_gzip_files_and_plain_files(tmp_path: Path) -> None:
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    (tmp_path / "plain").write_bytes(idx_bytes(labels, 0x08))
    (tmp_path / "packed.gz").write_bytes(gzip.compress(idx_bytes(labels, 0x08)))
    for name in ("plain", "packed.gz"):
        assert read_idx(tmp_path / name).tolist() == [3, 1, 4, 1, 5]


def test_read_idx_rejects_what_is_not_a_whole_idx_file(tmp_path: Path) -> None:
    good = idx_bytes(np.zeros((2, 2), np.uint8), 0x08)
    with pytest.raises(ValueError, match="does not start with an IDX magic number.*0x504b0304"):
        read_idx(b"PK\x03\x04rest")
    with pytest.raises(ValueError, match="ends inside its header"):
        read_idx(good[:9])
    with pytest.raises(ValueError, match=r"holds 3 bytes of values but its header promises "
                                         r"shape \(2, 2\) of uint8, 4 bytes"):
        read_idx(good[:-1])
    (tmp_path / "cut.gz").write_bytes(gzip.compress(good)[:-6])
    with pytest.raises(ValueError, match="cut.gz is not a complete gzip file"):
        read_idx(tmp_path / "cut.gz")


# ---- MNIST against a local server ---------------------------------------------------------------

FILES = mnist_module.FILES


def fixture_files(seed: int) -> tuple[dict[str, bytes], dict[str, np.ndarray]]:
    """Tiny MNIST-shaped data sets (5 training, 3 test images) as gzipped IDX bytes by file
    name, and the arrays they hold."""
    rng = np.random.default_rng(seed)
    arrays = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte.gz": np.array([5, 0, 4, 1, 9], dtype=np.uint8),
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte.gz": np.array([7, 2, 1], dtype=np.uint8)}
    arrays["train-images-idx3-ubyte.gz"][0, 0, 0] = 255  # the extremes are in there
    arrays["train-images-idx3-ubyte.gz"][0, 0, 1] = 0
    files = {name: gzip.compress(idx_bytes(array, 0x08), mtime=0)
             for name, array in arrays.items()}
    return files, arrays


FIXTURE, ARRAYS = fixture_files(0)
FASHION_FIXTURE, FASHION_ARRAYS = fixture_files(1)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Server:
    """A local HTTP server: /good/ serves the fixture files, /fashion/ Fashion's, /truncated/ their
    first half (with a matching length), /cut/ announces the whole file but closes after half,
    /corrupt/ a byte changed; anything else is a 404. ``requests`` lists the paths asked for."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        for name, data in FIXTURE.items():
            corrupt = bytearray(data)
            corrupt[len(data) // 2] ^= 0xFF
            self.routes |= {f"/good/{name}": data, f"/truncated/{name}": data[:len(data) // 2],
                            f"/corrupt/{name}": bytes(corrupt)}
        for name, data in FASHION_FIXTURE.items():
            self.routes[f"/fashion/{name}"] = data
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.requests.append(self.path)
                cut = self.path.startswith("/cut/")
                body = server.routes.get(self.path.replace("/cut/", "/good/", 1))
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:len(body) // 2] if cut else body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def mirror(self, folder: str) -> str:
        return f"{self.url}/{folder}/"


def closed_port_url() -> str:
    """A mirror that is down: nothing listens on its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture(scope="module")
def running_server() -> Iterator[Server]:
    server = Server()
    thread = threading.Thread(target=server.httpd.serve_forever, args=(0.05,),
                              daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def server(running_server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    """The server, with the request log emptied, the fixture files' checksums in place of the
    published ones, and no proxy or user setting in the way."""
    running_server.requests.clear()
    monkeypatch.setattr(mnist_module, "MNIST_SHA256",
                        {name: sha256(data) for name, data in FIXTURE.items()})
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_SHA256",
                        {name: sha256(data) for name, data in FASHION_FIXTURE.items()})
    for variable in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                     "ALL_PROXY", "AUTOGRAD_CORE_DATA", "AUTOGRAD_CORE_MNIST_MIRRORS",
                     "AUTOGRAD_CORE_FASHION_MNIST_MIRRORS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    return running_server


def assert_is_the_fixture(split: tuple[np.ndarray, ...], arrays: dict[str, np.ndarray],
                          flatten: bool = True) -> None:
    X_train, y_train, X_test, y_test = split
    images = arrays["train-images-idx3-ubyte.gz"], arrays["t10k-images-idx3-ubyte.gz"]
    for X, expected in zip((X_train, X_test), images):
        assert X.dtype == np.float64
        assert X.shape == ((len(expected), 784) if flatten else (len(expected), 28, 28))
        assert np.array_equal(X, (expected / 255.0).reshape(X.shape))
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert y_train.dtype == y_test.dtype == np.int64
    assert y_train.tolist() == [5, 0, 4, 1, 9] and y_test.tolist() == [7, 2, 1]


def test_mnist_skips_a_mirror_that_is_down_and_caches_what_the_next_one_serves(
        server: Server, tmp_path: Path) -> None:
    mirrors = [closed_port_url(), server.mirror("good")]
    split = load_mnist(mirrors=mirrors, cache_dir=tmp_path, progress=False)
    assert_is_the_fixture(split, ARRAYS)
    assert sorted(server.requests) == sorted(f"/good/{name}" for name in FILES)
    for name in FILES:
        assert (tmp_path / "mnist" / name).read_bytes() == FIXTURE[name]
    assert mnist_module.is_cached("mnist", tmp_path)
    server.requests.clear()  # cached: no mirror is needed, and none is asked
    images = load_mnist(flatten=False, mirrors=[closed_port_url()], cache_dir=tmp_path,
                        progress=False)
    assert_is_the_fixture(images, ARRAYS, flatten=False)
    assert server.requests == []


@pytest.mark.parametrize("damage", ["byte", "truncated", "empty"])
def test_a_corrupt_cached_file_is_fetched_again_never_loaded(server: Server, tmp_path: Path,
                                                              damage: str) -> None:
    load_mnist(mirrors=[server.mirror("good")], cache_dir=tmp_path, progress=False)
    cached = tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz"
    data = cached.read_bytes()
    cached.write_bytes({"byte": data[:40] + bytes([data[40] ^ 1]) + data[41:],
                        "truncated": data[:len(data) // 2], "empty": b""}[damage])
    assert not mnist_module.is_cached("mnist", tmp_path)
    server.requests.clear()
    split = load_mnist(mirrors=[server.mirror("good")], cache_dir=tmp_path, progress=False)
    assert_is_the_fixture(split, ARRAYS)
    assert server.requests == ["/good/t10k-images-idx3-ubyte.gz"]
    assert cached.read_bytes() == FIXTURE["t10k-images-idx3-ubyte.gz"]


def test_a_corrupt_cached_file_is_not_loaded_when_no_mirror_answers(server: Server,
                                                                     tmp_path: Path) -> None:
    load_mnist(mirrors=[server.mirror("good")], cache_dir=tmp_path, progress=False)
    cached = tmp_path / "mnist" / "train-labels-idx1-ubyte.gz"
    cached.write_bytes(cached.read_bytes()[:-3])
    with pytest.raises(DownloadError, match="does not match its SHA-256 and was not used"):
        load_mnist(mirrors=[closed_port_url()], cache_dir=tmp_path, progress=False)


@pytest.mark.parametrize("bad", ["truncated", "cut", "corrupt"])
def test_a_mirror_serving_a_bad_file_is_passed_over(server: Server, tmp_path: Path,
                                                    bad: str) -> None:
    split = load_mnist(mirrors=[server.mirror(bad), server.mirror("good")], cache_dir=tmp_path,
                       progress=False)
    assert_is_the_fixture(split, ARRAYS)
    assert f"/{bad}/train-images-idx3-ubyte.gz" in server.requests


@pytest.mark.parametrize("bad", ["truncated", "cut", "corrupt"])
def test_a_bad_file_from_the_only_mirror_is_an_error_and_is_not_kept(server: Server,
                                                                     tmp_path: Path,
                                                                     bad: str) -> None:
    url = server.mirror(bad) + "train-images-idx3-ubyte.gz"
    expected = "hash" if bad != "cut" else "Error"  # a checksum mismatch, or the broken transfer
    with pytest.raises(DownloadError, match=rf"(?s)tried:\n  {url}: .*{expected}"):
        load_mnist(mirrors=[server.mirror(bad)], cache_dir=tmp_path, progress=False)
    assert list((tmp_path / "mnist").iterdir()) == []  # pooch's temporary file went too


def test_a_file_that_does_not_match_the_stored_checksum_is_rejected(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "0" * 64
    monkeypatch.setitem(mnist_module.MNIST_SHA256, "train-labels-idx1-ubyte.gz", wrong)
    url = server.mirror("good") + "train-labels-idx1-ubyte.gz"
    with pytest.raises(DownloadError, match=rf"(?s){url}: ValueError: .*{wrong}"):
        load_mnist(mirrors=[server.mirror("good")], cache_dir=tmp_path, progress=False)
    assert not (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").exists()


def test_offline_with_an_empty_cache_says_which_urls_failed_and_where_to_put_the_files(
        server: Server, tmp_path: Path) -> None:
    down = [closed_port_url(), server.mirror("missing")]
    with pytest.raises(DownloadError) as raised:
        load_mnist(mirrors=down, cache_dir=tmp_path, progress=False)
    message = str(raised.value)
    assert message.startswith("could not download MNIST's train-images-idx3-ubyte.gz from any "
                              "mirror; tried:\n")
    for mirror in down:
        assert f"  {mirror}train-images-idx3-ubyte.gz: " in message
    assert "404" in message
    assert f"copy them, still gzip-compressed, into {tmp_path / 'mnist'} " in message
    assert ", ".join(FILES) in message
    assert "AUTOGRAD_CORE_MNIST_MIRRORS" in message and "AUTOGRAD_CORE_DATA" in message
    files = tmp_path / "mnist"  # placed by hand, the files are used without any network
    for name, data in FIXTURE.items():
        (files / name).write_bytes(data)
    assert_is_the_fixture(load_mnist(mirrors=down, cache_dir=tmp_path, progress=False), ARRAYS)


def test_mirrors_come_from_the_argument_then_the_environment_then_the_module(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert datasets.MNIST_MIRRORS is mnist_module.MNIST_MIRRORS  # one list to edit
    assert all(url.startswith("http") and url.endswith("/mnist/")
               for url in mnist_module.MNIST_MIRRORS)
    monkeypatch.setattr(mnist_module, "MNIST_MIRRORS", [server.url + "/good"])  # no slash
    monkeypatch.setenv("AUTOGRAD_CORE_MNIST_MIRRORS", "  ")  # blank: as if unset
    assert mnist_module.resolve_mirrors("mnist") == [server.mirror("good")]
    assert_is_the_fixture(load_mnist(cache_dir=tmp_path / "a", progress=False), ARRAYS)
    monkeypatch.setenv("AUTOGRAD_CORE_MNIST_MIRRORS",
                       f"{closed_port_url()}, {server.mirror('corrupt')}")
    with pytest.raises(DownloadError, match="/corrupt/"):
        load_mnist(cache_dir=tmp_path / "b", progress=False)
    assert_is_the_fixture(load_mnist(mirrors=[server.mirror("good")], cache_dir=tmp_path / "b",
                                     progress=False), ARRAYS)
    with pytest.raises(TypeError, match="mirrors must be a list"):
        load_mnist(mirrors=server.mirror("good"), cache_dir=tmp_path / "c")


def test_the_cache_folder_comes_from_the_argument_then_the_environment_then_xdg(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert mnist_module.cache_folder("mnist") == tmp_path / "xdg" / "autograd-core" / "mnist"
    load_mnist(mirrors=[server.mirror("good")], progress=False)
    assert mnist_module.is_cached("mnist")
    assert (tmp_path / "xdg" / "autograd-core" / "mnist" / FILES[0]).exists()
    monkeypatch.setenv("AUTOGRAD_CORE_DATA", str(tmp_path / "data"))
    assert mnist_module.cache_folder("fashion-mnist") == tmp_path / "data" / "fashion-mnist"
    assert not mnist_module.is_cached("mnist")
    assert mnist_module.data_home(tmp_path / "given") == tmp_path / "given"
    monkeypatch.delenv("AUTOGRAD_CORE_DATA")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert mnist_module.data_home().name == "autograd-core"  # the platform's cache folder


def test_fashion_mnist_has_its_own_folder_mirrors_and_checksums(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGRAD_CORE_FASHION_MNIST_MIRRORS", server.mirror("fashion"))
    monkeypatch.setenv("AUTOGRAD_CORE_MNIST_MIRRORS", server.mirror("good"))
    assert_is_the_fixture(load_fashion_mnist(cache_dir=tmp_path, progress=False), FASHION_ARRAYS)
    assert sorted((tmp_path / "fashion-mnist").iterdir()) == sorted(
        tmp_path / "fashion-mnist" / name for name in FILES)
    assert not (tmp_path / "mnist").exists()
    assert mnist_module.is_cached("fashion-mnist", tmp_path)
    assert not mnist_module.is_cached("mnist", tmp_path)


def test_a_download_shows_a_progress_bar(server: Server, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    load_mnist(mirrors=[server.mirror("good")], cache_dir=tmp_path, progress=True)
    assert "100%" in capsys.readouterr().err
    load_mnist(mirrors=[server.mirror("good")], cache_dir=tmp_path / "quiet", progress=False)
    assert "100%" not in capsys.readouterr().err


def test_the_stored_checksums_are_sha256_of_the_four_files() -> None:
    for checksums in (mnist_module.MNIST_SHA256, mnist_module.FASHION_MNIST_SHA256):
        assert tuple(checksums) == FILES
        assert all(len(value) == 64 and int(value, 16) >= 0 for value in checksums.values())
    assert len(set(mnist_module.MNIST_SHA256.values())
               | set(mnist_module.FASHION_MNIST_SHA256.values())) == 8


# ---- the registry -------------------------------------------------------------------------------


def test_every_local_data_set_loads_as_its_entry_says() -> None:
    assert [info.name for info in list_datasets()] == list(DATASETS)
    assert {"and", "or", "xor", "nand", "moons", "circles", "spirals", "blobs", "xor-quadrants",
            "square", "sine", "digits", "mnist", "fashion-mnist"} <= set(DATASETS)
    for info in list_datasets():
        assert info.kind in ("generated", "bundled", "download") and info.description
        if info.kind == "download":
            continue
        assert info.is_cached() and info.cache_folder() is None
        arrays = info.load(seed=1)
        assert len(arrays) == (4 if info.split else 2)
        for X, y in zip(arrays[::2], arrays[1::2]):
            assert X.dtype == np.float64 and X.shape[1] == info.n_features
            if info.task == "classification":
                assert y.dtype == np.int64 and y.shape == (len(X),)
                assert set(y.tolist()) == set(range(info.n_classes))
            else:
                assert info.n_classes is None and y.shape == (len(X), 1)
    assert get_dataset("xor").load()[1].tolist() == [0, 1, 1, 0]
    assert np.array_equal(load_dataset("moons", seed=0, n_samples=10)[0],
                          make_moons(10, noise=0.1, seed=0)[0])  # defaults, then the options


def test_the_registry_names_unknown_data_sets_and_options() -> None:
    with pytest.raises(ValueError, match="unknown data set 'mnsit'; known: and, or, xor"):
        get_dataset("mnsit")
    with pytest.raises(TypeError, match="data set 'digits' takes no option noise; its "
                                        "options: n_train, seed"):
        load_dataset("digits", noise=0.1)
    assert get_dataset("mnist").parameters == ("flatten", "mirrors", "cache_dir", "progress")
    assert "seed" in get_dataset("circles").parameters


def test_downloads_in_the_registry_report_their_cache(server: Server, tmp_path: Path) -> None:
    info = get_dataset("mnist")
    assert (info.kind, info.split, info.n_features, info.n_classes) == ("download", True, 784, 10)
    assert info.cache_folder(tmp_path) == tmp_path / "mnist"
    assert not info.is_cached(tmp_path)
    split = info.load(mirrors=[server.mirror("good")], cache_dir=tmp_path, progress=False)
    assert_is_the_fixture(split, ARRAYS)
    assert info.is_cached(tmp_path) and not get_dataset("fashion-mnist").is_cached(tmp_path)
