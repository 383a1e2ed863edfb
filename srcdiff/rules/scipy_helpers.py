"""Adjoint helpers of the scipy rules (:mod:`srcdiff.rules.scipy_module`) that are not one
expression.  They are plain numpy, so srcdiff differentiates them from their source for second
derivatives; the one that calls scipy (:func:`multipolygamma`) has a rule of its own.

None of them imports scipy: :func:`multipolygamma` reads ``scipy.special`` from ``SPECIAL``,
which the scipy rules fill when they are defined.

>>> round(float(logsumexp_weights(np.log(np.array([1.0, 3.0])), None, np.log(4.0), None, False, False)[1]), 12)
0.75
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..runtime import unbroadcast
from .array_helpers import expand
from .table import helpers_of, not_supported

#: ``scipy.special``, once the scipy rules are loaded (``SPECIAL["module"]``).
SPECIAL: dict[str, Any] = {}


def multipolygamma(n: int, a: Any, d: int) -> Any:
    """The ``n``-th derivative of ``scipy.special.multigammaln(a, d)`` in ``a``, ``n >= 1``:
    ``sum_j polygamma(n - 1, a - j / 2)`` over ``j < d`` (``n = 1``: the sum of digammas).

    >>> import scipy.special; SPECIAL["module"] = scipy.special
    >>> round(float(multipolygamma(1, 3.0, 1)), 12) == round(float(scipy.special.digamma(3.0)), 12)
    True
    """
    special = SPECIAL["module"]
    total = 0.0
    for j in range(int(d)):
        total = total + special.polygamma(n - 1, a - 0.5 * j)
    return total


def logsumexp_weights(a: Any, b: Any, out: Any, axis: Any, keepdims: bool, wrt_b: bool) -> Any:
    """The partials of ``out = logsumexp(a, axis, b, keepdims)``: ``b * exp(a - out)`` in ``a``,
    ``exp(a - out)`` in ``b``, shaped like ``a`` and ``b`` broadcast together."""
    shape = np.shape(a) if b is None else np.broadcast_shapes(np.shape(a), np.shape(b))
    spread = expand(out, np.zeros(shape), axis, keepdims)
    weights = np.exp(a - spread)
    if b is None or wrt_b:
        return weights
    return weights * b


def logsumexp_adjoint(g: Any, a: Any, b: Any, out: Any, axis: Any, keepdims: bool, wrt_b: bool) -> Any:
    """The adjoint of ``logsumexp`` in ``a`` (in ``b`` if ``wrt_b``), summed back to its shape."""
    weights = logsumexp_weights(a, b, out, axis, keepdims, wrt_b)
    return unbroadcast(expand(g, weights, axis, keepdims) * weights, b if wrt_b else a)


def logsumexp_tangent(t: Any, a: Any, b: Any, out: Any, axis: Any, keepdims: bool, wrt_b: bool) -> Any:
    """Forward mode of ``logsumexp``: the tangent of ``a`` (or ``b``) weighted and summed."""
    weights = logsumexp_weights(a, b, out, axis, keepdims, wrt_b)
    return np.sum(weights * t, axis=axis, keepdims=keepdims)


def mvn_partials(x: Any, mean: Any, cov: Any, allow_singular: bool, wrt: str) -> Any:
    """The partials of ``scipy.stats.multivariate_normal.logpdf(x, mean, cov)`` at each point of
    ``x`` in ``wrt`` (``"x"``: in that point; ``"mean"``, ``"cov"``): one row per point.

    As scipy, ``cov`` is read from its lower triangle only (its upper triangle has no effect) and
    a 1-D ``x`` is one point (of ``mean``'s dimension; a column of points in one dimension).

    >>> mvn_partials(np.array([1.0, 2.0]), None, np.eye(2) * 2.0, False, "x")
    array([[-0.5, -1. ]])
    """
    if allow_singular:
        raise not_supported("multivariate_normal with allow_singular=True", "use allow_singular=False")
    if np.ndim(cov) not in (0, 2):
        raise not_supported("multivariate_normal with a 1-D cov", "pass the covariance matrix (np.diag(cov))")
    centered = _centered(x, mean, cov)
    dim = np.shape(centered)[-1]
    lower = np.tril(cov) + np.swapaxes(np.tril(cov, -1), -1, -2) if np.ndim(cov) == 2 else cov * np.eye(dim)
    precision = np.linalg.inv(lower)
    scaled = centered @ precision  # (the precision is symmetric)
    if wrt == "x":
        return -scaled
    if wrt == "mean":
        return scaled
    half = 0.5 * (scaled[:, :, None] * scaled[:, None, :] - precision)  # d/d(the symmetric matrix)
    if np.ndim(cov) == 0:
        return np.sum(half * np.eye(dim), axis=(-2, -1))
    # an element below the diagonal stands for both of its places in the symmetric matrix
    return np.tril(half) + np.tril(half, -1)


def _centered(x: Any, mean: Any, cov: Any) -> Any:
    """``x - mean`` as scipy reads ``x``: one row per point."""
    dim = np.size(mean) if mean is not None else np.shape(cov)[0] if np.ndim(cov) == 2 else 1
    points = np.reshape(x, (-1, 1) if np.ndim(x) <= 1 and dim == 1 else (-1, dim))
    return points if mean is None else points - np.reshape(mean, (dim,))


def mvn_shape(x: Any, mean: Any, cov: Any) -> tuple[int, ...]:
    """The shape of ``multivariate_normal.logpdf``'s result: the points' shape, squeezed as scipy does.

    >>> mvn_shape(np.zeros((3, 1, 2)), None, np.eye(2))
    (3,)
    """
    dim = np.size(mean) if mean is not None else np.shape(cov)[0] if np.ndim(cov) == 2 else 1
    batch = np.shape(x)[:-1] if np.ndim(x) >= 2 or (np.ndim(x) == 1 and dim > 1) else np.shape(x)
    return tuple(n for n in batch if n != 1)


def mvn_adjoint(g: Any, x: Any, mean: Any, cov: Any, allow_singular: bool, wrt: str) -> Any:
    """The adjoint of ``multivariate_normal.logpdf`` in ``wrt``: the partials summed against ``g``."""
    partials = mvn_partials(x, mean, cov, allow_singular, wrt)
    weights = np.reshape(np.broadcast_to(g, mvn_shape(x, mean, cov)), (-1,))
    if wrt == "x":
        return np.reshape(weights[:, None] * partials, np.shape(x))
    # (a number for a number: [()] makes a 0-d array a numpy scalar)
    return np.reshape(np.tensordot(weights, partials, axes=1), np.shape(mean if wrt == "mean" else cov))[()]


def mvn_tangent(t: Any, x: Any, mean: Any, cov: Any, allow_singular: bool, wrt: str) -> Any:
    """Forward mode of ``multivariate_normal.logpdf``: the partials summed against the tangent."""
    partials = mvn_partials(x, mean, cov, allow_singular, wrt)
    shape = mvn_shape(x, mean, cov)
    if wrt == "x":
        return np.reshape(np.sum(partials * np.reshape(t, np.shape(partials)), axis=-1), shape)
    arg_ndim = np.ndim(mean if wrt == "mean" else cov)
    return np.reshape(np.tensordot(partials, t, axes=arg_ndim), shape)


def dirichlet_partials(x: Any, alpha: Any, psi: Any, wrt: str) -> Any:
    """The partials of ``scipy.stats.dirichlet.logpdf(x, alpha)`` (components along the first axis
    of ``x``) at each point, in ``x`` or in ``alpha`` (``psi``: digamma(sum(alpha)) - digamma(alpha)).
    With one component fewer than ``alpha``, scipy fills the last one in as 1 - the sum of the others,
    and the partials in ``x`` count it; with all of them they are those of the density's formula
    (scipy takes only points on the simplex: along it, these are its derivatives).

    >>> dirichlet_partials(np.array([0.25, 0.75]), np.array([2.0, 4.0]), 0.0, "x")
    array([4., 4.])
    """
    complete = np.shape(x)[0] == np.shape(alpha)[0]
    full = x if complete else np.concatenate([x, np.reshape(1.0 - np.sum(x, axis=0), (1,) + np.shape(x)[1:])])
    column = np.shape(alpha) + (1,) * (np.ndim(full) - 1)
    if wrt == "alpha":
        return np.reshape(psi, column) + np.log(full)
    partials = (np.reshape(alpha, column) - 1.0) / full
    return partials if complete else partials[:-1] - partials[-1:]


def dirichlet_adjoint(g: Any, x: Any, alpha: Any, psi: Any, wrt: str) -> Any:
    """The adjoint of ``dirichlet.logpdf`` in ``x`` or ``alpha`` (summed over the points)."""
    spread = g * dirichlet_partials(x, alpha, psi, wrt)
    if wrt == "x":
        return spread
    return np.sum(spread, axis=tuple(range(1, np.ndim(spread))))


def dirichlet_tangent(t: Any, x: Any, alpha: Any, psi: Any, wrt: str) -> Any:
    """Forward mode of ``dirichlet.logpdf``: the partials summed against the tangent."""
    partials = dirichlet_partials(x, alpha, psi, wrt)
    along = t if wrt == "x" else np.reshape(t, np.shape(alpha) + (1,) * (np.ndim(partials) - 1))
    return np.sum(partials * along, axis=0)


def mvn_entropy_partials(cov: Any) -> Any:
    """The partials of ``multivariate_normal.entropy(mean, cov)`` (half the log-determinant of
    ``2 pi e cov``) in ``cov``, read from its lower triangle as scipy does.

    >>> mvn_entropy_partials(np.eye(2) * 2.0)
    array([[0.25, 0.  ],
           [0.  , 0.25]])
    """
    if np.ndim(cov) == 0:
        return 0.5 / cov
    if np.ndim(cov) != 2:
        raise not_supported("multivariate_normal.entropy with a 1-D cov", "pass the covariance matrix (np.diag(cov))")
    half = 0.5 * np.linalg.inv(np.tril(cov) + np.swapaxes(np.tril(cov, -1), -1, -2))  # d/d(the symmetric matrix)
    return np.tril(half) + np.tril(half, -1)  # (an element below the diagonal stands for two)


def odeint_refused(*arguments: Any) -> Any:
    """``scipy.integrate.odeint`` has no derivative: its steps adapt to the solution, so the
    derivative of what it computes is not the solution of a sensitivity equation."""
    raise not_supported(
        "differentiating scipy.integrate.odeint",
        "write the integration as a loop of fixed steps in numpy (e.g. Runge-Kutta 4), which srcdiff "
        "differentiates exactly, or pass its results as data",
    )


HELPERS: dict[str, Any] = helpers_of(globals(), __name__)
