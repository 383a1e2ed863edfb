"""Specializing on what ``*args`` and ``**kwargs`` gather: how many arguments and which
keywords their kinds tell, and, when some of the gathered arguments are differentiated, one
parameter for each (``args_0``, ``args_1``...).

>>> import gast
>>> tree = gast.parse("def f(x, *args, **kw): return x").body[0]
>>> gathered_counts(tree, {"args": SeqOf(((2,), (3,))), "kw": DictOf.of({"a": (2,)})})
({'args': 2}, {'kw': ('a',)})
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

import gast

from ..errors import UnsupportedSyntaxError, WrtError
from ..frontend.gathered import item_index, item_name
from .value_kinds import DictOf, SeqOf


def split_items(
    captured: Any, param_kinds: dict[str, Any], active: AbstractSet[str]
) -> tuple[int | None, dict[str, Any]]:
    """How many parameters ``*args`` is made (None: it stays, nothing it gathers is
    differentiated), and the parameter kinds with one for each (``args_0``...)."""
    vararg = captured.tree.args.vararg
    items = [i for name in active if vararg is not None and (i := item_index(vararg.id, name)) is not None]
    if vararg is None or not items:
        return None, param_kinds
    gathered = param_kinds.get(vararg.id)
    if not isinstance(gathered, SeqOf) or max(items) >= len(gathered.items):
        count = f"{len(gathered.items)} argument(s)" if isinstance(gathered, SeqOf) else "arguments not known yet"
        raise WrtError(
            captured.name,
            captured.filename,
            captured.first_line,
            f"argument {max(items)} of those `*{vararg.id}` gathers is differentiated, but the call passes it {count}",
            "pass every argument to differentiate (srcdiff.source of such a gradient needs a call first)",
        )
    kinds = {p: k for p, k in param_kinds.items() if p != vararg.id}
    kinds.update((item_name(vararg.id, i), k) for i, k in enumerate(gathered.items))
    taken = {n.id for n in gast.walk(captured.tree) if isinstance(n, gast.Name)}
    clash = sorted(taken & set(kinds) - set(param_kinds))
    if clash:
        raise UnsupportedSyntaxError(
            captured.name,
            captured.filename,
            captured.first_line,
            f"`{clash[0]}` is a name of {captured.name}, and srcdiff names the arguments `*{vararg.id}` "
            f"gathers that way to differentiate them",
            f"rename `{clash[0]}`",
        )
    return len(gathered.items), kinds


def gathered_counts(
    tree: gast.FunctionDef, param_kinds: dict[str, Any]
) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """How many arguments ``tree``'s ``*args`` gathers and which keywords its ``**kwargs`` does, as
    their kinds tell (to spread ``g(*args)``, ``g(**kwargs)``)."""
    counts: dict[str, int] = {}
    keys: dict[str, tuple[str, ...]] = {}
    if tree.args.vararg is not None and isinstance(param_kinds.get(tree.args.vararg.id), SeqOf):
        counts[tree.args.vararg.id] = len(param_kinds[tree.args.vararg.id].items)
    if tree.args.kwarg is not None and isinstance(param_kinds.get(tree.args.kwarg.id), DictOf):
        keys[tree.args.kwarg.id] = tuple(key for key, _ in param_kinds[tree.args.kwarg.id].entries)
    return counts, keys
