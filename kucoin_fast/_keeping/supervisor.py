"""The one supervisor of every socket the library opens: connect attempts under the
backoff and rate cap, reconnects after a loss (stopped by an authentication error or
``max_attempts``), state reports, and the watched background tasks."""
from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from picows import WSError

from .._core.redact import RedactingLogger
from .._protocol.errors import AuthenticationError, ConnectError, ConnectionLostError, KucoinError
from .._protocol.results import ConnectionState
from .policy import Backoff, ReconnectPolicy

__all__ = ["RETRYABLE", "StateReport", "Supervisor", "WatchedTasks", "observe"]

T = TypeVar("T")
#: ``(name, state, error)`` after every state change of a supervised socket.
StateReport = Callable[[str, str, "BaseException | None"], None]
#: Errors of one connect attempt that the next attempt may not meet.
RETRYABLE = (KucoinError, OSError, WSError, asyncio.TimeoutError)


def observe(task: asyncio.Future[Any]) -> None:
    """Mark ``task``'s error retrieved (its callers get the error their own way)."""
    if not task.cancelled():
        task.exception()


class WatchedTasks:
    """Background tasks none of which ends unobserved: an exception is logged (redacted)
    and handed to ``on_failure(error, name)``."""

    def __init__(self, logger: logging.Logger, redactor: RedactingLogger,
                 on_failure: Callable[[BaseException, str | None], None]) -> None:
        self._logger = logger
        self._redactor = redactor
        self._on_failure = on_failure
        self.tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        """Tasks still running."""
        return len(self.tasks)

    def spawn(self, coro: Coroutine[Any, Any, T], name: str | None = None) -> asyncio.Task[T]:
        """Run ``coro`` in a watched task; ``name``: what it serves (for the report)."""
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(lambda t: self._done(t, name))
        return task

    def _done(self, task: asyncio.Task[Any], name: str | None) -> None:
        self.tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self._logger.error("background task for %s failed (state -> disconnected):\n%s",
                           name or "the client", self._redactor.redact(text))
        self._on_failure(exc, name)

    async def join(self, cancel: bool = False) -> None:
        """Wait for every task (cancelling them first with ``cancel``)."""
        if cancel:
            for task in self.tasks:
                task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)


class Supervisor:
    """Keeps one socket: its state, its backoff, its reconnect task.

    The owner gives two callables: ``connect_once()`` opens the socket once (it calls
    :meth:`attempt` around the opening, and :meth:`opened` the moment the socket is
    usable), ``is_up()`` says whether it is. The owner reports the socket's end with
    :meth:`lost`. ``on_reconnected()`` runs after a reconnect succeeded,
    ``on_give_up(error)`` after an authentication error or ``max_attempts``.
    """

    def __init__(self, name: str, policy: ReconnectPolicy, *, tasks: WatchedTasks,
                 logger: logging.Logger, on_state: StateReport,
                 connect_once: Callable[[], Awaitable[Any]], is_up: Callable[[], bool],
                 is_closed: Callable[[], bool],
                 on_error: Callable[[BaseException | None], None] | None = None,
                 on_reconnected: Callable[[], None] | None = None,
                 on_give_up: Callable[[BaseException], None] | None = None,
                 label: str | None = None) -> None:
        self.name = name
        #: How the logs name the socket (default: ``name``).
        self.label = label or name
        self.policy = policy
        #: Failed attempts in a row and recent attempt times, kept across drops.
        self.backoff = Backoff(policy)
        self.state: str = ConnectionState.IDLE
        #: The reconnect task (None when not reconnecting).
        self.task: asyncio.Task[None] | None = None
        #: The attempt callers of :meth:`connect_shared` share (None when none runs).
        self.connecting: asyncio.Task[Any] | None = None
        #: Reconnect attempts made so far.
        self.attempts = 0
        self.last_error: BaseException | None = None
        self._event: asyncio.Event | None = None
        self._tasks, self._logger, self._on_state = tasks, logger, on_state
        self._connect_once, self._is_up, self._is_closed = connect_once, is_up, is_closed
        self._on_error, self._on_reconnected, self._on_give_up = \
            on_error, on_reconnected, on_give_up

    # ------------------------------------------------------------------ state
    @property
    def event(self) -> asyncio.Event:
        """Set while the state is ``connected`` (created on first use)."""
        if self._event is None:
            self._event = asyncio.Event()
            if self.state == ConnectionState.CONNECTED:
                self._event.set()
        return self._event

    def set_state(self, state: str, error: BaseException | None = None) -> None:
        """Record ``state`` and report it (once per change)."""
        if self.state == state:
            return
        self.state = state
        if self._event is not None:
            if state == ConnectionState.CONNECTED:
                self._event.set()
            else:
                self._event.clear()
        self._on_state(self.name, state, error)

    def _error(self, error: BaseException | None) -> None:
        self.last_error = error
        if self._on_error is not None:
            self._on_error(error)

    # ------------------------------------------------------------- attempts
    async def attempt(self, connect: Callable[[], Awaitable[T]]) -> T:
        """One connect attempt now: refused with ``ConnectError`` when the rate cap is
        reached; a failure is recorded (``disconnected`` unless reconnecting) and raised."""
        if self.task is None:
            self.set_state(ConnectionState.CONNECTING)
        try:
            wait = self.backoff.attempt_wait()
            if wait > 0:
                raise ConnectError(
                    f"not connecting {self.label}: {self.policy.max_per_minute} attempts in "
                    f"the last minute (reconnect_policy.max_per_minute); the next is "
                    f"allowed in {wait:.1f}s")
            self.backoff.attempt()
            return await connect()
        except RETRYABLE as exc:
            self._error(exc)
            if not self._is_closed() and self.task is None:
                self.set_state(ConnectionState.DISCONNECTED, exc)
            raise

    async def connect_shared(self, connect: Callable[[], Awaitable[T]]) -> T:
        """:meth:`attempt`, shared by every caller that comes while it runs: one caller
        giving up does not abort it for the others. Raises ``ConnectionLostError`` when
        the owner closed and cancelled it."""
        task = self.connecting
        if task is None:
            task = self.connecting = asyncio.get_running_loop().create_task(
                self._attempt_shared(connect))
            # Callers get its error through the shield; a close() that cancels them as
            # the attempt fails must not leave it unobserved.
            task.add_done_callback(observe)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled() and self._is_closed():  # the close, not our caller
                raise ConnectionLostError(f"{self.label}: closed while connecting",
                                          ws_key=self.name, sent=False) from None
            raise

    async def _attempt_shared(self, connect: Callable[[], Awaitable[T]]) -> T:
        try:
            return await self.attempt(connect)
        finally:
            self.connecting = None

    def opened(self) -> None:
        """The socket is up and usable: ``connected``."""
        self.backoff.connected()
        self._error(None)
        self.set_state(ConnectionState.CONNECTED)

    def lost(self, answered: bool, reason: object, reconnect: bool = True) -> None:
        """The socket that was up ended (``answered``: it proved itself); reconnect with
        backoff, or (``reconnect`` false) report ``disconnected``."""
        self.backoff.ended(answered)
        if self._is_closed():
            return
        if reconnect:
            self._logger.warning("%s ended: %s; reconnecting", self.label, reason)
            self.start_reconnect()
        else:
            self._logger.warning("%s ended: %s", self.label, reason)
            self.set_state(ConnectionState.DISCONNECTED)

    def start_reconnect(self) -> None:
        """Start the reconnect task (unless one runs or the owner closed)."""
        if self.task is not None or self._is_closed():
            return
        self.set_state(ConnectionState.RECONNECTING)
        self.task = self._tasks.spawn(self._reconnect(), self.name)

    # ------------------------------------------------------------- reconnects
    async def _reconnect(self) -> None:
        """Connect with the backoff (kept across drops until a socket proves itself);
        one WARNING per failed attempt; stop on an authentication error or after
        ``max_attempts``."""
        try:
            while not self._is_closed() and not self._is_up():
                await self._wait_turn()
                self.attempts += 1
                try:
                    await self._connect_once()
                except AuthenticationError as exc:
                    self._logger.error("reconnect of %s stopped: authentication failed "
                                       "(%s %s)", self.label, exc.code, type(exc).__name__)
                    self._give_up(exc)
                    return
                except RETRYABLE as exc:
                    if self._failed(exc):
                        return
            if self._is_up() and not self._is_closed() and self._on_reconnected is not None:
                self._on_reconnected()
        finally:
            if self.task is asyncio.current_task():
                self.task = None

    async def _wait_turn(self) -> None:
        delay, capped = self.backoff.delay()
        if capped:
            self._logger.warning("reconnects of %s reached %d in a minute (reconnect_policy."
                                 "max_per_minute): holding the next one %.1fs", self.label,
                                 self.policy.max_per_minute, delay)
        if delay > 0:
            await asyncio.sleep(delay)

    def _failed(self, exc: BaseException) -> bool:
        """Record a failed reconnect attempt; True when it was the last allowed."""
        backoff = self.backoff
        backoff.failed()
        self._error(exc)
        if backoff.exhausted:
            self._logger.error("reconnect of %s gave up after %d attempts: %s", self.label,
                               backoff.failures, type(exc).__name__)
            self._give_up(exc)
            return True
        self._logger.warning("reconnect attempt %d of %s failed (%s)", backoff.failures,
                             self.label, type(exc).__name__)
        return False

    def _give_up(self, exc: BaseException) -> None:
        self._error(exc)
        self.set_state(ConnectionState.DISCONNECTED, exc)
        if self._on_give_up is not None:
            self._on_give_up(exc)

    def cancel(self) -> asyncio.Task[None] | None:
        """Cancel the reconnect task and the shared attempt (the owner closes); returns
        the reconnect task, to be awaited."""
        if self.connecting is not None:
            self.connecting.cancel()
        task = self.task
        if task is not None:
            task.cancel()
        return task
