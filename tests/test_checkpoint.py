"""Loop checkpointing: ``for t in srcdiff.checkpointed(range(n), snapshots=k)``.

A checkpointed loop must give the same gradient as the plain loop (bit for bit:
each iteration's adjoint runs the same operations), for every trip count and
number of snapshots, and its memory must not grow with the trip count.
"""

from __future__ import annotations

import math
import re
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import srcdiff
from srcdiff.runtime import TAPE, checkpoint_schedule, repetitions
from tests.helpers import load_module

# ---------------------------------------------------------------------------
# The schedule
# ---------------------------------------------------------------------------


def replay(steps, snapshots):
    """Run the schedule on a model of the snapshot stack: (adjoint order, peak snapshots, reruns)."""
    stack, order, peak, reruns = [0], [], 0, 0
    for action, a, b in checkpoint_schedule(steps, snapshots):
        if action == "drop":
            assert stack.pop() == a
            continue
        assert stack[-1] == a, "every replay starts from the last snapshot"
        reruns += b - a
        if action == "advance":
            assert a < b
            stack.append(b)
            peak = max(peak, len(stack) - 1)
        elif action == "tape":
            assert 0 < b - a <= TAPE
            order += range(b - 1, a - 1, -1)
        else:
            order.append(b)
    assert stack == [0]
    return order, peak, reruns


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 400), st.integers(0, 8))
def test_schedule_reverses_every_iteration_once_within_its_snapshots(steps, snapshots):
    if snapshots == 0:
        steps = min(steps, 40)  # no snapshot: quadratic, keep it small
    order, peak, reruns = replay(steps, snapshots)
    assert order == list(range(steps - 1, -1, -1))
    assert peak <= snapshots
    if snapshots:
        # binomial bound, counted in tapes: each iteration runs again at most r times, plus once recorded
        assert reruns <= (repetitions(-(-steps // TAPE), snapshots) + 1) * steps


def test_repetitions_follow_the_binomial_bound():
    for snapshots in (1, 2, 5, 20):
        for steps in (1, 2, 10, 1000):
            r = repetitions(steps, snapshots)
            assert math.comb(snapshots + r, snapshots) >= steps
            assert r == 0 or math.comb(snapshots + r - 1, snapshots) < steps


def test_checkpointed_leaves_the_loop_alone_outside_srcdiff():
    assert list(srcdiff.checkpointed(range(4), snapshots=2)) == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        srcdiff.checkpointed(range(4), snapshots=-1)


# ---------------------------------------------------------------------------
# Gradients: checkpointed == plain
# ---------------------------------------------------------------------------

PROGRAMS = """
import math
import numpy as np
import srcdiff
from srcdiff import checkpointed


def rk2(k, c, x0, v0, dt, n, snapshots):
    x = x0
    v = v0
    for i in LOOP(range(n), snapshots=snapshots):
        a = -k * x - c * v
        xm = x + 0.5 * dt * v
        vm = v + 0.5 * dt * a
        am = -k * xm - c * vm
        x = x + dt * vm
        v = v + dt * am
    return x * x + v


def branches_and_inner_loops(x, y, n, snapshots):
    s = 0.0
    prev = x
    for i in LOOP(range(n), snapshots):
        if i % 3 == 0:
            t = math.sin(s + x)
        else:
            t = math.cos(prev * y)
        j = 0
        while j < 2:
            t = t * 0.9 + y
            j += 1
        for m in range(2):
            s += t * 0.1
        prev = t
    return s + prev * i


def helper(u, w):
    return math.tanh(u * w) + u


def calls_a_helper(x, w, n, snapshots):
    for i in LOOP(range(n), snapshots=snapshots):
        x = helper(x, w)
    return x


def arrays(W, h0, n, snapshots):
    h = h0
    total = 0.0
    for i in LOOP(range(n), snapshots=snapshots):
        h = np.tanh(W @ h + 0.1 * i)
        total = total + np.sum(h * h)
    return total


def over_a_list(x, ws, snapshots):
    for w, b in LOOP(zip(ws, ws), snapshots=snapshots):
        x = math.sin(w * x) + b
    return x


def inside_another_loop(x, y, n, snapshots):
    acc = 0.0
    z = y
    for outer in range(3):
        acc = acc + z * x
        for i in LOOP(range(n), snapshots=snapshots):
            z = z * 0.9 + math.sin(x * z)
        acc = acc + z
    return acc


def first_assigned_in_the_loop(x, n, snapshots):
    for i in LOOP(range(n), snapshots=snapshots):
        if i > 0:
            x = x * last
        last = math.cos(x)
    return x + last
"""


def modules(tmp_path):
    """The programs with plain loops, and with checkpointed ones."""
    marked = re.compile(r"LOOP\((.*), (?:snapshots=)?snapshots\)")
    plain = load_module(tmp_path, "plain_loops", marked.sub(r"\1", PROGRAMS))
    checkpointed = load_module(
        tmp_path, "checkpointed_loops", marked.sub(r"checkpointed(\1, snapshots=snapshots)", PROGRAMS)
    )
    return plain, checkpointed


CASES = [
    ("rk2", lambda n, k: (2.0, 0.3, 1.0, 0.5, 0.01, n, k), (0, 1, 2, 3)),
    ("branches_and_inner_loops", lambda n, k: (0.7, 1.3, n, k), (0, 1)),
    ("calls_a_helper", lambda n, k: (0.4, 0.8, n, k), (0, 1)),
    ("over_a_list", lambda n, k: (0.5, [0.1 * i for i in range(n)], k), (0, 1)),
    ("inside_another_loop", lambda n, k: (0.3, 0.6, n, k), (0, 1)),
    ("first_assigned_in_the_loop", lambda n, k: (0.9, n, k), 0),
]


@pytest.mark.parametrize("name,make_args,wrt", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("n", [1, 2, 7, 40])
@pytest.mark.parametrize("snapshots", [0, 1, 3, 20])
def test_checkpointed_loops_give_the_plain_gradient(tmp_path, name, make_args, wrt, n, snapshots):
    plain, ck = modules(tmp_path)
    args = make_args(n, snapshots)
    expected = srcdiff.grad(getattr(plain, name), wrt=wrt)(*args)
    got = srcdiff.grad(getattr(ck, name), wrt=wrt)(*args)
    assert got == expected
    assert getattr(ck, name)(*args) == getattr(plain, name)(*args)


def test_checkpointed_loops_match_finite_differences_forward_and_second_order(tmp_path):
    _, ck = modules(tmp_path)
    srcdiff.check_grads(ck.rk2, (2.0, 0.3, 1.0, 0.5, 0.01, 8, 3), order=1)
    srcdiff.check_grads(ck.branches_and_inner_loops, (0.7, 1.3, 7, 2))
    rng = np.random.default_rng(0)
    W, h0 = rng.normal(size=(4, 4)) * 0.5, rng.normal(size=4)
    srcdiff.check_grads(ck.arrays, (W, h0, 5, 2))


def test_hessian_through_a_checkpointed_loop(tmp_path):
    plain, ck = modules(tmp_path)
    p = np.array([0.4, 0.8])

    def wrap(module):
        def f(p):
            return module.calls_a_helper(p[0], p[1], 12, 2)

        return f

    np.testing.assert_allclose(srcdiff.hessian(wrap(ck))(p), srcdiff.hessian(wrap(plain))(p), rtol=1e-12)


def test_value_and_forward_mode(tmp_path):
    plain, ck = modules(tmp_path)
    args = (2.0, 0.3, 1.0, 0.5, 0.01, 30, 4)
    assert srcdiff.value_and_grad(ck.rk2)(*args)[0] == plain.rk2(*args)
    tangents = (1.0, 0.5, 0.0, 0.0, 0.0, 0, 0)
    assert srcdiff.jvp(ck.rk2, args, tangents) == srcdiff.jvp(plain.rk2, args, tangents)


def test_the_adjoint_records_one_iteration_at_a_time(tmp_path):
    """Memory of the checkpointed gradient stays flat as the trip count grows 10x."""
    plain, ck = modules(tmp_path)

    def peak(f, n):
        g = srcdiff.grad(f, wrt=(0, 1))
        g(2.0, 0.3, 1.0, 0.5, 0.01, 10, 5)  # transform and compile outside the measurement
        tracemalloc.start()
        g(2.0, 0.3, 1.0, 0.5, 0.01, n, 5)
        used = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return used

    assert peak(plain.rk2, 10_000) > 5 * peak(plain.rk2, 1_000)
    assert peak(ck.rk2, 10_000) < 1.5 * peak(ck.rk2, 1_000)
    assert peak(ck.rk2, 10_000) * 20 < peak(plain.rk2, 10_000)


def test_generated_code_shows_the_schedule(tmp_path):
    _, ck = modules(tmp_path)
    g = srcdiff.grad(ck.rk2)
    g(2.0, 0.3, 1.0, 0.5, 0.01, 3, 2)
    text = srcdiff.source(g)
    assert "checkpoint_schedule(" in text
    assert text.count("_stack.append") > 0  # one iteration is recorded, just before its adjoint


# ---------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------

REFUSED = """
import numpy as np
import srcdiff


def breaks(x, n):
    for i in srcdiff.checkpointed(range(n)):
        if x > 10.0:
            break
        x = x * 2.0
    return x


def returns_early(x, n):
    for i in srcdiff.checkpointed(range(n)):
        if x > 10.0:
            return x
        x = x * 2.0
    return x


def writes_in_place(a, n):
    b = a * 1.0
    for i in srcdiff.checkpointed(range(n)):
        b[0] = b[0] * 2.0
    return np.sum(b)


def augments_an_array(a, n):
    b = a * 1.0
    for i in srcdiff.checkpointed(range(n)):
        b += a
    return np.sum(b)


def not_a_loop(x, n):
    r = srcdiff.checkpointed(range(n))
    for i in r:
        x = x * 2.0
    return x


def bad_arguments(x, n):
    for i in srcdiff.checkpointed(range(n), 3, 4):
        x = x * 2.0
    return x
"""


@pytest.mark.parametrize(
    "name,message",
    [
        ("breaks", "cannot `break` or `return` early"),
        ("returns_early", "cannot `break` or `return` early"),
        ("writes_in_place", "cannot change arrays or lists in place"),
        ("augments_an_array", "cannot change arrays or lists in place"),
        ("not_a_loop", "must be the loop's iterable"),
        ("bad_arguments", "takes the loop's iterable"),
    ],
)
def test_refusals_name_the_line(tmp_path, name, message):
    module = load_module(tmp_path, "refused_checkpoints", REFUSED)
    arg = np.ones(3) if name in ("writes_in_place", "augments_an_array") else 1.5
    with pytest.raises(srcdiff.SrcDiffError) as info:
        srcdiff.grad(getattr(module, name))(arg, 4)
    assert message in str(info.value)
    assert "refused_checkpoints.py:" in str(info.value)


RANDOM = '''
import random
import numpy as np
import srcdiff


def noisy(x, n):
    for i in srcdiff.checkpointed(range(n)):
        x = x * 0.9 + np.random.normal()
    return x


def noisy_generator(x, n, rng):
    for i in srcdiff.checkpointed(range(n)):
        x = x * 0.9 + rng.normal()
    return x


def jitter(x):
    return x + random.random()


def noisy_helper(x, n):
    for i in srcdiff.checkpointed(range(n)):
        x = jitter(x) * 0.9
    return x
'''


@pytest.mark.parametrize("name", ["noisy", "noisy_generator", "noisy_helper"])
def test_random_draws_in_a_checkpointed_loop_are_refused(tmp_path, name):
    """Iterations run again from snapshots: a draw would give other numbers the second time."""
    module = load_module(tmp_path, "random_checkpoints", RANDOM)
    args = (1.5, 4, np.random.default_rng(0)) if name == "noisy_generator" else (1.5, 4)
    with pytest.raises(srcdiff.SrcDiffError, match="cannot draw random numbers"):
        srcdiff.grad(getattr(module, name))(*args)
