"""Logistic regression on a synthetic dataset, trained by gradient descent.

The loss is the mean log-loss of a linear classifier, p(y=1 | x) = sigmoid(x @ w + b),
written in its numerically stable form

    -log sigmoid(z)      = logaddexp(0, -z)
    -log (1 - sigmoid(z)) = logaddexp(0, z)

so that it never takes the log of 0, however large |z| gets. Only this forward
pass is written here: srcdiff reads ``loss`` and generates the code for its
gradient with respect to ``w`` and ``b`` (``wrt=("w", "b")``).

Run it with ``python examples/logistic_regression.py``; see the generated code,
specialized to the arrays of ``example_args()``, with
``srcdiff dump examples/logistic_regression.py:loss --wrt w,b --example example_args``.
"""

import numpy as np

import srcdiff


def loss(w, b, X, y):
    """Mean log-loss of sigmoid(X @ w + b) against labels y in {0, 1}."""
    z = X @ w + b
    per_example = y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)
    return np.mean(per_example)


def make_data(n=200, d=5, seed=0):
    """n points in d dimensions, labelled by a noisy linear rule."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    true_w = rng.normal(size=d)
    logits = X @ true_w + 0.5 + 0.5 * rng.normal(size=n)
    y = (logits > 0).astype(float)
    return X, y


def example_args():
    """Arguments (w, b, X, y) for ``loss``: random weights on the synthetic dataset."""
    X, y = make_data()
    w = np.random.default_rng(1).normal(scale=0.1, size=X.shape[1])
    return w, 0.1, X, y


def accuracy(w, b, X, y):
    return np.mean(((X @ w + b) > 0) == (y > 0.5))


def main(steps=200, learning_rate=0.5, report_every=25):
    X, y = make_data()
    w, b = np.zeros(X.shape[1]), 0.0
    loss_and_grad = srcdiff.value_and_grad(loss, wrt=("w", "b"))
    for step in range(steps + 1):
        value, (dw, db) = loss_and_grad(w, b, X, y)
        if step % report_every == 0 or step == steps:
            print(f"step {step:4d}: loss = {value:.6f}   accuracy = {accuracy(w, b, X, y):.3f}")
        w = w - learning_rate * dw
        b = b - learning_rate * db
    print(f"w = {np.round(w, 3)}, b = {b:.3f}")
    return w, b


if __name__ == "__main__":
    main()
