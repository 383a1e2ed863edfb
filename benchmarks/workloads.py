"""Benchmark workloads: each a plain Python/numpy function and a hand-written gradient.

The functions are written the way a user would write them (loops, ``math`` calls,
numpy expressions). Every hand-written gradient is derived by hand and checked
against central finite differences (``python3 benchmarks/run.py --check`` and
``benchmarks/test_benchmarks.py``).

This module refers to numpy only through the global ``np`` and to ``math`` only
through the global ``math``, so ``run.py`` can load a second copy of it with
those globals bound to ``autograd.numpy`` (and a ``math`` shim) for autograd.
"""

import math

import numpy as np

import srcdiff


# ---------------------------------------------------------------------------
# 1. Scalar loop with math calls
# ---------------------------------------------------------------------------

def scalar_loop(x, y, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * i) * y
    return s


def scalar_loop_grad(x, y, n):
    """d/dx = sum_i cos(x i) i y,  d/dy = sum_i sin(x i)."""
    dx = 0.0
    dy = 0.0
    for i in range(n):
        xi = x * i
        dx += math.cos(xi) * i
        dy += math.sin(xi)
    return dx * y, dy


# ---------------------------------------------------------------------------
# 2. Newton iteration: Kepler's equation  g(E, e) = E - e sin E - M = 0
# ---------------------------------------------------------------------------

def newton_kepler(e, M, steps):
    """Eccentric anomaly E after ``steps`` Newton steps on E - e sin(E) - M = 0 (start E = M)."""
    E = M
    for _ in range(steps):
        g = E - e * math.sin(E) - M
        h = 1.0 - e * math.cos(E)
        E = E - g / h
    return E


def newton_kepler_grad(e, M, steps):
    """dE_final/de through the unrolled iteration (exact, forward tangent carried along).

    g = E - e sinE - M, h = 1 - e cosE, E' = E - g/h
    dg = h dE - sinE,  dh = -cosE + e sinE dE,  dE' = dE - (dg h - g dh) / h^2
    """
    E = M
    dE = 0.0
    for _ in range(steps):
        s = math.sin(E)
        c = math.cos(E)
        g = E - e * s - M
        h = 1.0 - e * c
        dg = h * dE - s
        dh = -c + e * s * dE
        E = E - g / h
        dE = dE - (dg * h - g * dh) / (h * h)
    return dE


# ---------------------------------------------------------------------------
# 3. Explicit ODE integrator: RK2 (midpoint) on x'' = -k x - c x'
# ---------------------------------------------------------------------------

def ode_rk2(k, c, x0, v0, dt, n):
    x = x0
    v = v0
    for _ in range(n):
        a1 = -k * x - c * v
        xm = x + 0.5 * dt * v
        vm = v + 0.5 * dt * a1
        a2 = -k * xm - c * vm
        x = x + dt * vm
        v = v + dt * a2
    return x * x + 0.5 * v * v


def ode_rk2_checkpointed(k, c, x0, v0, dt, n):
    """``ode_rk2`` with its loop checkpointed: srcdiff's gradient keeps 20 snapshots of (x, v)
    instead of what every step overwrites, and runs steps again from them."""
    x = x0
    v = v0
    for _ in srcdiff.checkpointed(range(n), snapshots=20):
        a1 = -k * x - c * v
        xm = x + 0.5 * dt * v
        vm = v + 0.5 * dt * a1
        a2 = -k * xm - c * vm
        x = x + dt * vm
        v = v + dt * a2
    return x * x + 0.5 * v * v


def ode_rk2_grad(k, c, x0, v0, dt, n):
    """(dL/dk, dL/dc), forward tangents in the two directions k and c (O(1) memory)."""
    x = x0
    v = v0
    xk = vk = xc = vc = 0.0          # dx/dk, dv/dk, dx/dc, dv/dc
    h2 = 0.5 * dt
    for _ in range(n):
        a1 = -k * x - c * v
        a1k = -x - k * xk - c * vk
        a1c = -k * xc - v - c * vc
        xm = x + h2 * v
        xmk = xk + h2 * vk
        xmc = xc + h2 * vc
        vm = v + h2 * a1
        vmk = vk + h2 * a1k
        vmc = vc + h2 * a1c
        a2 = -k * xm - c * vm
        a2k = -xm - k * xmk - c * vmk
        a2c = -k * xmc - vm - c * vmc
        x = x + dt * vm
        xk = xk + dt * vmk
        xc = xc + dt * vmc
        v = v + dt * a2
        vk = vk + dt * a2k
        vc = vc + dt * a2c
    return 2.0 * x * xk + v * vk, 2.0 * x * xc + v * vc


def ode_rk2_grad_reverse(k, c, x0, v0, dt, n):
    """The same gradient by a hand-written reverse sweep storing the trajectory (O(n) memory).

    Used only in the memory comparison, as the like-for-like reverse-mode floor.
    """
    xs = [0.0] * n
    vs = [0.0] * n
    x = x0
    v = v0
    for i in range(n):
        xs[i] = x
        vs[i] = v
        a1 = -k * x - c * v
        xm = x + 0.5 * dt * v
        vm = v + 0.5 * dt * a1
        a2 = -k * xm - c * vm
        x = x + dt * vm
        v = v + dt * a2
    gx = 2.0 * x
    gv = v
    gk = 0.0
    gc = 0.0
    h2 = 0.5 * dt
    for i in range(n - 1, -1, -1):
        x = xs[i]
        v = vs[i]
        a1 = -k * x - c * v
        xm = x + h2 * v
        vm = v + h2 * a1
        # x' = x + dt vm, v' = v + dt a2, a2 = -k xm - c vm
        ga2 = dt * gv
        gvm = dt * gx - c * ga2
        gxm = -k * ga2
        gk -= xm * ga2
        gc -= vm * ga2
        # vm = v + h2 a1, xm = x + h2 v
        ga1 = h2 * gvm
        nx = gx + gxm
        nv = gv + gvm + h2 * gxm
        # a1 = -k x - c v
        gk -= x * ga1
        gc -= v * ga1
        gx = nx - k * ga1
        gv = nv - c * ga1
    return gk, gc


# ---------------------------------------------------------------------------
# 4. Logistic regression, mean log-loss
# ---------------------------------------------------------------------------

def logreg(w, b, X, y):
    z = X @ w + b
    per_example = y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)
    return np.mean(per_example)


def logreg_grad(w, b, X, y):
    z = X @ w + b
    dz = (1.0 / (1.0 + np.exp(-z)) - y) / z.shape[0]
    return X.T @ dz, float(np.sum(dz))


# ---------------------------------------------------------------------------
# 5. MLP 784-256-10, tanh, softmax cross-entropy
# ---------------------------------------------------------------------------

def mlp(params, X, labels):
    h = np.tanh(X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(labels.shape[0]), labels])


def mlp_grad(params, X, labels):
    B = X.shape[0]
    h = np.tanh(X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    dlogits = e / e.sum(axis=1, keepdims=True)
    dlogits[np.arange(B), labels] -= 1.0
    dlogits /= B
    dh = dlogits @ params["W2"].T
    da = dh * (1.0 - h * h)
    return {"W1": X.T @ da, "b1": da.sum(axis=0),
            "W2": h.T @ dlogits, "b2": dlogits.sum(axis=0)}


# ---------------------------------------------------------------------------
# 6. RNN, tanh cell, loss on the final state
# ---------------------------------------------------------------------------

def rnn(params, xs, target):
    """xs: (T, batch, input); h: (batch, hidden); squared error of a readout of the last state."""
    h = np.zeros((xs.shape[1], params["Wh"].shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ params["Wx"] + h @ params["Wh"] + params["b"])
    out = h @ params["Wy"] + params["by"]
    return np.mean((out - target) ** 2)


def rnn_grad(params, xs, target):
    Wx, Wh = params["Wx"], params["Wh"]
    T, B = xs.shape[0], xs.shape[1]
    hs = [np.zeros((B, Wh.shape[0]))]
    for t in range(T):
        hs.append(np.tanh(xs[t] @ Wx + hs[-1] @ Wh + params["b"]))
    h = hs[-1]
    out = h @ params["Wy"] + params["by"]
    dout = 2.0 * (out - target) / out.size
    g = {"Wy": h.T @ dout, "by": dout.sum(axis=0)}
    dh = dout @ params["Wy"].T
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(params["b"])
    for t in range(T - 1, -1, -1):
        da = dh * (1.0 - hs[t + 1] ** 2)
        dWx += xs[t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dh = da @ Wh.T
    g["Wx"] = dWx
    g["Wh"] = dWh
    g["b"] = db
    return g


# ---------------------------------------------------------------------------
# 7. GMM negative log-likelihood as in ADBench (with the Wishart prior)
# ---------------------------------------------------------------------------
# icf[k] = [log diag of Q_k (d entries), strictly-lower entries of Q_k column by column].
# Q_k = diag(exp(icf[k, :d])) + L_k.  Following ADBench's objective:
#   f = -n d/2 log(2 pi) + sum_i logsumexp_k(alpha_k + sum(logdiag_k) - 1/2 |Q_k (x_i - mu_k)|^2)
#       - n logsumexp(alpha) + sum_k [gamma^2/2 (|exp(logdiag_k)|^2 + |L_k|^2) - m sum(logdiag_k)] - k C(d, m, gamma)

def gmm_lower_index(d):
    """(d*d,) indices into [0, icf[d:]...] laying out the strictly-lower part column by column."""
    rows, cols = np.triu_indices(d, 1)      # (i < j) in row-major order = lower (j, i) by column i
    T = np.zeros((d, d), dtype=np.intp)
    T[cols, rows] = 1 + np.arange(rows.shape[0])
    return T.ravel()


def log_gamma_distrib(a, p):
    out = 0.25 * p * (p - 1) * math.log(math.pi)
    for j in range(1, p + 1):
        out = out + math.lgamma(a + 0.5 * (1 - j))
    return out


def gmm_objective(alphas, means, icf, x, wishart_gamma, wishart_m, lower_index):
    n = x.shape[0]
    d = x.shape[1]
    k = alphas.shape[0]
    logdiag = icf[:, :d]
    Qdiags = np.exp(logdiag)
    sum_qs = np.sum(logdiag, axis=1)
    lower = np.concatenate([np.zeros((k, 1)), icf[:, d:]], axis=1)
    Ls = np.reshape(lower[:, lower_index], (k, d, d))
    xcentered = x[:, None, :] - means[None, :, :]                       # (n, k, d)
    Qx = Qdiags[None, :, :] * xcentered + np.einsum("kij,nkj->nki", Ls, xcentered)
    inner = alphas + sum_qs - 0.5 * np.sum(Qx ** 2, axis=2)            # (n, k)
    mx = np.max(inner, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(inner - mx), axis=1)) + mx[:, 0]
    amax = np.max(alphas)
    lse_alphas = np.log(np.sum(np.exp(alphas - amax))) + amax
    constant = -n * d * 0.5 * math.log(2 * math.pi)
    nw = d + wishart_m + 1
    C = nw * d * (math.log(wishart_gamma) - 0.5 * math.log(2)) - log_gamma_distrib(0.5 * nw, d)
    prior = np.sum(0.5 * wishart_gamma * wishart_gamma
                   * (np.sum(Qdiags ** 2, axis=1) + np.sum(icf[:, d:] ** 2, axis=1))
                   - wishart_m * sum_qs) - k * C
    return constant + np.sum(lse) - n * lse_alphas + prior


def gmm_objective_grad(alphas, means, icf, x, wishart_gamma, wishart_m, lower_index):
    n, d = x.shape
    k = alphas.shape[0]
    logdiag = icf[:, :d]
    Qdiags = np.exp(logdiag)
    sum_qs = logdiag.sum(axis=1)
    lower = np.concatenate([np.zeros((k, 1)), icf[:, d:]], axis=1)
    Ls = lower[:, lower_index].reshape(k, d, d)
    xc = x[:, None, :] - means[None, :, :]
    Qx = Qdiags * xc + np.einsum("kij,nkj->nki", Ls, xc)
    inner = alphas + sum_qs - 0.5 * np.einsum("nki,nki->nk", Qx, Qx)
    r = np.exp(inner - inner.max(axis=1, keepdims=True))
    r /= r.sum(axis=1, keepdims=True)                                    # responsibilities (n, k)
    rsum = r.sum(axis=0)
    pa = np.exp(alphas - alphas.max())
    dalphas = rsum - n * pa / pa.sum()
    dQx = -r[:, :, None] * Qx                                            # (n, k, d)
    g2 = wishart_gamma * wishart_gamma
    dicf = np.empty_like(icf)
    dicf[:, :d] = (rsum[:, None] + np.einsum("nki,nki->ki", dQx, xc) * Qdiags
                   + g2 * Qdiags * Qdiags - wishart_m)
    dL = np.einsum("nki,nkj->kij", dQx, xc)
    rows, cols = np.triu_indices(d, 1)
    dicf[:, d:] = dL[:, cols, rows] + g2 * icf[:, d:]
    dxc = Qdiags * dQx + np.einsum("kij,nki->nkj", Ls, dQx)
    return dalphas, -dxc.sum(axis=0), dicf


# ---------------------------------------------------------------------------
# 8. Bundle adjustment reprojection error as in ADBench
# ---------------------------------------------------------------------------
# cam = [rotation (Rodrigues angle-axis) 0:3, center 3:6, focal 6, principal point 7:9, radial 9:11]
# Vectorized over observations (obs[j] = (camera index, point index)); all weights 1.
# ADBench's branch for a zero rotation (theta == 0) is left out: rotations here are never zero.

def ba_objective(cams, X, obs, feats):
    c = cams[obs[:, 0]]
    P = X[obs[:, 1]]
    r0 = c[:, 0]
    r1 = c[:, 1]
    r2 = c[:, 2]
    px = P[:, 0] - c[:, 3]
    py = P[:, 1] - c[:, 4]
    pz = P[:, 2] - c[:, 5]
    theta = np.sqrt(r0 * r0 + r1 * r1 + r2 * r2)
    costh = np.cos(theta)
    sinth = np.sin(theta)
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
    return np.sum(ex * ex + ey * ey)


def _scatter_rows(index, rows, length):
    """sum of rows (p, m) into (length, m) by index, one bincount per column."""
    return np.stack([np.bincount(index, weights=col, minlength=length) for col in rows.T], axis=1)


def ba_objective_grad(cams, X, obs, feats):
    ci = obs[:, 0]
    pi = obs[:, 1]
    c = cams[ci]
    P = X[pi]
    r = c[:, 0:3]
    p = P - c[:, 3:6]
    f, k1, k2 = c[:, 6], c[:, 9], c[:, 10]
    theta = np.sqrt(np.einsum("ij,ij->i", r, r))
    ct = np.cos(theta)
    st = np.sin(theta)
    w = r / theta[:, None]
    cross = np.cross(w, p)
    dotwp = np.einsum("ij,ij->i", w, p)
    tmp = dotwp * (1.0 - ct)
    R = p * ct[:, None] + cross * st[:, None] + w * tmp[:, None]
    u = R[:, 0] / R[:, 2]
    v = R[:, 1] / R[:, 2]
    rsq = u * u + v * v
    L = 1.0 + k1 * rsq + k2 * rsq * rsq
    ex = u * L * f + c[:, 7] - feats[:, 0]
    ey = v * L * f + c[:, 8] - feats[:, 1]
    # reverse sweep
    gex = 2.0 * ex
    gey = 2.0 * ey
    gc = np.empty_like(c)
    gc[:, 7] = gex
    gc[:, 8] = gey
    gc[:, 6] = (gex * u + gey * v) * L
    gu = gex * L * f
    gv = gey * L * f
    gL = f * (gex * u + gey * v)
    gc[:, 9] = gL * rsq
    gc[:, 10] = gL * rsq * rsq
    grsq = gL * (k1 + 2.0 * k2 * rsq)
    gu = gu + 2.0 * u * grsq
    gv = gv + 2.0 * v * grsq
    gR = np.stack([gu / R[:, 2], gv / R[:, 2], -(gu * u + gv * v) / R[:, 2]], axis=1)
    gp = gR * ct[:, None]
    gct = np.einsum("ij,ij->i", gR, p)
    gcross = gR * st[:, None]
    gst = np.einsum("ij,ij->i", gR, cross)
    gw = gR * tmp[:, None]
    gtmp = np.einsum("ij,ij->i", gR, w)
    gdot = gtmp * (1.0 - ct)
    gct = gct - gtmp * dotwp
    gw = gw + gdot[:, None] * p + np.cross(p, gcross)
    gp = gp + gdot[:, None] * w + np.cross(gcross, w)
    gtheta = -st * gct + ct * gst
    ginv = np.einsum("ij,ij->i", gw, r)
    gtheta = gtheta - ginv / (theta * theta)
    gr = gw / theta[:, None] + r * (gtheta / theta)[:, None]
    gc[:, 0:3] = gr
    gc[:, 3:6] = -gp
    return _scatter_rows(ci, gc, cams.shape[0]), _scatter_rows(pi, gp, X.shape[0])


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

def make_gmm(d, k, n, seed=0):
    rng = np.random.default_rng(seed)
    alphas = rng.normal(size=k)
    means = rng.uniform(size=(k, d))
    icf = rng.normal(scale=0.5, size=(k, d + d * (d - 1) // 2))
    x = rng.normal(size=(n, d))
    return alphas, means, icf, x, 1.0, 0, gmm_lower_index(d)


def make_ba(n_cams, n_pts, n_obs, seed=0):
    """Synthetic scene like ADBench's generator: cameras looking at points in front of them."""
    rng = np.random.default_rng(seed)
    cams = np.empty((n_cams, 11))
    cams[:, 0:3] = rng.uniform(-0.3, 0.3, size=(n_cams, 3))
    cams[:, 3:6] = rng.uniform(-1.0, 1.0, size=(n_cams, 3)) + np.array([0.0, 0.0, -10.0])
    cams[:, 6] = rng.uniform(400.0, 600.0, size=n_cams)
    cams[:, 7:9] = rng.uniform(-5.0, 5.0, size=(n_cams, 2))
    cams[:, 9:11] = rng.uniform(-1e-2, 1e-2, size=(n_cams, 2))
    X = rng.uniform(-2.0, 2.0, size=(n_pts, 3))
    cam_idx = rng.integers(0, n_cams, size=n_obs)
    pt_idx = np.concatenate([np.arange(n_pts), rng.integers(0, n_pts, size=max(0, n_obs - n_pts))])[:n_obs]
    obs = np.stack([cam_idx, pt_idx], axis=1)
    feats = rng.normal(scale=50.0, size=(n_obs, 2))
    return cams, X, obs, feats


def make_mlp(n_in, n_hidden, n_out, batch, seed=0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(scale=1 / np.sqrt(n_in), size=(n_in, n_hidden)),
              "b1": rng.normal(scale=0.1, size=n_hidden),
              "W2": rng.normal(scale=1 / np.sqrt(n_hidden), size=(n_hidden, n_out)),
              "b2": rng.normal(scale=0.1, size=n_out)}
    X = rng.normal(size=(batch, n_in))
    labels = rng.integers(0, n_out, size=batch)
    return params, X, labels


def make_rnn(n_in, hidden, steps, batch, n_out=4, seed=0):
    rng = np.random.default_rng(seed)
    params = {"Wx": rng.normal(scale=1 / np.sqrt(n_in), size=(n_in, hidden)),
              "Wh": rng.normal(scale=0.9 / np.sqrt(hidden), size=(hidden, hidden)),
              "b": rng.normal(scale=0.1, size=hidden),
              "Wy": rng.normal(scale=1 / np.sqrt(hidden), size=(hidden, n_out)),
              "by": rng.normal(scale=0.1, size=n_out)}
    xs = rng.normal(size=(steps, batch, n_in))
    target = rng.normal(size=(batch, n_out))
    return params, xs, target


def make_logreg(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) + 0.5 * rng.normal(size=n) > 0).astype(float)
    return rng.normal(scale=0.1, size=d), 0.1, X, y


# ---------------------------------------------------------------------------
# A 50-line scalar function (loops, branches, lists, helpers' worth of math): transform time only
# ---------------------------------------------------------------------------

def fifty_lines(x, y, w, n):
    total = 0.0
    a = x * y + math.sin(x)
    b = math.exp(-a * a) + y
    for i in range(n):
        t = a * i + b
        if t > 1.0:
            total = total + math.log(t) * w
        else:
            total = total - t * t * w
        a = a * 0.99 + 0.01 * math.cos(t)
    k = 0
    while k < 3:
        b = b * 0.5 + math.tanh(total)
        k += 1
    c = math.hypot(a, b)
    d = c ** 2 + a * b
    e = math.sqrt(d + 1.0)
    f = e / (1.0 + c)
    g = f * f - e
    h = g + math.atan2(a, b + 2.0)
    values = [a, b, c, d]
    s = 0.0
    for j, v in enumerate(values):
        s = s + v * (j + 1)
    for v, u in zip(values, values[1:]):
        s = s + v * u
    m = max(a, b)
    q = min(c, d)
    r = abs(m - q)
    z = r * s + h
    z = z + (x if x > y else y)
    z = z * w
    acc = z
    for i in range(4):
        acc = acc * 0.9 + math.sin(acc + i)
    out = acc + total
    out = out + e * f
    out = out - g * h
    p = out * out
    p = p / (1.0 + p)
    p = p + math.log1p(p)
    p = p * (1.0 + x)
    p = p + s
    p = p - r
    return p + z
