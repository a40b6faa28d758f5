"""The validators of request args: ``None`` or the first :class:`Violation` in KuCoin's
checklist order (protocol §11.6); they never raise for bad input."""
from __future__ import annotations

import difflib
import math
import re
from decimal import Context, Decimal
from typing import Any, Final, NamedTuple

from .fields import (
    CLIENT_OID_MAX,
    CLIENT_OID_RE,
    DEC_MAX_CHARS,
    FLOAT_MAX_DIGITS,
    INT_LIMIT,
    INT_MAX_DIGITS,
    JSON_INT_LIMIT,
    MARGIN_ORDER_FIELDS,
    ORDER_FIELDS,
    REMARK_MAX,
    SPOT_CANCEL_FIELDS,
    SPOT_MODIFY_FIELDS,
    SPOT_ORDER_FIELDS,
    SPOT_TEXT_MAX,
    float_text,
    plain_length,
    significant_digits,
)
from .specs import MULTI_CANCEL_MAX, MULTI_ORDER_MAX

__all__ = ["Violation", "validate_cancel", "validate_margin_order",
           "validate_multi_cancel", "validate_multi_order", "validate_order",
           "validate_order_batch", "validate_spot_cancel", "validate_spot_modify",
           "validate_spot_order"]

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


def _check_int(field: str, value: Any) -> Violation | None:
    if type(value) is int:
        if value <= 0:
            return _param(field, _INT_RULE)
        if value >= INT_LIMIT:
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
            if significant_digits(text) > FLOAT_MAX_DIGITS:
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


def validate_order_batch(args: Any, *, strict_keys: bool = True) -> Violation | None:
    """Check ``futures.multi_order`` args: the envelope, then each order (the first bad
    item is reported with its index, e.g. ``[3].price``)."""
    bad = validate_multi_order(args)
    if bad is not None:
        return bad
    for i, item in enumerate(args):
        bad = validate_order(item, strict_keys=strict_keys, where=f"[{i}].")
        if bad is not None:
            return bad
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


def validate_margin_order(args: Any, *, strict_keys: bool = True) -> Violation | None:
    """Check ``margin.order`` args (:func:`validate_spot_order` with ``margin``)."""
    return validate_spot_order(args, strict_keys=strict_keys, margin=True)


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
