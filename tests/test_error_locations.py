"""Refusals met while differentiating generated code (a Hessian is forward mode over the
generated gradient) name the user's file and line, never srcdiff's own files or its
generated pseudo-files."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff


def rotation_spectrum(a, b):
    w = np.linalg.eigvals(a @ b)
    return np.sum(np.abs(w) ** 2)


def view_read_again(x):
    u = x.copy()
    v = u[0:2]
    u[0] = 3.0
    return np.sum(v * u[1:])


def contraction(a, b):
    c = np.einsum("ij,jk->ik", a, b)
    return np.sum(c**2)


def test_second_order_through_einsum_is_no_longer_refused():
    # (einsum_adjoint has a rule of its own now: this was a refusal checked below)
    a, b = np.ones((2, 2)), np.arange(4.0).reshape(2, 2)
    srcdiff.check_grads(srcdiff.grad(contraction, wrt=(0, 1)), (a, b), order=1)


@pytest.mark.parametrize(
    "f, line", [(rotation_spectrum, 14), (view_read_again, 21)], ids=lambda v: getattr(v, "__name__", "")
)
def test_second_order_refusals_name_the_users_line(f, line):
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])  # (complex eigenvalues of a real matrix: refused)
    args = (rotation, np.eye(2)) if f is rotation_spectrum else (np.ones(3),)
    with pytest.raises(srcdiff.SrcDiffError) as info:
        srcdiff.hessian(f)(*args)
    assert info.value.filename == __file__
    assert info.value.lineno == line
    assert "srcdiff/" not in str(info.value).split("):")[0] and "<srcdiff" not in str(info.value)


def summed_sines(x):
    return np.sum(np.sin(x), keepdims=True)


PICKED = [summed_sines]


def gradient_made_inside(x):  # (of a function srcdiff cannot know before the call)
    return np.sum(srcdiff.grad(PICKED[0])(x))


FUNCTIONS = [np.sin]


def function_from_a_list(x):
    return FUNCTIONS[0](x) * 2.0


@pytest.mark.parametrize("f", [gradient_made_inside, function_from_a_list], ids=lambda f: f.__name__)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refusals_quote_the_users_code_not_internal_names(f, mode):
    import re

    with pytest.raises(srcdiff.SrcDiffError) as info:
        if mode == "reverse":
            srcdiff.grad(f)(np.ones(3))
        else:
            srcdiff.jvp(f, (np.ones(3),), (np.ones(3),))
    assert not re.search(r"\b_t\d", str(info.value)), str(info.value)
    assert "return " in info.value.problem
