"""``match`` statements as the ``if``/``elif`` chains they mean, written before normalization.

Value, singleton, wildcard, capture, ``|`` and ``as`` patterns, with guards, become tests of
the subject (computed once, into a name of its own); a capture binds at the top of its case's
body, and a guard reads the subject where it names the capture.  Sequence, mapping and class
patterns are refused by the caller (:class:`PatternRefused`).

>>> import astor
>>> tree = gast.parse('''
... match kind:
...     case "a" | "b":
...         y = 1
...     case k if k > 2:
...         y = k
... ''')
>>> chain = match_as_if(tree.body[0], "_subject")
>>> print(astor.to_source(gast.gast_to_ast(gast.Module([chain], []))).strip())
if _subject == 'a' or _subject == 'b':
    y = 1
elif _subject > 2:
    k = _subject
    y = k
"""

from __future__ import annotations

import gast

from ..syntax import assign, const, load, located
from .naming import renamed


class PatternRefused(Exception):
    """A pattern srcdiff does not lower; ``node`` is where it is."""

    def __init__(self, node: gast.AST, kind: str) -> None:
        super().__init__(kind)
        self.node = node
        self.kind = kind


def match_as_if(s: gast.Match, subject: str) -> gast.stmt:
    """The ``if`` chain of ``s``, whose subject is already in the variable ``subject``."""
    chain: list[gast.stmt] = []
    for case in reversed(s.cases):
        test, binds = _test(case.pattern, subject)
        body: list[gast.stmt] = [assign(n, load(subject), case.pattern) for n in binds]
        body += case.body
        if case.guard is not None:
            guard = renamed(case.guard, {n: subject for n in binds})
            test = guard if test is None else gast.BoolOp(op=gast.And(), values=[test, guard])
        if test is None:  # an irrefutable case: what runs when no case before it matched
            chain = body
        else:
            chain = [located(gast.If(test=test, body=body, orelse=chain), case.pattern)]
    return (
        chain[0]
        if len(chain) == 1 and isinstance(chain[0], gast.If)
        else gast.If(test=const(True), body=chain or [gast.Pass()], orelse=[])
    )


def _test(p: gast.pattern, subject: str) -> tuple[gast.expr | None, list[str]]:
    """The test a pattern makes of the subject (None: always matches) and the names it binds."""
    if isinstance(p, gast.MatchValue):
        return gast.Compare(left=load(subject), ops=[gast.Eq()], comparators=[p.value]), []
    if isinstance(p, gast.MatchSingleton):
        return gast.Compare(left=load(subject), ops=[gast.Is()], comparators=[const(p.value)]), []
    if isinstance(p, gast.MatchAs):
        test, binds = (None, []) if p.pattern is None else _test(p.pattern, subject)
        return test, binds + ([p.name] if p.name else [])
    if isinstance(p, gast.MatchOr):
        tests = []
        for option in p.patterns:
            test, binds = _test(option, subject)
            if binds:
                raise PatternRefused(option, "a capture inside an `|` pattern")
            if test is None:
                return None, []
            tests.append(test)
        return gast.BoolOp(op=gast.Or(), values=tests), []
    kinds = {gast.MatchSequence: "a sequence pattern", gast.MatchMapping: "a mapping pattern"}
    raise PatternRefused(p, kinds.get(type(p), "a class pattern"))
