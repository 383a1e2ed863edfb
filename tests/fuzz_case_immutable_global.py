"""A program the fuzzer drew (seed 141): `x += (SCALE if ... else x)` on a number whose kind the
analysis cannot prove, with SCALE a float global, was refused as an in-place write that also
changes SCALE.  Numbers and globals bound to numbers share no memory."""

import math
import numpy as np

SCALE = -0.5


def h0(p, q):
    q = q * ((1.0 + (0.5) ** 2) ** 0.5)
    return -p


def h1(p, q=0.5):
    if ((1.0 + (SCALE) ** 2) ** math.tanh(1.25)) > (p**2.0):
        q = q + float(2)
    elif q < 1.0:
        k0 = 0
        while q < 2.0 and k0 < 5:
            k0 += 1
            p = p - q
        if 2 < 1.0:
            return p
    elif not (q < 0.0 and (p <= q or p > 0.0)):
        t1 = q / (1.0 + p * p)
    p /= 1.0 + q**2
    for u2, u3 in zip([q], (p,)):
        q = q + h0(SCALE, p)
        p = p
        if p > u2:
            return math.exp(math.sin(1.5))
    return q


def h2(p):
    for i4 in range(1, 4):
        t5 = h1((SCALE - p))
    p = h1(((-SCALE) - h1(p)))
    return h0((p + p), (abs(p) + p))


def f(x):
    k6 = 0
    while k6 < 3 and x > x:
        k6 += 1
        x = x - (x / x)
        x = x - x
        x += SCALE if x < x else x
    for u7, u8 in zip(
        (x, 2.0, -0.5),
        (
            0.5,
            x,
            x,
        ),
    ):
        t9 = u7
        t10 = math.hypot(math.log(1.0 + t9 * t9), SCALE)
        t10 = t10 - math.log1p(t9 * t9)
    t11 = math.erf(x) + x
    if (x * t11) > math.sinh(math.sin(t11)):
        k12 = 0
        while k12 < 5 and not (t11 >= 2.0):
            k12 += 1
            t13 = x
        k14 = 0
        while x <= t11 and k14 < 3:
            k14 += 1
            t11 -= x
        t15 = t11
    elif (x + 1.5) <= (x / (2.0 + math.sin(t11))):
        if not ((x > x and t11 < 0.5) or x >= 2.0):
            x /= 1.0 + h2((x + x)) ** 2
        else:
            t16 = x
        x = x * h2(x)
    else:
        x += -x
    return math.pow(1.0 + t11 * t11, 1.5)
