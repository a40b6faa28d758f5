"""The ops of the emulated gateway: a registry of handlers and the shared prelude.

The session hands a request to ``OPS[op].handler``; unknown ops get B 400102, trading
ops (``limited``) pass :func:`admit` first and ``close_after`` afterwards, control ops
go straight to their handler. Handlers register themselves with :func:`op` in their
family's module, imported here.
"""
from __future__ import annotations

from . import control, futures
from ._limits import admit
from ._registry import CONTROL, FUTURES, OPS, Handler, OpSpec, op

__all__ = ["CONTROL", "FUTURES", "OPS", "Handler", "OpSpec", "admit", "control", "futures", "op"]
