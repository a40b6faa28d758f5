"""The op registry: op name -> handler, and what the shared prelude needs to know of it.

Adding an op is one handler function decorated with :func:`op` in its family's module
(``_ops/futures.py``, …); a new family module is imported once in ``_ops/__init__``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..._protocol.ops import CONTROL, FUTURES, MARGIN, SPOT
from ..._protocol.ops import OPS as TABLE

if TYPE_CHECKING:
    from .._session import Session
    from .._wire import RateLimit

#: ``handler(session, rid, args, t_in, rl)``: ``rid`` is the request id (a non-empty
#: string), ``args`` the request's ``args`` as decoded (None when absent), ``t_in``
#: the receive time (``time.time_ns``), ``rl`` the userRateLimit triple the prelude
#: granted (None when rate limiting is off, and for ops that are not ``limited``).
#: The handler answers through ``session.reply_ok``/``reply_error``/``emit``.
Handler = Callable[["Session", str, Any, int, "RateLimit | None"], None]



@dataclass(frozen=True)
class OpSpec:
    """One registered op."""

    name: str
    handler: Handler
    #: The product family: "futures", "spot" or "margin"; "control" for keepalive. It
    #: names the book and rate-limit pool the op draws on (spot and margin share the
    #: Spot pool).
    family: str
    #: A trading request: counted, subject to the limits of the prelude (429000,
    #: 429002, id length) and to ``close_after``.
    limited: bool
    #: Rate-limit weight when ``EmulatorConfig.weights`` has no entry for the op.
    weight: int
    #: Most items a batch op takes (None: not a batch).
    batch_max: int | None = None


#: Every op the gateway answers; others get B 400102.
OPS: dict[str, OpSpec] = {}


def op(name: str, *, family: str | None = None, limited: bool = True,
       weight: int | None = None) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``name``. ``family``, ``weight``
    and the batch limit default to the op's row in the op table; an op without a row
    (a control op) names its family and weighs 1 unless told."""
    row = TABLE.get(name)
    if row is not None:
        family = row.family if family is None else family
        weight = row.weight if weight is None else weight
    elif family is None:
        raise ValueError(f"op {name!r} has no row in the op table: pass its family")
    batch_max = None if row is None else row.batch_max

    def register(handler: Handler) -> Handler:
        if name in OPS:
            raise ValueError(f"op {name!r} is registered twice")
        OPS[name] = OpSpec(name, handler, family, limited, 1 if weight is None else weight,
                           batch_max)
        return handler
    return register


__all__ = ["CONTROL", "FUTURES", "MARGIN", "OPS", "SPOT", "Handler", "OpSpec", "op"]
