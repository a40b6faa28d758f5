"""HMAC-SHA256 signing for KuCoin's WS API (protocol §2) and REST API.

Signing happens once per connection, so this is plain Python: exactness matters, not
speed. The session signature is computed over the challenge frame's *exact* bytes
(never a re-serialisation, protocol §2.1), and base64 values in the URL are fully
percent-encoded (``+`` -> ``%2B``, ``/`` -> ``%2F``, ``=`` -> ``%3D``, §1.3).
"""
from __future__ import annotations

from base64 import b64encode
from hmac import digest as _hmac_digest
from urllib.parse import quote as _quote

__all__ = ["build_signed_query", "hmac_sha256_b64", "percent_encode", "sign_challenge"]


def hmac_sha256_b64(key: bytes, message: bytes) -> bytes:
    """``base64(HMAC_SHA256(key, message))`` as ASCII bytes."""
    return b64encode(_hmac_digest(key, message, "sha256"))


def sign_challenge(secret: bytes, challenge: bytes) -> bytes:
    """The session signature: HMAC of the challenge frame exactly as received."""
    return hmac_sha256_b64(secret, challenge)


def percent_encode(value: str) -> str:
    """Percent-encode everything but RFC 3986 unreserved characters."""
    return _quote(value, safe="")


def build_signed_query(
    api_key: str,
    api_secret: str,
    api_passphrase: str,
    timestamp_ms: int,
    partner: str | None = None,
    partner_key: str | None = None,
    enable_ns: bool = False,
) -> str:
    """The signed query string (without ``?``) for the connection URL (protocol §1.2).

    Order: ``apikey, timestamp, sign, passphrase[, partner, partner_sign][, enable_ns]``
    (the official examples' order; the gateway does not care). The result carries
    values derived from the secret: never log it.
    """
    secret = api_secret.encode()
    ts = str(timestamp_ms)
    sign = hmac_sha256_b64(secret, (api_key + ts).encode()).decode("ascii")
    passphrase = hmac_sha256_b64(secret, api_passphrase.encode()).decode("ascii")
    parts = [
        "apikey=" + percent_encode(api_key),
        "timestamp=" + ts,
        "sign=" + percent_encode(sign),
        "passphrase=" + percent_encode(passphrase),
    ]
    if partner is not None:
        if partner_key is None:
            raise ValueError("partner requires partner_key")
        partner_sign = hmac_sha256_b64(partner_key.encode(), (ts + partner + api_key).encode())
        parts.append("partner=" + percent_encode(partner))
        parts.append("partner_sign=" + percent_encode(partner_sign.decode("ascii")))
    if enable_ns:
        parts.append("enable_ns=true")
    return "&".join(parts)
