"""Rules for ``numpy.linalg`` (and, once scipy is imported, ``scipy.linalg``: see
:mod:`srcdiff.rules.scipy_linalg`).

Functions of a symmetric matrix that read one triangle of their argument (``eigh``,
``eigvalsh``, ``cholesky``, ``pinv(hermitian=True)``) are differentiated as what numpy computes:
the other triangle gets a zero derivative, and the read triangle's off-diagonal entries count
twice (they stand for both mirrored entries).  Decompositions need distinct eigenvalues
(singular values) for their vectors' derivative; complex results are refused.

>>> import numpy as np
>>> LINALG.rules.get(np.linalg.svd).params
('a', 'full_matrices', 'compute_uv', 'hermitian')
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ..runtime import SeqAdjoint
from . import linalg_helpers, linalg_norms, linalg_solvers
from .table import Rule, RuleTable, register_helpers, rule

register_helpers(linalg_helpers.HELPERS)
register_helpers(linalg_norms.HELPERS)

_COMPLEX_FORMS = {  # the helpers for complex matrices (srcdiff.rules.complex_linalg), by the real one's name
    "svd_adjoint": "complex_svd_adjoint",
    "svd_tangent": "complex_svd_tangent",
    "eigh_adjoint": "hermitian_eigh_adjoint",
    "eigh_tangent": "hermitian_eigh_tangent",
    "eig_adjoint": "complex_eig_adjoint",
    "eig_tangent": "complex_eig_tangent",
    "norm_adjoint": "complex_norm_adjoint",
    "norm_tangent": "complex_norm_tangent",
}


def _complex_or(real_form: str, arg: str = "a") -> str:
    """A template calling the complex helper when ``arg`` may be complex, else the real one."""
    name = real_form.split("(")[0]
    return f"{_COMPLEX_FORMS[name]}{real_form[len(name) :]} if cplx({arg}) else {real_form}"


register_helpers(linalg_solvers.HELPERS)


class OnDemandRules(dict):  # type: ignore[type-arg]
    """A table's rules, plus rules for a module that are defined the first time a lookup misses
    after that module was imported (so ``import srcdiff`` does not import scipy)."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[str, Callable[[], None]] = {}

    def get(self, key: Any, default: Any = None) -> Any:
        found = super().get(key)
        if found is None and self.pending:
            for module in [m for m in self.pending if m in sys.modules]:
                self.pending.pop(module)()
            found = super().get(key)
        return default if found is None else found

    def load_all(self) -> None:
        """Define the rules of every pending module that can be imported (the docs and tests list
        them all: iterating the table loads them)."""
        for module, define in list(self.pending.items()):
            try:
                define()
            except ImportError:  # not installed: its functions cannot be called either
                pass
            self.pending.pop(module)

    def __iter__(self) -> Any:
        self.load_all()
        return super().__iter__()

    def items(self) -> Any:
        self.load_all()
        return super().items()


_RULES = OnDemandRules()
LINALG = RuleTable("linalg", rules=_RULES)


def _define(fn: Any, signature: str, **kwargs: Any) -> Rule:
    r = rule(signature, elementwise=False, **kwargs)
    LINALG.define(fn, r)
    return r


def _linear(fn: Any, signature: str, **kwargs: Any) -> None:
    LINALG.define(fn, rule(signature, elementwise=False, linear=True, **kwargs))


# -- solving and inverting ----------------------------------------------------------------------
_define(
    np.linalg.solve,
    "a, b",
    a="solve_adjoint(g, a, b, out, True)",
    b="solve_adjoint(g, a, b, out, False)",
    jvp={"a": "solve_tangent(a, b, out, t)", "b": "np.linalg.solve(a, t)"},
)
INV_ADJOINT = "-mT(out) @ g @ mT(out)"
_define(np.linalg.inv, "a", a=INV_ADJOINT, jvp={"a": "-out @ t @ out"})
DET_ADJOINT = "np.asarray(g * out)[..., None, None] * mT(np.linalg.inv(a))"
DET_TANGENT = "out * np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)"
_define(np.linalg.det, "a", a=DET_ADJOINT, jvp={"a": DET_TANGENT})
_define(
    np.linalg.slogdet,
    "a",
    a="np.asarray(unpack_adjoint(g, 2)[1])[..., None, None] * mT(np.linalg.inv(a))",
    jvp={"a": "(0.0, np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1))"},
)
_define(
    np.linalg.pinv,
    "a, rcond=None, hermitian=False, *, rtol=None",
    a="pinv_adjoint(g, a, out, hermitian)",
    jvp={"a": "pinv_tangent(a, out, t, hermitian)"},
)
_define(
    np.linalg.lstsq,
    "a, b, rcond=None",
    a="lstsq_adjoint(g, a, b, out, rcond, True)",
    b="lstsq_adjoint(g, a, b, out, rcond, False)",
    jvp={"a": "lstsq_tangent(a, b, out, rcond, t, True)", "b": "lstsq_tangent(a, b, out, rcond, t, False)"},
)
_define(
    np.linalg.tensorsolve,
    "a, b, axes=None",
    a="tensorsolve_adjoint(g, a, b, out, axes, True)",
    b="tensorsolve_adjoint(g, a, b, out, axes, False)",
    jvp={"a": "tensorsolve_tangent(a, b, out, axes, t, True)", "b": "tensorsolve_tangent(a, b, out, axes, t, False)"},
)
_define(
    np.linalg.tensorinv,
    "a, ind=2",
    a="tensorinv_adjoint(g, a, out, ind)",
    jvp={"a": "tensorinv_tangent(a, out, t, ind)"},
)

# -- decompositions ---------------------------------------------------------------------------
_define(
    np.linalg.cholesky,
    "a, *, upper=False",
    a="cholesky_adjoint(g, out, upper)",
    jvp={"a": "cholesky_tangent(out, t, upper)"},
)
_define(
    np.linalg.svd,
    "a, full_matrices=True, compute_uv=True, hermitian=False",
    a=_complex_or("svd_adjoint(g, a, out, full_matrices, compute_uv, hermitian)"),
    jvp={"a": _complex_or("svd_tangent(a, out, t, full_matrices, compute_uv, hermitian)")},
)
_define(
    np.linalg.eigh,
    "a, UPLO='L'",
    a=_complex_or("eigh_adjoint(g, a, out, UPLO)"),
    jvp={"a": _complex_or("eigh_tangent(a, out, t, UPLO)")},
)
_define(np.linalg.eigvalsh, "a, UPLO='L'", a="eigvalsh_adjoint(g, a, UPLO)", jvp={"a": "eigvalsh_tangent(a, t, UPLO)"})
_define(
    np.linalg.eig,
    "a",
    a=_complex_or("eig_adjoint(g, a, out, True)"),
    jvp={"a": _complex_or("eig_tangent(a, out, t, True)")},
)
_define(
    np.linalg.eigvals,
    "a",
    a=_complex_or("eig_adjoint(g, a, out, False)"),
    jvp={"a": _complex_or("eig_tangent(a, out, t, False)")},
)
_define(np.linalg.qr, "a, mode='reduced'", a="qr_adjoint(g, a, out, mode)", jvp={"a": "qr_tangent(a, out, t, mode)"})

# -- norms ------------------------------------------------------------------------------------
# forward mode through a norm: the gradient of each result against the tangent, summed over the
# axes it reduces
_NORM = "norm_adjoint(np.ones_like(out), x, out, ord, axis, keepdims)"
_define(
    np.linalg.norm,
    "x, ord=None, axis=None, keepdims=False",
    x=_complex_or("norm_adjoint(g, x, out, ord, axis, keepdims)", "x"),
    jvp={"x": _complex_or("norm_tangent(x, out, t, ord, axis, keepdims)", "x")},
)
if hasattr(np.linalg, "vector_norm"):  # numpy >= 2
    _VECTOR = "vector_norm_adjoint({}, x, out, ord, axis, keepdims)"
    _define(
        np.linalg.vector_norm,
        "x, *, axis=None, keepdims=False, ord=2",
        x=_VECTOR.format("g"),
        jvp={"x": f"np.sum({_VECTOR.format('np.ones_like(out)')} * t, axis=axis, keepdims=keepdims)"},
    )
    _MATRIX = "matrix_norm_adjoint({}, x, out, ord, (-2, -1), keepdims)"
    _define(
        np.linalg.matrix_norm,
        "x, *, keepdims=False, ord='fro'",
        x=_MATRIX.format("g"),
        jvp={"x": f"np.sum({_MATRIX.format('np.ones_like(out)')} * t, axis=(-2, -1), keepdims=keepdims)"},
    )
    _define(np.linalg.svdvals, "x", x="singular_values_adjoint(g, x)", jvp={"x": "singular_values_tangent(x, t)"})

# -- products and rearrangements --------------------------------------------------------------
_define(
    np.linalg.matrix_power,
    "a, n",
    a="matrix_power_adjoint(g, a, n)",
    jvp={"a": "matrix_power_tangent(a, t, n)"},
)
_define(
    np.linalg.multi_dot,
    "arrays",
    sequences="arrays",
    arrays="multi_dot_adjoint(g, arrays)",
    jvp={"arrays": "multi_dot_tangent(arrays, t)"},
)
if hasattr(np.linalg, "matrix_transpose"):  # numpy >= 2
    _linear(np.linalg.matrix_transpose, "x", x="mT(g)")
    _linear(np.linalg.trace, "x, *, offset=0, dtype=None", x="linalg_trace_adjoint(g, x, offset)")
    _linear(np.linalg.diagonal, "x, *, offset=0", x="diagonal_adjoint(g, x, offset, -2, -1)")
    LINALG.define(
        np.linalg.outer,
        rule(
            "x1, x2",
            elementwise=False,
            linear=True,
            multilinear=True,
            x1="outer_adjoint(g, x1, x2, True)",
            x2="outer_adjoint(g, x1, x2, False)",
        ),
    )
    LINALG.define(
        np.linalg.matmul,
        rule(
            "x1, x2",
            elementwise=False,
            linear=True,
            multilinear=True,
            x1="matmul_adjoint(g, x1, x2, True)",
            x2="matmul_adjoint(g, x1, x2, False)",
        ),
    )

LINALG.constant(np.linalg.matrix_rank)
# The adjoints of sequence arguments (multi_dot's, cho_solve's) are built as SeqAdjoint lists;
# differentiating those helpers again (hessian) goes through the constructor, linear in its items.
LINALG.define(linalg_helpers.mT, rule("x", elementwise=False, linear=True, x="mT(g)"))
LINALG.define(SeqAdjoint, rule("iterable=()", elementwise=False, sequences="iterable", linear=True, iterable="g"))


def linalg_trace_adjoint(g: Any, x: Any, offset: int = 0) -> Any:
    """Adjoint of ``np.linalg.trace``: ``g`` (one per matrix) spread on each matrix's diagonal."""
    n, m = np.shape(x)[-2], np.shape(x)[-1]
    return np.eye(n, m, k=offset) * np.expand_dims(np.asarray(g), (-2, -1))


register_helpers({"linalg_trace_adjoint": linalg_trace_adjoint})


def _scipy_rules() -> None:
    from . import scipy_linalg

    scipy_linalg.define(LINALG)


_RULES.pending["scipy.linalg"] = _scipy_rules

#: What the coverage page says of some rules (srcdiff/tools/docs_tables.py).
NOTES: dict[Any, str] = {
    np.linalg.norm: "every `ord`; ties (of entries, sums or singular values) split the derivative evenly; "
    "`ord` < 1 at a zero entry is refused",
    np.linalg.svd: "distinct nonzero singular values; `full_matrices=True` of a non-square matrix and "
    "`hermitian=True` are refused",
    np.linalg.eigh: "reads one triangle (`UPLO`): the other gets no derivative; distinct eigenvalues",
    np.linalg.eigvalsh: "reads one triangle (`UPLO`): the other gets no derivative",
    np.linalg.cholesky: "reads one triangle: the other gets no derivative",
    np.linalg.eig: "distinct eigenvalues; complex eigenvalues of a real matrix are refused (a complex matrix "
    "is differentiated: docs/complex.md)",
    np.linalg.eigvals: "complex eigenvalues of a real matrix are refused (a complex matrix is differentiated)",
    np.linalg.pinv: "the derivative that keeps the rank (at full rank: the derivative)",
    np.linalg.qr: "full rank; `mode='complete'` of a tall matrix and `mode='raw'` are refused",
    np.linalg.lstsq: "`rcond` is a constant; the rank carries no derivative",
    np.linalg.matrix_power: "`n` an integer",
}
