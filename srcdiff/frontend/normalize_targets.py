"""Assignments: ``=``, ``+=`` and annotated assignment, down to one name or item per statement.

A tuple target is unpacked element by element (``a, b = b, a`` through a copy of what it
overwrites), ``a[i] += v`` reads and writes the item once, and ``a[i] = v`` is left as the
in-place write the normal form allows; anything else written into is refused.
"""

from __future__ import annotations

import gast

from ..syntax import IN_PLACE, assign, call, clone, const, expr_stmt, load, loaded_names, located, store, stored_names
from .normal_form import is_accumulation
from .normalize_expressions import ExpressionNormalizer


class AssignmentNormalizer(ExpressionNormalizer):
    """Assignment statements, and the targets they write."""

    def assignment(self, s: gast.Assign | gast.AugAssign | gast.AnnAssign, out: list[gast.stmt]) -> None:
        """``a = b = v`` (``v`` evaluated once), ``x op= v`` and ``x: T = v``, onto ``out``."""
        if isinstance(s, gast.Assign):
            value = s.value
            if len(s.targets) > 1:
                value = self.atomize(value, out, s)
            for target in s.targets:
                self.assign_target(target, value, out, s)
        elif isinstance(s, gast.AugAssign):
            if isinstance(s.target, gast.Subscript) and isinstance(s.target.value, gast.Name):
                # a[i] += v reads a[i] once, then writes it: index evaluated once
                index = self.index(s.target.slice, out, s)
                item: gast.expr = gast.Subscript(value=load(s.target.value.id), slice=index, ctx=gast.Load())
                if not isinstance(s.op, (gast.Add, gast.Sub)):
                    # the old item is read again (a *= v needs it backwards), after the write: a
                    # row or block would be a view of what the write changes, so keep a copy
                    item = gast.Call(func=load(self.helper("copy_of")), args=[item], keywords=[])
                old = self.atomize(item, out, s)
                target = gast.Subscript(value=load(s.target.value.id), slice=clone(index), ctx=gast.Store())
                self.assign_target(target, gast.BinOp(left=old, op=s.op, right=s.value), out, s)
            elif not isinstance(s.target, gast.Name):
                raise self.refuse(
                    s,
                    "augmented assignment to an attribute or nested item is not supported yet",
                    "assign to a plain variable",
                )
            else:
                self.assign_target(s.target, gast.BinOp(left=load(s.target.id), op=s.op, right=s.value), out, s)
                setattr(out[-1], IN_PLACE, True)  # x += y changes an array (or list) in place
        elif s.value is not None:
            self.assign_target(s.target, s.value, out, s)

    def assign_target(self, target: gast.expr, value: gast.expr, out: list[gast.stmt], at: gast.AST) -> None:
        """Write ``value`` into ``target``: a name, a tuple or list of targets, or ``a[i]``."""
        if isinstance(target, gast.Name):
            prim = self.primitive(value, out, at)
            if target.id in loaded_names(prim) and not is_accumulation(target.id, prim):
                tmp = self.namer.fresh("t")
                out.append(assign(tmp, prim, at))
                prim = load(tmp)
            out.append(assign(target.id, prim, at))
        elif isinstance(target, (gast.Tuple, gast.List)):
            if any(isinstance(e, gast.Starred) for e in target.elts):
                raise self.refuse(at, "starred assignment targets are not supported yet", "unpack element by element")
            targets = stored_names([target])
            if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts):
                atoms = [self.atomize(e, out, at) for e in value.elts]
                atoms = [self._shield(a, targets, out, at) for a in atoms]
                for sub, atom in zip(target.elts, atoms):
                    self.assign_target(sub, atom, out, at)
            else:
                seq = self._shield(self.atomize(value, out, at), targets, out, at)
                # Python refuses a sequence of the wrong length; so must the element-wise reads
                out.append(expr_stmt(call(self.helper("check_unpack"), seq, const(len(target.elts))), at))
                for i, sub in enumerate(target.elts):
                    self.assign_target(sub, gast.Subscript(value=seq, slice=const(i), ctx=gast.Load()), out, at)
        elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) and self.is_made_dict(target):
            # d[k] = v into a dict the function made, that no other name sees: the dict with k set
            name = target.value.id
            key, item = self.index(target.slice, out, at), self.atomize(value, out, at)
            updated = call(self.helper("with_item"), load(name), key, item)
            self.assign_target(store(name), updated, out, at)  # (a new name first: the update reads d)
        elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
            # a[i] = v: an in-place write, a statement of its own (see srcdiff.transform.reverse)
            index = self.index(target.slice, out, at)
            item = self.atomize(value, out, at)
            write = gast.Subscript(value=load(target.value.id), slice=index, ctx=gast.Store())
            out.append(located(gast.Assign(targets=[write], value=item, type_comment=None), at))
        elif isinstance(target, (gast.Subscript, gast.Attribute)):
            what = "an item of an expression" if isinstance(target, gast.Subscript) else "an attribute"
            raise self.refuse(
                at,
                f"assignment to {what} is not supported yet",
                "write into a plain variable (`a[i] = v`), or build a new value",
            )
        else:
            raise self.refuse(at, f"assignment to {type(target).__name__} is not supported", "assign to a variable")

    def is_made_dict(self, target: gast.Subscript) -> bool:
        """Is ``target`` an item of a dict the function made?  (Refused if another name may see it.)"""
        name = target.value.id  # type: ignore[attr-defined]
        if name in self.shared_dicts:  # type: ignore[attr-defined]
            raise self.refuse(
                target,
                f"writing into the dict `{name}` is not supported here: another name may hold it "
                "(it is assigned, stored in a container or handed to a method that keeps it)",
                f"build the dict in one expression (`{name} = {{k: v for ...}}`), or copy it first",
            )
        return name in self.updatable_dicts  # type: ignore[attr-defined]

    def _shield(self, atom: gast.expr, targets: set[str], out: list[gast.stmt], at: gast.AST) -> gast.expr:
        """Copy an atom that a multiple assignment is about to overwrite (``a, b = b, a``)."""
        if isinstance(atom, gast.Name) and atom.id in targets:
            tmp = self.namer.fresh("t")
            out.append(assign(tmp, atom, at))
            return load(tmp)
        return atom
