"""More numpy rules, for functions numerical code reaches for (into the table of
:mod:`srcdiff.rules.numpy_module`).

>>> from srcdiff.rules import is_constant
>>> is_constant(np.issubdtype)
True
"""

from __future__ import annotations

import numpy as np

from .numpy_module import NUMPY

# what describes an array's type or shape carries no derivative
NUMPY.constant(np.issubdtype, np.result_type, np.iscomplexobj, np.isrealobj, np.broadcast_shapes)
