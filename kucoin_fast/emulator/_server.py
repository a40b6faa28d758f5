"""The emulated KuCoin WS API gateway: :class:`Emulator`, its lifecycle and admin API.

The shared state is a ``_venue.Venue``; the picows server and its listener factory
(URL authentication, refusals) and the server-side events live here. A connection is
a ``_session.Session``; what it answers is in ``_ops``; the bytes are in ``_wire``.
"""
from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from picows import (
    WSAutoPingStrategy,
    WSCloseCode,
    WSListener,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_create_server,
)

try:  # picows internal: lets us see a TCP connection before its HTTP request
    from picows.picows import WSProtocol  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other picows versions
    WSProtocol = None

from .._protocol.specs import WS_PATH
from . import _build
from ._account import AccountState
from ._auth import Account, AuthError, address, parse_query, split_target
from ._config import EmulatorConfig
from ._counters import Counters
from ._engine import FuturesEngine, OrderInfo
from ._faults import Faults
from ._ledger import POSITION_MODES, Position
from ._push import PUSH_PATH, PushService
from ._rest import RestService
from ._session import ST_AUTHED, Session
from ._spot import SpotEngine, SpotOrder, Wallet, dec
from ._venue import Venue

logger = logging.getLogger("kucoin_fast.emulator")


if TYPE_CHECKING:
    _LoggerAdapter = logging.LoggerAdapter[logging.Logger]
else:  # not subscriptable at runtime before Python 3.11
    _LoggerAdapter = logging.LoggerAdapter


class _PicowsLog(_LoggerAdapter):
    """picows' server logger without its trace level (9): at that level picows logs the
    raw upgrade request, whose URL carries the key, the signature and the signed
    passphrase. Records at DEBUG and above pass through unchanged."""

    def isEnabledFor(self, level: int) -> bool:
        return level >= logging.DEBUG and self.logger.isEnabledFor(level)


class _RefusedProtocol(asyncio.Protocol):
    """Accepts the TCP connection and closes it before any HTTP byte (refuse_mode tcp)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class _AbortingListener(WSListener):
    """Drops the TCP connection right after the upgrade (fallback of refuse_mode tcp)."""

    def on_ws_connected(self, transport: WSTransport) -> None:
        transport.disconnect(False)


def _pinned_protocol(listener_factory: Callable[[WSUpgradeRequest], Any],
                     picows_logger: _PicowsLog, max_frame_size: int) -> asyncio.BaseProtocol:
    """One server connection protocol, built as ``picows.ws_create_server`` builds it
    (picows 2.3, ``api.py``) but by keyword, so that a renamed or removed parameter
    fails here with a TypeError instead of shifting the values of the others.

    picows' public server offers no hook before the HTTP request, which refuse_mode
    "tcp" needs; tests/emulator/test_picows_pin.py builds one exactly like this."""
    return WSProtocol(  # type: ignore[no-any-return]
        host_port=None, ws_path=None, is_client_side=False,
        ws_listener_factory=listener_factory, logger=picows_logger,
        disconnect_on_exception=True, websocket_handshake_timeout=10.0,
        enable_auto_ping=False, auto_ping_idle_timeout=20, auto_ping_reply_timeout=20,
        auto_ping_strategy=WSAutoPingStrategy.PING_WHEN_IDLE,
        enable_auto_pong=False,  # we answer pings so they count as activity
        max_frame_size=max_frame_size, extra_headers=None, read_buffer_init_size=16 * 1024)


def _private_protocol_fits(listener_factory: Callable[[WSUpgradeRequest], Any],
                           picows_logger: _PicowsLog) -> bool:
    """Whether this picows has the private protocol we pin: one is built and dropped
    (it never sees a connection; building needs a running loop)."""
    if WSProtocol is None:
        return False
    try:
        _pinned_protocol(listener_factory, picows_logger, 1024)
    except TypeError as exc:
        logger.warning(
            "picows %s: its private WSProtocol does not take the arguments kucoin_fast pins "
            "(%s); serving with the public ws_create_server, where refuse_mode 'tcp' closes "
            "right after the upgrade instead of before the HTTP reply",
            importlib.metadata.version("picows"), exc)
        return False
    return True


class Emulator:
    """A local KuCoin WS API gateway (futures, spot and margin ops) for tests, demos and
    benchmarks.

    Use as ``async with Emulator(accounts=[Account(...)]) as ex:`` (or ``await
    ex.start()`` / ``await ex.stop()``); connect clients to ``ex.url``. Keyword
    arguments not listed here set :class:`EmulatorConfig` fields (e.g.
    ``rate_limit=None``, ``ping_interval_ms=500``).
    """

    def __init__(self, accounts: Iterable[Account] = (), *, host: str = "127.0.0.1",
                 port: int = 0, ssl_context: ssl.SSLContext | None = None,
                 brokers: dict[str, str] | None = None, config: EmulatorConfig | None = None,
                 faults: Faults | None = None, rest_port: int = 0, push_port: int = 0,
                 spot_rest_port: int = 0, futures_rest_port: int = 0,
                 **options: Any) -> None:
        self.host = host
        self.port = port
        self.rest_port = rest_port
        self.spot_rest_port = spot_rest_port
        self.futures_rest_port = futures_rest_port
        self.push_port = push_port
        self.ssl_context = ssl_context
        cfg = config if config is not None else EmulatorConfig()
        for key, value in options.items():
            if not hasattr(cfg, key):
                raise TypeError(f"unknown Emulator option {key!r}")
            setattr(cfg, key, value)
        #: The state every session and service shares (accounts, engines, counters).
        self.venue = Venue(cfg, faults if faults is not None else Faults(), brokers)
        for a in accounts:
            self.add_account(a)
        self._server: asyncio.AbstractServer | None = None
        #: The push service (order events) and the REST service (lookups, bullet tokens).
        self.push = PushService(self.venue)
        self.rest = RestService(self.venue, self.push)

    def __repr__(self) -> str:
        return f"Emulator(url={self.url if self._server is not None else None!r}, " \
               f"accounts={len(self.venue.keys)})"

    # ------------------------------------------------------------ switches
    @property
    def faults(self) -> Faults:
        """The fault switches (shared by every session; change fields at runtime)."""
        return self.venue.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        # Sessions hold the object itself, so assigning a new one copies it in (the
        # derived reply_path_plain follows the switches).
        for f in fields(Faults):
            if f.init:
                setattr(self.venue.faults, f.name, getattr(value, f.name))

    @property
    def config(self) -> EmulatorConfig:
        """Gateway behaviour (shared by every session; change fields at runtime)."""
        return self.venue.config

    @config.setter
    def config(self, value: EmulatorConfig) -> None:
        for f in fields(EmulatorConfig):
            setattr(self.venue.config, f.name, getattr(value, f.name))

    @property
    def counters(self) -> Counters:
        """What the emulator has served so far."""
        return self.venue.counters

    @property
    def futures(self) -> FuturesEngine:
        """Contracts, mark prices and futures orders (see ``_engine``)."""
        return self.venue.futures

    @property
    def spot(self) -> SpotEngine:
        """Spot pairs, spot prices and the spot/margin accounts (see ``_spot``)."""
        return self.venue.spot

    @property
    def brokers(self) -> dict[str, str]:
        """Partner id -> broker key (for partner/partner_sign)."""
        return self.venue.brokers

    # ------------------------------------------------------------ accounts & state
    @property
    def accounts(self) -> list[Account]:
        """The known accounts."""
        return list(self.venue.keys.values())

    def add_account(self, account: Account) -> None:
        """Register (or replace) an API key; takes effect for new connections."""
        self.venue.add_account(account)

    def account_state(self, account: Account | str | None = None) -> AccountState:
        """The state of an Account, api key or uid (default: the only or first
        account): open orders, futures ledger, history; created on first use."""
        return self.venue.resolve(account)

    def open_orders(self, account: Account | str | None = None,
                    symbol: str | None = None) -> list[OrderInfo]:
        """Resting futures orders of one account (an Account, api key or uid; default:
        the only or first account), optionally of one symbol, oldest first."""
        if account is None and not self.venue.keys:
            return []
        acct = self.venue.resolve(account)
        return [o for o in acct.open.values() if symbol is None or o.symbol == symbol]

    def spot_open_orders(self, account: Account | str | None = None,
                         symbol: str | None = None, margin: bool = False) -> list[SpotOrder]:
        """Resting spot (``margin``: margin) orders of one account, oldest first."""
        acc = self.spot.account(self.venue.resolve(account), margin)
        return [o for o in acc.open.values() if symbol is None or o.symbol == symbol]

    def set_mark_price(self, symbol: str, price: Any) -> None:
        """Change the mark price futures limit orders are matched against."""
        self.venue.set_mark_price(symbol, price)

    def set_spot_price(self, symbol: str, price: Any) -> None:
        """Change a pair's spot price; resting spot and margin orders it goes through
        fill at their own price."""
        self.venue.set_spot_price(symbol, price)

    def set_balance(self, currency: str, amount: Any, *, wallet: str = "spot",
                    account: Account | str | None = None) -> None:
        """Set the available balance of ``currency`` in one account's ``wallet``:
        ``"spot"``, ``"margin"`` (cross), ``"isolated:<SYMBOL>"`` or ``"futures"``.
        What resting orders hold is not touched."""
        acct = self.venue.resolve(account)
        if wallet == "futures":
            acct.ledger.set_available(currency, amount)
            return
        self._wallet(acct, wallet).available[currency] = dec(amount)

    def _wallet(self, acct: AccountState, wallet: str) -> Wallet:
        kind, _, symbol = wallet.partition(":")
        if kind == "spot" and not symbol:
            return self.spot.wallet(acct, False)
        if kind == "margin" and not symbol:
            return self.spot.wallet(acct, True)
        if kind == "isolated" and symbol in self.spot.symbols:
            return self.spot.wallet(acct, True, symbol)
        raise ValueError(f"unknown wallet {wallet!r}: spot, margin, isolated:<SYMBOL> "
                         "or futures")

    def balances(self, account: Account | str | None = None) -> dict[str, Any]:
        """One account's balances: ``{"futures": {cur: available}, "spot": {cur:
        {available, held, liability}}, "margin": {...}, "isolated:<SYMBOL>": {...}}``
        (decimal strings)."""
        acct = self.venue.resolve(account)
        out: dict[str, Any] = {"futures": acct.ledger.snapshot(),
                               "spot": self.spot.wallet(acct, False).snapshot(),
                               "margin": self.spot.wallet(acct, True).snapshot()}
        for symbol, w in self.spot.account(acct, True).isolated.items():
            out["isolated:" + symbol] = w.snapshot()
        return out

    def positions(self, account: Account | str | None = None) -> list[Position]:
        """One account's open futures positions."""
        return self.venue.resolve(account).ledger.open_positions()

    def set_position_mode(self, mode: str, account: Account | str | None = None) -> None:
        """One account's futures position mode: "auto", "one-way" or "hedge"."""
        if mode not in POSITION_MODES:
            raise ValueError(f"position mode must be one of {', '.join(POSITION_MODES)}")
        self.venue.resolve(account).ledger.mode = mode

    @property
    def sessions(self) -> int:
        """Number of open connections."""
        return len(self.venue.sessions())

    # ------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        """``ws[s]://host:port/v1/private`` of the running server."""
        return address("wss" if self.ssl_context is not None else "ws", self.host, self.port,
                       WS_PATH)

    def _http_url(self, port: int) -> str:
        return address("https" if self.ssl_context is not None else "http", self.host, port)

    @property
    def rest_url(self) -> str:
        """``http[s]://host:port`` of the REST host serving both families' paths (a
        client's ``rest_url``)."""
        return self._http_url(self.rest_port)

    @property
    def spot_rest_url(self) -> str:
        """The REST host routed as KuCoin's spot host (``api.kucoin.com``)."""
        return self._http_url(self.spot_rest_port)

    @property
    def futures_rest_url(self) -> str:
        """The REST host routed as KuCoin's futures host (``api-futures.kucoin.com``)."""
        return self._http_url(self.futures_rest_port)

    @property
    def push_url(self) -> str:
        """``ws[s]://host:port/`` of the push service (what bullet-private names)."""
        return address("wss" if self.ssl_context is not None else "ws", self.host,
                       self.push_port, PUSH_PATH)

    async def start(self) -> None:
        """Bind and start serving the WS API, the REST and the push services (the real
        ports are in ``port``/``url``, ``rest_url`` and ``push_url`` afterwards)."""
        if self._server is not None:
            return
        loop = asyncio.get_running_loop()
        picows_logger = _PicowsLog(logging.getLogger("picows.server"), {})
        cfg = self.config

        if not _private_protocol_fits(self._listener_factory, picows_logger):
            # Public API only; refuse_mode "tcp" then degrades to closing right after
            # the upgrade (see _listener_factory).
            self._server = await ws_create_server(
                self._listener_factory, self.host, self.port, ssl=self.ssl_context,
                websocket_handshake_timeout=10.0, logger_name=picows_logger,
                enable_auto_pong=False, max_frame_size=cfg.max_frame_size)
        else:
            def protocol_factory() -> asyncio.BaseProtocol:
                f = self.faults
                if f.refuse_connections > 0 and f.refuse_mode == "tcp":
                    f.refuse_connections -= 1
                    self.venue.counters.connections_refused += 1
                    return _RefusedProtocol()
                return _pinned_protocol(self._listener_factory, picows_logger,
                                        cfg.max_frame_size)

            self._server = await loop.create_server(protocol_factory, self.host, self.port,
                                                    ssl=self.ssl_context)
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]
        self.rest_port, self.spot_rest_port, self.futures_rest_port = await self.rest.start(
            self.host, (self.rest_port, self.spot_rest_port, self.futures_rest_port),
            self.ssl_context)
        self.push_port = await self.push.start(self.host, self.push_port, self.ssl_context,
                                               picows_logger)
        logger.info("emulator listening on %s (REST %s, spot REST %s, futures REST %s, "
                    "push %s)", self.url, self.rest_url, self.spot_rest_url,
                    self.futures_rest_url, self.push_url)
        if cfg.busy_poll:
            loop.call_soon(self._keep_awake, loop)

    def _keep_awake(self, loop: asyncio.AbstractEventLoop) -> None:
        # Staying in the ready queue keeps the loop's poll at a zero timeout: no
        # sleeping in epoll, hence no wake-up latency when a request lands.
        if self._server is not None and self.config.busy_poll:
            loop.call_soon(self._keep_awake, loop)

    async def stop(self) -> None:
        """Close every connection (close frame 1001) and stop listening."""
        server = self._server
        if server is None:
            return
        self._server = None
        server.close()
        sessions = self.venue.sessions()
        for s in sessions:
            s.close(WSCloseCode.GOING_AWAY, "server stopping")
        await asyncio.gather(*(self._await_gone(s) for s in sessions))
        await server.wait_closed()
        await self.push.stop()
        await self.rest.stop()

    @staticmethod
    async def _await_gone(session: Session) -> None:
        tr = session.transport
        if tr is None:
            return
        try:
            await asyncio.wait_for(tr.wait_disconnected(), 1.0)
        except asyncio.TimeoutError:
            tr.disconnect(False)  # the peer did not finish the close handshake

    async def __aenter__(self) -> Emulator:  # noqa: PYI034 (Self needs 3.11)
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def serve_forever(self) -> None:
        """Start (if needed) and serve until cancelled."""
        await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    # ------------------------------------------------------------ server-side events
    async def send_shutdown_notice(self, close: bool = False) -> int:
        """Send the 501000 notice (C envelope) to every authenticated session; with
        ``close`` also close them with 1001. Returns the number notified."""
        n = 0
        for s in self.venue.sessions():
            if s.state == ST_AUTHED:
                s.send_code("501000")
                n += 1
                if close:
                    s.close(WSCloseCode.GOING_AWAY, "501000")
        await asyncio.sleep(0)
        return n

    def close_push_sessions(self) -> int:
        """Close every push session (1001); returns how many."""
        return self.push.close_sessions()

    def expire_push_tokens(self) -> int:
        """Forget every bullet token and close every push session after the 401
        "token is expired" frame; returns how many sessions."""
        return self.push.expire_tokens()

    def expire_sessions(self) -> int:
        """Forced session expiry: close every authenticated session with 1001."""
        n = 0
        for s in self.venue.sessions():
            if s.state == ST_AUTHED:
                s.expire()
                n += 1
        return n

    # ------------------------------------------------------------ internals
    def _listener_factory(self, request: WSUpgradeRequest) -> Any:
        path, raw_query = split_target(request.path)
        if path != WS_PATH:
            return None
        f = self.faults
        if f.refuse_connections > 0:
            f.refuse_connections -= 1
            self.venue.counters.connections_refused += 1
            if f.refuse_mode == "tcp":  # only reached without the picows internal hook
                return _AbortingListener()
            return WSUpgradeResponseWithListener(
                WSUpgradeResponse.create_error_response(503, b"503 Service Unavailable"), None)
        query = parse_query(raw_query, plus_is_space=self.config.strict_plus)
        enable_ns = query.get("enable_ns", "").lower() == "true"
        try:
            account: Account | None = self.venue.authenticate(query)
            err = None
        except AuthError as e:
            account, err = None, e.code
        return self.venue.listener(_build.Session(self.venue, account, err, enable_ns))

    @property
    def fast_path_available(self) -> bool:
        """Whether the compiled fast path is built and enabled."""
        return self.venue.fast is not None and self.config.fast_path

    def clear_caches(self) -> None:
        """Forget memoised order checks (call after changing the contracts or pairs)."""
        self.venue.clear_caches()


__all__: Sequence[str] = ("Counters", "Emulator")
