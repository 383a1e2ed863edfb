"""JAX versions of the benchmark workloads, for the "jax" (eager) and "jax jit" contenders.

Each objective is the workload of ``workloads.py`` written the way a JAX user would write it:
``jax.numpy`` operations, ``jax.nn`` helpers (log_softmax, logsumexp) where a JAX user would reach for
them, and plain Python loops over scalar operations in the scalar-loop workloads (those loops
are the point of those workloads: they measure a tracer's per-operation overhead).

``make_grad(wl)`` and ``make_jit_grad(wl)`` return a callable taking the workload's numpy
arguments and returning the gradient in the structure of ``wl.hand`` (floats, numpy arrays,
dicts). For timing, the callable carries ``timed``: a zero-argument function computing the
gradient on inputs converted to JAX arrays once, up front, and waiting for the result
(``jax.block_until_ready``) without converting it back to numpy.
"""

import math
import time

import jax
import jax.numpy as jnp
import numpy as np
import workloads as W

# The workloads and their hand-written gradients are float64; JAX defaults to float32.
jax.config.update("jax_enable_x64", True)


# ---------------------------------------------------------------------------
# Objectives
# ---------------------------------------------------------------------------

def scalar_loop(x, y, n):
    s = 0.0
    for i in range(n):
        s = s + jnp.sin(x * i) * y
    return s


def newton_kepler(e, M, steps):
    E = M
    for _ in range(steps):
        g = E - e * jnp.sin(E) - M
        h = 1.0 - e * jnp.cos(E)
        E = E - g / h
    return E


def logreg(w, b, X, y):
    z = X @ w + b
    return jnp.mean(y * jnp.logaddexp(0.0, -z) + (1.0 - y) * jnp.logaddexp(0.0, z))


def mlp(params, X, labels):
    h = jnp.tanh(X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    log_probs = jax.nn.log_softmax(logits, axis=1)
    return -jnp.mean(jnp.take_along_axis(log_probs, labels[:, None], axis=1))


def rnn(params, xs, target):
    h = jnp.zeros((xs.shape[1], params["Wh"].shape[0]))
    for t in range(xs.shape[0]):
        h = jnp.tanh(xs[t] @ params["Wx"] + h @ params["Wh"] + params["b"])
    out = h @ params["Wy"] + params["by"]
    return jnp.mean((out - target) ** 2)


def gmm_objective(alphas, means, icf, x, wishart_gamma, wishart_m, lower_index):
    n, d = x.shape
    k = alphas.shape[0]
    logdiag = icf[:, :d]
    Qdiags = jnp.exp(logdiag)
    sum_qs = jnp.sum(logdiag, axis=1)
    lower = jnp.concatenate([jnp.zeros((k, 1)), icf[:, d:]], axis=1)
    Ls = lower[:, lower_index].reshape(k, d, d)
    xcentered = x[:, None, :] - means[None, :, :]                       # (n, k, d)
    Qx = Qdiags[None, :, :] * xcentered + jnp.einsum("kij,nkj->nki", Ls, xcentered)
    inner = alphas + sum_qs - 0.5 * jnp.sum(Qx ** 2, axis=2)           # (n, k)
    constant = -n * d * 0.5 * math.log(2 * math.pi)
    nw = d + wishart_m + 1
    C = nw * d * (math.log(wishart_gamma) - 0.5 * math.log(2)) - W.log_gamma_distrib(0.5 * nw, d)
    prior = jnp.sum(0.5 * wishart_gamma ** 2 * (jnp.sum(Qdiags ** 2, axis=1) + jnp.sum(icf[:, d:] ** 2, axis=1))
                    - wishart_m * sum_qs) - k * C
    return constant + jnp.sum(jax.nn.logsumexp(inner, axis=1)) - n * jax.nn.logsumexp(alphas) + prior


def ba_objective(cams, X, obs, feats):
    c = cams[obs[:, 0]]
    P = X[obs[:, 1]]
    r0 = c[:, 0]
    r1 = c[:, 1]
    r2 = c[:, 2]
    px = P[:, 0] - c[:, 3]
    py = P[:, 1] - c[:, 4]
    pz = P[:, 2] - c[:, 5]
    theta = jnp.sqrt(r0 * r0 + r1 * r1 + r2 * r2)
    costh = jnp.cos(theta)
    sinth = jnp.sin(theta)
    wx = r0 / theta
    wy = r1 / theta
    wz = r2 / theta
    tmp = (wx * px + wy * py + wz * pz) * (1.0 - costh)
    Rx = px * costh + (wy * pz - wz * py) * sinth + wx * tmp
    Ry = py * costh + (wz * px - wx * pz) * sinth + wy * tmp
    Rz = pz * costh + (wx * py - wy * px) * sinth + wz * tmp
    u = Rx / Rz
    v = Ry / Rz
    rsq = u * u + v * v
    L = 1.0 + c[:, 9] * rsq + c[:, 10] * rsq * rsq
    ex = u * L * c[:, 6] + c[:, 7] - feats[:, 0]
    ey = v * L * c[:, 6] + c[:, 8] - feats[:, 1]
    return jnp.sum(ex * ex + ey * ey)


# workloads.ode_rk2 is plain arithmetic on its arguments: it runs on JAX arrays as written.
OBJECTIVES = {f.__name__: f for f in (scalar_loop, newton_kepler, W.ode_rk2, logreg, mlp, rnn, gmm_objective,
                                      ba_objective)}


# ---------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------

def positions(wl):
    return wl.wrt if isinstance(wl.wrt, tuple) else (wl.wrt,)


def to_jax(value, differentiated):
    """numpy arrays (and dicts of them) become JAX arrays; so do the scalars being differentiated.

    Other Python scalars (loop counts, step sizes, constants) stay Python numbers, as a user
    would pass them; under ``jax.jit`` they are static arguments.
    """
    if isinstance(value, dict):
        return {key: to_jax(v, differentiated) for key, v in value.items()}
    if isinstance(value, np.ndarray):
        return jnp.asarray(value)
    if differentiated:
        return jnp.asarray(value, dtype=jnp.float64)
    return value


def convert_args(wl, args):
    wrt = positions(wl)
    return tuple(to_jax(a, i in wrt) for i, a in enumerate(args))


def to_numpy(grad):
    """A JAX gradient (array, tuple or dict of arrays) as numpy: 0-d arrays become floats."""
    def leaf(a):
        a = np.asarray(a)
        return float(a) if a.ndim == 0 else a
    return jax.tree_util.tree_map(leaf, grad)


def static_positions(wl):
    """Positions of the Python-scalar arguments not differentiated: static under jax.jit."""
    wrt = positions(wl)
    return tuple(i for i, a in enumerate(wl.args) if i not in wrt and isinstance(a, (int, float)))


# ---------------------------------------------------------------------------
# Contenders
# ---------------------------------------------------------------------------

def _contender(wl, grad_fn):
    """Wrap a JAX gradient function: numpy in, numpy out; ``timed`` on pre-converted inputs."""
    jax_args = convert_args(wl, wl.args)

    def grad(*args):
        return to_numpy(grad_fn(*convert_args(wl, args)))

    def timed():
        return jax.block_until_ready(grad_fn(*jax_args))

    grad.timed = timed
    return grad


def make_grad(wl):
    """Eager ``jax.grad`` (no jit): every call traces the Python function and dispatches op by op."""
    return _contender(wl, jax.grad(OBJECTIVES[wl.f.__name__], argnums=wl.wrt))


def make_jit_grad(wl):
    """``jax.jit(jax.grad(f))`` with the loop counts and other Python scalars static.

    The first call traces and compiles; it is made here, and ``compile_time`` on the returned
    callable is that first call minus the best of three later calls.
    """
    grad_fn = jax.jit(jax.grad(OBJECTIVES[wl.f.__name__], argnums=wl.wrt), static_argnums=static_positions(wl))
    g = _contender(wl, grad_fn)
    start = time.perf_counter()
    g.timed()
    first = time.perf_counter() - start
    later = []
    for _ in range(3):
        start = time.perf_counter()
        g.timed()
        later.append(time.perf_counter() - start)
    g.compile_time = first - min(later)
    return g
