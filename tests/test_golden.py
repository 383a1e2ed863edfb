"""Golden tests of the transforms: the code srcdiff generates for one construct at a time
(an assignment, a ``while``, a ``for``, an ``if``, a helper call, array code), in reverse and
forward mode, compared with the files in ``tests/golden/``.

A change to the emitted code shows up here as a readable diff.  When the change is intended,
write the files again and review the diff in version control::

    SRCDIFF_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

import srcdiff
from golden_cases import CASES

GOLDEN = Path(__file__).parent / "golden"


def _generated(name: str, mode: str) -> str:
    fn, args = CASES[name]
    if mode == "reverse":
        g = srcdiff.grad(fn)
        g(*args)
        return srcdiff.source(g)
    return srcdiff.forward_source(fn, 0, args)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_code_is_the_golden_one(name: str, mode: str) -> None:
    path = GOLDEN / f"{name}.{mode}.txt"
    got = _generated(name, mode).rstrip("\n") + "\n"
    if os.environ.get("SRCDIFF_UPDATE_GOLDEN"):
        path.write_text(got)
    want = path.read_text()
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), str(path), "generated"))
        pytest.fail(f"the generated code changed (SRCDIFF_UPDATE_GOLDEN=1 to accept):\n{diff}")


def test_golden_cases_are_exact() -> None:
    """The golden code is also right: each case's gradient against central differences."""
    from exactness import check_exact

    for name, (fn, args) in CASES.items():
        check_exact(fn, *args, wrt=0)
