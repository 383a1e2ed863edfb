"""grad(f, mode="auto") chooses its mode: forward mode (a tangent carried along, no tape) for a
loop in one number, reverse mode otherwise; the same numbers either way, the choice shown in the
source.  The default stays reverse mode."""

from __future__ import annotations

import math

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact


def kepler(e, M, steps):
    E = M
    for _ in range(steps):
        E = E - (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))
    return E


def damped(k):
    x, v = 1.0, 0.0
    for _ in range(30):
        a = -k * x - 0.1 * v
        x, v = x + 0.05 * v, v + 0.05 * a
    return x * x + v


def of_an_array(x):
    return np.sum(np.sin(x) ** 2)


@pytest.mark.parametrize("f, args", [(kepler, (0.6, 1.1, 25)), (damped, (2.0,))], ids=["kepler", "damped"])
def test_one_number_runs_in_forward_mode_with_the_same_numbers(f, args):
    df, reverse = srcdiff.grad(f, mode="auto"), srcdiff.grad(f)
    assert df(*args) == pytest.approx(reverse(*args), rel=1e-13)
    assert "forward mode" in srcdiff.source(df)
    assert "forward mode" not in srcdiff.source(reverse)
    check_exact(f, *args)  # (grad, jvp and hessian against finite differences)
    value, g = srcdiff.value_and_grad(f, mode="auto")(*args)
    assert value == f(*args) and g == df(*args) and type(g) is float


def test_second_derivatives_of_a_forward_mode_gradient():
    df = srcdiff.grad(kepler, mode="auto")
    second = srcdiff.grad(srcdiff.grad(kepler))(0.6, 1.1, 25)
    assert srcdiff.grad(df)(0.6, 1.1, 25) == pytest.approx(second, rel=1e-12)
    assert srcdiff.jvp(df, (0.6, 1.1, 25), (1.0, None, None))[1] == pytest.approx(second, rel=1e-12)
    assert srcdiff.vjp(df, 0.6, 1.1, 25)[1](1.0)[0] == pytest.approx(second, rel=1e-12)


def test_arrays_and_several_numbers_stay_in_reverse_mode():
    x = np.linspace(0.1, 1.0, 4)
    auto = {"mode": "auto"}
    for df, args in [
        (srcdiff.grad(of_an_array, **auto), (x,)),
        (srcdiff.grad(kepler, wrt=(0, 1), **auto), (0.6, 1.1, 5)),
    ]:
        df(*args)
        assert "forward mode" not in srcdiff.source(df)


def test_forward_mode_asked_for_where_it_does_not_apply_is_refused():
    with pytest.raises(srcdiff.WrtError, match="mode='forward' differentiates one number"):
        srcdiff.grad(of_an_array, mode="forward")(np.ones(3))
    with pytest.raises(ValueError, match="mode must be one of"):
        srcdiff.grad(kepler, mode="sideways")


def test_the_default_is_reverse_mode():
    df = srcdiff.grad(kepler)
    df(0.6, 1.1, 5)
    assert "forward mode" not in srcdiff.source(df) and "_stack" in srcdiff.source(df)
    forward = srcdiff.grad(kepler, mode="forward")
    assert forward(0.6, 1.1, 5) == pytest.approx(df(0.6, 1.1, 5), rel=1e-13)
    assert "forward mode" in srcdiff.source(forward)
