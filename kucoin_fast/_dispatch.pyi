"""Type stubs for the compiled :mod:`kucoin_fast._dispatch`."""
import asyncio
import logging
from collections.abc import Callable
from typing import Any

from picows import WSListener
from typing_extensions import disjoint_base

from ._encode import OrderTemplate
from .types import RateLimit

@disjoint_base
class WSAPIResponse:
    id: str
    op: str
    code: str
    msg: Any
    data: Any
    in_time: int | None
    out_time: int | None
    rate_limit: RateLimit | None
    ws_key: str
    def __init__(
        self, id: str, op: str, code: str, msg: Any = ..., data: Any = ...,
        in_time: int | None = ..., out_time: int | None = ...,
        rate_limit: RateLimit | None = ..., ws_key: str = ...,
    ) -> None: ...
    @property
    def ok(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...

@disjoint_base
class Connection(WSListener):
    transport: Any
    ws_key: str
    last_request_id: int
    handshake_done: asyncio.Future[None]
    session_id: Any
    ping_interval: float
    ping_timeout: float
    server_notice: tuple[str, Any] | None
    replies: int
    late_replies: int
    unknown_replies: int
    duplicate_replies: int
    malformed_frames: int
    unsolicited_errors: int
    pongs: int
    lost_client_oids: tuple[str, ...]
    lost_requests: int
    write_paused: bool
    on_write_resumed: Callable[[Any], None] | None
    on_notice: Callable[[Any, str, Any], None] | None
    def __init__(
        self, loop: asyncio.AbstractEventLoop, *, ws_key: str, secret: bytes,
        request_timeout: float, url_timestamp_ms: int = ...,
        on_lost: Callable[[Any, Any], None] | None = ..., logger: logging.Logger | None = ...,
        ping_interval: float | None = ..., ping_timeout: float | None = ...,
        coalesce_writes: bool = ...,
    ) -> None: ...
    @property
    def state(self) -> str: ...
    @property
    def is_ready(self) -> bool: ...
    @property
    def pending_count(self) -> int: ...
    @property
    def lost_reason(self) -> str | None: ...
    def stats(self) -> dict[str, int]: ...
    def request(self, op: str, args: Any) -> asyncio.Future[WSAPIResponse]: ...
    async def call(self, op: str, args: Any) -> WSAPIResponse: ...
    def request_with_callback(self, op: str, args: Any, callback: Callable[[Any], None]) -> int: ...
    def send_prepared(
        self, template: OrderTemplate, price: Any, size: Any, client_oid: Any,
        callback: Callable[[Any], None],
    ) -> int: ...
    def forget(self, request_id: int) -> None: ...
    def close(self) -> None: ...
    def abort(self, reason: str) -> None: ...
    def pause_writing(self) -> None: ...
    def resume_writing(self) -> None: ...
