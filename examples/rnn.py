"""A recurrent neural network unrolled with a Python ``for`` loop, trained with srcdiff.

The RNN reads a batch of noisy sine waves one time step at a time,

    h = tanh(Wx @ x[t] + Wh @ h + b)

collects its hidden states with ``hs.append(h)``, stacks them with
``np.stack(hs)`` and reads out a prediction of the *next* value of each wave
from every hidden state. The loss is the mean squared error of those
predictions. That loop over 30 time steps is all there is: srcdiff generates
backpropagation through time from it, including the adjoint of the list of
hidden states and of the ``np.stack``.

Arrays are laid out as ``x[t]`` of shape (1, batch) and ``h`` of shape
(hidden, batch), so the matrices multiply from the left as in the formula.
The parameters are a dict; ``srcdiff.grad(loss)`` returns a dict of gradients.

Run it with ``python examples/rnn.py``; see the generated code with
``srcdiff dump examples/rnn.py:loss --example example_args``.
"""

import numpy as np

import srcdiff

HIDDEN, STEPS = 16, 30


def loss(params, x, targets):
    """Mean squared error of the RNN's one-step-ahead predictions.

    ``x`` has shape (time, 1, batch); ``targets`` has the same shape (x shifted by one step).
    """
    h = np.zeros((params["Wh"].shape[0], x.shape[2]))
    hs = []
    for t in range(x.shape[0]):
        h = np.tanh(params["Wx"] @ x[t] + params["Wh"] @ h + params["b"])
        hs.append(h)
    states = np.stack(hs)  # (time, hidden, batch)
    predictions = params["Wy"] @ states + params["by"]  # (time, 1, batch)
    return np.mean((predictions - targets) ** 2)


def make_waves(batch=16, steps=STEPS, seed=0):
    """Noisy sine waves of random frequency and phase: inputs x[0..T-1] and targets x[1..T]."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps + 1)[:, None]
    freq = rng.uniform(0.2, 0.6, size=batch)
    phase = rng.uniform(0, 2 * np.pi, size=batch)
    waves = np.sin(freq * t + phase) + 0.05 * rng.normal(size=(steps + 1, batch))
    waves = waves[:, None, :]  # (time, 1, batch)
    return waves[:-1], waves[1:]


def init_params(seed=1):
    rng = np.random.default_rng(seed)
    return {
        "Wx": rng.normal(scale=0.5, size=(HIDDEN, 1)),
        "Wh": rng.normal(scale=0.5 / np.sqrt(HIDDEN), size=(HIDDEN, HIDDEN)),
        "b": np.zeros((HIDDEN, 1)),
        "Wy": rng.normal(scale=1.0 / np.sqrt(HIDDEN), size=(1, HIDDEN)),
        "by": np.zeros((1, 1)),
    }


def example_args():
    """Arguments (params, x, targets) for ``loss``: fresh parameters (nonzero biases) and 4 waves."""
    params = init_params(seed=2)
    params["b"] = params["b"] + 0.1
    params["by"] = params["by"] - 0.2
    x, targets = make_waves(batch=4, seed=5)
    return params, x, targets


def main(steps=400, learning_rate=0.1, momentum=0.9, report_every=50):
    """Gradient descent with momentum on one batch of 16 waves."""
    x, targets = make_waves()
    params = init_params()
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    value_and_grad = srcdiff.value_and_grad(loss)  # gradient: a dict like params
    for step in range(steps + 1):
        value, grads = value_and_grad(params, x, targets)
        if step % report_every == 0 or step == steps:
            print(f"step {step:4d}: loss = {value:.5f}")
        velocity = {k: momentum * velocity[k] - learning_rate * grads[k] for k in params}
        params = {k: params[k] + velocity[k] for k in params}
    test_x, test_targets = make_waves(seed=7)
    print(f"loss on fresh waves: {loss(params, test_x, test_targets):.5f}"
          f"   (predicting 'no change': {np.mean((test_x - test_targets) ** 2):.5f})")
    return params


if __name__ == "__main__":
    main()
