"""The small interface every benchmark client implements, plus shared correlation code.

A client provides four coroutines: :meth:`BenchClient.connect` (including KuCoin's
handshake), :meth:`~BenchClient.order` (one ``futures.order`` round trip),
:meth:`~BenchClient.multi_order` (one ``futures.multi_order`` round trip) and
:meth:`~BenchClient.close`. The measurement loops :meth:`~BenchClient.run_sequential`
and :meth:`~BenchClient.run_pipelined` have awaitable defaults built on ``order``;
callback-driven clients (the floor, kucoin_fast's low-level path) override them so no
coroutine or future sits on their hot path.
"""
from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Callable
from time import perf_counter_ns
from typing import Any, ClassVar

from .._kucoin import SUCCESS, Credentials, Workload

#: Opt-in client modes the suite knows how to request: ``busy_poll`` (spin on the socket
#: instead of sleeping in the loop's poll) and ``coalesce_writes`` (one socket write per
#: loop iteration instead of one per frame).
KNOWN_OPTIONS: tuple[str, ...] = ("busy_poll", "coalesce_writes")


class ClientUnavailable(RuntimeError):
    """The client cannot run here (missing package or API); the message goes in the table."""


class BenchClient(abc.ABC):
    """One way of talking to the KuCoin WS API gateway, driven by the benchmark worker."""

    #: Short stable name (the module name).
    name: ClassVar[str]
    #: One line for the table / README: what the client does per request.
    description: ClassVar[str]
    #: Opt-in modes this client implements (:data:`KNOWN_OPTIONS`); each becomes an extra
    #: table row ``<name>+<option>`` when the suite runs with ``--option``.
    supported_options: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, url: str, creds: Credentials, workload: Workload,
                 options: frozenset[str] = frozenset()) -> None:
        unsupported = options - self.supported_options
        if unsupported:
            raise ClientUnavailable(f"{self.name} has no {', '.join(sorted(unsupported))} mode")
        self.url = url
        self.creds = creds
        self.workload = workload
        self.options = options

    @classmethod
    def check_available(cls) -> None:
        """Raise :class:`ClientUnavailable` if this client cannot run (default: it can)."""

    @classmethod
    def note(cls) -> str:
        """A caveat for the table about the build being measured (default: none)."""
        return ""

    @abc.abstractmethod
    async def connect(self) -> None:
        """Open the socket and finish the handshake (challenge signed, welcome received)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the connection."""

    @abc.abstractmethod
    async def order(self, i: int) -> bool:
        """Send order ``i`` of the workload and wait for its response; True on code 200000."""

    @abc.abstractmethod
    async def multi_order(self, i: int, size: int) -> bool:
        """Send batch ``i`` of ``size`` orders; True if the frame and every item succeeded."""

    async def run_sequential(self, start: int, n: int, latencies_ns: list[int]) -> int:
        """Orders ``start..start+n-1`` one at a time; append each round trip; return errors."""
        errors = 0
        order = self.order
        append = latencies_ns.append
        for i in range(start, start + n):
            t0 = perf_counter_ns()
            ok = await order(i)
            append(perf_counter_ns() - t0)
            if not ok:
                errors += 1
        return errors

    async def run_batches(self, start: int, n: int, size: int, latencies_ns: list[int]) -> int:
        """Batches ``start..start+n-1`` of ``size`` orders, one at a time; return errors."""
        errors = 0
        multi_order = self.multi_order
        append = latencies_ns.append
        for i in range(start, start + n):
            t0 = perf_counter_ns()
            ok = await multi_order(i, size)
            append(perf_counter_ns() - t0)
            if not ok:
                errors += 1
        return errors

    async def run_pipelined(self, start: int, n: int, depth: int) -> int:
        """Orders ``start..start+n-1`` with ``depth`` in flight (``depth`` tasks awaiting
        one order each, as an asyncio user would); return the number of errors."""
        numbers = iter(range(start, start + n))
        order = self.order

        async def worker() -> int:
            errors = 0
            for i in numbers:  # shared iterator: no await between next() calls
                if not await order(i):
                    errors += 1
            return errors

        return sum(await asyncio.gather(*(worker() for _ in range(depth))))


def batch_ok(msg: dict[str, Any]) -> bool:
    """True when a ``futures.multi_order`` response and all its items succeeded."""
    data = msg.get("data")
    return (
        msg.get("code") == SUCCESS
        and isinstance(data, list)
        and all(item.get("code") == SUCCESS for item in data)
    )


class FutureClient(BenchClient):
    """The textbook asyncio client: ``id -> asyncio.Future`` table, JSON dicts both ways.

    Subclasses provide the transport: :meth:`_send` (sync or returning an awaitable) and
    a receive path that calls :meth:`_on_message` with each decoded response.
    """

    def __init__(self, url: str, creds: Credentials, workload: Workload,
                 options: frozenset[str] = frozenset()) -> None:
        super().__init__(url, creds, workload, options)
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._next_id = 0

    @abc.abstractmethod
    def _send(self, request: dict[str, Any]) -> Awaitable[Any] | None:
        """Encode and send one request object."""

    async def _request(self, op: str, args: Any) -> dict[str, Any]:
        self._next_id += 1
        rid = str(self._next_id)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        pending_send = self._send({"id": rid, "op": op, "args": args})
        if pending_send is not None:
            await pending_send
        return await fut

    def _on_message(self, msg: dict[str, Any]) -> None:
        fut = self._pending.pop(msg.get("id"), None)  # type: ignore[arg-type]
        if fut is not None and not fut.done():
            fut.set_result(msg)

    def _fail_pending(self, exc: BaseException) -> None:
        pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(exc)

    async def order(self, i: int) -> bool:
        msg = await self._request("futures.order", self.workload.order(i))
        return msg.get("code") == SUCCESS

    async def multi_order(self, i: int, size: int) -> bool:
        return batch_ok(await self._request("futures.multi_order", self.workload.batch(i, size)))


class CallbackDriver:
    """Closed-loop driver for callback-completion clients: keeps ``depth`` requests in
    flight and sends the next one from inside the completion callback, so no coroutine,
    task or future sits between a response and the next request.

    ``send(i)`` sends request ``i``; the client's response callback calls
    :meth:`completed`. The round trip is timed from just before ``send`` (frame building
    included, as for the awaitable clients) to the start of :meth:`completed`.
    """

    __slots__ = ("_send", "done", "end", "errors", "latencies", "next", "outstanding", "sent_at")

    def __init__(self, send: Callable[[int], None]) -> None:
        self._send = send
        self.done: asyncio.Future[None] | None = None
        self.next = self.end = self.outstanding = self.errors = self.sent_at = 0
        self.latencies: list[int] | None = None

    async def run(self, start: int, n: int, depth: int, latencies: list[int] | None) -> int:
        """Requests ``start..start+n-1``, ``depth`` in flight; return the error count.
        ``latencies`` (sequential runs, ``depth`` 1) receives each round trip in ns."""
        self.done = asyncio.get_running_loop().create_future()
        self.next, self.end, self.latencies, self.errors = start, start + n, latencies, 0
        for _ in range(min(depth, n)):
            self._send_next()
        await self.done
        return self.errors

    def _send_next(self) -> None:
        i = self.next
        self.next = i + 1
        self.outstanding += 1
        self.sent_at = perf_counter_ns()
        self._send(i)

    def completed(self, ok: bool) -> None:
        """One response arrived (``ok``: it was the expected success)."""
        now = perf_counter_ns()
        self.outstanding -= 1
        if not ok:
            self.errors += 1
        if self.latencies is not None:
            self.latencies.append(now - self.sent_at)
        if self.next < self.end:
            self._send_next()
        elif not self.outstanding and self.done is not None and not self.done.done():
            self.done.set_result(None)

    def fail(self, exc: BaseException) -> None:
        """The connection died: end the current run with ``exc``."""
        if self.done is not None and not self.done.done():
            self.done.set_exception(exc)


class CallbackClient(BenchClient):
    """Base of clients whose hot path is a :class:`CallbackDriver` (the floor and
    kucoin_fast's low-level path): subclasses set ``self.driver`` in ``connect``."""

    driver: CallbackDriver

    async def order(self, i: int) -> bool:
        return not await self.driver.run(i, 1, 1, None)

    async def run_sequential(self, start: int, n: int, latencies_ns: list[int]) -> int:
        return await self.driver.run(start, n, 1, latencies_ns)

    async def run_pipelined(self, start: int, n: int, depth: int) -> int:
        return await self.driver.run(start, n, depth, None)
