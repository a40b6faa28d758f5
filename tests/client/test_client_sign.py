"""Signing against the worked test vectors of protocol §2.2, on both implementations."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

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

    from kucoin_fast import _sign

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

    from kucoin_fast._redact import RedactingLogger

    r = RedactingLogger(logging.getLogger("kucoin_fast.test.redact"))
    r.set_slot_secrets("push:1", "tok/en+1")
    for i in range(20):
        r.add_attempt_secrets(f"sig-{i}")
    assert r.redact("a tok/en+1 b tok%2Fen%2B1 sig-19 sig-0") == "a *** b *** *** sig-0"
    r.set_slot_secrets("push:1", "token-2")
    assert r.redact("tok/en+1 token-2") == "tok/en+1 ***"
    r.set_slot_secrets("push:1")
    assert r.redact("token-2") == "token-2"
