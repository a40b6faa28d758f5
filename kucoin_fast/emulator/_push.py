"""The emulator's private push service (spot doc §4): bullet tokens, and the classic push
WebSocket with the order-change topics, on picows like the WS API.

:class:`Tokens` issues the tokens of ``POST /api/v1/bullet-private``;
:class:`PushService` serves welcome, subscribe/ack, ping/pong and the order-change
messages of :mod:`._events`. Topics and choices: docs/emulator.md.
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_create_server

from ._auth import Account, address, parse_query, split_target
from ._events import FUTURES
from ._wire import dumps, loads

if TYPE_CHECKING:
    from ._venue import Venue

logger = logging.getLogger("kucoin_fast.emulator")

PUSH_PATH: Final = "/"
FUTURES_TOPIC: Final = "/contractMarket/tradeOrders"
SPOT_TOPIC_V2: Final = "/spotMarket/tradeOrdersV2"
SPOT_TOPIC_V1: Final = "/spotMarket/tradeOrders"
_CONNECT_ID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_EXPIRED: Final = (401, "token is expired")
_monotonic: Final = time.monotonic


class Tokens:
    """Bullet tokens: token -> (account, expiry on the monotonic clock)."""

    def __init__(self) -> None:
        self._by_token: dict[str, tuple[Account, float]] = {}

    def issue(self, account: Account, ttl_s: float) -> str:
        """A fresh token for ``account``, valid ``ttl_s`` seconds."""
        now = _monotonic()
        if len(self._by_token) > 10_000:  # forget expired ones now and then
            self._by_token = {t: v for t, v in self._by_token.items() if v[1] > now}
        token = base64.urlsafe_b64encode(os.urandom(48)).decode()
        self._by_token[token] = (account, now + ttl_s)
        return token

    def account(self, token: str | None) -> Account | None:
        """The token's account, or None (unknown or expired)."""
        entry = self._by_token.get(token or "")
        if entry is None or entry[1] <= _monotonic():
            return None
        return entry[0]

    def forget_all(self) -> int:
        """Invalidate every token; returns how many there were."""
        n = len(self._by_token)
        self._by_token.clear()
        return n


def _subject(topic: str) -> str | None:
    """The subject of a subscribable topic, or None when there is no such topic."""
    if topic in (FUTURES_TOPIC, SPOT_TOPIC_V2, SPOT_TOPIC_V1):
        return "orderChange"
    if topic.startswith(FUTURES_TOPIC + ":") and topic[len(FUTURES_TOPIC) + 1:]:
        return "symbolOrderChange"
    return None


def _matches(topic: str, family: str, data: dict[str, Any]) -> bool:
    if family == FUTURES:
        if topic == FUTURES_TOPIC:
            return True
        return topic.startswith(FUTURES_TOPIC + ":") and \
            data["symbol"] in topic[len(FUTURES_TOPIC) + 1:].split(",")
    if topic == SPOT_TOPIC_V2:
        return True
    return topic == SPOT_TOPIC_V1 and data["type"] != "received"


def _frame(**members: Any) -> bytes:
    return json.dumps(members, separators=(",", ":")).encode()


class PushSession(WSListener):
    """One push connection (see the module docstring)."""

    def __init__(self, service: PushService, account: Account | None, connect_id: str,
                 refusal: tuple[int, str] | None) -> None:
        self.service = service
        self.account = account
        self.connect_id = connect_id
        self.refusal = refusal
        #: topic -> subject of the topics subscribed to.
        self.topics: dict[str, str] = {}
        self.transport: WSTransport | None = None
        self.last_rx = _monotonic()
        self.out: list[bytes] = []
        self._idle: asyncio.TimerHandle | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.service.sessions.add(self)
        if self.refusal is not None:
            self.refuse(*self.refusal)
            return
        self.send(_frame(id=self.connect_id, type="welcome"))
        self._arm_idle()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self.service.leave(self)

    def refuse(self, code: int, text: str) -> None:
        """The error frame, then close 1008."""
        self.send(_frame(id=self.connect_id, type="error", code=code, data=text))
        self.close(WSCloseCode.POLICY_VIOLATION, text)

    def close(self, code: WSCloseCode = WSCloseCode.GOING_AWAY, reason: str = "") -> None:
        """Flush what is queued, send a close frame and disconnect."""
        tr = self.transport
        if tr is not None and not tr.is_disconnected:
            self.flush()
            tr.send_close(code, reason.encode())
            tr.disconnect(True)

    def send(self, payload: bytes) -> None:
        """Write one text frame now (after anything queued)."""
        tr = self.transport
        if tr is not None and not tr.is_disconnected:
            self.flush()
            tr.send(WSMsgType.TEXT, payload)

    def flush(self) -> None:
        """Write the queued messages."""
        tr = self.transport
        out, self.out = self.out, []
        if tr is not None and not tr.is_disconnected:
            for payload in out:
                tr.send(WSMsgType.TEXT, payload)

    def _arm_idle(self) -> None:
        idle = self.service.venue.config.effective_idle_timeout_ms / 1000.0
        left = idle - (_monotonic() - self.last_rx)
        if left <= 0:
            self.close(WSCloseCode.GOING_AWAY, "ping timeout")
            return
        self._idle = asyncio.get_running_loop().call_later(max(left, idle / 10), self._arm_idle)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        self.last_rx = _monotonic()
        mt = frame.msg_type
        if mt == WSMsgType.PING:
            transport.send_pong(frame.get_payload_as_bytes())
        elif mt == WSMsgType.CLOSE:
            transport.send_close(WSCloseCode.OK, b"")
            transport.disconnect(True)
        elif mt == WSMsgType.TEXT and self.account is not None:
            self._on_message(frame.get_payload_as_bytes())

    def _on_message(self, payload: bytes) -> None:
        try:
            msg = loads(payload)
        except ValueError:
            msg = None
        if type(msg) is not dict:
            self.send(_frame(id="", type="error", code=400, data="invalid message"))
            return
        rid = str(msg.get("id", ""))
        kind = msg.get("type")
        if kind == "ping":
            self.send(_frame(id=rid, type="pong", timestamp=time.time_ns() // 1_000_000))
        elif kind in ("subscribe", "unsubscribe"):
            self._on_subscribe(rid, kind, msg)
        else:
            self.send(_frame(id=rid, type="error", code=400, data=f"unknown type {kind!r}"))

    def _on_subscribe(self, rid: str, kind: str, msg: dict[str, Any]) -> None:
        topic = str(msg.get("topic", ""))
        subject = _subject(topic)
        if subject is None:
            self.send(_frame(id=rid, type="error", code=404, data=f"topic {topic} is not found"))
            return
        if msg.get("privateChannel") not in (True, "true"):
            self.send(_frame(id=rid, type="error", code=401, data="privateChannel is required"))
            return
        if kind == "subscribe":
            self.topics[topic] = subject
        else:
            self.topics.pop(topic, None)
        self.service.resubscribed(self)
        if msg.get("response") in (True, "true"):
            self.send(_frame(id=rid, type="ack"))

    def deliver(self, family: str, data: dict[str, Any], at_once: bool) -> bool:
        """Queue (or send) ``data`` on each subscribed topic it matches; True if queued."""
        queued = False
        assert self.account is not None
        for topic, subject in self.topics.items():
            if _matches(topic, family, data):
                payload = (f'{{"topic":"{topic}","type":"message","subject":"{subject}",'
                           f'"userId":{json.dumps(self.account.account_id)},'
                           f'"channelType":"private","data":{dumps(data)}}}').encode()
                if at_once:
                    self.send(payload)
                else:
                    self.out.append(payload)
                    queued = True
        return queued


class PushService:
    """The push server of one emulator: tokens, sessions, and the sinks it sets on the
    states of subscribed accounts."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        venue.flush_pushes = self.flush
        self.tokens = Tokens()
        self.sessions: set[PushSession] = set()
        self._by_account: dict[str, set[PushSession]] = {}
        self._server: asyncio.AbstractServer | None = None
        self._flush_scheduled = False
        self._dirty: set[PushSession] = set()
        self.port = 0
        #: ``ws[s]://host:port/`` once listening (what bullet-private names).
        self.url = ""
        #: Messages published (counted per session delivery).
        self.messages = 0

    # ------------------------------------------------------------ lifecycle
    async def start(self, host: str, port: int, ssl_context: Any,
                    picows_logger: Any) -> int:
        """Listen; returns the bound port."""
        self._server = await ws_create_server(
            self._listener_factory, host, port, ssl=ssl_context,
            websocket_handshake_timeout=10.0, logger_name=picows_logger,
            enable_auto_pong=False)
        self.port = int(self._server.sockets[0].getsockname()[1])
        self.url = address("wss" if ssl_context is not None else "ws", host, self.port,
                           PUSH_PATH)
        return self.port

    async def stop(self) -> None:
        """Close every session (1001) and stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        sessions = list(self.sessions)
        for s in sessions:
            s.close(WSCloseCode.GOING_AWAY, "server stopping")
        for s in sessions:
            if s.transport is not None:
                try:
                    await asyncio.wait_for(s.transport.wait_disconnected(), 1.0)
                except asyncio.TimeoutError:
                    s.transport.disconnect(False)
        await server.wait_closed()

    def _listener_factory(self, request: Any) -> Any:
        path, raw_query = split_target(request.path)
        if path != PUSH_PATH:
            return None
        query = parse_query(raw_query)
        connect_id = query.get("connectId") or uuid.uuid4().hex
        refusal: tuple[int, str] | None = None
        if not _CONNECT_ID_RE.match(connect_id):
            connect_id, refusal = "", (400, "connectId is invalid")
        account = self.tokens.account(query.get("token"))
        if account is None and refusal is None:
            refusal = _EXPIRED
        return PushSession(self, account, connect_id, refusal)

    # ------------------------------------------------------------ subscribers
    def resubscribed(self, session: PushSession) -> None:
        """A session's topics changed: (un)register it for its account's events."""
        assert session.account is not None
        account_id = session.account.account_id
        members = self._by_account.setdefault(account_id, set())
        if session.topics:
            members.add(session)
        else:
            members.discard(session)
        self._update_sink(account_id)

    def leave(self, session: PushSession) -> None:
        """A session disconnected."""
        self.sessions.discard(session)
        self._dirty.discard(session)
        if session.account is not None:
            account_id = session.account.account_id
            self._by_account.get(account_id, set()).discard(session)
            self._update_sink(account_id)

    def _update_sink(self, account_id: str) -> None:
        acct = self.venue.account_state(account_id)
        if self._by_account.get(account_id):
            if acct.events is None:
                acct.events = self._sink(account_id)
        else:
            acct.events = None
            self._by_account.pop(account_id, None)

    def _sink(self, account_id: str) -> Callable[[str, dict[str, Any]], None]:
        def sink(family: str, data: dict[str, Any]) -> None:
            self.publish(account_id, family, data)
        return sink

    def publish(self, account_id: str, family: str, data: dict[str, Any]) -> None:
        """Deliver one order change to the account's subscribed sessions."""
        at_once = self.venue.config.push_order == "push_first"
        for session in list(self._by_account.get(account_id, ())):
            self.messages += 1
            if session.deliver(family, data, at_once):
                self._dirty.add(session)
        if self._dirty and not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Write every queued message now (a sync op's pushes precede its reply)."""
        self._flush_scheduled = False
        dirty, self._dirty = self._dirty, set()
        for session in dirty:
            session.flush()

    # ------------------------------------------------------------ server-side events
    def close_sessions(self) -> int:
        """Close every push session (1001, as at the 24 h limit); returns how many."""
        sessions = list(self.sessions)
        for s in sessions:
            s.close(WSCloseCode.GOING_AWAY, "session closed")
        return len(sessions)

    def expire_tokens(self) -> int:
        """Every session gets the 401 "token is expired" frame and is closed; every
        token is forgotten. Returns the number of sessions."""
        self.tokens.forget_all()
        sessions = list(self.sessions)
        for s in sessions:
            s.refuse(*_EXPIRED)
        return len(sessions)


__all__ = ["FUTURES_TOPIC", "PUSH_PATH", "SPOT_TOPIC_V1", "SPOT_TOPIC_V2", "PushService",
           "PushSession", "Tokens"]
