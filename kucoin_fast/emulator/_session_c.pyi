"""Compiled build of ``_session`` (see _session.py and _session_c.pxd)."""
from ._session import ST_AUTHED as ST_AUTHED
from ._session import ST_AWAIT_SIG as ST_AWAIT_SIG
from ._session import ST_CLOSED as ST_CLOSED
from ._session import ST_CLOSING as ST_CLOSING
from ._session import ST_PRE_CHALLENGE as ST_PRE_CHALLENGE
from ._session import ST_PRE_WELCOME as ST_PRE_WELCOME
from ._session import Session as Session

__all__ = ["ST_AUTHED", "ST_AWAIT_SIG", "ST_CLOSED", "ST_CLOSING", "ST_PRE_CHALLENGE", "ST_PRE_WELCOME",
           "Session"]
