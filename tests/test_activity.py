"""Unit tests of :mod:`srcdiff.analysis.activity`: which names are varied, useful and active.

Each test normalizes a small function defined here and runs
:func:`srcdiff.analysis.activity.analyze` on it with the real call resolver, then
checks the sets for the user's own variable names (temporaries are named by
the normalizer and are only checked where the test says which they are).
"""

from __future__ import annotations

import math

import gast

import srcdiff
from srcdiff.analysis.activity import Activity, analyze, assignments, operands
from srcdiff.analysis.calls import resolve
from srcdiff.frontend.capture import capture
from srcdiff.frontend.normalize import normalize
from srcdiff.syntax import const, load, stored_names


def analysis(f, wrt, callee_of=None):
    """``analyze`` of ``f`` for inputs ``wrt``, resolving calls like the pipeline does."""
    norm = normalize(capture(f))
    if callee_of is None:
        local = set(norm.params) | stored_names(norm.body)

        def callee_of(node):
            return resolve(node, norm.captured.resolve, local)

    return norm, analyze(norm, set(wrt), callee_of)


def user_names(names, f):
    """The names in ``names`` the user wrote (parameters and assigned variables of ``f``)."""
    code = f.__code__
    return {n for n in names if n in code.co_varnames}


def helper(a, b):
    return a * b


# ============================================================== the basics


def product(x, y):
    z = x * y
    return z


def test_both_inputs_active_when_differentiating_both():
    _, act = analysis(product, {"x", "y"})
    assert act.active == {"x", "y", "z"}


def test_the_other_input_is_useful_but_not_varied():
    _, act = analysis(product, {"x"})
    assert act.varied == {"x", "z"}
    assert {"x", "y", "z"} <= act.useful
    assert act.active == {"x", "z"}


def test_active_is_varied_and_useful():
    act = Activity(varied={"a", "b"}, useful={"b", "c"})
    assert act.active == {"b"}
    assert act.is_active(load("b"))
    assert not act.is_active(load("a")) and not act.is_active(load("c"))
    assert not act.is_active(const(1.0))


def dead_store(x, y):
    unused = x * 3.0  # noqa: F841
    z = y * 2.0
    return z + x


def test_value_that_never_reaches_the_output_is_not_useful():
    _, act = analysis(dead_store, {"x", "y"})
    assert "unused" in act.varied
    assert "unused" not in act.useful
    assert user_names(act.active, dead_store) == {"x", "y", "z"}


def returns_constant(x):
    y = x * 2.0  # noqa: F841
    return 1.0


def test_constant_result_makes_nothing_useful():
    _, act = analysis(returns_constant, {"x"})
    assert act.useful == set()
    assert act.active == set()


# ============================================================== branches and control values


def branch_on_other(x, y):
    if y > 0:
        z = x * 2.0
    else:
        z = y * 3.0
    w = y * y  # noqa: F841
    return z


def test_inactive_branch_inputs_stay_inactive():
    _, act = analysis(branch_on_other, {"x"})
    assert act.varied == {"x", "z"}
    assert "y" in act.useful and "y" not in act.varied
    assert "w" not in act.useful and "w" not in act.varied
    assert act.active == {"x", "z"}


def comparisons_only(x, y):
    if x > y:
        return y * 2.0
    return y


def test_value_only_compared_is_not_useful():
    norm, act = analysis(comparisons_only, {"x"})
    assert "x" not in act.useful
    assert act.active == set()
    # the condition names are control names: never varied even though they read x
    assert not (act.varied & norm.control_names)


def flag_from_value(x):
    big = x > 1.0
    if big:
        return x * x
    return x


def test_comparison_results_carry_no_derivative():
    _, act = analysis(flag_from_value, {"x"})
    assert "big" not in act.varied
    assert "x" in act.active


def ternary(x, y):
    return x * 2.0 if y > 0 else y


def test_ternary_value_is_active_through_its_branch():
    norm, act = analysis(ternary, {"x"})
    assert norm.result.id in act.active
    assert "x" in act.active


# ============================================================== integer-valued operations


def ints_from_len(x, xs):
    n = len(xs)
    m = n * 2
    return x * m


def test_ints_from_len_are_not_varied():
    _, act = analysis(ints_from_len, {"x", "xs"})
    assert "n" not in act.varied and "m" not in act.varied
    assert {"n", "m"} <= act.useful
    assert "xs" not in act.useful  # only its length is used
    assert user_names(act.active, ints_from_len) == {"x"}


def integer_operations(x, y):
    k = x // 2.0
    b = int(y)
    r = round(x)
    f = math.floor(y)
    return (k + b + r + f) * 1.0


def test_floor_division_int_round_and_floor_are_constants():
    _, act = analysis(integer_operations, {"x", "y"})
    assert user_names(act.active, integer_operations) == set()
    assert not {"k", "b", "r", "f"} & act.varied


def test_operands_of_constant_operators_and_calls_are_empty():
    norm = normalize(capture(integer_operations))
    local = set(norm.params) | stored_names(norm.body)
    by_target = {a.targets[0].id: a.value for a in assignments(norm.body)}
    callee_of = lambda node: resolve(node, norm.captured.resolve, local)  # noqa: E731
    assert operands(by_target["k"], callee_of) == []
    assert operands(by_target["b"], callee_of) == []
    assert operands(by_target["f"], callee_of) == []


def test_operands_of_each_primitive():
    never = lambda node: None  # noqa: E731
    cases = {
        "a": ["a"], "a + b": ["a", "b"], "-a": ["a"], "not a": [], "a[i]": ["a"], "a.real": ["a"],
        "(a, 2.0, b)": ["a", "b"], "[a]": ["a"], "f(a, k=b)": ["a", "b"], "a < b": [], "a % b": ["a", "b"],
        "a | b": [], "1.0": [],
    }
    for text, want in cases.items():
        value = gast.parse(text).body[0].value
        assert operands(value, never) == want, text


# ============================================================== calls


def calls(x, y):
    a = math.sin(x)
    b = math.floor(y)
    c = helper(a, b)
    d = mystery(c)  # noqa: F821 -- unresolved on purpose
    return d


def test_rule_user_and_unresolved_calls_pass_derivatives_on():
    _, act = analysis(calls, {"x", "y"})
    assert {"x", "a", "c", "d"} <= act.active
    assert "b" not in act.varied  # math.floor is a constant
    assert "y" not in act.useful  # only reaches the output through floor


def test_unresolved_callee_is_assumed_to_use_every_argument():
    _, act = analysis(calls, {"x", "y"}, callee_of=lambda node: None)
    assert {"x", "y", "a", "b", "c", "d"} <= act.active


def keyword_call(x, y):
    return helper(b=y, a=x)


def test_keyword_arguments_are_operands():
    _, act = analysis(keyword_call, {"y"})
    assert "y" in act.active


# ============================================================== containers and loops


def through_a_tuple(x, y):
    t = (x, y)
    z = t[0]
    return z


def test_container_and_its_items_are_active():
    _, act = analysis(through_a_tuple, {"x"})
    assert {"x", "z"} <= act.active  # t[0] of a literal bound once is x itself: t needs no adjoint
    assert "y" not in act.varied  # not differentiated, only packed


def loops(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    for v in [x, 2.0]:
        s = s * v
    return s


def test_loop_accumulator_and_element_are_active_but_not_the_index():
    _, act = analysis(loops, {"x"})
    assert {"x", "s", "v"} <= act.active
    assert "i" not in act.varied
    assert "n" not in act.varied


def overwritten(x):
    a = x * 2.0
    a = 1.0
    return a


def test_analysis_is_flow_insensitive_so_it_only_adds_work():
    _, act = analysis(overwritten, {"x"})
    assert "a" in act.active  # varied by its first assignment even though that value is dead
    assert srcdiff.grad(overwritten)(3.0) == 0.0  # and the gradient is still right


def chain(x):
    a = x
    b = a
    c = b
    d = c
    return d


def test_fixpoint_follows_long_chains_in_both_directions():
    _, act = analysis(chain, {"x"})
    assert act.active == {"x", "a", "b", "c", "d"}


def reversed_order_in_loop(x, n):
    a = 0.0
    b = 0.0
    for _ in range(n):
        a = b * 2.0
        b = x + 1.0
    return a


def test_fixpoint_reaches_names_assigned_later_in_the_text():
    _, act = analysis(reversed_order_in_loop, {"x"})
    assert {"x", "a", "b"} <= act.active


def test_assignments_walks_nested_blocks():
    norm = normalize(capture(loops))
    targets = [a.targets[0].id for a in assignments(norm.body)]
    assert "s" in targets and "v" in targets
    assert len(targets) == len([n for s in norm.body for n in gast.walk(s) if isinstance(n, gast.Assign)])


# ============================================================== sorted


def first_of_sorted(xs):
    ys = sorted(xs)
    return ys[0] * 2.0


def test_sorted_passes_derivatives_to_its_result():
    """``sorted`` must not be a constant: its result carries the elements' derivatives."""
    _, act = analysis(first_of_sorted, {"xs"})
    assert "ys" in act.active


def test_gradient_through_sorted_is_right_or_refused():
    try:
        g = srcdiff.grad(first_of_sorted)([3.0, 1.0, 2.0])
    except srcdiff.SrcDiffError:
        return  # no rule for sorted yet: a refusal is fine, a silent zero is not
    assert g == [0.0, 2.0, 0.0]
