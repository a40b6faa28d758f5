"""A local emulator of KuCoin's WS API gateway (futures, spot and margin ops), built on
picows.

In-process::

    from kucoin_fast.emulator import Account, Emulator

    async with Emulator(accounts=[Account("key", "secret", "passphrase")],
                        rate_limit=None) as ex:
        url = ex.url                      # ws://127.0.0.1:<port>/v1/private
        ...                               # connect a client (signed URL, challenge, welcome)
        ex.open_orders()                  # resting orders of the (first) account
        ex.counters.requests              # what was served
        ex.set_mark_price("XBTUSDTM", "50000")
        ex.set_spot_price("BTC-USDT", "60000")   # resting spot orders it crosses fill
        ex.set_balance("USDT", "100", wallet="futures")  # or spot, margin, isolated:<PAIR>
        ex.balances(); ex.positions(); ex.spot_open_orders(margin=False)
        ex.set_position_mode("hedge")     # futures: auto (default), one-way, hedge
        ex.faults.drop_fraction = 0.5     # fault switches change at runtime
        await ex.send_shutdown_notice(close=True)
        ex.rest_url                       # http://127.0.0.1:<port>: REST, both families
        ex.spot_rest_url; ex.futures_rest_url  # REST routed as KuCoin's two hosts
        ex.push_url                       # ws://127.0.0.1:<port>/: the private push service
        ex.close_push_sessions(); ex.expire_push_tokens()

From a shell::

    kucoin-fast emulator --host 127.0.0.1 --port 8765 --api-key K --api-secret S \\
        --api-passphrase P [--no-rate-limit] [--latency-ms 5] [--close-after 10] \\
        [--spot-balance USDT=1000] [--futures-balance USDT=500] [--spot-price BTC-USDT=60000]
    python -m kucoin_fast.emulator [emulator] ...   # same options, see --help

It prints ``kucoin_fast emulator listening on ws://HOST:PORT/v1/private``, then
``kucoin_fast emulator REST on http://HOST:PORT``, ``kucoin_fast emulator push on
ws://HOST:PORT/`` and the spot and futures REST hosts (``--rest-port``,
``--spot-rest-port``, ``--futures-rest-port``, ``--push-port``; 0 picks free ports), and stops
cleanly (exit 0) on SIGINT/SIGTERM.

What it implements (``kucoin-wsapi-protocol.md`` §11): URL authentication (400001-
400005, 400200/400201), the compact challenge and its exact-bytes signature (400011,
400012 after ``handshake_timeout_s``), the welcome, JSON ping/pong and protocol pings,
idle close after ``pingInterval + pingTimeout``, ``futures.order``, ``futures.cancel``,
``futures.multi_order`` and ``futures.multi_cancel`` validated with
:mod:`kucoin_fast._rules` plus contract checks, a small order engine (see
:mod:`kucoin_fast.emulator._engine` for the matching rules and the codes chosen for
undocumented cases) on per-account futures balances and positions
(:mod:`kucoin_fast.emulator._ledger`: margin, position modes, reduce-only and close
orders), ``spot.order``, ``spot.sync_order``, ``spot.modify``, ``spot.cancel``,
``spot.sync_cancel``, ``margin.order`` and ``margin.cancel`` on per-account spot and
margin wallets and books (:mod:`kucoin_fast.emulator._spot`: pairs BTC-USDT and
ETH-USDT, matching against a spot price, borrowing), per-account rate limits (429000:
the futures pool, and the Spot pool of the spot and margin ops, weights 1 and 2) and a
per-connection cap (429002), ``enable_ns``, and the fault switches of :class:`Faults`
(for every trading op). Every account starts with generous balances
(``EmulatorConfig.spot_balances``, ``margin_balances``, ``futures_balances``).

Undocumented-behaviour decisions: non-JSON input is ``400101`` (envelope B when an
``id`` can be recovered, else C); an unknown ``op`` is B ``400102``; a missing, empty
or non-string ``id`` is C ``4001002``; auth failures and ``400011``/``400012``/
``420001`` send the C frame then close with 1008; idle, expiry and shutdown close with
1001; ``userRateLimit`` is sent on cancels (and on orders with
``rate_limit_on_orders``) but omitted when rate limiting is off. A required param that
is absent (spot ``symbol``/``side``/``type``, a cancel's ids, a modify's new values) is
the gateway's parameter check, B ``400102`` "Please check the param of your request:
…" (the observed text); other rule breaks are ``400100`` ``Parameter Error: <field>:
<rule>``. Spot, margin and futures ops may share one socket (protocol open question
11: the unified endpoint serves every op; the Node SDK's two sockets only attribute the
partner). The spot, margin and futures choices are listed in ``_spot``, ``_ledger``
and ``_engine``; margin orders are in the margin book only.

REST and push (spot doc §2-§4; docs/emulator.md): :mod:`~kucoin_fast.emulator._rest`
(aiohttp's server: public endpoints, signed requests, the order lookups and lists,
``bullet-private``) and
:mod:`~kucoin_fast.emulator._push` (picows: tokens, welcome, subscribe/ack, ping/pong,
order changes) share the engines and the rate-limit pools with the WS API; the events
are built in :mod:`~kucoin_fast.emulator._events`. Their undocumented choices are in
those docstrings; in short: auth failures are checked in the order 400001, 400003,
400002, 400009, 400005, 400004 (HTTP 401 for 400003-400005); an unknown or not yet
visible order (``rest_visibility_delay_ms``, default 0) is HTTP 200 with futures
``100001``, spot ``400100 order not exist.``, margin ``130103``; finished orders stay
findable while the account's bounded history keeps them; ``rest_url`` serves the
futures and the spot paths, ``spot_rest_url`` and ``futures_rest_url`` route as
KuCoin's two hosts; any token works for every topic; margin orders appear on
the spot topics (open question 8); messages follow the reply of the request that caused
them (``push_order``), except for ``spot.sync_order``/``spot.sync_cancel`` whose
pushes go first; nothing is replayed; a bad, unknown or expired token is the 401 "token
is expired" frame then close 1008. Faults reach these services too: dropped WS replies
leave the order placed (the lookups find it), ``close_push_sessions()`` closes every
push session (1001), ``expire_push_tokens()`` sends the 401 frame and forgets every
token; while an account has push subscribers the compiled fast path steps aside for it
so every fill is published.

A compiled fast path (``_fastpath.pyx``) answers ``futures.order`` and
``futures.multi_order`` requests that fill at once, byte-for-byte like the Python path
(their fills go through the same ledger code); set ``KUCOIN_FAST_NO_EXTENSIONS=1`` or
``fast_path=False`` to use Python only. Spot and margin ops take the Python path (their
checks are memoised per order shape, as the futures ones are).

Inside: ``_wire`` builds every byte the gateway sends; ``_session`` is one connection
(handshake, keepalive, input, output); ``_ops`` holds the op handlers in a registry (a
new op is one handler decorated with ``_ops.op`` in its family's module: ``futures``,
``spot``, ``margin``) and the shared prelude of limits; ``_faults`` the switches and
what they do to replies; ``_engine`` the futures orders, ``_ledger`` the futures
balances and positions, ``_spot`` the spot and margin wallets and books; ``_server`` the
:class:`Emulator` lifecycle and its setters; ``_fastpath`` talks to a session only
through ``_session.FAST_PATH_CONTRACT``; ``_rest`` and ``_push`` are the REST and push
services, ``_events`` the order-change messages of both engines.
"""
from __future__ import annotations

from ._auth import Account, sign
from ._config import EmulatorConfig
from ._counters import Counters
from ._engine import (
    POST_ONLY_CROSS_CODE,
    POST_ONLY_CROSS_MSG,
    Engine,
    HistoryEntry,
    OrderInfo,
)
from ._faults import (
    CLOSE_MODES,
    MALFORMED_KINDS,
    MALFORMED_MODES,
    REFUSE_MODES,
    REORDER_MODES,
    Faults,
)
from ._ledger import POSITION_MODES, Position
from ._server import Emulator
from ._spot import SpotOrder

__all__ = [
    "CLOSE_MODES",
    "MALFORMED_KINDS",
    "MALFORMED_MODES",
    "POSITION_MODES",
    "POST_ONLY_CROSS_CODE",
    "POST_ONLY_CROSS_MSG",
    "REFUSE_MODES",
    "REORDER_MODES",
    "Account",
    "Counters",
    "Emulator",
    "EmulatorConfig",
    "Engine",
    "Faults",
    "HistoryEntry",
    "OrderInfo",
    "Position",
    "SpotOrder",
    "sign",
]
