"""Helpers for the emulator tests: a third-party WebSocket client (``websockets``)
speaks KuCoin's handshake by hand, over real loopback sockets.

A module with a unique name, imported as a top-level module (tests/conftest.py puts
the package and tests/ on sys.path); shared constants come from ``kf_shared``."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import websockets
from kf_shared import KEY, PASSPHRASE, SECRET
from websockets.asyncio.client import ClientConnection

from kucoin_fast.emulator import Account, Emulator

ACCOUNT = Account(KEY, SECRET, PASSPHRASE)

T = TypeVar("T")


def hsign(msg: str | bytes, key: str) -> str:
    """base64(HMAC-SHA256(key, msg)), computed independently of the package."""
    if isinstance(msg, str):
        msg = msg.encode()
    return base64.b64encode(hmac.new(key.encode(), msg, hashlib.sha256).digest()).decode()


def signed_url(base: str, *, key: str = KEY, secret: str = SECRET, passphrase: str = PASSPHRASE,
               ts: int | None = None, extra: dict[str, str] | None = None,
               encode: Callable[[str], str] = lambda s: quote(s, safe=""),
               drop: tuple[str, ...] = ()) -> str:
    ts = int(time.time() * 1000) if ts is None else ts
    params = {"apikey": key, "timestamp": str(ts), "sign": hsign(key + str(ts), secret),
              "passphrase": hsign(passphrase, secret)}
    params.update(extra or {})
    q = "&".join(f"{k}={encode(v)}" for k, v in params.items() if k not in drop)
    return f"{base}?{q}"


def run(coro: Awaitable[T], timeout: float = 20) -> T:
    """Run ``coro`` on a fresh loop: uvloop when KUCOIN_FAST_TEST_LOOP=uvloop (CI matrix)."""
    async def main() -> T:
        return await asyncio.wait_for(coro, timeout)
    if os.environ.get("KUCOIN_FAST_TEST_LOOP") == "uvloop":
        import uvloop
        return uvloop.run(main())
    return asyncio.run(main())


def rest_headers(method: str, endpoint: str, body: str = "", *, secret: str = SECRET,
                 ts: int | None = None) -> dict[str, str]:
    """KuCoin's signed REST headers (key version 2), computed here from scratch."""
    ts = int(time.time() * 1000) if ts is None else ts
    return {"KC-API-KEY": KEY, "KC-API-SIGN": hsign(f"{ts}{method}{endpoint}{body}", secret),
            "KC-API-TIMESTAMP": str(ts), "KC-API-PASSPHRASE": hsign(PASSPHRASE, SECRET),
            "KC-API-KEY-VERSION": "2", "Content-Type": "application/json"}


async def rest_get(base: str, endpoint: str, *, signed: bool = True,
                   method: str = "GET") -> tuple[int, str, Any]:
    """(HTTP status, content type, JSON body) of one REST request."""
    hdrs = rest_headers(method, endpoint) if signed else {}
    async with aiohttp.ClientSession() as http, \
            http.request(method, base + endpoint, headers=hdrs) as r:
        return r.status, r.content_type, await r.json(content_type=None)


async def rest_data(base: str, endpoint: str) -> Any:
    """The ``data`` of a signed GET that must succeed."""
    status, _, body = await rest_get(base, endpoint)
    assert status == 200 and body["code"] == "200000", (endpoint, body)
    return body["data"]


async def recv_json(ws: ClientConnection, timeout: float = 2.0) -> Any:
    msg = await asyncio.wait_for(ws.recv(), timeout)
    return json.loads(msg)


async def handshake(ws: ClientConnection, secret: str = SECRET) -> tuple[str, dict[str, Any]]:
    """Sign the challenge over its exact bytes; return (challenge text, welcome)."""
    challenge = await asyncio.wait_for(ws.recv(), 2)
    assert isinstance(challenge, str)
    await ws.send(hsign(challenge, secret))
    welcome = await recv_json(ws)
    assert welcome["data"] == "welcome", welcome
    return challenge, welcome


@asynccontextmanager
async def session(ex: Emulator, **url_kw: Any) -> AsyncIterator[ClientConnection]:
    async with websockets.connect(signed_url(ex.url, **url_kw), max_size=None) as ws:
        await handshake(ws)
        yield ws


async def request(ws: ClientConnection, op: str, args: Any, rid: str = "r1") -> dict[str, Any]:
    await ws.send(json.dumps({"id": rid, "op": op, "args": args}))
    reply: dict[str, Any] = await recv_json(ws)
    return reply


_n = 0


def order(**kw: Any) -> dict[str, Any]:
    """A valid market order with a fresh clientOid, overridable field by field."""
    global _n
    _n += 1
    o: dict[str, Any] = {"clientOid": f"c{_n}-{time.time_ns()}", "side": "buy",
                         "symbol": "XBTUSDTM", "type": "market", "size": 1}
    o.update(kw)
    return {k: v for k, v in o.items() if v is not None}


def resting(**kw: Any) -> dict[str, Any]:
    """A limit buy far below the XBTUSDTM mark price: it rests."""
    kw.setdefault("type", "limit")
    kw.setdefault("price", "1000")
    return order(**kw)




def with_emu(fn: Callable[[Emulator], Awaitable[T]], *, accounts: list[Account] | None = None,
             timeout: float = 20, **kw: Any) -> T:
    """Run ``fn(ex)`` against a fresh in-process emulator."""
    async def main() -> T:
        async with Emulator([ACCOUNT] if accounts is None else accounts, **kw) as ex:
            return await fn(ex)
    return run(main(), timeout)


async def closed(ws: ClientConnection, timeout: float = 2.0) -> None:
    """Wait until the server has closed the connection."""
    await asyncio.wait_for(ws.wait_closed(), timeout)
