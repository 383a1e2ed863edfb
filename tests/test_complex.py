"""Complex numbers: complex inputs and intermediates, the fft family, checked against central
differences in the real and imaginary directions.

Convention (docs/complex.md): for a real F of complex z = x + iy, ``grad(F)(z)`` is
``dF/dx + i dF/dy``; ``vjp`` satisfies ``Re<v, vjp(u)> = Re<u, J v>``; a real argument's
gradient is real.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import srcdiff

RNG = np.random.default_rng(0)


def numeric_grad(f, z, h=1e-6):
    """dF/dx + i dF/dy by central differences, element by element (real z: dF/dx only)."""
    z = np.asarray(z)
    out = np.zeros(z.shape, dtype=z.dtype if np.iscomplexobj(z) else float)
    for idx in np.ndindex(*z.shape) if z.shape else [()]:
        e = np.zeros(z.shape, dtype=z.dtype)
        e[idx] = 1.0
        dx = (f(z + h * e) - f(z - h * e)) / (2 * h)
        out[idx] = dx
        if np.iscomplexobj(z):
            out[idx] = dx + 1j * (f(z + 1j * h * e) - f(z - 1j * h * e)) / (2 * h)
    return out if z.shape else out[()]


def complex_array(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def check(f, z, rtol=1e-5, atol=1e-7):
    """grad against finite differences, jvp against the directional difference, vjp's identity."""
    got = srcdiff.grad(f)(z)
    np.testing.assert_allclose(got, numeric_grad(f, z), rtol=rtol, atol=atol)
    assert np.iscomplexobj(got) == np.iscomplexobj(z)
    v = complex_array(*np.shape(z)) if np.iscomplexobj(z) else RNG.standard_normal(np.shape(z))
    value, tangent = srcdiff.jvp(f, (z,), (v,))
    h = 1e-6
    np.testing.assert_allclose(tangent, (f(z + h * v) - f(z - h * v)) / (2 * h), rtol=rtol, atol=atol)
    assert np.real(np.vdot(v, got)) == pytest.approx(float(tangent), rel=1e-6, abs=1e-9)
    return got


def sum_abs_squared(z):
    return np.sum(np.abs(z) ** 2)


def test_abs_squared_is_2z():
    z = complex_array(3)
    np.testing.assert_allclose(check(sum_abs_squared, z), 2 * z)


def test_scalar_convention():
    def f(z):
        return np.abs(z) ** 2

    assert srcdiff.grad(f)(3.0 + 4.0j) == pytest.approx(6.0 + 8.0j)


def real_of_holomorphic(z):
    w = np.sin(z) * np.exp(0.5 * z) + z * z / (2.0 + z)
    return np.sum(np.real(w * np.conj(z)))


def test_holomorphic_intermediates():
    check(real_of_holomorphic, complex_array(4))


def parts(z):
    r, i = np.real(z), np.imag(z)
    return np.sum(np.sin(np.abs(r) ** 1.4 + np.abs(i) ** 1.3))


def test_real_and_imaginary_parts_then_real_rules():
    check(parts, complex_array(2, 3) + 0.5)


def attributes_and_methods(z):
    return np.sum(z.real * z.imag + np.real(z.conj() * z + 1j * np.conjugate(z) ** 2 * z.conjugate()))


def test_attributes_and_methods():
    check(attributes_and_methods, complex_array(3))


def angle_of(z):
    return np.sum(np.angle(z) * np.abs(z))


def test_angle():
    check(angle_of, complex_array(3))


def made_complex(x):
    z = x + 1.0j * x**2
    c = z[0] + 1.5
    return np.sum(np.sin(np.real(z * c)) + np.imag(z) ** 2)


def test_real_input_complex_intermediates():
    got = check(made_complex, RNG.standard_normal(4))
    assert got.dtype == np.float64


def statistics(z):
    return np.var(z) + np.std(z) + np.real(np.mean(z) * np.sum(z)) + np.abs(np.prod(z))


def test_reductions():
    check(statistics, complex_array(2, 3))


def builtin_abs(z):
    return abs(z * z + 1.0)


def test_builtin_abs_of_a_complex_scalar():
    check(builtin_abs, 0.3 + 0.7j)


def power_spectrum(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2 * np.arange(4))


@pytest.mark.parametrize("kind", ["fft", "ifft"])
@pytest.mark.parametrize("n", [None, 3, 8])
@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
def test_fft_family(kind, n, norm):
    transform = getattr(np.fft, kind)
    w = complex_array(6)

    def f(z):
        return np.real(np.sum(transform(z, n, -1, norm) * w[: n or 6] if n is None else transform(z, n, -1, norm)))

    def g(z):
        y = transform(z, n=n, norm=norm)
        return np.sum(np.abs(y) ** 2 * np.arange(y.shape[0]))

    check(f, complex_array(6))
    check(g, complex_array(6))
    check(g, RNG.standard_normal(6))


@pytest.mark.parametrize("n", [None, 4, 5, 9])
def test_rfft_irfft(n):
    def f(x):
        y = np.fft.rfft(x, n=n)
        return np.sum(np.abs(y) ** 2 * np.arange(y.shape[0]))

    def g(c):
        return np.sum(np.fft.irfft(c, n=n) ** 2 * np.linspace(0.5, 1.5, n or 8))

    check(f, RNG.standard_normal(6))
    check(g, complex_array(5))


def nearly_real(z):
    return np.sum(np.real_if_close(z * np.conj(z)) ** 2)


def test_real_if_close():
    check(nearly_real, complex_array(3))


def test_every_complex_rule_is_tested_here():
    from srcdiff.rules import COMPLEX

    text = open(__file__).read()
    names = [fn.__name__ for fn in COMPLEX.rules if not fn.__module__.startswith("srcdiff")]
    assert [n for n in names if f"{n}(" not in text and f".{n}" not in text] == []


def shifted(z):
    return np.sum(np.abs(np.fft.fftshift(z) - np.fft.ifftshift(z[::-1])) ** 2)


def test_fftshift():
    check(shifted, complex_array(5))


def test_axis_of_a_matrix():
    def f(a):
        return np.sum(np.abs(np.fft.fft(a, axis=0)) ** 3)

    check(f, RNG.standard_normal((3, 4)))


def test_second_order_through_fft():
    def f(x):
        return np.sum(np.abs(np.fft.rfft(x)) ** 4)

    x = RNG.standard_normal(5)
    H = srcdiff.hessian(f)(x)
    gf = srcdiff.grad(f)
    h = 1e-5
    numeric = np.array([(gf(x + h * e) - gf(x - h * e)) / (2 * h) for e in np.eye(5)])
    np.testing.assert_allclose(H, numeric, rtol=1e-5, atol=1e-6)


def test_second_order_complex_input():
    def f(z):
        return np.sum(np.abs(np.sin(z)) ** 2)

    z = complex_array(3)
    g = srcdiff.grad(f)

    def component(w):
        return np.real(np.sum(g(w) * np.array([1.0, 2.0, 0.5])))

    check(component, z, rtol=1e-4, atol=1e-6)


def _abs(z, u):
    return np.sum(np.abs(z) * u)


def _angle(z, u):
    return np.sum(np.angle(z) * u)


def _parts(z, u):
    return np.sum((np.real(z) ** 2 - np.imag(z) * z.real) * u)


def _var(z, u):
    return np.var(z * u) + np.std(z) * np.sum(u)


def _builtin_abs(z, u):
    return abs(np.sum(z * u))


def _reductions(z, u):  # (their adjoints of a small array are written as np.full)
    return np.abs(np.sum(np.mean(z * u) * z)) ** 2


def _norms(z, u):
    return np.linalg.norm(z * u)


def _spectral_norms(z, u):  # (slow to transform: behind SRCDIFF_SLOW_TESTS)
    return np.sum(np.linalg.norm(z, axis=1) * u[:, 0]) + np.linalg.norm(z * u, "nuc") + np.linalg.norm(z[:, 0], 3)


def _svd(z, u):
    a, s, vh = np.linalg.svd(z * u, full_matrices=False)
    return np.sum(s**2) + np.sum(np.abs(a) * u)


# (norm's adjoint helper is slow to transform again, real or complex: a few seconds each)
SLOW = [_norms, _spectral_norms] if os.environ.get("SRCDIFF_SLOW_TESTS") else []


@pytest.mark.parametrize(
    "f", [_abs, _angle, _parts, _var, _builtin_abs, _svd, _reductions, *SLOW], ids=lambda f: f.__name__
)
def test_reverse_over_reverse_of_real_results(f):
    """The gradient G of a real function, differentiated again in reverse (vjp) and forward
    (jvp) mode: both against finite differences of G."""
    check_gradient_again(f, complex_array(3, 2) + 0.5, RNG.standard_normal((3, 2)), 1e-5, (1e-8, 1e-7))


def check_gradient_again(f, z, u, rtol, atol):
    """G = grad(f) (w.r.t. the complex z; u is data): vjp and jvp of G against finite differences."""
    v, w = complex_array(*z.shape), complex_array(*z.shape)
    G = srcdiff.grad(f)
    h = 1e-6
    dG = (G(z + h * v, u) - G(z - h * v, u)) / (2 * h)
    (ct, _) = srcdiff.vjp(G, z, u)[1](w)
    assert np.real(np.vdot(v, ct)) == pytest.approx(np.real(np.vdot(w, dG)), rel=rtol, abs=atol[0])
    np.testing.assert_allclose(srcdiff.jvp(G, (z, u), (v, None))[1], dG, rtol=rtol, atol=atol[1])


def test_vjp_of_a_complex_output():
    def f(z):
        return np.sin(z) * z

    z, u = complex_array(3), complex_array(3)
    value, pullback = srcdiff.vjp(f, z)
    (ct,) = pullback(u)
    v = complex_array(3)
    h = 1e-6
    jv = (f(z + h * v) - f(z - h * v)) / (2 * h)
    assert np.real(np.vdot(v, ct)) == pytest.approx(np.real(np.vdot(u, jv)), rel=1e-6)


def test_grad_of_a_complex_output_is_the_holomorphic_derivative():
    def f(z):
        return z * (1.0 + 0.2j) + np.sin(z)

    z = 0.3 + 0.4j
    assert srcdiff.grad(f)(z) == pytest.approx(1.0 + 0.2j + np.cos(z))
    g = srcdiff.grad(srcdiff.grad(f))  # d/dz of f'(z) = 1 + 0.2j + cos(z): -sin(z)
    assert g(z) == pytest.approx(-np.sin(z))


@settings(max_examples=25, deadline=None)
@given(st.floats(-2, 2), st.floats(-2, 2), st.floats(0.1, 2))
def test_property_holomorphic_chain(a, b, c):
    z = np.array([a + 1j * b, c - 0.5j])

    def f(w):
        return np.sum(np.abs(np.exp(w) * np.cos(w) + w / (c + 1.0)) ** 2)

    check(f, z, rtol=1e-4, atol=1e-6)


# -- refused, never guessed -------------------------------------------------------------


def test_grad_of_a_complex_output_of_real_inputs_is_refused():
    def f(x):
        return x * (1.0 + 0.2j)

    with pytest.raises(srcdiff.SrcDiffError, match="real output"):
        srcdiff.grad(f)(1.0)


def test_real_only_rule_on_complex_values_is_refused():
    def f(z):
        return np.sum(np.maximum(z, 0.0).real)

    with pytest.raises(srcdiff.SrcDiffError, match="complex values") as err:
        srcdiff.grad(f)(complex_array(3))
    assert "test_complex.py" in str(err.value)


def test_varying_exponent_of_a_complex_base_is_refused():
    def f(z, p):
        return np.sum(np.abs(z**p))

    with pytest.raises(srcdiff.SrcDiffError, match="exponent"):
        srcdiff.grad(f)(complex_array(2), 2.0)


def test_real_rules_on_real_parts_are_fine():
    def f(z):
        return np.sum(np.maximum(np.real(z), 0.0) + np.tanh(np.imag(z)))

    check(f, complex_array(4))


def test_real_code_is_unchanged():
    def f(x):
        return np.sum(np.abs(x) * np.abs(x + 0.5))

    df = srcdiff.grad(f)
    df(np.ones(3))
    assert "conj" not in srcdiff.source(df)
    df(complex_array(3))  # (the real specialization is not reused for complex arguments)
    assert "conj" in srcdiff.source(df)


@pytest.mark.parametrize(
    "ord, axis, shape",
    [(None, None, (4,)), (None, None, (3, 2)), (3, None, (4,)), (np.inf, None, (4,)), (1, None, (4,)),
     (None, 1, (3, 4)), ("fro", None, (3, 2)), ("nuc", None, (3, 2)), (2, None, (3, 2)), (1, None, (3, 2)),
     (None, (0, 1), (3, 2, 2))],
)  # fmt: skip
def test_norms_of_complex_entries(ord, axis, shape):
    w = RNG.standard_normal(np.shape(np.linalg.norm(np.ones(shape), ord=ord, axis=axis)))

    def f(z):
        return np.sum(np.linalg.norm(z, ord=ord, axis=axis) * w)

    check(f, complex_array(*shape))


def test_erf_of_complex_values():
    special = pytest.importorskip("scipy.special")

    def f(z):
        return np.sum(np.abs(special.erf(z) + special.erfc(0.5 * z)) ** 2)

    check(f, 0.3 * complex_array(3))


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_hermitian_eigh(uplo):
    """Eigenvalues and the moduli of eigenvectors (their phases are arbitrary) of the Hermitian
    matrix read from one triangle of a complex matrix."""
    wv, wa = RNG.standard_normal(4), RNG.standard_normal((4, 4))

    def f(a):
        w, v = np.linalg.eigh(a, uplo)
        return np.sum(w * wv) + np.sum(np.abs(v) * wa)

    check(f, complex_array(4, 4), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("shape", [(3, 5), (4, 4), (5, 3), (2, 3, 4)])
def test_complex_svd(shape):
    """Singular values, and the moduli of singular vectors (their phases are arbitrary)."""
    k = min(shape[-2:])
    ws = RNG.standard_normal(shape[:-2] + (k,))
    wu, wv = RNG.standard_normal(shape[:-1] + (k,)), RNG.standard_normal(shape[:-2] + (k, shape[-1]))

    def f(a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return np.sum(s * ws) + np.sum(np.abs(u) * wu) + np.sum(np.abs(vh) * wv)

    def values(a):
        return np.sum(np.linalg.svd(a, compute_uv=False) ** 2 * ws)

    check(f, complex_array(*shape), rtol=1e-4, atol=1e-6)
    check(values, complex_array(*shape), rtol=1e-4, atol=1e-6)


def test_eig_of_a_complex_matrix():
    """Eigenvalues, and the moduli of the unit eigenvectors (their phases are arbitrary)."""
    ww, wv = complex_array(4), RNG.standard_normal((4, 4))

    def f(a):
        w, v = np.linalg.eig(a)
        return np.real(np.sum(w * ww)) + np.sum(np.abs(v) * wv) + np.sum(np.abs(np.linalg.eigvals(a)))

    check(f, complex_array(4, 4), rtol=1e-4, atol=1e-6)


def test_complex_eigenvalues_of_a_real_matrix_stay_refused():
    def f(a):
        return np.sum(np.abs(np.linalg.eigvals(a)))

    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])
    with pytest.raises(srcdiff.SrcDiffError, match="complex results"):
        srcdiff.grad(f)(rotation)


def _eigh(a, u):
    w, v = np.linalg.eigh(a * u)
    return np.sum(w * np.diag(u)) + np.sum(np.abs(v) * u)


def _eig(a, u):
    w, v = np.linalg.eig(a * u)
    return np.sum(np.abs(w) ** 2) + np.sum(np.abs(v) * u)


@pytest.mark.parametrize("f", [_eigh, _eig], ids=lambda f: f.__name__)
def test_reverse_over_reverse_of_decompositions(f):
    check_gradient_again(f, complex_array(3, 3), RNG.standard_normal((3, 3)) + 2.0, 1e-4, (1e-7, 1e-6))


def test_eig_of_a_real_matrix_cast_to_complex():
    ww = RNG.standard_normal(3)

    def f(a):
        w, v = np.linalg.eig(a.astype(complex))
        return np.sum(np.abs(w) * ww) + np.sum(np.abs(v))

    got = check(f, RNG.standard_normal((3, 3)), rtol=1e-4, atol=1e-6)
    assert got.dtype == np.float64


def test_arrays_made_complex_by_their_dtype():
    def f(x):
        w = np.sum(np.abs(x.astype(complex)))  # (abs of a real value, through a complex one)
        z = np.zeros(3, dtype=complex) + w
        z = z + x * np.array([1.0, 2.0, 3.0], dtype=np.complex128) * 1.5
        return np.sum(np.abs(np.exp(1j * z)) + np.real(z * z))

    check(f, RNG.standard_normal(3))


@pytest.mark.parametrize("kind", ["fftn", "ifftn", "fft2", "ifft2"])
@pytest.mark.parametrize("s, axes", [(None, None), ((3, 5), (0, 1)), (None, (0,)), ((4,), (1,))])
def test_nd_transforms(kind, s, axes):
    transform = getattr(np.fft, kind)
    if kind.endswith("2") and axes is not None and len(axes) != 2:
        axes = (0, 1)
        s = None if s is None or len(s) == 2 else s + s

    def f(z):
        y = transform(z, s, axes) if axes is not None else transform(z, s)
        return np.sum(np.abs(y) ** 2 * np.arange(y.size).reshape(y.shape))

    check(f, complex_array(3, 4), rtol=1e-4, atol=1e-6)
    check(f, RNG.standard_normal((3, 4)), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("s, axes", [(None, None), ((4, 6), (0, 1)), ((5,), (0,)), ((3, 3), (0, 1))])
def test_nd_real_transforms(s, axes):
    def f(x):
        y = np.fft.rfftn(x, s, axes)
        return np.sum(np.abs(y) ** 2 * np.arange(y.size).reshape(y.shape))

    def g(c):
        return np.sum(np.fft.irfftn(c, s, axes) ** 2 * 1.5) + np.sum(np.fft.irfft2(c) * 0.5)

    def h(x):
        return np.sum(np.abs(np.fft.rfft2(x)) ** 3)

    check(f, RNG.standard_normal((3, 4)), rtol=1e-4, atol=1e-6)
    check(g, complex_array(3, 4), rtol=1e-4, atol=1e-6)
    check(h, RNG.standard_normal((3, 4)), rtol=1e-4, atol=1e-6)


def test_second_order_through_nd_transforms():
    def f(x):
        y = np.fft.rfftn(x) * np.fft.rfft2(x * x)
        inverse = np.abs(np.fft.ifft2(x * x)) ** 2 + np.abs(np.fft.ifftn(x)) ** 2
        return np.sum(np.abs(y) ** 2) + np.sum(np.fft.irfftn(np.fft.fftn(x)[:, :2]) ** 2) + np.sum(inverse)

    x = RNG.standard_normal((2, 3))
    gf = srcdiff.grad(f)
    h = 1e-5
    v = RNG.standard_normal((2, 3))
    numeric = (gf(x + h * v) - gf(x - h * v)) / (2 * h)
    np.testing.assert_allclose(srcdiff.hvp(f)(x, v), numeric, rtol=1e-5, atol=1e-6)
    w = RNG.standard_normal((2, 3))
    (ct,) = srcdiff.vjp(gf, x)[1](w)
    assert np.sum(ct * v) == pytest.approx(np.sum(w * numeric), rel=1e-5)


M = complex_array(3, 3) + 2.0 * np.eye(3)


def _h_prod(z):
    return np.prod(z, axis=0)


def _h_cumprod(z):
    return np.cumprod(z, axis=1)


def _h_cumsum(z):
    return np.cumsum(z)


def _h_trace(z):
    return np.trace(z) * z


def _h_dot(z):
    return np.dot(z, M) + z @ z


def _h_einsum(z):
    return np.einsum("ij,jk->ik", z, M)


def _h_tensordot(z):
    return np.tensordot(z, M, axes=1)


def _h_kron(z):
    return np.kron(z[0], M[1])


def _h_outer(z):
    return np.outer(z[0], z[1])


def _h_inner(z):
    return np.inner(z, M)


def _h_inv(z):
    return np.linalg.inv(z + 3.0 * np.eye(3))


def _h_solve(z):
    return np.linalg.solve(z + 3.0 * np.eye(3), M)


def _h_det(z):
    return np.linalg.det(z + 2.0 * np.eye(3))


def _h_matrix_power(z):
    return np.linalg.matrix_power(z, 3)


def _h_shaping(z):
    return np.concatenate([np.transpose(z), np.reshape(z, (3, 3))[::-1]], axis=1)


def _h_where(z):
    return np.where(np.real(z) > 0, z, 2.0 * z)


def _h_max(z):
    return np.max(z, axis=0) + np.min(z)


def _h_mean(z):
    return np.mean(z, axis=1) * np.sum(z)


def _h_elementwise(z):
    return np.tan(0.3 * z) + np.arcsinh(z) + np.log1p(z + 3.0) + np.reciprocal(z + 3.0)


HOLOMORPHIC_CASES = {
    "prod": _h_prod,
    "cumprod": _h_cumprod,
    "cumsum": _h_cumsum,
    "trace": _h_trace,
    "dot": _h_dot,
    "einsum": _h_einsum,
    "tensordot": _h_tensordot,
    "kron": _h_kron,
    "outer": _h_outer,
    "inner": _h_inner,
    "inv": _h_inv,
    "solve": _h_solve,
    "det": _h_det,
    "matrix_power": _h_matrix_power,
    "shaping": _h_shaping,
    "where": _h_where,
    "max": _h_max,
    "mean": _h_mean,
    "elementwise": _h_elementwise,
}


@pytest.mark.parametrize("name", sorted(HOLOMORPHIC_CASES))
def test_rules_that_hold_for_complex_values(name):
    """Each holomorphic rule with complex values: grad and jvp of |f|^2 against finite
    differences, and its second derivative (grad of a component of the gradient)."""
    fn = HOLOMORPHIC_CASES[name]
    w = RNG.standard_normal(np.shape(fn(M)))

    def f(z):
        return np.sum(np.abs(fn(z)) ** 2 * w)

    z = 0.5 * complex_array(3, 3)
    check(f, z, rtol=1e-4, atol=1e-6)
    g = srcdiff.grad(f)
    c = complex_array(3, 3)

    def component(y):
        return np.real(np.sum(g(y) * c))

    np.testing.assert_allclose(srcdiff.grad(component)(z), numeric_grad(component, z), rtol=1e-4, atol=1e-6)


def angle_of_real(x):
    return np.angle(x) * x


def test_angle_of_a_real_argument_has_a_real_zero_derivative():
    # (angle is 0 for x > 0: its derivative is zero, and real -- it was -1j / x, a wrong number)
    got = srcdiff.grad(angle_of_real)(0.3)
    assert got == 0.0 and not np.iscomplexobj(got)
    assert srcdiff.grad(srcdiff.grad(angle_of_real))(0.3) == 0.0


def abs_of(z):
    return np.sum(np.abs(z))


def gradient_of_abs(z):
    return srcdiff.grad(abs_of)(z)


def powers_of_parts(a):
    r, i = np.real(a), np.imag(a)
    a = np.abs(r) ** 1.4 + np.abs(i) ** 1.3
    return np.sum(np.sin(a))


def gradient_of_powers(a):
    return srcdiff.grad(powers_of_parts)(a)


@pytest.mark.parametrize("inner", [gradient_of_abs, gradient_of_powers], ids=lambda f: f.__name__)
def test_reverse_over_a_gradient_made_inside(inner):
    """vjp of a function that calls grad: the tape of the inner gradient holds complex and real
    values side by side, and each keeps its kind (real-only helpers were refused)."""
    z = complex_array(3, 2) + 0.5
    u = complex_array(3, 2)
    v = complex_array(3, 2)

    def outer(z, u):
        return np.real(np.sum(inner(z) * np.conj(u)))

    check_gradient_again(outer, z, u, 1e-5, (1e-7, 1e-6))
    h = 1e-6
    (ct,) = srcdiff.vjp(inner, z)[1](u)
    dG = (inner(z + h * v) - inner(z - h * v)) / (2 * h)
    assert np.real(np.vdot(v, ct)) == pytest.approx(np.real(np.vdot(u, dG)), rel=1e-5, abs=1e-7)
