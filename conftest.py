"""pytest's --doctest-modules imports every module it collects: leave out the benchmark peers
whose library is missing (CI installs neither jax nor torch) instead of failing to collect them.
(One conftest here, not in benchmarks/: two top-level conftest modules would clash with tests/.)"""

import importlib.util

collect_ignore = [
    f"benchmarks/peers_{name}.py" for name in ("jax", "torch") if importlib.util.find_spec(name) is None
]
