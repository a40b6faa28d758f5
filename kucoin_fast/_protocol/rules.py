"""Protocol facts shared by the client and the emulator: one table, two users.

Op names, error codes and texts, order-field rules, batch limits, rate-limit weights
and contract specs from ``kucoin-wsapi-protocol.md``. The validators return ``None``
or the first :class:`Violation` in KuCoin's checklist order (protocol §11.6) and never
raise for bad input. Why one module: docs/internals.md.
"""
from __future__ import annotations

import difflib
import math
import re
from decimal import Context, Decimal, InvalidOperation
from typing import Any, Final, NamedTuple

# --------------------------------------------------------------------------- ops
OP_ORDER: Final = "futures.order"
OP_CANCEL: Final = "futures.cancel"
OP_MULTI_ORDER: Final = "futures.multi_order"
OP_MULTI_CANCEL: Final = "futures.multi_cancel"
OP_SPOT_ORDER: Final = "spot.order"
OP_SPOT_SYNC_ORDER: Final = "spot.sync_order"
OP_SPOT_MODIFY: Final = "spot.modify"
OP_SPOT_CANCEL: Final = "spot.cancel"
OP_SPOT_SYNC_CANCEL: Final = "spot.sync_cancel"
OP_MARGIN_ORDER: Final = "margin.order"
OP_MARGIN_CANCEL: Final = "margin.cancel"
OP_PING: Final = "ping"
OP_PONG: Final = "pong"
FUTURES_OPS: Final = frozenset({OP_ORDER, OP_CANCEL, OP_MULTI_ORDER, OP_MULTI_CANCEL})
SPOT_OPS: Final = frozenset({OP_SPOT_ORDER, OP_SPOT_SYNC_ORDER, OP_SPOT_MODIFY, OP_SPOT_CANCEL,
                             OP_SPOT_SYNC_CANCEL})
MARGIN_OPS: Final = frozenset({OP_MARGIN_ORDER, OP_MARGIN_CANCEL})
#: Every op a reply may echo, most frequent first (the reply scanner interns them).
REPLY_OPS: Final = (OP_ORDER, OP_CANCEL, OP_MULTI_ORDER, OP_MULTI_CANCEL, OP_SPOT_ORDER,
                    OP_SPOT_CANCEL, OP_SPOT_SYNC_ORDER, OP_SPOT_SYNC_CANCEL, OP_SPOT_MODIFY,
                    OP_MARGIN_ORDER, OP_MARGIN_CANCEL, OP_PONG)
#: Ops whose args carry at most one clientOid.
_SINGLE_OID_OPS: Final = frozenset({OP_ORDER, OP_CANCEL}) | SPOT_OPS | MARGIN_OPS

SUCCESS_CODE: Final = "200000"
#: futures.multi_cancel items report success with "200", not "200000" (protocol §6.2).
BATCH_CANCEL_ITEM_SUCCESS_CODE: Final = "200"

DEFAULT_URL: Final = "wss://wsapi.kucoin.com/v1/private"
WS_PATH: Final = "/v1/private"

MULTI_ORDER_MAX: Final = 20
MULTI_CANCEL_MAX: Final = 10
CLIENT_OID_MAX: Final = 40
REMARK_MAX: Final = 100
#: Requests per 30 s window in the per-UID futures pool at VIP0 (protocol §8).
DEFAULT_RATE_LIMIT: Final = 2000
#: The per-UID Spot pool at VIP0 (spot doc §1.1, open question 10): spot and margin ops.
DEFAULT_SPOT_RATE_LIMIT: Final = 4000
RATE_LIMIT_WINDOW_MS: Final = 30_000
#: REST weights of the equivalent endpoints (protocol §5.5, §8.1; spot doc §1.1).
WEIGHTS: Final = {OP_ORDER: 2, OP_MULTI_ORDER: 20, OP_CANCEL: 1, OP_MULTI_CANCEL: 20,
                  OP_SPOT_ORDER: 1, OP_SPOT_SYNC_ORDER: 1, OP_SPOT_MODIFY: 1, OP_SPOT_CANCEL: 1,
                  OP_SPOT_SYNC_CANCEL: 1, OP_MARGIN_ORDER: 2, OP_MARGIN_CANCEL: 2}
#: Open-order caps per contract per UID (protocol §5.3).
MAX_OPEN_LIMIT_ORDERS: Final = 100
MAX_OPEN_STOP_ORDERS: Final = 200

# ------------------------------------------------------------------ error codes
#: KuCoin code -> message text. Exact texts where the protocol doc has them.
ERRORS: Final[dict[str, str]] = {
    # handshake / auth (envelope C)
    "400001": "Please check the URL of your request.",
    "400002": "Invalid KC-API-TIMESTAMP.",
    "400003": "KC-API-KEY not exists.",
    "400004": "Invalid KC-API-PASSPHRASE.",
    "400005": "Invalid KC-API-SIGN.",
    "400006": "Invalid request IP, the current client IP is: %s.",
    "400007": "Access denied, requires more permission.",
    "400008": "V1 & V2 API keys are no longer supported by this API. Please create a V3 API key.",
    "400009": "Invalid KC-API-KEY-VERSION.",
    "400010": "UID access denied, requires more permission.",
    "400011": "Session verification failed.",
    "400012": "Session verification has timed out.",
    "400200": "Unknown partner.",
    "400201": "Invalid KC-API-PARTNER-SIGN.",
    "400202": "Invalid request IP.",
    # request data
    "400101": "Invalid request data.",
    "400102": "Please check the parameters of your request.",
    "4001002": "Please check the param of your request: Field 'id' must be a non-empty string.",
    "400100": "Parameter Error",
    # disconnecting errors
    "420001": "Too many errors, disconnected. Please try again later.",
    "420002": "Error receiving data.",
    # rate limits
    "429000": "Too many requests in a short period. Please retry later.(UID LIMIT)",
    "429001": "Too many total requests. Please retry later.(SYSTEM LIMIT)",
    "429002": "Too many requests in a short period. Please retry later.(MULTY LIMIT PER CONNECTION)",
    # server
    "500000": "Internal Server Error",
    "501000": "The service has stopped running. Please disconnect: exiting",
    "503000": "Server is busy.",
    "504000": "Gateway timeout.",
    "505000": "Unknown error.",
    # futures business
    "100001": "There are invalid parameters",
    "100003": "Contract parameter invalid",
    "100004": "The order cannot be canceled.",
    "200003": "symbol invalid",
    "300000": "Request parameter illegal",
    "300001": "Active order quantity limit exceeded (limit: %s, current: %s)",
    "300003": "Balance not enough, please first deposit at least 2 USDT before you start the battle",
    "300004": "Stop order quantity limit exceeded (limit: %s, current: %s)",
    "300018": "clientOid parameter repeated",
    "330008": "Order quantity is too high, insufficient available margin.",
    "330011": "Set and confirm the position mode before trading",
    "411100": "User is frozen",
    # spot and margin business (spot doc §1.6; texts [OBS] or chosen where marked)
    "200004": "Balance insufficient!",
    "400760": "The order funds should more then %s %s.",
    "900001": "symbol not exists",
    "130103": "order not exist.",
    "130105": "Insufficient balance",  # text chosen (spot doc open question 5)
}
#: Spot texts whose code means something else on futures (``ERRORS`` is code -> text).
SPOT_ORDER_CAP_MSG: Final = "Number of orders breached the limit"  # 200003 on spot
SPOT_DUPLICATE_OID_MSG: Final = "validation.createOrder.clientOidDuplicated"  # 400100
SPOT_NOT_CANCELABLE_MSG: Final = "order_not_exist_or_not_allow_to_cancel"  # 400100
SPOT_PRICE_INCREMENT_MSG: Final = "Price increment invalid."
SPOT_SIZE_INCREMENT_MSG: Final = "Order size increment invalid."
SPOT_FUNDS_INCREMENT_MSG: Final = "Funds increment invalid."
SPOT_SIZE_MIN_MSG: Final = "Order size below the minimum requirement."
SPOT_SIZE_MAX_MSG: Final = "Order size above the maximum requirement."  # text chosen
SPOT_FUNDS_MAX_MSG: Final = "Order funds above the maximum requirement."  # text chosen

# ---------------------------------------------------------------- order fields
SIDES: Final = ("buy", "sell")
ORDER_TYPES: Final = ("limit", "market")
MARGIN_MODES: Final = ("ISOLATED", "CROSS")
POSITION_SIDES: Final = ("BOTH", "LONG", "SHORT")
TIME_IN_FORCE: Final = ("GTC", "IOC", "RPI")
STOP_DIRECTIONS: Final = ("down", "up")
STOP_PRICE_TYPES: Final = ("TP", "MP", "IP")
STP_VALUES: Final = ("CN", "CO", "CB")

# Field kinds: "str" plain string, "enum" string from a tuple, "dec" positive decimal
# (string, or a JSON number), "int" positive integer (int, or an all-digit string),
# "bool" JSON boolean.
ORDER_FIELDS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "clientOid": ("str", ()),
    "side": ("enum", SIDES),
    "symbol": ("str", ()),
    "leverage": ("int", ()),
    "type": ("enum", ORDER_TYPES),
    "price": ("dec", ()),
    "size": ("int", ()),
    "qty": ("dec", ()),
    "valueQty": ("dec", ()),
    "marginMode": ("enum", MARGIN_MODES),
    "positionSide": ("enum", POSITION_SIDES),
    "timeInForce": ("enum", TIME_IN_FORCE),
    "postOnly": ("bool", ()),
    "hidden": ("bool", ()),
    "iceberg": ("bool", ()),
    "visibleSize": ("dec", ()),
    "reduceOnly": ("bool", ()),
    "closeOrder": ("bool", ()),
    "forceHold": ("bool", ()),
    "stop": ("enum", STOP_DIRECTIONS),
    "stopPriceType": ("enum", STOP_PRICE_TYPES),
    "stopPrice": ("dec", ()),
    "stp": ("enum", STP_VALUES),
    "remark": ("str", ()),
}
SIZE_FIELDS: Final = ("size", "qty", "valueQty")

# Numeric bounds (docs/client.md, "Numeric bounds"): far past any real KuCoin amount,
# time or count, and small enough that no value makes the encoder work without bound.
#: An "int" field: at most this many digits (every such value fits a signed 64-bit int).
INT_MAX_DIGITS: Final = 18
#: A "dec" field: at most this many characters written out as a plain decimal (digits
#: and the point; a Decimal in its exponent-free form, a float as the decimal it stands for).
DEC_MAX_CHARS: Final = 40
#: A float in a "dec" field: its shortest round-trip form has at most this many
#: significant digits (any decimal of 15 digits survives the trip through a double).
FLOAT_MAX_DIGITS: Final = 15

#: A well-formed clientOid (1-40 of ``[A-Za-z0-9_-]``); ``.match`` checks the whole string.
CLIENT_OID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,40}\Z")
_DECIMAL_RE: Final = re.compile(r"[0-9]+(\.[0-9]+)?\Z")
_INT_RE: Final = re.compile(r"[0-9]+\Z")


class Violation(NamedTuple):
    """One broken rule: the KuCoin code the gateway answers with, the field, the rule."""

    code: str
    field: str
    rule: str

    @property
    def msg(self) -> str:
        """The message text the emulator sends and the client's ``ValueError`` carries.

        ``400102`` (the gateway's own parameter check: a required param missing) reads
        as KuCoin's observed text, ``Please check the param of your request: <rule>``
        (its rules name their fields); everything else as ``Parameter Error: <field>:
        <rule>``."""
        if self.code == "400102":
            return f"Please check the param of your request: {self.rule}"
        return f"Parameter Error: {self.field}: {self.rule}"


def _param(field: str, rule: str) -> Violation:
    return Violation("400100", field, rule)


def _unknown_keys(args: dict[Any, Any], known: Any, what: str,
                  where: str = "") -> Violation | None:
    """The first key of ``args`` not in ``known``, named with a "did you mean" for a near
    miss (a case slip first, then :func:`difflib.get_close_matches`)."""
    for key in args:
        if key in known:
            continue
        name = str(key)
        rule = f"is not a {what} field"
        folded = [k for k in known if k.lower() == name.lower()]
        close = folded or difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
        if close:
            rule += f" (did you mean {close[0]}?)"
        return _param(where + name, rule)
    return None


def _missing(field: str, rule: str = "") -> Violation:
    """A required param is absent: the gateway's parameter check (B ``400102``)."""
    return Violation("400102", field, rule or f"{field} is required")


def _check_kind(field: str, kind: str, choices: tuple[str, ...], value: Any) -> Violation | None:
    if kind == "str":
        if type(value) is not str or not value:
            return _param(field, "must be a non-empty string")
    elif kind == "enum":
        if type(value) is not str or value not in choices:
            return _param(field, "must be one of " + ", ".join(choices))
    elif kind == "bool":
        if type(value) is not bool:
            return _param(field, "must be a boolean")
    elif kind == "int":
        return _check_int(field, value)
    else:
        return _check_dec(field, value)
    return None


_INT_RULE: Final = "must be a positive integer"
_INT_DIGITS_RULE: Final = f"must be a positive integer of at most {INT_MAX_DIGITS} digits"
_DEC_RULE: Final = "must be a positive decimal (string, number or Decimal)"
_DEC_CHARS_RULE: Final = (f"must be at most {DEC_MAX_CHARS} characters written out as a "
                          "plain decimal (digits and point)")
_FLOAT_RULE: Final = (f"must be a float of at most {FLOAT_MAX_DIGITS} significant digits "
                      "(pass a str or Decimal for an exact amount)")
_INT_LIMIT: Final = 10**INT_MAX_DIGITS
#: The encoders write no int of more than DEC_MAX_CHARS digits, in any field.
JSON_INT_LIMIT: Final = 10**DEC_MAX_CHARS


def _check_int(field: str, value: Any) -> Violation | None:
    if type(value) is int:
        if value <= 0:
            return _param(field, _INT_RULE)
        if value >= _INT_LIMIT:
            return _param(field, _INT_DIGITS_RULE)
        return None
    if type(value) is not str or not _INT_RE.match(value):
        return _param(field, _INT_RULE)
    if len(value) > INT_MAX_DIGITS:
        return _param(field, _INT_DIGITS_RULE)
    if int(value) == 0:
        return _param(field, _INT_RULE)
    return None


def _check_dec(field: str, value: Any) -> Violation | None:
    t = type(value)
    if t is str:
        if not _DECIMAL_RE.match(value):
            return _param(field, _DEC_RULE)
        if len(value) > DEC_MAX_CHARS:
            return _param(field, _DEC_CHARS_RULE)
        if Decimal(value) == 0:
            return _param(field, _DEC_RULE)
    elif t is int:
        if value <= 0:
            return _param(field, _DEC_RULE)
        if value >= JSON_INT_LIMIT:
            return _param(field, _DEC_CHARS_RULE)
    elif t is float:
        if not (value > 0 and math.isfinite(value)):
            return _param(field, _DEC_RULE)
        if float_text(value) is None:
            text = float.__repr__(value)
            if _significant_digits(text) > FLOAT_MAX_DIGITS:
                return _param(field, _FLOAT_RULE)
            return _param(field, _DEC_CHARS_RULE)
    elif t is Decimal:
        if not (value.is_finite() and value > 0):
            return _param(field, _DEC_RULE)
        if plain_length(value) > DEC_MAX_CHARS:
            return _param(field, _DEC_CHARS_RULE)
    else:
        return _param(field, _DEC_RULE)
    return None


def plain_length(value: Decimal) -> int:
    """How many characters :func:`decimal_text` would write for the finite ``value``,
    computed without writing them (an exponent of 10**18 stays cheap)."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    n = len(digits)
    if exponent >= 0:
        length = 1 if digits == (0,) else n + exponent
    elif n + exponent > 0:
        length = n + 1
    else:
        length = 2 - exponent
    return length + sign


def _significant_digits(text: str) -> int:
    """Significant digits of a float's repr (``1.5e-05`` -> 2, ``100.0`` -> 1)."""
    return len(text.partition("e")[0].replace(".", "").strip("0"))


def float_text(value: float) -> str | None:
    """The wire text of a positive finite float in a "dec" field (its repr), or None when
    the float breaks :data:`FLOAT_MAX_DIGITS` or :data:`DEC_MAX_CHARS`."""
    text = float.__repr__(value)
    if _significant_digits(text) > FLOAT_MAX_DIGITS \
            or plain_length(Decimal(text)) > DEC_MAX_CHARS:
        return None
    return text


def decimal_text(value: Decimal) -> str:
    """The exact wire text of a ``Decimal`` amount: all its digits, never an exponent."""
    return format(value, "f")


def client_oids_of(op: str | None, args: Any) -> tuple[str, ...]:
    """The clientOids a request carries (orders, cancels by clientOid, batches), in order.

    Used when a request is sent, so what an error or an unknown-outcome record reports
    is what went out, whatever the caller does with its dict afterwards.
    """
    out: list[str] = []
    try:
        if isinstance(args, str):
            out.append(args)
        elif isinstance(args, dict):
            if isinstance(args.get("clientOid"), str):
                out.append(args["clientOid"])
            for item in args.get("clientOidsList") or ():
                if isinstance(item, dict) and isinstance(item.get("clientOid"), str):
                    out.append(item["clientOid"])
        elif isinstance(args, list):
            for item in args:
                if isinstance(item, dict) and isinstance(item.get("clientOid"), str):
                    out.append(item["clientOid"])
    except TypeError:  # clientOidsList of a wrong type: the request is rejected anyway
        pass
    return tuple(out)


def client_oid_ref(op: str | None, args: Any) -> Any:
    """What an encoder records of a request's clientOids: the lone clientOid (or None)
    of one order or one cancel, the tuple of them for anything else."""
    oids = client_oids_of(op, args)
    if op in _SINGLE_OID_OPS:
        return oids[0] if oids else None
    return oids


def oids_of_ref(ref: Any) -> tuple[str, ...]:
    """The clientOids tuple of an encoder's ``ref`` (see :func:`client_oid_ref`)."""
    if ref is None:
        return ()
    if type(ref) is str:
        return (ref,)
    return tuple(ref)


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


def order_ids_of(op: str | None, data: Any) -> tuple[Any, ...]:
    """The orderIds a reply's ``data`` names, in order (None where an item has none):
    a placed order's ``orderId``, a batch's per-item ``orderId`` s, a cancel's
    ``cancelledOrderIds``, ``spot.modify``'s ``newOrderId``."""
    if isinstance(data, dict):
        if "orderId" in data:
            return (data["orderId"],)
        if "newOrderId" in data:
            return (data["newOrderId"],)
        ids = data.get("cancelledOrderIds")
        if isinstance(ids, list):
            return tuple(ids)
        return ()
    if isinstance(data, list):
        return tuple(item.get("orderId") if isinstance(item, dict) else None for item in data)
    return ()


def validate_order(order: Any, *, strict_keys: bool = True, where: str = "") -> Violation | None:
    """Check one ``futures.order`` args object (protocol §5.3, §11.6).

    ``strict_keys`` rejects field names KuCoin does not know (the client's default,
    so a typo such as ``clientOID`` fails before sending); the emulator, like the
    gateway, ignores unknown keys. ``where`` prefixes field names (``"[3]."`` for
    batch items).
    """
    if not isinstance(order, dict):
        return _param(where.rstrip(".") or "args", "must be an object")
    if strict_keys:
        bad = _unknown_keys(order, ORDER_FIELDS, "futures order", where)
        if bad is not None:
            return bad
    get = order.get
    close_order = get("closeOrder") is True
    for req in ("clientOid", "symbol") if close_order else ("clientOid", "side", "symbol"):
        if req not in order:
            return _param(where + req, "is required")
    for key, value in order.items():
        spec = ORDER_FIELDS.get(key)
        if spec is None:  # unknown keys are ignored (strict_keys refused them above)
            continue
        bad = _check_kind(where + key, spec[0], spec[1], value)
        if bad is not None:
            return bad
    if not CLIENT_OID_RE.match(order["clientOid"]):
        return _param(
            where + "clientOid", f"must be 1-{CLIENT_OID_MAX} characters of [A-Za-z0-9_-]"
        )
    n_sizes = ("size" in order) + ("qty" in order) + ("valueQty" in order)
    if n_sizes != 1 and not (close_order and n_sizes == 0):
        return _param(where + "size", "exactly one of size, qty, valueQty is required")
    order_type = get("type", "limit")
    if order_type == "limit" and "price" not in order:
        return _param(where + "price", "is required for limit orders")
    if "stop" in order:
        if "stopPrice" not in order:
            return _param(where + "stopPrice", "is required when stop is set")
        if "stopPriceType" not in order:
            return _param(where + "stopPriceType", "is required when stop is set")
    if get("postOnly") is True:
        if get("hidden") is True:
            return _param(where + "postOnly", "cannot be combined with hidden")
        if get("iceberg") is True:
            return _param(where + "postOnly", "cannot be combined with iceberg")
        if get("timeInForce") == "IOC":
            return _param(where + "postOnly", "cannot be combined with timeInForce IOC")
    if get("iceberg") is True and "visibleSize" not in order:
        return _param(where + "visibleSize", "is required for iceberg orders")
    remark = get("remark")
    if remark is not None and len(remark) > REMARK_MAX:
        return _param(where + "remark", f"must be at most {REMARK_MAX} characters")
    return None


def validate_cancel(args: Any, *, strict_keys: bool = True) -> Violation | None:
    """Check ``futures.cancel`` args: ``{orderId}`` or ``{clientOid, symbol}`` (§5.4)."""
    if not isinstance(args, dict):
        return _param("args", "must be an object")
    if strict_keys:
        bad = _unknown_keys(args, ("orderId", "clientOid", "symbol"), "futures cancel")
        if bad is not None:
            return bad
    if "orderId" in args:
        oid = args["orderId"]
        if type(oid) is not str or not oid:
            return _param("orderId", "must be a non-empty string")
        sym = args.get("symbol")
        if sym is not None and (type(sym) is not str or not sym):
            return _param("symbol", "must be a non-empty string")
        return None
    if "clientOid" in args:
        coid = args["clientOid"]
        if type(coid) is not str or not coid:
            return _param("clientOid", "must be a non-empty string")
        sym = args.get("symbol")
        if type(sym) is not str or not sym:
            return _param("symbol", "is required when cancelling by clientOid")
        return None
    return _missing("orderId", "clientOid or orderId is required")


def validate_multi_order(args: Any) -> Violation | None:
    """Check the ``futures.multi_order`` envelope: a JSON array of 1-20 orders (§5.5).

    Items are checked one by one with :func:`validate_order`; the gateway answers an
    invalid item inside a successful batch reply, so the envelope check is separate.
    """
    if not isinstance(args, list):
        return _param("args", "must be an array of orders")
    if not args:
        return _param("args", "must contain at least one order")
    if len(args) > MULTI_ORDER_MAX:
        return _param("args", f"must contain at most {MULTI_ORDER_MAX} orders")
    return None


def validate_multi_cancel(args: Any, *, strict_keys: bool = True) -> Violation | None:
    """Check ``futures.multi_cancel`` args (§5.5). ``orderIdsList`` wins over
    ``clientOidsList`` when both are given, as on the gateway."""
    if not isinstance(args, dict):
        return _param("args", "must be an object")
    if strict_keys:
        bad = _unknown_keys(args, ("orderIdsList", "clientOidsList"), "futures batch-cancel")
        if bad is not None:
            return bad
    if "orderIdsList" in args:
        ids = args["orderIdsList"]
        if not isinstance(ids, list) or not ids:
            return _param("orderIdsList", "must be a non-empty array of order ids")
        if len(ids) > MULTI_CANCEL_MAX:
            return _param("orderIdsList", f"must contain at most {MULTI_CANCEL_MAX} ids")
        for i, oid in enumerate(ids):
            if type(oid) is not str or not oid:
                return _param(f"orderIdsList[{i}]", "must be a non-empty string")
        return None
    if "clientOidsList" in args:
        items = args["clientOidsList"]
        if not isinstance(items, list) or not items:
            return _param("clientOidsList", "must be a non-empty array of {symbol, clientOid}")
        if len(items) > MULTI_CANCEL_MAX:
            return _param("clientOidsList", f"must contain at most {MULTI_CANCEL_MAX} items")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                return _param(f"clientOidsList[{i}]", "must be an object {symbol, clientOid}")
            if strict_keys:
                bad = _unknown_keys(item, ("symbol", "clientOid"), "futures batch-cancel item",
                                    f"clientOidsList[{i}].")
                if bad is not None:
                    return bad
            for key in ("symbol", "clientOid"):
                v = item.get(key)
                if type(v) is not str or not v:
                    return _param(f"clientOidsList[{i}].{key}", "must be a non-empty string")
        return None
    return _missing("orderIdsList", "orderIdsList or clientOidsList is required")


# --------------------------------------------------------- spot and margin orders
SPOT_TIME_IN_FORCE: Final = ("GTC", "GTT", "IOC", "FOK")
SPOT_STP_VALUES: Final = ("DC", "CO", "CN", "CB")
#: ``tags`` and ``remark`` of HF orders: at most 20 ASCII characters (spot doc §1.2).
SPOT_TEXT_MAX: Final = 20
SPOT_SIZE_FIELDS: Final = ("size", "funds")
#: ``spot.order``/``spot.sync_order`` args (spot doc §1.2), same kinds as ``ORDER_FIELDS``.
SPOT_ORDER_FIELDS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "clientOid": ("str", ()),
    "side": ("enum", SIDES),
    "symbol": ("str", ()),
    "type": ("enum", ORDER_TYPES),
    "price": ("dec", ()),
    "size": ("dec", ()),
    "funds": ("dec", ()),
    "timeInForce": ("enum", SPOT_TIME_IN_FORCE),
    "cancelAfter": ("int", ()),
    "postOnly": ("bool", ()),
    "hidden": ("bool", ()),
    "iceberg": ("bool", ()),
    "visibleSize": ("dec", ()),
    "stp": ("enum", SPOT_STP_VALUES),
    "tags": ("str", ()),
    "remark": ("str", ()),
    "allowMaxTimeWindow": ("int", ()),
    "clientTimestamp": ("int", ()),
}
#: ``margin.order`` args: the spot body plus three flags (spot doc §1.3). The four
#: spot-only fields SPEC-MARGIN omits stay accepted (its own example sends ``remark``).
MARGIN_ORDER_FIELDS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    **SPOT_ORDER_FIELDS,
    "isIsolated": ("bool", ()),
    "autoBorrow": ("bool", ()),
    "autoRepay": ("bool", ()),
}
SPOT_CANCEL_FIELDS: Final = ("symbol", "orderId", "clientOid")
SPOT_MODIFY_FIELDS: Final = ("symbol", "orderId", "clientOid", "newPrice", "newSize")


#: Arithmetic on bounded amounts, exact whatever the caller's decimal context traps.
_EXACT: Final = Context(prec=2 * DEC_MAX_CHARS, traps=[])


def _decimal_of(value: Any) -> Decimal:
    """A ``dec``-kind value (already checked) as a Decimal."""
    return value if type(value) is Decimal else Decimal(str(value))


def validate_spot_order(order: Any, *, strict_keys: bool = True, margin: bool = False,
                        post_only_ioc_ok: bool = False) -> Violation | None:
    """Check one ``spot.order``/``spot.sync_order`` args object, or with ``margin`` one
    ``margin.order`` (spot doc §1.2, §1.3, §1.7).

    A missing ``symbol``/``side`` (and spot ``type``) is the gateway's parameter check,
    ``400102``; every other rule is ``400100``. Symbol facts (increments, minimum
    sizes) are the emulator's, not these rules'. ``post_only_ioc_ok`` lets ``postOnly``
    ride with IOC/FOK (the emulator's "ignore the flag" mode, open question 4).
    """
    if not isinstance(order, dict):
        return _param("args", "must be an object")
    table = MARGIN_ORDER_FIELDS if margin else SPOT_ORDER_FIELDS
    if strict_keys:
        bad = _unknown_keys(order, table, f"{'margin' if margin else 'spot'} order")
        if bad is not None:
            return bad
    for req in ("symbol", "side") if margin else ("symbol", "side", "type"):
        if req not in order:
            return _missing(req)
    for key, value in order.items():
        spec = table.get(key)
        if spec is None:  # unknown keys are ignored (strict_keys refused them above)
            continue
        bad = _check_kind(key, spec[0], spec[1], value)
        if bad is not None:
            return bad
    coid = order.get("clientOid")
    if coid is None:
        if margin:
            return _param("clientOid", "is required for margin orders")
    elif not CLIENT_OID_RE.match(coid):
        return _param("clientOid", f"must be 1-{CLIENT_OID_MAX} characters of [A-Za-z0-9_-]")
    return _spot_cross_rules(order, post_only_ioc_ok)


def _spot_cross_rules(order: dict[str, Any], post_only_ioc_ok: bool) -> Violation | None:
    get = order.get
    tif = get("timeInForce")
    if get("type", "limit") == "limit":
        if "price" not in order:
            return _param("price", "is required for limit orders")
        if "size" not in order:
            return _param("size", "is required for limit orders")
        if "funds" in order:
            return _param("funds", "is only for market orders")
    else:
        if ("size" in order) == ("funds" in order):
            return _param("size", "exactly one of size, funds is required for market orders")
        if tif is not None and tif != "GTC":
            return _param("timeInForce", "market orders do not support a timeInForce strategy")
        if get("stp") == "DC":
            return _param("stp", "DC is not supported for market orders")
    if get("postOnly") is True and tif in ("IOC", "FOK") and not post_only_ioc_ok:
        return _param("postOnly", "cannot be combined with timeInForce IOC or FOK")
    if "cancelAfter" in order:
        if tif != "GTT":
            return _param("cancelAfter", "applies to timeInForce GTT only")
    elif tif == "GTT":
        return _param("cancelAfter", "is required for timeInForce GTT")
    if get("iceberg") is True:
        if "visibleSize" not in order:
            return _param("visibleSize", "is required for iceberg orders")
        size = get("size")
        if size is not None and _EXACT.multiply(_decimal_of(order["visibleSize"]), 20) \
                < _decimal_of(size):
            return _param("visibleSize", "must be at least 1/20 of size")
    if "allowMaxTimeWindow" in order and "clientTimestamp" not in order:
        return _param("clientTimestamp", "is required with allowMaxTimeWindow")
    for name in ("tags", "remark"):
        text = get(name)
        if text is not None and (len(text) > SPOT_TEXT_MAX or not text.isascii()):
            return _param(name, f"must be at most {SPOT_TEXT_MAX} ASCII characters")
    return None


def _id_fields(args: dict[str, Any], names: tuple[str, ...], strict_keys: bool,
               what: str) -> Violation | None:
    """The shared head of the spot cancel and modify checks: known keys, ``symbol``,
    non-empty string ids, one of orderId/clientOid (orderId wins when both are sent)."""
    if strict_keys:
        bad = _unknown_keys(args, names, what)
        if bad is not None:
            return bad
    if "symbol" not in args:
        return _missing("symbol")
    for name in SPOT_CANCEL_FIELDS:
        if name in args and (type(args[name]) is not str or not args[name]):
            return _param(name, "must be a non-empty string")
    if "orderId" not in args and "clientOid" not in args:
        return _missing("orderId", "clientOid or orderId is required")
    return None


def validate_spot_cancel(args: Any, *, strict_keys: bool = True) -> Violation | None:
    """Check ``spot.cancel``/``spot.sync_cancel``/``margin.cancel`` args:
    ``{symbol, orderId}`` or ``{symbol, clientOid}`` (spot doc §1.4)."""
    if not isinstance(args, dict):
        return _param("args", "must be an object")
    return _id_fields(args, SPOT_CANCEL_FIELDS, strict_keys, "spot cancel")


def validate_spot_modify(args: Any, *, strict_keys: bool = True) -> Violation | None:
    """Check ``spot.modify`` args: ``symbol``, ``orderId`` or ``clientOid``, and
    ``newPrice`` and/or ``newSize`` (spot doc §1.4)."""
    if not isinstance(args, dict):
        return _param("args", "must be an object")
    bad = _id_fields(args, SPOT_MODIFY_FIELDS, strict_keys, "spot modify")
    if bad is not None:
        return bad
    if "newPrice" not in args and "newSize" not in args:
        return _missing("newPrice", "newPrice or newSize is required")
    for name in ("newPrice", "newSize"):
        if name in args:
            bad = _check_kind(name, "dec", (), args[name])
            if bad is not None:
                return bad
    return None


def size_fields_of(op: str) -> tuple[str, ...]:
    """The fields of an order op that say how much: futures ``size``/``qty``/``valueQty``,
    spot and margin ``size``/``funds``."""
    return SIZE_FIELDS if op == OP_ORDER else SPOT_SIZE_FIELDS


def prepared_size_field(op: str, template: Any) -> str | Violation:
    """The size field a prepared ``op`` template varies, or why the template is refused
    (it must be a valid order with exactly one size field)."""
    violation = validate_request(op, template, strict_keys=True)
    if violation is not None:
        return violation
    names = size_fields_of(op)
    size_fields = [name for name in names if name in template]
    if len(size_fields) != 1:
        return _param("size", "a prepared order needs exactly one of " + ", ".join(names))
    return size_fields[0]


def validate_request(op: str, args: Any, *, strict_keys: bool = True) -> Violation | None:
    """Validate ``args`` for a futures, spot or margin ``op``; for ``futures.multi_order``
    the items too (the first bad item is reported with its index, e.g. ``[3].price``)."""
    if op == OP_ORDER:
        return validate_order(args, strict_keys=strict_keys)
    if op == OP_CANCEL:
        return validate_cancel(args, strict_keys=strict_keys)
    if op == OP_MULTI_ORDER:
        bad = validate_multi_order(args)
        if bad is not None:
            return bad
        for i, item in enumerate(args):
            bad = validate_order(item, strict_keys=strict_keys, where=f"[{i}].")
            if bad is not None:
                return bad
        return None
    if op == OP_MULTI_CANCEL:
        return validate_multi_cancel(args, strict_keys=strict_keys)
    if op == OP_SPOT_ORDER or op == OP_SPOT_SYNC_ORDER:
        return validate_spot_order(args, strict_keys=strict_keys)
    if op == OP_MARGIN_ORDER:
        return validate_spot_order(args, strict_keys=strict_keys, margin=True)
    if op == OP_SPOT_CANCEL or op == OP_SPOT_SYNC_CANCEL or op == OP_MARGIN_CANCEL:
        return validate_spot_cancel(args, strict_keys=strict_keys)
    if op == OP_SPOT_MODIFY:
        return validate_spot_modify(args, strict_keys=strict_keys)
    return _param("op", "must be one of " + ", ".join(sorted(FUTURES_OPS | SPOT_OPS | MARGIN_OPS)))


# -------------------------------------------------------------------- contracts
class ContractSpec(NamedTuple):
    """Static contract facts the gateway checks orders against (fixtures: REST
    ``/api/v1/contracts/active``)."""

    symbol: str
    tick_size: Decimal
    lot_size: int
    multiplier: Decimal
    max_order_qty: int
    max_price: Decimal
    is_inverse: bool
    mark_price: Decimal
    #: The currency margin is held and PnL settled in (inverse contracts: the base coin).
    settle_currency: str = "USDT"

    def check_price(self, price: Any) -> bool:
        """True when ``price`` is a positive multiple of the tick size, <= max price."""
        try:
            p = Decimal(str(price))
        except InvalidOperation:
            return False
        return Decimal(0) < p <= self.max_price and (p % self.tick_size) == 0


CONTRACTS: Final[dict[str, ContractSpec]] = {
    c.symbol: c
    for c in (
        ContractSpec("XBTUSDTM", Decimal("0.1"), 1, Decimal("0.001"), 1_000_000,
                     Decimal(1000000), False, Decimal("110205.37")),
        ContractSpec("ETHUSDTM", Decimal("0.01"), 1, Decimal("0.01"), 1_000_000,
                     Decimal(1000000), False, Decimal("4430.34")),
        ContractSpec("ZRXUSDTM", Decimal("0.0001"), 1, Decimal(10), 1_000_000,
                     Decimal(1000000), False, Decimal("0.2376")),
        # Coin-margined (inverse): size in lots only; multiplier -1 as KuCoin lists it.
        ContractSpec("XBTUSDM", Decimal(1), 1, Decimal(-1), 10_000_000,
                     Decimal(10000000), True, Decimal(110210), "XBT"),
    )
}


# ------------------------------------------------------------------ spot symbols
class SpotSymbolSpec(NamedTuple):
    """Static facts of a spot pair (REST ``GET /api/v2/symbols``, spot doc §1.8) and the
    emulator's default spot price."""

    symbol: str
    base_currency: str
    quote_currency: str
    base_min_size: Decimal
    base_increment: Decimal
    base_max_size: Decimal
    quote_min_size: Decimal
    quote_increment: Decimal
    quote_max_size: Decimal
    price_increment: Decimal
    price_limit_rate: Decimal
    min_funds: Decimal
    is_margin_enabled: bool
    price: Decimal


SPOT_SYMBOLS: Final[dict[str, SpotSymbolSpec]] = {
    s.symbol: s
    for s in (
        SpotSymbolSpec("BTC-USDT", "BTC", "USDT", Decimal("0.00001"), Decimal("0.00000001"),
                       Decimal(10000000000), Decimal("0.1"), Decimal("0.000001"),
                       Decimal(99999999), Decimal("0.1"), Decimal("0.1"), Decimal("0.1"), True,
                       Decimal("110205.3")),
        SpotSymbolSpec("ETH-USDT", "ETH", "USDT", Decimal("0.0001"), Decimal("0.0000001"),
                       Decimal(10000000000), Decimal("0.1"), Decimal("0.000001"),
                       Decimal(99999999), Decimal("0.01"), Decimal("0.1"), Decimal("0.1"), True,
                       Decimal("4430.34")),
    )
}
