"""MNIST and Fashion-MNIST: downloaded on first use, verified, cached, read with numpy.

Each data set is four gzip-compressed IDX files (see ``idx.py``): ``train-images-idx3-ubyte.gz``,
``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``.
``pooch`` downloads each one (with a progress bar), trying the mirrors in order, and keeps it
only if its SHA-256 is the one stored below; a cached file is checked the same way before every
use, so a corrupt or truncated one is fetched again, never loaded.

Where from (first match wins): the ``mirrors`` argument; the environment variable
``AUTOGRAD_CORE_MNIST_MIRRORS`` (``AUTOGRAD_CORE_FASHION_MNIST_MIRRORS``), base URLs separated
by commas or spaces; the module-level lists ``MNIST_MIRRORS`` / ``FASHION_MNIST_MIRRORS``
(edit them in place to change the default for a session).

Where to (first match wins): the ``cache_dir`` argument; the environment variable
``AUTOGRAD_CORE_DATA``; ``$XDG_CACHE_HOME/autograd-core``; the platform's user cache folder
(``~/.cache/autograd-core`` on Linux). Each data set has a sub-folder there (``mnist``,
``fashion-mnist``); without network, copy the four files into it by hand.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .idx import read_idx

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

# Base URLs, tried in order. PyTorch's (torchvision's) copy, TensorFlow Datasets' copy, and
# Yann LeCun's original page (which at times refuses downloads).
MNIST_MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]
# Zalando Research's own bucket, Keras's copy, and the files in the Fashion-MNIST repository.
FASHION_MNIST_MIRRORS: list[str] = [
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
]

# SHA-256 of the published .gz files, as TensorFlow Datasets records them
# (tensorflow_datasets/url_checksums/mnist.txt and fashion_mnist.txt, with the files' sizes:
# MNIST 9912422, 28881, 1648877, 4542 bytes; Fashion-MNIST 26421880, 29515, 4422102, 5148).
MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
FASHION_MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}

DATA_ENV = "AUTOGRAD_CORE_DATA"
APP_NAME = "autograd-core"
TIMEOUT_S = 30  # per request: a mirror that does not answer is given up for the next one

PathArg = str | os.PathLike[str]


class DownloadError(RuntimeError):
    """A data set's file could not be downloaded from any mirror (the message says how to place
    it by hand)."""


def _source(name: str) -> tuple[str, list[str], dict[str, str], str]:
    """(title, default mirrors, SHA-256 by file name, mirrors' environment variable) of a
    downloadable data set, read when called so that edits to the module's lists count."""
    if name == "mnist":
        return "MNIST", MNIST_MIRRORS, MNIST_SHA256, "AUTOGRAD_CORE_MNIST_MIRRORS"
    if name == "fashion-mnist":
        return ("Fashion-MNIST", FASHION_MNIST_MIRRORS, FASHION_MNIST_SHA256,
                "AUTOGRAD_CORE_FASHION_MNIST_MIRRORS")
    raise ValueError(f"unknown downloadable data set {name!r}; expected 'mnist' or "
                     f"'fashion-mnist'")


def data_home(cache_dir: PathArg | None = None) -> Path:
    """The folder that downloaded data sets are cached under (see the module's doc)."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / APP_NAME
    return Path(_pooch().os_cache(APP_NAME))


def cache_folder(name: str, cache_dir: PathArg | None = None) -> Path:
    """The folder holding data set ``name``'s four files ("mnist" or "fashion-mnist")."""
    _source(name)
    return data_home(cache_dir) / name


def resolve_mirrors(name: str, mirrors: Sequence[str] | None = None) -> list[str]:
    """The base URLs that ``name``'s files are fetched from, in order (see the module's doc)."""
    _title, default, _sha256, env = _source(name)
    if isinstance(mirrors, str):
        raise TypeError(f"mirrors must be a list of base URLs, got the string {mirrors!r}")
    if mirrors is None:
        from_env = os.environ.get(env, "").strip()
        mirrors = re.split(r"[\s,]+", from_env) if from_env else default
    return [mirror if mirror.endswith("/") else mirror + "/" for mirror in mirrors if mirror]


def _verified(path: Path, sha256: str) -> bool:
    return path.is_file() and _sha256(path) == sha256


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pooch() -> Any:
    """pooch, imported when a download needs it: it imports tqdm.auto, which warns inside
    Jupyter when ipywidgets is missing, and importing the data sets should print nothing."""
    import pooch

    return pooch


def is_cached(name: str, cache_dir: PathArg | None = None) -> bool:
    """Whether all four files of ``name`` are in the cache with their published SHA-256."""
    _title, _mirrors, sha256, _env = _source(name)
    folder = cache_folder(name, cache_dir)
    return all(_verified(folder / file, sha256[file]) for file in FILES)


def fetch(name: str, *, mirrors: Sequence[str] | None = None, cache_dir: PathArg | None = None,
          progress: bool = True) -> dict[str, Path]:
    """Make sure ``name``'s four files are cached and verified, downloading what is missing or
    corrupt; returns each file's path by file name. Raises ``DownloadError`` if a file can be
    had from no mirror."""
    title, _default, sha256, _env = _source(name)
    folder = cache_folder(name, cache_dir)
    urls = resolve_mirrors(name, mirrors)
    paths = {}
    for file in FILES:
        path = paths[file] = folder / file
        if _verified(path, sha256[file]):
            continue
        failures = []
        for mirror in urls:
            try:
                # downloads to a temporary file, moved into place only if its SHA-256 matches
                pooch = _pooch()
                with _quiet_pooch():
                    pooch.retrieve(mirror + file, known_hash=f"sha256:{sha256[file]}",
                                   fname=file, path=folder, downloader=pooch.HTTPDownloader(
                                       progressbar=progress, timeout=TIMEOUT_S))
                break
            except (OSError, ValueError) as error:  # requests' errors are OSErrors;
                failures.append(f"{mirror + file}: {_one_line(error)}")  # a bad hash, ValueError
        else:
            raise DownloadError(_manual_placement(name, title, file, path, failures))
    return paths


@contextlib.contextmanager
def _quiet_pooch() -> Iterator[None]:
    """pooch logs "Downloading data from ..." on its own: the progress bar says as much, and
    our error message names every URL that failed."""
    logger = _pooch().get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _one_line(error: Exception) -> str:
    return f"{type(error).__name__}: " + " ".join(str(error).split())


def _manual_placement(name: str, title: str, file: str, path: Path, failures: list[str]) -> str:
    _title, _default, _sha256, env = _source(name)
    tried = "\n".join(f"  {failure}" for failure in failures) or "  (no mirror was given)"
    stale = (f"\nThe cached {path} does not match its SHA-256 and was not used."
             if path.exists() else "")
    return (f"could not download {title}'s {file} from any mirror; tried:\n{tried}{stale}\n"
            f"To place the files by hand, download {', '.join(FILES)} (from any mirror above) "
            f"and copy them, still gzip-compressed, into {path.parent} (each is checked "
            f"against its SHA-256 before use). Other mirrors: pass mirrors=[...] or set {env}; "
            f"another cache folder: pass cache_dir=... or set {DATA_ENV}.")


def load(name: str, flatten: bool = True, *, mirrors: Sequence[str] | None = None,
         cache_dir: PathArg | None = None, progress: bool = True
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test) of "mnist" or "fashion-mnist" (see ``load_mnist``)."""
    paths = fetch(name, mirrors=mirrors, cache_dir=cache_dir, progress=progress)
    split = []
    for part in ("train", "t10k"):
        images = read_idx(paths[f"{part}-images-idx3-ubyte.gz"])
        labels = read_idx(paths[f"{part}-labels-idx1-ubyte.gz"])
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"load {name}: {part} images of shape {images.shape} and labels "
                             f"of shape {labels.shape} do not make (n, rows, columns) and (n,)")
        X = images.astype(np.float64) / 255.0
        split += [X.reshape(len(X), -1) if flatten else X, labels.astype(np.int64)]
    X_train, y_train, X_test, y_test = split
    return X_train, y_train, X_test, y_test


def load_mnist(flatten: bool = True, *, mirrors: Sequence[str] | None = None,
               cache_dir: PathArg | None = None, progress: bool = True
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST's handwritten digits: 60,000 training and 10,000 test images of 28x28 pixels.

    Returns (X_train, y_train, X_test, y_test): X float64 in [0, 1] (pixel / 255) of shape
    (n, 784), rows of the image one after another, or (n, 28, 28) with ``flatten=False``; y
    int64 digits 0-9. The first call downloads about 11 MB (see the module's doc for mirrors,
    checksums and the cache folder); later calls read the cache, after checking it.
    """
    return load("mnist", flatten, mirrors=mirrors, cache_dir=cache_dir, progress=progress)


def load_fashion_mnist(flatten: bool = True, *, mirrors: Sequence[str] | None = None,
                       cache_dir: PathArg | None = None, progress: bool = True
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Zalando's Fashion-MNIST: 28x28 images of clothing in 10 classes (0 T-shirt/top,
    1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker, 8 bag, 9 ankle boot),
    as ``load_mnist`` returns them (shapes, dtypes, ``flatten``). About 30 MB on first use.
    """
    return load("fashion-mnist", flatten, mirrors=mirrors, cache_dir=cache_dir,
                progress=progress)
