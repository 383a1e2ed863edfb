"""The classic seed example: differentiate a function written step by step.

    f(x) = sqrt(x**2 + exp(x**2)) + cos(x**2 + exp(x**2))

is written below through intermediate variables, the way one would write it
by hand. srcdiff reads that source and generates a new Python function for
df/dx; we compare it with a central finite difference and with the
derivative worked out on paper. A second function, g(x, y) = 2*x - y, shows
a gradient with respect to several parameters (wrt=(0, 1)).

Run it with ``python examples/seed.py``; see the generated code with
``srcdiff dump examples/seed.py:f``.
"""

import math

import srcdiff


def f(x: float) -> float:
    a = x**2
    b = math.exp(a)
    c = a + b
    d = math.sqrt(c)
    e = math.cos(c)
    return d + e


def g(x: float, y: float) -> float:
    return 2 * x - y


def df_by_hand(x):
    """df/dx from the chain rule, for comparison: (1/(2 sqrt c) - sin c) * 2x(1 + e^(x^2))."""
    c = x**2 + math.exp(x**2)
    return (0.5 / math.sqrt(c) - math.sin(c)) * 2 * x * (1 + math.exp(x**2))


def central_difference(fn, x, h=1e-6):
    """(fn(x + h) - fn(x - h)) / 2h: a numerical check, accurate to about 1e-8 here."""
    return (fn(x + h) - fn(x - h)) / (2 * h)


def main():
    df = srcdiff.grad(f)
    print("f(x) = sqrt(x**2 + exp(x**2)) + cos(x**2 + exp(x**2))")
    print(f"{'x':>5} {'f(x)':>12} {'srcdiff df/dx':>15} {'finite diff':>15} {'by hand':>15}")
    for x in (-1.0, 0.25, 0.5, 1.0, 1.5):
        print(f"{x:5.2f} {f(x):12.6f} {df(x):15.8f} {central_difference(f, x):15.8f} {df_by_hand(x):15.8f}")

    dg = srcdiff.grad(g, wrt=(0, 1))
    gx, gy = dg(3.0, 4.0)
    print()
    print(f"g(x, y) = 2*x - y at (3, 4): g = {g(3.0, 4.0)}, (dg/dx, dg/dy) = ({gx}, {gy})")

    print()
    print("generated source of df/dx:")
    print(srcdiff.source(df))


if __name__ == "__main__":
    main()
