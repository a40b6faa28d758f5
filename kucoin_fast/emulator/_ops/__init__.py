"""The ops of the emulated gateway: a registry of handlers, and the dispatch to them.

``dispatch`` is all the session knows of ops: unknown ops get B 400102, trading ops
(``limited``) pass the shared prelude (``_limits.admit``) and then ``close_after``,
control ops go straight to their handler. Handlers register themselves with
:func:`_registry.op` in their family's module, imported below.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._rules import ERRORS
from . import control, futures
from ._limits import admit
from ._registry import OPS, OpSpec, op

if TYPE_CHECKING:
    from .._session import Session


def dispatch(session: Session, rid: str, op_name: Any, args: Any, t_in: int) -> None:
    """Answer one request whose id is usable; ``op_name`` is the ``op`` as decoded."""
    spec = OPS.get(op_name) if type(op_name) is str else None
    if spec is None:
        session.reply_error(rid, op_name, "400102", ERRORS["400102"], t_in, None)
    elif spec.limited:
        rl = admit(session, spec, rid, t_in)
        if rl is not False:
            spec.handler(session, rid, args, t_in, rl)
        session.after_request()
    else:
        spec.handler(session, rid, args, t_in, None)


__all__ = ["OPS", "OpSpec", "control", "dispatch", "futures", "op"]
