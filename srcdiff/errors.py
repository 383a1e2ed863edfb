"""The errors srcdiff raises on purpose.

Every refusal is a :class:`SrcDiffError` whose message names the function, the
file and line of the offending construct, and what to do instead::

    >>> import srcdiff
    >>> issubclass(srcdiff.UnsupportedSyntaxError, srcdiff.SrcDiffError)
    True
"""

from __future__ import annotations


class SrcDiffError(Exception):
    """Base class of every error srcdiff raises on purpose.

    >>> try:
    ...     raise SrcDiffError("f", "demo.py", 3, "something is off", "do this instead")
    ... except SrcDiffError as e:
    ...     print(e)
    cannot differentiate f (demo.py:3): something is off. Hint: do this instead
    """

    def __init__(
        self,
        function: str | None = None,
        filename: str | None = None,
        lineno: int | None = None,
        problem: str = "",
        hint: str = "",
    ) -> None:
        self.function = function
        self.filename = filename
        self.lineno = lineno
        self.problem = problem
        self.hint = hint
        super().__init__(self._format())

    @property
    def location(self) -> str:
        """``file:line`` of the offending construct (or just the file)."""
        if self.filename is None:
            return ""
        return f"{self.filename}:{self.lineno}" if self.lineno else self.filename

    def _format(self) -> str:
        head = "cannot differentiate"
        if self.function:
            head += f" {self.function}"
        if self.location:
            head += f" ({self.location})"
        text = f"{head}: {self.problem}" if self.problem else head
        if self.hint:
            text += f". Hint: {self.hint}"
        return text


class UnsupportedSyntaxError(SrcDiffError):
    """A construct srcdiff does not differentiate (yet): ``try``, ``with``, ``yield``..."""


class SourceUnavailableError(SrcDiffError):
    """The function has no Python source srcdiff can read (builtins, ``exec``)."""


class NoDerivativeError(SrcDiffError):
    """A call with differentiable arguments to a callable with no rule and no source."""


class WrtError(SrcDiffError, ValueError):
    """``wrt`` is out of range or names no parameter."""


class OutputError(SrcDiffError, TypeError):
    """``grad`` was asked for the gradient of a non-scalar or non-numeric output."""


class CheckpointError(SrcDiffError, ValueError):
    """``srcdiff.checkpointed`` was given a ``snapshots`` that is not an int ``>= 0``."""
