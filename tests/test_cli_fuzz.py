"""Fuzzing ``cli.main(argv)`` in-process: any argv either succeeds or exits 2 with one line on stderr.

The argv lists are built from formula fragments, names, numbers, flags and junk
(control characters, null bytes, unbalanced brackets), as a user or a script
might type them. There is never a traceback, and never an error the CLI did
not foresee (the catch-all's "AUTOGRAD_DEBUG" note would show it).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.cli import main
from autograd.cli.formula import formula_functions

NAMES = ["x", "y", "z", "f", "out", "result", "t", "t1", "pi", "e", "_", "é", "lambda", "float", "__import__"]
NUMBERS = ["0", "1", "-1", "2.5", "-0.0", "1e308", "1e-310", "1e400", "nan", "inf", "-inf", "9" * 40, "0x10",
           "1_000", "3j", "", "abc", "1e", "--1"]  # fmt: skip
FUNCS = [*sorted(formula_functions()), "print", "getattr", "open", "x"]
OPS = ["+", "-", "*", "/", "**", "^", "//", "%", "@", "<", "==", " and ", ",", ".", "=", ":=", "~", "not "]
JUNK = ["(", ")", "[", "]", "{", "}", " ", "\n", "\t", "\x00", "\x1b[31m", "'", '"', "#", "\\", "…", "if", "else",
        "lambda:", "*", "**", "()", "[0]"]  # fmt: skip

VARIABLES = ["x", "y", "z", "f", "out", "result", "t", "t1", "_", "é", "float"]
GOOD_NUMBERS = ["0", "1", "-1", "2.5", "-0.0", "3", "0.5", "1e308", "1e-310", "1e400", "nan", "inf", "-inf"]


def _expressions(names: list[str]) -> st.SearchStrategy[str]:
    """Well-formed formulas over ``names``, numbers and every math function (sometimes with a wrong arity)."""
    atoms = st.sampled_from(names) | st.sampled_from(["0", "1", "2", "0.5", "1e308", "pi", "e"])

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binop = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})")
        unary = st.tuples(st.sampled_from(["-", "+"]), inner).map("".join)
        call = st.tuples(st.sampled_from(FUNCS), st.lists(inner, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})")
        return binop | unary | call

    return st.recursive(atoms, extend, max_leaves=10)


@st.composite
def plausible(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A formula over the variables that --at gives, with numbers that parse: mostly runs."""
    names = draw(st.lists(st.sampled_from(VARIABLES), min_size=1, max_size=4, unique=True))
    items = [f"{n}={draw(st.sampled_from(GOOD_NUMBERS))}" for n in names]
    return draw(_expressions(names)), items


@st.composite
def junk(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Fragments, names, numbers and control characters glued together: mostly refused."""
    pieces = st.sampled_from(NAMES + NUMBERS + OPS + JUNK) | _expressions(NAMES)
    formula = draw(st.lists(pieces, max_size=8).map("".join) | st.text(max_size=12))
    item = st.tuples(st.sampled_from(NAMES), st.sampled_from(["=", "==", ":", ""]), st.sampled_from(NUMBERS))
    items = draw(st.lists(item.map("".join) | st.text(max_size=6), max_size=4))
    return formula, items


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fuzz")
    (d / "a_file").write_text("x")
    return d


@st.composite
def _flags(draw: st.DrawFn, folder: Path) -> list[str]:
    """Options: mostly good ones, and one time in four a bad one (or one missing its value)."""
    outputs = [str(folder / "g.dot"), str(folder / "g.txt"), str(folder / "missing" / "g.dot"), str(folder),
               str(folder / "noext"), "", "-"]  # fmt: skip
    good = st.sampled_from([["--check"], ["--order"], ["--rankdir", "TB"], ["--rankdir", "LR"], ["--precision", "1"],
                            ["--precision", "17"], ["-o", str(folder / "g.dot")]])  # fmt: skip
    bad = st.sampled_from([["--rankdir", "XY"], ["--rankdir"], ["--precision"], ["--at"], ["-o"], ["--bogus"],
                           ["-h"], ["--"], ["-x"]])  # fmt: skip
    bad |= st.tuples(st.just("--precision"), st.sampled_from(["0", "18", "100", "-3", "x", "2.5"])).map(list)
    bad |= st.tuples(st.just("-o"), st.sampled_from(outputs)).map(list)
    groups = draw(st.lists(good, max_size=3))
    if draw(st.integers(0, 3)) == 0:
        groups.insert(draw(st.integers(0, len(groups))), draw(bad))
    return [a for g in groups for a in g]


def _run(argv: list[str]) -> tuple[int, str, str]:
    """(exit status, stdout, stderr); a warning counts as stderr, as it would print there."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            rc = main(argv)
        except SystemExit as e:  # argparse's exits: 2 for a bad argument, 0 for --help
            rc = e.code if isinstance(e.code, int) else 2
    shown = "".join(f"{m.category.__name__}: {m.message}\n" for m in w)
    return rc, out.getvalue(), shown + err.getvalue()


def _assert_clean(argv: list[str], rc: int, out: str, err: str) -> None:
    assert "Traceback" not in err and "Traceback" not in out, argv
    if rc == 2:
        assert err.startswith("autograd: error: ") and err.endswith("\n") and err.count("\n") == 1, (argv, err)
        assert err[:-1].isprintable(), (argv, err)  # control characters from argv are escaped
        assert "AUTOGRAD_DEBUG" not in err, (argv, err)  # an error the CLI did not foresee
    elif rc == 1:  # only --check reports a mismatch, on stdout
        assert "--check" in argv and "MISMATCH" in out and err == "", (argv, out, err)
    else:
        assert rc == 0 and err == "", (argv, rc, err)


@given(data=st.data())
def test_graph_never_prints_a_traceback(folder: Path, data: st.DataObject) -> None:
    formula, items = data.draw(plausible() | junk(), "formula and --at")
    flags = data.draw(_flags(folder), "flags")
    argv = ["graph", formula, *(["--at", *items] if items else []), *flags]
    if data.draw(st.integers(0, 9), "shuffle") == 0:  # now and then, the words in any order
        argv = ["graph", *data.draw(st.permutations(argv[1:]), "order")]
    _assert_clean(argv, *_run(argv))


@given(tokens=st.lists(st.sampled_from(["demo", "graph", "--epochs", "0", "-1", "ten", "--seed", "x", "--dataset",
                                        "mnist", "spiral", "--no-progress", "--bogus", "", "\x1b", "é"]), max_size=6))
def test_any_command_line_never_prints_a_traceback(folder: Path, tokens: list[str]) -> None:
    # --out names a file, so a demo that parses stops at once instead of training.
    argv = [*tokens, "--out", str(folder / "a_file")] if tokens[:1] == ["demo"] else tokens
    _assert_clean(argv, *_run(argv))


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["z+f+out+result", "--at", "z=1", "f=2", "out=3", "result=4"], None),  # output named out1
        (["clamp(x, 3, 2)", "--at", "x=1"], "clamp needs lo <= hi"),
        (["x*2", "--at", "x=1", "--precision", "100"], "significant digits from 1 to 17, got 100"),
    ],
)
def test_the_reported_crashes_are_one_line(argv: list[str], needle: str | None) -> None:
    rc, out, err = _run(["graph", *argv])
    _assert_clean(["graph", *argv], rc, out, err)
    if needle is None:
        assert rc == 0 and out.startswith("out1 = z+f+out+result = 10") and "dout1/dresult = 1" in out
    else:
        assert rc == 2 and needle in err and out == ""  # nothing printed before the error


def test_python_warnings_do_not_reach_stderr() -> None:
    rc, _, err = _run(["graph", "1if x else 2", "--at", "x=1"])  # ast.parse warns "invalid decimal literal"
    assert rc == 2 and err.count("\n") == 1 and "'a if c else b' is not allowed" in err
    rc, _, err = _run(["graph", "x + '\\d'", "--at", "x=1"])  # "invalid escape sequence"
    assert rc == 2 and err.count("\n") == 1 and "str literals are not allowed" in err


def test_an_output_path_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "g.dot").mkdir()
    argv = ["graph", "x*x", "--at", "x=1", "-o", str(tmp_path / "g.dot")]
    rc, out, err = _run(argv)
    _assert_clean(argv, rc, out, err)
    assert rc == 2 and "it is a folder" in err and out == ""
