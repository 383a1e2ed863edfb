"""Statement shapes with effects, for the random-program fuzzer (tests/test_fuzz.py).

``Gen`` in test_fuzz.py writes programs from constructs srcdiff is known to support.  Outside
code found silent wrong answers in shapes it never drew; this module draws those shapes.  Each
``shape_*`` method writes one self-contained snippet of a function body and returns

    (helper lines, body lines, term)

where the helper lines are module-level ``def``s the snippet calls, the body lines go into the
function, and ``term`` is a float expression that reads what the snippet computed (the function
returns the sum of the terms, so every snippet reaches the output).  The expressions inside the
snippets come from ``Gen``'s grammar (``fexpr``/``vexpr`` over the variables in scope), so the
shapes meet loops, branches and arithmetic of every kind.

The families (each a test in test_fuzz.py, see ``FAMILIES``):

- ``helpers``: helpers that write into the array they are given (``out[:] = 2 * x``, a boundary
  condition ``u[0] = 0.0`` applied inside a time loop, ``F[:-1] += k * d`` spring forces),
  helpers that append to the list they are given (``push(terms, v)``), and the same effects
  through bound methods (``app = terms.append; app(v)``, ``y.__setitem__(i, v)``);
- ``blocks``: writes into rows and blocks with bounds computed from the loop counter, on local
  arrays and on copies of arguments (``u[2*k:2*k+2] = u[2*k:2*k+2] / np.linalg.norm(...)``,
  ``K[e:e+2, e:e+2] += k[e] * ke``, ``p[i] += c; p[i+1] -= c`` in nested loops), and fancy-index
  writes with repeated indices (``y[np.array([0, 0, 1])] += v``: numpy applies one update per
  distinct index, the last one wins);
- ``lists``: list and tuple literals and list/tuple *arguments* passed to numpy functions
  (``np.sum``, ``np.mean``, ``np.max``, ``np.min``, ``np.prod``, ``np.dot``, ``np.linalg.norm``,
  ``np.array``, ``np.concatenate``, ``np.stack``);
- ``kept``: values kept across a later in-place write (``v = y[1:3]``, ``v = y``,
  ``v = y.copy()``, ``v = y[1]`` ... then ``y[1] += ...``, then ``v`` is read);
- ``closures``: all of the above inside ``def loss(a, b, s)`` made by a module-level factory
  ``make(X, c)`` over an array and a number (``f = make(X0, 1.5)``; another closure of the same
  factory, ``f_warm``, is differentiated first, so caches keyed on the code are exercised);
- ``arguments``: ``f(a, b, xs, s)`` writes into its own arguments -- items and slices of the
  arrays (``a[0] = ...``, ``b[1:] = ...``, in loops), ``a += ...``/``b *= ...``, appends and item
  writes on the list ``xs`` (``xs.append(...)``, ``xs[1] += ...``, ``xs.extend([...])``), and
  module-level helpers writing into them called as statements (``fill(a, v)``, ``push(xs, v)``);
  sometimes a value read before the write is read again after it (a copy, a number, or the
  array itself: refused).  Gen's own statements may write into ``a`` and ``b`` too;
- ``control``: effects inside Gen's new statements -- in-place writes, appends and a helper
  writing into its argument inside ``try`` bodies (before and after the raising statement),
  handlers, ``else`` and ``finally``, inside ``with`` blocks left by ``return``/``break``, in
  ``match`` cases (on a loop counter or ``f``'s ``mode="..."``); local functions (closing over
  an array, or appending to ``f``'s list) handed to module-level helpers in straight-line code,
  loops and branches; and ``srcdiff.grad(pot)(z, a)`` of a module-level potential inside ``f``
  (gradient descent in an inner variable, ``wrt=1``, ``value_and_grad``, ``wrt=(0, 1)``, of a
  function defined in ``f`` closing over its values);
  index bookkeeping as tracer-era code writes it: a ``nonlocal`` counter of a local function, a
  counter kept as an attribute of a module-level helper (``unpack.pos += k``), and a recursive
  helper that marks an index list it is handed and clears the mark after the recursive call;
  helpers taking ``*data, **options`` (data only), called directly or passed them on; dicts
  made in ``f`` (a memo filled in a loop, comprehensions, ``.values()``/``.items()``, a dict
  handed to a helper).

- ``complex``: complex values computed from the real arguments (``x + 1j * np.tanh(y)``,
  ``np.exp(1j * x)``, a complex recurrence in a loop), through holomorphic functions, the fft
  family and the functions made for complex numbers (``np.abs``, ``np.real``, ``np.imag``,
  ``np.conj``, ``np.linalg.norm``, ``np.var``) back to a real result.

Every program is valid Python that runs under plain numpy (the arrays are all float arrays of
fixed length: parameters of length 3, locals of length 3, 4 or 6, matrices 3x3 or 4x4).
"""

from __future__ import annotations

import re

F, I, V, L = "f", "i", "v", "l"  # noqa: E741 - the kinds of test_fuzz.Gen
LA, TA = "la", "ta"  # list / tuple arguments of 3 floats
OTHER = "other"  # arrays of another length than 3: Gen's expressions never pick them

SHAPES = {
    "helpers": ["fill", "boundary_loop", "forces", "push", "bound_append", "setitem"],
    "blocks": ["block_rows", "assembly", "pair_loop", "fancy_repeated"],
    "lists": ["list_literal", "list_arguments", "list_literal", "numpy_of_lists"],
    "kept": ["kept_value"],
}
SHAPES["closures"] = [s for family in ("helpers", "blocks", "lists", "kept") for s in SHAPES[family]
                      if s != "list_arguments"]
SHAPES["globals"] = SHAPES["closures"]  # (the same shapes reading module-level data, rebound between calls)
SHAPES["arguments"] = ["arg_item", "arg_aug", "arg_list", "arg_fill"]
SHAPES["complex"] = ["complex_values", "fft_power", "complex_loop"]
SHAPES["control"] = ["try_effects", "with_effects", "match_effects", "handoff_effects", "nested_grad", "counters",
                     "gathered", "dicts"]

PARAMS = {"lists": {"a": V, "xs": LA, "tp": TA, "s": F}, "arguments": {"a": V, "b": V, "xs": LA, "s": F}}
DEFAULT_PARAMS = {"a": V, "b": V, "s": F}


def indent(lines, n=1):
    return ["    " * n + line for line in lines]


class EffectShapes:
    """A mixin for test_fuzz.Gen: ``effect_module`` writes a module from ``SHAPES[family]``."""

    # set by the subclass (test_fuzz.EffectGen): Scope, COMBINATORS, WITH_CONTEXTS, MODES,
    # NOT_TWICE_DIFFERENTIABLE and hypothesis' strategies module
    scope_class = None
    combinator_source = {}
    with_contexts = modes = not_twice = ()
    st = None

    # -- small pieces ------------------------------------------------------------------------
    def owned_array(self, scope, allow_args=True):
        """A fresh length-3 array the function may write into: a copy, never a view."""
        if allow_args and self.flip():
            arg = self.pick([n for n in ("a", "b") if n in scope.vars] or ["np.ones(3)"])
            return self.pick([f"{arg}.copy()", f"np.copy({arg})", f"np.array({arg})", f"{arg} * 1.0"])
        return self.pick(["np.zeros(3)", "np.ones(3)", f"({self.vexpr(scope, 1)}) * 1.0",
                          f"np.zeros(3) + {self.fexpr(scope, 1)}"])

    def reader(self, name, scope):
        """A float that reads every element of the length-3 array ``name``."""
        return self.pick([f"np.sum({name} * {self.vexpr(scope, 1)})", f"np.sum({name} ** 2)",
                          f"np.sum(np.sin({name}))", f"({name} @ {self.vexpr(scope, 1)})",
                          f"({name}[0] - 2.0 * {name}[1] + 3.0 * {name}[2])"])

    def loop_scope(self, scope, *names):
        inner = scope.child(loop=True, readonly=names)
        for n in names:
            inner.vars[n] = I
        return inner

    def element(self, scope, index):
        """A float from an element of an argument (``a[i]``) mixed with a Gen expression."""
        arg = self.pick([n for n in ("a", "b", "X") if n in scope.vars] or ["a"])
        return self.pick([f"{arg}[{index}] * {self.fexpr(scope, 1)}",
                          f"math.sin({arg}[{index}] + {self.fexpr(scope, 1)})",
                          f"({arg}[{index}] - {self.fexpr(scope, 1)}) ** 2"])

    # -- family "helpers" --------------------------------------------------------------------
    def shape_fill(self, scope):
        h, o = self.fresh("fill"), self.fresh("o")
        x_op = self.pick(["2.0 * x", "np.sin(x) * x", "x * x + 0.5", "np.tanh(x)", "x"])
        body = self.pick([[f"out[:] = {x_op}"],
                          [f"out[1:] = ({x_op})[:-1]", "out[0] = x[2] * x[1]"],
                          [f"out += {x_op}"],
                          [f"out *= 1.0 + ({x_op}) ** 2"],
                          ["for j in range(3):", f"    out[j] = ({x_op})[j] * (j + 1)"]])
        returns = self.num(0, 2) == 0
        helper = [f"def {h}(out, x):"] + indent(body) + (["    return np.sum(x)"] if returns else []) + [""]
        lines = [f"{o} = {self.owned_array(scope)}"]
        arg = self.pick([self.vexpr(scope, 2), self.vexpr(scope, 2), o])  # sometimes fill(o, o)
        call = f"{h}({o}, {arg})"
        term = ""
        if returns and self.flip():
            r = self.fresh("r")
            lines.append(f"{r} = {call}")
            term = f" + {r}"
        elif self.flip():
            i = self.fresh("i")
            lines += [f"for {i} in range({self.num(1, 3)}):", f"    {call}"]
        else:
            lines.append(call)
        scope.vars[o] = V
        scope.readonly.add(o)
        return helper, lines, self.reader(o, scope) + term

    def shape_boundary_loop(self, scope):
        h, u, i = self.fresh("apply_bc"), self.fresh("u"), self.fresh("i")
        bc = self.pick([["u[0] = 0.0"], ["u[-1] = u[-2]"], ["u[0] = 0.5 * u[1]"], ["u[0] = 0.0", "u[-1] = 0.0"],
                        ["u[1:] *= 0.9"], ["u[:] = u - np.mean(u)"]])
        helper = [f"def {h}(u):"] + indent(bc) + [""]
        lines = [f"{u} = {self.owned_array(scope)}"]
        scope.vars[u] = V
        inner = self.loop_scope(scope, i)
        step = self.pick([
            lambda: [f"{u} = {u} + 0.1 * {self.vexpr(inner, 2)}"],
            lambda: [f"{u} = {u} + 0.1 * (np.roll({u}, 1) - 2.0 * {u} + np.roll({u}, -1))"],
            lambda: [f"{u}[1:] += 0.1 * ({self.vexpr(inner, 1)})[:-1]"],
            lambda: [f"{u}[1:-1] = {u}[1:-1] + 0.2 * ({u}[2:] - 2.0 * {u}[1:-1] + {u}[:-2])"],
        ])()
        order = [*step, f"{h}({u})"] if self.flip() else [f"{h}({u})", *step]
        lines += [f"for {i} in range({self.num(1, 4)}):"] + indent(order)
        scope.readonly.add(u)
        return helper, lines, self.reader(u, scope)

    def shape_forces(self, scope):
        h, fv = self.fresh("add_forces"), self.fresh("Fv")
        d = self.pick(["x[1:] - x[:-1]", "np.sin(x[1:] - x[:-1])", "(x[1:] - x[:-1]) ** 3"])
        body = [f"d = {d}", "F[:-1] += k * d", "F[1:] -= k * d"]
        returns = self.flip()
        energy = ["    return 0.5 * k * np.sum(d * d)"] if returns else []
        helper = [f"def {h}(F, x, k):"] + indent(body) + energy + [""]
        lines = [f"{fv} = {self.pick(['np.zeros(3)', self.owned_array(scope)])}"]
        call = f"{h}({fv}, {self.vexpr(scope, 2)}, {self.fexpr(scope, 2)})"
        term = ""
        if returns and self.flip():
            en = self.fresh("en")
            lines.append(f"{en} = {call}")
            term = f" + {en}"
        elif self.flip():
            i = self.fresh("i")
            lines += [f"for {i} in range(2):", f"    {call}"]
        else:
            lines.append(call)
        scope.vars[fv] = V
        scope.readonly.add(fv)
        return helper, lines, self.reader(fv, scope) + term

    def _list_reader(self, name):
        return self.pick([f"sum({name})", f"{name}[-1]", f"max({name})", f"({name}[0] * len({name}))",
                          f"np.sum({name})", f"float(np.mean({name}))"])

    def shape_push(self, scope):
        h, tl, i = self.fresh("push"), self.fresh("terms"), self.fresh("i")
        body = self.pick([["terms.append(v)"], ["terms.append(v * v)"], ["terms.append(v)", "terms.append(-0.5 * v)"],
                          ["if v > 0.0:", "    terms.append(v)", "else:", "    terms.append(2.0 * v)"]])
        helper = [f"def {h}(terms, v):"] + indent(body) + [""]
        lines = [f"{tl} = {self.pick(['[]', f'[{self.fexpr(scope, 1)}]'])}"]
        if self.flip():
            inner = self.loop_scope(scope, i)
            lines += [f"for {i} in range(3):", f"    {h}({tl}, {self.element(inner, i)})"]
        else:
            lines += [f"{h}({tl}, {self.fexpr(scope, 2)})" for _ in range(self.num(1, 3))]
        scope.vars[tl] = L
        scope.readonly.add(tl)
        return helper, lines, self._list_reader(tl)

    def shape_bound_append(self, scope):
        tl, app, i = self.fresh("terms"), self.fresh("app"), self.fresh("i")
        lines = [f"{tl} = []", f"{app} = {tl}.append"]
        if self.flip():
            inner = self.loop_scope(scope, i)
            lines += [f"for {i} in range({self.num(1, 3)}):", f"    {app}({self.element(inner, i)})"]
        else:
            lines += [f"{app}({self.fexpr(scope, 2)})" for _ in range(self.num(1, 3))]
        helper = []
        if self.flip():  # a helper handed the bound method
            h = self.fresh("emit")
            helper = [f"def {h}(put, v):", "    put(v * v)", ""]
            lines.append(f"{h}({app}, {self.fexpr(scope, 1)})")
        scope.vars[tl] = L
        scope.readonly.add(tl)
        return helper, lines, self._list_reader(tl)

    def shape_setitem(self, scope):
        y, i = self.fresh("y"), self.fresh("i")
        lines = [f"{y} = {self.owned_array(scope)}"]
        k = self.num(0, 3)
        if k == 0:
            lines.append(f"{y}.__setitem__({self.pick(['0', '1', '-1'])}, {self.fexpr(scope, 2)})")
        elif k == 1:
            inner = self.loop_scope(scope, i)
            lines += [f"for {i} in range(3):", f"    {y}.__setitem__({i}, {self.element(inner, i)})"]
        elif k == 2:
            st_ = self.fresh("put")
            lines += [f"{st_} = {y}.__setitem__", f"{st_}(1, {self.fexpr(scope, 2)})"]
        else:
            lines.append(f"{y}.__setitem__(slice(0, 2), ({self.vexpr(scope, 2)})[:2])")
        scope.vars[y] = V
        scope.readonly.add(y)
        return [], lines, self.reader(y, scope)

    # -- family "blocks" ---------------------------------------------------------------------
    def shape_block_rows(self, scope):
        u, k = self.fresh("u"), self.fresh("k")
        if self.flip():  # a length-6 local array, blocks of 2 or 3
            n, bs = 6, self.pick([2, 3])
            init = f"np.concatenate(({self.vexpr(scope, 1)}, {self.vexpr(scope, 1)}))"
            blocks = range(n // bs)
            lo, hi = f"{bs}*{k}", f"{bs}*{k}+{bs}"
            scope.vars[u] = OTHER
            other = f"np.concatenate(({self.vexpr(scope, 1)}, {self.vexpr(scope, 1)}))"
            term = self.pick([f"np.sum({u} * {other})", f"np.sum(np.sin({u}))", f"({u}[0] * {u}[-1] + {u}[2])"])
        else:  # a copy of an argument, overlapping windows of 2
            n, bs = 3, 2
            init = self.owned_array(scope)
            if init == "np.zeros(3)":  # (blocks of zeros are normalized below: 0 / 0)
                init = "np.ones(3)"
            blocks = range(2)
            lo, hi = k, f"{k}+2"
            scope.vars[u] = V
            term = None
        blk = f"{u}[{lo}:{hi}]"
        inner = self.loop_scope(scope, k)
        op = self.pick([
            f"{blk} = {blk} / np.linalg.norm({blk})",
            f"{blk} = {blk} / (1.0 + np.sum({blk} ** 2))",
            f"{blk} /= np.sqrt(1.0 + np.sum({blk} * {blk}))",
            f"{blk} *= {self.fexpr(inner, 1)}",
            f"{blk} += s * {blk}[::-1]",
            f"{u}[{lo} + 1] += s * {u}[{lo}]",
        ])
        rng = f"range({len(blocks)})" if self.flip() else f"range({len(blocks) - 1}, -1, -1)"
        lines = [f"{u} = {init}", f"for {k} in {rng}:", f"    {op}"]
        scope.readonly.add(u)
        return [], lines, term or self.reader(u, scope)

    def shape_assembly(self, scope):
        K, kk, e, x = self.fresh("K"), self.fresh("kk"), self.fresh("e"), self.fresh("x")
        if self.flip():
            n = 4
            init = "np.zeros((4, 4))"
            xval = f"np.concatenate(({self.vexpr(scope, 1)}, a[:1]))"
        else:  # a 3x3 matrix made from the arguments
            n = 3
            init = self.pick(["np.outer(a, b)", "np.outer(a, b) * 1.0", "np.eye(3) * s"])
            xval = self.vexpr(scope, 1)
        ke = self.pick(["np.array([[1.0, -1.0], [-1.0, 1.0]])", "np.ones((2, 2))",
                        "np.array([[2.0, 0.5], [0.5, 1.0]])"])
        stiff = self.pick([f"np.exp(np.tanh({self.vexpr(scope, 1)}))", self.vexpr(scope, 2), "a"])
        blk = f"{K}[{e}:{e}+2, {e}:{e}+2]"
        op = self.pick([[f"{blk} += {kk}[{e}] * ke"], [f"{blk} = {blk} + {kk}[{e}] * ke"],
                        [f"{K}[{e}, {e}] += {kk}[{e}]", f"{K}[{e} + 1, {e}] -= {kk}[{e}]"],
                        [f"{K}[{e}:{e}+2, {e}] += {kk}[{e}] * ke[:, 0]"]])
        lines = [f"{K} = {init}", f"ke = {ke}", f"{kk} = {stiff}", f"for {e} in range({n - 1}):"] + indent(op)
        lines.append(f"{x} = {xval}")
        scope.vars.update({K: OTHER, x: OTHER, kk: V, "ke": OTHER})
        scope.readonly |= {K, x, kk}
        term = self.pick([f"({x} @ {K} @ {x})", f"np.sum({K} * np.outer({x}, {x}))",
                          f"float(np.sum(({K} @ {x}) ** 2))"])
        return [], lines, term

    def shape_pair_loop(self, scope):
        p, i, j, c = self.fresh("p"), self.fresh("i"), self.fresh("j"), self.fresh("c")
        lines = [f"{p} = {self.owned_array(scope)}"]
        scope.vars[p] = V
        inner = self.loop_scope(self.loop_scope(scope, i), j)
        value = self.pick([self.element(inner, i), self.element(inner, j),
                           f"s * ({p}[{i} + 1] - {p}[{i}])", f"0.5 * ({p}[{j}] - {p}[{i}]) * {self.fexpr(inner, 1)}"])
        jr = self.pick(["range(2)", f"range({i}, 2)", "range(3)"])
        body = [f"{c} = {value}", f"{p}[{i}] += {c}", f"{p}[{i} + 1] -= {c}"]
        lines += [f"for {i} in range(2):", f"    for {j} in {jr}:"] + indent(body, 2)
        scope.readonly.add(p)
        return [], lines, self.reader(p, scope)

    def shape_fancy_repeated(self, scope):
        y = self.fresh("y")
        idx = self.pick(["np.array([0, 0, 1])", "[2, 2, 0]", "np.array([1, 2, 1])", "np.array([0, 1, 0])"])
        lines = [f"{y} = {self.owned_array(scope)}"]
        k = self.num(0, 4)
        if k <= 2:
            op = self.pick(["+=", "=", "-=", "*="])
            value = self.vexpr(scope, 2)
            if op == "*=":
                value = f"(1.0 + ({value}) ** 2)"
            lines.append(f"{y}[{idx}] {op} {value}")
        elif k == 3:
            lines.append(f"{y}[np.array([1, 1])] += {self.fexpr(scope, 2)}")
        else:
            ix = self.fresh("ix")
            lines += [f"{ix} = {idx}", f"{y}[{ix}] = {y}[{ix}] + {self.vexpr(scope, 2)}"]
        scope.vars[y] = V
        scope.readonly.add(y)
        return [], lines, self.reader(y, scope)

    # -- family "lists" ----------------------------------------------------------------------
    def _items(self, scope, n):
        lists = sorted(n for n, k in scope.vars.items() if k in (LA, TA))
        items = []
        for _ in range(n):
            item = self.fexpr(scope, self.num(1, 2))
            if lists and self.flip():  # an element of a list/tuple argument
                item = self.pick([f"{self.pick(lists)}[{self.num(0, 2)}]",
                                  f"{self.pick(lists)}[{self.num(0, 2)}] * {item}"])
            items.append(item)
        return ", ".join(items)

    def _numpy_of(self, seq, scope):
        """A float from a numpy function applied to the list/tuple expression ``seq`` of 3 floats."""
        return self.pick([f"np.sum({seq})", f"np.mean({seq})", f"np.max({seq})", f"np.min({seq})",
                          f"np.prod({seq})", f"np.linalg.norm({seq})", f"np.dot({seq}, {self.vexpr(scope, 1)})",
                          f"np.sum(np.array({seq}) * {self.vexpr(scope, 1)})", f"float(np.sum(np.square({seq})))",
                          f"np.sum(np.asarray({seq}) ** 2)"])

    def shape_list_literal(self, scope):
        seq = f"[{self._items(scope, 3)}]" if self.num(0, 2) else f"({self._items(scope, 3)})"
        if self.flip():
            name = self.fresh("lst")
            scope.vars[name] = OTHER
            return [], [f"{name} = {seq}"], self._numpy_of(name, scope)
        n = self.num(2, 3)
        two = f"[{self._items(scope, n)}]"
        return [], [], self.pick([self._numpy_of(seq, scope), f"np.dot({two}, [{self._items(scope, n)}])",
                                  f"np.linalg.norm({two})", f"np.max({two})", f"np.prod({two})", f"np.mean({two})"])

    def shape_list_arguments(self, scope):
        lists = [n for n, k in scope.vars.items() if k in (LA, TA)]
        if not lists:
            return self.shape_list_literal(scope)
        xs = self.pick(lists)
        other = self.pick(lists)
        term = self.pick([self._numpy_of(xs, scope), f"np.dot({xs}, {other})", f"sum({xs})", f"{xs}[0] * {other}[2]",
                          f"np.sum(np.array({xs}) * a)", f"(np.array({other}) @ a)", f"max({xs})",
                          f"np.sum(np.concatenate(({xs}, {other})) ** 2)", f"np.sum(np.stack([{xs}, {other}])[1])"])
        helper = []
        if self.num(0, 2) == 0:  # a helper that takes the list argument
            h = self.fresh("total")
            value = self.pick(["np.sum(v) * v[0]", "np.linalg.norm(v)", "np.mean(v) + v[-1]"])
            helper = [f"def {h}(v):", f"    return {value}", ""]
            term = f"{term} + {h}({xs})"
        return helper, [], term

    def shape_numpy_of_lists(self, scope):
        m = self.fresh("m")
        arrays = [n for n in ("a", "b") if n in scope.vars] or ["np.ones(3)"]
        value = self.pick([f"np.stack([{self.vexpr(scope, 1)}, {self.vexpr(scope, 1)}])",
                           f"np.array([{self.pick(arrays)}, {self.vexpr(scope, 1)}])",
                           f"np.concatenate([{self.vexpr(scope, 1)}, [{self._items(scope, 2)}]])",
                           f"np.array([[{self._items(scope, 2)}], [{self._items(scope, 2)}]])"])
        scope.vars[m] = OTHER
        term = self.pick([f"np.sum({m} ** 2)", f"np.sum(np.sin({m}))", f"float(np.max({m}))", f"np.linalg.norm({m})"])
        return [], [f"{m} = {value}"], term

    # -- family "kept" -----------------------------------------------------------------------
    def shape_kept_value(self, scope):
        y, v = self.fresh("y"), self.fresh("v")
        lines = [f"{y} = {self.owned_array(scope)}"]
        keep = self.pick([f"{y}[1:3]", f"{y}", f"{y}.copy()", f"{y}[::-1]", f"{y}[1]", f"np.copy({y})", f"{y}[:]",
                          f"{y}[:2] * 1.0", f"{y}[0:2]"])
        lines.append(f"{v} = {keep}")
        scope.vars[y] = V
        write = self.pick([f"{y}[1] += {self.fexpr(scope, 2)}", f"{y}[0:2] *= {self.fexpr(scope, 1)}",
                           f"{y} += {self.vexpr(scope, 2)}", f"{y}[:] = {self.vexpr(scope, 2)}",
                           f"{y}[2] = {self.fexpr(scope, 2)}", f"{y}[1:] -= s * {y}[:-1]"])
        if self.num(0, 2) == 0:
            i = self.fresh("i")
            lines += [f"for {i} in range(2):", f"    {write}"]
        else:
            lines.append(write)
        scope.readonly.add(y)
        full = keep in (y, f"{y}.copy()", f"np.copy({y})", f"{y}[:]", f"{y}[::-1]")
        extra = self.pick([f"np.sum({v})", f"np.sum({y} * {v})" if full else f"np.sum({y})", "0.0"])
        return [], lines, f"(np.sum({v} ** 2) + {extra})"

    # -- family "arguments": f writes into its own arguments ----------------------------------
    def _kept_before(self, arg, scope):
        """Sometimes a value read from ``arg`` before it is written, read again afterwards: the
        terms to add (a copy, a number, or the array itself -- a second name, refused)."""
        if self.num(0, 2):
            return [], ""
        k = self.fresh("kept")
        value = self.pick([f"{arg}[1]", f"{arg}.copy()", f"np.sum({arg} ** 2)", f"{arg}[::-1] * 1.0", arg])
        return [f"{k} = {value}"], f" + np.sum({k} * {k})"

    def shape_arg_item(self, scope):
        arg = self.pick(["a", "b"])
        before, extra = self._kept_before(arg, scope)
        k = self.num(0, 4)
        if k == 0:
            lines = [f"{arg}[{self.pick(['0', '1', '-1'])}] = {self.fexpr(scope, 2)}"]
        elif k == 1:
            lines = [f"{arg}[{self.pick(['0', '2'])}] {self.pick(['+=', '-=', '*='])} {self.fexpr(scope, 2)}"]
        elif k == 2:
            lines = [self.pick([f"{arg}[1:] = ({self.vexpr(scope, 1)})[:-1]", f"{arg}[:2] *= {self.fexpr(scope, 1)}",
                                f"{arg}[::2] = {arg}[::2] * s"])]
        elif k == 3:
            i = self.fresh("i")
            inner = self.loop_scope(scope, i)
            value = f"{arg}[{i}] * {self.fexpr(inner, 1)} + {self.element(inner, i)}"
            lines = [f"for {i} in range(3):", f"    {arg}[{i}] = {value}"]
        else:
            lines = [f"{arg}[:] = {self.vexpr(scope, 2)}"]
        return [], before + lines, self.reader(arg, scope) + extra

    def shape_arg_aug(self, scope):
        arg = self.pick(["a", "b"])
        before, extra = self._kept_before(arg, scope)
        op = self.pick(["+=", "-=", "*=", "/="])
        value = self.pick([lambda: self.vexpr(scope, 2), lambda: self.fexpr(scope, 2)])()
        if op in ("*=", "/="):
            value = f"(1.0 + ({value}) ** 2)"
        if self.flip():
            lines = [f"{arg} {op} {value}"]
        else:
            i = self.fresh("i")
            inner = self.loop_scope(scope, i)
            value = f"0.5 * {self.vexpr(inner, 1)}" if op in ("+=", "-=") else "1.1"
            lines = [f"for {i} in range({self.num(1, 3)}):", f"    {arg} {op} {value}"]
        return [], before + lines, self.reader(arg, scope) + extra

    def shape_arg_list(self, scope):
        lines = []
        for _ in range(self.num(1, 3)):
            k = self.num(0, 4) if self.num(0, 3) else self.num(0, 5)  # (xs.extend: refused today, rare)
            if k == 0:
                lines.append(f"xs.append({self.fexpr(scope, 2)})")
            elif k == 1:
                lines.append(f"xs[{self.num(0, 2)}] = {self.fexpr(scope, 1)} * xs[{self.num(0, 2)}]")
            elif k == 2:
                lines.append(f"xs[{self.num(0, 2)}] {self.pick(['+=', '-=', '*='])} {self.fexpr(scope, 2)}")
            elif k == 3:
                i = self.fresh("i")
                inner = self.loop_scope(scope, i)
                lines += [f"for {i} in range(2):", f"    xs.append(xs[{i}] * {self.fexpr(inner, 1)})"]
            elif k == 4:
                lines.append(f"xs[{self.num(0, 2)}] = xs[{self.num(0, 2)}] + xs[-1]")
            else:
                lines.append(f"xs.extend([{self._items(scope, 2)}])")
        return [], lines, self._list_reader("xs")

    def shape_arg_fill(self, scope):
        if self.num(0, 2) == 0:  # a helper appending to the list argument
            h = self.fresh("push")
            body = self.pick([["terms.append(v)"], ["terms.append(v * v)"], ["terms[0] = terms[0] + v"],
                              ["if v > 0.0:", "    terms.append(v)", "else:", "    terms.append(2.0 * v)"]])
            helper = [f"def {h}(terms, v):"] + indent(body) + [""]
            return helper, [f"{h}(xs, {self.fexpr(scope, 2)})"], self._list_reader("xs")
        h = self.fresh("fill")
        x_op = self.pick(["2.0 * x", "np.sin(x) * x", "x * x + 0.5", "np.tanh(x)", "x"])
        body = self.pick([[f"out[:] = {x_op}"],
                          [f"out[1:] = ({x_op})[:-1]", "out[0] = x[2] * x[1]"],
                          [f"out[:] += {x_op}"],
                          ["out[0] = out[0] * x[1]"],
                          ["for j in range(3):", f"    out[j] = ({x_op})[j] * (j + 1)"]])
        helper = [f"def {h}(out, x):"] + indent(body) + [""]
        arg = self.pick(["a", "b"])
        value = self.pick([self.vexpr(scope, 2), self.vexpr(scope, 1), "a", "b"])
        call = f"{h}({arg}, {value})"
        if self.num(0, 2) == 0:
            i = self.fresh("i")
            lines = [f"for {i} in range({self.num(1, 3)}):", f"    {call}"]
        else:
            lines = [call]
        return helper, lines, self.reader(arg, scope)

    # -- family "control": try / with / match / local functions / gradients with effects --------
    def _effect(self, y, terms, scope):
        """One line with an effect on the local array ``y`` or the local list ``terms``."""
        return self.pick([
            lambda: f"{y}[{self.pick(['0', '1', '-1'])}] = {self.fexpr(scope, 1)}",
            lambda: f"{y}[{self.pick(['0', '2'])}] += {self.fexpr(scope, 1)}",
            lambda: f"{y} *= 1.0 + 0.1 * {self.vexpr(scope, 1)} ** 2",
            lambda: f"{terms}.append({self.fexpr(scope, 1)})",
            lambda: f"{self._fill_helper()}({y}, {self.vexpr(scope, 1)})",
        ])()

    def _fill_helper(self):
        if not getattr(self, "_fill_name", None):
            self._fill_name = self.fresh("fill")
            self._helper_lines += [f"def {self._fill_name}(out, x):", "    out[1:] = out[1:] + 0.5 * x[:-1]", ""]
        return self._fill_name

    def _control_locals(self, scope):
        y, terms = self.fresh("y"), self.fresh("terms")
        lines = [f"{y} = {self.owned_array(scope)}", f"{terms} = [{self.fexpr(scope, 1)}]"]
        scope.vars[y] = V
        scope.readonly |= {y, terms}
        return y, terms, lines, f"{self.reader(y, scope)} + {self._list_reader(terms)}"

    def shape_try_effects(self, scope):
        y, terms, lines, term = self._control_locals(scope)
        loop = self.fresh("i") if self.num(0, 2) == 0 else None  # in a loop: the counter may reach the raise
        if loop:
            scope = self.loop_scope(scope, loop)
        body_scope = scope.child(in_try=True)
        body = [self._effect(y, terms, body_scope)] if self.num(0, 2) == 0 else []  # before the raise
        raiser, catch, t = self.raiser(body_scope)
        body += raiser
        if t:
            body_scope.vars[t] = F
            body.append(f"{y}[1] = {y}[1] + 0.1 * {t}")
        body += [self._effect(y, terms, body_scope) for _ in range(self.num(0, 2))]
        out = ["try:"] + indent(body)
        err = self.fresh("err") if self.flip() else None
        out.append(f"except {self.pick(catch)}" + (f" as {err}:" if err else ":"))
        handler = [f"assert str({err})"] if err else []
        handler += [self._effect(y, terms, scope) for _ in range(self.num(1, 2))]
        out += indent(handler)
        if self.flip():
            out += ["else:"] + indent([self._effect(y, terms, scope)])
        if self.flip():
            out += ["finally:"] + indent([self.pick([f"{y}[0] = {y}[0] * 0.5", f"{terms}.append({y}[2])",
                                                     f"{y} += 0.25"])])
        if loop:
            out = [f"for {loop} in range({self.num(1, 3)}):"] + indent(out)
        return [], lines + out, term

    def shape_with_effects(self, scope):
        y, terms, lines, term = self._control_locals(scope)
        ctx = self.pick(self.with_contexts)
        body = [self._effect(y, terms, scope) for _ in range(self.num(1, 3))]
        k = self.num(0, 2)
        if k == 0:  # leave f from inside the block
            body += [f"if {self.cond(scope, 1)}:", f"    return {self.fexpr(scope, 1)} + {term}"]
        block = [f"with {ctx}:"] + indent(body)
        if k == 1:  # in a loop, leaving it from inside the block
            i = self.fresh("i")
            block = [f"for {i} in range(3):"] + indent(block[:1] + indent(body + [f"if {self.cond(scope, 1)}:",
                                                                             "    break"]))
        return [], lines + block, term

    def shape_match_effects(self, scope):
        y, terms, lines, term = self._control_locals(scope)
        if self.flip():  # on f's constant parameter `mode`
            self.f_defaults["mode"] = f'"{self.pick(self.modes)}"'
            subject, values, loop = "mode", [f'"{m}"' for m in self.modes], None
        else:  # on a loop counter
            loop = self.fresh("i")
            subject, values = loop, ["0", "1", "2"]
        chosen = self.draw(self.st.lists(self.st.sampled_from(values), min_size=1, max_size=3, unique=True))
        out = [f"match {subject}:"]
        while chosen:
            take = 2 if len(chosen) >= 2 and self.flip() else 1
            out += [f"    case {' | '.join(chosen[:take])}:"] + indent([self._effect(y, terms, scope)], 2)
            chosen = chosen[take:]
        if self.flip():
            m = self.fresh("m")
            guard = f"len({m}) > 3" if subject == "mode" else f"{m} > 0"
            out += [f"    case {m} if {guard}:"] + indent([self._effect(y, terms, scope)], 2)
        if self.flip():
            out += ["    case _:"] + indent([self.pick(["pass", self._effect(y, terms, scope)])], 2)
        if loop:
            out = [f"for {loop} in range(3):"] + indent(out)
        return [], lines + out, term

    def shape_handoff_effects(self, scope):
        y, terms, lines, term = self._control_locals(scope)
        k = self.num(0, 2)
        g = self.fresh("g")
        if k == 0:  # a local function appending to f's list, handed to a helper calling it for its effect
            each = self.fresh("each")
            helper = [f"def {each}(fn, v):", "    for x in v:", "        fn(x)", ""]
            fn = [f"def {g}(v):", f"    {terms}.append(v * {self.fexpr(scope, 1)})"]
            call = [f"{each}({g}, {self.pick(['a', 'b', y])})"]
        else:  # a closure over f's array, its result kept
            helper = []
            comb = self.pick(sorted(self.combinator_source))
            if comb not in self.combinators:
                self.combinators.append(comb)
            v = self.fresh("v")
            params = [self.fresh("tt"), v] if comb == "heun" else [v]
            value = self.pick([f"np.tanh({v}) * {y}", f"0.5 * {v} + 0.1 * {y}", f"{v} * np.sum({y} ** 2) * 0.1"])
            fn = [f"{g} = lambda {', '.join(params)}: {value}"] if self.flip() else \
                [f"def {g}({', '.join(params)}):", f"    return {value}"]
            args = {"apply_twice": [y], "iterate": [y], "blend": [y, self.vexpr(scope, 1)], "heun": ["s", y]}[comb]
            call = [f"{y} = {comb}({g}, {', '.join(args)})"]
        where = self.num(0, 2)
        if where == 0:  # in a loop (local functions there: refused today)
            i = self.fresh("i")
            body = [f"for {i} in range(2):"] + indent(fn + call)
        elif where == 1:  # in a branch
            body = [f"if {self.cond(scope, 1)}:"] + indent(fn + call)
        else:
            body = fn + call
        return helper, lines + body, term

    def shape_counters(self, scope):
        src = self.pick(["a", "b"])
        k = self.num(0, 2)
        p1, p2 = self.fresh("part"), self.fresh("part")
        if k == 0:  # a local function slicing with a nonlocal counter
            pos, take, out = self.fresh("pos"), self.fresh("take"), self.fresh("out")
            lines = [f"{pos} = 0", f"def {take}(k):", f"    nonlocal {pos}", f"    {out} = {src}[{pos}:{pos} + k]",
                     f"    {pos} += k", f"    return {out}", f"{p1} = {take}(1)", f"{p2} = {take}(2)"]
            scope.readonly |= {pos, take, p1, p2}
            return [], lines, f"(np.sum({p1}) * {self.fexpr(scope, 1)} + np.sum(np.sin({p2})) * {pos})"
        if k == 1:  # a module-level helper keeping its counter as its own attribute
            unpack = self.fresh("unpack")
            helper = [f"def {unpack}(v):", f"    {unpack}.pos = 0", "", "    def take(k):",
                      f"        part = v[{unpack}.pos:{unpack}.pos + k]", f"        {unpack}.pos += k",
                      "        return part", "", "    return [take(1), take(2)]", ""]
            scope.readonly |= {p1, p2}
            return helper, [f"{p1}, {p2} = {unpack}({src})"], f"(np.sum({p1}) * {self.fexpr(scope, 1)} + np.sum({p2} ** 2))"
        walk = self.fresh("walk")
        helper = [f"def {walk}(x, marks, depth):", "    if depth == 0:", "        return x[marks[0]]",
                  "    total = 0.0", "    for j in range(2):", "        k = marks[j]",
                  "        marks[j] = (k + 1) % 3", f"        total = total + x[k] * {walk}(x, marks, depth - 1)",
                  "        marks[j] = k", "    return total", ""]
        marks = self.fresh("marks")
        self.f_defaults[marks] = f"[{self.num(0, 2)}, {self.num(0, 2)}]"  # (an index list f is handed)
        return helper, [], f"{walk}({src}, {marks}, {self.num(1, 2)})"

    def shape_gathered(self, scope):
        h, h2 = self.fresh("gather"), self.fresh("passes")
        helper = [f"def {h}(v, *data, **options):", "    total = np.sum(v * data[0])", "    for c in data[1:]:",
                  "        total = total + c * np.sum(np.cos(v))", "    return total * options['k']", "",
                  f"def {h2}(v, *data, **options):", f"    return {h}(v, *data, **options) + np.sum(v ** 2)", ""]
        extras = ", ".join(["np.linspace(0.5, 1.5, 3)"] + [self.pick(["0.25", "-1.5", "2.0"]) for _ in range(self.num(0, 2))])
        called = self.pick([h, h2])
        return helper, [], f"{called}({self.vexpr(scope, 1)}, {extras}, k={self.pick(['2.0', '-0.5'])})"

    def shape_dicts(self, scope):
        d, i, k, v = self.fresh("memo"), self.fresh("i"), self.fresh("k"), self.fresh("v")
        src = self.pick(["a", "b"])
        k_ = self.num(0, 2)
        if k_ == 0:  # a memo filled in a loop, one entry updated
            lines = [f"{d} = {{}}", f"for {i} in range(3):", f"    {d}[{i}] = {src}[{i}] * {self.fexpr(scope, 1)}",
                     f"{d}[{self.num(0, 2)}] += {self.fexpr(scope, 1)}"]
            term = f"({d}[0] * {d}[2] + sum({d}.values()))"
        elif k_ == 1:  # a comprehension by name, read through .items()
            lines = [f"{d} = {{{k}: np.sin({v}) * {self.fexpr(scope, 1)} for {k}, {v} in zip(('p', 'q', 'r'), {src})}}",
                     f"{v}s = 0.0", f"for {k}, {v} in {d}.items():", f"    {v}s = {v}s + {v} * len({k})"]
            term = f"({v}s + {d}['q'])"
        else:  # handed to a helper reading it by key
            reader = self.fresh("read")
            self._helper_lines += [f"def {reader}(p, w):", "    return np.sum(p['u'] * w) + p['c'] ** 2", ""]
            lines = [f"{d} = {{'u': {self.vexpr(scope, 1)}, 'c': {self.fexpr(scope, 1)}}}"]
            term = f"{reader}({d}, {src})"
        scope.readonly |= {d}
        return [], lines, term

    def shape_nested_grad(self, scope):
        pot = self.fresh("pot")
        inner = self.scope_class({"x": V, "w": V})
        value = self.fexpr(inner, 2)
        if any(w in value for w in self.not_twice) or not re.search(r"\bx\b", value):
            value = self.pick(["np.sum(w * x ** 2) + np.sum(np.sin(x * w))", "np.sum(np.tanh(x) * w)",
                               "np.sum((x - w) ** 2) * 0.5"])
        helper = [f"def {pot}(x, w):", f"    return {value}", ""]
        k = self.num(0, 3)
        z = self.fresh("z")
        if k == 0:  # gradient descent in an inner variable
            i = self.fresh("i")
            lines = [f"{z} = {self.owned_array(scope)}", f"for {i} in range({self.num(1, 3)}):",
                     f"    {z} = {z} - 0.1 * srcdiff.grad({pot})({z}, {self.pick(['a', 'b'])})"]
            scope.vars[z] = V
            term = f"np.sum({z} ** 2)"
        elif k == 1:
            lines = [f"{z} = srcdiff.grad({pot}, wrt=1)({self.vexpr(scope, 1)}, {self.pick(['a', 'b'])})"]
            scope.vars[z] = V
            term = self.reader(z, scope)
        elif k == 2:
            lines = [f"{z}, {z}g = srcdiff.value_and_grad({pot})({self.vexpr(scope, 1)}, {self.pick(['a', 'b'])})"]
            term = f"({z} * np.sum({z}g))"
        elif self.flip():
            lines = []
            term = f"np.sum(srcdiff.grad({pot}, wrt=(0, 1))(a, b)[{self.num(0, 1)}] * {self.vexpr(scope, 1)})"
        else:  # of a function defined in f, closing over f's values
            inner = self.fresh("inner")
            lines = [f"def {inner}(v):", f"    return {pot}(v, {self.pick(['a', 'b'])}) * s"]
            term = f"np.sum(srcdiff.grad({inner})({self.vexpr(scope, 1)}) * {self.vexpr(scope, 1)})"
        scope.readonly.add(z)
        return helper, lines, term

    # -- family "complex": complex intermediates of a real function --------------------------
    def complex_of(self, scope):
        """An expression of a complex vector built from the real values in scope."""
        v, w = self.vexpr(scope, 1), self.vexpr(scope, 1)
        return self.pick([f"({v}) + 1j * np.tanh({w})", f"np.exp(1j * ({v}))", f"({v}) * (0.5 - 0.25j)",
                          f"np.tanh({v}) - 0.5j"])

    def complex_reader(self, z):
        return self.pick([f"np.sum(np.abs({z}) ** 2)", f"np.sum(np.real({z} * np.conj({z}[::-1])))",
                          f"np.sum(np.imag({z}) * np.real({z}))", f"np.linalg.norm({z})", f"np.var({z})",
                          f"np.sum({z}.real - {z}.imag)", f"abs(np.sum({z}) + 2.0)"])

    def shape_complex_values(self, scope):
        z, w = self.fresh("z"), self.fresh("w")
        op = self.pick([f"np.sin({z}) * {z}", f"{z} / (3.0 + np.abs({z}))", f"np.exp(0.3 * {z}) - {z} ** 2",
                        f"np.cosh(0.5 * {z}) * np.conj({z})", f"np.sqrt({z} + 4.0)", f"np.cumsum({z}) * 0.5",
                        f"{z} @ np.array([[1.0, 0.5j, 0.0], [0.0, 1.0, -0.5], [0.25j, 0.0, 1.0]])"])
        lines = [f"{z} = {self.complex_of(scope)}", f"{w} = {op}"]
        return [], lines, self.complex_reader(self.pick([z, w]))

    def shape_fft_power(self, scope):
        v, y = self.vexpr(scope, 1), self.fresh("y")
        k = self.num(0, 3)
        if k == 0:
            return [], [f"{y} = np.fft.rfft({v})"], f"np.sum(np.abs({y}) ** 2 * np.array([1.0, 0.5]))"
        if k == 1:
            lines = [f"{y} = np.fft.fft({v}, n={self.pick(['3', '4', '5'])})"]
            return [], lines, self.complex_reader(y)
        if k == 2:
            return [], [f"{y} = np.fft.irfft(np.fft.rfft({v}) * np.array([1.0, 0.5j]), n=3)"], f"np.sum({y} ** 2)"
        return [], [f"{y} = np.fft.ifft(np.fft.fftshift({self.complex_of(scope)}))"], self.complex_reader(y)

    def shape_complex_loop(self, scope):
        c, i = self.fresh("c"), self.fresh("i")
        inner = self.loop_scope(scope, i)
        lines = [f"{c} = 0.0 + 0.0j", f"for {i} in range({self.num(1, 4)}):",
                 f"    {c} = {c} * {self.pick(['(0.9 + 0.1j)', '(0.5 - 0.5j)', '1j'])} + {self.fexpr(inner, 1)}"]
        return [], lines, self.pick([f"abs({c})", f"({c} * {c}.conjugate()).real", f"np.angle({c} + 5.0)"])

    # -- modules -----------------------------------------------------------------------------
    def shape_snippets(self, scope, family, n):
        helpers, body, terms = [], [], []
        self._helper_lines = helpers  # (helpers a shape writes once, such as _fill_helper's)
        if self.flip():
            body += self.block(scope, self.num(1, 2))  # Gen's statements first
        for _ in range(n):
            h, lines, term = getattr(self, "shape_" + self.pick(SHAPES[family]))(scope)
            helpers += h
            body += lines
            terms.append(term)
        if self.num(0, 2) == 0:
            body += self.block(scope, 1)
        result = " + ".join([self.fexpr(scope, 1), *terms])
        return helpers, body, result

    def module_head(self):
        """The imports, and the module-level helpers Gen's hand-offs of local functions call."""
        lines = ["import math", "import warnings", "", "import numpy as np", "import srcdiff", ""]
        return lines + [line for c in self.combinators for line in self.combinator_source[c] + ["", ""]]

    def global_data_module(self, params, n):
        """f reads module-level data ``X`` (an array) and ``c`` (a float), as users keep it; the
        gradient is made with one binding, then ``rebind`` gives them others of the same kind,
        which the code made for the first must read (it is specialized on their kind only)."""
        scope = self.scope_class({**params, "X": V, "c": F}, readonly=["X", "c"])
        helpers, body, result = self.shape_snippets(scope, "globals", n)
        numbers = ["0.5", "-1.25", "2.0", "0.75", "-0.3"]
        consts = [f"[{', '.join(self.pick(numbers) for _ in range(3))}]" for _ in range(2)]
        return "\n".join(self.module_head() + helpers + [
            "", f"X = np.array({consts[0]})", f"c = {self.pick(['0.5', '-2.0'])}", "",
            f"def f({', '.join(params)}):"] + indent(body) + [f"    return {result}", "", "", "f_warm = f", "", "",
            "def rebind():", "    global X, c", f"    X = np.array({consts[1]})",
            f"    c = {self.pick(['1.5', '-0.75', '3.0'])}"]) + "\n"

    def effect_module(self, family, params):
        n = self.num(1, 2)
        self.f_defaults = {}  # f's constant parameters a shape asks for (``mode="soft"``)
        if family == "globals":
            return self.global_data_module(params, n)
        if family != "closures":
            scope = self.scope_class(params)
            if family == "arguments":  # Gen's statements may write into f's own arrays too
                scope.owned |= {p for p, k in params.items() if k == V}
            helpers, body, result = self.shape_snippets(scope, family, n)
            signature = [*params, *(f"{p}={v}" for p, v in self.f_defaults.items())]
            return "\n".join(self.module_head() + helpers + ["", f"def f({', '.join(signature)}):"] + indent(body)
                             + [f"    return {result}"]) + "\n"
        # closures: def make(X, c): [locals]; def loss(a, b, s): ...; return loss
        scope = self.scope_class({**params, "X": V, "c": F}, readonly=["X", "c"])
        factory = []
        if self.flip():
            w0 = self.fresh("w")
            factory.append(f"{w0} = {self.pick(['c * X', 'np.tanh(X)', 'X[::-1] + c'])}")
            scope.vars[w0] = V
            scope.readonly.add(w0)
        if self.flip():
            c0 = self.fresh("c")
            factory.append(f"{c0} = {self.pick(['c * c', '2.0 * c + 1.0', 'float(np.sum(X))'])}")
            scope.vars[c0] = F
            scope.readonly.add(c0)
        helpers, body, result = self.shape_snippets(scope, family, n)
        inner = [f"def loss({', '.join(params)}):"] + indent(body) + [f"    return {result}"]
        numbers = ["0.5", "-1.25", "2.0", "0.75", "-0.3"]
        consts = [f"[{', '.join(self.pick(numbers) for _ in range(3))}]" for _ in range(2)]
        head = self.module_head() + helpers
        return "\n".join(head + ["", "def make(X, c):"] + indent(factory + inner + ["return loss"]) + [
            "", "", f"f_warm = make(np.array({consts[0]}), {self.pick(['0.5', '-2.0'])})",
            f"f = make(np.array({consts[1]}), {self.pick(['1.5', '-0.75', '3.0'])})"]) + "\n"
