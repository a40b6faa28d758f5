"""URL authentication, challenge/welcome, handshake failures (protocol §1-§3)."""
from __future__ import annotations

import asyncio
import json
import re
import time
from urllib.parse import quote

import pytest
import websockets
from emu_helpers import (
    ACCOUNT,
    KEY,
    PASSPHRASE,
    SECRET,
    closed,
    handshake,
    hsign,
    order,
    recv_json,
    request,
    signed_url,
    with_emu,
)

from kucoin_fast.emulator import Account, Emulator, sign
from kucoin_fast.emulator._auth import parse_query


# ---------------------------------------------------------------- §2.2 vectors
def test_signing_vectors_protocol_2_2() -> None:
    ts = "1742175983882"
    assert KEY + ts == "67b0d1c8e4b0a10001a2b3c41742175983882"
    assert hsign(KEY + ts, SECRET) == "29247O7FGjhbBUN54Y64J4sIw/ZkGh3KHhb0PgjPzfs="
    assert hsign(PASSPHRASE, SECRET) == "O5MWYWd2JVnWrPdYqGnekGzfuVQvIVwLz7Hqjy2ePPc="
    compact = '{"sessionId":"92f2aec4-d87e-47cc-917d-4e7c93911bdc","timestamp":1742175983882}'
    spaced = '{"sessionId":"92f2aec4-d87e-47cc-917d-4e7c93911bdc", "timestamp": 1742175983882}'
    assert hsign(compact, SECRET) == "YlyXaeOLNkRhkySA8tCko4XNIXl+F5Zh1/NHdIuYcT0="
    assert hsign(spaced, SECRET) == "RJ+RnuI2oLJBWseh+pF6rjROH03VL0Aop69RThyzHvE="
    assert hsign(KEY + "1742175983884", SECRET) == "TRxqkx616OOlbvkQKgab4pciVnKpjDDwjYB+FPeuJzU="
    assert hsign("1742175983882MYBROKER" + KEY, "00000000-1111-2222-3333-444444444444") \
        == "K/RGoLb8TcCV2WQ9J8LYrd1cbYNySv3m7mAKu4f9IL8="
    # The emulator's own signer agrees with the independent computation.
    assert sign(compact, SECRET) == hsign(compact, SECRET)


def test_parse_query_decoding() -> None:
    q = parse_query(b"sign=29247O7FGjhbBUN54Y64J4sIw/ZkGh3KHhb0PgjPzfs%3D&a=x%2By&b=x+y")
    assert q["sign"] == "29247O7FGjhbBUN54Y64J4sIw/ZkGh3KHhb0PgjPzfs="
    assert q["a"] == "x+y" and q["b"] == "x+y"
    strict = parse_query(b"a=x%2By&b=x+y", plus_is_space=True)
    assert strict["a"] == "x+y" and strict["b"] == "x y"


def test_account_repr_hides_secrets() -> None:
    text = repr(ACCOUNT) + str(ACCOUNT)
    assert SECRET not in text and PASSPHRASE not in text and KEY in text
    with pytest.raises(ValueError):
        Account("", "s", "p")


# ---------------------------------------------------------------- handshake
def test_challenge_and_welcome_shapes() -> None:
    async def body(ex: Emulator) -> None:
        async with websockets.connect(signed_url(ex.url)) as ws:
            challenge = await asyncio.wait_for(ws.recv(), 2)
            assert isinstance(challenge, str)
            assert re.fullmatch(r'\{"sessionId":"[0-9a-f-]{36}","timestamp":\d{13}\}', challenge)
            ch = json.loads(challenge)
            assert list(ch) == ["sessionId", "timestamp"]
            assert abs(ch["timestamp"] - time.time() * 1000) < 5000
            await ws.send(hsign(challenge, SECRET))
            welcome_raw = await asyncio.wait_for(ws.recv(), 2)
            welcome = json.loads(welcome_raw)
            assert list(welcome) == ["sessionId", "data", "pingInterval", "pingTimeout"]
            assert welcome == {"sessionId": ch["sessionId"], "data": "welcome",
                               "pingInterval": 18000, "pingTimeout": 10000}
            assert " " not in welcome_raw
        assert ex.counters.sessions_authenticated == 1
    with_emu(body)


def test_welcome_timings_configurable() -> None:
    async def body(ex: Emulator) -> None:
        async with websockets.connect(signed_url(ex.url)) as ws:
            _, welcome = await handshake(ws)
            assert welcome["pingInterval"] == 1234 and welcome["pingTimeout"] == 567
    with_emu(body, ping_interval_ms=1234, ping_timeout_ms=567)


def test_spaced_challenge_needs_exact_bytes() -> None:
    async def body(ex: Emulator) -> None:
        ex.faults.spaced_challenge = True
        async with websockets.connect(signed_url(ex.url)) as ws:
            challenge = await asyncio.wait_for(ws.recv(), 2)
            assert isinstance(challenge, str)
            assert re.fullmatch(r'\{"sessionId":"[0-9a-f-]{36}", "timestamp": \d{13}\}',
                                challenge)
            await handshake_with(ws, challenge)
        # A client that re-serialises (compact JSON) fails with 400011.
        async with websockets.connect(signed_url(ex.url)) as ws:
            challenge = await asyncio.wait_for(ws.recv(), 2)
            assert isinstance(challenge, str)
            reser = json.dumps(json.loads(challenge), separators=(",", ":"))
            await ws.send(hsign(reser, SECRET))
            err = await recv_json(ws)
            assert err["code"] == "400011"
            await closed(ws)
    with_emu(body)


async def handshake_with(ws: websockets.asyncio.client.ClientConnection, challenge: str) -> None:
    await ws.send(hsign(challenge, SECRET))
    assert (await recv_json(ws))["data"] == "welcome"


def _c_frame_check(frame: dict[str, object], code: str, msg: str | None = None) -> None:
    assert list(frame) == ["code", "msg", "inTime", "outTime"]
    assert frame["code"] == code
    if msg is not None:
        assert frame["msg"] == msg
    assert isinstance(frame["inTime"], int) and isinstance(frame["outTime"], int)
    assert frame["inTime"] <= frame["outTime"]  # type: ignore[operator]


BROKER_KEY = "00000000-1111-2222-3333-444444444444"


@pytest.mark.parametrize("case,code", [
    ("missing_sign", "400001"),
    ("missing_timestamp", "400001"),
    ("unknown_key", "400003"),
    ("old_timestamp", "400002"),
    ("future_timestamp", "400002"),
    ("bad_sign", "400005"),
    ("bad_passphrase", "400004"),
    ("unknown_partner", "400200"),
    ("bad_partner_sign", "400201"),
])
def test_url_auth_failures(case: str, code: str) -> None:
    async def body(ex: Emulator) -> None:
        now = int(time.time() * 1000)
        kw: dict[str, object] = {}
        if case == "missing_sign":
            kw["drop"] = ("sign",)
        elif case == "missing_timestamp":
            kw["drop"] = ("timestamp",)
        elif case == "unknown_key":
            kw["key"] = "nope"
        elif case == "old_timestamp":
            kw["ts"] = now - 6000
        elif case == "future_timestamp":
            kw["ts"] = now + 6000
        elif case == "bad_sign":
            kw["secret"] = "wrong-secret"
        elif case == "bad_passphrase":
            kw["passphrase"] = "wrong-passphrase"
        elif case == "unknown_partner":
            kw["ts"] = now
            kw["extra"] = {"partner": "OTHER", "partner_sign": "x"}
        elif case == "bad_partner_sign":
            kw["ts"] = now
            kw["extra"] = {"partner": "MYBROKER", "partner_sign": hsign("x", BROKER_KEY)}
        if case == "bad_sign":
            # Only `sign` wrong: passphrase still signed with the right secret.
            url = signed_url(ex.url, ts=now)
            url = re.sub(r"sign=[^&]+", "sign=" + quote(hsign(KEY + str(now), "bad"), safe=""),
                         url, count=1)
        else:
            url = signed_url(ex.url, **kw)  # type: ignore[arg-type]
            if case == "bad_passphrase":
                url = signed_url(ex.url, passphrase="wrong-passphrase")
        async with websockets.connect(url) as ws:
            frame = await recv_json(ws)
            _c_frame_check(frame, code)
            await closed(ws)
            assert ws.close_code == 1008
        assert ex.counters.auth_failures == 1
        assert ex.counters.sessions_authenticated == 0
    with_emu(body, brokers={"MYBROKER": BROKER_KEY})


def test_key_not_exists_text() -> None:
    async def body(ex: Emulator) -> None:
        async with websockets.connect(signed_url(ex.url, key="nope")) as ws:
            _c_frame_check(await recv_json(ws), "400003", "KC-API-KEY not exists.")
    with_emu(body)


def test_partner_sign_accepted() -> None:
    async def body(ex: Emulator) -> None:
        ts = int(time.time() * 1000)
        extra = {"partner": "MYBROKER", "partner_sign": hsign(f"{ts}MYBROKER{KEY}", BROKER_KEY)}
        async with websockets.connect(signed_url(ex.url, ts=ts, extra=extra)) as ws:
            await handshake(ws)
    with_emu(body, brokers={"MYBROKER": BROKER_KEY})


def test_timestamp_window_configurable() -> None:
    async def body(ex: Emulator) -> None:
        ts = int(time.time() * 1000) - 3000
        async with websockets.connect(signed_url(ex.url, ts=ts)) as ws:
            assert (await recv_json(ws))["code"] == "400002"
    with_emu(body, timestamp_window_ms=1000)


def test_raw_slash_and_percent_encoded_slash_both_accepted() -> None:
    async def body(ex: Emulator) -> None:
        ts = 1742175983882
        now_offset_ms = int(time.time() * 1000) - ts
        assert now_offset_ms > 0
        # Find a timestamp near now whose sign contains '/' (most do, quickly).
        t = int(time.time() * 1000)
        while "/" not in hsign(KEY + str(t), SECRET):
            t -= 1
        for enc in (lambda s: quote(s, safe="/"), lambda s: quote(s, safe="")):
            async with websockets.connect(signed_url(ex.url, ts=t, encode=enc)) as ws:
                await handshake(ws)
    with_emu(body)


def test_raw_plus_strict_mode() -> None:
    async def body(ex: Emulator) -> None:
        t = int(time.time() * 1000)
        while "+" not in hsign(KEY + str(t), SECRET):
            t -= 1
        raw_plus = lambda s: quote(s, safe="/+")
        # Lenient default: raw '+' is kept.
        async with websockets.connect(signed_url(ex.url, ts=t, encode=raw_plus)) as ws:
            await handshake(ws)
        ex.config.strict_plus = True
        async with websockets.connect(signed_url(ex.url, ts=t, encode=raw_plus)) as ws:
            assert (await recv_json(ws))["code"] == "400005"
        async with websockets.connect(signed_url(ex.url, ts=t)) as ws:
            await handshake(ws)
    with_emu(body)


def test_wrong_session_signature() -> None:
    async def body(ex: Emulator) -> None:
        async with websockets.connect(signed_url(ex.url)) as ws:
            challenge = await asyncio.wait_for(ws.recv(), 2)
            assert isinstance(challenge, str)
            await ws.send(hsign(challenge, "wrong"))
            frame = await recv_json(ws)
            _c_frame_check(frame, "400011", "Session verification failed.")
            await closed(ws)
    with_emu(body)


def test_json_request_before_auth_is_protocol_error() -> None:
    async def body(ex: Emulator) -> None:
        async with websockets.connect(signed_url(ex.url)) as ws:
            await ws.recv()
            await ws.send(json.dumps({"id": "1", "op": "futures.order", "args": order()}))
            _c_frame_check(await recv_json(ws), "400011")
            await closed(ws)
        assert ex.open_orders() == []
    with_emu(body)


def test_handshake_timeout() -> None:
    async def body(ex: Emulator) -> None:
        async with websockets.connect(signed_url(ex.url)) as ws:
            await ws.recv()
            t0 = time.monotonic()
            frame = await recv_json(ws, timeout=3)
            _c_frame_check(frame, "400012", "Session verification has timed out.")
            assert time.monotonic() - t0 >= 0.15
            await closed(ws)
    with_emu(body, handshake_timeout_s=0.2)


def test_enable_ns_times() -> None:
    async def body(ex: Emulator) -> None:
        async with websockets.connect(signed_url(ex.url, extra={"enable_ns": "true"})) as ws:
            await handshake(ws)
            r = await request(ws, "futures.order", order())
            assert r["code"] == "200000"
            assert r["inTime"] > 10**18 and r["outTime"] >= r["inTime"]
            pong = await request(ws, "ping", None)
            assert pong["timestamp"] > 10**18
        async with websockets.connect(signed_url(ex.url)) as ws:
            await handshake(ws)
            r = await request(ws, "futures.order", order())
            assert 10**12 < r["inTime"] < 10**14
    with_emu(body)


def test_wrong_path_gets_404() -> None:
    async def body(ex: Emulator) -> None:
        with pytest.raises(websockets.exceptions.InvalidStatus) as info:
            async with websockets.connect(signed_url(ex.url.replace("/v1/private", "/v2/x"))):
                pass
        assert info.value.response.status_code == 404
    with_emu(body)


def test_multiple_accounts_are_isolated() -> None:
    other = Account("key-2", "secret-2", "pass-2")

    async def body(ex: Emulator) -> None:
        from emu_helpers import resting
        async with websockets.connect(signed_url(ex.url)) as ws:
            await handshake(ws)
            assert (await request(ws, "futures.order", resting()))["code"] == "200000"
        url = signed_url(ex.url, key="key-2", secret="secret-2", passphrase="pass-2")
        async with websockets.connect(url) as ws:
            await handshake(ws, secret="secret-2")
        assert len(ex.open_orders(ACCOUNT)) == 1
        assert ex.open_orders("key-2") == []
    with_emu(body, accounts=[ACCOUNT, other])


def test_tls_in_process() -> None:
    trustme = pytest.importorskip("trustme")
    import ssl
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)

    async def body(ex: Emulator) -> None:
        assert ex.url.startswith("wss://127.0.0.1:")
        async with websockets.connect(signed_url(ex.url), ssl=client_ctx) as ws:
            await handshake(ws)
            assert (await request(ws, "futures.order", order()))["code"] == "200000"
            await ws.send(json.dumps({"id": "p", "op": "ping"}))
            assert (await recv_json(ws))["op"] == "pong"
    with_emu(body, ssl_context=server_ctx)


def test_no_secrets_in_logs_at_the_lowest_level(caplog: pytest.LogCaptureFixture) -> None:
    """Failure scenario 21: every logger at level 1, a handshake error, a good session."""
    from urllib.parse import parse_qs, urlsplit
    url_holder: list[str] = []

    async def body(ex: Emulator) -> None:
        async with websockets.connect(signed_url(ex.url, secret="bad")) as ws:
            await recv_json(ws)
        url = signed_url(ex.url)
        url_holder.append(url)
        async with websockets.connect(url) as ws:
            challenge = await asyncio.wait_for(ws.recv(), 2)
            assert isinstance(challenge, str)
            await ws.send(hsign(challenge, SECRET))
            await recv_json(ws)
            await request(ws, "futures.order", order())
    with caplog.at_level(1):
        for name in ("picows", "picows.server", "kucoin_fast", "kucoin_fast.emulator"):
            caplog.set_level(1, logger=name)
        with_emu(body)
    # The third-party client logs its own request line; only the emulator side counts.
    ours = [r for r in caplog.records if r.name.startswith(("picows", "kucoin_fast"))]
    text = "\n".join(r.getMessage() for r in ours) + repr(ACCOUNT) + repr(Emulator([ACCOUNT]))
    q = parse_qs(urlsplit(url_holder[0]).query)
    for secret in (SECRET, PASSPHRASE, q["sign"][0], q["passphrase"][0],
                   quote(q["sign"][0], safe=""), quote(q["passphrase"][0], safe="")):
        assert secret not in text
    assert ours  # the capture did see picows/emulator records
