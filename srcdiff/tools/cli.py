"""The ``srcdiff`` command line: print the generated source of a derivative.

Usage::

    srcdiff dump examples/seed.py:f            # d f / d (first parameter)
    srcdiff dump examples/seed.py:g --wrt x,y  # gradient with respect to x and y
    srcdiff dump mypkg.model:loss --wrt 0 -o dloss.py
    python -m srcdiff --help

Exit status: 0 on success, 1 when the target cannot be found or cannot be
differentiated (one line on stderr, naming ``file:line`` where known), 2 on
bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..errors import SrcDiffError

PROG = "srcdiff"

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

_EXIT_STATUS_TEXT = """\
exit status:
  0  success
  1  the file, module or function cannot be found, or the function cannot be
     differentiated; a one-line message "srcdiff: error: ..." naming file:line
     (where known) is printed on stderr
  2  bad usage (unknown option, TARGET without ':', malformed --wrt)"""

_MAIN_EPILOG = f"""\
examples:
  srcdiff dump examples/seed.py:f
  srcdiff dump examples/seed.py:g --wrt x,y -o dg.py
  srcdiff dump mypackage.model:loss --wrt 0

Run "srcdiff dump --help" for the details of TARGET and --wrt.

{_EXIT_STATUS_TEXT}
"""

_DUMP_DESCRIPTION = """\
Differentiate a Python function and print the source of the derivative
function that srcdiff generates for it (the same text as
srcdiff.source(srcdiff.grad(func, wrt=...)) in Python)."""

_DUMP_EPILOG = f"""\
TARGET is one of:
  path/to/file.py:func    a function defined at the top level of a file; the
                          file is imported as a module (not run as a script),
                          with its directory on sys.path so sibling imports work
  package.module:func     a function of an importable module

--wrt selects the parameters to differentiate with respect to:
  x        the parameter named x
  1        the second parameter (digits are 0-based positions)
  x,y      several parameters: the derivative returns a tuple of gradients
  (default: the first parameter)

Which code you see depends on what the parameters hold: parameters annotated
float or int are taken to be numbers, so the adjoints are plain arithmetic;
other parameters may be numpy arrays, so adjoints of broadcasting operations
are summed back to each operand's shape (unbroadcast(...)).  When you call a
gradient from Python, srcdiff specializes it to the arguments you pass; with
--example FUNC, dump does the same with the arguments FUNC() returns.

examples:
  srcdiff dump examples/seed.py:f               # df/dx, printed on stdout
  srcdiff dump examples/seed.py:g --wrt x,y     # (dg/dx, dg/dy)
  srcdiff dump examples/seed.py:g --wrt 1       # dg/dy
  srcdiff dump examples/seed.py:f -o df.py      # write the source to df.py
  srcdiff dump examples/mlp.py:loss --example example_args   # specialized to real arrays

{_EXIT_STATUS_TEXT}
"""


class CliError(Exception):
    """A failure reported as ``srcdiff: error: <message>`` with exit status 1."""


@dataclass(frozen=True)
class Target:
    """A parsed ``TARGET`` argument: where to find the function, and its name."""

    location: str  # a file path or a dotted module name
    function: str
    is_file: bool


def _version() -> str:
    """The installed distribution's version, or ``"unknown"`` when not installed."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python < 3.8
        return "unknown"
    try:
        return version("srcdiff")
    except PackageNotFoundError:
        return "unknown"


def _looks_like_file(location: str) -> bool:
    return (
        location.endswith(".py")
        or "/" in location
        or os.sep in location
        or (os.altsep is not None and os.altsep in location)
    )


def parse_target(text: str) -> Target:
    """Split ``path/to/file.py:func`` or ``package.module:func`` into a :class:`Target`.

    The split is at the last ``:`` so that Windows drive letters survive.
    Raises :class:`argparse.ArgumentTypeError` (a usage error) when the text
    has no ``:``, an empty side, or a function part that is not a plain name.

    >>> parse_target("examples/seed.py:f")
    Target(location='examples/seed.py', function='f', is_file=True)
    >>> parse_target("mypkg.model:loss")
    Target(location='mypkg.model', function='loss', is_file=False)
    """
    location, sep, function = text.rpartition(":")
    if not sep:
        raise argparse.ArgumentTypeError(
            f"invalid TARGET {text!r}: expected path/to/file.py:func or package.module:func"
        )
    if not location:
        raise argparse.ArgumentTypeError(f"invalid TARGET {text!r}: missing file or module before ':'")
    if not function.isidentifier():
        raise argparse.ArgumentTypeError(
            f"invalid TARGET {text!r}: {function!r} after ':' is not a plain function name"
        )
    if _looks_like_file(location):
        return Target(location, function, is_file=True)
    if all(part.isidentifier() for part in location.split(".")):
        return Target(location, function, is_file=False)
    raise argparse.ArgumentTypeError(
        f"invalid TARGET {text!r}: {location!r} is neither a .py file path nor a dotted module name"
    )


def parse_wrt(text: str) -> int | str | tuple[int | str, ...]:
    """Turn the ``--wrt`` text into the ``wrt`` argument of :func:`srcdiff.grad`.

    Items are comma-separated; an item of digits is a 0-based position, any
    other item must be a parameter name. One item gives a single value, several
    give a tuple (so the derivative returns a tuple of gradients).

    >>> parse_wrt("x"), parse_wrt("1"), parse_wrt("x, 2")
    ('x', 1, ('x', 2))
    """
    items = [item.strip() for item in text.split(",")]
    wrt: list[int | str] = []
    for item in items:
        if item.isdigit():
            wrt.append(int(item))
        elif item.isidentifier():
            wrt.append(item)
        else:
            raise argparse.ArgumentTypeError(
                f"invalid --wrt {text!r}: {item!r} is neither a parameter name nor a position"
            )
    return wrt[0] if len(wrt) == 1 else tuple(wrt)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``srcdiff`` command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "srcdiff: source-to-source automatic differentiation for Python.\n"
            "Reads a function's source and prints the Python source of a new\n"
            "function computing its derivative."
        ),
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    commands.required = True

    dump = commands.add_parser(
        "dump",
        help="print the generated source of a function's derivative",
        description=_DUMP_DESCRIPTION,
        epilog=_DUMP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dump.add_argument(
        "target",
        metavar="TARGET",
        type=parse_target,
        help="path/to/file.py:func or package.module:func",
    )
    dump.add_argument(
        "--wrt",
        type=parse_wrt,
        default=0,
        metavar="PARAMS",
        help="comma-separated parameter names or 0-based positions (default: the first parameter)",
    )
    dump.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the generated source to FILE instead of printing it",
    )
    dump.add_argument(
        "--mode",
        choices=("reverse", "forward"),
        default="reverse",
        help="reverse (default): the gradient function; forward: the function computing values and "
        "tangents side by side (jvp)",
    )
    dump.add_argument(
        "--standalone",
        action="store_true",
        help="write a module that needs only numpy (and your own module, for the globals the code reads): "
        "the derivative, the helper derivatives it calls and the runtime helpers they use",
    )
    dump.add_argument(
        "--stats",
        action="store_true",
        help="instead of the code: stack pushes per loop iteration, and what each optimization removed",
    )
    dump.add_argument(
        "--annotate",
        action="store_true",
        help="interleave the derivative with the lines of your function each part comes from",
    )
    dump.add_argument(
        "--example",
        metavar="FUNC",
        help="a function in the same file/module returning example arguments (a tuple); the "
        "derivative is run once on them, so the code shown is specialized to their kinds and shapes",
    )
    dump.set_defaults(handler=_cmd_dump)
    return parser


# --------------------------------------------------------------------------- loading


@contextlib.contextmanager
def _temporarily_on_sys_path(directory: str) -> Iterator[None]:
    sys.path.insert(0, directory)
    try:
        yield
    finally:
        try:
            sys.path.remove(directory)  # the first occurrence: ours, unless the module moved it
        except ValueError:
            pass


@contextlib.contextmanager
def _registered(name: str, module: ModuleType) -> Iterator[None]:
    """Keep ``module`` in ``sys.modules`` under ``name`` while the block runs."""
    missing = object()
    previous = sys.modules.get(name, missing)
    sys.modules[name] = module
    try:
        yield
    finally:
        if sys.modules.get(name) is module:
            if previous is missing:
                del sys.modules[name]
            else:
                sys.modules[name] = previous  # type: ignore[assignment]


def _module_name_for(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    name = stem if stem.isidentifier() else "_srcdiff_target"
    # Never shadow a module that is already imported (e.g. a file named math.py).
    return name if name not in sys.modules else f"_srcdiff_target_{name}"


def _where_raised(err: BaseException, prefer_file: str | None = None) -> str:
    """``file:line`` of the innermost frame of ``err`` (in ``prefer_file`` if it is there)."""
    if isinstance(err, SyntaxError) and err.filename:
        return f"{err.filename}:{err.lineno}" if err.lineno else err.filename
    frames: list[traceback.FrameSummary] = list(traceback.extract_tb(err.__traceback__))
    if prefer_file is not None:
        wanted = os.path.abspath(prefer_file)
        mine = [fr for fr in frames if os.path.abspath(fr.filename) == wanted]
        if mine:
            frames = mine
    frames = [fr for fr in frames if not fr.filename.startswith("<frozen")]  # importlib's own
    if not frames:
        return prefer_file or "?"
    last = frames[-1]
    return f"{last.filename}:{last.lineno}"


def _describe(err: BaseException) -> str:
    if isinstance(err, SyntaxError):
        return f"{type(err).__name__}: {err.msg}"
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def _exec_module(module: ModuleType, spec: Any, where: str) -> None:
    try:
        spec.loader.exec_module(module)
    except SrcDiffError:
        raise
    except Exception as err:  # the user's module failed while being imported
        raise CliError(f"{_where_raised(err, where)}: error while importing {where}: {_describe(err)}") from err


@contextlib.contextmanager
def load_target_module(target: Target) -> Iterator[tuple[ModuleType, str]]:
    """Import the module holding ``target`` and yield ``(module, where)``.

    ``where`` is the file path (or module name) to use in messages. A file is
    imported under a module name derived from its stem (so its
    ``if __name__ == "__main__":`` block does not run) with its directory
    prepended to ``sys.path``; both changes last only while the block runs.
    Raises :class:`CliError` when the file or module cannot be found or fails
    to import.
    """
    if not target.is_file:
        try:
            module = importlib.import_module(target.location)
        except ModuleNotFoundError as err:
            if err.name and (target.location == err.name or target.location.startswith(err.name + ".")):
                raise CliError(f"no module named {target.location!r}") from err
            raise CliError(f"{_where_raised(err)}: error while importing {target.location}: {_describe(err)}") from err
        except SrcDiffError:
            raise
        except Exception as err:
            raise CliError(f"{_where_raised(err)}: error while importing {target.location}: {_describe(err)}") from err
        yield module, getattr(module, "__file__", None) or target.location
        return

    path = target.location
    if not os.path.exists(path):
        raise CliError(f"{path}: no such file")
    if os.path.isdir(path):
        raise CliError(f"{path}: is a directory, not a Python file")
    spec = importlib.util.spec_from_file_location(_module_name_for(path), path)
    if spec is None or spec.loader is None:
        raise CliError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    directory = os.path.dirname(os.path.abspath(path))
    with _temporarily_on_sys_path(directory), _registered(spec.name, module):
        _exec_module(module, spec, path)
        yield module, path


def find_function(module: ModuleType, name: str, where: str) -> Callable[..., Any]:
    """``module.<name>``, or :class:`CliError` naming ``where`` if it is missing or not callable."""
    try:
        fn = getattr(module, name)
    except AttributeError:
        raise CliError(f"{where}: no function {name!r}") from None
    if not callable(fn):
        raise CliError(f"{where}: {name!r} is a {type(fn).__name__}, not a function")
    return fn


# --------------------------------------------------------------------------- commands


def _cmd_dump(args: argparse.Namespace) -> int:
    import srcdiff  # imported here so that --help works even when the core is broken

    target: Target = args.target
    with load_target_module(target) as (module, where):
        fn = find_function(module, target.function, where)
        example = None
        if args.example:
            # specialize the code to real arguments (numbers, array shapes) by running it once
            made = find_function(module, args.example, where)()
            example = made if isinstance(made, tuple) else (made,)
        if args.mode == "forward":
            text = srcdiff.forward_source(fn, wrt=args.wrt, args=example)
        else:
            derivative = srcdiff.grad(fn, wrt=args.wrt)
            if example is not None:
                derivative(*example)
            if args.standalone:
                from ..api.sources import generated_functions
                from .export import standalone

                if example is None:
                    derivative.current()  # (generate it from the annotations)
                module_name = (
                    os.path.splitext(os.path.basename(target.location))[0] if target.is_file else target.location
                )
                text = standalone(
                    generated_functions(derivative),
                    module_name,
                    f"Gradient of {target.function} from {target.location}",
                    " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "",
                    example,
                )
            elif args.stats:
                generated = derivative.current()
                lines = [f"# srcdiff dump --stats {target.location}:{target.function}"]
                for key, value in generated.stats.items():
                    if isinstance(value, dict):
                        lines.append(f"{key}:")
                        lines += [f"  {where}: {count}" for where, count in value.items()] or ["  (no loops)"]
                    else:
                        lines.append(f"{key}: {value}")
                text = "\n".join(lines) + "\n"
            elif args.annotate:
                from ..api.sources import annotated_source

                text = annotated_source(derivative)
            else:
                text = srcdiff.source(derivative)
    if not text.endswith("\n"):
        text += "\n"
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as err:
            raise CliError(f"{args.output}: cannot write: {err.strerror or err}") from err
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return EXIT_OK


def _error(message: str) -> int:
    first_line = message.strip().splitlines()[0] if message.strip() else "unknown error"
    print(f"{PROG}: error: {first_line}", file=sys.stderr)
    return EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``srcdiff`` command with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Never raises :class:`SystemExit` itself: argparse's exits (``--help``,
    ``--version``, usage errors) are turned into the returned status.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    try:
        return args.handler(args)
    except SrcDiffError as err:
        return _error(str(err))
    except CliError as err:
        return _error(str(err))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
