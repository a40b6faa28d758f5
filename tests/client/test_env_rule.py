"""One rule for KUCOIN_FAST_NO_EXTENSIONS, read the same way by the client and the emulator."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from kf_shared import PKG_PARENT

from kucoin_fast._env import parse_no_extensions


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "on", " 1 "])
def test_truthy_values_select_pure_python(value: str) -> None:
    assert parse_no_extensions(value) is True


@pytest.mark.parametrize("value", [None, "", "0", "false", "No", "off"])
def test_falsy_values_select_compiled(value: str | None) -> None:
    assert parse_no_extensions(value) is False


@pytest.mark.parametrize("value", ["2", "ture", "y"])
def test_other_values_are_an_error_naming_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match="KUCOIN_FAST_NO_EXTENSIONS"):
        parse_no_extensions(value)


def _probe(value: str) -> subprocess.CompletedProcess[str]:
    code = ("import kucoin_fast, kucoin_fast.emulator._build as s; "
            "print(kucoin_fast.USING_EXTENSIONS, s.FAST is not None)")
    env = {**os.environ, "KUCOIN_FAST_NO_EXTENSIONS": value, "PYTHONPATH": PKG_PARENT}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def test_client_and_emulator_agree_on_true() -> None:
    out = _probe("true")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


def test_a_typo_fails_both_loudly() -> None:
    out = _probe("ture")
    assert out.returncode != 0
    assert "KUCOIN_FAST_NO_EXTENSIONS='ture'" in out.stderr
