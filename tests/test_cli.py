"""The ``srcdiff`` command line, run in-process through ``srcdiff.tools.cli.main``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from srcdiff.tools.cli import main

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "examples" / "seed.py"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def assert_one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("srcdiff: error: "), err
    return lines[0]


# --------------------------------------------------------------------------- success


def test_dump_file_target_prints_source(capsys):
    code, out, err = run(capsys, "dump", f"{SEED}:f")
    assert code == 0, err
    assert "def " in out
    assert err == ""


def test_dump_relative_path(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code, out, err = run(capsys, "dump", "examples/seed.py:f")
    assert code == 0, err
    assert "def " in out


def test_dump_wrt_by_name(capsys):
    code, out, err = run(capsys, "dump", f"{SEED}:g", "--wrt", "x,y")
    assert code == 0, err
    assert "def " in out


def test_dump_wrt_by_position(capsys):
    code, out, err = run(capsys, "dump", f"{SEED}:g", "--wrt", "1")
    assert code == 0, err
    assert "def " in out
    code, out, err = run(capsys, "dump", f"{SEED}:g", "--wrt=0,1")
    assert code == 0, err
    assert "def " in out


def test_dump_output_file(capsys, tmp_path):
    target = tmp_path / "df.py"
    code, out, err = run(capsys, "dump", f"{SEED}:f", "-o", str(target))
    assert code == 0, err
    assert out == ""
    text = target.read_text(encoding="utf-8")
    assert "def " in text
    assert text.endswith("\n")
    # Same text as printing it.
    code, printed, _ = run(capsys, "dump", f"{SEED}:f")
    assert code == 0
    assert printed == text


def test_dump_file_with_sibling_import(capsys, tmp_path):
    write(tmp_path / "sd_cli_sibling_helper.py", """\
        def square(x):
            return x * x
    """)
    target = write(tmp_path / "uses_helper.py", """\
        from sd_cli_sibling_helper import square

        def f(x):
            return square(x) + 3.0 * x
    """)
    path_before = list(sys.path)
    try:
        code, out, err = run(capsys, "dump", f"{target}:f")
    finally:
        sys.modules.pop("sd_cli_sibling_helper", None)
    assert code == 0, err
    assert "def " in out
    assert sys.path == path_before  # the file's directory was only added temporarily


def test_dump_module_target(capsys, tmp_path, monkeypatch):
    pkg = tmp_path / "sd_cli_testpkg"
    pkg.mkdir()
    write(pkg / "__init__.py", "")
    write(pkg / "model.py", """\
        import math

        def loss(w, b):
            return (math.tanh(w) - b) ** 2
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        code, out, err = run(capsys, "dump", "sd_cli_testpkg.model:loss", "--wrt", "w,b")
    finally:
        for name in ("sd_cli_testpkg", "sd_cli_testpkg.model"):
            sys.modules.pop(name, None)
    assert code == 0, err
    assert "def " in out


def test_file_target_main_block_does_not_run(capsys, tmp_path):
    target = write(tmp_path / "script.py", """\
        def f(x):
            return x * x

        if __name__ == "__main__":
            raise SystemExit("the script's main block ran")
    """)
    code, out, err = run(capsys, "dump", f"{target}:f")
    assert code == 0, err
    assert "def " in out


# --------------------------------------------------------------------------- usage (exit 2)


@pytest.mark.parametrize(
    "argv",
    [
        [],                                            # no command
        ["dump"],                                      # no target
        ["dump", "examples/seed.py"],                  # no ':' in target
        ["dump", "examples/seed.py:"],                 # no function name
        ["dump", "examples/seed.py:a.b"],              # not a plain name
        ["dump", "examples/seed.py:f", "--bogus"],     # unknown option
        ["dump", "examples/seed.py:f", "--wrt", "x,,y"],
        ["dump", "examples/seed.py:f", "--wrt", "-1"],
        ["frobnicate", "examples/seed.py:f"],          # unknown command
    ],
)
def test_bad_usage_exits_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert "usage:" in err
    assert out == ""


def test_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "dump" in out and "exit status" in out and "examples/seed.py:f" in out
    code, out, _ = run(capsys, "dump", "--help")
    assert code == 0
    assert "--wrt" in out and "file.py:func" in out and "package.module:func" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith("srcdiff ")


def test_python_m_srcdiff_help():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "srcdiff", "--help"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage: srcdiff" in proc.stdout
    assert "dump" in proc.stdout


# --------------------------------------------------------------------------- failures (exit 1)


def test_missing_file(capsys, tmp_path):
    missing = tmp_path / "nowhere.py"
    code, out, err = run(capsys, "dump", f"{missing}:f")
    assert code == 1
    line = assert_one_line_error(err)
    assert str(missing) in line
    assert out == ""


def test_missing_module(capsys):
    code, _, err = run(capsys, "dump", "sd_cli_no_such_module_anywhere:f")
    assert code == 1
    line = assert_one_line_error(err)
    assert "sd_cli_no_such_module_anywhere" in line


def test_missing_function(capsys):
    code, out, err = run(capsys, "dump", f"{SEED}:no_such_function")
    assert code == 1
    line = assert_one_line_error(err)
    assert "seed.py" in line
    assert "no function 'no_such_function'" in line
    assert out == ""


def test_not_a_function(capsys, tmp_path):
    target = write(tmp_path / "consts.py", "RATE = 0.5\n")
    code, _, err = run(capsys, "dump", f"{target}:RATE")
    assert code == 1
    line = assert_one_line_error(err)
    assert "consts.py" in line and "RATE" in line


def test_non_differentiable_function_names_file_and_line(capsys, tmp_path):
    target = write(tmp_path / "uses_try.py", """\
        import math

        def f(x):
            y = x * x
            class Local:
                pass
            return y
    """)
    code, out, err = run(capsys, "dump", f"{target}:f")
    assert code == 1
    line = assert_one_line_error(err)
    assert "uses_try.py" in line
    assert ":5" in line  # the `class` line
    assert out == ""


def test_unknown_wrt_name(capsys):
    code, _, err = run(capsys, "dump", f"{SEED}:g", "--wrt", "nope")
    assert code == 1
    line = assert_one_line_error(err)
    assert "nope" in line


def test_wrt_position_out_of_range(capsys):
    code, _, err = run(capsys, "dump", f"{SEED}:g", "--wrt", "5")
    assert code == 1
    assert_one_line_error(err)


def test_error_while_importing_names_file_and_line(capsys, tmp_path):
    target = write(tmp_path / "broken.py", """\
        def f(x):
            return x

        1 / 0
    """)
    code, _, err = run(capsys, "dump", f"{target}:f")
    assert code == 1
    line = assert_one_line_error(err)
    assert "broken.py:4" in line and "ZeroDivisionError" in line


def test_syntax_error_names_file_and_line(capsys, tmp_path):
    target = write(tmp_path / "bad_syntax.py", """\
        def f(x):
            return x +
    """)
    code, _, err = run(capsys, "dump", f"{target}:f")
    assert code == 1
    line = assert_one_line_error(err)
    assert "bad_syntax.py:2" in line and "SyntaxError" in line


def test_unwritable_output(capsys, tmp_path):
    target = tmp_path / "no_such_dir" / "df.py"
    code, _, err = run(capsys, "dump", f"{SEED}:f", "-o", str(target))
    assert code == 1
    line = assert_one_line_error(err)
    assert str(target) in line


STANDALONE_MODEL = '''import math
import numpy as np

SCALE = 0.5


def helper(w, x):
    return np.tanh(w * x) * SCALE


def loss(w, x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(helper(w, x) ** 2) * (i + 1)
    return s + math.sin(float(w[0]))


def example_args():
    return np.array([0.3, -0.2]), np.array([1.0, 2.0])
'''


def test_standalone_export_runs_without_srcdiff(tmp_path):
    import subprocess
    import sys as _sys

    (tmp_path / "standalone_model.py").write_text(STANDALONE_MODEL)
    out = tmp_path / "grads.py"
    code = main(["dump", str(tmp_path / "standalone_model.py") + ":loss", "--example", "example_args",
                 "--standalone", "-o", str(out)])
    assert code == 0
    script = (
        "import sys\n"
        "sys.modules['srcdiff'] = None\n"  # the export must not need srcdiff
        "import grads, standalone_model as m\n"
        "g = grads.grad_loss(*m.example_args())\n"
        "print(repr(g.tolist()))\n"
    )
    result = subprocess.run([_sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    import importlib.util

    import srcdiff

    spec = importlib.util.spec_from_file_location("standalone_model_check", tmp_path / "standalone_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = srcdiff.grad(module.loss)(*module.example_args())
    assert eval(result.stdout) == expected.tolist()


RULE_HELPERS_MODEL = '''import numpy as np


def loss(x, a):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    sorted_rows = np.sort(x, axis=1)
    spread = np.percentile(x, 75.0) - np.median(x)
    weights = {k: np.sum(x[k]) for k in range(2)}
    return np.sum(s ** 2) + np.sum(sorted_rows * a) + spread + weights[1] * np.linalg.norm(x, 1)


def example_args():
    return np.array([[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]]), np.array([[1.0, 2.0, 3.0], [0.5, 0.1, -1.0]])
'''


def test_standalone_export_copies_the_helpers_of_every_rule_module(tmp_path):
    """(svd, sort, percentile and dict helpers live in modules of their own: the export refused
    "cannot be written into a standalone module")."""
    import importlib.util
    import subprocess
    import sys as _sys

    import numpy as np

    import srcdiff

    (tmp_path / "rule_model.py").write_text(RULE_HELPERS_MODEL)
    out = tmp_path / "rule_grads.py"
    code = main(["dump", str(tmp_path / "rule_model.py") + ":loss", "--example", "example_args",
                 "--standalone", "-o", str(out)])
    assert code == 0
    script = (
        "import sys\n"
        "sys.modules['srcdiff'] = None\n"
        "import rule_grads, rule_model as m\n"
        "print(repr(rule_grads.grad_loss(*m.example_args()).tolist()))\n"
    )
    result = subprocess.run([_sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    spec = importlib.util.spec_from_file_location("rule_model_check", tmp_path / "rule_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert np.allclose(eval(result.stdout), srcdiff.grad(module.loss)(*module.example_args()))
