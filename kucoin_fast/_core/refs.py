"""What an encoder records of a request's clientOids (``FrameBuffer.ref``): the lone
clientOid (or None) of a one-clientOid op, else a tuple; and reading it back."""
from __future__ import annotations

from typing import Any

from .._protocol.ops import OIDS_ONE, OPS, client_oids_of


def client_oid_ref(op: str | None, args: Any) -> Any:
    """The ref of a request: its row's clientOid shape says whether it is the lone
    clientOid (or None) or the tuple of them."""
    oids = client_oids_of(op, args)
    row = OPS.get(op) if isinstance(op, str) else None
    if row is not None and row.oids == OIDS_ONE:
        return oids[0] if oids else None
    return oids


def oids_of_ref(ref: Any) -> tuple[str, ...]:
    """The clientOids tuple of an encoder's ``ref`` (see :func:`client_oid_ref`)."""
    if ref is None:
        return ()
    if type(ref) is str:
        return (ref,)
    return tuple(ref)


__all__ = ["client_oid_ref", "oids_of_ref"]
