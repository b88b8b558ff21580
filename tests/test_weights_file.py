"""Loading weights from damaged or hostile files: always one clear ValueError, never a raw error,
never the file's control characters in the message, and the model untouched."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from autograd import nn


def _model() -> nn.MLP:
    return nn.MLP(2, [3, 1], seed=0)


def _doc(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {"format": nn.FORMAT, "version": nn.FORMAT_VERSION, "model": repr(_model()),
                              "state": _model().state_dict()}  # fmt: skip
    doc.update(changes)
    return doc


def _refusal(path: Path) -> str:
    """Load ``path`` into a fresh model: it must raise exactly ValueError and leave the model as it was."""
    model = _model()
    before = model.state_dict()
    with pytest.raises(ValueError) as info:
        model.load(path)
    assert type(info.value) is ValueError, type(info.value)  # not UnicodeDecodeError, JSONDecodeError...
    assert model.state_dict() == before
    message = str(info.value)
    assert all(c.isprintable() or c == "\n" for c in message), repr(message)
    return message


def test_deeply_nested_json_is_a_clear_value_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    assert "nested too deeply" in _refusal(path)
    deep = "[" * 100_000 + "]" * 100_000
    path.write_text(json.dumps(_doc(state={})).replace('"state": {}', f'"state": {deep}'))
    assert "nested too deeply" in _refusal(path)


def test_a_file_that_is_not_utf8_is_a_clear_value_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(_doc(model="Modèle"), ensure_ascii=False).encode("latin-1"))
    message = _refusal(path)
    assert "not UTF-8 text (byte 0xe8 at offset" in message and "not a weights file" in message


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_doc()).encode())
    assert nn.MLP(2, [3, 1], seed=5).load(path).state_dict() == _model().state_dict()


@pytest.mark.parametrize("version", [-1, 0, 1.0, "1", True, None, [1], {"v": 1}, 10**40])
def test_unsupported_versions_are_refused(tmp_path: Path, version: object) -> None:
    path = tmp_path / "v.json"
    path.write_text(json.dumps(_doc(version=version)))
    assert "unsupported weights format version" in _refusal(path)


def test_a_newer_version_asks_for_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text(json.dumps(_doc(version=nn.FORMAT_VERSION + 1)))
    assert "Upgrade scalar-autograd" in _refusal(path)


def test_control_characters_from_the_file_are_escaped_in_messages(tmp_path: Path) -> None:
    evil = "\x1b[2J\x1b]0;pwned\x07\r\n\u202e"
    state = _model().state_dict()
    state[evil] = 1.0
    state["layers.0.neurons.0.b"] = evil
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(_doc(model=evil, state=state)))
    message = _refusal(path)
    assert "\\x1b[2J" in message and "\\u202e" in message  # shown, escaped
    assert "unexpected key" in message and "bad value" in message


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.json"
    text = json.dumps(_doc())
    path.write_text(text.replace('"state": {', '"state": {"layers.1.neurons.0.b": 5.0, ', 1))
    assert "'layers.1.neurons.0.b' appears twice" in _refusal(path)


def test_huge_numbers_are_bad_values_not_interpreter_limits(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    text = json.dumps(_doc())
    path.write_text(text.replace('"layers.1.neurons.0.b": 0.0', '"layers.1.neurons.0.b": ' + "9" * 5000))
    message = _refusal(path)
    assert "'layers.1.neurons.0.b' must be a finite number" in message and "int_max_str_digits" not in message


def test_many_problems_are_counted_not_all_listed(tmp_path: Path) -> None:
    state = {f"junk.{i}": 0.0 for i in range(1000)}
    path = tmp_path / "many.json"
    path.write_text(json.dumps(_doc(state=state)))
    message = _refusal(path)
    assert "1000 unexpected" in message and "more" in message and message.count("\n") < 30


# ---- whatever the damage: it loads (finite weights), or it is one clean ValueError


def _valid_bytes() -> bytes:
    return json.dumps(_doc(), indent=1).encode()


VALID = _valid_bytes()
NASTY = [b"[", b"{", b"]", b"}", b'"', b"\\", b",", b":", b"\x00", b"\x1b", b"\xff", b"\xc3", b"NaN", b"1e999",
         b"-", b"9" * 40, b'"version": -1', b"[" * 3000, b"\r\n", b"\xe2\x80\xae"]  # fmt: skip


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = VALID
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "flip", "insert", "delete"]))
        if kind == "cut":
            data = data[:at]
        elif kind == "flip" and at < len(data):
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + draw(st.sampled_from(NASTY) | st.binary(max_size=8)) + data[at:]
        else:
            data = data[:at] + data[at + draw(st.integers(1, 20)) :]
    return data


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=damaged())
@example(data=b"[" * 100_000)
@example(data=VALID.replace(b'"version": 1', b'"version": -1'))
@example(data=VALID.replace(b'"model": "', b'"model": "\x1b[31m'))
def test_a_damaged_file_loads_or_fails_cleanly(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(data)
    model = _model()
    try:
        model.load(path)
    except ValueError:
        _refusal(path)
    else:
        assert all(math.isfinite(p.data) for p in model.parameters())
