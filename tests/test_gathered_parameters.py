"""Functions with ``*args`` and ``**kwargs``, written as scipy's optimizers call them
(``minimize(loss, w0, args=(X, y), jac=srcdiff.grad(loss))`` calls ``jac(w, X, y)``): the named
parameters are differentiated, and so is each argument ``*args`` gathers when a transform is
asked for it (by position: ``grad(f, wrt=1)`` of ``f(*args)``, a tangent for it, a helper's
``*args`` receiving a differentiated value); what ``**kwargs`` gathers is data.  Each is checked
against central differences in reverse and forward mode and through ``hessian``, and every
transform takes the same calls."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact

RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 3))
Y = RNG.normal(size=6)
W = RNG.normal(size=3)


def least_squares(w, *data):
    X, y = data
    r = X @ w - y
    return 0.5 * np.sum(r**2)


def ridge(w, *data, l2=0.1, **options):
    X, y = data
    r = np.tanh(X @ w) - y
    return np.sum(r**2) * options["scale"] + l2 * np.sum(w**2)


def weighted(w, *weights):
    total = 0.0
    for k, c in enumerate(weights):
        total = total + c * np.sum(np.sin(w * (k + 1)))
    return total + len(weights) * np.sum(w**2)


def test_star_args_data_is_exact():
    check_exact(least_squares, W, X, Y)
    check_exact(weighted, W, 0.5, -1.5, 2.0)
    check_exact(weighted, W)  # (nothing gathered)


def test_star_star_kwargs_are_passed_through_every_transform():
    g = srcdiff.grad(ridge)(W, X, Y, l2=0.3, scale=2.0)
    h = 1e-6
    fd = [(ridge(W + h * e, X, Y, l2=0.3, scale=2.0) - ridge(W - h * e, X, Y, l2=0.3, scale=2.0)) / (2 * h) for e in np.eye(3)]
    assert np.allclose(g, fd, rtol=1e-6)
    value, grad = srcdiff.value_and_grad(ridge)(W, X, Y, scale=2.0)
    assert np.isclose(value, ridge(W, X, Y, scale=2.0))


def test_every_transform_takes_gathered_arguments():
    v = RNG.normal(size=3)
    g = srcdiff.grad(least_squares)(W, X, Y)
    value, tangent = srcdiff.jvp(least_squares, (W, X, Y), (v, None, None))
    assert np.isclose(tangent, g @ v)
    value, pullback = srcdiff.vjp(least_squares, W, X, Y)
    cotangents = pullback(1.0)  # (one for each argument, the gathered ones too)
    r = X @ W - Y
    assert len(cotangents) == 3 and np.allclose(cotangents[0], g)
    assert np.allclose(cotangents[1], np.outer(r, W)) and np.allclose(cotangents[2], -r)
    assert np.allclose(srcdiff.jacobian(least_squares)(W, X, Y), g)
    assert np.allclose(srcdiff.hessian(least_squares)(W, X, Y), X.T @ X)
    assert np.allclose(srcdiff.hvp(least_squares)(W, X, Y, v), X.T @ X @ v)


def test_what_star_args_gathers_is_differentiated_by_position():
    """``wrt=1`` of ``least_squares(w, *data)`` is ``X``: the function is specialized on how many
    arguments ``*data`` gathers, each one a parameter of its own."""
    r = X @ W - Y
    assert np.allclose(srcdiff.grad(least_squares, wrt=1)(W, X, Y), np.outer(r, W))
    gw, gy = srcdiff.grad(least_squares, wrt=(0, 2))(W, X, Y)
    assert np.allclose(gw, X.T @ r) and np.allclose(gy, -r)
    _, tangent = srcdiff.jvp(least_squares, (W, X, Y), (None, X, None))
    assert np.isclose(tangent, np.sum(r * (X @ W)))
    assert np.allclose(srcdiff.jacobian(least_squares, wrt=2)(W, X, Y), -r)
    assert np.allclose(srcdiff.hessian(least_squares, wrt=2)(W, X, Y), np.eye(6))
    assert np.allclose(srcdiff.hvp(least_squares, wrt=2)(W, X, Y, Y), Y)
    check_exact(only_gathered, 0.7, np.array([0.2, -1.1, 0.5]))
    check_exact(only_gathered, 0.7, np.array([0.2, -1.1, 0.5]), wrt=1)
    check_exact(weighted, W, 0.5, -1.5, 2.0, wrt=2)


def only_gathered(*args):
    a, b = args
    return np.sum(np.sin(a * b)) + len(args) * a


def test_naming_star_args_itself_is_refused():
    with pytest.raises(srcdiff.SrcDiffError, match="not one argument it gathers"):
        srcdiff.grad(least_squares, wrt="data")


def forwards(*args):
    return only_gathered(args[0] * 2.0, *args[1:])


def symmetrized(fun, argnum):
    """A wrapper as autograd's tests write them: it changes one argument and passes them all on."""

    def wrapper(*args, **kwargs):
        args = list(args)
        args[argnum] = 0.5 * (args[argnum] + args[argnum].T)
        return fun(*args, **kwargs)

    return wrapper


def quadratic(x, A, scale=1.0):
    return scale * x @ np.tanh(A) @ x


symmetric_quadratic = symmetrized(quadratic, 1)


def calls_the_wrapper(x, A):
    return symmetric_quadratic(x, A, scale=2.0)


def test_star_args_passed_on_are_differentiated():
    A = RNG.normal(size=(3, 3))
    for wrt in (0, 1):
        check_exact(forwards, 0.7, np.array([0.2, -1.1, 0.5]), wrt=wrt)
        check_exact(symmetric_quadratic, W, A, wrt=wrt)
        check_exact(calls_the_wrapper, W, A, wrt=wrt)
    check_exact(differentiated_into_star_args, W)


@pytest.mark.parametrize("f, args", [(forwards, (0.7, np.array([0.2, -1.1, 0.5]))), (symmetric_quadratic, (W, None))])
def test_reverse_over_the_gradient_of_a_star_args_function(f, args):
    """vjp of grad(f) for f(*args): the gradient's code is built for what *args gathers (it was
    refused: the kinds were taken from the generated code's parameters)."""
    args = tuple(a if a is not None else RNG.normal(size=(3, 3)) for a in args)
    G = srcdiff.grad(f, wrt=0)
    w = RNG.normal(size=np.shape(args[0]))
    v = RNG.normal(size=np.shape(args[0]))
    h = 1e-6
    plus, minus = (args[0] + h * v, *args[1:]), (args[0] - h * v, *args[1:])
    expected = np.sum(w * (G(*plus) - G(*minus))) / (2 * h)
    ct = srcdiff.vjp(G, *args)[1](w)[0]
    assert np.sum(ct * v) == pytest.approx(expected, rel=1e-5, abs=1e-8)


def test_scipy_minimize_with_args():
    optimize = pytest.importorskip("scipy.optimize")
    found = optimize.minimize(least_squares, np.zeros(3), args=(X, Y), jac=srcdiff.grad(least_squares), method="BFGS")
    assert np.allclose(found.x, np.linalg.lstsq(X, Y, rcond=None)[0], atol=1e-5)


def predict(w, X, **options):
    return options["gain"] * np.tanh(X @ w)


def residual(w, *data, **options):
    X, y = data
    return predict(w, X, **options) - y


def loss_passing_them_on(w, *data, **options):
    r = residual(w, *data, **options)
    return 0.5 * np.sum(r**2)


def loss_of_named_parameters(w, X, y):
    return loss_passing_them_on(w, X, y, gain=1.5)


def test_passing_star_args_and_kwargs_on_to_helpers_is_exact():
    """``g(w, *data, **options)``: the arguments they gathered, spread (code is specialized on
    how many there are and which keywords)."""
    check_exact(loss_of_named_parameters, W, X, Y, forward=False)  # (zero tangents for X, Y: refused)
    g = srcdiff.grad(loss_passing_them_on)(W, X, Y, gain=1.5)
    assert np.allclose(g, srcdiff.grad(loss_of_named_parameters)(W, X, Y))
    v = RNG.normal(size=3)
    for f in (lambda_free_loss, loss_of_named_parameters):
        _, tangent = srcdiff.jvp(f, (W, X, Y), (v, None, None))
        assert np.isclose(tangent, g @ v)


def lambda_free_loss(w, *data):
    return loss_passing_them_on(w, *data, gain=1.5)


def scaled_by_extras(w, *data, **options):
    return np.sum(w * data[0]) + options["k"]


def differentiated_into_star_args(w):
    return scaled_by_extras(w, np.sin(w), k=2.0)


def differentiated_into_star_star_kwargs(w):
    return scaled_by_extras(w, 1.0, k=np.sum(w**2))


def test_a_differentiated_value_into_a_helpers_star_star_kwargs_is_refused():
    """It gave the gradient without the gathered value's part."""
    with pytest.raises(srcdiff.SrcDiffError, match="named parameters only"):
        srcdiff.grad(differentiated_into_star_star_kwargs)(W)
    with pytest.raises(srcdiff.SrcDiffError, match="named parameters only"):
        srcdiff.jvp(differentiated_into_star_star_kwargs, (W,), (np.ones(3),))


def product_of_gathered(*args):
    return args[0] * args[1]


def test_a_gathered_argument_not_passed_is_refused():
    with pytest.raises(srcdiff.WrtError, match="not known yet"):
        srcdiff.source(srcdiff.grad(product_of_gathered, wrt=1))  # (before a call: how many is not known)
    with pytest.raises(srcdiff.WrtError, match="passes it 2 argument"):
        srcdiff.grad(product_of_gathered, wrt=3)(0.7, 0.2)


def spread_local(x):
    point = [x, 2.0 * x]
    point[1] = point[1] * 3.0  # (an item write keeps the length)
    return np.hypot(*point) + sum_of(*point[1:])


def sum_of(*values):
    return np.sum(np.array(values) ** 2)


def spread_after_growing(x):
    point = [x]
    point.append(2.0 * x)
    return np.hypot(*point)


def spread_after_aliasing(x):
    point = [x, 2.0 * x]
    other = point
    other.append(1.0)
    return np.hypot(*point)


def test_a_local_sequence_of_known_length_is_spread():
    check_exact(spread_local, 0.8)


@pytest.mark.parametrize("f", [spread_after_growing, spread_after_aliasing])
def test_a_local_sequence_whose_length_may_have_changed_is_not_spread(f):
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="starred arguments"):
        srcdiff.grad(f)(0.8)


swap_last = lambda a: np.swapaxes(a, -1, -2)  # noqa: E731 - a helper written as a lambda


def factor(*args):
    lower = np.tril(args[0])
    return np.linalg.cholesky((lower + swap_last(lower)) / 2.0 + 3.0 * np.eye(3), *args[1:])


def symmetrized(a, u):
    return np.sum(factor(a) * u)


def test_reverse_over_reverse_through_gathered_arguments_and_a_lambda_helper():
    """(The helper's vjp was named after `<lambda>`, and a differentiated *args item had no
    name in the code differentiated again: both crashed.)"""
    a, u, w = np.eye(3) + 0.1, np.arange(9.0).reshape(3, 3), np.ones((3, 3))
    g = srcdiff.grad(symmetrized)
    (ct, _) = srcdiff.vjp(g, a, u)[1](w)
    h = 1e-6
    v = np.random.default_rng(3).standard_normal((3, 3))
    numeric = np.sum(w * (g(a + h * v, u) - g(a - h * v, u)) / (2 * h))
    assert np.sum(ct * v) == pytest.approx(numeric, rel=1e-5)
