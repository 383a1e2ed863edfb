"""PyTorch versions of the benchmark workloads, for the "torch" contender (eager autograd).

Each objective is the workload of ``workloads.py`` written the way a PyTorch user would write
it: ``torch`` operations on float64 tensors, ``torch.nn.functional`` where a PyTorch user would
reach for it, and plain Python loops over scalar operations in the scalar-loop workloads (those
loops are the point of those workloads: they measure a tape's per-operation overhead).

``make_grad(wl)`` returns a callable taking the workload's numpy arguments and returning the
gradient in the structure of ``wl.hand`` (floats, numpy arrays, dicts). For timing, the
callable carries ``timed``: a zero-argument function that, on tensors made once up front,
clears the previous gradients, evaluates the objective and calls ``loss.backward()``,
returning the ``.grad`` tensors (PyTorch is eager: they are computed when it returns).
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
import workloads as W

# ---------------------------------------------------------------------------
# Objectives
# ---------------------------------------------------------------------------


def scalar_loop(x, y, n):
    s = 0.0
    for i in range(n):
        s = s + torch.sin(x * i) * y
    return s


def newton_kepler(e, M, steps):
    E = torch.as_tensor(M, dtype=e.dtype)     # torch.sin takes tensors, not Python floats
    for _ in range(steps):
        g = E - e * torch.sin(E) - M
        h = 1.0 - e * torch.cos(E)
        E = E - g / h
    return E


def logreg(w, b, X, y):
    # binary_cross_entropy_with_logits is PyTorch's stable form of the mean log-loss
    return F.binary_cross_entropy_with_logits(X @ w + b, y)


def mlp(params, X, labels):
    h = torch.tanh(X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    return F.cross_entropy(logits, labels)


def rnn(params, xs, target):
    h = torch.zeros((xs.shape[1], params["Wh"].shape[0]), dtype=xs.dtype)
    for t in range(xs.shape[0]):
        h = torch.tanh(xs[t] @ params["Wx"] + h @ params["Wh"] + params["b"])
    out = h @ params["Wy"] + params["by"]
    return torch.mean((out - target) ** 2)


def gmm_objective(alphas, means, icf, x, wishart_gamma, wishart_m, lower_index):
    n, d = x.shape
    k = alphas.shape[0]
    logdiag = icf[:, :d]
    Qdiags = torch.exp(logdiag)
    sum_qs = torch.sum(logdiag, dim=1)
    lower = torch.cat([torch.zeros((k, 1), dtype=icf.dtype), icf[:, d:]], dim=1)
    Ls = lower[:, lower_index].reshape(k, d, d)
    xcentered = x[:, None, :] - means[None, :, :]                       # (n, k, d)
    Qx = Qdiags[None, :, :] * xcentered + torch.einsum("kij,nkj->nki", Ls, xcentered)
    inner = alphas + sum_qs - 0.5 * torch.sum(Qx ** 2, dim=2)          # (n, k)
    constant = -n * d * 0.5 * math.log(2 * math.pi)
    nw = d + wishart_m + 1
    C = nw * d * (math.log(wishart_gamma) - 0.5 * math.log(2)) - W.log_gamma_distrib(0.5 * nw, d)
    prior = torch.sum(0.5 * wishart_gamma ** 2 * (torch.sum(Qdiags ** 2, dim=1) + torch.sum(icf[:, d:] ** 2, dim=1))
                      - wishart_m * sum_qs) - k * C
    return constant + torch.sum(torch.logsumexp(inner, dim=1)) - n * torch.logsumexp(alphas, dim=0) + prior


def ba_objective(cams, X, obs, feats):
    c = cams[obs[:, 0]]
    P = X[obs[:, 1]]
    r0 = c[:, 0]
    r1 = c[:, 1]
    r2 = c[:, 2]
    px = P[:, 0] - c[:, 3]
    py = P[:, 1] - c[:, 4]
    pz = P[:, 2] - c[:, 5]
    theta = torch.sqrt(r0 * r0 + r1 * r1 + r2 * r2)
    costh = torch.cos(theta)
    sinth = torch.sin(theta)
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
    return torch.sum(ex * ex + ey * ey)


# workloads.ode_rk2 is plain arithmetic on its arguments: it runs on tensors as written.
OBJECTIVES = {f.__name__: f for f in (scalar_loop, newton_kepler, W.ode_rk2, logreg, mlp, rnn, gmm_objective,
                                      ba_objective)}


# ---------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------

def positions(wl):
    return wl.wrt if isinstance(wl.wrt, tuple) else (wl.wrt,)


def to_torch(value, differentiated):
    """numpy arrays (and dicts of them) become tensors; differentiated values become leaf tensors
    with ``requires_grad``, including scalars. Other Python scalars (loop counts, step sizes,
    constants) stay Python numbers, as a user would pass them."""
    if isinstance(value, dict):
        return {key: to_torch(v, differentiated) for key, v in value.items()}
    if differentiated:
        return torch.tensor(value, dtype=torch.float64, requires_grad=True)
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)      # float64 stays float64, integer indices stay int64
    return value


def convert_args(wl, args):
    wrt = positions(wl)
    return tuple(to_torch(a, i in wrt) for i, a in enumerate(args))


def _grads(value):
    """The ``.grad`` of a leaf tensor, or a dict of them, in the structure of the argument."""
    if isinstance(value, dict):
        return {key: _grads(v) for key, v in value.items()}
    return value.grad if value.grad is not None else torch.zeros_like(value)


def _leaves(value):
    return list(value.values()) if isinstance(value, dict) else [value]


def to_numpy(grad):
    """A gradient of tensors (tensor, tuple or dict) as numpy: 0-d tensors become floats."""
    if isinstance(grad, dict):
        return {key: to_numpy(v) for key, v in grad.items()}
    if isinstance(grad, tuple):
        return tuple(to_numpy(v) for v in grad)
    return grad.item() if grad.ndim == 0 else grad.detach().numpy().copy()


# ---------------------------------------------------------------------------
# Contender
# ---------------------------------------------------------------------------

def make_grad(wl):
    """Eager autograd: ``loss = f(...)``, ``loss.backward()``, read the ``.grad`` of the inputs."""
    f = OBJECTIVES[wl.f.__name__]
    wrt = positions(wl)

    def grad_on(targs):
        leaves = [leaf for i in wrt for leaf in _leaves(targs[i])]
        for leaf in leaves:
            leaf.grad = None          # as optimizer.zero_grad(): backward() accumulates into .grad
        f(*targs).backward()
        gs = tuple(_grads(targs[i]) for i in wrt)
        return gs if isinstance(wl.wrt, tuple) else gs[0]

    torch_args = convert_args(wl, wl.args)

    def grad(*args):
        return to_numpy(grad_on(convert_args(wl, args)))

    grad.timed = lambda: grad_on(torch_args)
    return grad
