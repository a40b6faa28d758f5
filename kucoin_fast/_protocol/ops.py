"""The op table: one :class:`Op` row per WS API request op, and what both halves derive
from it (validation dispatch, weights, clientOid and orderId shapes, reply ops).
Adding an op: docs/adding-an-op.md."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, Protocol, TypeVar, cast

from .fields import SIZE_FIELDS, SPOT_SIZE_FIELDS
from .params import (
    FuturesCancelParams,
    FuturesMultiCancelParams,
    FuturesOrderParams,
    MarginOrderParams,
    SpotCancelParams,
    SpotModifyParams,
    SpotOrderParams,
)
from .results import BatchResult, MarginOrderResult, Response, SpotModifyResult, SpotOrderState
from .specs import MULTI_CANCEL_MAX, MULTI_ORDER_MAX
from .validate import (
    Violation,
    validate_cancel,
    validate_margin_order,
    validate_multi_cancel,
    validate_order,
    validate_order_batch,
    validate_spot_cancel,
    validate_spot_modify,
    validate_spot_order,
)

# Families: the product an op trades, hence its book, its rate-limit pool (spot and
# margin share the Spot pool) and its REST lookup.
FUTURES: Final = "futures"
SPOT: Final = "spot"
MARGIN: Final = "margin"
FAMILIES: Final = (FUTURES, SPOT, MARGIN)
#: Ops that are not trading requests (the keepalive); they have no row.
CONTROL: Final = "control"
OP_PING: Final = "ping"
OP_PONG: Final = "pong"

# Where a request's clientOids are (Op.oids).
#: ``args["clientOid"]``: an order, or a cancel by clientOid (at most one).
OIDS_ONE: Final = "clientOid"
#: ``args`` is a list of orders, each with its ``clientOid``.
OIDS_ITEMS: Final = "items"
#: ``args["clientOidsList"]``, items ``{symbol, clientOid}``.
OIDS_CANCEL_LIST: Final = "clientOidsList"
#: Where a reply's orderIds are (Op.reply_ids): a member of ``data`` (its items when it
#: is an array), or this: the ``orderId`` of each item of a ``data`` array.
IDS_ITEMS: Final = "items"

# The compiled encoder's fused paths (encode.pyx switches on Op.fast_path); FAST_NONE:
# validate, then the generic writer.
FAST_NONE: Final = 0
FAST_ORDER: Final = 1
FAST_CANCEL: Final = 2
FAST_ORDER_BATCH: Final = 3
FAST_SPOT_ORDER: Final = 4
FAST_MARGIN_ORDER: Final = 5
FAST_SPOT_CANCEL: Final = 6

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Validator(Protocol):
    """``validate(args, strict_keys=...)``: None or the first broken rule."""

    def __call__(self, args: Any, /, *, strict_keys: bool = ...) -> Violation | None: ...


class ResultType(Protocol[R_co]):
    """A typed result class: built from the reply of a request KuCoin accepted."""

    def from_response(self, response: Response) -> R_co: ...


@dataclass(frozen=True)
class Op(Generic[R]):
    """One request op and every fact the client and the emulator need of it."""

    name: str
    #: FUTURES, SPOT or MARGIN (see above).
    family: str
    #: Rate-limit weight of the equivalent REST endpoint (protocol §5.5, §8.1; spot doc §1.1).
    weight: int
    #: The checks the client runs before sending (the emulator's handlers answer with them).
    validate: Validator
    #: The ``TypedDict`` of its args (``kucoin_fast.params``).
    params: object
    #: The client's request method (its Node SDK alias is the camelCase name).
    method: str
    #: The family whose REST lookup by clientOid finds what the op placed or cancelled.
    lookup: str
    #: What the client's method returns: this class read from the reply, or (None) the
    #: reply itself.
    result: ResultType[R] | None = None
    #: Where its args carry clientOids (OIDS_*).
    oids: str = OIDS_ONE
    #: Where its reply names orderIds: a member of ``data``, or IDS_ITEMS.
    reply_ids: str = "orderId"
    #: Most items a batch op takes (None: not a batch).
    batch_max: int | None = None
    #: Its late reply says whether the order exists (reconciliation reads it).
    places: bool = False
    #: The fields that say how much (order ops).
    size_fields: tuple[str, ...] = ()
    #: A template of it can be prepared (``prepare_order``, ``prepare_spot_order``).
    prepared: bool = False
    #: The compiled encoder's fused path for it (FAST_*).
    fast_path: int = FAST_NONE

    def wrap(self, response: Response) -> R:
        """What the client's method returns for ``response``: the result type read from
        it, or the reply itself."""
        if self.result is None:
            return cast(R, response)
        return self.result.from_response(response)


# Most frequent first: the reply scanner and the encoder find an op by trying in turn.
FUTURES_ORDER: Final[Op[Response]] = Op(
    "futures.order", FUTURES, 2, validate_order, FuturesOrderParams, "submit_futures_order",
    FUTURES, places=True, size_fields=SIZE_FIELDS, prepared=True, fast_path=FAST_ORDER)
FUTURES_CANCEL: Final[Op[Response]] = Op(
    "futures.cancel", FUTURES, 1, validate_cancel, FuturesCancelParams, "cancel_futures_order",
    FUTURES, reply_ids="cancelledOrderIds", fast_path=FAST_CANCEL)
FUTURES_MULTI_ORDER: Final = Op(
    "futures.multi_order", FUTURES, 20, validate_order_batch, list[FuturesOrderParams],
    "submit_multiple_futures_orders", FUTURES, BatchResult, oids=OIDS_ITEMS,
    reply_ids=IDS_ITEMS, batch_max=MULTI_ORDER_MAX, places=True, fast_path=FAST_ORDER_BATCH)
FUTURES_MULTI_CANCEL: Final = Op(
    "futures.multi_cancel", FUTURES, 20, validate_multi_cancel, FuturesMultiCancelParams,
    "cancel_multiple_futures_orders", FUTURES, BatchResult, oids=OIDS_CANCEL_LIST,
    reply_ids=IDS_ITEMS, batch_max=MULTI_CANCEL_MAX)
SPOT_ORDER: Final[Op[Response]] = Op(
    "spot.order", SPOT, 1, validate_spot_order, SpotOrderParams, "submit_new_spot_order", SPOT,
    places=True, size_fields=SPOT_SIZE_FIELDS, prepared=True, fast_path=FAST_SPOT_ORDER)
SPOT_CANCEL: Final[Op[Response]] = Op(
    "spot.cancel", SPOT, 1, validate_spot_cancel, SpotCancelParams, "cancel_spot_order", SPOT,
    fast_path=FAST_SPOT_CANCEL)
SPOT_SYNC_ORDER: Final = Op(
    "spot.sync_order", SPOT, 1, validate_spot_order, SpotOrderParams, "submit_sync_spot_order",
    SPOT, SpotOrderState, places=True, size_fields=SPOT_SIZE_FIELDS, fast_path=FAST_SPOT_ORDER)
SPOT_SYNC_CANCEL: Final = Op(
    "spot.sync_cancel", SPOT, 1, validate_spot_cancel, SpotCancelParams, "cancel_sync_spot_order",
    SPOT, SpotOrderState, fast_path=FAST_SPOT_CANCEL)
SPOT_MODIFY: Final = Op(
    "spot.modify", SPOT, 1, validate_spot_modify, SpotModifyParams, "modify_spot_order", SPOT,
    SpotModifyResult, reply_ids="newOrderId")
MARGIN_ORDER: Final = Op(
    "margin.order", MARGIN, 2, validate_margin_order, MarginOrderParams, "submit_margin_order",
    MARGIN, MarginOrderResult, places=True, size_fields=SPOT_SIZE_FIELDS,
    fast_path=FAST_MARGIN_ORDER)
MARGIN_CANCEL: Final[Op[Response]] = Op(
    "margin.cancel", MARGIN, 2, validate_spot_cancel, SpotCancelParams, "cancel_margin_order",
    MARGIN, fast_path=FAST_SPOT_CANCEL)

#: Every request op, by name, in the order above.
OPS: Final[Mapping[str, Op[Any]]] = {op.name: op for op in (
    FUTURES_ORDER, FUTURES_CANCEL, FUTURES_MULTI_ORDER, FUTURES_MULTI_CANCEL, SPOT_ORDER,
    SPOT_CANCEL, SPOT_SYNC_ORDER, SPOT_SYNC_CANCEL, SPOT_MODIFY, MARGIN_ORDER, MARGIN_CANCEL)}

OP_ORDER: Final = FUTURES_ORDER.name
OP_CANCEL: Final = FUTURES_CANCEL.name
OP_MULTI_ORDER: Final = FUTURES_MULTI_ORDER.name
OP_MULTI_CANCEL: Final = FUTURES_MULTI_CANCEL.name
OP_SPOT_ORDER: Final = SPOT_ORDER.name
OP_SPOT_SYNC_ORDER: Final = SPOT_SYNC_ORDER.name
OP_SPOT_MODIFY: Final = SPOT_MODIFY.name
OP_SPOT_CANCEL: Final = SPOT_CANCEL.name
OP_SPOT_SYNC_CANCEL: Final = SPOT_SYNC_CANCEL.name
OP_MARGIN_ORDER: Final = MARGIN_ORDER.name
OP_MARGIN_CANCEL: Final = MARGIN_CANCEL.name

#: Every op a reply may echo, most frequent first (the reply scanner interns them).
REPLY_OPS: Final = (*OPS, OP_PONG)
#: Op -> weight: the emulator's default ``weights``.
WEIGHTS: Final = {name: op.weight for name, op in OPS.items()}
_UNKNOWN_OP: Final = Violation("400100", "op", "must be one of " + ", ".join(sorted(OPS)))


def validate_request(op: str, args: Any, *, strict_keys: bool = True) -> Violation | None:
    """Validate ``args`` for ``op`` with its row's validator (for ``futures.multi_order``
    the items too: the first bad item is reported with its index, e.g. ``[3].price``)."""
    row = OPS.get(op) if isinstance(op, str) else None
    if row is None:
        return _UNKNOWN_OP
    return row.validate(args, strict_keys=strict_keys)


def client_oids_of(op: str | None, args: Any) -> tuple[str, ...]:
    """The clientOids a request carries, in order, where its row says they are (a str
    ``args``: a prepared send's clientOid).

    Used when a request is sent, so what an error or an unknown-outcome record reports
    is what went out, whatever the caller does with its dict afterwards.
    """
    if isinstance(args, str):
        return (args,)
    row = OPS.get(op) if isinstance(op, str) else None
    shape = None if row is None else row.oids
    items: Any = ()
    if shape == OIDS_ONE:
        oid = args.get("clientOid") if isinstance(args, dict) else None
        return (oid,) if isinstance(oid, str) else ()
    if shape == OIDS_ITEMS and isinstance(args, list):
        items = args
    elif shape == OIDS_CANCEL_LIST and isinstance(args, dict):
        items = args.get("clientOidsList") or ()
    try:
        return tuple(item["clientOid"] for item in items
                     if isinstance(item, dict) and isinstance(item.get("clientOid"), str))
    except TypeError:  # clientOidsList of a wrong type: the request is rejected anyway
        return ()


def order_ids_of(op: str | None, data: Any) -> tuple[Any, ...]:
    """The orderIds a reply's ``data`` names, in order, where ``op``'s row says they are
    (None where a batch item has none)."""
    row = OPS.get(op) if isinstance(op, str) else None
    if row is None:
        return ()
    if row.reply_ids == IDS_ITEMS:
        if not isinstance(data, list):
            return ()
        return tuple(item.get("orderId") if isinstance(item, dict) else None for item in data)
    if not isinstance(data, dict) or row.reply_ids not in data:
        return ()
    ids = data[row.reply_ids]
    return tuple(ids) if isinstance(ids, list) else (ids,)


def prepared_size_field(op: str, template: Any) -> str | Violation:
    """The size field a prepared ``op`` template varies, or why the template is refused
    (it must be a valid order with exactly one size field)."""
    violation = validate_request(op, template, strict_keys=True)
    if violation is not None:
        return violation
    names = OPS[op].size_fields
    size_fields = [name for name in names if name in template]
    if len(size_fields) != 1:
        return Violation("400100", "size",
                         "a prepared order needs exactly one of " + ", ".join(names))
    return size_fields[0]


def order_from_template(template: dict[str, Any], size_field: str, price: Any, size: Any,
                        client_oid: Any) -> dict[str, Any]:
    """The full order a prepared send stands for: ``template`` with its clientOid, price
    (None: none) and size field replaced (the exact verdict of a bad send comes from it)."""
    order = dict(template)
    order["clientOid"] = client_oid
    if price is None:
        order.pop("price", None)
    else:
        order["price"] = price
    order[size_field] = size
    return order
