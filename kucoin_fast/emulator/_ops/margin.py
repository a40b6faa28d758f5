"""The margin ops: ``margin.order`` and ``margin.cancel`` (spot doc §1.1, §1.3), on the
account's margin book: the spot handlers with the margin account, a required
clientOid, and ``borrowSize``/``loanApplyId`` when the order borrowed."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._rules import OP_MARGIN_CANCEL, OP_MARGIN_ORDER
from .._spot import SpotOrder, amount_text
from .._wire import dumps
from ._registry import MARGIN, op
from .spot import cancel, cancel_data, order_data, place

if TYPE_CHECKING:
    from .._session import Session
    from .._wire import RateLimit


def _margin_order_data(order: SpotOrder) -> str:
    data = order_data(order)
    if order.borrowed:
        data["borrowSize"] = amount_text(order.borrowed)
        data["loanApplyId"] = order.loan_apply_id
    return dumps(data)


@op(OP_MARGIN_ORDER, family=MARGIN, weight=2)
def margin_order(session: Session, rid: str, args: Any, t_in: int,
                 rl: RateLimit | None) -> None:
    """Place one margin order: A ``{"orderId","clientOid"[,"borrowSize","loanApplyId"]}``."""
    place(session, rid, args, t_in, rl, OP_MARGIN_ORDER, True, _margin_order_data)


@op(OP_MARGIN_CANCEL, family=MARGIN, weight=2)
def margin_cancel(session: Session, rid: str, args: Any, t_in: int,
                  rl: RateLimit | None) -> None:
    """Cancel a margin order by ``{symbol, orderId}`` or ``{symbol, clientOid}``."""
    cancel(session, rid, args, t_in, rl, OP_MARGIN_CANCEL, True, cancel_data)


__all__ = ["margin_cancel", "margin_order"]
