"""The order-field tables (name -> kind, choices), the numeric and text bounds, and the
wire text of amounts."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

#: A field table: field name -> (kind, enum choices). Kinds: "str" plain string, "enum"
#: string from the choices, "dec" positive decimal (string, or a JSON number), "int"
#: positive integer (int, or an all-digit string), "bool" JSON boolean.
FieldTable = dict[str, tuple[str, tuple[str, ...]]]

CLIENT_OID_MAX: Final = 40
REMARK_MAX: Final = 100

# ------------------------------------------------------------------ futures orders
SIDES: Final = ("buy", "sell")
ORDER_TYPES: Final = ("limit", "market")
MARGIN_MODES: Final = ("ISOLATED", "CROSS")
POSITION_SIDES: Final = ("BOTH", "LONG", "SHORT")
TIME_IN_FORCE: Final = ("GTC", "IOC", "RPI")
STOP_DIRECTIONS: Final = ("down", "up")
STOP_PRICE_TYPES: Final = ("TP", "MP", "IP")
STP_VALUES: Final = ("CN", "CO", "CB")

ORDER_FIELDS: Final[FieldTable] = {
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

# ------------------------------------------------------------------ numeric bounds
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
#: An "int" field's values are below this.
INT_LIMIT: Final = 10**INT_MAX_DIGITS
#: The encoders write no int of more than DEC_MAX_CHARS digits, in any field.
JSON_INT_LIMIT: Final = 10**DEC_MAX_CHARS


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


def significant_digits(text: str) -> int:
    """Significant digits of a float's repr (``1.5e-05`` -> 2, ``100.0`` -> 1)."""
    return len(text.partition("e")[0].replace(".", "").strip("0"))


def float_text(value: float) -> str | None:
    """The wire text of a positive finite float in a "dec" field (its repr), or None when
    the float breaks :data:`FLOAT_MAX_DIGITS` or :data:`DEC_MAX_CHARS`."""
    text = float.__repr__(value)
    if significant_digits(text) > FLOAT_MAX_DIGITS \
            or plain_length(Decimal(text)) > DEC_MAX_CHARS:
        return None
    return text


def decimal_text(value: Decimal) -> str:
    """The exact wire text of a ``Decimal`` amount: all its digits, never an exponent."""
    return format(value, "f")


# --------------------------------------------------------- spot and margin orders
SPOT_TIME_IN_FORCE: Final = ("GTC", "GTT", "IOC", "FOK")
SPOT_STP_VALUES: Final = ("DC", "CO", "CN", "CB")
#: ``tags`` and ``remark`` of HF orders: at most 20 ASCII characters (spot doc §1.2).
SPOT_TEXT_MAX: Final = 20
SPOT_SIZE_FIELDS: Final = ("size", "funds")
#: ``spot.order``/``spot.sync_order`` args (spot doc §1.2), same kinds as ``ORDER_FIELDS``.
SPOT_ORDER_FIELDS: Final[FieldTable] = {
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
MARGIN_ORDER_FIELDS: Final[FieldTable] = {
    **SPOT_ORDER_FIELDS,
    "isIsolated": ("bool", ()),
    "autoBorrow": ("bool", ()),
    "autoRepay": ("bool", ()),
}
SPOT_CANCEL_FIELDS: Final = ("symbol", "orderId", "clientOid")
SPOT_MODIFY_FIELDS: Final = ("symbol", "orderId", "clientOid", "newPrice", "newSize")
