"""Whole numpy programs: indexing, in-place writes, lists built in loops, parameter containers.
Every gradient is checked against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff

RNG = np.random.RandomState(7)


def flat_parts(value):
    """The float leaves of a (nested) structure of arrays and numbers, as (getter, setter) pairs."""
    if isinstance(value, dict):
        return [(k,) + path for k in value for path in flat_parts(value[k])]
    if isinstance(value, (list, tuple)):
        return [(i,) + path for i, v in enumerate(value) for path in flat_parts(v)]
    if isinstance(value, np.ndarray):
        return [(idx,) for idx in np.ndindex(value.shape)]
    return [()]


def get(value, path):
    for p in path:
        value = value[p]
    return value


def replaced(value, path, new):
    """A copy of the structure with the leaf at ``path`` replaced by ``new``."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        out = dict(value)
        out[head] = replaced(value[head], rest, new)
        return out
    if isinstance(value, (list, tuple)):
        items = list(value)
        items[head] = replaced(value[head], rest, new)
        return type(value)(items)
    out = np.array(value, dtype=float)
    out[head] = new
    return out


def check(f, args, wrt=0, h=1e-6, rtol=1e-5, atol=1e-7):
    grads = srcdiff.grad(f, wrt=wrt)(*args)
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    for pos, g in zip(positions, grads):
        for path in flat_parts(args[pos]):
            x = get(args[pos], path)
            plus = list(args)
            minus = list(args)
            plus[pos] = replaced(args[pos], path, x + h)
            minus[pos] = replaced(args[pos], path, x - h)
            expected = (f(*plus) - f(*minus)) / (2 * h)
            got = get(g, path)
            assert np.isclose(got, expected, rtol=rtol, atol=atol), (f.__name__, pos, path, got, expected)
    return grads


# ---------------------------------------------------------------- indexing reads


def fancy_repeated(x):
    return np.sum(x[[0, 0, 2, 1, 0]] ** 2)


def boolean_mask(x):
    return np.sum(x[x > 0.0] ** 3)


def slices_steps_negative(x):
    return np.sum(x[::2] * x[1::2]) + x[-1] * x[-2]


def none_and_ellipsis(m):
    return np.sum(m[..., 0][:, None] * m[None, 1, :])


def rows_and_columns(m):
    return np.sum(m[1] * m[:, 2]) + m[0, 1] ** 2


@pytest.mark.parametrize("f, arg", [
    (fancy_repeated, RNG.randn(4)), (boolean_mask, RNG.randn(6)), (slices_steps_negative, RNG.randn(6)),
    (none_and_ellipsis, RNG.randn(3, 3)), (rows_and_columns, RNG.randn(3, 3)),
])
def test_indexing_reads(f, arg):
    check(f, (arg,))


# ---------------------------------------------------------------- in-place writes


def fills_in_a_loop(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = np.sin(x[i]) * x[(i + 1) % 3]
    return np.sum(out * out)


def slice_write_and_augmented(x):
    a = np.ones(4) * x[0]
    a[1:3] = x[1:3] * 2.0
    a[::2] += x[::2] ** 2
    a[-1] *= x[3]
    return np.sum(a ** 2)


def overwrite_then_use(x):
    a = x * 1.0
    s = np.sum(a * a)
    a[0] = s
    a[1] = a[0] * x[1]
    return np.sum(a) + s


def masked_write(x):
    a = x * 3.0
    a[a < 0.0] = 0.0
    return np.sum(a * x)


def whole_array_augmented(x, w):
    a = x * w
    a += w
    a *= x
    a -= 1.0
    return np.sum(a ** 2)


def recurrence_in_rows(x):
    h = np.zeros((4, 3))
    h[0] = x
    for t in range(1, 4):
        h[t] = np.tanh(h[t - 1] * 0.9 + x)
    return np.sum(h[-1] * h[2])


@pytest.mark.parametrize("f", [fills_in_a_loop, slice_write_and_augmented, overwrite_then_use, masked_write,
                               recurrence_in_rows])
def test_in_place_writes(f):
    check(f, (RNG.randn(4) if f is not fills_in_a_loop and f is not recurrence_in_rows else RNG.randn(3),))


def test_whole_array_augmented_assignment():
    check(whole_array_augmented, (RNG.randn(3), RNG.randn(3)), wrt=(0, 1))


def test_in_place_writes_leave_arguments_alone():
    x = RNG.randn(4)
    before = x.copy()
    srcdiff.grad(slice_write_and_augmented)(x)
    assert np.array_equal(x, before)


# ---------------------------------------------------------------- lists built in loops


def rnn_with_list(x, w):
    hs = []
    h = np.zeros(2)
    for t in range(x.shape[0]):
        h = np.tanh(w * h + x[t])
        hs.append(h)
    return np.sum(np.stack(hs) ** 2) + np.sum(hs[-1]) + sum(np.sum(v) for v in [hs[0]])


def list_sum_and_index(x):
    parts = []
    for i in range(3):
        parts.append(x[i] * x[i + 1])
    total = 0.0
    for p in parts:
        total = total + p
    return total * parts[1] + sum(parts)


def test_list_built_in_a_loop_then_stacked():
    check(rnn_with_list_simple, (RNG.randn(5, 2), 0.7), wrt=(0, 1))


def rnn_with_list_simple(x, w):
    hs = []
    h = np.zeros(2)
    for t in range(x.shape[0]):
        h = np.tanh(w * h + x[t])
        hs.append(h)
    return np.sum(np.stack(hs) ** 2) + np.sum(hs[-1])


def test_list_summed_and_indexed():
    check(list_sum_and_index, (RNG.randn(4),))


# ---------------------------------------------------------------- parameter containers


def mlp(params, x):
    h = np.tanh(x @ params["layer1"]["W"] + params["layer1"]["b"])
    w_out, b_out = params["out"]
    return np.sum((h @ w_out + b_out) ** 2)


def test_nested_dict_and_tuple_parameters():
    params = {"layer1": {"W": RNG.randn(3, 4), "b": RNG.randn(4)}, "out": (RNG.randn(4), 0.3)}
    (g,) = check(mlp, (params, RNG.randn(5, 3)))
    assert set(g) == {"layer1", "out"} and set(g["layer1"]) == {"W", "b"}
    assert isinstance(g["out"], tuple) and isinstance(g["out"][1], float)
    assert g["layer1"]["W"].shape == (3, 4)


def uses_part(params):
    return np.sum(params["used"] ** 2)


def test_unused_entries_get_zero_gradients():
    g = srcdiff.grad(uses_part)({"used": np.ones(2), "unused": np.ones(3)})
    assert np.array_equal(g["unused"], np.zeros(3)) and np.array_equal(g["used"], 2 * np.ones(2))


def layers_in_a_list(layers, x):
    for W in layers:
        x = np.tanh(W @ x)
    return np.sum(x)


def test_list_of_arrays_parameter():
    layers = [RNG.randn(3, 3), RNG.randn(2, 3)]
    (g,) = check(layers_in_a_list, (layers, RNG.randn(3)))
    assert isinstance(g, list) and [a.shape for a in g] == [(3, 3), (2, 3)]


# ---------------------------------------------------------------- dtypes and shapes


def quadratic(x):
    return np.sum(x * x * 0.5)


def test_float32_in_float32_out():
    g = srcdiff.grad(quadratic)(np.ones(3, dtype=np.float32))
    assert g.dtype == np.float32


def test_new_shapes_specialize_again():
    df = srcdiff.grad(quadratic)
    assert df(np.ones(2)).shape == (2,)
    assert df(np.ones((2, 3))).shape == (2, 3)
