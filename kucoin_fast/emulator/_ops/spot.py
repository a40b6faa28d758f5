"""The spot ops: ``spot.order``, ``spot.sync_order``, ``spot.modify``, ``spot.cancel`` and
``spot.sync_cancel`` (spot doc §1.1-§1.5), on the account's spot orders
(:mod:`.._spot`), and the shared handlers :mod:`.margin` uses.

Reply shapes and ``userRateLimit``: docs/emulator.md.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..._protocol import validate as _validate
from ..._protocol.ops import (
    OP_SPOT_CANCEL,
    OP_SPOT_MODIFY,
    OP_SPOT_ORDER,
    OP_SPOT_SYNC_CANCEL,
    OP_SPOT_SYNC_ORDER,
)
from .._ledger import Rejected
from .._spot import SpotOrder
from .._wire import dumps
from ._registry import Handler, op

if TYPE_CHECKING:
    from .._session import Session
    from .._wire import RateLimit

#: An order reply's ``data`` as JSON text.
OrderData = Callable[[SpotOrder], str]
#: A cancel reply's ``data`` as JSON text, from the cancel's args and the order.
CancelData = Callable[[dict[str, Any], SpotOrder], str]
#: Ops whose order-change pushes go out before their reply (spot doc §4.6).
_PUSH_FIRST = frozenset({OP_SPOT_SYNC_ORDER, OP_SPOT_SYNC_CANCEL})


def answer(session: Session, rid: str, op_name: str, res: Any, data: str | None,
           t_in: int, rl: RateLimit | None, is_order: bool) -> None:
    """A (``data``) or B (``res``, a refusal), counted as an order or a cancel."""
    counters = session.venue.counters
    if op_name in _PUSH_FIRST:
        session.venue.flush_pushes()
    if data is None:
        if is_order:
            counters.orders_rejected += 1
        else:
            counters.cancels_failed += 1
        session.reply_error(rid, op_name, res.code, res.msg, t_in, rl)
    else:
        if is_order:
            counters.orders_accepted += 1
        else:
            counters.cancels_ok += 1
        session.reply_ok(rid, op_name, data, t_in, rl)


def order_op(name: str, margin: bool, data_of: OrderData, doc: str) -> Handler:
    """Register the handler of an order op: check, place, answer ``data_of(order)``."""
    def handler(session: Session, rid: str, args: Any, t_in: int,
                rl: RateLimit | None) -> None:
        if not session.cfg.rate_limit_on_orders:
            rl = None
        spot = session.venue.spot
        now_ms = t_in // 1_000_000
        res: Any = spot.check(args, margin, now_ms)
        if type(res) is not Rejected:
            res = spot.place(session.account_state, args, res, margin, now_ms)
        data = None if type(res) is Rejected else data_of(res)
        answer(session, rid, name, res, data, t_in, rl, True)

    handler.__doc__ = doc
    return op(name)(handler)


def cancel_op(name: str, margin: bool, data_of: CancelData, doc: str) -> Handler:
    """Register the handler of a cancel op (by orderId or clientOid, with symbol)."""
    def handler(session: Session, rid: str, args: Any, t_in: int,
                rl: RateLimit | None) -> None:
        res: Any = _validate.validate_spot_cancel(args, strict_keys=False)
        if res is None:
            res = session.venue.spot.cancel(session.account_state, args, margin, t_in // 1_000_000)
        data = data_of(args, res) if type(res) is SpotOrder else None
        answer(session, rid, name, res, data, t_in, rl, False)

    handler.__doc__ = doc
    return op(name)(handler)


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


def _cancel_id(args: dict[str, Any]) -> dict[str, Any]:
    # The id the cancel was sent (orderId when both were).
    if "orderId" in args:
        return {"orderId": args["orderId"]}
    return {"clientOid": args["clientOid"]}


def cancel_data(args: dict[str, Any], order: SpotOrder) -> str:
    """``{"orderId"}`` or ``{"clientOid"}``: what the cancel named."""
    return dumps(_cancel_id(args))


def _sync_order_data(order: SpotOrder) -> str:
    data = order_data(order)
    data["orderTime"] = order.order_time
    data.update(order.state())
    data["matchTime"] = order.match_time
    return dumps(data)


def _sync_cancel_data(args: dict[str, Any], order: SpotOrder) -> str:
    data = _cancel_id(args)
    data.update(order.state())
    return dumps(data)


spot_order = order_op(OP_SPOT_ORDER, False, _order_json,
                      """Place one order: A ``{"orderId"[, "clientOid"]}`` or a B rejection.""")
spot_sync_order = order_op(OP_SPOT_SYNC_ORDER, False, _sync_order_data,
                           """Place one order and answer with its state after matching.""")
spot_cancel = cancel_op(OP_SPOT_CANCEL, False, cancel_data,
                        """Cancel by ``{symbol, orderId}`` or ``{symbol, clientOid}``.""")
spot_sync_cancel = cancel_op(OP_SPOT_SYNC_CANCEL, False, _sync_cancel_data,
                             """Cancel and answer with the order's final state.""")


@op(OP_SPOT_MODIFY)
def spot_modify(session: Session, rid: str, args: Any, t_in: int,
                rl: RateLimit | None) -> None:
    """Cancel-and-replace: A ``{"newOrderId"[, "clientOid"]}`` or a B rejection."""
    if not session.cfg.rate_limit_on_orders:
        rl = None
    res: Any = _validate.validate_spot_modify(args, strict_keys=False)
    if res is None:
        res = session.venue.spot.modify(session.account_state, args, t_in // 1_000_000)
    data = None
    if type(res) is tuple:
        new = res[1]
        reply: dict[str, Any] = {"newOrderId": new.order_id}
        if new.client_oid is not None:
            reply["clientOid"] = new.client_oid
        data = dumps(reply)
    answer(session, rid, OP_SPOT_MODIFY, res, data, t_in, rl, True)


__all__ = ["answer", "cancel_data", "cancel_op", "order_data", "order_op", "spot_cancel",
           "spot_modify", "spot_order", "spot_sync_cancel", "spot_sync_order"]
