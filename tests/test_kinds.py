"""Unit tests of :mod:`srcdiff.analysis.kinds`: which names are certainly scalars (or sequences of scalars).

Kinds decide whether adjoint code may skip ``unbroadcast``; a name wrongly
called a scalar would give wrong-shaped gradients, so the tests check both
what is inferred and what is demoted.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import srcdiff
from srcdiff.analysis.calls import resolve
from srcdiff.frontend.capture import capture
from srcdiff.analysis.kinds import Kinds, infer
from srcdiff.analysis.value_kinds import SCALAR, SCALAR_SEQ, UNKNOWN
from srcdiff.frontend.normalize import normalize
from srcdiff.syntax import const, load, stored_names


def kinds_of(f, params, result_kind=None):
    """``infer`` for ``f`` with parameter kinds ``params`` (a dict, or one kind for every parameter)."""
    norm = normalize(capture(f))
    if not isinstance(params, dict):
        params = {p: params for p in norm.params}
    local = set(norm.params) | stored_names(norm.body)

    def callee_of(node):
        return resolve(node, norm.captured.resolve, local)

    return infer(norm, params, callee_of, result_kind)


def scalars(f, params, result_kind=None):
    """The inferred scalars among the names the user wrote."""
    names = set(f.__code__.co_varnames)
    return kinds_of(f, params, result_kind).scalars & names


def helper(a, b):
    return a * b


# ============================================================== the Kinds object


def test_constants_and_names():
    k = Kinds({"x"}, {"xs"})
    assert k.is_scalar(const(1.0)) and k.is_scalar(const(2)) and k.is_scalar(const(True))
    assert k.is_scalar(const(None))  # "not assigned yet"
    assert not k.is_scalar(const("text"))
    assert k.is_scalar(load("x")) and not k.is_scalar(load("y"))
    assert k.is_sequence(load("xs")) and not k.is_sequence(load("x"))
    assert [k.kind_of(load(n)) for n in ("x", "xs", "y")] == [SCALAR, SCALAR_SEQ, UNKNOWN]


# ============================================================== inference from scalar params


def arithmetic(x, y):
    a = x * y
    b = -a + 2.0
    c = b ** 2 / x
    d = c if a > 0 else 3
    return d


def test_arithmetic_on_scalar_params_is_scalar():
    assert scalars(arithmetic, SCALAR) == {"x", "y", "a", "b", "c", "d"}


def test_one_unknown_param_demotes_everything_it_reaches():
    assert scalars(arithmetic, {"x": SCALAR, "y": UNKNOWN}) == {"x"}


def test_params_without_a_kind_are_unknown():
    assert scalars(arithmetic, {}) == set()


def test_constants_are_scalars_even_with_unknown_params():
    def consts(v):
        a = 2.0
        b = a * 3
        return v * b

    assert scalars(consts, UNKNOWN) == {"a", "b"}


def scalar_calls(x, v):
    a = math.sin(x)
    b = math.exp(v)  # math functions return Python numbers whatever they are given
    c = len(v)
    d = float(v)
    e = abs(x)
    f = max(x, 2.0)
    g = min(x, v)
    h = pow(x, 2)
    i = round(x)
    return a + b + c + d + e + f + g + h + i


def test_calls_that_always_or_for_scalars_return_scalars():
    assert scalars(scalar_calls, {"x": SCALAR, "v": UNKNOWN}) == {"x", "a", "b", "c", "d", "e", "f", "h", "i"}


def unknown_calls(x):
    a = np.sin(x)
    b = mystery(x)  # noqa: F821 -- unresolved on purpose
    c = np.asarray(x)
    return a + b + c


def test_calls_of_unknown_result_kind_are_not_scalars():
    assert scalars(unknown_calls, SCALAR) == {"x"}


def test_unresolved_callee_is_not_a_scalar():
    norm = normalize(capture(scalar_calls))
    kinds = infer(norm, {"x": SCALAR, "v": SCALAR}, lambda node: None)
    assert kinds.scalars & {"a", "b", "c", "d", "e", "f", "g", "h", "i"} == set()


def attributes(x):
    a = x.real
    return a * 2.0


def test_attribute_is_not_a_scalar():
    assert scalars(attributes, SCALAR) == {"x"}


# ============================================================== lists and subscripts


def packs_and_unpacks(x, y):
    t = [x, y]
    u = t[0]
    w = t[1:]
    return u + w[0]


def test_list_of_scalars_is_a_sequence_and_its_items_scalars():
    kinds = kinds_of(packs_and_unpacks, SCALAR)
    assert "t" in kinds.sequences and "t" not in kinds.scalars
    assert "u" in kinds.scalars
    assert "w" not in kinds.scalars and "w" not in kinds.sequences  # slices are not tracked


def test_list_with_an_unknown_item_is_not_a_sequence_of_scalars():
    kinds = kinds_of(packs_and_unpacks, {"x": SCALAR, "y": UNKNOWN})
    assert "t" not in kinds.sequences
    assert "u" not in kinds.scalars


def indexes(xs, i):
    a = xs[i]
    b = xs[0]
    return a + b


def test_subscript_of_an_unknown_value_is_unknown():
    assert scalars(indexes, {"xs": UNKNOWN, "i": SCALAR}) == {"i"}


def test_subscript_of_a_sequence_of_scalars_is_scalar():
    assert scalars(indexes, {"xs": SCALAR_SEQ, "i": SCALAR}) == {"i", "a", "b"}


def test_subscript_with_an_unknown_index_is_unknown():
    assert scalars(indexes, {"xs": SCALAR_SEQ, "i": UNKNOWN}) == {"b"}


def reductions(xs, x):
    s = sum(xs)
    m = max(xs)
    n = min(xs)
    t = sum(xs, x)
    return s + m + n + t


def test_reductions_of_sequences_of_scalars_are_scalars():
    assert scalars(reductions, {"xs": SCALAR_SEQ, "x": SCALAR}) == {"x", "s", "m", "n", "t"}
    assert scalars(reductions, {"xs": SCALAR_SEQ, "x": UNKNOWN}) == {"s", "m", "n"}
    assert scalars(reductions, {"xs": UNKNOWN, "x": SCALAR}) == {"x"}


# ============================================================== demotion through the fixpoint


def demoted_in_loop(x, v, n):
    a = x
    for _ in range(n):
        a = a * v
    b = a + 1.0
    c = b
    return c


def test_a_later_assignment_demotes_the_name_and_what_depends_on_it():
    assert scalars(demoted_in_loop, {"x": SCALAR, "v": UNKNOWN, "n": SCALAR}) == {"x", "n", "_"}
    assert scalars(demoted_in_loop, SCALAR) == {"x", "v", "n", "_", "a", "b", "c"}


def param_reassigned(x, v):
    x = x * v
    return x


def test_a_scalar_param_reassigned_to_an_unknown_is_demoted():
    assert scalars(param_reassigned, {"x": SCALAR, "v": UNKNOWN}) == set()


def cycle(x, v, n):
    a = x
    b = x
    for _ in range(n):
        a = b + 1.0
        b = a * v
    return a


def test_demotion_through_a_cycle():
    assert scalars(cycle, {"x": SCALAR, "v": UNKNOWN, "n": SCALAR}) == {"x", "n", "_"}


def test_loop_indices_are_scalars():
    kinds = kinds_of(demoted_in_loop, UNKNOWN)
    assert "_" in kinds.scalars


def loop_over_list(xs):
    s = 0.0
    for v in xs:
        s = s + v
    return s


def test_loop_element_of_an_unknown_sequence_is_unknown_but_its_counter_a_scalar():
    kinds = kinds_of(loop_over_list, UNKNOWN)
    assert "v" not in kinds.scalars and "s" not in kinds.scalars
    assert any(n.startswith("_k") for n in kinds.scalars)  # the index the normalizer introduced
    assert {"v", "s"} <= kinds_of(loop_over_list, SCALAR_SEQ).scalars


def comparisons(x, v):
    a = x < 2.0
    b = x < v
    return a + b


def test_comparison_of_scalars_is_scalar():
    assert scalars(comparisons, {"x": SCALAR, "v": UNKNOWN}) == {"x", "a"}


# ============================================================== user functions


def calls_helper(x, y):
    z = helper(x, y)
    return z


def test_user_call_asks_result_kind_with_the_argument_kinds():
    asked = []

    def result_kind(callee, arg_kinds):
        asked.append((callee.obj, list(arg_kinds)))
        return SCALAR

    assert "z" in scalars(calls_helper, {"x": SCALAR, "y": UNKNOWN}, result_kind)
    assert asked[0] == (helper, [SCALAR, UNKNOWN])


def test_user_call_without_result_kind_is_unknown():
    assert "z" not in scalars(calls_helper, SCALAR)
    assert "z" not in scalars(calls_helper, SCALAR, lambda callee, kinds: UNKNOWN)


# ============================================================== end to end: shapes of gradients


def scale_by_scalar(x, v):
    y = v * x
    return sum(y)


@pytest.mark.parametrize("v", [np.ones(3), np.arange(5.0)], ids=["ones", "arange"])
def test_scalar_times_array_gives_a_scalar_gradient(v):
    """x is a scalar and v an array: dx must be summed back to a scalar (unbroadcast kept)."""
    g = srcdiff.grad(scale_by_scalar)(2.0, v)
    assert np.shape(g) == ()
    assert g == pytest.approx(float(np.sum(v)))


def test_pure_scalar_gradient_code_has_no_unbroadcast():
    df = srcdiff.grad(arithmetic, wrt=(0, 1))
    df(1.5, 2.0)
    assert "unbroadcast" not in srcdiff.source(df)


# ============================================================== shapes of constructed arrays


def constructed(n, s):
    z = np.zeros(3)
    r = np.arange(1, 7, 2)
    lin = np.linspace(0.0, 1.0, 5)
    lit = np.array([1.0, s, 2.0])
    grid = np.array([[1.0, 2.0], [3.0, 4.0]])
    e = np.eye(2, 3)
    like = np.ones_like(lit)
    sized = np.zeros(n)
    m = max(s, 0.5, abs(s))
    c = math.cos(s)
    o = np.outer(z, lit[:2])
    flat = np.cumsum(o)
    rows = np.cumprod(o, axis=1)
    return z, r, lin, lit, grid, e, like, sized, m, c, o, flat, rows


def test_shapes_of_arrays_built_from_constant_sizes():
    kinds = kinds_of(constructed, {"n": UNKNOWN, "s": SCALAR})
    shapes = kinds.shapes
    expected = {"z": (3,), "r": (3,), "lin": (5,), "lit": (3,), "grid": (2, 2), "e": (2, 3), "like": (3,)}
    expected |= {"o": (3, 2), "flat": (6,), "rows": (3, 2)}
    values = dict(zip(constructed.__code__.co_varnames[2:], constructed(4, 0.5)))
    for name, shape in expected.items():
        assert shapes[name] == shape == np.shape(values[name]), name
    assert "sized" not in shapes  # a size known only at run time
    assert {"m", "c"} <= kinds.numbers()


# ============================================================== sizes read from shapes


def sized_from_shapes(x, W):
    batch, n = x.shape
    hidden = W.shape[0]
    h = np.zeros((batch, hidden))
    flat = np.zeros(x.size)
    rows = np.ones(len(x))
    both = np.zeros((n * 2, x.ndim))
    for _ in range(2):
        h = np.tanh(x @ W.T + h)
    return h, flat, rows, both


def test_sizes_read_from_known_shapes_are_constants():
    """Code is specialized to argument shapes, so ``x.shape[0]`` is a constant of it:
    arrays built from such sizes have known shapes (and need no broadcasting reductions)."""
    kinds = kinds_of(sized_from_shapes, {"x": (4, 3), "W": (5, 3)})
    values = sized_from_shapes(np.ones((4, 3)), np.ones((5, 3)))
    for name, value in zip(("h", "flat", "rows", "both"), values):
        assert kinds.shapes[name] == np.shape(value), name


def test_rnn_style_gradient_has_no_broadcasting_reduction_in_its_loop():
    rng = np.random.default_rng(0)
    x, W = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))

    def loss(x, W):
        h = np.zeros((x.shape[0], W.shape[0]))
        for _ in range(3):
            h = np.tanh(x @ W.T + h)
        return np.sum(h * h)

    df = srcdiff.grad(loss, wrt=1)
    srcdiff.check_grads(loss, (x, W), order=1)
    df(x, W)
    assert "unbroadcast" not in srcdiff.source(df)
