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
import ssl
from collections.abc import Awaitable, Callable
from time import perf_counter_ns
from typing import Any, ClassVar

from .._kucoin import SUCCESS, Credentials, Workload

#: Client modes the suite knows how to request, as extra table rows ``<client>+<name>``:
#: name -> (``WebsocketAPIClient`` keyword, value). ``busy_poll``: spin on the socket
#: instead of sleeping in the loop's poll; ``coalesce_writes``: always defer writes to the
#: end of the loop iteration (one socket write per iteration); ``no_coalesce``: one socket
#: write per frame. The headline rows pass none of them (the client's defaults).
KNOWN_OPTIONS: dict[str, tuple[str, Any]] = {
    "busy_poll": ("busy_poll", True),
    "coalesce_writes": ("coalesce_writes", True),
    "no_coalesce": ("coalesce_writes", False),
}
#: Modes that change what is sent, not how (rows ``<client>+<mode>`` like the options):
#: ``spot`` sends the workload's ``spot.order`` market orders instead of ``futures.order``
#: (batches stay ``futures.multi_order``: spot has no batch op).
WORKLOAD_MODES: dict[str, str] = {
    "spot": "spot.order market orders of 0.001 BTC-USDT instead of futures.order",
}


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
                 options: frozenset[str] = frozenset(),
                 ssl_context: ssl.SSLContext | None = None) -> None:
        unsupported = options - self.supported_options
        if unsupported:
            raise ClientUnavailable(f"{self.name} has no {', '.join(sorted(unsupported))} mode")
        self.url = url
        self.creds = creds
        self.workload = workload
        self.options = options
        #: The ``spot`` workload mode: single orders are ``spot.order``.
        self.spot = "spot" in options
        #: Trust for ``wss://`` gateways (the TLS profile's run-time CA); None for ``ws://``.
        self.ssl_context = ssl_context

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

    async def run_pipelined(self, start: int, n: int, depth: int,
                            latencies_ns: list[int] | None = None) -> int:
        """Orders ``start..start+n-1`` with ``depth`` in flight (``depth`` tasks awaiting
        one order each, as an asyncio user would); return the number of errors. With
        ``latencies_ns``, each request's send -> reply time is appended to it."""
        numbers = iter(range(start, start + n))
        order = self.order

        async def worker() -> int:
            errors = 0
            for i in numbers:  # shared iterator: no await between next() calls
                if not await order(i):
                    errors += 1
            return errors

        async def timed_worker(append: Callable[[int], None]) -> int:
            errors = 0
            for i in numbers:
                t0 = perf_counter_ns()
                if not await order(i):
                    errors += 1
                append(perf_counter_ns() - t0)
            return errors

        if latencies_ns is None:
            workers = [worker() for _ in range(depth)]
        else:
            workers = [timed_worker(latencies_ns.append) for _ in range(depth)]
        return sum(await asyncio.gather(*workers))


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
    a receive path that calls :meth:`_on_message` with each decoded response. Every such
    client has the ``spot`` workload mode.
    """

    supported_options: ClassVar[frozenset[str]] = frozenset({"spot"})

    def __init__(self, url: str, creds: Credentials, workload: Workload,
                 options: frozenset[str] = frozenset(),
                 ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(url, creds, workload, options, ssl_context)
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
        if self.spot:
            msg = await self._request("spot.order", self.workload.spot_order(i))
        else:
            msg = await self._request("futures.order", self.workload.order(i))
        return msg.get("code") == SUCCESS

    async def multi_order(self, i: int, size: int) -> bool:
        return batch_ok(await self._request("futures.multi_order", self.workload.batch(i, size)))


class CallbackDriver:
    """Closed-loop driver for callback-completion clients: keeps ``depth`` requests in
    flight and sends the next one from inside the completion callback, so no coroutine,
    task or future sits between a response and the next request.

    ``send(i)`` sends request ``i``; the client's response callback calls
    :meth:`completed`. A round trip is timed from just before ``send`` (frame building
    included, as for the awaitable clients) to the start of :meth:`completed`: with one
    request in flight from one timestamp; with many (pipelined latency) from a timestamp
    per request number, so the callback must then name the request it completes.
    """

    __slots__ = ("_send", "done", "end", "errors", "latencies", "next", "outstanding",
                 "sent_at", "sent_ns", "start")

    def __init__(self, send: Callable[[int], None]) -> None:
        self._send = send
        self.done: asyncio.Future[None] | None = None
        self.start = self.next = self.end = self.outstanding = self.errors = self.sent_at = 0
        self.latencies: list[int] | None = None
        #: Send time per request number (offset ``start``) while timing pipelined requests.
        self.sent_ns: list[int] | None = None

    async def run(self, start: int, n: int, depth: int, latencies: list[int] | None) -> int:
        """Requests ``start..start+n-1``, ``depth`` in flight; return the error count.
        ``latencies`` receives each round trip in ns (``depth`` > 1: the client passes
        the request number to :meth:`completed`)."""
        self.done = asyncio.get_running_loop().create_future()
        self.start = self.next = start
        self.end, self.latencies, self.errors = start + n, latencies, 0
        self.sent_ns = [0] * n if latencies is not None and depth > 1 else None
        for _ in range(min(depth, n)):
            self._send_next()
        await self.done
        return self.errors

    def _send_next(self) -> None:
        i = self.next
        self.next = i + 1
        self.outstanding += 1
        sent_ns = self.sent_ns
        if sent_ns is None:
            self.sent_at = perf_counter_ns()
        else:
            sent_ns[i - self.start] = perf_counter_ns()
        self._send(i)

    def completed(self, ok: bool, i: int = -1) -> None:
        """One response arrived (``ok``: it was the expected success); ``i``: the number
        of the request it answers (needed only when timing pipelined requests)."""
        now = perf_counter_ns()
        self.outstanding -= 1
        if not ok:
            self.errors += 1
        latencies = self.latencies
        if latencies is not None:
            sent_ns = self.sent_ns
            if sent_ns is None:
                latencies.append(now - self.sent_at)
            elif self.start <= i < self.end:
                latencies.append(now - sent_ns[i - self.start])
        if self.next < self.end:
            self._send_next()
        elif not self.outstanding and self.done is not None and not self.done.done():
            self.done.set_result(None)

    def stop(self) -> None:
        """Send nothing more: the current run ends once the requests in flight are answered."""
        self.end = self.next
        if not self.outstanding and self.done is not None and not self.done.done():
            self.done.set_result(None)

    @property
    def answered(self) -> int:
        """Requests of the current run answered so far."""
        return self.next - self.start - self.outstanding

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

    async def run_pipelined(self, start: int, n: int, depth: int,
                            latencies_ns: list[int] | None = None) -> int:
        return await self.driver.run(start, n, depth, latencies_ns)
