"""Fast checks of the benchmark workloads (tiny sizes): every hand-written gradient and
srcdiff's agree with central finite differences, and with each other. No timings."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run  # noqa: E402

import srcdiff  # noqa: E402

import users_form  # noqa: E402

_BASE = run.make_workloads("test")
WORKLOADS = _BASE + [users_form.users_form(wl) for wl in _BASE]  # (and each with its data in globals)
IDS = [f"{wl.name}, {wl.size}, {'args' if k < len(_BASE) else 'globals'}" for k, wl in enumerate(WORKLOADS)]


@pytest.mark.parametrize("wl", WORKLOADS, ids=IDS)
def test_hand_written_gradient_matches_finite_differences(wl):
    err, pairs = run.fd_check(wl, wl.hand)
    assert err < 1e-5, pairs


@pytest.mark.parametrize("wl", WORKLOADS, ids=IDS)
def test_srcdiff_gradient_matches_finite_differences_and_hand(wl):
    df = srcdiff.grad(wl.f, wrt=wl.wrt)
    err, pairs = run.fd_check(wl, df)
    assert err < 1e-5, pairs
    assert run.grad_close(df(*wl.args), wl.hand(*wl.args)) < 1e-8


def test_ode_reverse_hand_gradient_matches_forward():
    args = (2.0, 0.3, 1.0, 0.0, 0.01, 37)
    fwd = run.W.ode_rk2_grad(*args)
    rev = run.W.ode_rk2_grad_reverse(*args)
    assert run.grad_close(rev, fwd) < 1e-12


def test_autograd_versions_if_installed():
    pytest.importorskip("autograd")
    make = dict(run.peers()[0])["autograd"]
    for wl in _BASE:  # (the peers' versions take the data as arguments)
        assert run.grad_close(make(wl)(*wl.args), wl.hand(*wl.args)) < 1e-8, wl.name


def _peer_makers(module_name):
    """{contender name: make_grad} of benchmarks/peers_<library>.py; skips if the library is missing."""
    pytest.importorskip(module_name)
    if module_name == "jax":
        import peers_jax
        return {"jax": peers_jax.make_grad, "jax jit": peers_jax.make_jit_grad}
    import peers_torch
    return {"torch": peers_torch.make_grad}


@pytest.mark.parametrize("library", ["jax", "torch"])
@pytest.mark.parametrize("wl", _BASE, ids=IDS[: len(_BASE)])
def test_jax_and_torch_versions_if_installed(wl, library):
    for name, make in _peer_makers(library).items():
        g = make(wl)
        assert run.grad_close(g(*wl.args), wl.hand(*wl.args)) < 1e-8, name
        g.timed()       # the call that is timed runs on the pre-converted inputs


def test_run_lists_jax_and_torch_if_installed():
    names = [name for name, _ in run.peers()[0]]
    for library, expected in (("jax", ["jax", "jax jit"]), ("torch", ["torch"])):
        try:
            __import__(library)
        except ImportError:
            assert not set(expected) & set(names)
        else:
            assert set(expected) <= set(names)


def test_checkpointed_ode_gives_the_plain_gradient():
    args = (2.0, 0.3, 1.0, 0.0, 0.01, 250)
    plain = srcdiff.grad(run.W.ode_rk2, wrt=(0, 1))(*args)
    assert srcdiff.grad(run.W.ode_rk2_checkpointed, wrt=(0, 1))(*args) == plain
