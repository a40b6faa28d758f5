"""The futures ops: ``futures.order``, ``futures.cancel``, ``futures.multi_order`` and
``futures.multi_cancel`` (protocol §5.3-§5.5, replies §6.2), on the account's state.

Each handler runs after the shared prelude (``_limits.admit``). KuCoin attaches
``userRateLimit`` to cancels but not to orders, so the order handlers drop it unless
``rate_limit_on_orders``. The compiled fast path answers the orders that fill at once
with the same bytes as these handlers.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Final

from ..._protocol import validate as _validate
from ..._protocol.codes import BATCH_CANCEL_ITEM_SUCCESS_CODE, ERRORS, SUCCESS_CODE
from ..._protocol.ops import OP_CANCEL, OP_MULTI_CANCEL, OP_MULTI_ORDER, OP_ORDER
from .._ledger import Rejected
from .._wire import dumps, enc, rate_limit_member
from ._registry import op

if TYPE_CHECKING:
    from .._session import Session
    from .._wire import RateLimit

_time_ns: Final = time.time_ns
_NOT_CANCELABLE: Final = {"code": "100004", "msg": ERRORS["100004"]}
_CANCELLED: Final = {"code": BATCH_CANCEL_ITEM_SUCCESS_CODE, "msg": "success"}


@op(OP_ORDER)
def order(session: Session, rid: str, args: Any, t_in: int, rl: RateLimit | None) -> None:
    """Place one order: A ``{"orderId","clientOid"}`` or a B rejection."""
    if not session.cfg.rate_limit_on_orders:
        rl = None
    venue = session.venue
    checked = venue.futures.check_order(args)
    if isinstance(checked, Rejected):
        venue.counters.orders_rejected += 1
        session.reply_error(rid, OP_ORDER, checked.code, checked.msg, t_in, rl)
        return
    assert session.account_state is not None
    res = venue.futures.place_checked(session.account_state, args, checked, t_in // 1_000_000)
    if not isinstance(res, str):  # an exact-type check: the cheap one on the hot path
        venue.counters.orders_rejected += 1
        session.reply_error(rid, OP_ORDER, res.code, res.msg, t_in, rl)
        return
    venue.counters.orders_accepted += 1
    if session.enable_ns:
        tin, tout = t_in, _time_ns()
    else:
        tin, tout = t_in // 1_000_000, _time_ns() // 1_000_000
    # Envelope A spelled out: the most frequent reply of the Python path. The clientOid
    # passed the rules' pattern, so it needs no escaping.
    tail = "}" if rl is None else "," + rate_limit_member(rl) + "}"
    session.emit(f'{{"id":{enc(rid)},"op":"futures.order","code":"200000","data":'
                 f'{{"orderId":"{res}","clientOid":"{args["clientOid"]}"}},'
                 f'"inTime":{tin},"outTime":{tout}{tail}'.encode())


@op(OP_CANCEL)
def cancel(session: Session, rid: str, args: Any, t_in: int, rl: RateLimit | None) -> None:
    """Cancel by orderId (A ``{"cancelledOrderIds":[…]}``) or by clientOid and symbol
    (A ``{"clientOid"}``); 100004 when there is no such open order."""
    venue = session.venue
    bad = _validate.validate_cancel(args, strict_keys=False)
    if bad is not None:
        venue.counters.cancels_failed += 1
        session.reply_error(rid, OP_CANCEL, bad.code, bad.msg, t_in, rl)
        return
    acct = session.account_state
    assert acct is not None
    if "orderId" in args:
        oid = args["orderId"]
        data = (f'{{"cancelledOrderIds":[{enc(oid)}]}}'
                if venue.futures.cancel_by_order_id(acct, oid, args.get("symbol")) else "")
    else:
        coid = args["clientOid"]
        data = (f'{{"clientOid":{enc(coid)}}}'
                if venue.futures.cancel_by_client_oid(acct, coid, args["symbol"]) else "")
    if data:
        venue.counters.cancels_ok += 1
        session.reply_ok(rid, OP_CANCEL, data, t_in, rl)
    else:
        venue.counters.cancels_failed += 1
        session.reply_error(rid, OP_CANCEL, "100004", ERRORS["100004"], t_in, rl)


@op(OP_MULTI_ORDER)
def multi_order(session: Session, rid: str, args: Any, t_in: int,
                rl: RateLimit | None) -> None:
    """Place up to 20 orders: A with one item per order, failures included."""
    if not session.cfg.rate_limit_on_orders:
        rl = None
    venue = session.venue
    bad = _validate.validate_multi_order(args)
    if bad is not None:
        session.reply_error(rid, OP_MULTI_ORDER, bad.code, bad.msg, t_in, rl)
        return
    acct = session.account_state
    assert acct is not None
    items = []
    now_ms = t_in // 1_000_000
    for item in args:
        coid = item.get("clientOid") if isinstance(item, dict) else None
        sym = item.get("symbol") if isinstance(item, dict) else None
        checked = venue.futures.check_order(item)
        res: Rejected | str = checked if isinstance(checked, Rejected) \
            else venue.futures.place_checked(acct, item, checked, now_ms)
        if isinstance(res, str):
            venue.counters.orders_accepted += 1
            items.append({"orderId": res, "clientOid": coid, "symbol": sym,
                          "code": SUCCESS_CODE, "msg": "success"})
        else:
            venue.counters.orders_rejected += 1
            items.append({"orderId": None, "clientOid": coid, "symbol": sym,
                          "code": res.code, "msg": res.msg})
    session.reply_ok(rid, OP_MULTI_ORDER, dumps(items), t_in, rl)


@op(OP_MULTI_CANCEL)
def multi_cancel(session: Session, rid: str, args: Any, t_in: int,
                 rl: RateLimit | None) -> None:
    """Cancel by ``orderIdsList`` or ``clientOidsList``: A with one item per id."""
    venue = session.venue
    bad = _validate.validate_multi_cancel(args, strict_keys=False)
    if bad is not None:
        session.reply_error(rid, OP_MULTI_CANCEL, bad.code, bad.msg, t_in, rl)
        return
    acct = session.account_state
    assert acct is not None
    futures = venue.futures
    items: list[dict[str, Any]] = []
    if "orderIdsList" in args:
        for oid in args["orderIdsList"]:
            ok = futures.cancel_by_order_id(acct, oid)
            items.append({"orderId": oid, "clientOid": None,
                          **(_CANCELLED if ok else _NOT_CANCELABLE)})
    else:
        for it in args["clientOidsList"]:
            ok = futures.cancel_by_client_oid(acct, it["clientOid"], it["symbol"]) is not None
            items.append({"orderId": None, "clientOid": it["clientOid"],
                          **(_CANCELLED if ok else _NOT_CANCELABLE)})
    for it2 in items:
        if it2["code"] == _CANCELLED["code"]:
            venue.counters.cancels_ok += 1
        else:
            venue.counters.cancels_failed += 1
    session.reply_ok(rid, OP_MULTI_CANCEL, dumps(items), t_in, rl)


__all__ = ["cancel", "multi_cancel", "multi_order", "order"]
