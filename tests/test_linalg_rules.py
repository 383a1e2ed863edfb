"""Every rule of the linalg table (numpy.linalg, and scipy.linalg when scipy is installed)
checked against central finite differences: reverse mode, forward mode, and second order
(forward mode over the generated gradient, which is what ``hessian`` runs).

As in ``test_numpy_rules.py`` (whose finite-difference helpers this file reuses), each case is a
small body over the differentiated parameters ``x, y, z`` whose last line is an array
expression; the function under test returns ``np.sum((expr) * w)`` for a fixed random ``w``.
Inputs are well conditioned: symmetric positive definite where needed, distinct eigenvalues and
singular values.  Routines reading one triangle of a matrix get inputs whose other triangle is
garbage, so the finite differences check that it gets no derivative.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_numpy_rules import WELL, A, assert_array_grad, case_module, check_second_order

import srcdiff
from srcdiff import rules

try:
    import scipy.linalg as sla
except ImportError:  # pragma: no cover - scipy is optional
    sla = None

PARAMS = ["x", "y", "z"]


def SPD(*shape, garbage=None):
    """Symmetric positive definite matrices (last two axes n x n); ``garbage="upper"`` adds
    random entries above the diagonal (``"lower"``: below), which a routine reading the other
    triangle must ignore."""
    n = shape[-1]

    def make(rng):
        x = rng.uniform(-1.0, 1.0, shape)
        s = x @ np.swapaxes(x, -1, -2) + n * np.eye(n)
        if garbage == "upper":
            s = s + np.triu(rng.uniform(-3.0, 3.0, shape), 1)
        elif garbage == "lower":
            s = s + np.tril(rng.uniform(-3.0, 3.0, shape), -1)
        return s

    return make


def SYM(*shape, garbage=None):
    """Symmetric matrices with well-separated eigenvalues (1, 2.5, 4, ...)."""
    n = shape[-1]

    def make(rng):
        q, _ = np.linalg.qr(rng.normal(size=shape))
        s = (q * (1.0 + 1.5 * np.arange(n))) @ np.swapaxes(q, -1, -2)
        if garbage == "upper":
            s = s + np.triu(rng.uniform(-3.0, 3.0, shape), 1)
        elif garbage == "lower":
            s = s + np.tril(rng.uniform(-3.0, 3.0, shape), -1)
        return s

    return make


def REAL_EIG(*shape):
    """Nonsymmetric matrices with real, well-separated eigenvalues."""
    n = shape[-1]

    def make(rng):
        v = np.eye(n) + 0.3 * rng.normal(size=shape)
        return (v * (1.0 + 1.5 * np.arange(n))) @ np.linalg.inv(v)

    return make


def TRI(n, lower, unit=False):
    """A well-conditioned triangular matrix, garbage in the other triangle."""

    def make(rng):
        m = rng.uniform(-1.0, 1.0, (n, n)) + n * np.eye(n)
        return m + (np.triu if lower else np.tril)(rng.uniform(-3.0, 3.0, (n, n)), 1 if lower else -1)

    return make


def WELL_AS(*shape, axes=None):
    """A well-conditioned 6 x 6 matrix reshaped to ``shape`` (then transposed by ``axes``), for
    the tensor solves."""
    return lambda rng: np.transpose(WELL(6, 6)(rng).reshape(shape), axes or tuple(range(len(shape))))


def BANDED(lower, upper, n):
    """A diagonally dominant band matrix in ``solve_banded``'s storage (the corners it does not
    read hold numbers too: their derivative is zero)."""

    def make(rng):
        ab = rng.uniform(-1.0, 1.0, (lower + upper + 1, n))
        ab[upper] += 2.0 + lower + upper
        return ab

    return make


def SMALL(n):
    """A matrix with eigenvalues near 1 (for logm and sqrtm: positive real spectrum)."""
    return lambda rng: np.eye(n) + 0.2 * rng.uniform(-1.0, 1.0, (n, n))


# -- the cases ---------------------------------------------------------------------------------
#: (rules exercised, body, argument makers, needs scipy)
CASES: list[tuple[tuple, str, tuple, bool]] = []


def case(keys, body, *specs):
    keys = keys if isinstance(keys, tuple) else (keys,)
    CASES.append((keys, body, specs, "sla." in body))


la = np.linalg

# ---- solving and inverting (moved from test_numpy_rules.py)
case(la.solve, "np.linalg.solve(x, y)", WELL(3, 3), A(3))
case(la.solve, "np.linalg.solve(x, y)", WELL(3, 3), A(3, 2))
case(la.solve, "np.linalg.solve(x, y)", WELL(2, 3, 3), A(2, 3, 2))
case(la.solve, "np.linalg.solve(x, y)", WELL(2, 3, 3), A(3))  # a vector against a stack
case(la.solve, "np.linalg.solve(x, y)", WELL(3, 3), A(2, 3, 2))  # a matrix against stacked right sides
case(la.inv, "np.linalg.inv(x)", WELL(3, 3))
case(la.inv, "np.linalg.inv(x)", WELL(2, 3, 3))
case(la.det, "np.linalg.det(x)", WELL(3, 3))
case(la.det, "np.linalg.det(x)", WELL(2, 3, 3))
case(la.slogdet, "np.linalg.slogdet(x)[1]", WELL(3, 3))
case(la.slogdet, "np.linalg.slogdet(-x)[1]", WELL(3, 3))  # negative determinant
case(la.slogdet, "np.linalg.slogdet(x)[1]", WELL(2, 3, 3))
case(la.pinv, "np.linalg.pinv(x)", A(4, 3))
case(la.pinv, "np.linalg.pinv(x)", A(3, 5))
case(la.pinv, "np.linalg.pinv(x)", A(2, 4, 3))
case(la.pinv, "np.linalg.pinv(x)", WELL(3, 3))
case(la.pinv, "np.linalg.pinv(x.T @ x)", A(2, 4))  # rank 2 of 4: the rank is kept
case(la.pinv, "np.linalg.pinv(x, hermitian=True)", SYM(3, 3, garbage="upper"))
case(la.lstsq, "np.linalg.lstsq(x, y)[0]", A(5, 3), A(5))
case(la.lstsq, "np.linalg.lstsq(x, y, rcond=None)[0]", A(5, 3), A(5, 2))
case(la.lstsq, "np.linalg.lstsq(x, y)[0]", A(3, 5), A(3))  # underdetermined: the least-norm solution
case(la.lstsq, "np.linalg.lstsq(x, y)[1]", A(5, 3), A(5, 2))  # residuals
case(la.lstsq, "np.linalg.lstsq(x, y)[1]", A(5, 3), A(5))
case(la.lstsq, "r = np.linalg.lstsq(x, y)\nr[0] * r[3] + r[1]", A(5, 3), A(5))  # singular values too
case(la.tensorsolve, "np.linalg.tensorsolve(x, y)", WELL_AS(2, 3, 6), A(2, 3))
case(la.tensorsolve, "np.linalg.tensorsolve(x, y, axes=(0, 2))", WELL_AS(6, 2, 3, axes=(1, 0, 2)), A(6))
case(la.tensorinv, "np.linalg.tensorinv(x)", WELL_AS(2, 3, 6))
case(la.tensorinv, "np.linalg.tensorinv(x, ind=1)", WELL_AS(6, 2, 3))

# ---- decompositions
case(la.cholesky, "np.linalg.cholesky(x @ x.T + 3.0 * np.eye(3))", A(3, 3))
case(la.cholesky, "np.linalg.cholesky(x @ np.swapaxes(x, -1, -2) + 3.0 * np.eye(3))", A(2, 3, 3))
case(la.cholesky, "np.linalg.cholesky(x)", SPD(4, 4, garbage="upper"))  # reads the lower triangle
case(la.cholesky, "np.linalg.cholesky(x, upper=True)", SPD(4, 4, garbage="lower"))
case(la.cholesky, "np.linalg.cholesky(x)", SPD(2, 3, 3, garbage="upper"))
for shape in [(3, 5), (5, 3), (4, 4), (2, 3, 4), (2, 4, 3)]:
    case(la.svd, "np.linalg.svd(x, full_matrices=False)[0]", A(*shape))
    case(la.svd, "np.linalg.svd(x, full_matrices=False)[1]", A(*shape))
    case(la.svd, "np.linalg.svd(x, full_matrices=False)[2]", A(*shape))
    case(la.svd, "np.linalg.svd(x, compute_uv=False)", A(*shape))
case(la.svd, "u, s, vh = np.linalg.svd(x)\n(u * s) @ vh + u @ vh", A(4, 4))  # full_matrices=True: square
case(la.svd, "u, s, vh = np.linalg.svd(x, False)\nu @ np.diag(np.sin(s)) @ vh", A(5, 3))
case(la.svd, "np.linalg.svd(x, full_matrices=True, compute_uv=False)", A(5, 3))
for body in ["np.linalg.eigh(x)[0]", "np.linalg.eigh(x)[1]", "ev, v = np.linalg.eigh(x)\nv * ev"]:
    case(la.eigh, body, SYM(4, 4, garbage="upper"))
case(la.eigh, "np.linalg.eigh(x, 'U')[1]", SYM(4, 4, garbage="lower"))
case(la.eigh, "np.linalg.eigh(x, UPLO='U')[0]", SYM(4, 4, garbage="lower"))
case(la.eigh, "ev, v = np.linalg.eigh(x)\nv * ev[..., None, :]", SYM(2, 3, 3, garbage="upper"))
case(la.eigvalsh, "np.linalg.eigvalsh(x)", SYM(4, 4, garbage="upper"))
case(la.eigvalsh, "np.linalg.eigvalsh(x, 'U')", SYM(2, 4, 4, garbage="lower"))
case(la.eig, "np.linalg.eig(x)[0]", REAL_EIG(4))
case(la.eig, "np.linalg.eig(x)[1]", REAL_EIG(4))
case(la.eig, "ev, v = np.linalg.eig(x)\nv * ev", REAL_EIG(3))
case(la.eigvals, "np.linalg.eigvals(x)", REAL_EIG(4))
case(la.eig, "ev, v = np.linalg.eig(x)\nv * ev[..., None, :]", REAL_EIG(2, 3, 3))
for shape in [(5, 3), (3, 3), (3, 5), (2, 4, 3)]:
    case(la.qr, "np.linalg.qr(x)[0]", A(*shape))
    case(la.qr, "np.linalg.qr(x)[1]", A(*shape))
case(la.qr, "np.linalg.qr(x, mode='r')", A(5, 3))
case(la.qr, "np.linalg.qr(x, 'complete')[0]", A(3, 4))  # complete is reduced for a wide matrix

# ---- norms: every ord, vector and matrix, with axes
case(la.norm, "np.linalg.norm(x)", A(5))
case(la.norm, "np.linalg.norm(x)", A(3, 4))
case(la.norm, "np.linalg.norm(x)", A(2, 3, 4))
case(la.norm, "np.linalg.norm(x, axis=1)", A(3, 4))
case(la.norm, "np.linalg.norm(x, axis=0, keepdims=True)", A(3, 4))
case(la.norm, "np.linalg.norm(x, keepdims=True)", A(3, 4))
for order in ["1", "2", "3", "0.5", "-1", "-2.5", "np.inf", "-np.inf", "0"]:
    case(la.norm, f"np.linalg.norm(x, {order})", A(6))
    case(la.norm, f"np.linalg.norm(x, ord={order}, axis=1)", A(3, 4))
case(la.norm, "np.linalg.norm(x, np.inf, axis=-1, keepdims=True)", A(3, 4))
for order in ["'fro'", "'nuc'", "1", "-1", "2", "-2", "np.inf", "-np.inf"]:
    case(la.norm, f"np.linalg.norm(x, {order})", A(4, 3))
    case(la.norm, f"np.linalg.norm(x, {order}, axis=(0, 2))", A(3, 2, 4))
    case(la.norm, f"np.linalg.norm(x, ord={order}, axis=(2, 1), keepdims=True)", A(2, 3, 4))
case(la.vector_norm, "np.linalg.vector_norm(x)", A(3, 4))
case(la.vector_norm, "np.linalg.vector_norm(x, ord=3, axis=(0, 2))", A(3, 2, 4))
case(la.vector_norm, "np.linalg.vector_norm(x, axis=1, keepdims=True, ord=np.inf)", A(3, 4))
case(la.matrix_norm, "np.linalg.matrix_norm(x)", A(2, 3, 4))
case(la.matrix_norm, "np.linalg.matrix_norm(x, ord='nuc', keepdims=True)", A(2, 3, 4))
case(la.matrix_norm, "np.linalg.matrix_norm(x, ord=-np.inf)", A(3, 4))
case(la.svdvals, "np.linalg.svdvals(x)", A(2, 4, 3))

# ---- products and rearrangements
case(la.matrix_power, "np.linalg.matrix_power(x, 3)", A(3, 3))
case(la.matrix_power, "np.linalg.matrix_power(x, 1)", A(3, 3))
case(la.matrix_power, "np.linalg.matrix_power(x, 0) * x", A(3, 3))
case(la.matrix_power, "np.linalg.matrix_power(x, -2)", WELL(3, 3))
case(la.matrix_power, "np.linalg.matrix_power(x, 4)", A(2, 3, 3))
case(la.multi_dot, "np.linalg.multi_dot([x, y, z])", A(2, 3), A(3, 4), A(4, 2))
case(la.multi_dot, "np.linalg.multi_dot([x, y, z])", A(3), A(3, 4), A(4))
case(la.multi_dot, "np.linalg.multi_dot([x, y, x.T])", A(2, 3), A(3, 3))
case(la.multi_dot, "np.linalg.multi_dot((x, y, 2.0 * y))", A(3), A(3, 3))
case(la.matrix_transpose, "np.linalg.matrix_transpose(x)", A(2, 3, 4))
case(la.trace, "np.linalg.trace(x)", A(3, 3))
case(la.trace, "np.linalg.trace(x, offset=1)", A(2, 3, 4))
case(la.diagonal, "np.linalg.diagonal(x, offset=-1)", A(2, 4, 3))
case(la.outer, "np.linalg.outer(x, y)", A(3), A(4))
case(la.matmul, "np.linalg.matmul(x, y)", A(2, 3, 4), A(4, 2))

# ---- scipy.linalg (skipped without scipy)
if sla is not None:
    case(sla.solve, "sla.solve(x, y)", WELL(3, 3), A(3))
    case(sla.solve, "sla.solve(x, y, transposed=True)", WELL(3, 3), A(3, 2))
    case(sla.solve, "sla.solve(x, y, assume_a='pos')", SPD(3, 3, garbage="lower"), A(3))  # the upper triangle
    case(sla.solve, "sla.solve(x, y, assume_a='sym', lower=True)", SYM(3, 3, garbage="upper"), A(3, 2))
    case(sla.solve, "sla.solve(x, y, assume_a='lower triangular')", TRI(3, True), A(3))
    case(sla.solve, "sla.solve(x, y)", WELL(2, 3, 3), A(2, 3, 2))
    case(sla.inv, "sla.inv(x)", WELL(3, 3))
    case(sla.inv, "sla.inv(x, assume_a='pos')", SPD(3, 3, garbage="lower"))
    case(sla.det, "sla.det(x)", WELL(3, 3))
    case(sla.cholesky, "sla.cholesky(x)", SPD(4, 4, garbage="lower"))
    case(sla.cholesky, "sla.cholesky(x, lower=True)", SPD(4, 4, garbage="upper"))
    case(sla.cho_factor, "sla.cho_factor(x)[0]", SPD(4, 4, garbage="lower"))
    case(sla.cho_factor, "sla.cho_factor(x, lower=True)[0]", SPD(4, 4, garbage="upper"))
    case((sla.cho_factor, sla.cho_solve), "sla.cho_solve(sla.cho_factor(x), y)", SPD(4, 4, garbage="lower"), A(4))
    case(
        (sla.cho_factor, sla.cho_solve),
        "c = sla.cho_factor(x, lower=True)\nsla.cho_solve(c, y)",
        SPD(4, 4, garbage="upper"),
        A(4, 2),
    )
    case(sla.cho_solve, "sla.cho_solve((x, False), y)", TRI(3, False), A(3, 2))
    case(sla.solve_triangular, "sla.solve_triangular(x, y)", TRI(4, False), A(4))
    case(sla.solve_triangular, "sla.solve_triangular(x, y, lower=True)", TRI(4, True), A(4, 2))
    case(sla.solve_triangular, "sla.solve_triangular(x, y, trans=1, lower=True)", TRI(4, True), A(4))
    case(sla.solve_triangular, "sla.solve_triangular(x, y, trans='T', unit_diagonal=True)", TRI(4, False), A(4, 2))
    case(sla.lu_factor, "sla.lu_factor(x)[0]", A(4, 4))
    case((sla.lu_factor, sla.lu_solve), "sla.lu_solve(sla.lu_factor(x), y)", WELL(4, 4), A(4))
    case((sla.lu_factor, sla.lu_solve), "sla.lu_solve(sla.lu_factor(x), y, trans=1)", A(4, 4), A(4, 2))
    case(sla.expm, "sla.expm(x)", A(3, 3))
    case(sla.expm, "sla.expm(x)", A(2, 3, 3))
    case(sla.sqrtm, "sla.sqrtm(x)", SMALL(3))
    case(sla.logm, "sla.logm(x)", SMALL(3))
    case(sla.solve_banded, "sla.solve_banded((1, 1), x, y)", BANDED(1, 1, 5), A(5))
    case(sla.solve_banded, "sla.solve_banded((2, 0), x, y)", BANDED(2, 0, 4), A(4, 2))
    case(sla.solve_banded, "sla.solve_banded((0, 2), x, y)", BANDED(0, 2, 4), A(4))
    case(sla.solve_sylvester, "sla.solve_sylvester(x, y, z)", WELL(3, 3), WELL(3, 3), A(3, 3))
    case(sla.solve_sylvester, "sla.solve_sylvester(x, y, z)", WELL(2, 2), WELL(3, 3), A(2, 3))


def _name(fn):
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", str(fn))


def _id(index, case_):
    keys, body, specs, _ = case_
    rng = np.random.default_rng(2000 + index)
    shapes = ",".join("x".join(map(str, np.shape(spec(rng)))) or "0d" for spec in specs)
    text = re.sub(r"\s+", " ", body.replace("\n", "; "))
    return f"{index}:{text}[{shapes}]"


def test_every_rule_has_a_domain():
    if sla is None:
        pytest.skip("scipy is not installed: the scipy.linalg rules are not defined")
    rules.LINALG.rules.load_all()
    covered = {key for keys, _, _, _ in CASES for key in keys}
    # (the table's rules for srcdiff's own helpers, mT and SeqAdjoint, are exercised by the
    # second-order checks, which differentiate the helpers that call them)
    public = [fn for fn in rules.LINALG.rules if not (getattr(fn, "__module__", "") or "").startswith("srcdiff")]
    missing = [_name(fn) for fn in public if fn not in covered]
    assert not missing, f"linalg rules without a test case: {missing}"


def test_every_case_names_rules_that_exist():
    rules.LINALG.rules.load_all()
    unknown = [_name(k) for keys, _, _, _ in CASES for k in keys if k not in rules.LINALG.rules]
    assert not unknown, f"cases naming callables that have no linalg rule: {unknown}"


@pytest.fixture(scope="module")
def case_functions(tmp_path_factory):
    header = ["import numpy as np", "try:", "    import scipy.linalg as sla", "except ImportError:", "    sla = None"]
    cases = [(body, len(specs)) for _, body, specs, _ in CASES]
    return case_module(tmp_path_factory.mktemp("linalg_rules"), "linalg_rule_functions", header, cases)


def _params():
    return [
        pytest.param(i, id=_id(i, c), marks=[pytest.mark.skipif(sla is None, reason="needs scipy")] if c[3] else [])
        for i, c in enumerate(CASES)
    ]


def _case(case_functions, index):
    """Case ``index``'s weighted-sum function, its arguments and the weights."""
    specs = CASES[index][2]
    rng = np.random.default_rng(2000 + index)
    args = [spec(rng) for spec in specs]
    value = getattr(case_functions, f"raw_{index}")(*args)
    w = rng.normal(size=np.shape(value))
    return getattr(case_functions, f"case_{index}"), args, float(w) if np.ndim(w) == 0 else w


@pytest.mark.parametrize("index", _params())
def test_reverse_mode_matches_finite_differences(case_functions, index):
    f, args, w = _case(case_functions, index)
    assert_array_grad(f, args + [w], wrt=tuple(range(len(args))), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("index", _params())
def test_forward_mode_and_second_order_match_finite_differences(case_functions, index):
    """check_grads in both modes, then forward mode over the generated gradient (what hessian and
    hvp run): every helper an adjoint calls is differentiated again, and must be right.  Reverse
    over reverse too (with SRCDIFF_SLOW_TESTS=1): every helper has a reverse rule or readable source."""
    f, args, w = _case(case_functions, index)
    srcdiff.check_grads(f, args + [w], order=1, rtol=1e-4, atol=1e-5)
    # (reverse over reverse, which transforms the whole gradient again, only with SRCDIFF_SLOW_TESTS=1)
    check_second_order(f, args + [w], len(args), CASES[index][0])


# -- refusals, conventions and exact values -------------------------------------------------------
def svd_full_wide(x):
    return np.sum(np.linalg.svd(x)[0])


def svd_hermitian(x):
    return np.sum(np.linalg.svd(x, hermitian=True)[1])


def eig_values(x):
    return np.sum(np.linalg.eigvals(x))


def half_norm(x):
    return np.linalg.norm(x, 0.5)


def qr_complete(x):
    return np.sum(np.linalg.qr(x, mode="complete")[0])


@pytest.mark.parametrize(
    "f, x",
    [
        (svd_full_wide, np.arange(6.0).reshape(3, 2) ** 2),  # the extra columns of U have no derivative
        (svd_hermitian, np.eye(3) + 0.1),
        (eig_values, np.array([[0.0, -1.0], [1.0, 0.0]])),  # eigenvalues +-i
        (half_norm, np.array([1.0, 0.0, 2.0])),  # |x|^0.5 at 0
        (qr_complete, np.ones((3, 2)) + np.eye(3, 2)),
    ],
    ids=["svd-full-matrices", "svd-hermitian", "eig-complex", "norm-ord-half-at-zero", "qr-complete-tall"],
)
def test_derivatives_that_do_not_exist_are_refused(f, x):
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(f)(x)
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.jvp(f, (x,), (np.ones_like(x),))


def logm_sum(x):
    return np.sum(sla.logm(x))


def test_complex_matrix_functions_are_refused():
    pytest.importorskip("scipy")
    x = np.array([[-1.0, 0.2], [0.0, 2.0]])  # a negative eigenvalue: a complex logarithm
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(logm_sum)(x)


def eigh_weighted(x):
    w, v = np.linalg.eigh(x)
    return np.sum(w * np.arange(1.0, 5.0)) + np.sum(v * v[::-1])


def cholesky_upper_sum(x):
    return np.sum(np.linalg.cholesky(x, upper=True) * np.arange(16.0).reshape(4, 4))


def test_the_triangle_a_routine_does_not_read_gets_exactly_zero():
    rng = np.random.default_rng(3)
    x = SYM(4, 4, garbage="upper")(rng)
    g = srcdiff.grad(eigh_weighted)(x)
    assert np.all(np.triu(g, 1) == 0.0)
    g = srcdiff.grad(cholesky_upper_sum)(SPD(4, 4, garbage="lower")(rng))
    assert np.all(np.tril(g, -1) == 0.0)


def inf_norm(x):
    return np.linalg.norm(x, np.inf)


def matrix_one_norm(x):
    return np.linalg.norm(x, 1)


def count_norm(x):
    return np.linalg.norm(x, 0)


def test_norm_ties_split_evenly_and_ord_zero_is_constant():
    np.testing.assert_array_equal(srcdiff.grad(inf_norm)(np.array([3.0, -3.0, 1.0])), [0.5, -0.5, 0.0])
    x = np.array([[1.0, -2.0], [2.0, 1.0]])  # both columns sum to 3
    np.testing.assert_array_equal(srcdiff.grad(matrix_one_norm)(x), 0.5 * np.sign(x))
    np.testing.assert_array_equal(srcdiff.grad(count_norm)(np.array([1.0, 0.0, -2.0])), [0.0, 0.0, 0.0])


def fro_norm(x):
    return np.linalg.norm(x)


def test_a_norm_at_zero_has_gradient_zero():
    np.testing.assert_array_equal(srcdiff.grad(fro_norm)(np.zeros((2, 2))), np.zeros((2, 2)))
    np.testing.assert_array_equal(srcdiff.grad(inf_norm)(np.zeros(3)), np.zeros(3))


def test_importing_srcdiff_does_not_import_scipy():
    import subprocess
    import sys

    code = "import sys, srcdiff; assert 'scipy' not in sys.modules, sorted(m for m in sys.modules if 'scipy' in m)"
    subprocess.run([sys.executable, "-c", code], check=True)


def eigh_vectors(x):
    return np.sum(np.linalg.eigh(x)[1] * np.arange(9.0).reshape(3, 3))


def eigh_values(x):
    return np.sum(np.linalg.eigh(x)[0] * np.arange(3.0))


def test_eigenvectors_at_a_repeated_eigenvalue_are_refused_the_values_are_not():
    x = np.diag([1.0, 1.0, 2.0])
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(eigh_vectors)(x)
    np.testing.assert_allclose(srcdiff.grad(eigh_values)(x), np.diag([0.0, 1.0, 2.0]))
