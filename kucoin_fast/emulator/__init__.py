"""A local emulator of KuCoin's WS API gateway (futures ops), built on picows.

In-process::

    from kucoin_fast.emulator import Account, Emulator

    async with Emulator(accounts=[Account("key", "secret", "passphrase")],
                        rate_limit=None) as ex:
        url = ex.url                      # ws://127.0.0.1:<port>/v1/private
        ...                               # connect a client (signed URL, challenge, welcome)
        ex.open_orders()                  # resting orders of the (first) account
        ex.counters.requests              # what was served
        ex.set_mark_price("XBTUSDTM", "50000")
        ex.faults.drop_fraction = 0.5     # fault switches change at runtime
        await ex.send_shutdown_notice(close=True)

From a shell::

    kucoin-fast emulator --host 127.0.0.1 --port 8765 --api-key K --api-secret S \\
        --api-passphrase P [--no-rate-limit] [--latency-ms 5] [--close-after 10] ...
    python -m kucoin_fast.emulator [emulator] ...   # same options, see --help

It prints ``kucoin_fast emulator listening on ws://HOST:PORT/v1/private`` and stops
cleanly (exit 0) on SIGINT/SIGTERM.

What it implements (``kucoin-wsapi-protocol.md`` §11): URL authentication (400001-
400005, 400200/400201), the compact challenge and its exact-bytes signature (400011,
400012 after ``handshake_timeout_s``), the welcome, JSON ping/pong and protocol pings,
idle close after ``pingInterval + pingTimeout``, ``futures.order``, ``futures.cancel``,
``futures.multi_order`` and ``futures.multi_cancel`` validated with
:mod:`kucoin_fast._rules` plus contract checks, a small order engine (see
:mod:`kucoin_fast.emulator._engine` for the matching rules and the codes chosen for
undocumented cases), per-account rate limits (429000) and a per-connection cap
(429002), ``enable_ns``, and the fault switches of :class:`Faults`.

Undocumented-behaviour decisions: non-JSON input is ``400101`` (envelope B when an
``id`` can be recovered, else C); an unknown ``op`` is B ``400102``; a missing, empty
or non-string ``id`` is C ``4001002``; auth failures and ``400011``/``400012``/
``420001`` send the C frame then close with 1008; idle, expiry and shutdown close with
1001; ``userRateLimit`` is sent on cancels (and on orders with
``rate_limit_on_orders``) but omitted when rate limiting is off.

A compiled fast path (``_fastpath.pyx``) answers ``futures.order`` and
``futures.multi_order`` requests that fill at once, byte-for-byte like the Python path;
set ``KUCOIN_FAST_NO_EXTENSIONS=1`` or ``fast_path=False`` to use Python only.

Inside: ``_wire`` builds every byte the gateway sends; ``_session`` is one connection
(handshake, keepalive, input, output); ``_ops`` holds the op handlers in a registry (a
new op is one handler decorated with ``_ops.op`` in its family's module) and the shared
prelude of limits; ``_faults`` the switches and what they do to replies; ``_engine`` the
orders; ``_server`` the :class:`Emulator` lifecycle; ``_fastpath`` talks to a session
only through ``_session.FAST_PATH_CONTRACT``.
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
from ._server import Emulator

__all__ = [
    "CLOSE_MODES",
    "MALFORMED_KINDS",
    "MALFORMED_MODES",
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
    "sign",
]
