"""Reconciliation: what became of orders whose outcome is unknown (spot doc §3.5).

Per clientOid: a late WS reply already recorded, else REST lookups retried while
KuCoin's index lags (with the order channel's latest message between tries), else
``not_found``. Nothing here re-sends an order. The order of steps: docs/internals.md.
"""
from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from .._keeping.policy import RECONCILE_BACKOFF
from .._protocol import codes as _codes
from .._protocol import ops as _ops
from .._protocol import validate as _validate
from .._protocol.errors import InvalidParamsError, KucoinError
from .._protocol.results import OrderEvent, OrderStatus, ResolvedOutcome, UnknownOutcome
from .push import EventCache
from .rest import FUTURES, MARGIN, SPOT, RestClient, family_of

__all__ = ["OrderLoop", "ReconciledCallback", "Reconciler", "SymbolHint",
           "status_from_event", "status_from_rest"]

#: The symbol of a spot/margin clientOid: one for all, a mapping, or a function.
SymbolHint = str | Mapping[str, str] | Callable[[str], "str | None"] | None
#: Ops whose late reply says whether the order exists.
_ORDER_OPS: Final = frozenset(name for name, row in _ops.OPS.items() if row.places)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def status_from_rest(client_oid: str, family: str, data: Mapping[str, Any]) -> OrderStatus:
    """An :class:`OrderStatus` from KuCoin's order object (spot doc §3.2/§3.3)."""
    if family == FUTURES:
        active = data.get("isActive") is True or data.get("status") == "open"
        filled = data.get("filledSize", data.get("dealSize"))
    else:
        active = data.get("active") is True
        filled = data.get("dealSize")
    return OrderStatus(client_oid, "open" if active else "done", _text(data.get("id")),
                       _text(filled), _text(data.get("symbol")), "rest", dict(data))


def status_from_event(event: OrderEvent) -> OrderStatus:
    """An :class:`OrderStatus` from the order channel's latest message."""
    return OrderStatus(event.client_oid or "", "done" if event.is_done else "open",
                       event.order_id, event.filled_size, event.symbol, "push", event)


def _from_reply(client_oid: str, record: ResolvedOutcome, index: int) -> OrderStatus:
    data = getattr(record.response, "data", None)
    if _ops.OPS[record.op].reply_ids == _ops.IDS_ITEMS and isinstance(data, list) \
            and index < len(data):
        item = data[index] if isinstance(data[index], dict) else {}
        ok = str(item.get("code")) == _codes.SUCCESS_CODE
        return OrderStatus(client_oid, "accepted" if ok else "rejected",
                           _text(item.get("orderId")), None, _text(item.get("symbol")),
                           "ws_reply", record)
    if not record.ok:
        return OrderStatus(client_oid, "rejected", None, None, None, "ws_reply", record)
    state = data if isinstance(data, dict) else {}
    status = state.get("status")
    order_id = record.order_ids[0] if record.order_ids else None
    return OrderStatus(client_oid, status if status in ("open", "done") else "accepted",
                       _text(order_id), _text(state.get("dealSize")), None, "ws_reply", record)


class Reconciler:
    """The lookups of one client (see the module docstring)."""

    def __init__(self, rest: RestClient, cache: EventCache,
                 resolved: Callable[[], Iterable[ResolvedOutcome]],
                 backoff: Sequence[float] = RECONCILE_BACKOFF, symbol: SymbolHint = None,
                 sleep: Callable[[float], Any] = asyncio.sleep) -> None:
        if any(d < 0 for d in backoff):
            raise ValueError("reconcile backoff delays must be >= 0")
        self.rest = rest
        self.cache = cache
        self.backoff = tuple(backoff)
        self.symbol = symbol
        self._resolved = resolved
        self._sleep = sleep

    @staticmethod
    def wanted(items: Any, family: str | None, symbol_of: Callable[[str], str | None]
               ) -> dict[str, str]:
        """clientOid -> family of ``items`` (UnknownOutcome(s) or clientOids)."""
        if isinstance(items, (UnknownOutcome, str)):
            items = [items]
        out: dict[str, str] = {}
        for item in items:
            if isinstance(item, UnknownOutcome):
                ops = item.ops or (None,) * len(item.client_oids)
                for oid, op in zip(item.client_oids, ops):
                    out[oid] = family or (family_of(op) if op else FUTURES)
            elif isinstance(item, str):
                out[item] = family or (SPOT if symbol_of(item) else FUTURES)
            else:
                raise TypeError("reconcile() takes UnknownOutcome records or clientOids, "
                                f"not {type(item).__name__}")
        return out

    def _symbol_of(self, hint: SymbolHint) -> Callable[[str], str | None]:
        chosen = hint if hint is not None else self.symbol
        cache = self.cache

        def symbol_of(oid: str) -> str | None:
            if isinstance(chosen, str):
                return chosen
            if isinstance(chosen, Mapping):
                found = chosen.get(oid)
            elif callable(chosen):
                found = chosen(oid)
            else:
                found = None
            if found is None:
                event = cache.get(oid)
                found = event.symbol if event is not None else None
            return found
        return symbol_of

    def _late(self, wanted: Mapping[str, str]) -> dict[str, OrderStatus]:
        out: dict[str, OrderStatus] = {}
        for record in self._resolved():
            if record.op not in _ORDER_OPS:
                continue
            for i, oid in enumerate(record.client_oids):
                if oid in wanted:
                    out[oid] = _from_reply(oid, record, i)
        return out

    async def reconcile(self, items: Any, symbol: SymbolHint = None,
                        family: str | None = None) -> dict[str, OrderStatus]:
        """clientOid -> :class:`OrderStatus` for every clientOid of ``items``."""
        if family is not None and family not in (FUTURES, SPOT, MARGIN):
            raise ValueError("family must be 'futures', 'spot' or 'margin'")
        symbol_of = self._symbol_of(symbol)
        wanted = self.wanted(items, family, symbol_of)
        out = self._late(wanted)
        todo: list[tuple[str, str, str | None]] = []
        for oid, fam in wanted.items():
            if oid in out:
                continue
            sym = symbol_of(oid) if fam != FUTURES else None
            if fam != FUTURES and not sym:
                raise InvalidParamsError(_validate.Violation(
                    "400102", "symbol", f"is required to look up the {fam} order {oid!r}"))
            todo.append((oid, fam, sym))
        results = await asyncio.gather(*(self._lookup(*t) for t in todo),
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        out.update((t[0], r) for t, r in zip(todo, results))  # type: ignore[misc]
        return {oid: out[oid] for oid in wanted}

    async def _lookup(self, oid: str, family: str, symbol: str | None) -> OrderStatus:
        delays = (0.0, *self.backoff)
        for delay in delays:
            if delay:
                await self._sleep(delay)
            data = await self.rest.order_by_client_oid(family, oid, symbol)
            if data is not None:
                return status_from_rest(oid, family, data)
            event = self.cache.get(oid)
            if event is not None:
                return status_from_event(event)
        return OrderStatus(oid, "not_found", None, None, symbol, "rest", None)


#: ``on_reconciled(outcome, result)``: the drop's :class:`UnknownOutcome` and the
#: statuses found, or the error that stopped the lookups.
ReconciledCallback = Callable[[UnknownOutcome, "dict[str, OrderStatus] | BaseException"], None]


class OrderLoop:
    """The client's REST and push side: lookups, order-event streams, auto-reconcile.

    ``auto_reconcile``: every ``connection_lost`` record of a ``ws_key`` is kept until
    the reconnect loop has a new connection for that key, then reconciled in a
    watched task (``spawn``) and reported through ``on_reconciled``.
    """

    def __init__(self, rest: RestClient, *, backoff: Sequence[float], symbol: SymbolHint,
                 resolved: Callable[[], Iterable[ResolvedOutcome]], auto_reconcile: bool,
                 on_reconciled: ReconciledCallback | None,
                 spawn: Callable[[Any], Any], report: Callable[..., None]) -> None:
        self.rest = rest
        self.cache = EventCache()
        self.reconciler = Reconciler(rest, self.cache, resolved, backoff, symbol)
        self.auto_reconcile = auto_reconcile
        self._on_reconciled = on_reconciled
        self._spawn = spawn
        self._report = report
        self._drops: dict[str, list[UnknownOutcome]] = {}
        #: Open order-event streams (weak: one the caller dropped after closing it
        #: goes; a running one is held by its tasks until it is closed).
        self.streams: weakref.WeakSet[Any] = weakref.WeakSet()

    def on_outcome(self, record: Any) -> None:
        """Keep a drop's record for the next reconnect (``auto_reconcile`` only)."""
        if self.auto_reconcile and isinstance(record, UnknownOutcome) \
                and record.kind == "connection_lost":
            self._drops.setdefault(record.ws_key, []).append(record)

    def on_reconnected(self, ws_key: str) -> None:
        """The connector opened a new connection for ``ws_key``: reconcile its drops."""
        for record in self._drops.pop(ws_key, ()):
            self._spawn(self._auto(record))

    async def _auto(self, record: UnknownOutcome) -> None:
        result: dict[str, OrderStatus] | BaseException
        try:
            result = await self.reconciler.reconcile(record)
        except KucoinError as exc:
            result = exc
        self._report(self._on_reconciled, "on_reconciled", record, result)

    async def close(self) -> None:
        """Close every order-event stream, then the HTTP session."""
        streams = list(self.streams)
        self.streams.clear()
        for stream in streams:
            await stream.close()
        await self.rest.close()
