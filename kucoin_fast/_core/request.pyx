# cython: language_level=3, autotestdict=False, auto_pickle=False
"""The request path of the compiled build: from the facade's method to the awaited reply.

:class:`RequestCall` (made by :meth:`Dispatch.call`) is a coroutine that sends the
request on its first step when the connection is up, unthrottled and writable, through
the connection's entry points (its .pxd), and otherwise runs the keeping layer's
admission coroutine. Oracle: :mod:`.request_py`.
Design and cancellation: docs/internals.md.
"""
cimport cython
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF, Py_INCREF

import collections.abc
import warnings
from asyncio import CancelledError, Future

# The C Future's methods, called unbound on the loop's own futures (no method lookup).
cdef object _Future = Future
cdef object _future_done = Future.done
cdef object _future_result = Future.result

from kucoin_fast._core.connection_c cimport Connection, _Pending

from kucoin_fast._core.request_py import not_connected

cdef extern from "kf_await.h":
    ctypedef int (*kf_step_fn)(PyObject* self, PyObject* arg, PyObject** out) except -1
    int kf_install_am_send(object type, kf_step_fn step) except -1

cdef enum:
    _CREATED = 0
    _WAITING = 1      # the request is out; ``_waiter`` is its future
    _DELEGATING = 2   # running ``_inner`` (the slow-path coroutine)
    _DONE = 3


cdef class Dispatch:
    """Routes one client's requests: to the live connection of their ``ws_key`` when it
    is writable and ``direct``, to ``admit`` otherwise.

    ``live``: the connector's dict of live connections by ``ws_key`` (the same object,
    updated in place). ``busy``: the busy poller to kick before a send, or None.
    ``admit(op, args, ws_key)``: the keeping layer's coroutine for every other case
    (throttle, connect on demand, a full write buffer). ``direct``: False sends every
    request through ``admit`` (the client-side throttle)."""

    cdef dict _live
    cdef bint _direct
    cdef object _busy
    cdef object _admit

    def __init__(self, dict live, object busy, object admit, bint direct=True):
        self._live = live
        self._busy = busy
        self._admit = admit
        self._direct = direct

    def call(self, str op, object args, str ws_key):
        """The coroutine a request method returns (see the module's docstring)."""
        cdef RequestCall call = RequestCall.__new__(RequestCall)
        call._dispatch = self
        call._op = op
        call._args = args
        call._ws_key = ws_key
        return call

    def send_prepared(self, str ws_key, object template, object price, object size,
                      object client_oid, object callback):
        """A prepared order's synchronous send (``PreparedOrder.send``)."""
        cdef Connection conn = self._connection(ws_key, template.op, client_oid)
        return conn.send_prepared(template, price, size, client_oid, callback)

    def request_with_callback(self, str ws_key, str op, object args, object callback):
        """A synchronous send with a completion callback (no future)."""
        cdef Connection conn = self._connection(ws_key, op, args)
        return conn.request_with_callback(op, args, callback)

    cdef Connection _connection(self, str ws_key, object op, object args):
        conn = self._live.get(ws_key)
        if conn is None:
            raise not_connected(ws_key, op, args)
        if self._busy is not None:
            self._busy.kick(conn)
        return <Connection>conn


@cython.freelist(128)
cdef class RequestCall:
    """One request's coroutine (see the module's docstring)."""

    cdef Dispatch _dispatch
    cdef str _op
    cdef object _args
    cdef str _ws_key
    cdef Connection _conn
    cdef _Pending _entry
    cdef object _waiter
    cdef object _inner
    cdef int _state

    def __dealloc__(self):
        if self._state == _CREATED and self._dispatch is not None:
            try:
                warnings.warn(f"coroutine '{self._op}' was never awaited (nothing was sent)",
                              RuntimeWarning, stacklevel=1)
            except Exception:  # noqa: BLE001 - warnings turned into errors: nothing to do
                pass

    @property
    def __name__(self):
        return self._op

    @property
    def __qualname__(self):
        return f"RequestCall({self._op})"

    def __repr__(self):
        return f"<RequestCall {self._op} ws_key={self._ws_key!r}>"

    def __await__(self):
        return self

    def __next__(self):
        return self.send(None)

    def send(self, value):
        cdef PyObject* out = NULL
        cdef int r = _step(<PyObject*>self, <PyObject*>value, &out)
        result = <object>out
        Py_DECREF(result)  # the reference _step made
        if r == 0:
            return result
        raise StopIteration(result)

    def throw(self, typ, val=None, tb=None):
        cdef int state = self._state
        if state == _DELEGATING:
            try:
                if val is None and tb is None:
                    return self._inner.throw(typ)
                return self._inner.throw(typ, val, tb)
            except BaseException:
                self._state = _DONE
                self._inner = None
                raise
        # throw(instance), throw(type, instance) or throw(type[, arg]), as a coroutine takes.
        if isinstance(typ, BaseException):
            exc = typ
        elif isinstance(val, BaseException):
            exc = val
        else:
            exc = typ() if val is None else typ(val)
        if tb is not None:
            exc = exc.with_traceback(tb)
        self._state = _DONE
        if state == _WAITING:
            self._waiter = None
            if isinstance(exc, CancelledError):
                self._conn.abandon_request(self._entry)
        raise exc

    def close(self):
        cdef int state = self._state
        self._state = _DONE
        self._waiter = None
        if state == _DELEGATING:
            self._inner.close()

    cdef int _first(self, PyObject** out) except -1:
        cdef Dispatch dispatch = self._dispatch
        cdef Connection conn
        cdef _Pending entry
        found = dispatch._live.get(self._ws_key)
        if found is None or not dispatch._direct or (<Connection>found).write_paused:
            self._inner = dispatch._admit(self._op, self._args, self._ws_key)
        else:
            conn = <Connection>found
            if dispatch._busy is not None:
                dispatch._busy.kick(conn)
            self._state = _DONE  # a send that raises leaves nothing outstanding
            entry = conn.start_request(self._op, self._args)
            self._conn = conn
            self._entry = entry
            self._waiter = entry.waiter
            self._args = None
            self._state = _WAITING
            return self._wait(out)
        self._args = None
        self._state = _DELEGATING
        return self._delegate(None, out)

    cdef int _wait(self, PyObject** out) except -1:
        waiter = self._waiter
        cdef bint exact = type(waiter) is _Future
        if not (_future_done(waiter) if exact else waiter.done()):
            waiter._asyncio_future_blocking = True
            Py_INCREF(waiter)
            out[0] = <PyObject*>waiter
            return 0
        self._state = _DONE
        self._waiter = None
        try:
            # raises the request's error
            result = _future_result(waiter) if exact else waiter.result()
        except CancelledError:
            self._conn.abandon_request(self._entry)
            raise
        Py_INCREF(result)
        out[0] = <PyObject*>result
        return 1

    cdef int _delegate(self, object value, PyObject** out) except -1:
        try:
            result = self._inner.send(value)
        except StopIteration as stop:
            self._state = _DONE
            self._inner = None
            result = stop.value
            Py_INCREF(result)
            out[0] = <PyObject*>result
            return 1
        except BaseException:
            self._state = _DONE
            self._inner = None
            raise
        Py_INCREF(result)
        out[0] = <PyObject*>result
        return 0


cdef int _step(PyObject* obj, PyObject* arg, PyObject** out) except -1:
    cdef RequestCall call = <RequestCall>obj
    cdef int state = call._state
    if state == _WAITING:
        return call._wait(out)
    if state == _CREATED:
        if <object>arg is not None:
            raise TypeError("can't send non-None value to a just-started coroutine")
        return call._first(out)
    if state == _DELEGATING:
        return call._delegate(<object>arg, out)
    raise RuntimeError("cannot reuse already awaited coroutine")


kf_install_am_send(RequestCall, _step)
collections.abc.Coroutine.register(RequestCall)
