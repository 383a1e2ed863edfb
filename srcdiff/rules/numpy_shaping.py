"""More numpy rules for shaping, assembling and picking out arrays (into the table of
:mod:`srcdiff.rules.numpy_module`), with their helpers in :mod:`srcdiff.rules.shaping_helpers`.

All of them are linear in the arrays they rearrange, so forward mode applies the function to
the tangent.  Sorting picks a permutation: at a tie, equal elements are ordered as a *stable*
sort orders them (the first in the array counts as the smaller), in both modes.

>>> from srcdiff.rules import lookup
>>> lookup(np.rot90).adjoints["m"]
'np.rot90(g, -k, (0, 1) if axes is None else axes)'
"""

from __future__ import annotations

import numpy as np

from . import shaping_helpers
from .numpy_module import METHODS, NUMPY, linear_rule, multilinear_rule
from .runtime_rules import RUNTIME
from .table import register_helpers, rule

register_helpers(shaping_helpers.HELPERS)

# the one scatter the helpers use, and the gather it is the transpose of
RUNTIME.define(
    shaping_helpers.scatter_add,
    rule("v, index, n", elementwise=False, linear="v", v="gather_rows(g, index)"),
)
RUNTIME.define(
    shaping_helpers.gather_rows,
    rule("v, index", elementwise=False, linear="v", v="scatter_add(g, index, np.shape(v)[0])"),
)

# permutations and other index arrays the helpers compute: constants
RUNTIME.constant(
    shaping_helpers.sort_order,
    shaping_helpers.sort_inverse,
    shaping_helpers.partition_order,
    shaping_helpers.partition_inverse,
    shaping_helpers.select_choices,
    shaping_helpers.rollaxis_inverse,
    shaping_helpers._index_in_range,
    shaping_helpers._lane_index,
    shaping_helpers._kron_shapes,
    shaping_helpers._moved_shape,
    shaping_helpers._marks,
    shaping_helpers._gradient_probe,
    shaping_helpers._gradient_axes,
)

# second derivatives through the sequence adjoints: each is the transpose of an assembly
RUNTIME.define(
    shaping_helpers.column_stack_adjoint,
    rule("v, tup", elementwise=False, linear="v", v="assemble_like(g, tup, 'column_stack')"),
)
RUNTIME.define(
    shaping_helpers.select_adjoint,
    rule("v, condlist, choicelist", elementwise=False, linear="v", v="select_of(g, condlist, choicelist)"),
)
RUNTIME.define(
    shaping_helpers.meshgrid_adjoint,
    rule(
        "v, xi, k, sparse=False, indexing='xy'",
        elementwise=False,
        linear="v",
        v="meshgrid_tangent(g, xi, k, True, sparse, indexing)",
    ),
)
RUNTIME.define(
    shaping_helpers.cumsum_of, rule("v, axis=None", elementwise=False, linear="v", v="cumsum_adjoint(g, v, axis)")
)

# -- assembling ---------------------------------------------------------------------------
NUMPY.define(
    np.column_stack,
    linear_rule("tup", elementwise=False, sequences="tup", tup="column_stack_adjoint(g, tup)"),
)
NUMPY.define(
    np.row_stack,  # (deprecated: the same as np.vstack)
    NUMPY.rules[np.vstack],
)
NUMPY.define(
    np.append,
    linear_rule(
        "arr, values, axis=None",
        elementwise=False,
        arr="append_adjoint(g, arr, values, axis, True)",
        values="append_adjoint(g, arr, values, axis, False)",
    ),
)
NUMPY.define(
    np.insert,
    linear_rule(
        "arr, obj, values, axis=None",
        elementwise=False,
        arr="insert_adjoint(g, arr, obj, values, axis, True)",
        values="insert_adjoint(g, arr, obj, values, axis, False)",
    ),
)
NUMPY.define(np.delete, linear_rule("arr, obj, axis=None", elementwise=False, arr="delete_adjoint(g, arr, obj, axis)"))
NUMPY.define(
    np.kron,
    multilinear_rule("a, b", elementwise=False, a="kron_adjoint(g, a, b, True)", b="kron_adjoint(g, a, b, False)"),
)
_CROSS = "a, b, axisa=-1, axisb=-1, axisc=-1, axis=None"
NUMPY.define(
    np.cross,
    multilinear_rule(
        _CROSS,
        elementwise=False,
        a="cross_adjoint(g, a, b, axisa, axisb, axisc, axis, True)",
        b="cross_adjoint(g, a, b, axisa, axisb, axisc, axis, False)",
    ),
)
NUMPY.define(
    np.vdot,
    multilinear_rule(
        "a, b",
        elementwise=False,
        a="np.reshape(g * np.ravel(b), np.shape(a))",
        b="np.reshape(g * np.ravel(a), np.shape(b))",
    ),
)
# (default: a 0 or a constant; the first condition that holds picks the choice)
NUMPY.define(
    np.select,
    linear_rule(
        "condlist, choicelist, default=0",
        elementwise=False,
        sequences="condlist, choicelist",
        choicelist="select_adjoint(g, condlist, choicelist)",
        default="select_default_adjoint(g, condlist, default)",
    ),
)
NUMPY.define(
    np.meshgrid,
    rule(
        "*xi, copy=True, sparse=False, indexing='xy'",
        elementwise=False,
        xi="meshgrid_adjoint(g, xi, i, sparse, indexing)",
        jvp={"xi": "meshgrid_tangent(t, xi, i, copy, sparse, indexing)"},
    ),
)

# -- differences --------------------------------------------------------------------------
NUMPY.define(
    np.diff,
    linear_rule(
        "a, n=1, axis=-1, prepend=None, append=None",
        elementwise=False,
        a="diff_adjoint(g, a, n, axis, prepend, append, 1)",
        prepend="diff_adjoint(g, a, n, axis, prepend, append, 0)",
        append="diff_adjoint(g, a, n, axis, prepend, append, 2)",
    ),
)
NUMPY.define(
    np.ediff1d,
    linear_rule(
        "ary, to_end=None, to_begin=None",
        elementwise=False,
        ary="ediff1d_adjoint(g, ary, to_end, to_begin, 0)",
        to_end="ediff1d_adjoint(g, ary, to_end, to_begin, 1)",
        to_begin="ediff1d_adjoint(g, ary, to_end, to_begin, 2)",
    ),
)
# the sample spacings (varargs) are read as constants
NUMPY.define(
    np.gradient,
    linear_rule(
        "f, *varargs, axis=None, edge_order=1",
        elementwise=False,
        f="gradient_adjoint(g, f, varargs, axis, edge_order)",
        refuse="varargs",
    ),
)

# -- rearranging --------------------------------------------------------------------------
# (a tuple default cannot be written into generated code: None stands for numpy's (0, 1))
NUMPY.define(
    np.rot90, linear_rule("m, k=1, axes=None", elementwise=False, m="np.rot90(g, -k, (0, 1) if axes is None else axes)")
)
NUMPY.define(
    np.rollaxis,
    linear_rule("a, axis, start=0", elementwise=False, a="np.transpose(g, rollaxis_inverse(np.ndim(a), axis, start))"),
)
NUMPY.define(
    np.vsplit,
    linear_rule("ary, indices_or_sections", elementwise=False, ary="concat_pieces(g, ary, indices_or_sections, 0)"),
)
NUMPY.define(
    np.hsplit,
    linear_rule(
        "ary, indices_or_sections",
        elementwise=False,
        ary="concat_pieces(g, ary, indices_or_sections, 1 if np.ndim(ary) > 1 else 0)",
    ),
)
NUMPY.define(
    np.dsplit,
    linear_rule("ary, indices_or_sections", elementwise=False, ary="concat_pieces(g, ary, indices_or_sections, 2)"),
)

# -- picking elements ----------------------------------------------------------------------
# (``out=`` is not supported: a call passing it finds no rule and is refused)
NUMPY.define(
    np.take,
    linear_rule(
        "a, indices, axis=None, *, mode='raise'", elementwise=False, a="take_adjoint(g, a, indices, axis, mode)"
    ),
)
NUMPY.define(
    np.take_along_axis,
    linear_rule("arr, indices, axis=-1", elementwise=False, arr="take_along_axis_adjoint(g, arr, indices, axis)"),
)
# ties: in a stable sort's order (see the module docstring); kind and order do not change the values
NUMPY.define(
    np.sort,
    rule(
        "a, axis=-1, kind=None, order=None, *, stable=None",
        elementwise=False,
        a="sort_adjoint(g, a, axis)",
        jvp={"a": "sort_tangent(t, a, axis)"},
    ),
)
NUMPY.define(
    np.partition,
    rule(
        "a, kth, axis=-1, kind='introselect', order=None",
        elementwise=False,
        a="partition_adjoint(g, a, kth, axis, out)",
        jvp={"a": "partition_tangent(t, a, kth, axis, out)"},
    ),
)

# -- ufunc methods ------------------------------------------------------------------------
_REDUCE = "array, axis=0, dtype=None, *, keepdims=False"
_TANGENT = "np.sum({} * t, axis=axis, keepdims=keepdims)"
NUMPY.define(np.add.reduce, linear_rule(_REDUCE, elementwise=False, array="expand(g, array, axis, keepdims)"))
NUMPY.define(
    np.multiply.reduce,
    rule(
        _REDUCE,
        elementwise=False,
        array="prod_adjoint(g, array, axis, keepdims)",
        jvp={"array": _TANGENT.format("prod_adjoint(np.ones_like(out), array, axis, keepdims)")},
    ),
)
for _extreme in (np.maximum.reduce, np.minimum.reduce, np.fmax.reduce, np.fmin.reduce):
    NUMPY.define(  # ties split the adjoint evenly, as with np.max
        _extreme,
        rule(
            "array, axis=0, *, keepdims=False",
            elementwise=False,
            array="extreme_adjoint(g, array, out, axis, keepdims)",
            jvp={"array": _TANGENT.format("extreme_adjoint(np.ones_like(out), array, out, axis, keepdims)")},
        ),
    )
_SOFTMAX = "np.exp(array - expand(out, array, axis, keepdims))"
NUMPY.define(
    np.logaddexp.reduce,
    rule(
        _REDUCE,
        elementwise=False,
        array=f"expand(g, array, axis, keepdims) * {_SOFTMAX}",
        jvp={"array": _TANGENT.format(_SOFTMAX)},
    ),
)
NUMPY.define(
    np.add.accumulate,
    linear_rule("array, axis=0, dtype=None", elementwise=False, array="cumsum_adjoint(g, array, axis)"),
)
NUMPY.define(
    np.multiply.accumulate,
    rule(
        "array, axis=0, dtype=None",
        elementwise=False,
        array="cumprod_adjoint(g, array, out, axis)",
        jvp={"array": "cumprod_tangent(array, out, t, axis)"},
    ),
)
NUMPY.define(
    np.add.outer,
    linear_rule("A, B", elementwise=False, A="outer_sum_adjoint(g, A, B, True)", B="outer_sum_adjoint(g, A, B, False)"),
)
NUMPY.define(
    np.multiply.outer,
    multilinear_rule(
        "A, B", elementwise=False, A="outer_product_adjoint(g, A, B, True)", B="outer_product_adjoint(g, A, B, False)"
    ),
)

# -- casts --------------------------------------------------------------------------------
# x.astype(dtype) runs as np.astype(x, dtype) (order=, casting=, subok= are not supported: refused)
NUMPY.define(
    np.astype,
    rule(
        "x, dtype, *, copy=True, device=None",
        elementwise=False,
        x="astype_adjoint(g, x, dtype)",
        jvp={"x": "astype_tangent(t, dtype)"},
    ),
)
METHODS["astype"] = "astype"
NUMPY.constant(np.searchsorted, np.argpartition, np.digitize, np.isin, np.flatnonzero, np.argwhere)
