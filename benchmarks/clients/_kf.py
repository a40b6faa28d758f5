"""What the two kucoin_fast adapters share: import guard, client construction, notes.

The client is discovered, not assumed: a missing package or API makes the adapters
report :class:`ClientUnavailable` (shown in the table) instead of failing the suite.
"""
from __future__ import annotations

import inspect
from typing import Any

from .._kucoin import SYMBOL
from ._base import KNOWN_OPTIONS, BenchClient, ClientUnavailable


def require(*attributes: str) -> Any:
    """``kucoin_fast`` if it has the client API (and every ``WebsocketAPIClient`` attribute
    named), else :class:`ClientUnavailable`."""
    try:
        import kucoin_fast
    except ImportError as exc:
        raise ClientUnavailable(f"kucoin_fast not importable: {exc}") from exc
    cls = getattr(kucoin_fast, "WebsocketAPIClient", None)
    if cls is None:
        raise ClientUnavailable("kucoin_fast.WebsocketAPIClient has not landed")
    missing = [a for a in attributes if not hasattr(cls, a)]
    if missing:
        raise ClientUnavailable(f"WebsocketAPIClient lacks {', '.join(missing)}")
    return kucoin_fast


def supported_options() -> frozenset[str]:
    """The opt-in modes (``KNOWN_OPTIONS``) ``WebsocketAPIClient`` accepts as keywords."""
    try:
        kf = require()
    except ClientUnavailable:
        return frozenset()
    params = inspect.signature(kf.WebsocketAPIClient).parameters
    return frozenset(o for o in KNOWN_OPTIONS if o in params)


def build_note() -> str:
    """Flags a pure-Python fallback build: its numbers are not the compiled client's."""
    kf = require()
    return "" if getattr(kf, "USING_EXTENSIONS", True) else "PURE-PYTHON fallback (extensions not built)"


def make_client(bench: BenchClient) -> Any:
    """A ``WebsocketAPIClient`` for the bench client's URL, credentials and options."""
    kf = require()
    options: dict[str, Any] = {"ws_url": bench.url, "request_timeout": 60.0}
    options.update(dict.fromkeys(bench.options, True))
    c = bench.creds
    return kf.WebsocketAPIClient(c.api_key, c.api_secret, c.passphrase, **options)


def order_template(side: str) -> dict[str, Any]:
    """The workload's order (see ``Workload.order``) as a prepared-order template."""
    return {"clientOid": "template", "side": side, "symbol": SYMBOL, "type": "market",
            "size": 1, "leverage": 10}
