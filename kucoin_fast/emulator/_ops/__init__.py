"""The ops of the emulated gateway: a registry of handlers and the shared prelude.

The session hands a request to ``OPS[op].handler``; unknown ops get B 400102, trading
ops (``limited``) pass :func:`admit` first and ``close_after`` afterwards, control ops
go straight to their handler. Handlers register themselves with :func:`op` in their
family's module, imported here.
"""
from __future__ import annotations

from . import control, futures, margin, spot
from ._limits import admit
from ._registry import CONTROL, FUTURES, MARGIN, OPS, SPOT, Handler, OpSpec, op

__all__ = ["CONTROL", "FUTURES", "MARGIN", "OPS", "SPOT", "Handler", "OpSpec", "admit",
           "control", "futures", "margin", "op", "spot"]
