"""``kucoin-fast`` as a user runs it: every expected failure is one stderr line (what went
wrong, what to do), exit status 2, no secret in it; ``--version``; the probe's help."""
from __future__ import annotations

import importlib.metadata
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from kf_helpers import KEY, PASSPHRASE, SECRET
from kf_shared import PKG_PARENT

import kucoin_fast

_CRED_VARS = ("KUCOIN_API_KEY", "KUCOIN_API_SECRET", "KUCOIN_API_PASSPHRASE")


def _env(**creds: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CRED_VARS}
    env["PYTHONPATH"] = PKG_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(creds)
    return env


def _kucoin_fast(*args: str, **creds: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kucoin_fast", *args], check=False,
                          capture_output=True, text=True, env=_env(**creds), timeout=60)


def _fails_in_one_line(*args: str, **creds: str) -> str:
    proc = _kucoin_fast(*args, **creds)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr
    for secret in (SECRET, PASSPHRASE, *(v for k, v in creds.items() if k != _CRED_VARS[0] and v)):
        assert secret not in proc.stderr
    return proc.stderr


_GOOD = dict(zip(_CRED_VARS, (KEY, SECRET, PASSPHRASE)))


def _gateway(*extra: str) -> Iterator[str]:
    """An emulator process for ``_GOOD``'s account; yields its WS URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kucoin_fast.emulator", "--port", "0", "--api-key", KEY,
         "--api-secret", SECRET, "--api-passphrase", PASSPHRASE, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    assert proc.stdout is not None
    m = re.search(r"listening on (ws://\S+)", proc.stdout.readline())
    try:
        assert m is not None
        yield m.group(1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    yield from _gateway()


@pytest.fixture(scope="module")
def skewed_gateway() -> Iterator[str]:
    """Refuses every URL timestamp (a window below zero): KuCoin's 400002."""
    yield from _gateway("--timestamp-window-ms", "-1")


@pytest.mark.parametrize("creds", [{}, {**_GOOD, "KUCOIN_API_SECRET": ""}])
def test_probe_without_credentials_says_which_variables(creds: dict[str, str]) -> None:
    err = _fails_in_one_line("probe", "--url", "wss://wsapi.kucoin.com/v1/private", **creds)
    missing = "KUCOIN_API_SECRET" if creds else "KUCOIN_API_KEY"
    assert f"environment variable {missing} is missing or empty" in err, err
    assert "export KUCOIN_API_KEY, KUCOIN_API_SECRET and KUCOIN_API_PASSPHRASE" in err


@pytest.mark.parametrize(("url", "says"), [
    ("http://127.0.0.1:1/v1/private", "--url must be a ws:// or wss:// URL with a host (got http"),
    ("wsapi.kucoin.com", "--url must be a ws:// or wss:// URL"),
    (f"ws://127.0.0.1:1/v1/private?passphrase={PASSPHRASE}", "--url is the base URL"),
    ("ws://203.0.113.7:1/v1/private", "allow_insecure_ws"),
])
def test_probe_bad_url(url: str, says: str) -> None:
    assert says in _fails_in_one_line("probe", "--url", url, **_GOOD)


def test_probe_connect_refused() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = _fails_in_one_line("probe", "--url", f"ws://127.0.0.1:{port}/v1/private", **_GOOD)
    assert f"cannot connect to ws://127.0.0.1:{port}/v1/private" in err
    assert "check --url and that the gateway is up" in err


@pytest.mark.parametrize(("key", "code"), [(KEY, "400005"), ("unknown-key", "400003")])
def test_probe_auth_refused(gateway: str, key: str, code: str) -> None:
    err = _fails_in_one_line("probe", "--url", gateway, KUCOIN_API_KEY=key,
                             KUCOIN_API_SECRET="wrong-secret-1", KUCOIN_API_PASSPHRASE="pp-2")
    assert f"the gateway refused the credentials (KuCoin error {code}" in err, err
    assert "check KUCOIN_API_KEY, KUCOIN_API_SECRET, KUCOIN_API_PASSPHRASE" in err


def test_probe_clock_skew(skewed_gateway: str) -> None:
    err = _fails_in_one_line("probe", "--url", skewed_gateway, **_GOOD)
    assert "KuCoin error 400002" in err and "synchronise this machine's clock" in err, err


@pytest.mark.parametrize(("args", "says"), [
    (["-n", "0"], "argument -n: invalid whole number >= 1 value: '0'"),
    (["-n", "many"], "argument -n: invalid whole number >= 1 value: 'many'"),
    (["--pings", "-1"], "argument --pings: invalid whole number >= 0 value: '-1'"),
    (["--loop", "trio"], "argument --loop: invalid choice: 'trio'"),
])
def test_probe_bad_option_values(args: list[str], says: str) -> None:
    err = _fails_in_one_line("probe", "--emulator", *args)
    assert err.startswith("kucoin-fast probe: ") and says in err, err
    assert err.rstrip().endswith("(see kucoin-fast probe --help)")


def test_no_command_is_one_line() -> None:
    assert "required: {emulator,probe}" in _fails_in_one_line()


def test_version_comes_from_the_installed_metadata() -> None:
    proc = _kucoin_fast("--version")
    assert proc.returncode == 0, proc.stderr
    try:
        expected = importlib.metadata.version("kucoin_fast")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a bare source tree
        expected = kucoin_fast.__version__
    assert proc.stdout == f"kucoin-fast {expected}\n"


def test_probe_help_says_where_credentials_come_from() -> None:
    proc = _kucoin_fast("probe", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "KUCOIN_API_KEY, KUCOIN_API_SECRET and KUCOIN_API_PASSPHRASE" in text, text
    assert "places no orders" in text
