"""The suite's plain-Python gateway (``python -m benchmarks.gateways.plain``), driven by a
``websockets`` client that signs with nothing but hmac/hashlib/base64: KuCoin's
handshake, the exact reply shape and key order of ``futures.order`` / ``spot.order``,
and the handshake failures. Then kucoin_fast itself against it, over ws:// and wss://."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY, SECRET, PASSPHRASE = "gw-key", "gw-secret", "gw-passphrase"

pytestmark = pytest.mark.skipif(not (ROOT / "benchmarks" / "gateways").exists(),
                                reason="benchmarks/ not in this checkout")


def _b64hmac(message: bytes | str) -> str:
    data = message.encode() if isinstance(message, str) else message
    return base64.b64encode(hmac.new(SECRET.encode(), data, hashlib.sha256).digest()).decode()


def _signed(url: str, *, sign: str | None = None) -> str:
    ts = str(int(time.time() * 1000))
    query = urllib.parse.urlencode(
        {"apikey": KEY, "timestamp": ts, "sign": sign or _b64hmac(KEY + ts),
         "passphrase": _b64hmac(PASSPHRASE)}, quote_via=urllib.parse.quote, safe="")
    return f"{url}?{query}"


def _start(tmp: Path, tls: bool) -> tuple[subprocess.Popen[str], str, ssl.SSLContext | None]:
    cmd = [sys.executable, "-m", "benchmarks.gateways.plain", "--port", "0", "--no-uvloop",
           "--api-key", KEY, "--api-secret", SECRET, "--api-passphrase", PASSPHRASE]
    ctx = None
    if tls:
        trustme = pytest.importorskip("trustme")
        ca = trustme.CA()
        ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(tmp / "s.pem"))
        cmd += ["--certfile", str(tmp / "s.pem")]
        ctx = ssl.create_default_context()
        ca.configure_trust(ctx)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (wss?://\S+)", line)
    if match is None:
        proc.kill()
        pytest.fail(f"the plain gateway did not start: {line!r}")
    return proc, match.group(1), ctx


@pytest.fixture(params=["ws", "wss"])
def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """(url, client ssl context) of a plain gateway over ws:// or wss://."""
    proc, url, ctx = _start(tmp_path, request.param == "wss")
    try:
        yield url, ctx
    finally:
        proc.terminate()
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()


async def _handshake(url: str, ctx: Any, **sign: str) -> tuple[Any, bytes, dict[str, Any]]:
    from websockets.asyncio.client import connect

    ws = await connect(_signed(url, **sign), ssl=ctx)
    challenge = await ws.recv(decode=False)
    await ws.send(_b64hmac(challenge))
    return ws, challenge, json.loads(await ws.recv())


def test_handshake_and_one_order(gateway: tuple[str, Any]) -> None:
    url, ctx = gateway

    async def scenario() -> None:
        ws, challenge, welcome = await _handshake(url, ctx)
        hello = json.loads(challenge)
        assert list(hello) == ["sessionId", "timestamp"] and b" " not in challenge
        assert welcome == {"sessionId": hello["sessionId"], "data": "welcome",
                           "pingInterval": 18000, "pingTimeout": 10000}
        for op in ("futures.order", "spot.order"):
            args = {"clientOid": "oid-1", "side": "buy", "symbol": "XBTUSDTM", "type": "market",
                    "size": 1}
            await ws.send(json.dumps({"id": "7", "op": op, "args": args}))
            reply = json.loads(await ws.recv())
            assert list(reply) == ["id", "op", "code", "data", "inTime", "outTime"]
            assert (reply["id"], reply["op"], reply["code"]) == ("7", op, "200000")
            assert list(reply["data"]) == ["orderId", "clientOid"]
            assert reply["data"]["clientOid"] == "oid-1"
            assert reply["inTime"] <= reply["outTime"]
        await ws.send('{"id": "ping-1", "op": "ping", "timestamp": "1"}')
        pong = json.loads(await ws.recv())
        assert (pong["id"], pong["op"]) == ("ping-1", "pong")
        await ws.close()

    asyncio.run(scenario())


def test_handshake_failures(gateway: tuple[str, Any]) -> None:
    url, ctx = gateway

    async def scenario() -> None:
        from websockets.asyncio.client import connect

        ws = await connect(_signed(url, sign=_b64hmac("wrong")), ssl=ctx)
        assert json.loads(await ws.recv())["code"] == "400005"
        await ws.wait_closed()
        ws = await connect(_signed(url), ssl=ctx)
        challenge = await ws.recv(decode=False)
        await ws.send(_b64hmac(json.dumps(json.loads(challenge))))  # re-serialised: spaces
        assert json.loads(await ws.recv())["code"] == "400011"
        await ws.wait_closed()

    asyncio.run(scenario())


def test_kucoin_fast_against_the_plain_gateway(gateway: tuple[str, Any]) -> None:
    kucoin_fast = pytest.importorskip("kucoin_fast")
    url, ctx = gateway

    async def scenario() -> None:
        kwargs = {} if ctx is None else {"ssl_context": ctx}
        async with kucoin_fast.WebsocketAPIClient(KEY, SECRET, PASSPHRASE, ws_url=url,
                                                  **kwargs) as client:
            order = {"clientOid": "kf-1", "side": "sell", "symbol": "XBTUSDTM",
                     "type": "market", "size": 1, "leverage": 10}
            reply = await client.submit_futures_order(order)
            assert reply.data["clientOid"] == "kf-1"
            results = await asyncio.gather(*(client.submit_futures_order(
                {**order, "clientOid": f"kf-p{i}"}) for i in range(200)))
            assert [r.data["clientOid"] for r in results] == [f"kf-p{i}" for i in range(200)]

    asyncio.run(scenario())
