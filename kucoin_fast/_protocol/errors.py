"""The one exception hierarchy of kucoin_fast, and the KuCoin code -> class table.

Everything the client raises derives from :class:`KucoinError`; :data:`ERROR_CLASSES`
maps KuCoin's codes and :data:`MESSAGE_CLASSES` refines shared spot codes by their text.
Request-level errors carry what reconciliation needs; no error text contains
credentials. The tree and the fields: docs/client.md.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from .codes import ERRORS, SPOT_DUPLICATE_OID_MSG, SPOT_NOT_CANCELABLE_MSG
from .validate import Violation

if TYPE_CHECKING:
    from .results import RateLimit

__all__ = [
    "ERROR_CLASSES",
    "MESSAGE_CLASSES",
    "AuthenticationError",
    "BackpressureError",
    "ClientClosedError",
    "ClockSkewError",
    "ConfigurationError",
    "ConnectError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "DuplicateClientOidError",
    "InsufficientBalanceError",
    "InsufficientMarginError",
    "InvalidOrderError",
    "InvalidParamsError",
    "KucoinAPIError",
    "KucoinError",
    "OrderNotCancelableError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "ServiceShuttingDownError",
    "api_error",
    "handshake_error",
]


class KucoinError(Exception):
    """Base class of every error raised by kucoin_fast."""


class InvalidParamsError(KucoinError, ValueError):
    """Request params broke a protocol rule; nothing was sent.

    The verdict is exactly the one of :func:`kucoin_fast._protocol.ops.validate_request`
    (the emulator answers the same :class:`~kucoin_fast._protocol.validate.Violation` with
    KuCoin's code), so ``code``/``field``/``rule`` match what the gateway would say.
    """

    sent: bool = False
    outcome_unknown: bool = False

    def __init__(self, violation: Violation, op: str | None = None) -> None:
        self.violation: Final = violation
        self.code: Final = violation.code
        self.field: Final = violation.field
        self.rule: Final = violation.rule
        self.op: Final = op
        prefix = f"{op}: " if op else ""
        super().__init__(f"{prefix}{violation.msg} (code {violation.code})")


class ConfigurationError(KucoinError, ValueError):
    """An invalid client option (bad URL, insecure scheme, ``testnet=True``...)."""


class ConnectError(KucoinError):
    """The connection could not be opened or authenticated (not a KuCoin error code).

    Raised to a request that waited for the connection, it is that request's own
    (``op``, ``client_oids``) and nothing was written (``sent`` False)."""

    sent: bool = False
    outcome_unknown: bool = False
    request_id: str | None = None
    op: str | None = None
    ws_key: str | None = None
    client_oids: tuple[str, ...] = ()


class ConnectTimeoutError(ConnectError):
    """Connecting (TCP, TLS, upgrade, challenge, welcome) took longer than allowed."""


class _RequestFailure(KucoinError):
    """Common fields of errors that belong to one request."""

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None = None,
        op: str | None = None,
        ws_key: str | None = None,
        sent: bool = True,
        outcome_unknown: bool = False,
        client_oids: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.op = op
        self.ws_key = ws_key
        self.sent = sent
        self.outcome_unknown = outcome_unknown
        self.client_oids: tuple[str, ...] = tuple(client_oids)


class ConnectionLostError(_RequestFailure):
    """The connection died while the request was pending (or before it was written).

    ``sent=True`` means the frame was handed to the socket: KuCoin may have acted on
    it, so ``outcome_unknown`` is True and the client never re-sends it.
    ``sent=False`` means it was never written: it certainly had no effect.
    """


class ClientClosedError(ConnectionLostError):
    """The client was closed while the request was pending."""


class BackpressureError(ConnectionLostError):
    """The socket's write buffer stayed above its high-water mark: the request was not
    written (``sent=False``). Async calls wait up to ``request_timeout`` for the buffer
    to drain before raising this; the synchronous low-level paths raise it at once."""


class RequestTimeoutError(_RequestFailure):
    """No reply within the request deadline. The outcome is unknown (``outcome_unknown``)."""


class KucoinAPIError(_RequestFailure):
    """KuCoin answered with a code other than ``"200000"``.

    ``code`` and ``msg`` are KuCoin's; ``response`` is the whole reply (a
    :class:`~kucoin_fast.WSAPIResponse`, or None for a handshake error frame).
    The gateway decided, so the outcome is known (``outcome_unknown`` False).
    """

    def __init__(
        self,
        code: str,
        msg: str,
        *,
        response: Any = None,
        request_id: str | None = None,
        op: str | None = None,
        ws_key: str | None = None,
        client_oids: Sequence[str] = (),
        rate_limit: RateLimit | None = None,
        detail: str = "",
    ) -> None:
        where = f" (op={op}, id={request_id})" if op or request_id else ""
        super().__init__(
            f"KuCoin error {code}: {msg}{where}{detail}",
            request_id=request_id,
            op=op,
            ws_key=ws_key,
            sent=True,
            outcome_unknown=False,
            client_oids=client_oids,
        )
        self.code = code
        self.msg = msg
        self.response = response
        self.rate_limit = rate_limit


class AuthenticationError(KucoinAPIError):
    """The gateway refused the credentials or the session signature."""


class ClockSkewError(AuthenticationError):
    """``400002``: the URL timestamp is outside the gateway's window.

    ``clock_offset_ms`` is local time minus the server's (from the error frame's
    ``inTime``), when it could be estimated.
    """

    clock_offset_ms: int | None = None


class RateLimitError(KucoinAPIError):
    """A rate-limit rejection. Order ops are never retried automatically.

    ``reset_ms`` is the time until the window resets, as KuCoin reported it in the
    reply's ``userRateLimit``/``rateLimit`` (None when the reply carried none).
    """

    @property
    def reset_ms(self) -> int | None:
        """Milliseconds until the rate-limit window resets, if KuCoin said."""
        return None if self.rate_limit is None else self.rate_limit.reset


class InvalidOrderError(KucoinAPIError):
    """KuCoin rejected the request's parameters or the order itself."""


class DuplicateClientOidError(InvalidOrderError):
    """``300018``: an active order already uses this clientOid."""


class OrderNotCancelableError(KucoinAPIError):
    """``100004`` (futures), ``400100 order_not_exist_or_not_allow_to_cancel`` (spot),
    ``130103`` (margin): the order is filled, cancelled or unknown."""


class InsufficientMarginError(KucoinAPIError):
    """``300003``/``330008``: not enough balance or margin for the order."""


class InsufficientBalanceError(InsufficientMarginError):
    """Spot and margin: the account's balance does not cover the order (``200004``
    "Balance insufficient!", margin ``130105``/``130203``/``130301``, ``400100
    account.available.amount``). A subclass of :class:`InsufficientMarginError`, so one
    ``except InsufficientMarginError`` catches a short account on every product."""


class ServerError(KucoinAPIError):
    """A 5xxxxx server-side error."""


class ServiceShuttingDownError(ServerError):
    """``501000``: the gateway is going away; reconnect (elsewhere)."""


#: KuCoin code -> exception class. The only place the mapping lives.
ERROR_CLASSES: Final[dict[str, type[KucoinAPIError]]] = {
    **{f"4000{n:02d}": AuthenticationError for n in range(1, 13)},
    "400002": ClockSkewError,
    "400200": AuthenticationError,
    "400201": AuthenticationError,
    "400202": AuthenticationError,
    "411100": AuthenticationError,
    "429000": RateLimitError,
    "429001": RateLimitError,
    "429002": RateLimitError,
    "400100": InvalidOrderError,
    "400101": InvalidOrderError,
    "400102": InvalidOrderError,
    "4001002": InvalidOrderError,
    "100001": InvalidOrderError,
    "100003": InvalidOrderError,
    "200003": InvalidOrderError,
    "300000": InvalidOrderError,
    "300001": InvalidOrderError,
    "300004": InvalidOrderError,
    "330011": InvalidOrderError,
    "300018": DuplicateClientOidError,
    "100004": OrderNotCancelableError,
    "300003": InsufficientMarginError,
    "330008": InsufficientMarginError,
    # spot and margin (spot doc §1.6)
    "200004": InsufficientBalanceError,
    "130105": InsufficientBalanceError,
    "130203": InsufficientBalanceError,
    "130301": InsufficientBalanceError,
    "130103": OrderNotCancelableError,
    "130108": OrderNotCancelableError,
    "900001": InvalidOrderError,
    "400760": InvalidOrderError,
    "400600": InvalidOrderError,
    "200001": InvalidOrderError,
    "200002": InvalidOrderError,
    "500000": ServerError,
    "501000": ServiceShuttingDownError,
    "503000": ServerError,
    "504000": ServerError,
    "505000": ServerError,
}


#: (code, text KuCoin puts in ``msg``) -> a more precise class than the code's: the spot
#: gateway answers several different refusals with the generic ``400100``.
MESSAGE_CLASSES: Final[dict[tuple[str, str], type[KucoinAPIError]]] = {
    ("400100", SPOT_DUPLICATE_OID_MSG): DuplicateClientOidError,
    ("400100", SPOT_NOT_CANCELABLE_MSG): OrderNotCancelableError,
    ("400100", "account.available.amount"): InsufficientBalanceError,
}


def api_error(
    code: str,
    msg: str | None,
    *,
    response: Any = None,
    request_id: str | None = None,
    op: str | None = None,
    ws_key: str | None = None,
    client_oids: Sequence[str] = (),
    rate_limit: RateLimit | None = None,
) -> KucoinAPIError:
    """Build the :class:`KucoinAPIError` subclass for KuCoin's ``code``."""
    cls = ERROR_CLASSES.get(code)
    if cls is None:
        cls = ServerError if code[:1] == "5" else KucoinAPIError
    elif msg is not None:
        for (known, text), refined in MESSAGE_CLASSES.items():
            if known == code and text in msg:
                cls = refined
                break
    text = msg if msg is not None else ERRORS.get(code, "")
    return cls(
        code,
        text,
        response=response,
        request_id=request_id,
        op=op,
        ws_key=ws_key,
        client_oids=client_oids,
        rate_limit=rate_limit,
    )


#: Epoch times above this are not ms (10**14 ms is the year 5138).
_MS_LIMIT: Final = 10**14


def handshake_error(
    code: str, msg: str | None, server_time_ms: int | None, url_timestamp_ms: int
) -> KucoinAPIError:
    """The error for a KuCoin error frame received instead of the challenge/welcome.

    For ``400002`` the local-vs-server clock offset is estimated from the frame's
    ``inTime`` (ms; ns with ``enable_ns``, told apart by size) and named in the message.
    """
    exc = api_error(code, msg)
    if isinstance(exc, ClockSkewError) and server_time_ms and url_timestamp_ms:
        while server_time_ms > _MS_LIMIT:  # ns (or us) since the epoch
            server_time_ms //= 1000
        offset = url_timestamp_ms - server_time_ms
        exc.clock_offset_ms = offset
        side = "ahead of" if offset >= 0 else "behind"
        text = f"{exc.args[0]}; the local clock is about {abs(offset)} ms {side} the server's"
        exc.args = (text,)
    return exc
