"""pytest's --doctest-modules imports every module here; skip the peer modules whose library
is missing (CI installs neither jax nor torch), instead of failing to collect them."""

import importlib


def _importable(name):
    try:
        importlib.import_module(name)
        return True
    except ImportError:
        return False


collect_ignore = [f"peers_{name}.py" for name in ("jax", "torch") if not _importable(name)]
