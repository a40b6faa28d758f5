"""One supervisor for every socket: the WS API connection and the order-event push
stream stop alike on an authentication error and after ``max_attempts``, and report
their states through the same callback in the same order."""
from __future__ import annotations

import asyncio
import time
from typing import Any

from rel_helpers import emulator, eventually, make_client

from kucoin_fast import ConnectionState, ReconnectPolicy
from kucoin_fast.errors import AuthenticationError, KucoinError

WS = "wsApiFuturesV1"
PUSH = "push:futures"
#: What both sockets report from a first connect to the supervisor giving up.
GAVE_UP = [ConnectionState.CONNECTING, ConnectionState.CONNECTED,
           ConnectionState.RECONNECTING, ConnectionState.DISCONNECTED]


def _by_socket(reports: list[tuple[str, str, Any]]) -> dict[str, list[tuple[str, Any]]]:
    out: dict[str, list[tuple[str, Any]]] = {}
    for name, state, error in reports:
        out.setdefault(name, []).append((state, error))
    return out


def test_an_authentication_error_stops_both_kinds_of_socket(client_impl: Any,
                                                            arun: Any) -> None:
    offset = [0.0]
    reports: list[tuple[str, str, Any]] = []

    async def main() -> None:
        async with emulator() as ex:
            client = make_client(
                ex, rest_url=ex.rest_url, clock=lambda: time.time() + offset[0],
                reconnect_policy=ReconnectPolicy(initial=0.02, cap=0.05),
                on_state_change=lambda *report: reports.append(report))
            async with client:
                await client.connect()
                stream = client.order_events(("futures",))
                await stream.start()
                offset[0] = 60.0  # every new signature is now outside the time window
                ex.expire_sessions()
                assert ex.close_push_sessions() == 1
                await eventually(lambda: client.state == ConnectionState.DISCONNECTED
                                 and stream.error is not None, what="both stopped")
                await asyncio.sleep(0.3)  # no attempt after the authentication error
                assert client.reconnect_attempts == 1 and stream.reconnects == 1
                assert isinstance(client.last_error, AuthenticationError)
                assert isinstance(stream.error, AuthenticationError) and stream.closed

    arun(main())
    sockets = _by_socket(reports)
    assert set(sockets) == {WS, PUSH}
    for name in (WS, PUSH):
        assert [state for state, _ in sockets[name]] == GAVE_UP, (name, sockets[name])
        assert [e is None for _, e in sockets[name][:3]] == [True, True, True]
        assert isinstance(sockets[name][3][1], AuthenticationError)


def test_max_attempts_stops_both_kinds_of_socket_alike(client_impl: Any, arun: Any) -> None:
    reports: list[tuple[str, str, Any]] = []

    async def main() -> None:
        policy = ReconnectPolicy(initial=0.02, cap=0.05, max_attempts=3)
        async with emulator() as ex:
            client = make_client(ex, rest_url=ex.rest_url, reconnect_policy=policy,
                                 on_state_change=lambda *report: reports.append(report))
            await client.connect()
            stream = client.order_events(("futures",))
            await stream.start()
        try:  # the emulator is gone: every reconnect attempt fails
            await eventually(lambda: client.state == ConnectionState.DISCONNECTED
                             and stream.error is not None, what="both gave up")
            # The lost connections had not proved themselves: each is failure one of three.
            assert client.reconnect_attempts == 2 and stream.reconnects == 2
            assert stream.closed
        finally:
            await stream.close()
            await client.close()

    arun(main())
    sockets = _by_socket(reports)
    for name in (WS, PUSH):
        assert [state for state, _ in sockets[name]] == GAVE_UP, (name, sockets[name])
        last_error = sockets[name][3][1]
        assert isinstance(last_error, (KucoinError, OSError)), last_error
        assert not isinstance(last_error, AuthenticationError)
