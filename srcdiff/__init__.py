"""srcdiff: source-to-source automatic differentiation for Python.

srcdiff reads a function's source and writes a new Python function that
computes its derivative, which you can call, read and debug.

>>> import srcdiff
>>> def f(x, y):
...     return 2 * x - y
>>> srcdiff.grad(f, wrt=(0, 1))(1.0, 2.0)
(2.0, -1.0)
"""

from importlib import metadata as _metadata

from .api.checks import check_grads
from .api.gradient import cache_info, clear_cache, grad, value_and_grad
from .api.jacobians import forward_source, hessian, hvp, jacfwd, jacobian, jacrev, jvp, vjp
from .api.registry import register_jvp, register_pytree_node, register_vjp
from .api.sources import source
from .errors import (
    NoDerivativeError,
    OutputError,
    SourceUnavailableError,
    SrcDiffError,
    UnsupportedSyntaxError,
    WrtError,
)
from .runtime import checkpointed, stop_gradient

try:
    __version__: str = _metadata.version("srcdiff")
except _metadata.PackageNotFoundError:  # (run from a checkout that is not installed)
    __version__ = "0.1.0"

__all__ = [
    "register_pytree_node",
    "jvp",
    "vjp",
    "jacobian",
    "jacfwd",
    "jacrev",
    "hessian",
    "hvp",
    "forward_source",
    "register_vjp",
    "register_jvp",
    "check_grads",
    "grad",
    "value_and_grad",
    "source",
    "cache_info",
    "clear_cache",
    "checkpointed",
    "stop_gradient",
    "SrcDiffError",
    "UnsupportedSyntaxError",
    "SourceUnavailableError",
    "NoDerivativeError",
    "WrtError",
    "OutputError",
]
