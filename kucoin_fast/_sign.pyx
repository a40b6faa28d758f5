# cython: language_level=3, autotestdict=False, auto_pickle=False
"""HMAC-SHA256 signing for KuCoin's WS API (protocol §2).

Signing happens once per connection, so this module is about exactness rather than
speed: the session signature is computed over the challenge frame's *exact* bytes
(never a re-serialisation, protocol §2.1), and base64 values in the URL are fully
percent-encoded (``+`` -> ``%2B``, ``/`` -> ``%2F``, ``=`` -> ``%3D``, §1.3).
Pure-Python twin: :mod:`kucoin_fast._reference`.
"""
from binascii import b2a_base64
from hmac import digest as _hmac_digest
from urllib.parse import quote as _quote


cpdef bytes hmac_sha256_b64(bytes key, bytes message):
    """``base64(HMAC_SHA256(key, message))`` as ASCII bytes (standard alphabet, padded)."""
    return b2a_base64(_hmac_digest(key, message, "sha256"), newline=False)


cpdef bytes sign_challenge(bytes secret, bytes challenge):
    """The session signature: HMAC of the challenge frame exactly as received."""
    return hmac_sha256_b64(secret, challenge)


cpdef str percent_encode(str value):
    """Percent-encode everything but RFC 3986 unreserved characters."""
    return _quote(value, safe="")


cpdef str build_signed_query(str api_key, str api_secret, str api_passphrase,
                             long long timestamp_ms, str partner=None, str partner_key=None,
                             bint enable_ns=False):
    """The signed query string (without ``?``) for the connection URL (protocol §1.2).

    Order: ``apikey, timestamp, sign, passphrase[, partner, partner_sign][, enable_ns]``
    (the official examples' order; the gateway does not care). The result carries
    secrets-derived values: never log it.
    """
    cdef bytes secret = api_secret.encode()
    cdef str ts = str(timestamp_ms)
    cdef str sign = hmac_sha256_b64(secret, (api_key + ts).encode()).decode("ascii")
    cdef str passphrase = hmac_sha256_b64(secret, api_passphrase.encode()).decode("ascii")
    cdef list parts = [
        "apikey=" + percent_encode(api_key),
        "timestamp=" + ts,
        "sign=" + percent_encode(sign),
        "passphrase=" + percent_encode(passphrase),
    ]
    if partner is not None:
        if partner_key is None:
            raise ValueError("partner requires partner_key")
        parts.append("partner=" + percent_encode(partner))
        parts.append("partner_sign=" + percent_encode(hmac_sha256_b64(
            partner_key.encode(), (ts + partner + api_key).encode()).decode("ascii")))
    if enable_ns:
        parts.append("enable_ns=true")
    return "&".join(parts)
