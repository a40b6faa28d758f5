"""The redacting logger: what the client hands to picows, and uses for any text that
may carry a secret (a transport error, a traceback, a gateway's error text).

picows logs the upgrade request (the signed URL: key, signature, signed passphrase) at
its debug level, and tracebacks on errors. :meth:`RedactingLogger.redact` blanks secrets
by form (the values of secret query parameters and header or JSON fields) and registered
secrets as whole tokens; the rules are in ``docs/client.md`` ("Redaction").
"""
from __future__ import annotations

import logging
import re
import sys
import traceback
from typing import Any, Final
from urllib.parse import quote, unquote

_REDACTED: Final = "***"
#: A registered secret is searched in free text only when it is this long, or at least
#: ``_MIN_MIXED`` long with a character other than a letter: a shorter one (a one-letter
#: test key, a word) would blank ordinary text, and is only blanked by form.
_MIN_PLAIN: Final = 12
_MIN_MIXED: Final = 8
#: Values secret by their place: query parameters and header / JSON fields.
_BY_FORM: Final = re.compile(
    r"(?i)(?P<key>(?<![A-Za-z0-9_-])(?:apikey|sign|passphrase|partner_sign|token|"
    r"signature|secret|api_secret|api_passphrase|kc-api-key|kc-api-sign|kc-api-passphrase|"
    r"kc-api-partner-sign)[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<value>[^\s&\"',;}\])]+?)(?=[.!?:]?(?:[\s&\"',;}\])]|$))")
#: Characters that continue a token: a secret is only blanked where none touches it.
_TOKEN_EDGE: Final = "A-Za-z0-9"


def _searchable(secret: str) -> bool:
    return len(secret) >= _MIN_PLAIN or (len(secret) >= _MIN_MIXED
                                         and not secret.isalpha())


class RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Logger handed to picows: formats each record itself and blanks every secret
    (picows logs the upgrade request, i.e. the signed URL, at its debug level, and
    tracebacks on errors). Secrets are registered per connection attempt."""

    #: Per-attempt secrets (the signed query, its signatures; the session signature
    #: is registered as an attempt of its own) kept for this many attempts.
    _ATTEMPTS_KEPT = 16

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(logger, {})
        self._static: list[str] = []
        self._attempts: list[list[str]] = []
        self._slots: dict[str, list[str]] = {}
        self._secrets: list[str] = []
        self._pattern: re.Pattern[str] | None = None

    @staticmethod
    def _forms(values: tuple[str, ...]) -> list[str]:
        # A value, percent-encoded (two ways), and decoded (a query's values are
        # registered encoded; a gateway may echo them either way).
        return [form for value in values
                for form in (value, quote(value, safe=""), quote(value), unquote(value))
                if form]

    def _rebuild(self) -> None:
        merged = set(self._static)
        for attempt in (*self._attempts, *self._slots.values()):
            merged.update(attempt)
        self._secrets = sorted((s for s in merged if _searchable(s)), key=len, reverse=True)
        self._pattern = re.compile(
            f"(?<![{_TOKEN_EDGE}])(?:{'|'.join(map(re.escape, self._secrets))})"
            f"(?![{_TOKEN_EDGE}])") if self._secrets else None

    def add_secrets(self, *values: str) -> None:
        """Blank these strings (and their percent-encoded forms) for good."""
        self._static.extend(self._forms(values))
        self._rebuild()

    def add_attempt_secrets(self, *values: str) -> None:
        """Blank the secrets of one connection attempt (the last few attempts are kept)."""
        self._attempts.append(self._forms(values))
        del self._attempts[:-self._ATTEMPTS_KEPT]
        self._rebuild()

    def set_slot_secrets(self, slot: str, *values: str) -> None:
        """Blank these strings for as long as ``slot`` holds them: the next call for the
        same slot replaces them (a push stream's current token, however many WS
        attempts come between); ``values`` empty frees the slot."""
        if values:
            self._slots[slot] = self._forms(values)
        else:
            self._slots.pop(slot, None)
        self._rebuild()

    def redact(self, text: str) -> str:
        """``text`` with secret values blanked (``***``): those of secret fields and
        parameters, and every registered secret standing as a whole token."""
        text = _BY_FORM.sub(lambda m: m.group("key") + _REDACTED, text)
        pattern = self._pattern
        return text if pattern is None else pattern.sub(_REDACTED, text)

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        exc_info = kwargs.pop("exc_info", None)
        if exc_info:
            info = sys.exc_info() if exc_info is True else exc_info
            if isinstance(info, BaseException):
                info = (type(info), info, info.__traceback__)
            if isinstance(info, tuple) and info[0] is not None:
                text += "\n" + "".join(traceback.format_exception(*info))
        kwargs.pop("stack_info", None)
        self.logger.log(level, "%s", self.redact(text), **kwargs)


__all__ = ["RedactingLogger"]
