"""HMAC-SHA256 signing for KuCoin's WS API (protocol §2) and REST API (spot doc §2).

Signing happens once per connection, so this is plain Python: exactness matters, not
speed. The session signature is computed over the challenge frame's *exact* bytes
(never a re-serialisation, protocol §2.1), and base64 values in the URL are fully
percent-encoded (``+`` -> ``%2B``, ``/`` -> ``%2F``, ``=`` -> ``%3D``, §1.3).
"""
from __future__ import annotations

from base64 import b64encode
from hmac import digest as _hmac_digest
from urllib.parse import quote as _quote

__all__ = ["REST_KEY_VERSION", "build_signed_query", "hmac_sha256_b64", "percent_encode",
           "rest_headers", "sign_challenge", "signed_passphrase"]

#: ``KC-API-KEY-VERSION`` sent with REST requests (the passphrase is HMAC-signed).
REST_KEY_VERSION = "2"


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
    passphrase = signed_passphrase(api_secret, api_passphrase)
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


def signed_passphrase(api_secret: str, api_passphrase: str) -> str:
    """``base64(HMAC_SHA256(secret, passphrase))``: the passphrase of v2/v3 keys."""
    return hmac_sha256_b64(api_secret.encode(), api_passphrase.encode()).decode("ascii")


def rest_headers(api_key: str, api_secret: str, api_passphrase: str, timestamp_ms: int,
                 method: str, endpoint: str, body: str = "") -> dict[str, str]:
    """The signed headers of one REST request (spot doc §2.2-§2.3, key version 2).

    ``endpoint`` is the path plus ``?`` and the query *as signed*: un-encoded
    (DOC-AUTH); ``body`` the exact JSON text sent ("" for none). The values carry the
    key, a signature and the signed passphrase: never log them.
    """
    ts = str(timestamp_ms)
    prehash = ts + method.upper() + endpoint + body
    return {
        "KC-API-KEY": api_key,
        "KC-API-SIGN": hmac_sha256_b64(api_secret.encode(), prehash.encode()).decode("ascii"),
        "KC-API-TIMESTAMP": ts,
        "KC-API-PASSPHRASE": signed_passphrase(api_secret, api_passphrase),
        "KC-API-KEY-VERSION": REST_KEY_VERSION,
        "Content-Type": "application/json",
    }
