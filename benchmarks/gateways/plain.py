"""A plain-Python KuCoin WS API gateway: the suite's independent second server.

Nothing of kucoin_fast or picows: an asyncio ``Protocol``, stdlib ``json``, RFC 6455
framing by hand (``_rfc6455``). It does KuCoin's handshake (the signed URL verified:
``apikey``, ``timestamp`` within 5 s, ``sign``, signed ``passphrase``; a compact
challenge; the HMAC of the exact challenge bytes verified; the welcome), answers JSON
``ping`` with ``pong`` and protocol pings with pongs, and answers ``futures.order`` and
``spot.order`` (``futures.multi_order`` too) with KuCoin's reply shape and key order:
``{"id","op","code","data":{"orderId","clientOid"},"inTime","outTime"}``. Orders are
acknowledged, not matched: this is a server to measure clients against, not an exchange.

Every reply produced by one ``data_received`` leaves in one ``transport.write`` (replies
coalesced per read), as a busy production gateway would batch them.

    python -m benchmarks.gateways.plain --port 0 --api-key K --api-secret S --api-passphrase P
        [--certfile server.pem [--keyfile key.pem]] [--no-uvloop]

It prints ``plain gateway listening on ws[s]://host:port/v1/private`` once it serves.
"""
from __future__ import annotations

import argparse
import asyncio
import hmac
import itertools
import json
import re
import signal
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from .._kucoin import SUCCESS, Credentials, hmac_b64
from .._tls import server_context
from ._rfc6455 import (
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    FrameReader,
    ProtocolError,
    close_frame,
    http_error,
    parse_upgrade,
    server_frame,
    upgrade_response,
)

WS_PATH = "/v1/private"
TIMESTAMP_WINDOW_MS = 5000
PING_INTERVAL_MS, PING_TIMEOUT_MS = 18_000, 10_000
MAX_BATCH = 20
ERRORS = {
    "400001": "Please check the URL of your request.",
    "400002": "Invalid KC-API-TIMESTAMP.",
    "400003": "KC-API-KEY not exists.",
    "400004": "Invalid KC-API-PASSPHRASE.",
    "400005": "Invalid KC-API-SIGN.",
    "400011": "Session verification failed.",
    "400100": "Parameter Error",
    "400101": "Invalid request data.",
    "400102": "Please check the parameters of your request.",
    "4001002": "Please check the param of your request: Field 'id' must be a non-empty string.",
}
_CLIENT_OID = re.compile(r"[A-Za-z0-9_-]{1,40}")
_dumps = json.JSONEncoder(separators=(",", ":")).encode


def now_ms() -> int:
    """Server time in milliseconds (``inTime``/``outTime``, the challenge timestamp)."""
    return time.time_ns() // 1_000_000


def c_frame(code: str, t: int) -> str:
    """Envelope C: an error tied to no request (§6.1)."""
    return _dumps({"code": code, "msg": ERRORS[code], "inTime": t, "outTime": t})


def b_frame(rid: str, op: str, code: str, t: int) -> str:
    """Envelope B: an error reply to request ``rid``."""
    return _dumps({"id": rid, "op": op, "code": code, "msg": ERRORS[code], "inTime": t,
                   "outTime": t})


def _order_error(args: Any) -> str | None:
    if type(args) is not dict:
        return "400100"
    oid = args.get("clientOid")
    if type(oid) is not str or not _CLIENT_OID.fullmatch(oid):
        return "400100"
    if args.get("side") not in ("buy", "sell") or not args.get("symbol"):
        return "400100"
    return None


class Gateway:
    """Accounts, order ids and the listening server."""

    def __init__(self, creds: Credentials) -> None:
        self.accounts = {creds.api_key: creds}
        self._order_ids = itertools.count(403_371_203_999_346_688)

    def order_id(self, op: str) -> str:
        """A new order id: KuCoin futures' ~18-digit numbers, spot's 24 hex digits."""
        n = next(self._order_ids)
        return str(n) if op.startswith("futures.") else f"{n:024x}"

    def auth_error(self, target: str) -> tuple[str | None, Credentials | None]:
        """Check the signed URL (§1.2, §2): (error code or None, the account)."""
        path, _, query = target.partition("?")
        if path != WS_PATH:
            return "400001", None
        # Percent-decode only: a raw "+" stays a "+" (KuCoin's form-decoding is unknown).
        params = {k: unquote(v) for k, _, v in (p.partition("=") for p in query.split("&"))}
        if not {"apikey", "timestamp", "sign", "passphrase"} <= params.keys():
            return "400001", None
        account = self.accounts.get(params["apikey"])
        if account is None:
            return "400003", None
        ts = params["timestamp"]
        if not ts.isdigit() or abs(now_ms() - int(ts)) > TIMESTAMP_WINDOW_MS:
            return "400002", None
        if not hmac.compare_digest(params["sign"], hmac_b64(account.api_secret, account.api_key + ts)):
            return "400005", None
        if not hmac.compare_digest(params["passphrase"],
                                   hmac_b64(account.api_secret, account.passphrase)):
            return "400004", None
        return None, account

    async def serve(self, host: str, port: int, certfile: str | None,
                    keyfile: str | None) -> None:
        """Listen until SIGINT/SIGTERM; print the URL line the suite waits for."""
        loop = asyncio.get_running_loop()
        ssl_ctx = server_context(certfile, keyfile) if certfile else None
        server = await loop.create_server(lambda: Session(self), host, port, ssl=ssl_ctx)
        bound = server.sockets[0].getsockname()[1]
        print(f"plain gateway listening on {'wss' if ssl_ctx else 'ws'}://{host}:{bound}{WS_PATH}",
              flush=True)
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with server:
            await stop.wait()


class Session(asyncio.Protocol):
    """One connection: upgrade, handshake, then requests; one write per read."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.transport: asyncio.Transport | None = None
        self.inbox = bytearray()  # bytes before the upgrade is complete
        self.reader = FrameReader()
        self.account: Credentials | None = None
        self.challenge = b""
        self.session_id = ""
        self.ready = False
        self.closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        out: list[bytes] = []
        try:
            if self.account is None:
                data = self._on_upgrade(data, out)
            if data and not self.closing:
                for opcode, payload in self.reader.messages(data):
                    self._on_message(opcode, payload, out)
                    if self.closing:
                        break
        except ProtocolError as exc:
            out.append(close_frame(exc.code, str(exc)) if self.account else http_error("400 Bad Request"))
            self.closing = True
        assert self.transport is not None
        if out:
            self.transport.write(b"".join(out))
        if self.closing:
            self.transport.close()

    def _on_upgrade(self, data: bytes, out: list[bytes]) -> bytes:
        self.inbox += data
        request = parse_upgrade(self.inbox)
        if request is None:
            return b""
        out.append(upgrade_response(request))
        error, account = self.gateway.auth_error(request.target)
        t = now_ms()
        if error is not None or account is None:
            self._fail(out, str(error), t)
            return b""
        self.account = account
        self.session_id = str(uuid.uuid4())
        self.challenge = _dumps({"sessionId": self.session_id, "timestamp": t}).encode()
        out.append(server_frame(OP_TEXT, self.challenge))
        rest, self.inbox = bytes(self.inbox), bytearray()
        return rest

    def _fail(self, out: list[bytes], code: str, t: int) -> None:
        out.append(server_frame(OP_TEXT, c_frame(code, t).encode()))
        out.append(close_frame(1008, code))
        self.closing = True

    def _on_message(self, opcode: int, payload: bytes, out: list[bytes]) -> None:
        if opcode == OP_TEXT:
            if self.ready:
                out.append(server_frame(OP_TEXT, self._on_request(payload).encode()))
            else:
                self._on_signature(payload, out)
        elif opcode == OP_PING:
            out.append(server_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            out.append(server_frame(OP_CLOSE, payload[:2]))
            self.closing = True
        elif opcode != OP_PONG:
            raise ProtocolError("binary frames are not part of the WS API", 1003)

    def _on_signature(self, payload: bytes, out: list[bytes]) -> None:
        assert self.account is not None
        expected = hmac_b64(self.account.api_secret, self.challenge).encode()
        if not hmac.compare_digest(payload, expected):
            self._fail(out, "400011", now_ms())
            return
        self.ready = True
        out.append(server_frame(OP_TEXT, _dumps({
            "sessionId": self.session_id, "data": "welcome", "pingInterval": PING_INTERVAL_MS,
            "pingTimeout": PING_TIMEOUT_MS}).encode()))

    def _on_request(self, payload: bytes) -> str:
        t = now_ms()
        try:
            request = json.loads(payload)
        except ValueError:
            return c_frame("400101", t)
        rid = request.get("id") if type(request) is dict else None
        if type(rid) is not str or not rid:
            return c_frame("4001002", t)
        op = request.get("op")
        handler = OPS.get(op) if type(op) is str else None
        if handler is None:
            return b_frame(rid, str(op), "400102", t)
        return handler(self, rid, str(op), request.get("args"), t)

    def reply_order(self, rid: str, op: str, args: Any, t: int) -> str:
        """``futures.order`` / ``spot.order``: KuCoin's success shape and key order."""
        error = _order_error(args)
        if error is not None:
            return b_frame(rid, op, error, t)
        data = {"orderId": self.gateway.order_id(op), "clientOid": args["clientOid"]}
        return _dumps({"id": rid, "op": op, "code": SUCCESS, "data": data, "inTime": t,
                       "outTime": now_ms()})

    def reply_multi_order(self, rid: str, op: str, args: Any, t: int) -> str:
        """``futures.multi_order``: one item per order, each with its own code."""
        if type(args) is not list or not 0 < len(args) <= MAX_BATCH:
            return b_frame(rid, op, "400100", t)
        items = []
        for item in args:
            error = _order_error(item)
            good = type(item) is dict
            items.append({
                "orderId": None if error else self.gateway.order_id(op),
                "clientOid": item.get("clientOid") if good else None,
                "symbol": item.get("symbol") if good else None,
                "code": error or SUCCESS, "msg": ERRORS[error] if error else "success"})
        return _dumps({"id": rid, "op": op, "code": SUCCESS, "data": items, "inTime": t,
                       "outTime": now_ms()})

    def reply_ping(self, rid: str, op: str, args: Any, t: int) -> str:
        """JSON keepalive: the id echoed, the server's time."""
        return _dumps({"id": rid, "op": "pong", "timestamp": t})


#: op -> reply builder. A spot row later needs nothing more than ``spot.order``, here.
OPS: dict[str, Callable[[Session, str, str, Any, int], str]] = {
    "futures.order": Session.reply_order,
    "spot.order": Session.reply_order,
    "futures.multi_order": Session.reply_multi_order,
    "ping": Session.reply_ping,
}


def main(argv: list[str] | None = None) -> int:
    """CLI (see the module docstring)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.gateways.plain",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    defaults = Credentials()
    ap.add_argument("--api-key", default=defaults.api_key)
    ap.add_argument("--api-secret", default=defaults.api_secret)
    ap.add_argument("--api-passphrase", default=defaults.passphrase)
    ap.add_argument("--certfile", help="serve wss:// with this PEM (key + chain, or see --keyfile)")
    ap.add_argument("--keyfile")
    ap.add_argument("--no-uvloop", action="store_true", help="the stock asyncio loop")
    args = ap.parse_args(argv)
    gateway = Gateway(Credentials(args.api_key, args.api_secret, args.api_passphrase))
    coro = gateway.serve(args.host, args.port, args.certfile, args.keyfile)
    if args.no_uvloop:
        asyncio.run(coro)
    else:
        try:
            import uvloop
        except ImportError:
            asyncio.run(coro)
        else:
            uvloop.run(coro)
    return 0


if __name__ == "__main__":
    sys.exit(main())
