"""The documentation stays honest: its code runs, its quoted output is real, its tables are current.

* Every ```python block of README.md and docs/*.md runs (blocks of one page share a namespace,
  in order).  Each block is written to a file of its own before it runs, because srcdiff reads
  functions from their source.  A block whose first line is ``# not run`` is skipped.
* A fenced block right after ``<!-- output -->`` must equal what the previous block printed;
  after ``<!-- output: EXPR -->``, the value of EXPR in the page's namespace (a string as it is,
  anything else by ``repr``); after
  ``<!-- raises -->``, the previous block must raise, and the block is ``TypeName: message``
  (and the exception's notes, one per line, as a traceback shows them).
  In all three, the path of a block's file reads ``example.py``, so ``example.py:3`` is line 3
  of the block that defined the function.
* docs/coverage.md is what ``python -m srcdiff.tools.docs_tables`` prints.
* docs/api.md documents every name in ``srcdiff.__all__`` with its real signature.

After a deliberate change to srcdiff's output, rewrite the quoted blocks with
``SRCDIFF_UPDATE_DOCS=1 python3 -m pytest tests/test_docs.py`` and read the diff.
"""

from __future__ import annotations

import builtins
import contextlib
import inspect
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import srcdiff
from srcdiff.tools import docs_tables

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md"] + sorted(DOCS.glob("*.md"))
UPDATE = os.environ.get("SRCDIFF_UPDATE_DOCS") == "1"

_OPEN = re.compile(r"^```([\w+-]*)\s*$")
_MARKER = re.compile(r"^<!--\s*(output|raises)(?::\s*(.*?))?\s*-->\s*$")
_BLOCK_FILE = re.compile(r"docblock_\d+\.py")


@dataclass
class Block:
    lang: str
    first: int  # index of the first line inside the fence
    last: int  # index of the closing fence
    text: str
    marker: str | None = None  # "output" or "raises"
    expression: str | None = None  # for <!-- output: EXPR -->

    @property
    def runs(self) -> bool:
        return self.lang == "python" and self.marker is None and not self.text.startswith("# not run")


def blocks(lines: list[str]) -> list[Block]:
    """The fenced blocks of a Markdown page, with the marker comment just before each."""
    found = []
    i = 0
    while i < len(lines):
        opening = _OPEN.match(lines[i])
        if opening is None:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        marker = _MARKER.match(lines[i - 1]) if i > 0 else None
        block = Block(opening.group(1), i + 1, end, "\n".join(lines[i + 1 : end]) + "\n")
        if marker is not None:
            block.marker, block.expression = marker.group(1), marker.group(2)
        found.append(block)
        i = end + 1
    return found


def normalized(text: str, folder: Path) -> str:
    """Block files read ``example.py``; trailing blanks and object addresses do not count."""
    text = text.replace(str(folder) + os.sep, "")
    text = _BLOCK_FILE.sub("example.py", text)
    text = re.sub(r" at 0x[0-9a-f]+", " at 0x...", text)
    text = re.sub(r"(<srcdiff [^>#]*#)\d+>", r"\1N>", text)  # generated code is numbered in order
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def run_page(page: Path, folder: Path) -> list[str]:
    """Run a page's code; return the quoted blocks that differ from the real output."""
    lines = page.read_text().splitlines()
    found = blocks(lines)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.lower()}", "__builtins__": builtins}
    printed = ""
    error: BaseException | None = None
    problems: list[str] = []
    updates: list[tuple[Block, str]] = []
    for n, block in enumerate(found):
        where = f"{page.name}:{block.first}"
        if block.marker is not None:
            if block.marker == "raises":
                assert error is not None, f"{where}: the block before a <!-- raises --> block did not raise"
                actual = "\n".join([f"{type(error).__name__}: {error}", *getattr(error, "__notes__", [])])
            elif block.expression:
                value = eval(block.expression, namespace)
                actual = value if isinstance(value, str) else repr(value)
            else:
                actual = printed
            got, want = normalized(actual, folder), normalized(block.text, folder)
            if got != want:
                problems.append(f"{where}: quoted {block.marker} differs:\n--- doc\n{want}\n--- srcdiff\n{got}")
                updates.append((block, got))
            continue
        if not block.runs:
            continue
        path = folder / f"docblock_{n}.py"
        path.write_text(block.text)
        expect_error = n + 1 < len(found) and found[n + 1].marker == "raises"
        out = io.StringIO()
        error = None
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(block.text, str(path), "exec"), namespace)
        except Exception as err:
            if not expect_error:
                raise AssertionError(f"{where}: code sample raised {type(err).__name__}: {err}") from err
            error = err
        else:
            assert not expect_error, f"{where}: expected this code sample to raise"
        printed = out.getvalue()
    if UPDATE and updates:
        for block, text in sorted(updates, key=lambda u: -u[0].first):
            lines[block.first : block.last] = text.splitlines()
        page.write_text("\n".join(lines) + "\n")
        return []
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_samples_run(page, tmp_path):
    problems = run_page(page, tmp_path)
    assert not problems, "\n\n".join(problems)


def test_pages_have_code_samples():
    for name in ("tutorial.md", "api.md", "troubleshooting.md", "limits.md"):
        assert any(b.runs for b in blocks((DOCS / name).read_text().splitlines())), name


def test_coverage_tables_are_current():
    expected = docs_tables.render()
    actual = (DOCS / "coverage.md").read_text()
    if UPDATE and actual != expected:
        (DOCS / "coverage.md").write_text(expected)
        return
    assert actual == expected, "docs/coverage.md is stale: run python -m srcdiff.tools.docs_tables > docs/coverage.md"


def test_docs_tables_main_prints_the_page(capsys):
    docs_tables.main()
    assert capsys.readouterr().out == docs_tables.render()


def _plain_signature(fn) -> str:
    """``(f, wrt=0)``: the signature without annotations, as api.md writes it."""
    sig = inspect.signature(fn)
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))


def test_api_reference_covers_every_public_name():
    headings = [line for line in (DOCS / "api.md").read_text().splitlines() if line.startswith("#")]
    for name in srcdiff.__all__:
        obj = getattr(srcdiff, name)
        title = f"srcdiff.{name}" if isinstance(obj, type) else f"srcdiff.{name}{_plain_signature(obj)}"
        assert any(f"`{title}`" in h for h in headings), f"docs/api.md has no heading for `{title}`"


def test_every_page_is_linked():
    readme = (ROOT / "README.md").read_text()
    index = (DOCS / "index.md").read_text()
    for page in DOCS.glob("*.md"):
        if page.name != "index.md":
            assert f"({page.name})" in index, f"docs/index.md does not link {page.name}"
        assert f"(docs/{page.name})" in readme, f"README.md does not link docs/{page.name}"


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to dashes."""
    headings = [line.lstrip("#").strip() for line in page.read_text().splitlines() if line.startswith("#")]
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_relative_links_resolve():
    for page in PAGES:
        for target, anchor in re.findall(r"\]\(([^)#:\s]*)(?:#([^)\s]*))?\)", page.read_text()):
            linked = page.parent / target if target else page
            assert linked.exists(), f"{page.name} links to missing {target}"
            if anchor and linked.suffix == ".md":
                assert anchor in _anchors(linked), f"{page.name} links to missing #{anchor} in {linked.name}"
