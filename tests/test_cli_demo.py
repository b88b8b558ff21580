"""`autograd demo`: files written, accuracies printed, one-line errors for bad arguments."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograd import cli, nn


def _run(capsys, *argv):
    rc = cli.main(["demo", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_demo_writes_its_files(tmp_path, capsys):
    out_dir = tmp_path / "tmp"
    rc, out, err = _run(capsys, "--epochs", "2", "--out", str(out_dir))
    assert rc == 0, err
    assert "train accuracy" in out and "test accuracy" in out and "240 train / 60 test" in out
    assert "epoch 2/2" in err  # the progress bar
    for name in ("loss.png", "decision_boundary.png"):
        assert (out_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    nn.MLP(2, [16, 16, 1]).load(out_dir / "model.json")  # the weights fit the demo's model
    svg = out_dir / "neuron.svg"
    if svg.exists():
        text = svg.read_text()
        assert "<svg" in text and "dot" in text and "ReLU" in text
    else:  # no renderer on this machine: the demo says so and keeps going
        assert "no neuron diagram" in out
    assert "wrote" in out


def test_demo_spiral_without_progress(tmp_path, capsys):
    rc, out, err = _run(capsys, "--dataset", "spiral", "--epochs", "1", "--out", str(tmp_path), "--no-progress",
                        "--seed", "3")  # fmt: skip
    assert rc == 0 and err == ""
    assert "spiral" in out and "(seed 3)" in out and (tmp_path / "decision_boundary.png").exists()
    assert "Adam, 1 epoch\n" in out  # not "1 epochs"


def test_demo_digits(tmp_path, capsys):
    pytest.importorskip("sklearn")
    rc, out, _ = _run(capsys, "--dataset", "digits", "--epochs", "1", "--out", str(tmp_path), "--no-progress")
    assert rc == 0 and "1437 train / 360 test" in out
    assert (tmp_path / "predictions.png").exists() and (tmp_path / "loss.png").exists()


def test_demo_digits_without_scikit_learn_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    rc, _, err = _run(capsys, "--dataset", "digits", "--out", str(tmp_path))
    assert rc == 2 and err.count("\n") == 1
    assert "pip install 'scalar-autograd[datasets]'" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--epochs", "0"], "expected a positive whole number, got 0"),
        (["--epochs", "ten"], "expected a positive whole number, got 'ten'"),
        (["--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["--seed", "x"], "expected a whole number, got 'x'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_give_one_line(capsys, argv, needle):
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", *argv])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.count("\n") == 1 and err.startswith("autograd: error: ") and needle in err
    assert "Traceback" not in err and "--help" in err


def test_out_that_is_a_file_is_one_line(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x")
    rc, out, err = _run(capsys, "--out", str(f))
    assert rc == 2 and err.count("\n") == 1 and "is a file, not a folder" in err and out == ""


def test_help_is_clear(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    for needle in ("--dataset", "moons", "spiral", "digits", "--epochs", "--seed", "--out", "autograd-demo"):
        assert needle in out


def test_python_dash_m_runs_the_cli():
    r = subprocess.run([sys.executable, "-m", "autograd", "demo", "--epochs", "-1"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "positive whole number" in r.stderr
