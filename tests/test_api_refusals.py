"""What the entry points accept: grad, value_and_grad, jvp, vjp, jacobian, hessian and hvp agree,
and whatever they cannot differentiate exactly raises a SrcDiffError naming the function, the
user's file:line and a hint.  Where a case should work, it is checked against finite differences."""

from __future__ import annotations

import functools
import inspect
import math
import os

import numpy as np
import pytest
from helpers import load_module, numeric_grad

import srcdiff

HERE = os.path.basename(__file__)
H = 1e-6


def line_of(fn):
    return fn.__code__.co_firstlineno


def fd_grad(f, x, *rest):
    """Central differences of scalar ``f`` in its first argument (a number or an array)."""
    x = np.asarray(x, dtype=float)
    out = np.zeros(x.shape)
    for i in range(x.size):
        e = np.zeros(x.shape)
        e.flat[i] = H
        out.flat[i] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * H)
    return out


def assert_refused(err, fn, *words):
    """The refusal names the function, the file and line it is about, and has a hint."""
    assert err.function and fn.__name__ in err.function, err
    assert err.filename is not None and err.lineno is not None, err
    assert err.hint, err
    for word in words:
        assert word in str(err), f"{word!r} not in {err}"


# -- 1. builtins and C functions ----------------------------------------------------------------

ENTRY_POINTS = {
    "grad": lambda f, x: srcdiff.grad(f)(x),
    "value_and_grad": lambda f, x: srcdiff.value_and_grad(f)(x),
    "jvp": lambda f, x: srcdiff.jvp(f, (x,), (np.ones_like(x),)),
    "vjp": lambda f, x: srcdiff.vjp(f, x),
    "jacobian": lambda f, x: srcdiff.jacobian(f)(x),
    "hessian": lambda f, x: srcdiff.hessian(f)(x),
    "hvp": lambda f, x: srcdiff.hvp(f)(x, np.ones_like(x)),
}


@pytest.mark.parametrize("api", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("fn", [np.sin, math.sin, abs], ids=["ufunc", "math", "builtin"])
def test_functions_without_source_are_refused_by_every_entry_point(api, fn):
    x = np.ones(2) if fn is np.sin else 1.0
    with pytest.raises(srcdiff.SourceUnavailableError, match="no source"):
        ENTRY_POINTS[api](fn, x)


def test_a_c_function_with_registered_rules_is_differentiated_by_them():
    c_sin = np.frompyfunc(math.sin, 1, 1)  # a ufunc of its own: no source, no __code__, no weakref
    srcdiff.register_vjp(c_sin)(lambda g, ans, x: (g * math.cos(x),))
    srcdiff.register_jvp(c_sin)(lambda tangents, ans, x: math.cos(x) * tangents[0])
    x = 0.4
    assert srcdiff.grad(c_sin)(x) == pytest.approx(math.cos(x), rel=1e-12)
    assert srcdiff.value_and_grad(c_sin)(x) == pytest.approx((math.sin(x), math.cos(x)), rel=1e-12)
    assert srcdiff.jvp(c_sin, (x,), (2.0,))[1] == pytest.approx(2.0 * math.cos(x), rel=1e-12)
    assert srcdiff.vjp(c_sin, x)[1](3.0)[0] == pytest.approx(3.0 * math.cos(x), rel=1e-12)
    for mode in ("auto", "forward", "reverse"):
        assert float(srcdiff.jacobian(c_sin, mode=mode)(x)) == pytest.approx(math.cos(x), rel=1e-12)
    with pytest.raises(srcdiff.WrtError, match="position"):
        srcdiff.grad(c_sin, wrt="x")
    with pytest.raises(srcdiff.NoDerivativeError, match="registered rule"):
        srcdiff.hessian(c_sin)(x)  # a rule gives first derivatives only


def test_a_c_function_with_only_a_forward_rule_is_refused_in_reverse_mode():
    c_cube = np.frompyfunc(lambda v: v**3, 1, 1)
    srcdiff.register_jvp(c_cube)(lambda tangents, ans, x: 3.0 * x * x * tangents[0])
    assert srcdiff.jvp(c_cube, (2.0,), (1.0,))[1] == pytest.approx(12.0)
    assert float(srcdiff.jacobian(c_cube)(2.0)) == pytest.approx(12.0)  # auto picks the mode with a rule
    for thunk in (lambda: srcdiff.grad(c_cube)(2.0), lambda: srcdiff.vjp(c_cube, 2.0)):
        with pytest.raises(srcdiff.NoDerivativeError, match="no reverse"):
            thunk()


# -- 2. complex inputs ----------------------------------------------------------------------------


def square(z):
    return z * z


def total_square(z):
    return np.sum(z * z)


def test_complex_inputs_are_taken_by_grad_jvp_vjp_and_hvp():
    z = 1.0 + 2.0j  # square(z) = z * z: a complex output, its grad the derivative 2z
    assert srcdiff.grad(square)(z) == pytest.approx(2 * z)
    assert srcdiff.value_and_grad(square)(z)[1] == pytest.approx(2 * z)
    assert srcdiff.jvp(square, (z,), (1.0,))[1] == pytest.approx(2 * z)
    assert srcdiff.vjp(square, z)[1](1.0)[0] == pytest.approx(np.conj(2 * z))  # the adjoint: J^H u
    assert srcdiff.hvp(square)(z, 1.0) == pytest.approx(2.0)


@pytest.mark.parametrize("api", ["jacobian", "hessian"])
def test_jacobian_and_hessian_of_complex_inputs_are_refused(api):
    with pytest.raises(srcdiff.SrcDiffError, match="complex argument") as info:
        getattr(srcdiff, api)(square)(np.array([1.0 + 2.0j]))
    assert_refused(info.value, square, "`z`", HERE)


def test_a_complex_array_after_a_real_one_of_the_same_shape_gets_its_own_code():
    df = srcdiff.grad(total_square)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(df(x), fd_grad(total_square, x), rtol=1e-6)
    # (the cached real code must not run: sum(z * z) is complex, its grad the derivative 2z)
    np.testing.assert_allclose(df(x + 1j), 2 * (x + 1j))
    with pytest.raises(srcdiff.SrcDiffError, match="real output"):
        srcdiff.grad(lambda_free_complex_output)(x)


def lambda_free_complex_output(x):
    return np.sum(x * 1j)


# -- 3. wrt naming an argument that carries no derivative -----------------------------------------


def times_length(x, s):
    return x * len(s) if s is not None else x


class Opaque:
    def __len__(self):
        return 2


@pytest.mark.parametrize("value", ["ab", None, b"ab", Opaque(), True], ids=["str", "None", "bytes", "object", "bool"])
def test_wrt_naming_a_non_differentiable_argument_is_refused(value):
    for api in (srcdiff.grad, srcdiff.value_and_grad):
        with pytest.raises(srcdiff.WrtError, match="carries no derivative") as info:
            api(times_length, wrt=1)(1.5, value)
        assert_refused(info.value, times_length, "`s`")
    with pytest.raises(srcdiff.WrtError, match="carries no derivative"):
        srcdiff.jacobian(times_length, wrt=1)(1.5, value)
    with pytest.raises(srcdiff.WrtError, match="carries no derivative"):
        srcdiff.jvp(times_length, (1.5, value), (None, 1.0))


def test_wrt_naming_a_default_that_carries_no_derivative_is_refused():
    def scaled(x, label="ab"):
        return x * len(label)

    with pytest.raises(srcdiff.WrtError, match="`label`"):
        srcdiff.grad(scaled, wrt="label")(2.0)


def test_int_arguments_are_still_differentiated():
    assert srcdiff.grad(times_length)(3, "abc") == pytest.approx(numeric_grad(times_length, (3, "abc"), 0))
    assert srcdiff.grad(square)(np.int64(3)) == pytest.approx(6.0)


# -- 4. tangents and cotangents shaped unlike their values ----------------------------------------


def doubled(x):
    return x * 2.0


def pair_sum(p):
    a, b = p
    return a * b + np.sum(b)


def test_a_tangent_of_another_shape_is_refused_naming_the_argument():
    with pytest.raises(srcdiff.SrcDiffError, match=r"tangent of `x` has shape \(2,\).*\(3,\)") as info:
        srcdiff.jvp(doubled, (np.ones(3),), (np.ones(2),))
    assert_refused(info.value, doubled)
    with pytest.raises(srcdiff.SrcDiffError, match="tangent of `x`"):
        srcdiff.jvp(doubled, (1.0,), (np.ones(2),))
    with pytest.raises(srcdiff.SrcDiffError, match="tangent of `p`"):
        srcdiff.jvp(pair_sum, ((1.0, np.ones(2)),), ((1.0,),))
    with pytest.raises(srcdiff.SrcDiffError, match=r"tangent of `p` \[1\] has shape"):
        srcdiff.jvp(pair_sum, ((1.0, np.ones(2)),), ((1.0, np.ones(3)),))


def test_a_cotangent_of_another_shape_is_refused():
    value, pullback = srcdiff.vjp(doubled, np.ones(3))
    with pytest.raises(srcdiff.SrcDiffError, match=r"cotangent of the output has shape \(2,\)") as info:
        pullback(np.ones(2))
    assert_refused(info.value, doubled)
    np.testing.assert_allclose(pullback(np.arange(3.0))[0], 2.0 * np.arange(3.0))


def test_matching_tangents_still_work_and_a_number_still_broadcasts():
    x = np.array([0.5, -1.0, 2.0])
    p = (0.7, x)
    got = srcdiff.jvp(pair_sum, (p,), ((1.0, np.ones(3)),))[1]
    want = (pair_sum((0.7 + H, x + H)) - pair_sum((0.7 - H, x - H))) / (2 * H)
    assert got == pytest.approx(want, rel=1e-6)
    np.testing.assert_allclose(srcdiff.jvp(doubled, (x,), (1.0,))[1], 2.0 * np.ones(3))


# -- 5. *args signatures and functools.wraps wrappers ---------------------------------------------


def passing_through(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args)

    return wrapper


@passing_through
def wrapped_cube(x):
    return x**3


def star_args(*args):
    return args[0] * 2.0


WRAPPER_CALLS = [
    lambda f: srcdiff.grad(f)(1.5),
    lambda f: srcdiff.jvp(f, (1.5,), (1.0,)),
    lambda f: srcdiff.vjp(f, 1.5),
    lambda f: srcdiff.jacobian(f)(1.5),
    lambda f: srcdiff.hessian(f)(1.5),
]


@pytest.mark.parametrize("call", WRAPPER_CALLS, ids=["grad", "jvp", "vjp", "jacobian", "hessian"])
def test_a_wraps_wrapper_taking_star_args_is_refused_pointing_at_the_wrapped_function(call):
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="wrapper") as info:
        call(wrapped_cube)
    assert "__wrapped__" in info.value.hint and "*args" in info.value.problem
    assert_refused(info.value, wrapped_cube, f"{HERE}:{line_of(wrapped_cube.__wrapped__)}")


@pytest.mark.parametrize(
    "call, expected", zip(WRAPPER_CALLS, [2.0, 2.0, 2.0, 2.0, 0.0]), ids=["grad", "jvp", "vjp", "jacobian", "hessian"]
)
def test_what_star_args_gathers_is_differentiated(call, expected):
    """A function of its own with ``*args`` (no decorator's wrapper): what it gathers is
    differentiated like named parameters (see test_gathered_parameters.py)."""
    found = call(star_args)
    found = found[1](1.0) if isinstance(found, tuple) and callable(found[1]) else found
    assert np.allclose(found[-1] if isinstance(found, tuple) else found, expected)


def test_the_undecorated_function_is_differentiated():
    assert srcdiff.grad(wrapped_cube.__wrapped__)(1.5) == pytest.approx(3 * 1.5**2)


# -- 6. registered rules of the function differentiated directly ----------------------------------


def round_ste(x):
    return np.round(x)


def uses_round_ste(x):
    return np.sum(round_ste(x) * x)


def halve_rule_target(x):
    return x * x


def lambda_rule_target(x):
    return x * x


def uses_lambda_rule(x):
    return lambda_rule_target(x) * 3.0


def bare_rule_target(x):
    return x * x


def uses_bare_rule(x):
    return bare_rule_target(x) + 1.0


def bad_jvp_target(x):
    return x * 2.0


def uses_bad_jvp(x):
    return np.sum(bad_jvp_target(x))


def only_forward_target(x):
    return x * 4.0


@pytest.fixture(scope="module", autouse=True)
def registered_rules():
    srcdiff.register_vjp(round_ste)(lambda g, ans, x: (g,))  # straight-through: rounding as identity
    srcdiff.register_jvp(round_ste)(lambda tangents, ans, x: tangents[0])

    @srcdiff.register_vjp(halve_rule_target)
    def halved(g, ans, x):  # deliberately not the derivative of the source: the rule must win
        return (0.5 * g,)

    srcdiff.register_vjp(lambda_rule_target)(lambda g, ans, x: (2.0 * x * g,))
    srcdiff.register_jvp(lambda_rule_target)(lambda tangents, ans, x: 2.0 * x * tangents[0])
    srcdiff.register_vjp(bare_rule_target)(lambda g, ans, x: 2.0 * x * g)  # forgot the tuple
    srcdiff.register_jvp(bad_jvp_target)(lambda tangents, ans, x: np.ones(len(x) + 1))
    srcdiff.register_vjp(bad_jvp_target)(lambda g, ans, x: (2.0 * g,))
    srcdiff.register_jvp(only_forward_target)(lambda tangents, ans, x: 4.0 * tangents[0])


def test_grad_of_a_registered_function_uses_its_rule():
    x = np.array([0.4, 1.6, -2.3])
    np.testing.assert_allclose(srcdiff.grad(uses_round_ste)(x), np.round(x) + x)
    assert srcdiff.grad(halve_rule_target)(3.0) == 0.5
    assert srcdiff.value_and_grad(halve_rule_target)(3.0) == (9.0, 0.5)
    assert srcdiff.vjp(halve_rule_target, 3.0)[1](1.0) == (0.5,)
    assert float(srcdiff.jacobian(halve_rule_target, mode="reverse")(3.0)) == 0.5
    with pytest.raises(srcdiff.NoDerivativeError, match="no forward"):  # the other mode has no rule
        srcdiff.jvp(halve_rule_target, (3.0,), (1.0,))
    with pytest.raises(srcdiff.NoDerivativeError, match="registered rule"):
        srcdiff.hessian(halve_rule_target)(3.0)
    with pytest.raises(srcdiff.NoDerivativeError, match="registered rule"):
        srcdiff.source(srcdiff.grad(halve_rule_target))


def test_grad_of_a_function_with_only_a_forward_rule_is_refused():
    with pytest.raises(srcdiff.NoDerivativeError, match="no reverse"):
        srcdiff.grad(only_forward_target)(1.0)
    assert srcdiff.jvp(only_forward_target, (1.0,), (1.0,))[1] == 4.0


def test_lambda_rules_work_inside_other_functions():
    x = 0.8
    want = numeric_grad(uses_lambda_rule, (x,), 0)
    assert srcdiff.grad(uses_lambda_rule)(x) == pytest.approx(want, rel=1e-6)
    assert srcdiff.jvp(uses_lambda_rule, (x,), (1.0,))[1] == pytest.approx(want, rel=1e-6)
    assert "lambda_rule_target_vjp(" in srcdiff.source(srcdiff.grad(uses_lambda_rule))


def test_a_rule_returning_a_bare_value_is_refused_naming_the_rule():
    for thunk in (lambda: srcdiff.grad(uses_bare_rule)(1.0), lambda: srcdiff.vjp(bare_rule_target, 1.0)[1](1.0)):
        with pytest.raises(srcdiff.SrcDiffError, match="not a tuple") as info:
            thunk()
        assert "bare_rule_target_vjp" in str(info.value) and HERE in str(info.value)


def test_a_jvp_rule_returning_the_wrong_shape_is_refused():
    with pytest.raises(srcdiff.SrcDiffError, match=r"jvp rule .* has shape \(4,\)"):
        srcdiff.jvp(uses_bad_jvp, (np.ones(3),), (np.ones(3),))
    with pytest.raises(srcdiff.SrcDiffError, match="jvp rule"):
        srcdiff.jvp(bad_jvp_target, (np.ones(3),), (np.ones(3),))


# -- 7. closures over arrays ----------------------------------------------------------------------


def make_loss(X, y):
    def loss(w):
        return np.sum((X @ w - y) ** 2)

    return loss


def test_a_closure_over_two_arrays_gives_the_exact_gradient_and_sees_new_arrays():
    rng = np.random.default_rng(0)
    X, y, w = rng.standard_normal((3, 2)), rng.standard_normal(3), rng.standard_normal(2)
    loss = make_loss(X, y)
    np.testing.assert_allclose(srcdiff.grad(loss)(w), 2 * X.T @ (X @ w - y), rtol=1e-12)
    np.testing.assert_allclose(srcdiff.grad(loss)(w), fd_grad(loss, w), rtol=1e-6)
    other = make_loss(2.0 * X, np.zeros(3))
    np.testing.assert_allclose(srcdiff.grad(other)(w), 8.0 * X.T @ X @ w, rtol=1e-12)
    loss.__closure__[0].cell_contents = X[:, ::-1].copy()  # rebinding the captured array
    np.testing.assert_allclose(srcdiff.grad(loss)(w), fd_grad(loss, w), rtol=1e-6)
    np.testing.assert_allclose(srcdiff.jvp(loss, (w,), (np.ones(2),))[1], fd_grad(loss, w).sum(), rtol=1e-6)


# -- 8. array types that are not plain ndarrays --------------------------------------------------


class ArrayLike:
    """Stands for a torch tensor or another library's array: convertible, but not an ndarray."""

    def __init__(self, data):
        self.data = np.asarray(data, dtype=float)

    def __array__(self, dtype=None, copy=None):
        return self.data


class NamespaceArray:
    def __array_namespace__(self, api_version=None):
        return np


class Sub(np.ndarray):
    pass


def sum_of_squares(x):
    return np.sum(x * x)


ODD_ARRAYS = {
    "matrix": lambda: np.matrix([[1.0, 2.0], [3.0, 4.0]]),
    "masked": lambda: np.ma.array([1.0, 2.0], mask=[False, True]),
    "subclass": lambda: np.ones(2).view(Sub),
    "__array__": lambda: ArrayLike([1.0, 2.0]),
    "__array_namespace__": lambda: NamespaceArray(),
}


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix
@pytest.mark.parametrize("which", sorted(ODD_ARRAYS))
def test_arrays_that_are_not_plain_ndarrays_are_refused(which):
    x = ODD_ARRAYS[which]()
    calls = [
        lambda: srcdiff.grad(sum_of_squares)(x),
        lambda: srcdiff.jvp(sum_of_squares, (x,), (1.0,)),
        lambda: srcdiff.vjp(sum_of_squares, x),
        lambda: srcdiff.jacobian(sum_of_squares)(x),
        lambda: srcdiff.hessian(sum_of_squares)(x),
        lambda: srcdiff.grad(sum_of_squares)([x]),  # inside a container too
    ]
    for call in calls:
        with pytest.raises(srcdiff.SrcDiffError, match="not supported") as info:
            call()
        assert_refused(info.value, sum_of_squares, "`x`", "np.asarray")


def test_numpy_scalars_and_plain_arrays_are_accepted():
    assert srcdiff.grad(sum_of_squares)(np.float64(1.5)) == pytest.approx(3.0)
    assert srcdiff.grad(sum_of_squares)(np.float32(1.5)) == pytest.approx(3.0)
    np.testing.assert_allclose(srcdiff.grad(sum_of_squares)(np.array([1.0, 2.0])), [2.0, 4.0])


# -- 9. source edited since the import -------------------------------------------------------------


def test_a_function_whose_file_changed_since_import_is_refused(tmp_path):
    text = "def f(x):\n    return x * x\n\n\ndef g(x):\n    return 3.0 * x\n"
    module = load_module(tmp_path, "edited_after_import", text)
    assert srcdiff.grad(module.g)(2.0) == 3.0
    path = tmp_path / "edited_after_import.py"
    path.write_text(text.replace("x * x", "x * x * x"))
    os.utime(path, (1, 1))  # a different mtime even on a coarse clock
    with pytest.raises(srcdiff.SourceUnavailableError, match="changed since it was imported") as info:
        srcdiff.grad(module.f)(2.0)
    assert info.value.filename == str(path) and "reload" in info.value.hint
    with pytest.raises(srcdiff.SourceUnavailableError, match="changed since"):
        srcdiff.jvp(module.f, (2.0,), (1.0,))
    assert srcdiff.grad(module.g)(2.0) == 3.0  # unchanged text still matches its code
    module = load_module(tmp_path, "edited_after_import", path.read_text())  # imported again
    assert srcdiff.grad(module.f)(2.0) == pytest.approx(12.0)


def test_code_compiled_under_an_existing_files_name_is_refused(tmp_path):
    module = load_module(tmp_path, "host_file", "def f(x):\n    return x * x\n")
    namespace: dict = {}
    exec(compile("def f(x):\n    return x + 1.0\n", module.__file__, "exec"), namespace)
    with pytest.raises(srcdiff.SourceUnavailableError, match="not the code that runs"):
        srcdiff.grad(namespace["f"])(2.0)
    assert srcdiff.grad(module.f)(2.0) == 4.0


def test_functions_nested_in_classes_and_closures_are_not_mistaken_for_stale(tmp_path):
    text = (
        "from __future__ import annotations\n"
        "import numpy as np\n\n\n"
        "class Model:\n"
        "    def energy(self, x: float) -> float:\n"
        '        """Energy.\n\n        More."""\n'
        "        return x * x * 2.0\n\n"
        "    def closure(self, k):\n"
        "        def inner(x):\n"
        "            return np.sin(x) * k\n"
        "        return inner\n"
    )
    module = load_module(tmp_path, "nested_ok", text)
    assert srcdiff.grad(module.Model.energy, wrt=1)(None, 1.5) == pytest.approx(6.0)
    assert srcdiff.grad(module.Model().closure(2.0))(0.3) == pytest.approx(2.0 * math.cos(0.3))


# -- 10. errors raised by the user's own code name the user's line --------------------------------


def raises_when_big(x):
    if np.sum(x) > 10.0:
        raise ValueError("big")
    return np.sum(x * x)


RAISE_LINE = line_of(raises_when_big) + 2


@pytest.mark.parametrize(
    "call",
    [
        lambda x: srcdiff.grad(raises_when_big)(x),
        lambda x: srcdiff.jvp(raises_when_big, (x,), (np.ones(2),)),
        lambda x: srcdiff.vjp(raises_when_big, x),
        lambda x: srcdiff.hessian(raises_when_big)(x),
        lambda x: srcdiff.hvp(raises_when_big)(x, np.ones(2)),
        lambda x: srcdiff.jacobian(raises_when_big, mode="reverse")(x),
    ],
    ids=["grad", "jvp", "vjp", "hessian", "hvp", "jacobian"],
)
def test_the_users_own_error_names_the_users_line(call):
    x = np.array([1.0, 2.0])
    call(x)  # works below the threshold
    with pytest.raises(ValueError, match="big") as info:
        call(np.array([20.0, 1.0]))
    notes = getattr(info.value, "__notes__", [])
    assert any(f"{__file__}:{RAISE_LINE}" in n for n in notes), notes


def test_user_errors_are_noted_only_once_and_signatures_are_unchanged():
    with pytest.raises(ValueError) as info:
        srcdiff.hessian(raises_when_big)(np.array([20.0, 1.0]))
    assert len(getattr(info.value, "__notes__", [])) == 1
    assert list(inspect.signature(srcdiff.grad(raises_when_big)).parameters) == ["x"]


def dict_model(p):
    return p["a"] * p["b"]


@pytest.mark.parametrize(
    "tangent, words",
    [
        ({"a": 1.0}, "keys"),
        ({"a": 1.0, "b": "x"}, "not a number"),
        ({"a": [1.0], "b": 1.0}, "should be a number"),
        ([1.0, 1.0], "dict"),
    ],
)
def test_a_tangent_of_another_structure_is_refused(tangent, words):
    with pytest.raises(srcdiff.SrcDiffError, match=words):
        srcdiff.jvp(dict_model, ({"a": 1.0, "b": 2.0},), (tangent,))
    got = srcdiff.jvp(dict_model, ({"a": 1.0, "b": 2.0},), ({"a": 1.0, "b": 0.0},))[1]
    assert got == pytest.approx(2.0)


def keyword_target(x, scale=1.0):
    return scale * x * x


def uses_keyword_target(x):
    return keyword_target(x, scale=2.0) + x


def test_second_derivatives_through_a_rule_called_with_keywords_are_refused():
    @srcdiff.register_vjp(keyword_target)
    def keyword_vjp(g, ans, x, scale=1.0):
        return (2.0 * scale * x * g,)

    @srcdiff.register_jvp(keyword_target)
    def keyword_jvp(tangents, ans, x, scale=1.0):
        return 2.0 * scale * x * tangents[0]

    assert srcdiff.grad(uses_keyword_target)(1.5) == pytest.approx(7.0)
    with pytest.raises(srcdiff.SrcDiffError, match="keyword arguments") as info:
        srcdiff.hessian(uses_keyword_target)(1.5)
    assert "keyword_vjp" in str(info.value)
