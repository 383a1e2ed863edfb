"""The few helpers generated code calls, by what they are for:

* :mod:`.adjoints`: the values adjoints take (``0.0`` as a zero of any shape, adjoints of lists
  and dicts) and an operand's share of a broadcast adjoint;
* :mod:`.items`: item reads and writes (``x[i]``, ``x[i] = v``);
* :mod:`.sequences`: list and tuple operations (appends, pops, unpacking, ``sum`` of a list);
* :mod:`.safe_math`: derivative factors that are 0 where the exact term vanishes;
* :mod:`.records`: dataclass and NamedTuple parameters read by field (``p.W``);
* :mod:`.outputs`: the gradient function's output (a number checked, gradients shaped like arguments);
* :mod:`.checkpoints`: checkpointed loops and their schedule;
* :mod:`.trials`: which path a ``try`` statement takes.

Plain arithmetic is always inlined; these cover what is not one expression.  Adjoints start as
the float ``0.0``, which every helper accepts as "zero of any shape".

>>> import numpy as np
>>> unbroadcast(np.ones((3, 2)), np.zeros(2))
array([3., 3.])
>>> add_at(0.0, [1.0, 2.0, 3.0], 1, 5.0)
[0.0, 5.0, 0.0]
"""

from __future__ import annotations

from typing import Any

from .adjoints import (
    NUMBER_TYPES,
    DictAdjoint,
    SeqAdjoint,
    Shaped,
    broadcast_tangent,
    copy_of,
    grad_dtype,
    is_zero,
    seq_items,
    unbroadcast,
    zeros_for,
)
from .checkpoints import TAPE, checkpoint_schedule, checkpointed, repetitions, snapshot_count
from .dicts import (
    dict_adjoint,
    dict_items,
    dict_keys,
    dict_values,
    distinct_adjoint,
    distinct_items,
    distinct_tangent,
    items_adjoint,
    items_tangent,
    make_dict,
    values_adjoint,
    values_tangent,
    with_item,
)
from .items import accumulate_at, add_at, item_adjoint, keep_last, set_item, zero_item
from .outputs import OutputNotScalar, check_scalar, grad_like, owned_results, stop_gradient
from .records import (
    field_adjoint,
    field_names,
    field_of,
    field_tangent,
    is_record,
    record_like,
    with_field,
    without_field,
)
from .safe_math import (
    log_or_zero,
    power_base_adjoint,
    power_term,
    reciprocal_or_zero,
    zero_where_zero,
)
from .sequences import (
    check_unpack,
    cotangent_or_zero,
    drop_last,
    fill_like,
    index_concat,
    last_adjoint,
    loop_items,
    one_hot_like,
    pick_tangent,
    push_adjoint,
    sequence_adjoint,
    sequence_tangent,
    unpack_adjoint,
)
from .trials import handler_taken

__all__ = [
    "stop_gradient",
    "field_adjoint",
    "field_names",
    "field_of",
    "field_tangent",
    "is_record",
    "record_like",
    "with_field",
    "without_field",
    "DictAdjoint",
    "NUMBER_TYPES",
    "OutputNotScalar",
    "SeqAdjoint",
    "Shaped",
    "TAPE",
    "accumulate_at",
    "add_at",
    "broadcast_tangent",
    "check_scalar",
    "check_unpack",
    "dict_adjoint",
    "distinct_adjoint",
    "distinct_items",
    "distinct_tangent",
    "dict_items",
    "dict_keys",
    "dict_values",
    "items_adjoint",
    "items_tangent",
    "make_dict",
    "values_adjoint",
    "values_tangent",
    "with_item",
    "checkpoint_schedule",
    "checkpointed",
    "copy_of",
    "cotangent_or_zero",
    "drop_last",
    "fill_like",
    "grad_dtype",
    "grad_like",
    "handler_taken",
    "index_concat",
    "is_zero",
    "item_adjoint",
    "keep_last",
    "last_adjoint",
    "log_or_zero",
    "loop_items",
    "one_hot_like",
    "owned_results",
    "pick_tangent",
    "power_base_adjoint",
    "power_term",
    "push_adjoint",
    "reciprocal_or_zero",
    "repetitions",
    "seq_items",
    "sequence_adjoint",
    "sequence_tangent",
    "set_item",
    "snapshot_count",
    "unbroadcast",
    "unpack_adjoint",
    "zero_item",
    "zero_where_zero",
    "zeros_for",
]


#: Helpers templates may call by name.
TEMPLATE_HELPERS: dict[str, Any] = {
    "unbroadcast": unbroadcast,
    "Shaped": Shaped,
    "add_at": add_at,
    "accumulate_at": accumulate_at,
    "unpack_adjoint": unpack_adjoint,
    "fill_like": fill_like,
    "one_hot_like": one_hot_like,
    "log_or_zero": log_or_zero,
    "power_base_adjoint": power_base_adjoint,
    "power_term": power_term,
    "reciprocal_or_zero": reciprocal_or_zero,
    "grad_like": grad_like,
    "owned_results": owned_results,
    "check_scalar": check_scalar,
    "zeros_for": zeros_for,
    "broadcast_tangent": broadcast_tangent,
    "check_unpack": check_unpack,
    "copy_of": copy_of,
    "item_adjoint": item_adjoint,
    "zero_item": zero_item,
    "last_adjoint": last_adjoint,
    "push_adjoint": push_adjoint,
    "cotangent_or_zero": cotangent_or_zero,
    "set_item": set_item,
    "pick_tangent": pick_tangent,
    "drop_last": drop_last,
    "sequence_adjoint": sequence_adjoint,
    "loop_items": loop_items,
    "keep_last": keep_last,
    "sequence_tangent": sequence_tangent,
    "zero_where_zero": zero_where_zero,
    "index_concat": index_concat,
    "checkpoint_schedule": checkpoint_schedule,
    "checkpointed": checkpointed,
    "field_adjoint": field_adjoint,
    "field_tangent": field_tangent,
    "handler_taken": handler_taken,
    "with_field": with_field,
    "field_of": field_of,
    "without_field": without_field,
    "make_dict": make_dict,
    "values_adjoint": values_adjoint,
    "dict_values": dict_values,
    "values_tangent": values_tangent,
    "dict_adjoint": dict_adjoint,
    "dict_items": dict_items,
    "items_adjoint": items_adjoint,
    "items_tangent": items_tangent,
    "with_item": with_item,
    "distinct_items": distinct_items,
    "distinct_adjoint": distinct_adjoint,
    "distinct_tangent": distinct_tangent,
}
