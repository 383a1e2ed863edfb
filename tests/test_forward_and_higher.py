"""Forward mode and higher derivatives: ``jvp``, ``vjp``, ``jacobian``, ``hessian``, ``hvp``,
``grad(grad(f))``, user-registered rules and ``check_grads``.

Every derivative is checked against central finite differences or an exact formula.
The functions are defined at module level: srcdiff reads their source.

Registered rules are global state: each test that registers one does so on a function
made only for that test (never on a builtin or a shared function).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import srcdiff

H = 1e-6


# -- finite-difference references ------------------------------------------------------------


def _moved(x, t, h):
    """``x + h * t`` keeping scalars scalars (``t`` None: not moved)."""
    if t is None:
        return x
    if isinstance(x, np.ndarray):
        return x + h * np.asarray(t, dtype=float)
    return float(x) + h * float(t)


def fd_jvp(f, primals, tangents, h=H):
    """Central difference of ``f`` along ``tangents`` (None: not varied)."""
    plus = [_moved(x, t, h) for x, t in zip(primals, tangents)]
    minus = [_moved(x, t, -h) for x, t in zip(primals, tangents)]
    return (np.asarray(f(*plus), dtype=float) - np.asarray(f(*minus), dtype=float)) / (2 * h)


def _unit(x, i):
    if np.ndim(x) == 0:
        return 1.0
    e = np.zeros(np.shape(x))
    e.flat[i] = 1.0
    return e


def fd_jacobian(f, args, wrt=0, h=H):
    """Finite-difference Jacobian of ``f`` with respect to ``args[wrt]``: out.shape + in.shape."""
    x = args[wrt]
    columns = []
    for i in range(max(np.size(x), 1)):
        tangents = [None] * len(args)
        tangents[wrt] = _unit(x, i)
        columns.append(fd_jvp(f, args, tangents, h))
    out_shape = np.shape(columns[0])
    return np.stack(columns, axis=-1).reshape(out_shape + np.shape(x))


def assert_close(got, want, rtol=1e-6, atol=1e-7):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def check_jvp(f, primals, tangents, rtol=1e-6, atol=1e-7):
    """srcdiff.jvp against f itself (value) and finite differences (tangent)."""
    value, tangent = srcdiff.jvp(f, primals, tangents)
    assert_close(value, f(*primals), rtol=1e-12, atol=0)
    assert_close(tangent, fd_jvp(f, primals, tangents), rtol, atol)
    return value, tangent


# -- 1. jvp: scalar control flow ---------------------------------------------------------------


def branchy(x, y):
    if x > 1.0:
        z = x * y
    else:
        z = math.sin(x) + y
    return z * z


def halve_until_small(x):
    n = 0
    while x > 1.0:  # trip count depends on x
        x = x / 2.0
        n = n + 1
    return x * x + n


def series_with_break(x, n):
    total = 0.0
    term = 1.0
    for k in range(1, n):
        term = term * x / k
        total = total + term
        if term < 1e-3:
            break
    return total


def early_return(x):
    if x < 0.0:
        return -x * x
    y = math.exp(x)
    return y * x


def scaled_poly(x, scale=1.0, shift=0.0):
    return scale * x**3 + shift * x


def uses_keywords(x, y):
    return scaled_poly(x, shift=y, scale=2.0) + scaled_poly(y, scale=x)


def power_rec(x, n):
    if n == 0:
        return 1.0
    return x * power_rec(x, n - 1)


def ignores_input(x):
    return 3.0


@pytest.mark.parametrize("x, y", [(1.7, 0.4), (0.3, -1.2)])  # both branches
def test_jvp_branch(x, y):
    check_jvp(branchy, (x, y), (1.0, 0.0))
    check_jvp(branchy, (x, y), (0.5, -2.0))


@pytest.mark.parametrize("x", [0.7, 3.1, 9.5, 40.0])  # 0, 2, 4 and 6 trips
def test_jvp_while_with_data_dependent_trip_count(x):
    _, tangent = check_jvp(halve_until_small, (x,), (1.0,))
    trips = 0
    while x > 1.0:
        x, trips = x / 2.0, trips + 1
    assert tangent == pytest.approx(2.0 * x / 2.0**trips)  # exact: d/dx (x / 2^k)^2


@pytest.mark.parametrize("x", [0.05, 0.8, 2.5])  # breaks early for small x, never for large
def test_jvp_for_with_break(x):
    check_jvp(series_with_break, (x, 12), (1.0, None))


@pytest.mark.parametrize("x", [-1.3, 0.6])
def test_jvp_early_return(x):
    _, tangent = check_jvp(early_return, (x,), (1.0,))
    want = -2.0 * x if x < 0 else math.exp(x) * (1.0 + x)
    assert tangent == pytest.approx(want)


def test_jvp_helper_called_with_keywords():
    check_jvp(uses_keywords, (0.9, 1.4), (1.0, 0.0))
    check_jvp(uses_keywords, (0.9, 1.4), (0.0, 1.0))
    check_jvp(uses_keywords, (0.9, 1.4), (0.3, -0.7))


def test_jvp_recursion():
    value, tangent = check_jvp(power_rec, (1.3, 5), (1.0, None))
    assert value == pytest.approx(1.3**5)
    assert tangent == pytest.approx(5 * 1.3**4)


def test_jvp_tangent_none_means_not_varied():
    x, y = 1.7, 0.4
    _, only_y = srcdiff.jvp(branchy, (x, y), (None, 1.0))
    _, only_x = srcdiff.jvp(branchy, (x, y), (1.0, None))
    _, both = srcdiff.jvp(branchy, (x, y), (1.0, 1.0))
    assert only_y == pytest.approx(2 * x * y * x)  # z = x*y, d(z^2)/dy = 2 z x
    assert only_x == pytest.approx(2 * x * y * y)
    assert both == pytest.approx(only_x + only_y)


def test_jvp_of_scalar_function_ignoring_its_input_is_zero():
    value, tangent = srcdiff.jvp(ignores_input, (2.0,), (1.0,))
    assert value == 3.0
    assert tangent == 0.0


# -- 1. jvp: numpy array functions --------------------------------------------------------------


def layer(W, x, b):
    h = np.tanh(W @ x + b)  # matmul, broadcasting of b
    return h * x[0] + np.sum(W * x, axis=1)  # W * x broadcasts x over the rows


def reductions(A, v):
    col = np.mean(A * A, axis=0)
    return col * v + np.sum(A @ v) + np.sum(A, axis=1)[0] + np.max(A, axis=0)


def row_max(A):
    return np.max(A, axis=1)


def write_into_local(x):
    y = np.zeros(4)
    y[0] = x[1] * x[2]
    y[1:3] = x[0:2] ** 2
    y[3] = np.sum(x)
    y[0] += x[0]
    return y * 2.0


def stack_of_appended(x, n):
    rows = []
    h = x
    for _ in range(n):
        h = np.sin(h) * x
        rows.append(h)
    return np.stack(rows)


def ignores_array_input(x):
    return np.ones((2, 3)) * 5.0


RNG = np.random.default_rng(20240601)
W34 = RNG.standard_normal((3, 4))
X4 = RNG.standard_normal(4)
B3 = RNG.standard_normal(3)
A34 = RNG.standard_normal((3, 4))
X3 = RNG.standard_normal(3)


def test_jvp_matmul_broadcasting_reduction():
    for tangents in [(None, X4[::-1].copy(), None), (np.ones_like(W34), None, None), (0.1 * W34, X4, B3)]:
        _, tangent = check_jvp(layer, (W34, X4, B3), tangents)
        assert tangent.shape == (3,)


def test_jvp_reductions_with_axis():
    v = np.random.default_rng(3).standard_normal(4)
    check_jvp(reductions, (A34, v), (A34[::-1].copy(), None))
    check_jvp(reductions, (A34, v), (None, np.arange(4.0)))


def test_jvp_max_over_last_axis():
    A = np.array([[1.0, 3.0, -2.0], [4.0, 2.0, 0.5]])
    t = np.arange(6.0).reshape(2, 3)
    _, tangent = check_jvp(row_max, (A,), (t,))
    assert_close(tangent, [t[0, 1], t[1, 0]])


def test_jvp_indexing_and_writes_into_a_local_array():
    x = np.array([0.5, -1.5, 2.0])
    for t in (np.array([1.0, 0.0, 0.0]), np.array([0.3, 0.2, -0.4])):
        _, tangent = check_jvp(write_into_local, (x,), (t,))
        want = 2.0 * np.array([x[2] * t[1] + x[1] * t[2] + t[0], 2 * x[0] * t[0], 2 * x[1] * t[1], np.sum(t)])
        assert_close(tangent, want)  # exact


def test_jvp_list_built_with_append_then_stacked():
    value, tangent = check_jvp(stack_of_appended, (X3, 4), (np.array([1.0, -2.0, 0.5]), None))
    assert value.shape == tangent.shape == (4, 3)


def test_jvp_of_array_function_ignoring_its_input_is_zero_of_output_shape():
    value, tangent = srcdiff.jvp(ignores_array_input, (X3,), (np.ones(3),))
    assert np.shape(tangent) == (2, 3)
    assert not np.any(tangent)
    assert_close(value, np.full((2, 3), 5.0))


# -- 2. vjp ------------------------------------------------------------------------------------


def vector_out(x, y):
    return np.sin(x) * y + x * x


def matrix_out(x, y):
    return np.outer(x, y) + np.outer(x * x, np.ones(2))


def dict_model(params, x):
    return np.tanh(params["W"] @ x + params["b"]) * params["scale"]


def mixed_args(x, n, flag):
    out = x * 2.0
    if flag:
        out = out * n
    return out


def test_vjp_vector_output():
    x = np.array([0.3, -1.1, 2.0])
    y = np.array([1.5, 0.2, -0.7])
    value, pullback = srcdiff.vjp(vector_out, x, y)
    assert_close(value, vector_out(x, y), rtol=1e-12, atol=0)
    w = np.array([1.0, -2.0, 0.5])
    gx, gy = pullback(w)
    assert_close(gx, w @ fd_jacobian(vector_out, (x, y), 0))
    assert_close(gy, w @ fd_jacobian(vector_out, (x, y), 1))
    assert_close(gx, w * (np.cos(x) * y + 2 * x))  # exact (diagonal Jacobian)
    assert_close(gy, w * np.sin(x))


def test_vjp_matrix_output():
    x = np.array([0.3, -1.1, 2.0])
    y = np.array([1.5, -0.7])
    value, pullback = srcdiff.vjp(matrix_out, x, y)
    assert value.shape == (3, 2)
    w = np.random.default_rng(1).standard_normal((3, 2))
    gx, gy = pullback(w)
    jx = fd_jacobian(matrix_out, (x, y), 0)  # (3, 2, 3)
    jy = fd_jacobian(matrix_out, (x, y), 1)  # (3, 2, 2)
    assert_close(gx, np.tensordot(w, jx, axes=2))
    assert_close(gy, np.tensordot(w, jy, axes=2))


def test_vjp_pullback_called_twice_gives_the_same_result():
    x = np.array([0.3, -1.1, 2.0])
    y = np.array([1.5, 0.2, -0.7])
    _, pullback = srcdiff.vjp(vector_out, x, y)
    w = np.array([1.0, -2.0, 0.5])
    first = pullback(w)
    second = pullback(w)
    other = pullback(2.0 * w)
    for a, b, c in zip(first, second, other):
        assert_close(a, b, rtol=0, atol=0)
        assert_close(c, 2.0 * a)
    # arrays written in place in the forward pass are restored between the two pullbacks
    _, pullback = srcdiff.vjp(write_into_local, np.array([0.5, -1.5, 2.0]))
    w4 = np.array([1.0, 2.0, 3.0, 4.0])
    assert_close(pullback(w4)[0], pullback(w4)[0], rtol=0, atol=0)


def test_vjp_dict_parameters():
    params = {"W": np.random.default_rng(2).standard_normal((2, 3)), "b": np.array([0.1, -0.2]), "scale": 1.7}
    x = np.array([0.4, -0.3, 1.2])
    value, pullback = srcdiff.vjp(dict_model, params, x)
    assert_close(value, dict_model(params, x), rtol=1e-12, atol=0)
    w = np.array([0.7, -1.3])
    gparams, gx = pullback(w)
    assert set(gparams) == {"W", "b", "scale"}
    for key in ("W", "b"):

        def f(leaf, key=key):
            return dict_model({**params, key: leaf}, x)

        assert_close(gparams[key], np.tensordot(w, fd_jacobian(f, (params[key],)), axes=1))
    assert gparams["scale"] == pytest.approx(float(w @ np.tanh(params["W"] @ x + params["b"])))
    assert_close(gx, w @ fd_jacobian(dict_model, (params, x), 1))


def test_vjp_non_differentiable_arguments_get_none():
    x = np.array([1.0, 2.0])
    _, pullback = srcdiff.vjp(mixed_args, x, 3, True)
    gx, gn, gflag = pullback(np.array([1.0, 1.0]))
    assert_close(gx, [6.0, 6.0])
    assert gflag is None


# -- 3. jacobian -------------------------------------------------------------------------------


def r3_to_r2(x):
    return np.stack([x[0] * x[1], np.sin(x[2]) + x[0] * x[2]])


def r2_to_r4(x):
    return np.array([x[0], x[1] * x[0], np.exp(x[1]), x[0] ** 2 - x[1]])


def matrix_in(A):
    return np.tanh(A @ np.array([1.0, -2.0])) + np.sum(A * A, axis=1)


def scalar_to_scalar(x):
    return math.sin(x) * x


def scalar_to_vector(t):
    return np.array([math.cos(t), math.sin(t), t * t])


def vector_to_scalar(x):
    return np.sum(x**3) * x[0]


@pytest.mark.parametrize(
    "f, x",
    [
        (r3_to_r2, np.array([0.5, -1.2, 0.8])),
        (r2_to_r4, np.array([0.7, 0.3])),
        (matrix_in, np.array([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]])),
    ],
)
def test_jacobian_forward_and_reverse_agree_with_finite_differences(f, x):
    forward = srcdiff.jacobian(f, mode="forward")(x)
    reverse = srcdiff.jacobian(f, mode="reverse")(x)
    expected_shape = np.shape(f(x)) + x.shape
    assert forward.shape == reverse.shape == expected_shape
    assert_close(forward, reverse, rtol=1e-12, atol=1e-14)
    assert_close(forward, fd_jacobian(f, (x,)))
    assert_close(srcdiff.jacobian(f)(x), forward, rtol=1e-12, atol=1e-14)


def test_jacobian_exact_r2_to_r4():
    x0, x1 = 0.7, 0.3
    want = [[1.0, 0.0], [x1, x0], [0.0, math.exp(x1)], [2 * x0, -1.0]]
    assert_close(srcdiff.jacobian(r2_to_r4)(np.array([x0, x1])), want, rtol=1e-12, atol=0)


def test_jacobian_auto_picks_reverse_for_wide_and_forward_for_tall():
    wide = srcdiff.jacobian(r3_to_r2)  # 3 inputs, 2 outputs: reverse (one pass per output)
    wide(np.array([0.5, -1.2, 0.8]))
    assert "r3_to_r2_bwd" in wide.source
    tall = srcdiff.jacobian(r2_to_r4)  # 2 inputs, 4 outputs: forward (one pass per input)
    tall(np.array([0.7, 0.3]))
    assert "r2_to_r4_jvp" in tall.source and "_bwd" not in tall.source


def test_jacobian_with_respect_to_another_argument():
    x = np.array([0.3, -1.1, 2.0])
    y = np.array([1.5, 0.2, -0.7])
    for mode in ("forward", "reverse"):
        jac = srcdiff.jacobian(vector_out, wrt="y", mode=mode)(x, y)
        assert_close(jac, np.diag(np.sin(x)))


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_shapes_with_scalars(mode):
    j = srcdiff.jacobian(scalar_to_scalar, mode=mode)(0.8)
    assert np.shape(j) == ()
    assert float(j) == pytest.approx(math.cos(0.8) * 0.8 + math.sin(0.8))

    j = srcdiff.jacobian(scalar_to_vector, mode=mode)(0.8)
    assert np.shape(j) == (3,)
    assert_close(j, [-math.sin(0.8), math.cos(0.8), 1.6])

    x = np.array([0.5, -1.0, 2.0])
    j = srcdiff.jacobian(vector_to_scalar, mode=mode)(x)
    assert np.shape(j) == (3,)
    assert_close(j, np.sum(x**3) * _unit(x, 0) + 3 * x**2 * x[0])


# -- 4. hessian --------------------------------------------------------------------------------


def quadratic(x, A):
    return x @ A @ x


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_loop(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def rosenbrock_hessian(x):
    """The analytic Hessian of the n-dimensional Rosenbrock function."""
    n = len(x)
    hess = np.zeros((n, n))
    for i in range(n - 1):
        hess[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        hess[i + 1, i + 1] += 200.0
        hess[i, i + 1] = hess[i + 1, i] = -400.0 * x[i]
    return hess


def grow_while(x):
    y = x
    k = 0
    while y < 20.0:  # trip count depends on x
        y = y * x + math.sin(y)
        k = k + 1
    return y / k


def cubic_helper(z, power=3):
    return z**power


def calls_cubic_helper(x):
    return np.sum(cubic_helper(x) * x) + cubic_helper(x[0], power=2)


def quadratic_matrix_first(A, x):
    return quadratic(x, A)


X5 = np.array([-1.2, 1.0, 0.4, 0.9, -0.3])


def test_hessian_of_quadratic_is_exact():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    hess = srcdiff.hessian(quadratic)(x, A)
    assert hess.shape == (4, 4)
    assert_close(hess, A + A.T, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f", [rosenbrock, rosenbrock_loop])
def test_hessian_of_rosenbrock_is_the_analytic_one(f):
    hess = srcdiff.hessian(f)(X5)
    assert hess.shape == (5, 5)
    assert_close(hess, rosenbrock_hessian(X5), rtol=1e-12, atol=1e-9)
    assert_close(hess, hess.T, rtol=0, atol=0)


@pytest.mark.parametrize("x", [1.3, 2.2, 4.5])
def test_hessian_through_data_dependent_while_loop(x):
    hess = srcdiff.hessian(grow_while)(x)
    assert np.shape(hess) == ()
    gradient = srcdiff.grad(grow_while)
    assert float(hess) == pytest.approx(fd_jvp(gradient, (x,), (1.0,), h=1e-5), rel=1e-5)


def test_hessian_through_helper_call():
    x = np.array([0.5, -1.0, 2.0])
    hess = srcdiff.hessian(calls_cubic_helper)(x)
    want = np.diag(12.0 * x**2)  # sum(x^4)
    want[0, 0] += 2.0  # x[0] ** 2
    assert_close(hess, want, rtol=1e-12, atol=1e-12)


# -- 5. hvp ------------------------------------------------------------------------------------


@pytest.mark.parametrize("f", [rosenbrock, rosenbrock_loop, calls_cubic_helper])
def test_hvp_equals_hessian_times_v(f):
    x = X5[:3] if f is calls_cubic_helper else X5
    hess = srcdiff.hessian(f)(x)
    product = srcdiff.hvp(f)
    rng = np.random.default_rng(3)
    for v in [_unit(x, 0), np.ones_like(x), rng.standard_normal(x.shape), rng.standard_normal(x.shape)]:
        assert_close(product(x, v), hess @ v, rtol=1e-10, atol=1e-10)


def test_hvp_with_respect_to_a_later_argument():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((3, 3))
    x = rng.standard_normal(3)
    v = np.array([1.0, -2.0, 0.5])
    assert_close(srcdiff.hvp(quadratic_matrix_first, wrt=1)(A, x, v), (A + A.T) @ v, rtol=1e-12, atol=1e-12)


# -- 6. grad(grad(f)) --------------------------------------------------------------------------


def loop_and_branch(x):
    y = x
    for _ in range(3):
        if y > 0.5:
            y = y * math.sin(y) + x
        else:
            y = y * y + 0.3 * x
    return y


def while_power(x):
    y = 1.0
    n = 0
    while n < 4:
        y = y * x
        n = n + 1
    return y + math.exp(-x * x)


def two_args(x, y):
    total = 0.0
    for k in range(1, 4):
        if x * k > y:
            total = total + math.sin(x * y * k)
        else:
            total = total + x**2 * y
    return total


def square_helper(z):
    return z * z


def calls_square_helper(x):
    return square_helper(x) * x


@pytest.mark.parametrize("f", [loop_and_branch, while_power])
@pytest.mark.parametrize("x", [0.3, 0.9, 1.7])
def test_grad_of_grad_matches_finite_differences_of_grad(f, x):
    second = srcdiff.grad(srcdiff.grad(f))(x)
    assert isinstance(second, float)
    assert second == pytest.approx(fd_jvp(srcdiff.grad(f), (x,), (1.0,), h=1e-5), rel=1e-6, abs=1e-6)


def test_grad_of_grad_exact():
    x = 1.3
    assert srcdiff.grad(srcdiff.grad(while_power))(x) == pytest.approx(12 * x**2 + (4 * x * x - 2) * math.exp(-x * x))


@pytest.mark.parametrize("x, y", [(0.9, 1.4), (1.2, 0.5)])
def test_grad_of_grad_mixed_partials(x, y):
    dx = srcdiff.grad(two_args, wrt=0)
    dy = srcdiff.grad(two_args, wrt=1)
    dxdy = srcdiff.grad(dx, wrt=1)(x, y)
    dydx = srcdiff.grad(dy, wrt=0)(x, y)
    assert dxdy == pytest.approx(dydx, rel=1e-12)
    assert dxdy == pytest.approx(fd_jvp(dx, (x, y), (None, 1.0), h=1e-5), rel=1e-6)


def test_grad_of_grad_when_the_gradient_calls_a_helper():
    # (refused once: the inner gradient's code called the helper's halves, sharing a tape)
    assert srcdiff.grad(srcdiff.grad(calls_square_helper))(1.5) == pytest.approx(6 * 1.5)
    assert srcdiff.grad(srcdiff.grad(srcdiff.grad(calls_square_helper)))(1.5) == pytest.approx(6.0)
    assert float(srcdiff.hessian(calls_square_helper)(1.5)) == pytest.approx(6 * 1.5)


# -- 7. registered rules -----------------------------------------------------------------------


def _sourceless(name, code):
    """A Python function made by exec: srcdiff cannot read its source."""
    namespace = {"math": math, "np": np}
    exec(code, namespace)
    return namespace[name]


cube_nosrc = _sourceless("cube_nosrc", "def cube_nosrc(x):\n    return x ** 3\n")
scaled_nosrc = _sourceless("scaled_nosrc", "def scaled_nosrc(x, scale=1.0):\n    return scale * np.sin(x)\n")
never_registered_nosrc = _sourceless("never_registered_nosrc", "def never_registered_nosrc(x):\n    return x\n")
only_vjp_nosrc = _sourceless("only_vjp_nosrc", "def only_vjp_nosrc(x):\n    return 2.0 * x\n")
only_jvp_nosrc = _sourceless("only_jvp_nosrc", "def only_jvp_nosrc(x):\n    return 2.0 * x\n")
c_erf = functools.partial(math.erf)  # C code behind an object only these tests know


def cube_in_loop(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + cube_nosrc(x * (i + 1))
    return acc


def cube_helper(y):
    return cube_nosrc(y) + 1.0


def cube_via_helper(x):
    return cube_helper(x) * x


def scaled_with_keyword(x):
    return np.sum(scaled_nosrc(x, scale=3.0) * x)


def erf_in_loop(x):
    y = x
    for _ in range(3):
        y = c_erf(y) + 0.5 * x
    return y


def floor_ste(x):
    return np.floor(x)


def uses_floor_ste(x):
    return np.sum(floor_ste(x) * x)


def uses_never_registered(x):
    return never_registered_nosrc(x) * x


def uses_only_vjp(x):
    return only_vjp_nosrc(x) * x


def uses_only_jvp(x):
    return only_jvp_nosrc(x) * x


def _register_cube():
    @srcdiff.register_vjp(cube_nosrc)
    def cube_vjp(g, ans, x):
        return (g * 3.0 * x * x,)

    @srcdiff.register_jvp(cube_nosrc)
    def cube_jvp(tangents, ans, x):
        return 3.0 * x * x * tangents[0]


def test_function_without_source_needs_a_rule():
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(uses_never_registered)(1.0)
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.jvp(uses_never_registered, (1.0,), (1.0,))


def test_registered_rules_in_a_loop_and_in_a_helper():
    _register_cube()
    n = 3
    x = 0.7
    want = sum(3.0 * (i + 1) ** 3 * x**2 for i in range(n))
    assert srcdiff.grad(cube_in_loop)(x, n) == pytest.approx(want)
    assert srcdiff.jvp(cube_in_loop, (x, n), (1.0, None))[1] == pytest.approx(want)
    want = 4.0 * x**3 + 1.0  # (x^3 + 1) * x
    assert srcdiff.grad(cube_via_helper)(x) == pytest.approx(want)
    assert srcdiff.jvp(cube_via_helper, (x,), (1.0,))[1] == pytest.approx(want)
    # on arrays, and used directly
    xs = np.array([0.5, -1.0, 2.0])
    value, pullback = srcdiff.vjp(cube_nosrc, xs)
    assert_close(pullback(np.ones(3))[0], 3.0 * xs**2)
    assert_close(srcdiff.jvp(cube_nosrc, (xs,), (np.ones(3),))[1], 3.0 * xs**2)
    # the Hessian differentiates the (readable) vjp rule in forward mode
    assert float(srcdiff.hessian(cube_via_helper)(x)) == pytest.approx(12.0 * x**2)


def test_registered_rules_with_keyword_arguments():
    @srcdiff.register_vjp(scaled_nosrc)
    def scaled_vjp(g, ans, x, scale=1.0):
        return (g * scale * np.cos(x),)

    @srcdiff.register_jvp(scaled_nosrc)
    def scaled_jvp(tangents, ans, x, scale=1.0):
        return scale * np.cos(x) * tangents[0]

    x = np.array([0.2, -0.9, 1.4])
    want = 3.0 * (np.sin(x) + x * np.cos(x))
    assert_close(srcdiff.grad(scaled_with_keyword)(x), want)
    v = np.array([1.0, 0.5, -2.0])
    assert srcdiff.jvp(scaled_with_keyword, (x,), (v,))[1] == pytest.approx(float(want @ v))


def test_registered_rules_on_c_code():
    @srcdiff.register_vjp(c_erf)
    def erf_vjp(g, ans, x):
        return (g * 2.0 / math.sqrt(math.pi) * math.exp(-x * x),)

    @srcdiff.register_jvp(c_erf)
    def erf_jvp(tangents, ans, x):
        return 2.0 / math.sqrt(math.pi) * math.exp(-x * x) * tangents[0]

    for x in (-0.4, 0.3, 1.1):
        want = fd_jvp(erf_in_loop, (x,), (1.0,))
        assert srcdiff.grad(erf_in_loop)(x) == pytest.approx(want, rel=1e-6)
        assert srcdiff.jvp(erf_in_loop, (x,), (1.0,))[1] == pytest.approx(want, rel=1e-6)


def test_registered_rule_takes_precedence_over_source():
    @srcdiff.register_vjp(floor_ste)
    def floor_ste_vjp(g, ans, x):  # straight-through: pretend floor is the identity
        return (g,)

    @srcdiff.register_jvp(floor_ste)
    def floor_ste_jvp(tangents, ans, x):
        return tangents[0]

    x = np.array([0.4, 1.6, -2.3])
    want = np.floor(x) + x  # the source alone would give np.floor(x)
    assert_close(srcdiff.grad(uses_floor_ste)(x), want, rtol=1e-12, atol=0)
    v = np.array([1.0, -1.0, 0.5])
    assert srcdiff.jvp(uses_floor_ste, (x,), (v,))[1] == pytest.approx(float(want @ v))
    assert_close(srcdiff.jacobian(floor_ste, mode="forward")(x), np.eye(3))
    assert_close(srcdiff.jacobian(floor_ste, mode="reverse")(x), np.eye(3))


def test_vjp_rule_only_is_refused_in_forward_mode_and_vice_versa():
    @srcdiff.register_vjp(only_vjp_nosrc)
    def only_vjp_rule(g, ans, x):
        return (2.0 * g,)

    @srcdiff.register_jvp(only_jvp_nosrc)
    def only_jvp_rule(tangents, ans, x):
        return 2.0 * tangents[0]

    assert srcdiff.grad(uses_only_vjp)(1.5) == pytest.approx(6.0)
    with pytest.raises(srcdiff.SrcDiffError, match="jvp"):
        srcdiff.jvp(uses_only_vjp, (1.5,), (1.0,))

    assert srcdiff.jvp(uses_only_jvp, (1.5,), (1.0,))[1] == pytest.approx(6.0)
    with pytest.raises(srcdiff.SrcDiffError, match="vjp"):
        srcdiff.grad(uses_only_jvp)(1.5)
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.vjp(uses_only_jvp, 1.5)


# -- 8. check_grads ----------------------------------------------------------------------------


def cg_scalar(x, y):
    return math.sin(x * y) + x**2 * y


def cg_array(W, x):
    return np.tanh(W @ x)


def cg_array_scalar(W, x):
    total = 0.0
    for i in range(2):
        total = total + np.sum(np.tanh(W @ x) ** 2) * (i + 1)
    return total


bad_jvp_nosrc = _sourceless("bad_jvp_nosrc", "def bad_jvp_nosrc(x):\n    return x * x\n")
bad_vjp_nosrc = _sourceless("bad_vjp_nosrc", "def bad_vjp_nosrc(x):\n    return x * x\n")


def cg_with_count(x, n):
    total = 0.0
    for i in range(n):
        total = total + math.sin(x * (i + 1))
    return total


def uses_bad_jvp(a, b):
    return a * bad_jvp_nosrc(b)


def uses_bad_vjp(a, b):
    return a * bad_vjp_nosrc(b)


def test_check_grads_passes_on_correct_functions():
    srcdiff.check_grads(cg_scalar, (0.7, -1.3))  # order 2, both modes
    srcdiff.check_grads(cg_scalar, (0.7, -1.3), order=1)
    srcdiff.check_grads(cg_array, (W34, X4), order=1)
    srcdiff.check_grads(cg_array_scalar, (W34, X4), order=2)
    srcdiff.check_grads(rosenbrock_loop, (X5,), modes=("reverse",))
    srcdiff.check_grads(dict_model, ({"W": W34[:2], "b": B3[:2], "scale": 0.8}, X4), order=1)


def test_check_grads_leaves_an_int_count_alone():
    srcdiff.check_grads(cg_with_count, (0.7, 3))


def test_check_grads_reports_a_wrong_forward_rule():
    @srcdiff.register_vjp(bad_jvp_nosrc)
    def good_vjp(g, ans, x):
        return (2.0 * x * g,)

    @srcdiff.register_jvp(bad_jvp_nosrc)
    def wrong_jvp(tangents, ans, x):
        return 3.0 * x * tangents[0]  # should be 2 x t

    srcdiff.check_grads(uses_bad_jvp, (1.3, 0.7), modes=("reverse",), order=1)  # the vjp rule is right
    with pytest.raises(AssertionError) as info:
        srcdiff.check_grads(uses_bad_jvp, (1.3, 0.7), modes=("forward",))
    message = str(info.value)
    assert "argument 1" in message and "forward" in message and "uses_bad_jvp" in message
    with pytest.raises(AssertionError, match="argument 1"):  # both modes: still caught
        srcdiff.check_grads(uses_bad_jvp, (1.3, 0.7))


def test_check_grads_reports_a_wrong_reverse_rule():
    @srcdiff.register_vjp(bad_vjp_nosrc)
    def wrong_vjp(g, ans, x):
        return (-2.0 * x * g,)  # wrong sign

    @srcdiff.register_jvp(bad_vjp_nosrc)
    def good_jvp(tangents, ans, x):
        return 2.0 * x * tangents[0]

    srcdiff.check_grads(uses_bad_vjp, (1.3, 0.7), modes=("forward",), order=1)  # the jvp rule is right
    with pytest.raises(AssertionError) as info:
        srcdiff.check_grads(uses_bad_vjp, (1.3, 0.7), modes=("reverse",), order=1)
    message = str(info.value)
    assert "argument 1" in message and "reverse" in message
    assert "argument 0" not in message
