"""Every Python example in the README runs, and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import linecache
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def expected_output(block: str) -> list[str]:
    """The text after `# ` on each `print(...)` line: what that line must print."""
    return [m.group(1) for m in re.finditer(r"^print\(.*\)\s+# ([^\s:]+)", block, flags=re.M)]


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(block: str) -> None:
    # Each block gets a file name of its own whose source linecache knows, so that tools that
    # read a function's source (hypothesis does, for @given tests) find the block itself.
    name = f"<README.md block {BLOCKS.index(block)}>"
    linecache.cache[name] = (len(block), None, block.splitlines(keepends=True), name)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block, name, "exec"), {"__name__": "__readme__"})
    lines = printed.getvalue().splitlines()
    for want in expected_output(block):
        assert any(line.startswith(want) for line in lines), (want, lines)
    comment = re.search(r"^# (y = .*)$", block, flags=re.M)
    if comment:  # an output shown on its own comment line below the print
        assert comment.group(1) in lines
