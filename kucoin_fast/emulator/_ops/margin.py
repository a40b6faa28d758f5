"""The margin ops: ``margin.order`` and ``margin.cancel`` (spot doc §1.1, §1.3), on the
account's margin book: the spot handlers with the margin account, a required
clientOid, and ``borrowSize``/``loanApplyId`` when the order borrowed."""
from __future__ import annotations

from ..._protocol.ops import OP_MARGIN_CANCEL, OP_MARGIN_ORDER
from .._spot import SpotOrder, amount_text
from .._wire import dumps
from .spot import cancel_data, cancel_op, order_data, order_op


def _margin_order_data(order: SpotOrder) -> str:
    data = order_data(order)
    if order.borrowed:
        data["borrowSize"] = amount_text(order.borrowed)
        data["loanApplyId"] = order.loan_apply_id
    return dumps(data)


margin_order = order_op(
    OP_MARGIN_ORDER, True, _margin_order_data,
    """Place one margin order: A ``{"orderId","clientOid"[,"borrowSize","loanApplyId"]}``.""")
margin_cancel = cancel_op(
    OP_MARGIN_CANCEL, True, cancel_data,
    """Cancel a margin order by ``{symbol, orderId}`` or ``{symbol, clientOid}``.""")


__all__ = ["margin_cancel", "margin_order"]
