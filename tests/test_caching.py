"""Caching and concurrency: transform once, see redefinitions, do not leak."""

from __future__ import annotations

import gc
import importlib.util
import math
import threading
import weakref

import numpy as np
from helpers import load_module

import srcdiff
from srcdiff import pipeline


def test_eight_threads_transform_a_new_function_once(tmp_path):
    module = load_module(tmp_path, "threads_mod", "import math\ndef f(x):\n    return math.sin(x) * x * x\n")
    before = srcdiff.cache_info()["transforms"]
    results = []
    barrier = threading.Barrier(8)

    def work():
        barrier.wait()
        results.append(srcdiff.grad(module.f)(0.5))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = math.cos(0.5) * 0.25 + math.sin(0.5) * 1.0
    assert len(results) == 8 and all(abs(r - expected) < 1e-12 for r in results)
    assert srcdiff.cache_info()["transforms"] - before == 1


def test_a_redefined_function_uses_its_new_code(tmp_path):
    """Like re-running a notebook cell: a new function object with the same name."""
    first = load_module(tmp_path, "cell_v1", "def f(x):\n    return x * x\n")
    assert srcdiff.grad(first.f)(3.0) == 6.0
    second = load_module(tmp_path, "cell_v2", "def f(x):\n    return x * x * x\n")
    assert srcdiff.grad(second.f)(3.0) == 27.0


def test_a_redefined_helper_is_seen_by_its_caller(tmp_path):
    module = load_module(tmp_path, "rebound_mod", "def helper(x):\n    return x * x\n\ndef f(x):\n    return helper(x) + x\n")
    df = srcdiff.grad(module.f)
    assert df(2.0) == 5.0
    (tmp_path / "rebound_mod.py").write_text(
        "def helper(x):\n    return 10.0 * x\n\ndef f(x):\n    return helper(x) + x\n")
    spec = importlib.util.spec_from_file_location("rebound_mod", tmp_path / "rebound_mod.py")
    spec.loader.exec_module(module)  # re-run the module, as a notebook cell would: new helper object
    assert df(2.0) == 11.0 or srcdiff.grad(module.f)(2.0) == 11.0


def test_a_function_whose_code_is_replaced_is_transformed_again(tmp_path):
    module = load_module(tmp_path, "recode_mod", "def helper(x):\n    return x * x\n\ndef f(x):\n    return helper(x) + x\n")
    df = srcdiff.grad(module.f)
    assert df(2.0) == 5.0
    other = load_module(tmp_path, "recode_src", "def helper(x):\n    return 10.0 * x\n")
    module.helper.__code__ = other.helper.__code__  # same function object, new code (e.g. reloaded)
    assert df(2.0) == 11.0


def test_gradients_of_functions_made_in_a_loop_do_not_leak(tmp_path):
    module = load_module(tmp_path, "factory_mod", "def make(a):\n    def f(x):\n        return a * x * x\n    return f\n")
    refs = []
    for i in range(20):
        f = module.make(float(i))
        assert srcdiff.grad(f)(1.0) == 2.0 * i
        refs.append(weakref.ref(f))
    del f
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


def test_clear_cache_transforms_again(tmp_path):
    module = load_module(tmp_path, "clear_mod", "def f(x):\n    return 3.0 * x\n")
    srcdiff.grad(module.f)(1.0)
    before = srcdiff.cache_info()["transforms"]
    srcdiff.clear_cache()
    assert srcdiff.grad(module.f)(1.0) == 3.0
    assert srcdiff.cache_info()["transforms"] == before + 1


def test_helpers_cache_is_weak(tmp_path):
    module = load_module(tmp_path, "weak_mod", "def helper(x):\n    return x * x\n\ndef f(x):\n    return helper(x)\n")
    assert srcdiff.grad(module.f)(np.float64(2.0)) == 4.0
    assert pipeline.cached_helpers() >= 1
