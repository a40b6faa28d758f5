"""The command line: start in a subprocess, read the URL line, trade, SIGINT."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
import websockets
from emu_helpers import handshake, order, request, run, signed_url
from kf_shared import PKG_PARENT

from kucoin_fast._cli import CommandError
from kucoin_fast.emulator import cli

KEY, SECRET, PASS = "cli-key", "cli-secret-value", "cli-passphrase-value"


def _start(module: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", module, "emulator", "--port", "0", "--api-key", KEY,
           "--api-secret", SECRET, "--api-passphrase", PASS, *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.fullmatch(r"kucoin_fast emulator listening on (wss?://\S+)\n", line)
    if m is None:
        proc.kill()
        err = proc.stderr.read() if proc.stderr is not None else ""
        pytest.fail(f"unexpected first line {line!r}; stderr: {err!r}")
    return proc, m.group(1)


def _stop(proc: subprocess.Popen[str], sig: signal.Signals = signal.SIGTERM) -> tuple[str, str]:
    """Signal the emulator and collect its (stdout, stderr) once it exits."""
    proc.send_signal(sig)
    return proc.communicate(timeout=10)


@pytest.mark.parametrize("module", ["kucoin_fast.emulator", "kucoin_fast"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_and_stops_cleanly(module: str, sig: signal.Signals) -> None:
    proc, url = _start(module, "--rate-limit", "7", "--latency-ms", "1")
    try:
        assert re.fullmatch(r"ws://127\.0\.0\.1:\d+/v1/private", url)
        assert not url.endswith(":0/v1/private")

        async def body() -> None:
            u = signed_url(url, key=KEY, secret=SECRET, passphrase=PASS)
            async with websockets.connect(u) as ws:
                await handshake(ws, secret=SECRET)
                r = await request(ws, "futures.order", order())
                assert r["code"] == "200000"
                r = await request(ws, "futures.cancel", {"orderId": "1"})
                assert r["userRateLimit"]["limit"] == 7
        run(body())
    finally:
        out, err = _stop(proc, sig)
    assert proc.returncode == 0, err
    assert SECRET not in out + err and PASS not in out + err


def test_cli_flags_cover_every_fault_switch() -> None:
    import argparse
    from dataclasses import fields

    from kucoin_fast.emulator import Faults
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(["--no-rate-limit", "--drop-fraction", "0.25", "--close-after", "5",
                              "--close-mode", "rst", "--malformed", "numeric_id", "--seed", "9",
                              "--stall-before-welcome", "--mark-price", "XBTUSDTM=50000",
                              "--broker", "B=k", "--session-max-age-s", "2",
                              "--weight", "futures.cancel=3", "--no-fast-path"])
    em = cli.build_emulator(args)
    assert em.config.rate_limit is None
    f = em.faults
    assert (f.drop_fraction, f.close_after, f.close_mode, f.malformed, f.seed) == \
        (0.25, 5, "rst", "numeric_id", 9)
    assert f.stall_before_welcome and f.session_max_age_s == 2.0
    assert str(em.futures.mark_prices["XBTUSDTM"]) == "50000"
    assert em.brokers == {"B": "k"}
    assert em.config.weights["futures.cancel"] == 3 and em.config.weights["futures.order"] == 2
    assert not em.config.fast_path and not em.fast_path_available
    actions = {a.dest: a for a in parser._actions}
    for fld in fields(Faults):
        if fld.name != "rng" and fld.init:
            assert fld.name in actions and actions[fld.name].help


def test_cli_tls(tmp_path: object) -> None:
    trustme = pytest.importorskip("trustme")
    import ssl
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    d = str(tmp_path)
    certfile, keyfile = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
    cert.cert_chain_pems[0].write_to_path(certfile)
    cert.private_key_pem.write_to_path(keyfile)
    proc, url = _start("kucoin_fast.emulator", "--certfile", certfile, "--keyfile", keyfile)
    try:
        assert url.startswith("wss://")
        ctx = ssl.create_default_context()
        ca.configure_trust(ctx)

        async def body() -> None:
            u = signed_url(url, key=KEY, secret=SECRET, passphrase=PASS)
            async with websockets.connect(u, ssl=ctx) as ws:
                await handshake(ws, secret=SECRET)
                assert (await request(ws, "ping", None))["op"] == "pong"
        run(body())
    finally:
        _stop(proc, signal.SIGINT)
    assert proc.returncode == 0



def test_cli_account_and_market_flags() -> None:
    import argparse
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args([
        "--spot-balance", "USDT=5", "--spot-balance", "SOL=2", "--margin-balance", "BTC=1",
        "--futures-balance", "USDT=100", "--position-mode", "hedge",
        "--spot-price", "ETH-USDT=3000.5", "--spot-rate-limit", "40",
        "--spot-post-only-ioc", "ignore", "--weight", "spot.order=3"])
    em = cli.build_emulator(args)
    cfg = em.config
    assert (cfg.spot_balances["USDT"], cfg.spot_balances["SOL"], cfg.spot_balances["BTC"]) == \
        ("5", "2", "10000")
    assert cfg.margin_balances["BTC"] == "1" and cfg.futures_balances["USDT"] == "100"
    assert (cfg.position_mode, cfg.spot_rate_limit, cfg.spot_post_only_ioc) == \
        ("hedge", 40, "ignore")
    assert str(em.spot.prices["ETH-USDT"]) == "3000.5" and cfg.weights["spot.order"] == 3
    balances = em.balances()  # a new account starts from the flags
    assert balances["futures"]["USDT"] == "100" and balances["spot"]["SOL"]["available"] == "2"
    assert em.positions() == [] and em.account_state().ledger.mode == \
        "hedge"
    for bad in (["--spot-balance", "USDT"], ["--spot-price", "=1"]):
        with pytest.raises(CommandError, match="--spot-(balance|price) must be"):
            cli.build_emulator(parser.parse_args(bad))
    with pytest.raises(SystemExit):
        parser.parse_args(["--position-mode", "x"])


def test_cli_prints_rest_and_push_lines() -> None:
    """The REST and push services each get their own line after the WS API's."""
    proc, _ = _start("kucoin_fast.emulator", "--rest-port", "0")
    try:
        assert proc.stdout is not None
        rest_line, push_line = proc.stdout.readline(), proc.stdout.readline()
        m = re.fullmatch(r"kucoin_fast emulator REST on (http://127\.0\.0\.1:(\d+))\n", rest_line)
        assert m is not None and m.group(2) != "0", rest_line
        assert re.fullmatch(r"kucoin_fast emulator push on ws://127\.0\.0\.1:\d+/\n", push_line)
        hosts = {}
        for family in ("spot", "futures"):
            line = proc.stdout.readline()
            h = re.fullmatch(rf"kucoin_fast emulator {family} REST on (http://127\.0\.0\.1:\d+)\n",
                             line)
            assert h is not None, line
            hosts[family] = h.group(1)

        async def body() -> None:
            import aiohttp
            async with aiohttp.ClientSession() as http:
                async with http.post(m.group(1) + "/api/v1/bullet-private") as r:
                    assert (await r.json())["code"] == "400001"  # unsigned: refused, served
                async with http.get(hosts["futures"] + "/api/v1/contracts/active") as r:
                    assert (await r.json())["code"] == "200000"  # public
                async with http.get(hosts["spot"] + "/api/v2/symbols") as r:
                    assert (await r.json())["code"] == "200000"
        run(body())
    finally:
        _, err = _stop(proc)
    assert proc.returncode == 0, err


def _free_ports(count: int) -> int:
    """A port P with P .. P+count-1 all free on loopback (bound and released)."""
    import socket
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count > 65535:
            continue
        socks = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    pytest.fail("no run of free ports")


def _one_line_failure(*args: str) -> str:
    """Run ``kucoin-fast emulator args``; it must fail with status 2 and one stderr line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "kucoin_fast", "emulator", *args],
                          check=False, capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("kucoin-fast emulator: "), proc.stderr
    return proc.stderr


@pytest.mark.parametrize("taken", [0, 1, 4])
def test_cli_port_taken_is_one_line(taken: int) -> None:
    """A port in use (the WS API's, or a derived REST one) names the flag to change."""
    import socket
    base = _free_ports(5)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", base + taken))
        holder.listen()
        err = _one_line_failure("--port", str(base))
    flag = ["--port", "--rest-port", "", "", "--futures-rest-port"][taken]
    assert f"port {base + taken} ({flag})" in err and "already in use" in err, err
    assert "--port 0" in err, err


@pytest.mark.parametrize(("args", "says"), [
    (["--port", "70000"], "argument --port: invalid port number (0-65535) value: '70000'"),
    (["--port", "65533"], "--spot-rest-port would be --port + 3 = 65536, above 65535"),
    (["--drop-fraction", "2"], "--drop-fraction must be within [0, 1]"),
    (["--spot-balance", "USDT"], "--spot-balance must be CUR=AMOUNT, got 'USDT'"),
    (["--mark-price", "XBTUSDTM=cheap"], "is not a number"),
    (["--account", "a:b"], "--account must be KEY:SECRET:PASSPHRASE"),
    (["--certfile", "/nonexistent/cert.pem"], "cannot load the TLS certificate"),
    (["--keyfile", "k.pem"], "--keyfile needs --certfile"),
    (["--log-level", "LOUD"], "argument --log-level: invalid choice: 'LOUD'"),
    (["--host", "203.0.113.7", "--port", "0"], "cannot listen on --host 203.0.113.7"),
])
def test_cli_bad_values_are_one_line(args: list[str], says: str) -> None:
    assert says in _one_line_failure(*args)


def test_cli_help_names_the_defaults() -> None:
    import argparse
    parser = argparse.ArgumentParser(description=cli.DESCRIPTION)
    cli.add_arguments(parser)
    text = " ".join(parser.format_help().split())
    for default in (cli.DEMO_API_KEY, cli.DEMO_API_SECRET, cli.DEMO_API_PASSPHRASE,
                    "default 8765", "default --port + 1", "default --port + 2",
                    "--port 0 picks every port free"):
        assert default in text, default


def test_cli_default_ports_follow_port_and_print_a_working_client() -> None:
    """Without --rest-port etc. the services sit at --port + 1..4 (a restart keeps the
    URLs); with the default credentials the start-up lines print them and a client
    constructor that connects as printed."""
    base = _free_ports(5)
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, "-m", "kucoin_fast.emulator", "--port", str(base)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(7)]
        host = "127.0.0.1"
        assert lines[:5] == [
            f"kucoin_fast emulator listening on ws://{host}:{base}/v1/private\n",
            f"kucoin_fast emulator REST on http://{host}:{base + 1}\n",
            f"kucoin_fast emulator push on ws://{host}:{base + 2}/\n",
            f"kucoin_fast emulator spot REST on http://{host}:{base + 3}\n",
            f"kucoin_fast emulator futures REST on http://{host}:{base + 4}\n"], lines
        assert lines[5] == ("kucoin_fast emulator credentials (the defaults): api_key "
                            "emulator-key, api_secret emulator-secret, api_passphrase "
                            "emulator-passphrase\n")
        prefix = "kucoin_fast emulator client: "
        assert lines[6].startswith(prefix + "WebsocketAPIClient(") and \
            "allow_insecure_ws=True" in lines[6] and f"rest_url='http://{host}:{base + 1}'" \
            in lines[6], lines[6]

        async def body() -> None:
            import aiohttp

            from kucoin_fast import OrderNotCancelableError, WebsocketAPIClient
            client = eval(lines[6][len(prefix):], {"WebsocketAPIClient": WebsocketAPIClient})
            async with client:
                with pytest.raises(OrderNotCancelableError):
                    await client.cancel_futures_order({"clientOid": "none", "symbol": "XBTUSDTM"})
            async with aiohttp.ClientSession() as http, \
                    http.get(f"http://{host}:{base + 1}/api/v1/timestamp") as r:
                assert (await r.json())["code"] == "200000"
        run(body())
    finally:
        _, err = _stop(proc)
    assert proc.returncode == 0, err


def test_cli_custom_credentials_are_not_printed() -> None:
    proc, _ = _start("kucoin_fast.emulator")
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(6)]
        assert "not printed" in lines[4] and "Credentials.from_env()" in lines[5], lines
    finally:
        out, err = _stop(proc)
    assert not any(s in text for s in (SECRET, PASS) for text in (*lines, out, err))
