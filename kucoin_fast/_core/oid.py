"""Client order ids (failure scenario 16): unique, at most 40 characters, ``[A-Za-z0-9_-]``.

``new_client_oid()`` = ``prefix`` + 10 random base-36 characters drawn once per process
(after a fork the child draws its own) + a 12-character, zero-padded hex counter.
Ids of one process therefore never repeat (the counter covers 16**12 ~ 2.8e14 ids) and
sort in creation order; two processes collide only if their 10 random characters do
(36**10 ~ 3.7e15 choices). With a prefix of up to 18 characters the id stays <= 40.
"""
from __future__ import annotations

import itertools
import os
import re
import secrets
from typing import Final

from .._protocol.fields import CLIENT_OID_MAX

__all__ = ["new_client_oid"]

_ALPHABET: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
_PREFIX_MAX: Final = CLIENT_OID_MAX - 22
_PREFIX_RE: Final = re.compile(r"[A-Za-z0-9_-]*")

_session = ""
_counter: itertools.count[int] = itertools.count()


def _reseed() -> None:
    global _session, _counter
    _session = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    _counter = itertools.count()


_reseed()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)


_checked_prefixes: set[str] = {""}


def new_client_oid(prefix: str = "") -> str:
    """A fresh clientOid: ``prefix`` (``[A-Za-z0-9_-]``, <= 18 chars) + 22 characters."""
    if prefix not in _checked_prefixes:
        if len(prefix) > _PREFIX_MAX or not _PREFIX_RE.fullmatch(prefix):
            raise ValueError(
                f"prefix must be at most {_PREFIX_MAX} characters of [A-Za-z0-9_-]")
        if len(_checked_prefixes) < 1024:
            _checked_prefixes.add(prefix)
    return f"{prefix}{_session}{next(_counter):012x}"
