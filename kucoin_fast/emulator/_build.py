"""The emulator's build: the compiled account state, session and fast path, or the
pure-Python modules under ``KUCOIN_FAST_NO_EXTENSIONS``."""
from __future__ import annotations

from types import ModuleType
from typing import Final

from .._env import NO_EXTENSIONS, load_compiled
from . import _account, _session

_accounts: Final = _account if NO_EXTENSIONS else load_compiled(f"{__package__}._account_c")
_sessions: Final = _session if NO_EXTENSIONS else load_compiled(f"{__package__}._session_c")

AccountState: Final[type[_account.AccountState]] = _accounts.AccountState
IdGen: Final[type[_account.IdGen]] = _accounts.IdGen
Session: Final[type[_session.Session]] = _sessions.Session
#: The compiled fast path (``_fastpath``), or None in the pure-Python build.
FAST: Final[ModuleType | None] = None if NO_EXTENSIONS else \
    load_compiled(f"{__package__}._fastpath")

__all__ = ["FAST", "AccountState", "IdGen", "Session"]
