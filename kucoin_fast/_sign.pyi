"""Type stubs for the compiled :mod:`kucoin_fast._sign`."""
from typing import Any

__pyx_capi__: dict[str, Any]

def hmac_sha256_b64(key: bytes, message: bytes) -> bytes: ...
def sign_challenge(secret: bytes, challenge: bytes) -> bytes: ...
def percent_encode(value: str) -> str: ...
def build_signed_query(
    api_key: str,
    api_secret: str,
    api_passphrase: str,
    timestamp_ms: int,
    partner: str | None = ...,
    partner_key: str | None = ...,
    enable_ns: bool = ...,
) -> str: ...
