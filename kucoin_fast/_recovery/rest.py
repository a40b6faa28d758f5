"""Signed REST calls to KuCoin: the order lookups of reconciliation and the push tokens.

Off the WS request path. One :class:`RestClient` per client on one
``aiohttp.ClientSession``; every request is signed, has a deadline and waits for its
rate-limit pool (:class:`RestPool`). Failures are the WS path's typed errors; secrets
never reach a log, repr or error. Pools, failures and hosts: docs/internals.md.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from .._core import sign as _sign
from .._core.redact import RedactingLogger
from .._protocol.errors import ConnectError, KucoinAPIError, RequestTimeoutError, api_error
from .._protocol.ops import FUTURES, MARGIN, OPS, SPOT
from .._protocol.results import Credentials

if TYPE_CHECKING:
    import aiohttp

__all__ = ["FUTURES", "MARGIN", "NOT_FOUND", "REST_URLS", "SPOT", "RestClient", "RestPool",
           "family_of"]

#: Default REST hosts per product family.
REST_URLS: Final[Mapping[str, str]] = {FUTURES: "https://api-futures.kucoin.com",
                                       SPOT: "https://api.kucoin.com",
                                       MARGIN: "https://api.kucoin.com"}
#: The answers that mean "no such order (yet)" per family (spot doc §3.4): code, and a
#: text it must contain (None: any).
NOT_FOUND: Final[Mapping[str, tuple[tuple[str, str | None], ...]]] = {
    FUTURES: (("100001", None),),
    SPOT: (("400100", "not exist"), ("400100", "not found")),
    MARGIN: (("130103", None), ("130108", None), ("400100", "not exist")),
}
#: Request weights (spot doc §3.1, §4.1); spot and margin share the Spot pool.
_WEIGHTS: Final = {FUTURES: 5, SPOT: 2, MARGIN: 5}
_BULLET_WEIGHT: Final = 10
_LOOKUP_PATHS: Final = {FUTURES: "/api/v1/orders/byClientOid",
                        SPOT: "/api/v1/hf/orders/client-order/",
                        MARGIN: "/api/v3/hf/margin/orders/client-order/"}


def family_of(op: str) -> str:
    """The REST lookup family of a WS API op (its op-table row's): ``futures``, ``spot`` or
    ``margin``; ``futures`` for an op the table does not know."""
    row = OPS.get(op)
    return FUTURES if row is None else row.lookup


class RestPool:
    """One rate-limit pool (Futures, or Spot for spot and margin): a bound on requests
    in flight, and a hold while KuCoin's last headers said the weight will not fit.

    Until a first reply has told the pool its state, requests go one at a time (a burst
    of lookups must not overrun a pool other traffic may have drained); after that,
    each request reserves its weight from the last ``gw-ratelimit-remaining`` as it
    goes out, and waits for ``gw-ratelimit-reset`` when the rest will not cover it.
    """

    def __init__(self, concurrency: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._probe = asyncio.Lock()
        self._probed = False
        self._clock = clock
        self.remaining: int | None = None
        self.resume_at = 0.0
        #: Requests that had to wait for the pool to refill.
        self.held = 0

    @contextlib.asynccontextmanager
    async def turn(self, weight: int) -> AsyncIterator[None]:
        """Hold a place for one request of ``weight`` while it runs."""
        async with self._slots:
            while True:
                if not self._probed:
                    async with self._probe:
                        if not self._probed:  # this request learns the pool's state
                            try:
                                yield
                            finally:
                                self._probed = True
                            return
                    continue
                if await self._reserve(weight):
                    break
            yield

    async def _reserve(self, weight: int) -> bool:
        """Take ``weight`` from what is known to remain (True), or wait for the window
        to reset and say so (False: look again)."""
        if self.remaining is None or self.remaining >= weight:  # None: no headers at all
            if self.remaining is not None:
                self.remaining -= weight
            return True
        left = self.resume_at - self._clock()
        if left <= 0:  # a new window: learn its state again, one request first
            self.remaining = None
            self._probed = False
            return False
        self.held += 1
        await asyncio.sleep(left)
        return False

    def update(self, headers: Mapping[str, str]) -> None:
        """Read ``gw-ratelimit-remaining``/``-reset`` (ms) of a reply."""
        remaining, reset = headers.get("gw-ratelimit-remaining"), headers.get(
            "gw-ratelimit-reset")
        if remaining is not None and remaining.isdigit() and reset is not None \
                and reset.isdigit():
            self.remaining = int(remaining)
            self.resume_at = self._clock() + int(reset) / 1000.0


class RestClient:
    """Signed REST requests for one set of credentials (see the module docstring)."""

    def __init__(self, credentials: Credentials, *, rest_url: str | Mapping[str, str] | None,
                 timeout: float, clock: Callable[[], float], redactor: RedactingLogger,
                 ssl_context: Any = None, concurrency: int = 8,
                 logger: logging.Logger | None = None) -> None:
        if isinstance(rest_url, str):
            urls = dict.fromkeys(REST_URLS, rest_url.rstrip("/"))
        else:
            urls = {**REST_URLS, **{k: v.rstrip("/") for k, v in (rest_url or {}).items()}}
        self.urls: Final = urls
        self.timeout = timeout
        self._credentials = credentials
        self._clock = clock
        self._redactor = redactor
        self._ssl = ssl_context
        self._logger = logger or logging.getLogger("kucoin_fast")
        self._concurrency = concurrency
        self._pools: dict[str, RestPool] = {}
        self._session: aiohttp.ClientSession | None = None
        redactor.add_secrets(_sign.signed_passphrase(credentials.api_secret,
                                                     credentials.api_passphrase))

    def __repr__(self) -> str:
        return f"RestClient(urls={self.urls!r})"

    def pool(self, family: str) -> RestPool:
        """The rate-limit pool of ``family`` (spot and margin share one)."""
        key = FUTURES if family == FUTURES else SPOT
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = RestPool(self._concurrency)
        return pool

    async def close(self) -> None:
        """Close the HTTP session (idempotent)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # ------------------------------------------------------------------ calls
    async def order_by_client_oid(self, family: str, client_oid: str,
                                  symbol: str | None = None) -> dict[str, Any] | None:
        """KuCoin's order object for ``client_oid`` (spot and margin need ``symbol``),
        or None when KuCoin answers that no such order exists (yet: its index lags)."""
        path = _LOOKUP_PATHS[family]
        if family == FUTURES:
            query: dict[str, str] = {"clientOid": client_oid}
        else:
            path += quote(client_oid, safe="")
            query = {"symbol": symbol or ""}
        return await self.request(family, "GET", path, query, _WEIGHTS[family],  # type: ignore[no-any-return]
                                  not_found=NOT_FOUND[family])

    async def bullet_private(self, family: str) -> dict[str, Any]:
        """``POST /api/v1/bullet-private`` on ``family``'s host: ``{"token",
        "instanceServers": [...]}``. The token is registered as a secret."""
        data = await self.request(family, "POST", "/api/v1/bullet-private", None,
                                  _BULLET_WEIGHT)
        if not isinstance(data, dict) or not isinstance(data.get("token"), str) \
                or not data.get("instanceServers"):
            raise api_error("500000", "bullet-private: no token or instanceServers in the reply",
                            op="POST /api/v1/bullet-private")
        self._redactor.add_attempt_secrets(data["token"])
        return data

    async def request(self, family: str, method: str, path: str,
                      query: Mapping[str, str] | None, weight: int, *,
                      not_found: tuple[tuple[str, str | None], ...] = ()) -> Any:
        """One signed request; its ``data``, or None for a ``not_found`` answer."""
        op = f"{method} {path.split('/client-order/')[0]}"
        signed = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
        sent = path + ("?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}"
                                      for k, v in query.items()) if query else "")
        pool = self.pool(family)
        async with pool.turn(weight):
            creds = self._credentials
            headers = _sign.rest_headers(creds.api_key, creds.api_secret, creds.api_passphrase,
                                         int(self._clock() * 1000), method, signed)
            status, reply_headers, body = await self._send(method, self.urls[family] + sent,
                                                           headers, op)
            pool.update(reply_headers)
        return self._data(status, body, op, not_found)

    async def _send(self, method: str, url: str, headers: dict[str, str],
                    op: str) -> tuple[int, Mapping[str, str], Any]:
        import aiohttp  # on first use: `import kucoin_fast` does not load it

        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout))
        try:
            async with self._session.request(method, url, headers=headers,
                                             ssl=self._ssl if self._ssl is not None else True,
                                             allow_redirects=False) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = None
                return resp.status, resp.headers, body
        except asyncio.TimeoutError:
            raise RequestTimeoutError(f"no REST reply to {op} within {self.timeout:g}s",
                                      op=op, sent=True) from None
        except aiohttp.ClientError as exc:
            text = self._redactor.redact(f"{type(exc).__name__}: {exc}")
            raise ConnectError(f"REST {op} to {self.urls_host(url)} failed: {text}") from None

    @staticmethod
    def urls_host(url: str) -> str:
        """``scheme://host[:port]`` of ``url`` (what an error may name)."""
        scheme, _, rest = url.partition("://")
        return scheme + "://" + rest.partition("/")[0]

    @staticmethod
    def _data(status: int, body: Any, op: str,
              not_found: tuple[tuple[str, str | None], ...]) -> Any:
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            raise api_error("500000", f"HTTP {status}: not a KuCoin reply", op=op)
        code = body["code"]
        if code == "200000":
            return body.get("data")
        msg = body.get("msg")
        text = msg if isinstance(msg, str) else ""
        for known, part in not_found:
            if code == known and (part is None or part in text.lower()):
                return None
        exc: KucoinAPIError = api_error(code, text or None, op=op)
        raise exc
