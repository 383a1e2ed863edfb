"""Unit tests of :mod:`srcdiff.frontend.normalize`, through :func:`srcdiff.frontend.normalize.normalize` itself.

Two properties, checked on many small functions defined below:

* the normalized body really is in the normal form the module docstring
  promises (``check_normal_form`` walks it and lists every violation);
* the normalized function, compiled back to Python, computes exactly what the
  original computes (same values, same types, same exceptions), on hand-picked
  and on hypothesis-generated inputs.
"""

from __future__ import annotations

import copy
import math
import random

import gast
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srcdiff.frontend.capture import capture
from srcdiff.backend.emit import to_source
from srcdiff.errors import UnsupportedSyntaxError
from srcdiff.frontend.normal_form import NormalizedFunction
from srcdiff.frontend.normalize import normalize

SCALE = 3
TRACE: list[str] = []


def traced(tag, value):
    """Record that ``tag`` was evaluated; return ``value`` (for evaluation-order tests)."""
    TRACE.append(tag)
    return value


# ============================================================== functions to normalize


def straight_line(x, y):
    z = x * y + 3 * x - y / 2
    return -z ** 2 + SCALE


def augmented(x, n):
    s = 0
    for i in range(n):
        s += x * i
        s *= 2
        s -= i
        s //= 1
    return s


def annotated(x):
    z: float = x * 2
    w: int
    return z + 1


def target_in_own_rhs(x):
    x = x * x + x
    y = 2 - x
    y = x - y
    x = -x
    y = y + y
    return x + y


def swaps(a, b):
    a, b = b, a
    a, b = a + b, a - b
    c = d = a * b
    return a * 10 + b + c - d


def unpacking(xs):
    a, b, c = xs
    (p, q), r = (a, b), c
    [u, v] = [r, p]
    return p * 100 + q * 10 + r + u - v


def ternaries(x, y):
    z = x if x > y else y * 2
    w = (x - 1) if z > 3 else ((y + 1) if y > 0 else -y)
    return z + w


def and_or_values(x, y):
    a = x and y
    b = x or y
    c = (x > 0 and y) or (y > 0 and x) or 7
    return [a, b, c]


def pure_tests(x, y):
    if not (x < y < 10) and (x != 3 or y == 2):
        return 1
    flag = x > 0 and y > 0
    flag = not flag
    return 2 if flag else 3


def early_returns(x):
    if x > 5:
        return x * 2
    elif x < -5:
        return -x
    y = x + 1
    if y == 0:
        return 100
    return y


def bare_return(x):
    if x > 0:
        return
    return x


def no_return(x):
    y = x + 1  # noqa: F841


def returns_nothing_explicitly(x):
    y = x + 1  # noqa: F841
    return


def return_inside_while(x):
    while True:
        x = x * 2 + 1
        if x > 50:
            return x


def nested_loops_early_return(n, m):
    total = 0
    for i in range(n):
        for j in range(m):
            if i * j > 6:
                return total + i
            total += j
        total += 1
    return total


def while_break_else(x):
    i = 0
    while i < 10:
        if i * x > 20:
            break
        i += 1
    else:
        i = -1
    return i


def for_continue_break_else(xs):
    s = 0
    for v in xs:
        if v < 0:
            continue
        if v > 10:
            break
        s += v
    else:
        s += 1000
    return s


def while_continue(n):
    i = 0
    s = 0
    while i < n:
        i += 1
        if i % 3 == 0:
            continue
        s += i
    return s


def breaks_and_returns_everywhere(n):
    for i in range(n):
        j = 0
        while True:
            j += 1
            if j > i:
                break
            if j * i == 12:
                return j
        if i > 7:
            break
    else:
        return -1
    return n


def break_in_nested_if(xs):
    found = -1
    for i in range(len(xs)):
        if xs[i] > 0:
            if xs[i] % 2 == 0:
                found = i
                break
            found = -2
    return found


def return_from_loop_else(xs):
    for v in xs:
        if v == 0:
            break
    else:
        return 1
    return 2


def enumerate_and_zip(xs, ys):
    s = 0
    for i, (a, b) in enumerate(zip(xs, ys), 1):
        s += i * a - b
    for a, b in zip(xs, ys):
        s += a * b
    for k, v in enumerate(xs):
        s -= k * v
    return s


def loop_over_expression(x, n):
    s = 0
    for v in [x, x * 2, x * 3][:n]:
        s = s + v
    return s


def loop_target_is_the_sequence(xs):
    for xs in xs:  # noqa: B020 -- rebinding the iterated name on purpose
        pass
    return xs


def subscripts_and_slices(xs, i):
    a = xs[i] + xs[-1] * xs[i - 1]
    b = xs[1:i]
    c = xs[::2]
    return a, len(b), c


def calls_and_methods(xs):
    t = max(xs[0], xs[1], xs[2])
    u = min(abs(xs[0]), 2, abs(xs[1] - 5))
    v = round(sum(xs) / len(xs), 3)
    w = str(xs[0]).upper().lower()
    parts = list(xs)
    n = parts.count(xs[0])
    m = math.floor(math.sqrt(abs(xs[1])))
    return (t, u, v, w, n, m)


def effects_and_checks(x):
    assert x == x, "never"
    log = []
    log.append(x)
    log.append(x * 2)
    label = f"x={x}"
    if x > 15:
        raise ValueError(label)
    return log, label


def evaluation_order(x, y):
    a = traced("a", x) + traced("b", y) * traced("c", x)
    b = traced("d", x) if traced("e", y) > 0 else traced("f", y)
    c = traced("g", x) or traced("h", y)
    d = traced("i", x) and traced("j", y)
    return a, b, c, d


def lazy_operands(x):
    a = x or 1 / 0
    b = 1 / x if x else 0
    c = x and 1 / x
    return a, b, c


def index_reassigned(n):
    s = 0
    for i in range(n):
        i = i * 2
        s += i
    return s, i


def rebinds_iterated_list(xs):
    s = 0
    for v in xs:
        s += v
        xs = [0]
    return s, xs


def range_reads_its_own_index(n):
    i = 1
    s = 0
    for i in range(i, n + i):
        s += i
    return s, i


def countdown_with_else(n):
    out = []
    while n > 0:
        n -= 1
        if n == 5:
            continue
        out.append(n)
    else:
        out.append("done")
    return out


def grows_the_list_it_iterates(x):
    todo = [1, 2]
    total = 0.0
    for k in todo:
        total = total + x * k
        if k < 3:
            todo.append(k + 2)
    return total


def iterates_reversed(x, coefficients):
    s = 0.0
    for c in reversed(coefficients):
        s = s * x + c
    return s


def iterates_a_map(x, n):
    s = 0.0
    for v in map(float, range(n)):
        s = s + x * v
    return s


# ``(function, strategy for its arguments)``: small inputs, including the awkward ones (0, negatives).
small_int = st.integers(-12, 12)
small_number = st.one_of(st.integers(-20, 20), st.floats(-50, 50, allow_nan=False, allow_infinity=False))
int_list = st.lists(st.integers(-15, 15), max_size=6)

FUNCTIONS = [
    (straight_line, st.tuples(small_number, small_number)),
    (augmented, st.tuples(small_number, st.integers(0, 6))),
    (annotated, st.tuples(small_number)),
    (target_in_own_rhs, st.tuples(small_number)),
    (swaps, st.tuples(small_number, small_number)),
    (unpacking, st.tuples(st.lists(small_int, min_size=2, max_size=4))),
    (ternaries, st.tuples(small_number, small_number)),
    (and_or_values, st.tuples(small_number, small_number)),
    (pure_tests, st.tuples(small_number, small_number)),
    (early_returns, st.tuples(small_number)),
    (bare_return, st.tuples(small_number)),
    (no_return, st.tuples(small_number)),
    (return_inside_while, st.tuples(st.integers(1, 40))),
    (nested_loops_early_return, st.tuples(st.integers(0, 6), st.integers(0, 6))),
    (while_break_else, st.tuples(small_int)),
    (for_continue_break_else, st.tuples(int_list)),
    (while_continue, st.tuples(st.integers(-2, 12))),
    (breaks_and_returns_everywhere, st.tuples(st.integers(0, 12))),
    (break_in_nested_if, st.tuples(int_list)),
    (return_from_loop_else, st.tuples(int_list)),
    (enumerate_and_zip, st.tuples(int_list, int_list)),
    (loop_over_expression, st.tuples(small_number, st.integers(-1, 4))),
    (loop_target_is_the_sequence, st.tuples(int_list)),
    (subscripts_and_slices, st.tuples(st.lists(small_int, min_size=1, max_size=6), st.integers(-3, 7))),
    (calls_and_methods, st.tuples(st.lists(small_int, min_size=3, max_size=5))),
    (effects_and_checks, st.tuples(small_number)),
    (evaluation_order, st.tuples(small_int, small_int)),
    (lazy_operands, st.tuples(small_number)),
    (countdown_with_else, st.tuples(st.integers(-1, 9))),
    (index_reassigned, st.tuples(st.integers(0, 5))),
    (rebinds_iterated_list, st.tuples(int_list)),
    (range_reads_its_own_index, st.tuples(st.integers(-1, 5))),
    (iterates_reversed, st.tuples(small_number, st.lists(small_int, max_size=4))),
    (iterates_a_map, st.tuples(small_number, st.integers(-1, 4))),
]
FUNCTION_PARAMS = [pytest.param(f, s, id=f.__name__) for f, s in FUNCTIONS]


# ============================================================== the normal-form checker


def _is_atom(e):
    return isinstance(e, (gast.Name, gast.Constant))


def _is_dotted(e):
    while isinstance(e, gast.Attribute):
        e = e.value
    return isinstance(e, gast.Name)


def _index_ok(s):
    if isinstance(s, gast.Slice):
        return all(p is None or _is_atom(p) for p in (s.lower, s.upper, s.step))
    if isinstance(s, gast.Tuple):
        return all(_index_ok(e) for e in s.elts)
    return _is_atom(s)


def _is_test(e):
    return isinstance(e, (gast.Compare, gast.BoolOp, gast.JoinedStr)) or \
        isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.Not)


def _primitive_ok(v):
    if _is_atom(v) or _is_test(v):
        return True
    if isinstance(v, gast.BinOp):
        return _is_atom(v.left) and _is_atom(v.right)
    if isinstance(v, gast.UnaryOp):
        return _is_atom(v.operand)
    if isinstance(v, gast.Call):
        return _is_dotted(v.func) and all(_is_atom(a) for a in v.args) \
            and all(k.arg is not None and _is_atom(k.value) for k in v.keywords)
    if isinstance(v, gast.Attribute):
        return _is_atom(v.value)
    if isinstance(v, gast.Subscript):
        return _is_atom(v.value) and _index_ok(v.slice)
    if isinstance(v, (gast.Tuple, gast.List)):
        return all(_is_atom(e) for e in v.elts)
    return False


def _loads(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _stores(stmts):
    return {n.id for s in stmts for n in gast.walk(s) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _is_accumulation(target, v):
    return isinstance(v, gast.BinOp) and isinstance(v.op, (gast.Add, gast.Sub)) \
        and isinstance(v.left, gast.Name) and v.left.id == target \
        and not (isinstance(v.right, gast.Name) and v.right.id == target)


def _is_exit_test(test):
    """The test of the loop-exit ``if flag: break``: a flag, or an ``or`` of flags."""
    if isinstance(test, gast.Name):
        return True
    return isinstance(test, gast.BoolOp) and isinstance(test.op, gast.Or) \
        and all(isinstance(v, gast.Name) for v in test.values)


def check_normal_form(norm: NormalizedFunction) -> list[str]:
    """Every way ``norm`` breaks the invariants of the normalize module docstring."""
    problems: list[str] = []

    def say(node, what):
        problems.append(f"line {getattr(node, 'lineno', '?')}: {what}: {to_source(node).strip()!r}")

    def block(stmts, loop_body, chain_tests=frozenset()):
        # chain_tests: in an `elif` chain (an `else` holding just an `if`), the tests computed
        # before the chain's first `if`
        for i, s in enumerate(stmts):
            if isinstance(s, gast.Assign):
                if len(s.targets) != 1 or not isinstance(s.targets[0], gast.Name):
                    say(s, "assignment target is not a single name")
                    continue
                target = s.targets[0].id
                if not _primitive_ok(s.value):
                    say(s, "right-hand side is not a primitive on atoms")
                if target in _loads(s.value) and not _is_accumulation(target, s.value):
                    say(s, "target read in its own right-hand side (not an accumulation)")
            elif isinstance(s, gast.If):
                if any(isinstance(n, gast.Break) for n in gast.walk(s)):
                    if not (len(s.body) == 1 and isinstance(s.body[0], gast.Break) and not s.orelse):
                        say(s, "`break` not alone in an `if ...: break`")
                    elif not (loop_body and i == len(stmts) - 1):
                        say(s, "`if ...: break` is not the last statement of a loop body")
                    elif not _is_exit_test(s.test) or not _loads(s.test) <= norm.control_names:
                        say(s, "loop exit test is not a control flag")
                    continue
                if not isinstance(s.test, gast.Name):
                    say(s, "`if` test is not a name")
                else:
                    c = s.test.id
                    if c in _stores(s.body + s.orelse):
                        say(s, f"`if` test {c} reassigned inside the `if`")
                    if c not in norm.control_names:
                        say(s, f"`if` test {c} is not a control name")
                    tests = set(chain_tests) if len(stmts) == 1 else set()
                    for earlier in reversed(stmts[:i]):  # the assignments just before the `if`
                        if not (isinstance(earlier, gast.Assign) and isinstance(earlier.targets[0], gast.Name)):
                            break
                        tests.add(earlier.targets[0].id)
                    if c not in tests:
                        say(s, f"`if` test {c} is not assigned just before the `if`")
                block(s.body, False)
                elif_chain = len(s.orelse) == 1 and isinstance(s.orelse[0], gast.If)
                block(s.orelse, False, frozenset(tests) if elif_chain and isinstance(s.test, gast.Name) else frozenset())
            elif isinstance(s, gast.While):
                if s.orelse:
                    say(s, "`while` keeps an `else`")
                block(s.body, True)
            elif isinstance(s, gast.For):
                if not isinstance(s.target, gast.Name):
                    say(s, "`for` target is not a name")
                it = s.iter
                is_range = isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "range" \
                    and all(_is_atom(a) for a in it.args) and not it.keywords
                if not (isinstance(it, gast.Name) or is_range):
                    say(s, "`for` does not loop over a name or a range of atoms")
                if s.orelse:
                    say(s, "`for` keeps an `else`")
                block(s.body, True)
            elif isinstance(s, gast.Expr):
                if not (isinstance(s.value, gast.Call) and _primitive_ok(s.value)):
                    say(s, "expression statement is not a call on atoms")
            elif isinstance(s, (gast.Raise, gast.Assert, gast.Pass)):
                pass
            elif isinstance(s, gast.Break):
                say(s, "bare `break`")
            else:
                say(s, f"`{type(s).__name__}` left in the normal form")

    block(norm.body, False)
    if not _is_atom(norm.result):
        problems.append(f"result is not an atom: {to_source(norm.result).strip()!r}")
    return problems


# ============================================================== helpers

_NORMALIZED: dict = {}


def normalized(f) -> NormalizedFunction:
    """``normalize(capture(f))``; a fresh normalization each time (passes may mutate)."""
    return normalize(capture(f))


def compiled_normal_form(f):
    """The normalized ``f`` as a live function (cached per function)."""
    found = _NORMALIZED.get(f)
    if found is None:
        norm = normalized(f)
        captured = norm.captured
        namespace = dict(captured.globals)  # a copy: never overwrite the original in the module
        namespace.update(getattr(norm, "helpers", {}))  # runtime helpers the normal form may call
        exec(compile(to_source(norm.as_function()), f"<normalized {f.__name__}>", "exec"), namespace)
        found = _NORMALIZED[f] = namespace[norm.name]
    return found


def outcome(f, args):
    """What calling ``f`` does: ``("value", v)`` or ``("raise", exception type)``; plus the trace.

    (Messages are not compared: Python's own wording changes between versions.)
    """
    TRACE.clear()
    try:
        result = ("value", f(*copy.deepcopy(args)))
    except Exception as err:  # noqa: BLE001 -- comparing exceptions is the point
        result = ("raise", type(err))
    return result, list(TRACE)


def same(a, b):
    """Equal values of the same types (NaN equals NaN), recursively through containers."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def assert_same_behaviour(f, args):
    want = outcome(f, args)
    got = outcome(compiled_normal_form(f), args)
    assert same(got, want), f"{f.__name__}{args}: normalized gives {got}, original {want}"


# ============================================================== the normal form


@pytest.mark.parametrize("f, _strategy", FUNCTION_PARAMS)
def test_normalized_body_is_in_normal_form(f, _strategy):
    norm = normalized(f)
    assert check_normal_form(norm) == [], to_source(norm.as_function())


def test_checker_catches_code_that_is_not_normalized():
    """The checker itself must see violations, or the test above proves nothing."""
    norm = normalized(straight_line)
    norm.body = gast.parse("a, b = x, y\nif x > 0:\n    x = 1\nfor v in [x]:\n    break\n").body
    norm.result = gast.parse("a + b").body[0].value
    problems = "\n".join(check_normal_form(norm))
    for expected in ["single name", "`if` test is not a name", "not loop over a name",
                     "bare `break`", "result is not an atom"]:
        assert expected in problems


def test_if_test_reassigned_inside_is_reported_by_the_checker():
    norm = normalized(straight_line)
    norm.control_names.add("c")
    norm.body = gast.parse("c = x > 0\nif c:\n    c = False\n").body
    assert any("reassigned inside" in p for p in check_normal_form(norm))


def test_no_return_break_or_continue_statement_survives():
    for f, _ in FUNCTIONS:
        tree = normalized(f).as_function()
        kinds = [type(n).__name__ for n in gast.walk(tree) if isinstance(n, (gast.Return, gast.Continue))]
        assert kinds == ["Return"], f"{f.__name__}: {kinds}"  # only the final return added by as_function


def test_tail_return_needs_no_flag():
    norm = normalized(straight_line)
    assert not norm.may_return_none
    assert not any(n.startswith("_returned") for n in norm.control_names)
    assert isinstance(norm.result, gast.Name)


def test_early_return_uses_a_result_variable_and_a_flag():
    norm = normalized(early_returns)
    assert norm.result.id == "_ret"
    assert "_returned" in norm.control_names
    assert norm.may_return_none  # the prologue starts from `_ret = None`


def test_function_without_return_results_in_none():
    norm = normalized(no_return)
    assert norm.may_return_none
    assert norm.result.id == "_ret"
    assert to_source(norm.body[0]).strip() == "_ret = None"
    assert outcome(compiled_normal_form(no_return), (1,))[0] == ("value", None)


def test_bare_return_at_the_end_returns_none_without_a_flag():
    norm = normalized(returns_nothing_explicitly)
    assert isinstance(norm.result, gast.Constant) and norm.result.value is None
    assert norm.may_return_none
    assert not norm.control_names


def test_swap_copies_the_value_about_to_be_overwritten():
    text = to_source(normalized(swaps).as_function())
    first = text.splitlines()[1:5]
    assert first == ["    _t1 = b", "    _t2 = a", "    a = _t1", "    b = _t2"], text


def test_conditions_are_control_names_and_never_params():
    norm = normalized(pure_tests)
    ifs = [s for s in gast.walk(gast.Module(body=norm.body, type_ignores=[])) if isinstance(s, gast.If)]
    assert ifs
    for s in ifs:
        assert s.test.id in norm.control_names
    assert not norm.control_names & set(norm.params)


def test_params_and_name_are_kept():
    norm = normalized(enumerate_and_zip)
    assert norm.name == "enumerate_and_zip"
    assert norm.params == ["xs", "ys"]


def test_loop_over_a_sequence_becomes_an_index_loop():
    norm = normalized(for_continue_break_else)
    loops = [s for s in norm.body if isinstance(s, gast.For)]
    assert len(loops) == 1
    loop = loops[0]
    assert to_source(loop.iter).strip() == "range(_n1)"
    assert to_source(loop.body[0]).strip() == "v = _t1[_k1]"  # _t1 = loop_items(xs)
    assert {"_k1", "_n1"} <= norm.control_names


def test_range_loop_keeps_its_own_index():
    norm = normalized(augmented)
    loop = next(s for s in norm.body if isinstance(s, gast.For))
    assert loop.target.id == "i"
    assert to_source(loop.iter).strip() == "range(n)"


def test_fresh_names_avoid_the_users_names():
    norm = normalized(loop_target_is_the_sequence)
    stored = _stores(norm.body)
    assert stored >= {"xs"}
    text = to_source(norm.as_function())
    assert "_t1 = loop_items(xs)" in text  # the sequence is held before the target overwrites xs


# ============================================================== semantics


def _first_examples():
    """A couple of fixed inputs per function (the ones people get wrong)."""
    return [
        (straight_line, (2, 3)), (straight_line, (0.5, -1.5)),
        (augmented, (1.5, 4)), (augmented, (3, 0)),
        (annotated, (2.5,)),
        (target_in_own_rhs, (3,)), (target_in_own_rhs, (-0.5,)),
        (swaps, (1, 2)),
        (unpacking, ([1, 2, 3],)), (unpacking, ((4, 5, 6),)),
        (ternaries, (5, 1)), (ternaries, (0, -3)), (ternaries, (0, 3)),
        (and_or_values, (0, 5)), (and_or_values, (2, 0)), (and_or_values, (0.0, 0)),
        (pure_tests, (1, 2)), (pure_tests, (3, 2)), (pure_tests, (12, 20)),
        (early_returns, (7,)), (early_returns, (-7,)), (early_returns, (-1,)), (early_returns, (0,)),
        (bare_return, (1,)), (bare_return, (-1,)),
        (no_return, (1,)),
        (return_inside_while, (1,)), (return_inside_while, (60,)),
        (nested_loops_early_return, (4, 4)), (nested_loops_early_return, (3, 2)),
        (while_break_else, (5,)), (while_break_else, (1,)), (while_break_else, (0,)),
        (for_continue_break_else, ([1, -2, 3],)), (for_continue_break_else, ([1, 20, 3],)),
        (for_continue_break_else, ([],)),
        (while_continue, (10,)),
        (breaks_and_returns_everywhere, (3,)), (breaks_and_returns_everywhere, (5,)),
        (breaks_and_returns_everywhere, (10,)), (breaks_and_returns_everywhere, (0,)),
        (break_in_nested_if, ([-1, 3, 4, 5],)), (break_in_nested_if, ([3, 5],)),
        (return_from_loop_else, ([1, 0],)), (return_from_loop_else, ([1, 2],)),
        (enumerate_and_zip, ([1, 2, 3], [4, 5])),
        (loop_over_expression, (1.5, 2)), (loop_over_expression, (2, -1)),
        (loop_target_is_the_sequence, ([1, 2, 3],)), (loop_target_is_the_sequence, ([],)),
        (subscripts_and_slices, ([1, 2, 3, 4], 2)), (subscripts_and_slices, ([1, 2], 5)),
        (calls_and_methods, ([3, -4, 5, 3],)),
        (effects_and_checks, (2.0,)), (effects_and_checks, (20,)),
        (evaluation_order, (0, 1)), (evaluation_order, (2, -1)),
        (lazy_operands, (0,)), (lazy_operands, (2,)),
        (countdown_with_else, (8,)), (countdown_with_else, (0,)),
        (index_reassigned, (3,)), (index_reassigned, (0,)),
        (rebinds_iterated_list, ([1, 2, 3],)), (rebinds_iterated_list, ([],)),
        (range_reads_its_own_index, (3,)), (range_reads_its_own_index, (0,)),
    ]


@pytest.mark.parametrize("f, args", [pytest.param(f, a, id=f"{f.__name__}{a}") for f, a in _first_examples()])
def test_normalized_code_computes_what_the_original_computes(f, args):
    assert_same_behaviour(f, args)


@pytest.mark.parametrize("f, args_strategy", FUNCTION_PARAMS)
@settings(max_examples=25, deadline=None, derandomize=True)
@given(data=st.data())
def test_semantics_preserved_on_random_inputs(f, args_strategy, data):
    assert_same_behaviour(f, data.draw(args_strategy, label="args"))


def test_operands_are_evaluated_once_in_python_order():
    TRACE.clear()
    evaluation_order(1, 2)
    want = list(TRACE)
    assert want == ["a", "b", "c", "e", "d", "g", "i", "j"]
    _, got = outcome(compiled_normal_form(evaluation_order), (1, 2))
    assert got == want


def test_short_circuit_and_ternary_do_not_evaluate_the_other_side():
    (kind, value), _ = outcome(compiled_normal_form(lazy_operands), (2,))
    assert kind == "value" and value == (2, 0.5, 0.5)
    (kind, *rest), _ = outcome(compiled_normal_form(lazy_operands), (0,))
    assert kind == "raise" and rest[0] is ZeroDivisionError  # `0 or 1 / 0` must evaluate 1 / 0


# ============================================================== loops over things that change or have no len


def _same_or_refused(f, args):
    """Either normalize refuses ``f`` or the normalized code behaves like ``f``."""
    try:
        compiled_normal_form(f)
    except UnsupportedSyntaxError:
        return
    assert_same_behaviour(f, args)


def test_loop_over_a_list_the_body_appends_to():
    """``range(len(seq))`` is taken once: a body that appends must be refused (or run like Python)."""
    _same_or_refused(grows_the_list_it_iterates, (1.0,))


def test_loop_over_reversed():
    """Iterators have no ``len()``: they must be materialized (or refused), not crash with TypeError."""
    _same_or_refused(iterates_reversed, (2.0, [1.0, 2.0, 3.0]))


def test_loop_over_map():
    _same_or_refused(iterates_a_map, (2.0, 3))


def test_unpacking_a_too_long_sequence_still_raises():
    """Element-wise reads must not silently truncate a longer sequence."""
    _same_or_refused(unpacking, ([1, 2, 3, 4],))


def test_unpacking_a_too_short_sequence_still_raises():
    assert_same_behaviour(unpacking, ([1, 2],))


# ============================================================== refusals


def uses_try(x):
    try:
        return 1 / (x + math.sin(x) * random.random())
    except ZeroDivisionError:
        return 0.0


def uses_lambda(x):
    f = lambda v: v * 2  # noqa: E731
    return sum(map(f, [x]))


def uses_setcomp(x):
    powers = {x * i for i in range(3)}
    return sum(powers)


def uses_star_args(x):
    return max(*x)


def uses_starred_target(xs):
    a, *rest = xs
    return a


def uses_item_assignment(xs):
    xs.first = 1.0
    return xs[0]


def uses_walrus(x):
    if (y := x * 2) > 1:
        return y
    return x


def uses_nested_def(x):
    def inner(v):
        return v * 2
    return sum(map(inner, [x]))


def writes_a_global(x):
    global SCALE
    SCALE = x
    return x


@pytest.mark.parametrize("f, words", [
    (uses_try, "random"), (uses_lambda, "lambda"), (uses_setcomp, "set comprehension"),
    (uses_star_args, "*args"), (uses_starred_target, "starred"), (uses_item_assignment, "attribute"),
    (uses_walrus, ":="), (uses_nested_def, "function defined inside"), (writes_a_global, "global"),
])
def test_unsupported_constructs_are_refused_with_the_users_line(f, words):
    with pytest.raises(UnsupportedSyntaxError) as info:
        normalize(capture(f))
    err = info.value
    assert words in err.problem
    assert err.filename == __file__
    first = f.__code__.co_firstlineno
    assert first <= err.lineno <= first + 4
