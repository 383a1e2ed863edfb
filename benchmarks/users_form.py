"""The workloads as users write them: the data (design matrix, labels, observations, time
steps, loop counts) kept in module-level globals that the function reads, not passed in.

``users_form(workload)`` writes the workload's function and its hand-written gradient without
their data parameters into a module file of their own, whose globals hold the data, and imports
it: the same code, reading ``X`` where it was given ``X``.  Both srcdiff and the hand-written
gradient then run on the data the way a user's script keeps it.
"""

import ast
import importlib.util
import inspect
import os
import tempfile
import textwrap
from dataclasses import replace

_DIR = tempfile.mkdtemp(prefix="srcdiff_users_form_")
_HEADER = "import math\n\nimport numpy as np\n\nfrom workloads import *  # noqa: F403\nfrom workloads import _scatter_rows  # noqa: F401\n\n"


def _without_parameters(fn, names):
    """``fn``'s source with the parameters ``names`` removed (they are globals then)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    fdef = tree.body[0]
    fdef.args.args = [a for a in fdef.args.args if a.arg not in names]
    fdef.decorator_list = []
    return ast.unparse(tree)


def users_form(wl):
    """``wl`` (a ``run.Workload``) with its data as module-level globals: the differentiated
    arguments stay parameters, every other argument becomes a global of the function's module."""
    wrt = wl.wrt if isinstance(wl.wrt, tuple) else (wl.wrt,)
    params = list(inspect.signature(wl.f).parameters)
    assert sorted(wrt) == list(range(len(wrt))), "the differentiated arguments come first"
    data = {name: value for k, (name, value) in enumerate(zip(params, wl.args)) if k not in wrt}
    name = f"users_{wl.f.__name__}_{abs(hash(wl.size))}"
    source = _HEADER + _without_parameters(wl.f, data) + "\n\n\n" + _without_parameters(wl.hand, data) + "\n"
    path = os.path.join(_DIR, name + ".py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    vars(module).update(data)
    f, hand = getattr(module, wl.f.__name__), getattr(module, wl.hand.__name__)
    return replace(wl, f=f, hand=hand, args=tuple(wl.args[k] for k in range(len(wrt))), notes=[])
