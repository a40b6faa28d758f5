"""Connection-URL authentication of the emulated gateway (protocol §1.2-§2, §3.2)."""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, unquote_to_bytes


def sign(message: bytes | str, secret: str) -> str:
    """``base64(HMAC-SHA256(secret, message))``, the one primitive of every KuCoin signature."""
    if isinstance(message, str):
        message = message.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Account:
    """One API key the emulated gateway knows.

    ``uid`` groups keys that share a rate-limit pool and order book (KuCoin limits
    per UID); it defaults to the API key. The secret and passphrase never appear in
    ``repr``.
    """

    api_key: str
    api_secret: str = field(repr=False)
    api_passphrase: str = field(repr=False)
    uid: str | None = None

    def __post_init__(self) -> None:
        if not self.api_key or not self.api_secret or not self.api_passphrase:
            raise ValueError("Account needs a non-empty api_key, api_secret and api_passphrase")

    @property
    def account_id(self) -> str:
        """The rate-limit / order-book identity: ``uid`` or, failing that, the key."""
        return self.uid if self.uid is not None else self.api_key


class AuthError(Exception):
    """A URL-authentication failure: ``code`` is the KuCoin code sent in the C frame."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_query(raw: bytes, *, plus_is_space: bool = False) -> dict[str, str]:
    """Percent-decode an URL query (RFC 3986). A raw ``/`` stays ``/``, so the official
    Python example's ``quote()`` output works. With ``plus_is_space`` a raw ``+``
    decodes to a space (form rules), which surfaces clients that do not encode it."""
    out: dict[str, str] = {}
    if not raw:
        return out
    for part in raw.split(b"&"):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        if plus_is_space:
            key = key.replace(b"+", b" ")
            value = value.replace(b"+", b" ")
        k = unquote_to_bytes(key).decode("utf-8", "replace")
        # First occurrence wins: a duplicated parameter cannot override a signed one.
        if k not in out:
            out[k] = unquote_to_bytes(value).decode("utf-8", "replace")
    return out


def split_target(target: bytes) -> tuple[str, bytes]:
    """Split a request target into (decoded path, raw query bytes)."""
    path, _, query = target.partition(b"?")
    return unquote(path.decode("latin-1")), query


def address(scheme: str, host: str, port: int, path: str = "") -> str:
    """``scheme://host:port/path`` (an IPv6 host in brackets)."""
    host = host if ":" not in host else f"[{host}]"
    return f"{scheme}://{host}:{port}{path}"


def authenticate(
    query: Mapping[str, str],
    accounts: Mapping[str, Account],
    brokers: Mapping[str, str],
    now_ms: int,
    window_ms: int,
) -> Account:
    """Check the URL query of an upgrade request; return the account or raise
    :class:`AuthError` with the code the gateway sends (protocol §3.2).

    Order of checks: missing parameters (400001), unknown key (400003), timestamp
    window (400002), sign (400005), passphrase (400004), partner (400200/400201).
    """
    apikey = query.get("apikey")
    ts = query.get("timestamp")
    signature = query.get("sign")
    passphrase = query.get("passphrase")
    if not apikey or not ts or not signature or not passphrase:
        raise AuthError("400001")
    account = accounts.get(apikey)
    if account is None:
        raise AuthError("400003")
    if not ts.isascii() or not ts.isdigit() or abs(now_ms - int(ts)) > window_ms:
        raise AuthError("400002")
    if not hmac.compare_digest(signature.encode(), sign(apikey + ts, account.api_secret).encode()):
        raise AuthError("400005")
    if not hmac.compare_digest(
        passphrase.encode(), sign(account.api_passphrase, account.api_secret).encode()
    ):
        raise AuthError("400004")
    partner = query.get("partner")
    partner_sign = query.get("partner_sign")
    if partner is not None or partner_sign is not None:
        broker_key = brokers.get(partner or "")
        if broker_key is None:
            raise AuthError("400200")
        expected = sign(ts + (partner or "") + apikey, broker_key)
        if not hmac.compare_digest((partner_sign or "").encode(), expected.encode()):
            raise AuthError("400201")
    return account
