"""KuCoin WS API handshake and workload helpers shared by every baseline client.

The baselines sign with nothing but ``hmac``/``hashlib``/``base64`` (protocol §2) so
they do not lean on kucoin_fast's compiled signer; kucoin_fast clients use their own.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
import urllib.parse
from typing import Any, NamedTuple

#: Fake credentials of the protocol doc's test vector (§2.2); the emulator is told to accept them.
DEFAULT_API_KEY = "67b0d1c8e4b0a10001a2b3c4"
DEFAULT_API_SECRET = "b7a8f3e2-1c4d-4e5f-9a8b-7c6d5e4f3a2b"
DEFAULT_PASSPHRASE = "my-passphrase"

SYMBOL = "XBTUSDTM"
#: The ``spot`` mode's order: 0.001 BTC-USDT at market (spot.order).
SPOT_SYMBOL = "BTC-USDT"
SPOT_SIZE = "0.001"
SUCCESS = "200000"


class Credentials(NamedTuple):
    """API key, secret and (plain) passphrase."""

    api_key: str = DEFAULT_API_KEY
    api_secret: str = DEFAULT_API_SECRET
    passphrase: str = DEFAULT_PASSPHRASE


class HandshakeError(RuntimeError):
    """The gateway answered the handshake with an error frame instead of challenge/welcome."""


def hmac_b64(secret: str, message: bytes | str) -> str:
    """``base64(HMAC_SHA256(secret, message))``, standard alphabet with padding."""
    if isinstance(message, str):
        message = message.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def signed_url(base_url: str, creds: Credentials, timestamp_ms: int | None = None) -> str:
    """The connection URL with ``apikey``, ``timestamp``, ``sign`` and signed ``passphrase`` (§1.2)."""
    ts = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    query = urllib.parse.urlencode(
        {
            "apikey": creds.api_key,
            "timestamp": ts,
            "sign": hmac_b64(creds.api_secret, creds.api_key + ts),
            "passphrase": hmac_b64(creds.api_secret, creds.passphrase),
        },
        quote_via=urllib.parse.quote,
        safe="",
    )
    return f"{base_url}?{query}"


def challenge_reply(challenge: bytes | str, creds: Credentials) -> str:
    """The bare base64 signature of the challenge frame's exact bytes (§2.1, §3)."""
    if isinstance(challenge, str):
        challenge = challenge.encode()
    if b'"sessionId"' not in challenge or b'"code"' in challenge:
        raise HandshakeError(f"expected a challenge frame, got {challenge[:200]!r}")
    return hmac_b64(creds.api_secret, challenge)


def check_welcome(frame: bytes | str) -> None:
    """Raise :class:`HandshakeError` unless ``frame`` is the welcome frame (§3)."""
    if isinstance(frame, str):
        frame = frame.encode()
    if b'"welcome"' not in frame:
        raise HandshakeError(f"expected the welcome frame, got {frame[:200]!r}")


class Workload:
    """The one order stream every client sends: market orders of 1 lot on XBTUSDTM.

    Sides alternate buy/sell so the emulator's position stays flat (no margin drift over a
    long run). ``clientOid`` = a per-process random prefix + the request number, so ids
    never repeat across processes talking to one long-lived emulator.
    """

    def __init__(self) -> None:
        self.prefix = "b" + os.urandom(6).hex()

    def client_oid(self, i: int) -> str:
        """The unique clientOid of request ``i``."""
        return f"{self.prefix}{i}"

    def order(self, i: int) -> dict[str, Any]:
        """A fresh order dict for request ``i``, as a user would build it."""
        return {
            "clientOid": f"{self.prefix}{i}",
            "side": "buy" if i & 1 else "sell",
            "symbol": SYMBOL,
            "type": "market",
            "size": 1,
            "leverage": 10,
        }

    def spot_order(self, i: int) -> dict[str, Any]:
        """The ``spot`` mode's order ``i``: a ``spot.order`` market order, sides alternating
        so the emulator's spot balances stay flat."""
        return {
            "clientOid": f"{self.prefix}{i}",
            "side": "buy" if i & 1 else "sell",
            "symbol": SPOT_SYMBOL,
            "type": "market",
            "size": SPOT_SIZE,
        }

    def batch(self, i: int, size: int) -> list[dict[str, Any]]:
        """``size`` orders for ``futures.multi_order`` request ``i`` (an even size keeps it flat)."""
        return [
            {
                "clientOid": f"{self.prefix}m{i}_{k}",
                "side": "buy" if k & 1 else "sell",
                "symbol": SYMBOL,
                "type": "market",
                "size": 1,
                "leverage": 10,
            }
            for k in range(size)
        ]
