"""Signing against the worked test vectors of protocol §2.2, on both implementations."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest
from kf_helpers import KEY, PASSPHRASE, SECRET

TS = 1742175983882
COMPACT = b'{"sessionId":"92f2aec4-d87e-47cc-917d-4e7c93911bdc","timestamp":1742175983882}'
SPACED = b'{"sessionId":"92f2aec4-d87e-47cc-917d-4e7c93911bdc", "timestamp": 1742175983882}'


def test_url_query_vector(impl: Any) -> None:
    query = impl.sign.build_signed_query(KEY, SECRET, PASSPHRASE, TS)
    assert query == (
        "apikey=67b0d1c8e4b0a10001a2b3c4&timestamp=1742175983882"
        "&sign=29247O7FGjhbBUN54Y64J4sIw%2FZkGh3KHhb0PgjPzfs%3D"
        "&passphrase=O5MWYWd2JVnWrPdYqGnekGzfuVQvIVwLz7Hqjy2ePPc%3D")


def test_plus_is_percent_encoded(impl: Any) -> None:
    query = impl.sign.build_signed_query(KEY, SECRET, PASSPHRASE, 1742175983884)
    assert "sign=TRxqkx616OOlbvkQKgab4pciVnKpjDDwjYB%2BFPeuJzU%3D" in query
    assert "+" not in query
    assert dict(parse_qsl(query))["sign"] == "TRxqkx616OOlbvkQKgab4pciVnKpjDDwjYB+FPeuJzU="


def test_session_signature_is_over_exact_bytes(impl: Any) -> None:
    assert impl.sign.sign_challenge(SECRET.encode(), COMPACT) == \
        b"YlyXaeOLNkRhkySA8tCko4XNIXl+F5Zh1/NHdIuYcT0="
    # The spaced challenge must be signed as received, not re-serialised (§2.1).
    assert impl.sign.sign_challenge(SECRET.encode(), SPACED) == \
        b"RJ+RnuI2oLJBWseh+pF6rjROH03VL0Aop69RThyzHvE="


def test_partner_and_enable_ns(impl: Any) -> None:
    query = impl.sign.build_signed_query(KEY, SECRET, PASSPHRASE, TS, "MYBROKER",
                                         "00000000-1111-2222-3333-444444444444", True)
    params = dict(parse_qsl(query))
    assert params["partner"] == "MYBROKER"
    assert params["partner_sign"] == "K/RGoLb8TcCV2WQ9J8LYrd1cbYNySv3m7mAKu4f9IL8="
    assert params["enable_ns"] == "true"
    assert list(params) == ["apikey", "timestamp", "sign", "passphrase", "partner",
                            "partner_sign", "enable_ns"]


def test_partner_needs_key(impl: Any) -> None:
    import pytest
    with pytest.raises(ValueError):
        impl.sign.build_signed_query(KEY, SECRET, PASSPHRASE, TS, "MYBROKER", None)


# REST signing: the worked examples of spot doc §2.5 (same fake credentials, same timestamp).
REST_VECTORS = [
    ("POST", "/api/v1/hf/orders", ('{"type":"limit","symbol":"BTC-USDT","side":"buy",'
                                   '"price":"50000","size":"0.00001",'
                                   '"clientOid":"5c52e11203aa677f33e493fb"}'),
     "t2dDK0Wg18PLRi03D85q70ydyf9kqMm9k26OsNvsiRo="),
    ("GET", "/api/v1/hf/orders/client-order/5c52e11203aa677f33e493fb?symbol=BTC-USDT", "",
     "OoG6nD/APs3Ak68swu+r01M4RepbqE8OvSPNEHzoE5Q="),
    ("GET", "/api/v3/hf/margin/orders/671667306afcdb000723107f?symbol=BTC-USDT", "",
     "ovaK2r7ezTJNdvABYZ6RjURdM5wL6+plrnhgFGBU7Rg="),
    ("GET", "/api/v1/orders/byClientOid?clientOid=5c52e11203aa677f33e493fb", "",
     "LgSQEKf6w0CGyApT3py2O5AU5XgsDQbKzIkAkjMgycY="),
    ("POST", "/api/v1/bullet-private", "", "enYBtE4aXChbOGfdglGjbTYu7k4XrdOw2+Yqwkc4rJg="),
]


def test_rest_signature_vectors() -> None:
    import pytest

    from kucoin_fast._core import sign as _sign

    for method, endpoint, body, expected in REST_VECTORS:
        headers = _sign.rest_headers(KEY, SECRET, PASSPHRASE, TS, method, endpoint, body)
        assert headers["KC-API-SIGN"] == expected, (method, endpoint)
        assert headers["KC-API-PASSPHRASE"] == "O5MWYWd2JVnWrPdYqGnekGzfuVQvIVwLz7Hqjy2ePPc="
        assert headers["KC-API-KEY-VERSION"] == "2"
        assert headers["KC-API-TIMESTAMP"] == str(TS) and headers["KC-API-KEY"] == KEY
    # The official example (DOC-V1): another secret, a body.
    official = _sign.hmac_sha256_b64(b"f03a5284-5c39-4aaa-9b20-dea10bdcf8e3",
                                     b'1547015186532POST/api/v1/deposit-addresses{"currency":"BTC"}')
    assert official == b"7QP/oM0ykidMdrfNEUmng8eZjg/ZvPafjIqmxiVfYu4="
    with pytest.raises(TypeError):
        _sign.rest_headers(KEY, SECRET, PASSPHRASE, TS, "GET")  # type: ignore[call-arg]


def test_redactor_slot_outlives_attempts() -> None:
    """A push token is blanked for as long as its stream uses it, however many WS
    connect attempts come between; the slot's next value replaces it."""
    import logging

    from kucoin_fast._core.redact import RedactingLogger

    r = RedactingLogger(logging.getLogger("kucoin_fast.test.redact"))
    r.set_slot_secrets("push:1", "tok/en+1abc")
    for i in range(20):
        r.add_attempt_secrets(f"sig-{i:04}-abcdef")
    assert r.redact("a tok/en+1abc b tok%2Fen%2B1abc sig-0019-abcdef sig-0000-abcdef") == \
        "a *** b *** *** sig-0000-abcdef"
    r.set_slot_secrets("push:1", "token-2-abcdef")
    assert r.redact("tok/en+1abc token-2-abcdef") == "tok/en+1abc ***"
    r.set_slot_secrets("push:1")
    assert r.redact("token-2-abcdef") == "token-2-abcdef"


#: Real texts a client logs or raises (a picows upgrade failure, a transport error, a
#: KuCoin error, a traceback line).
REAL_TEXTS = (
    ("ConnectError: cannot connect to ws://127.0.0.1:8765/v1/private: WSInvalidStatusError: "
    "expected upgrade response with status 101 Switching Protocols, but received 503"),
    "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 8765)",
    ("KuCoin error 400005: Signature error. Please check your signature. (op=futures.order, "
    "id=12)"),
    ('Traceback (most recent call last):\n  File "kucoin_fast/_keeping/connector.py", line 300, in '
    "_open\nasyncio.exceptions.TimeoutError"),
    "push futures: no pong within 10s; reconnecting (connection ended: status OK)",
)


@pytest.mark.parametrize("secret", ["K", "S", "P", "a", "status", "error", "Switching",
                                    "connect", "private", "password", "Protocols"])
def test_short_and_word_secrets_never_mangle_text(secret: str) -> None:
    import logging

    from kucoin_fast._core.redact import RedactingLogger

    r = RedactingLogger(logging.getLogger("kucoin_fast.test.redact"))
    r.add_secrets(secret, secret.upper(), secret.lower())
    r.add_attempt_secrets(secret)
    for text in REAL_TEXTS:
        assert r.redact(text) == text


def test_every_secret_form_is_still_redacted() -> None:
    import logging

    from kucoin_fast._core import sign as _sign
    from kucoin_fast._core.redact import RedactingLogger

    r = RedactingLogger(logging.getLogger("kucoin_fast.test.redact"))
    r.add_secrets(KEY, SECRET, PASSPHRASE, "K")  # what the client registers
    query = _sign.build_signed_query("K", SECRET, PASSPHRASE, TS, "broker", "pk", True)
    signed = [v for n, _, v in (p.partition("=") for p in query.split("&"))
              if n in ("sign", "passphrase", "partner_sign")]
    r.add_attempt_secrets(query, *signed)
    url = "wss://wsapi.kucoin.com/v1/private?" + query
    headers = _sign.rest_headers(KEY, SECRET, PASSPHRASE, TS, "GET", "/api/v1/x", "")
    texts = [f"GET {url} HTTP/1.1", f"upgrade failed for {url}: 403",
             repr(headers), str(headers), f"msg echo: {SECRET}", f"({KEY})",
             f"echo {PASSPHRASE}.", *(f"echo '{v}'" for v in signed),
             *(f"echo {unquote(v)}" for v in signed)]
    for text in texts:
        out = r.redact(text)
        for secret in (SECRET, PASSPHRASE, KEY, *signed, *map(unquote, signed),
                       headers["KC-API-SIGN"], headers["KC-API-PASSPHRASE"]):
            assert secret not in out, (secret, out)
        assert "***" in out
    assert r.redact(f"GET {url}").split("timestamp=")[1].startswith(str(TS))
