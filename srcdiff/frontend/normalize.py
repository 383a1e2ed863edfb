"""Normalization: rewrite a function body into the normal form the transforms read.

:func:`normalize` is the entry point.  The form it writes, and what later passes may rely on, is
described in :mod:`srcdiff.frontend.normal_form`.  The normalizer is one class assembled from one
piece per construct (see :mod:`srcdiff.frontend.normalize_base` for how they stack):

* :mod:`~srcdiff.frontend.normalize_scope`: refusals read from the whole function first;
* :mod:`~srcdiff.frontend.normalize_statements`: statement lists, ``if``, ``return``, exit flags;
* :mod:`~srcdiff.frontend.normalize_loops`: ``while`` and ``for``;
* :mod:`~srcdiff.frontend.normalize_targets`: assignments and their targets;
* :mod:`~srcdiff.frontend.normalize_expressions`: expressions into atoms and primitives.

This module makes the function's single exit and removes the flags nobody reads.
"""

from __future__ import annotations

import dataclasses

import gast

from ..syntax import assign, const, load
from .capture import CapturedFunction
from .dict_literals import entries_as_variables
from .gathered import gathered_form
from .inline import changed_parameters, inline_effects, written_through_aliases
from .naming import Namer, names_in
from .normal_form import NormalizedFunction

# srcdiff.tools.docs_tables lists the refused constructs from this module's namespace
from .normalize_scope import ScopeChecks
from .normalize_statements import StatementNormalizer
from .partials import calls_of_partials


class _Normalizer(StatementNormalizer, ScopeChecks):
    """The whole normalizer: :meth:`run` normalizes the function once."""

    def __init__(self, captured: CapturedFunction, copy_written_arguments: bool) -> None:
        super().__init__(captured)
        self.copy_written_arguments = copy_written_arguments

    def run(self) -> NormalizedFunction:
        tree = self.captured.tree
        args = tree.args
        self._check_scope_declarations(tree)
        self._check_dynamic_scope(tree)
        self._check_hidden_mutation(tree)
        body = list(tree.body)
        tail_return = bool(body) and isinstance(body[-1], gast.Return)
        before_tail = body[:-1] if tail_return else body
        other_returns = any(isinstance(n, gast.Return) for s in before_tail for n in gast.walk(s))
        prologue: list[gast.stmt] = []
        if tail_return and not other_returns:
            out, _ = self.block(body[:-1], None)
            result = self._return_value(body[-1], out)
        else:
            self.result_name = self.namer.prefer("_ret")
            self.returned_flag = self.namer.prefer("_returned")
            self.control.add(self.returned_flag)
            self.flags.add(self.returned_flag)
            prologue = [assign(self.result_name, const(None), tree), assign(self.returned_flag, const(False), tree)]
            out, _ = self.block(body, None)
            result = load(self.result_name)
        if self.returned_flag:
            _drop_tail_flag(out, self.returned_flag)
        body_out = _drop_unread_flags(prologue + out, self.control)
        may_return_none = isinstance(result, gast.Constant) and result.value is None or bool(prologue)
        return NormalizedFunction(
            self.captured,
            tree.name,
            args,
            self.params,
            body_out,
            result,
            self.control,
            may_return_none,
            self.helpers,
            self.namer,
            owned=self.written_arguments(),
        )

    def written_arguments(self) -> frozenset[str]:
        """The parameters the function writes into (``x[0] = ...``, ``x += v``, ``xs.append(v)``,
        through helpers too), when it is the function the user called: the generated code
        copies them first, so that the derivative is that of what the function computes from
        the values it was given, and the caller's values stay as they were."""
        if not self.copy_written_arguments or self.captured.filename.startswith("<"):
            return frozenset()  # (a helper's writes are for its caller to see; generated code owns what it writes)
        written = changed_parameters(self.captured, updates=True) | written_through_aliases(self.captured.tree)
        return frozenset(p for p in self.params if p in written)


def _drop_tail_flag(body: list[gast.stmt], flag: str) -> None:
    """A return that ends the function need not say so: nothing runs after it."""
    if not body:
        return
    last = body[-1]
    if isinstance(last, gast.Assign) and isinstance(last.targets[0], gast.Name) and last.targets[0].id == flag:
        body.pop()
    elif isinstance(last, gast.If):
        _drop_tail_flag(last.body, flag)
        _drop_tail_flag(last.orelse, flag)


def _drop_unread_flags(body: list[gast.stmt], control: set[str]) -> list[gast.stmt]:
    """Remove assignments to flags nobody reads (e.g. the return flag of a tail return)."""
    read: set[str] = set()
    for stmt in body:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                read.add(node.id)
    unread = {f for f in control if f not in read}

    def keep(stmts: list[gast.stmt]) -> list[gast.stmt]:
        kept = []
        for s in stmts:
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) and s.targets[0].id in unread:
                continue
            if isinstance(s, (gast.If, gast.While, gast.For)):
                s.body, s.orelse = keep(s.body), keep(s.orelse)
                if isinstance(s, gast.If) and not (s.body or s.orelse):
                    continue
                if not isinstance(s, gast.If):
                    s.body = s.body or [gast.Pass()]
            kept.append(s)
        return kept

    return keep(body)


def normalize(
    captured: CapturedFunction,
    copy_written_arguments: bool = False,
    inline_helpers: bool = False,
    gathered: tuple[dict[str, int], dict[str, tuple[str, ...]]] | None = None,
    split: int | None = None,
) -> NormalizedFunction:
    """Rewrite ``captured`` into the normal form (:mod:`srcdiff.frontend.normal_form`).

    ``copy_written_arguments``: ``captured`` is the function the user called, whose arguments
    are the caller's: those it writes into are copied first (``x = copy_of(x)``).
    ``inline_helpers``: the calls of every helper that can be are written in (see
    :func:`~srcdiff.frontend.inline.inline_effects`).
    ``gathered``: how many arguments the ``*args`` parameters gather, and which keywords the
    ``**kwargs`` ones do, if known (passing them on, ``g(*args)``, spreads those).
    ``split``: the ``*args`` parameter is made that many parameters of its own, ``args_0``...
    (some of them are differentiated: :func:`~srcdiff.frontend.gathered.split_gathered`)."""
    if gathered or split is not None:
        tree = gathered_form(captured.tree, *(gathered or ({}, {})), split=split)
        if tree is not captured.tree:
            captured = dataclasses.replace(captured, tree=tree)
    captured, guards = inline_effects(captured, every_helper=inline_helpers)
    namer = Namer(names_in(captured.tree))
    tree = calls_of_partials(entries_as_variables(captured.tree, namer), namer, captured.resolve)
    if tree is not captured.tree:
        captured = dataclasses.replace(captured, tree=tree)
    normalizer = _Normalizer(captured, copy_written_arguments)
    norm = normalizer.run()
    norm.guards = guards + [g for g in normalizer.made_guards if g not in guards]
    return norm
