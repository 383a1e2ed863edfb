"""``jacobian`` and ``hessian`` with respect to a container of parameters (a dict, a tuple of
arrays, a NamedTuple): the result has the container's structure, as JAX's -- for each leaf of
the output, the input's structure holding blocks of shape ``out_leaf.shape + in_leaf.shape``
(a ragged container used to end in a ValueError inside numpy)."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact

DESIGN = np.linspace(-1.0, 1.0, 12).reshape(4, 3)


def layer_loss(params):
    return np.sum(np.tanh(DESIGN @ params["W"] + params["b"]) ** 2)


def layer_outputs(params):
    return np.tanh(DESIGN @ params["W"] + params["b"])


def pair_loss(pair):
    W, b = pair
    return np.sum((DESIGN @ W) ** 2) * b


PARAMS = {"W": np.array([0.2, -0.1, 0.4]), "b": 0.3}


def test_hessian_of_a_dict_is_blocks_in_the_dict_structure():
    h = srcdiff.hessian(layer_loss)(PARAMS)
    assert set(h) == {"W", "b"} and set(h["W"]) == {"W", "b"}
    assert np.shape(h["W"]["W"]) == (3, 3) and np.shape(h["W"]["b"]) == (3,) and np.shape(h["b"]["b"]) == ()
    np.testing.assert_allclose(h["W"]["b"], h["b"]["W"], rtol=1e-10)  # symmetric


def test_hessian_of_a_tuple_of_array_and_number_matches_finite_differences():
    check_exact(pair_loss, (np.array([0.2, -0.1, 0.4]), 1.5))


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_dict_agrees_in_both_modes(mode):
    jac = srcdiff.jacobian(layer_outputs, mode=mode)(PARAMS)
    assert np.shape(jac["W"]) == (4, 3) and np.shape(jac["b"]) == (4,)
    h = 1e-6
    for i in range(3):
        up = {"W": PARAMS["W"] + h * np.eye(3)[i], "b": PARAMS["b"]}
        down = {"W": PARAMS["W"] - h * np.eye(3)[i], "b": PARAMS["b"]}
        np.testing.assert_allclose(jac["W"][:, i], (layer_outputs(up) - layer_outputs(down)) / (2 * h), rtol=1e-6)
    up, down = dict(PARAMS, b=PARAMS["b"] + h), dict(PARAMS, b=PARAMS["b"] - h)
    np.testing.assert_allclose(jac["b"], (layer_outputs(up) - layer_outputs(down)) / (2 * h), rtol=1e-6)
