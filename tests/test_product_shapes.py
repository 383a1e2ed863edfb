"""Shape inference of matrix products worked out from the shapes (a product of zeros the
arguments' size would run at transform time), against numpy's own products."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from srcdiff.analysis.shapes import _matmul

SHAPES = st.lists(st.integers(1, 3), min_size=1, max_size=4).map(tuple)


@settings(max_examples=300, deadline=None)
@given(SHAPES, SHAPES, st.sampled_from([np.matmul, np.dot]))
def test_product_shape_is_numpys(a, b, product):
    try:
        expected = product(np.zeros(a), np.zeros(b)).shape
    except ValueError:
        expected = None
    assert _matmul(a, b, product) == expected
