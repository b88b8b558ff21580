"""`autograd graph`: the happy path, the refusals, and code-injection attempts."""

from __future__ import annotations

import ast
import builtins
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import cli
from autograd.cli import Formula, main
from autograd.cli.formula import formula_functions

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["graph", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def no_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """The formula is never given to eval (exec stays: the import system needs it)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval called on a formula")

    monkeypatch.setattr(builtins, "eval", refuse)


@pytest.mark.parametrize("source", sorted(Path(cli.__file__).parent.glob("*.py")), ids=lambda p: p.name)
def test_the_cli_code_calls_no_eval_exec_or_compile(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__", "getattr"}


# ---------------------------------------------------------------- happy path


def test_seed_example_prints_gradients_and_writes_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "chain.svg"
    code, out, err = run(capsys, "(x + y)**2", "--at", "x=3", "y=2", "-o", str(target))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "z = (x + y)**2 = 25   at x=3, y=2"
    assert "dz/dx = 10" in lines and "dz/dy = 10" in lines
    assert lines[-1] == f"wrote {target}"
    svg = target.read_bytes()
    assert ET.fromstring(svg).tag.endswith("svg")
    assert "∂z/∂t = 10" in svg.decode("utf-8")


def test_dot_output_names_the_intermediate_t(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "chain.dot"
    code, _, _ = run(capsys, "(x + y)**2", "--at", "x=3", "y=2", "-o", str(target), "--order", "--rankdir", "TB")
    src = target.read_text(encoding="utf-8")
    assert code == 0
    assert "∂z/∂t = 10" in src and "∂t/∂x = 1" in src and "∂t/∂y = 1" in src
    assert "<b>t</b></td><td>data 5</td><td>grad 10<" in src
    assert "step 1" in src and "rankdir=TB" in src


def test_png_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "g.png"
    code, out, _ = run(capsys, "tanh(w*x + b)", "--at", "w=0.5", "x=2", "b=-1", "-o", str(target))
    assert code == 0 and target.read_bytes().startswith(PNG_MAGIC)
    assert "dz/dw = 2" in out and "dz/dx = 0.5" in out and "dz/db = 1" in out  # tanh'(0) = 1


def test_intermediates_are_numbered_and_avoid_user_names(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "g.dot"
    code, out, _ = run(capsys, "t*z + t", "--at", "t=2", "z=3", "-o", str(target))
    src = target.read_text(encoding="utf-8")
    assert code == 0
    assert out.splitlines()[0].startswith("f = t*z + t = 8")  # z is taken: the output is f
    assert "df/dt = 4" in out and "df/dz = 2" in out
    assert "<b>t1</b>" in src and "∂f/∂t1 = 1" in src


def test_formula_after_at_is_understood(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--at", "x=3", "y=2", "(x + y)**2")  # argparse hands the formula to --at
    assert code == 0 and "dz/dx = 10" in out


def test_no_formula_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run(capsys, "--at", "x=3"), 'give a formula, e.g. autograd graph "(x + y)**2"')


def test_check_prints_the_gradcheck_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "x*sin(y) + exp(x/2)", "--at", "x=0.7", "y=-1.3", "--check")
    assert code == 0
    assert "analytic" in out and "numerical" in out
    assert "gradcheck: analytic and numerical gradients agree" in out
    table = out.split("\n\n")[1].splitlines()
    assert [row.split()[0] for row in table[1:3]] == ["x", "y"]  # rows named by variable, not 0 and 1
    assert table[1].split()[1:3] == ["0.7", "-0.25402441"]  # at, analytic (8 significant digits)


def test_check_rows_are_named_even_when_names_are_long(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "learning_rate * weight", "--at", "learning_rate=0.5", "weight=2", "--check")
    assert code == 0
    rows = {line.split()[0]: line.split()[2] for line in out.splitlines() if line.split()[:1] in (
        ["learning_rate"], ["weight"]) and len(line.split()) == 6}  # fmt: skip
    assert rows == {"learning_rate": "2", "weight": "0.5"}


@pytest.mark.parametrize(
    ("formula", "at", "notes"),
    [
        ("log(x)", ["x=-1"],
         ["note: log(x) at x=-1 is outside log's domain (x > 0): the result is nan, as IEEE 754 says"]),
        ("sqrt(a) + log1p(b)", ["a=-4", "b=-3"], ["note: log1p(b) at b=-3 is outside log1p's domain (b > -1)",
                                                 "note: sqrt(a) at a=-4 is outside sqrt's domain (a >= 0)"]),
        ("x**0.5", ["x=-2"], ["note: x**0.5 at x=-2 is outside pow's domain"]),
        ("x**y", ["x=-2", "y=0.5"], ["note: x**y at x=-2, y=0.5 is outside pow's domain"]),
        ("log(x)*x", ["x=0"], ["note: t * x at t=-inf, x=0 is undefined (0 * inf)"]),
        ("x*1e308*10 - x*1e308*10", ["x=1"], ["is undefined (inf - inf)"]),
        ("sin(x/0)", ["x=1"], ["note: sin(t) at t=inf is outside sin's domain (t finite)"]),
    ],
)
def test_a_nan_result_says_which_op_left_its_domain(capsys: pytest.CaptureFixture[str], formula: str,
                                                    at: list[str], notes: list[str]) -> None:  # fmt: skip
    code, out, err = run(capsys, formula, "--at", *at)
    assert code == 0 and err == ""
    printed = [line for line in out.splitlines() if line.startswith("note: ")]
    assert len(printed) == len(notes)
    for line, expected in zip(printed, notes):
        assert line.startswith(expected) or expected in line, (line, expected)


def test_no_note_when_nothing_is_nan_or_the_input_is(capsys: pytest.CaptureFixture[str]) -> None:
    for at in ("x=2", "x=nan"):  # a nan input is the user's own: no op made it
        code, out, _ = run(capsys, "log(x) + sqrt(x)", "--at", at)
        assert code == 0 and "note:" not in out


def test_check_reports_a_mismatch_at_a_kink(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "relu(x)", "--at", "x=0", "--check")  # relu'(0) = 0, differences give 0.5
    assert code == 1 and "MISMATCH" in out


@pytest.mark.parametrize(
    ("formula", "at", "expected"),
    [
        ("9**9**9 * x", "x=1", "dz/dx = inf"),  # float literals: no hang on a huge integer power
        ("x / 0 + 1/0", "x=1", "dz/dx = inf"),
        ("-x + +x - 2**-1*x", "x=3", "dz/dx = -0.5"),
        ("maximum(x, y) + min(x, y)", "x=1 y=1", "dz/dx = 1"),
        ("leaky_relu(x, 0.1) + clamp(x, -1, 1)", "x=-5", "dz/dx = 0.1"),
        ("logsumexp(x, x)", "x=2", "dz/dx = 1"),
        ("sin(pi*x)", "x=1", "dz/dx = -3.14159265"),
        ("e*x", "x=1 e=2", "dz/dx = 2"),  # a variable shadows the constant
        ("abs(x) + sqrt(x) + log(x) + log1p(x) + expm1(x)", "x=1", "dz/dx = 5.71828182"),
    ],
)
def test_formulas(capsys: pytest.CaptureFixture[str], formula: str, at: str, expected: str) -> None:
    code, out, err = run(capsys, formula, "--at", *at.split())
    assert (code, err) == (0, "")
    assert expected in out


def test_a_long_formula_is_built_without_recursion(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "x" + "+x" * 2000, "--at", "x=1")  # a left-deep tree 2,000 levels deep
    assert code == 0 and "dz/dx = 2001" in out


def test_literals_become_floats() -> None:
    f = Formula("2**3 / 4", [])
    assert f.build({}) == 2.0 and isinstance(f.build({}), float)


# ---------------------------------------------------------------- refusals


def assert_one_line_error(code: int, out: str, err: str, expected: str) -> None:
    assert code == 2
    assert out == ""
    assert err.startswith("autograd: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert expected in err


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("(x + y", "bad formula: '(' was never closed"),
        ("", "the formula is empty"),
        ("x +* y", "bad formula"),
        ("x + q", "unknown name 'q'"),
        ("foo(x)", "unknown function 'foo'"),
        ("x(2)", "unknown function 'x' (it is a variable)"),
        ("exp + x", "'exp' is a function: call it"),
        ("x^2", "'^' is not a power in Python; write x**2"),
        ("x // 2", "operator '//' is not allowed"),
        ("x % 2", "operator '%' is not allowed"),
        ("~x", "operator '~' is not allowed"),
        ("not x", "operator 'not' is not allowed"),
        ("x < 2", "a comparison is not allowed"),
        ("x and y", "'and'/'or' is not allowed"),
        ("x if y else 1", "'a if c else b' is not allowed"),
        ("sqrt(x, y)", "sqrt() takes 1 argument, got 2"),
        ("clamp(x)", "clamp() takes 3 arguments, got 1"),
        ("leaky_relu(x, y)", "leaky_relu's slope must be a number"),
        ("exp(x=1)", "a keyword argument is not allowed"),
        ("'text'", "str literals are not allowed"),
        ("2j * x", "complex numbers are not allowed"),
        ("True * x", "bool literals are not allowed"),
        ("x, y", "a tuple is not allowed"),
        ("1 + 2", "the formula uses no variables"),
        ("1" * 400 + " * x", "too large for a float"),
        ("(" * 300 + "x" + ")" * 300, "bad formula"),
        ("x" + "+x" * 3000, "the limit is 5,000"),
    ],
)
def test_bad_formulas_are_one_line_errors(capsys: pytest.CaptureFixture[str], formula: str, expected: str) -> None:
    assert_one_line_error(*run(capsys, formula, "--at", "x=1", "y=2"), expected)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("__import__('os').system('touch PWNED')", "attribute access ('.') is not allowed"),
        ("__import__('os')", "unknown function '__import__'"),
        ("eval('1') * x", "unknown function 'eval'"),
        ("open('/etc/passwd') * x", "unknown function 'open'"),
        ("x.__class__.__bases__", "attribute access ('.') is not allowed"),
        ("().__class__", "attribute access ('.') is not allowed"),
        ("(lambda: 1)() * x", "lambda is not allowed"),
        ("[c for c in ().__class__.__base__.__subclasses__()]", "a comprehension is not allowed"),
        ("{k: 1 for k in x}", "a comprehension is not allowed"),
        ("globals()['os']", "indexing ('[...]') is not allowed"),
        ("x[0]", "indexing ('[...]') is not allowed"),
        ("(y := x)", "':=' is not allowed"),
        ("exp(*[x])", "'*' unpacking is not allowed"),
        ("f'{x}'", "a string is not allowed"),
        ("__builtins__", "unknown name '__builtins__'"),
        ("exp(x).__class__", "attribute access ('.') is not allowed"),
        ("[x, y]", "a list is not allowed"),
        ("{x: y}", "a dict is not allowed"),
    ],
)
def test_code_injection_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, formula: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(*run(capsys, formula, "--at", "x=1", "y=2"), expected)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["x", "--at", "x"], "bad --at item 'x': expected NAME=VALUE"),
        (["x", "--at", "x=3,y=2"], "'3,y=2' is not a number"),
        (["x", "--at", "x=abc"], "'abc' is not a number"),
        (["x", "--at", "x=1", "x=2"], "--at gives 'x' twice"),
        (["x", "--at", "2x=1"], "'2x' is not a valid variable name"),
        (["x", "--at", "lambda=1"], "'lambda' is not a valid variable name"),
        (["x + y", "--at", "x=1"], "unknown name 'y' (at column 5): give its value with --at"),
        (["x", "--at", "x=1", "-o", "g.jpg"], "unsupported output suffix '.jpg'"),
        (["x", "--at", "x=1", "-o", "graph"], "-o 'graph' has no suffix"),
        (["x", "--at", "x=1", "-o", "no/such/dir/g.svg"], "the folder 'no/such/dir' does not exist"),
    ],
)
def test_bad_arguments_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(*run(capsys, *argv), expected)
    assert list(tmp_path.iterdir()) == []


def test_missing_renderer_is_one_line_and_keeps_dot(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograd import viz

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("AUTOGRAD_RENDERER", raising=False)
    monkeypatch.setattr(viz, "_scripts_dirs", lambda: [])
    code = main(["graph", "x*y", "--at", "x=1", "y=2", "-o", str(tmp_path / "g.svg")])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1
    assert "apt-get install graphviz" in err and "pip install graphviz-pure" in err
    assert (tmp_path / "g.dot").exists() and not (tmp_path / "g.svg").exists()


def test_entry_point_in_a_fresh_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRAD_RENDERER"}
    ok = subprocess.run([sys.executable, "-m", "autograd", "graph", "(x + y)**2", "--at", "x=3", "y=2",
                         "-o", "chain.svg"], cwd=tmp_path, env=env, capture_output=True, text=True)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "dz/dx = 10" in ok.stdout and (tmp_path / "chain.svg").exists()
    bad = subprocess.run([sys.executable, "-m", "autograd", "graph", "x.y", "--at", "x=1"],
                         cwd=tmp_path, env=env, capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == "autograd: error: attribute access ('.') is not allowed in a formula (at column 1)\n"


def test_every_listed_function_works() -> None:
    for name, (_, lo, _, consts) in formula_functions().items():
        args = ", ".join(["x"] + ["0.5"] * (lo - 1)) if not consts else ", ".join(["x", *(["-1", "1"][: lo - 1])])
        if name == "leaky_relu":
            args = "x, 0.1"
        out = Formula(f"{name}({args})", ["x"]).build({"x": __import__("autograd").Value(0.3)})
        assert isinstance(out.data, float), name
