"""A hostile gateway against the client, over real loopback sockets (both builds, both
loops): keepalive values out of range, fragmented messages, oversized frames, RSV bits,
invalid UTF-8, a reply with another op, a peer that pings without reading, JSON the two
scanners must agree on, and secrets echoed back in texts and ids."""
from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from hostile_gateway import OP_PING, HostileGateway, Session, frame
from rel_helpers import KEY, PASSPHRASE, SECRET, eventually, make_client, market

from kucoin_fast import (
    ConnectionLostError,
    KucoinAPIError,
    KucoinError,
    RequestTimeoutError,
)
from kucoin_fast._core.sign import sign_challenge

Script = Callable[[Session], Awaitable[None]]


def _conn(client: Any) -> Any:
    return client.connection()


async def _one_reply(script: Script, **options: Any) -> tuple[Any, HostileGateway, Any, bool]:
    """Connect, send one market order, let ``script`` answer it; returns (the order's
    result or error, the gateway, the client's connection, whether it was still ready
    50 ms after the result)."""
    async with HostileGateway(script) as gw:
        client = make_client(url=gw.url, allow_insecure_ws=True, auto_reconnect=False,
                             **options)
        async with client:
            await client.wait_connected()
            conn = _conn(client)
            try:
                result: Any = await client.submit_futures_order(market("h-1"))
            except KucoinError as exc:
                result = exc
            await asyncio.sleep(0.05)
            return result, gw, conn, conn.is_ready


# ------------------------------------------------------------------- keepalive
def test_welcome_keepalive_values_are_clamped(client_impl: Any, arun: Any,
                                              caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        welcome = {"pingInterval": 10**12, "pingTimeout": 10**12}
        async with HostileGateway(welcome=welcome) as gw:
            client = make_client(url=gw.url, allow_insecure_ws=True)
            async with client:
                await client.wait_connected()
                conn = _conn(client)
                assert (conn.ping_interval, conn.ping_timeout) == (60.0, 60.0)
    caplog.set_level(logging.WARNING, logger="kucoin_fast")
    arun(main())
    said = [r.getMessage() for r in caplog.records if "pingInterval" in r.getMessage()]
    assert len(said) == 1 and "1000000000000" in said[0], said


def test_welcome_1ms_ping_interval_does_not_flood(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with HostileGateway(welcome={"pingInterval": 1, "pingTimeout": 1}) as gw:
            client = make_client(url=gw.url, allow_insecure_ws=True)
            async with client:
                await client.wait_connected()
                conn = _conn(client)
                assert (conn.ping_interval, conn.ping_timeout) == (0.1, 1.0)
                await asyncio.sleep(0.5)
                assert gw.sessions[0].pings <= 6
                assert client.is_connected
    arun(main())


# ---------------------------------------------------------------- fragmentation
@pytest.mark.parametrize("parts,ping", [(2, False), (3, True), (8, True)])
def test_fragmented_reply_is_delivered(client_impl: Any, arun: Any, parts: int,
                                       ping: bool) -> None:
    async def script(session: Session) -> None:
        request = await session.request()
        between = frame(OP_PING, b"between") if ping else b""
        session.send_fragmented(session.reply(request), parts, between)
        await session.request()  # the pongs arrive in the meantime

    async def main() -> None:
        result, gw, conn, ready = await _one_reply(script)
        assert not isinstance(result, Exception), result
        assert result.data == {"orderId": "o-1", "clientOid": "h-1"}
        assert conn.stats()["malformed_frames"] == 0 and ready
        assert gw.sessions[0].pongs == ([b"between"] * (parts - 1) if ping else [])
    arun(main())


def test_utf8_sequence_cut_by_fragments_is_delivered(client_impl: Any, arun: Any) -> None:
    async def script(session: Session) -> None:
        request = await session.request()
        payload = session.reply(request, code="400100", msg="XX").replace(
            b'"XX"', '"\u00e9\u00e9"'.encode())
        cut = payload.index(b"\xc3") + 1  # inside the first 2-byte sequence
        session.send(frame(0x1, payload[:cut], fin=False) + frame(0x0, payload[cut:]))
        await session.request()

    async def main() -> None:
        result, _, _, ready = await _one_reply(script)
        assert isinstance(result, KucoinAPIError) and result.msg == "\u00e9\u00e9", result
        assert ready
    arun(main())


def test_fragmented_handshake(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        async with HostileGateway(handshake_fragments=3) as gw:
            client = make_client(url=gw.url, allow_insecure_ws=True)
            async with client:
                result = await client.submit_futures_order(market("h-2"))
                assert result.ok
                session = gw.sessions[0]
                assert session.signature == sign_challenge(SECRET.encode(), session.challenge)
    arun(main())


# --------------------------------------------------- protocol failures of a frame
async def _fails_connection(script: Script, close_code: int, **options: Any) -> None:
    codes: list[int | None] = []

    async def wrapped(session: Session) -> None:
        await script(session)
        codes.append(await session.close_code())

    result, _, _, ready = await _one_reply(wrapped, **options)
    assert isinstance(result, ConnectionLostError), result
    assert result.sent and result.outcome_unknown and result.client_oids == ("h-1",)
    assert not ready
    await eventually(lambda: codes, 5.0, "the gateway saw the close")
    assert codes == [close_code], codes


def _reply_frame(**kw: Any) -> Script:
    async def script(session: Session) -> None:
        session.send(frame(0x1, session.reply(await session.request()), **kw))
    return script


def test_oversized_reply_fails_the_connection(client_impl: Any, arun: Any) -> None:
    async def script(session: Session) -> None:
        request = await session.request()
        session.send_text(session.reply(request, data={"pad": "x" * 100_000}))
    arun(_fails_connection(script, 1009, max_frame_size=64 * 1024))


def test_oversized_fragmented_reply_fails_the_connection(client_impl: Any, arun: Any) -> None:
    async def script(session: Session) -> None:
        request = await session.request()
        session.send_fragmented(session.reply(request, data={"pad": "x" * 100_000}), 4)
    arun(_fails_connection(script, 1009, max_frame_size=64 * 1024))


def test_rsv_bits_fail_the_connection(client_impl: Any, arun: Any) -> None:
    arun(_fails_connection(_reply_frame(rsv=4), 1002))


def test_invalid_utf8_fails_the_connection(client_impl: Any, arun: Any) -> None:
    async def script(session: Session) -> None:
        request = await session.request()
        session.send(frame(0x1, session.reply(request, code="400100", msg="x").replace(
            b'"x"', b'"\xff\xfe"')))
    arun(_fails_connection(script, 1007))


def test_invalid_utf8_across_fragments_fails_the_connection(client_impl: Any,
                                                             arun: Any) -> None:
    async def script(session: Session) -> None:
        request = await session.request()
        payload = session.reply(request, code="400100", msg="XX").replace(
            b'"XX"', '"\u00e9\u00e9"'.encode())
        cut = payload.index(b"\xc3") + 1  # inside the first 2-byte sequence
        session.send(frame(0x1, payload[:cut], fin=False) + frame(0x0, b"\xff", fin=False)
                     + frame(0x0, payload[cut:]))
    arun(_fails_connection(script, 1007))


def test_stray_continuation_fails_the_connection(client_impl: Any, arun: Any) -> None:
    async def script(session: Session) -> None:
        request = await session.request()
        session.send(frame(0x0, session.reply(request)))
    arun(_fails_connection(script, 1002))


def test_new_message_inside_a_fragmented_one_fails_the_connection(client_impl: Any,
                                                                  arun: Any) -> None:
    async def script(session: Session) -> None:
        request = await session.request()
        payload = session.reply(request)
        session.send(frame(0x1, payload[:10], fin=False) + frame(0x1, payload))
    arun(_fails_connection(script, 1002))


# -------------------------------------------------------------- reply with another op
def test_reply_with_another_op_is_not_trusted(client_impl: Any, arun: Any) -> None:
    async def script(session: Session) -> None:
        request = await session.request()
        session.send_text(session.reply(dict(request, op="futures.cancel")))
        await session.request()

    async def main() -> None:
        result, _, conn, ready = await _one_reply(script, request_timeout=0.5)
        assert isinstance(result, RequestTimeoutError), result
        assert result.outcome_unknown and result.client_oids == ("h-1",)
        assert conn.stats()["malformed_frames"] == 1 and ready
    arun(main())


# ------------------------------------------------- pings from a peer that never reads
def test_pongs_do_not_pile_up_while_the_peer_does_not_read(client_impl: Any,
                                                           arun: Any) -> None:
    pings = 200_000  # 25 MiB of pongs: more than the kernel's socket buffers take
    last = b"%0125d" % (pings - 1)

    async def main() -> None:
        flooded = asyncio.get_running_loop().create_future()
        release = asyncio.get_running_loop().create_future()

        async def script(session: Session) -> None:
            # Never reads: its StreamReader stops reading once its buffer is full.
            for i in range(pings):
                session.send(frame(OP_PING, b"%0125d" % i))
                if i % 1000 == 0:
                    await session.writer.drain()
            await session.writer.drain()
            flooded.set_result(None)
            await release

        async with HostileGateway(script) as gw:
            client = make_client(url=gw.url, allow_insecure_ws=True)
            async with client:
                await asyncio.wait_for(flooded, 60)
                await asyncio.sleep(0.2)
                conn = _conn(client)
                buffered = conn.transport.underlying_transport.get_write_buffer_size()
                assert conn.write_paused and buffered < 1 << 20, buffered
                # The peer reads again: the latest ping is answered once the buffer drains.
                session = gw.sessions[0]
                while (await asyncio.wait_for(session.recv(), 30))[1] != last:
                    pass
                assert not conn.write_paused and client.is_connected
                release.set_result(None)
    arun(main(), timeout=120)


# ---------------------------------------------- JSON both scanners must deliver alike
@pytest.mark.parametrize("body", [
    b'"msg":"\\ud800 lone","data":{"big":18446744073709551616,"huge":1e400}',
    b'"msg":"x","data":[-9223372036854775809, "\\udc00"]',
])
def test_valid_json_the_compiled_parser_refuses_is_delivered(client_impl: Any, arun: Any,
                                                             body: bytes) -> None:
    async def script(session: Session) -> None:
        request = await session.request()
        session.send_text(b'{"id":"%s","op":"futures.order","code":"200000",%s}'
                          % (request["id"].encode(), body))
        await session.request()

    async def main() -> None:
        result, _, conn, ready = await _one_reply(script, request_timeout=2.0)
        assert not isinstance(result, Exception), result
        expected = json.loads(b"{" + body + b"}")
        assert result.msg == expected["msg"]
        assert repr(result.data) == repr(expected["data"])
        assert conn.stats()["malformed_frames"] == 0 and ready
    arun(main())


# ------------------------------------------------------------------------ secrets
PARTNER, PARTNER_KEY = "partner-x", "partner-key-0123456789"
_FORMS = ["sign", "passphrase", "partner_sign", "session", "apikey", "raw_passphrase"]


def _secret(session: Session, form: str) -> str:
    if form == "session":
        return session.signature.decode()
    if form == "raw_passphrase":
        return PASSPHRASE
    return session.query[form]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        self.texts.append(text)


@pytest.fixture
def all_logs() -> Iterator[_Records]:
    handler = _Records()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _exception_texts(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc)),
            repr(getattr(exc, "response", None)), repr(getattr(exc, "msg", None)),
            repr(getattr(exc, "code", None))]


def _assert_hidden(secrets: list[str], texts: list[str]) -> None:
    assert all(secrets), secrets
    for text in texts:
        for secret in secrets:
            assert secret not in text, (secret, text[:300])


@pytest.mark.parametrize("form", _FORMS)
def test_secrets_echoed_in_a_handshake_error_are_redacted(client_impl: Any, arun: Any,
                                                          form: str,
                                                          all_logs: _Records) -> None:
    seen: list[str] = []

    def welcome(session: Session) -> dict[str, Any]:
        seen.append(_secret(session, form))
        return {"code": "400003", "msg": f"KC-API-KEY not exists: {seen[-1]}"}

    async def main() -> None:
        async with HostileGateway(welcome=welcome) as gw:
            client = make_client(url=gw.url, allow_insecure_ws=True, auto_reconnect=False,
                                 partner=PARTNER, partner_key=PARTNER_KEY)
            try:
                with pytest.raises(KucoinAPIError) as info:
                    await client.connect()
            finally:
                await client.close()
            assert "KC-API-KEY not exists" in str(info.value)
            _assert_hidden(seen, _exception_texts(info.value))
    arun(main())
    _assert_hidden(seen, all_logs.texts)


@pytest.mark.parametrize("form", _FORMS)
def test_secrets_echoed_in_replies_are_redacted(client_impl: Any, arun: Any, form: str,
                                                all_logs: _Records) -> None:
    seen: list[str] = []

    async def script(session: Session) -> None:
        secret = _secret(session, form)
        seen.append(secret)
        request = await session.request()
        session.send_text({"id": secret, "op": "futures.order", "code": "200000"})
        session.send_text({"code": secret, "msg": f"notice {secret}"})
        session.send_text(session.reply(request, code="400100", msg=f"bad sign {secret}"))
        await session.request()

    async def main() -> None:
        result, _, conn, _ = await _one_reply(script, partner=PARTNER, partner_key=PARTNER_KEY)
        assert isinstance(result, KucoinAPIError), result
        assert "bad sign" in str(result)
        assert conn.stats()["unknown_replies"] == 1
        _assert_hidden(seen, _exception_texts(result) + [repr(conn.server_notice)])
    arun(main())
    assert any("reply to no pending request" in t for t in all_logs.texts)
    _assert_hidden(seen, all_logs.texts)


def test_secret_forms_differ(client_impl: Any, arun: Any) -> None:
    """The forms above are six different strings (the test names what it checks)."""
    async def main() -> None:
        async with HostileGateway() as gw:
            client = make_client(url=gw.url, allow_insecure_ws=True, partner=PARTNER,
                                 partner_key=PARTNER_KEY)
            async with client:
                await client.wait_connected()
                forms = {_secret(gw.sessions[0], form) for form in _FORMS}
                assert len(forms) == len(_FORMS) and KEY in forms
    arun(main())


def test_handshake_error_text_is_kept(client_impl: Any, arun: Any) -> None:
    async def main() -> None:
        welcome = {"code": "400003", "msg": "KC-API-KEY not exists."}
        async with HostileGateway(welcome=welcome) as gw:
            client = make_client(url=gw.url, allow_insecure_ws=True, auto_reconnect=False)
            try:
                with pytest.raises(KucoinAPIError) as info:
                    await client.connect()
            finally:
                await client.close()
            assert info.value.msg == "KC-API-KEY not exists."
    arun(main())
