"""How long srcdiff takes to transform (read, transform, compile) the benchmark workloads and a
few large generated functions; the best of several fresh starts each.

    python3 benchmarks/transform_times.py [--repeats 5] [--plot benchmarks/transform_times.png]

Prints a Markdown table.  To compare two versions of srcdiff, run it from each checkout
(``PYTHONPATH=<checkout> python3 benchmarks/transform_times.py``), alternating, and take the
best of the runs: shared machines are noisy, so nothing here asserts on times.
"""

import argparse
import os
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import run  # noqa: E402  (the benchmark's workloads and its transform_time)
import workloads as W  # noqa: E402


def _generated(name, source, args, wrt=0):
    """A function defined from ``source`` in a module of its own (so ``inspect`` finds it)."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"srcdiff_transform_{name}.py")
    with open(path, "w") as f:
        f.write(source)
    scope = {"__name__": f"srcdiff_transform_{name}"}
    exec(compile(source, path, "exec"), scope)  # noqa: S102 - our own text
    return run.Workload(name, "", scope["f"], None, wrt, args)


def straight_line(n):
    """``n`` assignments, each reading the two before it."""
    lines = ["import math", "", "def f(x):", "    a0 = x", "    a1 = x * 2.0"]
    lines += [f"    a{i} = a{i - 1} * 0.5 + math.sin(a{i - 2})" for i in range(2, n)]
    lines.append(f"    return a{n - 1}")
    return _generated(f"straight_{n}", "\n".join(lines) + "\n", (0.3,))


def nested_loops(depth):
    """``depth`` nested ``for`` loops of two iterations around one update."""
    body = "s = s * x + 1.0"
    for i in reversed(range(depth)):
        body = f"for i{i} in range(2):\n" + textwrap.indent(body, "    ")
    source = "def f(x):\n    s = 0.0\n" + textwrap.indent(body, "    ") + "\n    return s\n"
    return _generated(f"nested_{depth}", source, (0.9,))


SIZES = [100, 250, 500, 1000, 2000]
DEPTHS = [2, 4, 8, 12, 16]


def scaling(repeats=1):
    """Transform times (s) of straight-line functions by statement count and of nested loops by depth."""
    sizes = [(n, run.transform_time(straight_line(n), repeats=repeats)) for n in SIZES]
    depths = [(d, run.transform_time(nested_loops(d), repeats=repeats)) for d in DEPTHS]
    return sizes, depths


def plot_scaling(sizes, depths, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot([n for n, _ in sizes], [t for _, t in sizes], "o-")
    left.set_xlabel("statements (straight-line function)")
    left.set_ylabel("transform time (s)")
    left.set_title("srcdiff transform time by function size")
    right.plot([d for d, _ in depths], [t * 1e3 for _, t in depths], "o-")
    right.set_xlabel("nested loops (depth)")
    right.set_ylabel("transform time (ms)")
    right.set_title("by loop nesting depth")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--plot", help="also time functions of growing size and nesting depth, and plot them here")
    opts = ap.parse_args()
    if opts.plot:
        sizes, depths = scaling()
        print("| statements | transform (s) |\n|---|---|")
        for n, t in sizes:
            print(f"| {n} | {t:.2f} |")
        print("\n| nesting depth | transform (ms) |\n|---|---|")
        for d, t in depths:
            print(f"| {d} | {t * 1e3:.1f} |")
        plot_scaling(sizes, depths, opts.plot)
        return
    cases = run.make_workloads("quick")
    cases.append(run.Workload("50-line scalar function", "", W.fifty_lines, None, (0, 1, 2), (0.3, 0.7, 1.2, 5)))
    cases += [straight_line(200), straight_line(400), nested_loops(6)]
    print("| function | transform (ms) |\n|---|---|")
    for wl in cases:
        t = run.transform_time(wl, repeats=opts.repeats)
        print(f"| {wl.name} {wl.size} | {t * 1e3:.1f} |", flush=True)


if __name__ == "__main__":
    main()
