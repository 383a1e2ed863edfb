"""Unit tests of :mod:`srcdiff.runtime`, the helpers generated code calls."""

from __future__ import annotations

import math

import numpy as np
import pytest

import srcdiff
from srcdiff.runtime import (
    accumulate_at,
    OutputNotScalar,
    SeqAdjoint,
    TEMPLATE_HELPERS,
    add_at,
    check_scalar,
    fill_like,
    grad_like,
    log_or_zero,
    one_hot_like,
    unbroadcast,
    unpack_adjoint,
    zeros_for,
)

# ============================================================== unbroadcast


def test_same_shape_passes_through_untouched():
    g = np.arange(6.0).reshape(2, 3)
    assert unbroadcast(g, np.zeros((2, 3))) is g
    assert unbroadcast(2.5, 1.0) == 2.5


@pytest.mark.parametrize("like", [1.0, 3, np.float64(2.0), np.array(5.0)], ids=["float", "int", "np.float64", "0-d"])
def test_scalar_operand_gets_the_total(like):
    g = np.arange(6.0).reshape(2, 3)
    out = unbroadcast(g, like)
    assert np.shape(out) == ()
    assert out == 15.0


def test_row_operand_sums_over_rows():
    g = np.arange(12.0).reshape(4, 3)
    out = unbroadcast(g, np.zeros((1, 3)))
    assert out.shape == (1, 3)
    np.testing.assert_array_equal(out, g.sum(axis=0, keepdims=True))


def test_column_operand_sums_over_columns():
    g = np.arange(12.0).reshape(4, 3)
    out = unbroadcast(g, np.zeros((4, 1)))
    assert out.shape == (4, 1)
    np.testing.assert_array_equal(out, g.sum(axis=1, keepdims=True))


def test_missing_leading_dims_are_summed_away():
    g = np.arange(24.0).reshape(2, 4, 3)
    out = unbroadcast(g, np.zeros(3))
    assert out.shape == (3,)
    np.testing.assert_array_equal(out, g.sum(axis=(0, 1)))


def test_leading_dims_and_a_broadcast_one_together():
    g = np.arange(24.0).reshape(2, 4, 3)
    out = unbroadcast(g, np.zeros((4, 1)))
    assert out.shape == (4, 1)
    np.testing.assert_array_equal(out, g.sum(axis=(0, 2)).reshape(4, 1))
    out = unbroadcast(g, np.zeros((1, 1, 3)))
    assert out.shape == (1, 1, 3)
    np.testing.assert_array_equal(out, g.sum(axis=(0, 1), keepdims=True))


def test_unbroadcast_is_the_adjoint_of_broadcasting():
    """<g, broadcast(a)> == <unbroadcast(g), a> for every shape pair."""
    rng = np.random.default_rng(0)
    for small, big in [((3,), (2, 3)), ((1, 3), (4, 3)), ((4, 1), (4, 3)), ((), (2, 2)), ((2, 1, 3), (5, 2, 4, 3))]:
        a = rng.standard_normal(small)
        g = rng.standard_normal(big)
        lhs = np.sum(g * np.broadcast_to(a, big))
        rhs = np.sum(unbroadcast(g, a) * a)
        assert lhs == pytest.approx(rhs)
        assert np.shape(unbroadcast(g, a)) == np.shape(a)


def test_list_operand_of_a_numpy_operation_is_an_array():
    assert np.array_equal(unbroadcast(np.ones((3, 2)), [1.0, 2.0]), [3.0, 3.0])


def test_list_concatenation_or_repetition_is_refused():
    with pytest.raises(srcdiff.SrcDiffError):
        unbroadcast(np.ones(3), [1.0, 2.0])  # the adjoint of [a, b] + [c]: not numpy's broadcasting
    with pytest.raises(srcdiff.SrcDiffError):
        unbroadcast(np.ones(2), [1.0])  # [x] * 2


@pytest.mark.parametrize("shape", [(3,), (1,), (2, 3)])
def test_zero_adjoint_is_accepted_for_any_shape(shape):
    out = unbroadcast(0.0, np.zeros(shape))
    assert np.all(np.asarray(out) == 0.0)
    assert np.shape(out) in ((), shape)


# ============================================================== SeqAdjoint


def test_seq_adjoints_add_elementwise():
    s = SeqAdjoint([1.0, 2.0]) + SeqAdjoint([10.0, 20.0])
    assert type(s) is SeqAdjoint and s == [11.0, 22.0]


def test_seq_adjoint_plus_plain_list_either_side():
    left = SeqAdjoint([1.0, 2.0]) + [10.0, 20.0]
    right = [10.0, 20.0] + SeqAdjoint([1.0, 2.0])  # not list concatenation
    assert type(left) is SeqAdjoint and left == [11.0, 22.0]
    assert type(right) is SeqAdjoint and right == [11.0, 22.0]


def test_zero_is_the_identity_either_side():
    s = SeqAdjoint([1.0, 2.0])
    for zero in (0.0, 0, np.float64(0.0)):
        assert s + zero == [1.0, 2.0] and type(s + zero) is SeqAdjoint
    for zero in (0.0, 0):  # (a numpy zero on the left makes numpy turn the list into an array)
        assert zero + s == [1.0, 2.0] and type(zero + s) is SeqAdjoint
    assert (s + 0.0) is not s  # a copy: later updates must not alias


def test_nonzero_scalar_or_other_types_do_not_add():
    s = SeqAdjoint([1.0, 2.0])
    with pytest.raises(TypeError):
        s + 1.0
    with pytest.raises(TypeError):
        s + "ab"
    with pytest.raises(TypeError):
        None + s


def test_nested_seq_adjoints_and_arrays_add_elementwise():
    s = SeqAdjoint([SeqAdjoint([1.0, 2.0]), np.array([1.0, 1.0]), 3.0])
    t = s + [[1.0, 1.0], np.array([2.0, 3.0]), 0.5]
    assert t[0] == [2.0, 3.0] and type(t[0]) is SeqAdjoint
    np.testing.assert_array_equal(t[1], [3.0, 4.0])
    assert t[2] == 3.5


def test_negation_and_scaling():
    s = SeqAdjoint([1.0, -2.0])
    assert -s == [-1.0, 2.0] and type(-s) is SeqAdjoint
    assert s * 2.0 == [2.0, -4.0] and 2.0 * s == [2.0, -4.0]
    assert type(2.0 * s) is SeqAdjoint


# ============================================================== add_at


def test_add_at_on_a_list_from_zero():
    out = add_at(0.0, [1.0, 2.0, 3.0], 1, 5.0)
    assert out == [0.0, 5.0, 0.0] and type(out) is SeqAdjoint


def test_add_at_accumulates_repeated_indices_on_lists():
    value = [1.0, 2.0, 3.0]
    adj = 0.0
    for index, g in [(1, 5.0), (1, 2.0), (-1, 1.0), (0, 0.5)]:
        adj = add_at(adj, value, index, g)
    assert adj == [0.5, 7.0, 1.0]


def test_add_at_does_not_mutate_the_adjoint_it_is_given():
    adj = SeqAdjoint([1.0, 1.0])
    kept = adj  # another name sees it: add_at must not change it
    out = add_at(adj, [0.0, 0.0], 0, 1.0)
    assert kept is adj
    assert adj == [1.0, 1.0] and out == [2.0, 1.0]


def test_add_at_with_a_slice_on_a_list_and_tuple_and_range():
    out = add_at(0.0, [1.0, 2.0, 3.0, 4.0], slice(1, None, 2), [10.0, 20.0])
    assert out == [0.0, 10.0, 0.0, 20.0]
    assert add_at(0.0, (1.0, 2.0), 0, 3.0) == [3.0, 0.0]
    assert add_at(0.0, range(3), 2, 1.0) == [0.0, 0.0, 1.0]


def test_add_at_of_zero_returns_the_adjoint_unchanged():
    adj = SeqAdjoint([1.0, 2.0])
    assert add_at(adj, [0.0, 0.0], 0, 0.0) is adj
    assert add_at(0.0, np.zeros(3), 1, 0) == 0.0


def test_add_at_on_arrays_accumulates_repeated_indices():
    value = np.zeros(4)
    out = add_at(0.0, value, np.array([0, 0, 2, 0]), np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(out, [7.0, 0.0, 3.0, 0.0])
    out = add_at(out, value, 0, 1.0)
    np.testing.assert_array_equal(out, [8.0, 0.0, 3.0, 0.0])


def test_add_at_on_arrays_copies_and_uses_a_float_dtype():
    adj = np.ones(3)
    kept = adj  # another name sees it: add_at must not change it
    out = add_at(adj, np.zeros(3), 1, 2.0)
    assert kept is adj
    np.testing.assert_array_equal(adj, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(out, [1.0, 3.0, 1.0])
    ints = add_at(0.0, np.array([1, 2, 3]), 0, 0.5)
    assert ints.dtype == np.float64 and ints[0] == 0.5
    assert add_at(0.0, np.zeros(2, dtype=np.float32), 0, 1.0).dtype == np.float32


def test_add_at_on_a_matrix_row_and_element():
    value = np.zeros((2, 3))
    out = add_at(0.0, value, 1, np.array([1.0, 2.0, 3.0]))
    out = add_at(out, value, (0, 2), 5.0)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 5.0], [1.0, 2.0, 3.0]])


# ============================================================== grad_like


@pytest.mark.parametrize("value", [2.0, 3, True], ids=["float", "int", "bool"])
def test_grad_like_of_numbers_is_a_float(value):
    for adj in (1.5, 2, np.float64(0.5), 0.0):
        out = grad_like(adj, value)
        assert type(out) is float and out == float(adj)


def test_grad_like_of_list_and_tuple_keeps_the_container_type():
    out = grad_like(SeqAdjoint([1.0, 2]), [0.0, 0.0])
    assert type(out) is list and out == [1.0, 2.0] and all(type(v) is float for v in out)
    out = grad_like(SeqAdjoint([1.0, 2.0]), (0.0, 0.0))
    assert type(out) is tuple and out == (1.0, 2.0)


def test_grad_like_of_an_untouched_list_is_zeros():
    assert grad_like(0.0, [1.0, 2.0, 3.0]) == [0.0, 0.0, 0.0]
    assert grad_like(0.0, (1.0,)) == (0.0,)
    assert grad_like(0.0, []) == []


def test_grad_like_of_nested_containers():
    out = grad_like(SeqAdjoint([SeqAdjoint([1.0, 2.0]), 3.0]), [(0.0, 0.0), 0.0])
    assert out == [(1.0, 2.0), 3.0] and type(out[0]) is tuple


def test_grad_like_of_an_array_has_its_shape():
    value = np.zeros((2, 3))
    out = grad_like(np.ones((2, 3)), value)
    assert isinstance(out, np.ndarray) and out.shape == (2, 3)
    zero = grad_like(0.0, value)
    assert zero.shape == (2, 3) and not zero.any()
    zero[0, 0] = 1.0  # a real array, not a read-only broadcast view
    assert grad_like(2.0, np.zeros(3)).tolist() == [2.0, 2.0, 2.0]


def test_grad_like_of_arrays_uses_a_float_dtype():
    assert grad_like(1.0, np.zeros(2, dtype=np.int64)).dtype == np.float64
    assert grad_like(1.0, np.zeros(2, dtype=np.float32)).dtype == np.float32


def test_grad_like_of_a_numpy_number_is_that_number_type():
    out = grad_like(2.0, np.float32(1.0))
    assert type(out) is np.float32 and out == 2.0
    assert type(grad_like(2.0, np.int64(1))) is np.float64


# ============================================================== check_scalar


@pytest.mark.parametrize("value", [1.0, 0, -3, np.float64(2.0), np.float32(1.0), np.int32(4), np.array(3.0),
                                   np.array([2.0]), np.array([[1.0]]), np.array([7])],
                         ids=["float", "zero", "int", "f64", "f32", "i32", "0-d", "1-elem", "1x1", "1-int"])
def test_check_scalar_accepts_numbers_and_one_element_arrays(value):
    check_scalar(value)


@pytest.mark.parametrize("value", [[1.0], (1.0,), "1.0", None, np.ones(2), np.zeros((0,)), True, False,
                                   np.array([True]), np.array(["a"]), np.array([None], dtype=object), {"x": 1.0}],
                         ids=["list", "tuple", "str", "None", "2-elem", "empty", "True", "False", "bool-array",
                              "str-array", "object-array", "dict"])
def test_check_scalar_refuses_everything_else(value):
    with pytest.raises(OutputNotScalar) as info:
        check_scalar(value)
    assert info.value.args[0] is value


def test_check_scalar_refuses_numpy_bools_like_python_bools():
    with pytest.raises(OutputNotScalar):
        check_scalar(np.True_)


# ============================================================== the other helpers


def test_zeros_for_mirrors_structure():
    assert zeros_for(3.0) == 0.0
    z = zeros_for([1.0, (2.0, 3.0)])
    assert z == [0.0, [0.0, 0.0]] and type(z) is SeqAdjoint and type(z[1]) is SeqAdjoint
    arr = zeros_for(np.ones((2, 2), dtype=np.int32))
    assert arr.shape == (2, 2) and arr.dtype == np.float64 and not arr.any()


def test_unpack_adjoint():
    assert unpack_adjoint(SeqAdjoint([1.0, 2.0]), 2) == [1.0, 2.0]
    assert unpack_adjoint((1.0, 2.0), 2) == [1.0, 2.0]
    assert unpack_adjoint(0.0, 3) == [0.0, 0.0, 0.0]


def test_fill_like():
    assert fill_like([1.0, 2.0, 3.0], 2.0) == [2.0, 2.0, 2.0]
    out = fill_like(np.zeros((2, 2)), 3.0)
    assert out.shape == (2, 2) and (out == 3.0).all()
    out[0, 0] = 0.0  # writable
    assert fill_like(5.0, 2.0) == 2.0


def test_one_hot_like_marks_the_first_extreme():
    assert one_hot_like([3.0, 1.0, 1.0], 1.0, 2.0) == [0.0, 2.0, 0.0]
    np.testing.assert_array_equal(one_hot_like(np.array([1.0, 5.0, 5.0]), 5.0, 1.0), [0.0, 1.0, 0.0])


def test_log_or_zero():
    assert log_or_zero(math.e) == pytest.approx(1.0)
    assert log_or_zero(0.0) == 0.0 and log_or_zero(-1.0) == 0.0
    np.testing.assert_allclose(log_or_zero(np.array([1.0, 0.0, -2.0, math.e])), [0.0, 0.0, 0.0, 1.0])


def test_template_helpers_are_the_module_functions():
    for name in ("unbroadcast", "add_at", "grad_like", "check_scalar", "zeros_for", "fill_like"):
        assert TEMPLATE_HELPERS[name] is globals()[name]


def test_add_at_updates_in_place_an_adjoint_only_its_caller_holds():
    """The generated code's pattern ``d = add_at(d, ...)``: nothing else can see the old value."""
    d = np.zeros(3)
    first = id(d)
    for i in range(3):
        d = accumulate_at(d, np.zeros(3), i, 1.0)
    assert id(d) == first and list(d) == [1.0, 1.0, 1.0]
