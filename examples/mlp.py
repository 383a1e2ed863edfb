"""A two-layer neural network (MLP) trained with SGD, gradients by srcdiff.

The network is ``softmax(tanh(X @ W1 + b1) @ W2 + b2)``, applied to a batch of
points (the rows of ``X``), and the loss is the mean cross-entropy against
integer class labels. The log-softmax is computed stably, by subtracting each
row's maximum before exponentiating. The parameters live in a dict
{"W1", "b1", "W2", "b2"}, and ``srcdiff.grad(loss)(params, X, y)`` returns a
dict of gradients with the same keys, so one SGD step is a dict comprehension.

The data are three interleaved spirals in 2-D (not linearly separable), in
minibatches of 60 points.

Run it with ``python examples/mlp.py``; see the generated code with
``srcdiff dump examples/mlp.py:loss --example example_args``.
"""

import numpy as np

import srcdiff


def loss(params, X, y):
    """Mean softmax cross-entropy of the MLP on a batch X (n x d), labels y (n,) of ints."""
    h = np.tanh(X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(y)), y])


def make_spirals(points_per_class=100, classes=3, seed=0):
    """``classes`` interleaved noisy spirals in the plane."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1.0, points_per_class)
        t = np.linspace(c * 4.0, (c + 1) * 4.0, points_per_class) + 0.2 * rng.normal(size=points_per_class)
        X.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y.append(np.full(points_per_class, c))
    return np.concatenate(X), np.concatenate(y)


def init_params(n_in=2, n_hidden=32, n_out=3, seed=1):
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(scale=1.0, size=(n_in, n_hidden)),
        "b1": np.zeros(n_hidden),
        "W2": rng.normal(scale=1.0 / np.sqrt(n_hidden), size=(n_hidden, n_out)),
        "b2": np.zeros(n_out),
    }


def example_args():
    """Arguments (params, X, y) for ``loss``: fresh parameters and every 15th point (20 of them)."""
    X, y = make_spirals()
    params = init_params(seed=2)
    params = {k: v + 0.1 for k, v in params.items()}  # nonzero biases, so every gradient entry is exercised
    return params, X[::15], y[::15]


def accuracy(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    return np.mean(np.argmax(h @ params["W2"] + params["b2"], axis=1) == y)


def main(steps=300, learning_rate=0.5, batch_size=60, report_every=50):
    X, y = make_spirals()
    params = init_params()
    grad_loss = srcdiff.grad(loss)  # with respect to params: a dict of gradients
    rng = np.random.default_rng(3)
    for step in range(steps + 1):
        if step % report_every == 0 or step == steps:
            print(f"step {step:4d}: loss = {loss(params, X, y):.4f}   accuracy = {accuracy(params, X, y):.3f}")
        batch = rng.choice(len(y), size=batch_size, replace=False)
        grads = grad_loss(params, X[batch], y[batch])
        params = {k: params[k] - learning_rate * grads[k] for k in params}
    return params


if __name__ == "__main__":
    main()
