"""The spot ops: ``spot.order``, ``spot.sync_order``, ``spot.modify``, ``spot.cancel`` and
``spot.sync_cancel`` (spot doc §1.1-§1.5), on the account's spot book
(:mod:`.._spot`), and the shared handlers :mod:`.margin` uses.

Like the futures handlers they run after the shared prelude (``_limits.admit``; the
Spot pool) and attach ``userRateLimit`` to cancels only, unless
``rate_limit_on_orders``. Replies keep KuCoin's key order: an order ``{"orderId"[,
"clientOid"]}`` (``clientOid`` only when one was sent, as in the live capture), a
cancel the id it was sent, a sync op the order's state after matching.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ... import _rules
from ..._rules import (
    OP_SPOT_CANCEL,
    OP_SPOT_MODIFY,
    OP_SPOT_ORDER,
    OP_SPOT_SYNC_CANCEL,
    OP_SPOT_SYNC_ORDER,
)
from .._ledger import Rejected
from .._spot import SpotOrder
from .._wire import dumps
from ._registry import SPOT, op

if TYPE_CHECKING:
    from .._session import Session
    from .._wire import RateLimit

#: An order reply's ``data`` as JSON text.
OrderData = Callable[[SpotOrder], str]
CancelData = Callable[[dict[str, Any], SpotOrder], dict[str, Any]]


def place(session: Session, rid: str, args: Any, t_in: int, rl: RateLimit | None,
          op_name: str, margin: bool, data_of: OrderData) -> None:
    """Check and place one spot (or margin) order; A with ``data_of(order)`` (JSON text)
    or B."""
    if not session.cfg.rate_limit_on_orders:
        rl = None
    em = session.em
    spot = em.spot
    now_ms = t_in // 1_000_000
    res: Any = spot.check(args, margin, now_ms)
    if type(res) is not Rejected:
        res = spot.place(session.book, args, res, margin, now_ms)
    if type(res) is Rejected:
        em.counters.orders_rejected += 1
        session.reply_error(rid, op_name, res.code, res.msg, t_in, rl)
        return
    em.counters.orders_accepted += 1
    session.reply_ok(rid, op_name, data_of(res), t_in, rl)


def cancel(session: Session, rid: str, args: Any, t_in: int, rl: RateLimit | None,
           op_name: str, margin: bool, data_of: CancelData) -> None:
    """Cancel one open spot (or margin) order by orderId or clientOid."""
    em = session.em
    res: Any = _rules.validate_spot_cancel(args, strict_keys=False)
    if res is None:
        res = em.spot.cancel(session.book, args, margin, t_in // 1_000_000)
    if type(res) is not SpotOrder:
        em.counters.cancels_failed += 1
        session.reply_error(rid, op_name, res.code, res.msg, t_in, rl)
        return
    em.counters.cancels_ok += 1
    session.reply_ok(rid, op_name, dumps(data_of(args, res)), t_in, rl)


def order_data(order: SpotOrder) -> dict[str, Any]:
    """``{"orderId"[, "clientOid"]}``."""
    data: dict[str, Any] = {"orderId": order.order_id}
    if order.client_oid is not None:
        data["clientOid"] = order.client_oid
    return data


def _order_json(order: SpotOrder) -> str:
    # The most frequent spot reply, spelled out: the clientOid passed the rules' pattern
    # and the orderId is hex, so neither needs escaping.
    if order.client_oid is None:
        return f'{{"orderId":"{order.order_id}"}}'
    return f'{{"orderId":"{order.order_id}","clientOid":"{order.client_oid}"}}'


def cancel_data(args: dict[str, Any], order: SpotOrder) -> dict[str, Any]:
    """The id the cancel was sent (``orderId`` when both were)."""
    if "orderId" in args:
        return {"orderId": args["orderId"]}
    return {"clientOid": args["clientOid"]}


def _sync_order_data(order: SpotOrder) -> str:
    data = order_data(order)
    data["orderTime"] = order.order_time
    data.update(order.state())
    data["matchTime"] = order.match_time
    return dumps(data)


def _sync_cancel_data(args: dict[str, Any], order: SpotOrder) -> dict[str, Any]:
    data = cancel_data(args, order)
    data.update(order.state())
    return data


@op(OP_SPOT_ORDER, family=SPOT)
def spot_order(session: Session, rid: str, args: Any, t_in: int,
               rl: RateLimit | None) -> None:
    """Place one order: A ``{"orderId"[, "clientOid"]}`` or a B rejection."""
    place(session, rid, args, t_in, rl, OP_SPOT_ORDER, False, _order_json)


@op(OP_SPOT_SYNC_ORDER, family=SPOT)
def spot_sync_order(session: Session, rid: str, args: Any, t_in: int,
                    rl: RateLimit | None) -> None:
    """Place one order and answer with its state after matching."""
    place(session, rid, args, t_in, rl, OP_SPOT_SYNC_ORDER, False, _sync_order_data)


@op(OP_SPOT_CANCEL, family=SPOT)
def spot_cancel(session: Session, rid: str, args: Any, t_in: int,
                rl: RateLimit | None) -> None:
    """Cancel by ``{symbol, orderId}`` or ``{symbol, clientOid}``: A echoing the id."""
    cancel(session, rid, args, t_in, rl, OP_SPOT_CANCEL, False, cancel_data)


@op(OP_SPOT_SYNC_CANCEL, family=SPOT)
def spot_sync_cancel(session: Session, rid: str, args: Any, t_in: int,
                     rl: RateLimit | None) -> None:
    """Cancel and answer with the order's final state."""
    cancel(session, rid, args, t_in, rl, OP_SPOT_SYNC_CANCEL, False, _sync_cancel_data)


@op(OP_SPOT_MODIFY, family=SPOT)
def spot_modify(session: Session, rid: str, args: Any, t_in: int,
                rl: RateLimit | None) -> None:
    """Cancel-and-replace: A ``{"newOrderId"[, "clientOid"]}`` or a B rejection."""
    if not session.cfg.rate_limit_on_orders:
        rl = None
    em = session.em
    res: Any = _rules.validate_spot_modify(args, strict_keys=False)
    if res is None:
        res = em.spot.modify(session.book, args, t_in // 1_000_000)
    if type(res) is not tuple:
        em.counters.orders_rejected += 1
        session.reply_error(rid, OP_SPOT_MODIFY, res.code, res.msg, t_in, rl)
        return
    em.counters.orders_accepted += 1
    new = res[1]
    data: dict[str, Any] = {"newOrderId": new.order_id}
    if new.client_oid is not None:
        data["clientOid"] = new.client_oid
    session.reply_ok(rid, OP_SPOT_MODIFY, dumps(data), t_in, rl)


__all__ = ["cancel", "cancel_data", "order_data", "place", "spot_cancel", "spot_modify",
           "spot_order", "spot_sync_cancel", "spot_sync_order"]
