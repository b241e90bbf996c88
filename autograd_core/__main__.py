"""``python -m autograd_core``: the ``autograd-core`` command line (see ``autograd_core.cli``)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
