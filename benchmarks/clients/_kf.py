"""What the two kucoin_fast adapters share: import guard, client construction, notes.

The client is discovered, not assumed: a missing package or API makes the adapters
report :class:`ClientUnavailable` (shown in the table) instead of failing the suite.
"""
from __future__ import annotations

import inspect
from typing import Any

from .._kucoin import SPOT_SIZE, SPOT_SYMBOL, SYMBOL
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
    """The modes of ``KNOWN_OPTIONS`` whose keyword ``WebsocketAPIClient`` accepts (a
    value it then rejects makes that row unavailable, see :func:`make_client`), and the
    ``spot`` workload mode when the client has its spot methods."""
    try:
        kf = require()
    except ClientUnavailable:
        return frozenset()
    params = inspect.signature(kf.WebsocketAPIClient).parameters
    modes = {name for name, (keyword, _) in KNOWN_OPTIONS.items() if keyword in params}
    if hasattr(kf.WebsocketAPIClient, "submit_new_spot_order"):
        modes.add("spot")
    return frozenset(modes)


def ws_key(bench: BenchClient) -> str:
    """The connection the row's orders use: the spot one in the ``spot`` mode."""
    keys = require().WS_KEY_MAP
    return str(keys.wsApiSpotV1 if bench.spot else keys.wsApiFuturesV1)


def build_note() -> str:
    """Flags a pure-Python fallback build: its numbers are not the compiled client's."""
    kf = require()
    return "" if getattr(kf, "USING_EXTENSIONS", True) else "PURE-PYTHON fallback (extensions not built)"


def option_keywords(options: frozenset[str]) -> dict[str, Any]:
    """``WebsocketAPIClient`` keyword arguments of the row's options (none: defaults)."""
    return dict(KNOWN_OPTIONS[name] for name in sorted(options) if name in KNOWN_OPTIONS)


def make_client(bench: BenchClient) -> Any:
    """A ``WebsocketAPIClient`` for the bench client's URL, credentials, TLS trust and
    options. Nothing else is passed: a row without options measures the defaults.

    An option value the installed client refuses raises :class:`ClientUnavailable`
    with the client's own one-line reason, so that row is skipped, not failed.
    """
    kf = require()
    extra = option_keywords(bench.options)
    kwargs: dict[str, Any] = {"ws_url": bench.url, **extra}
    if bench.ssl_context is not None:
        kwargs["ssl_context"] = bench.ssl_context
    c = bench.creds
    try:
        return kf.WebsocketAPIClient(c.api_key, c.api_secret, c.passphrase, **kwargs)
    except (TypeError, ValueError, kf.ConfigurationError) as exc:
        if not extra:
            raise
        given = ", ".join(f"{k}={v!r}" for k, v in extra.items())
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ClientUnavailable(f"installed client rejects {given}: {reason}") from exc


def order_template(side: str) -> dict[str, Any]:
    """The workload's order (see ``Workload.order``) as a prepared-order template."""
    return {"clientOid": "template", "side": side, "symbol": SYMBOL, "type": "market",
            "size": 1, "leverage": 10}


def spot_template(side: str) -> dict[str, Any]:
    """The ``spot`` mode's order (see ``Workload.spot_order``) as a template."""
    return {"clientOid": "template", "side": side, "symbol": SPOT_SYMBOL, "type": "market",
            "size": SPOT_SIZE}
