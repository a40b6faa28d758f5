# cython: language_level=3
"""C types for ``connection.py`` when it is compiled as ``kucoin_fast._core.connection_c``.

The source is ``connection.py`` (pure Python, the one source); this file only adds
types, so the compiled build calls the scanner, encoder and writer through their C
vtables and keeps per-request objects on freelists.
"""
import cython

from picows.picows cimport WSListener, WSTransport, WSFrame

from kucoin_fast._core.encode cimport FrameBuffer
from kucoin_fast._core.writer cimport Writer
from kucoin_fast._core.parse cimport ReplyScan

cdef int _K_MALFORMED, _K_REPLY, _K_PONG, _K_NOTICE, _K_CHALLENGE, _K_WELCOME, _K_ERROR
cdef int _K_BAD_UTF8
cdef long long _NO_TIME
cdef int _AWAIT_CONNECT, _AWAIT_CHALLENGE, _AWAIT_WELCOME, _READY, _CLOSED
cdef int _E_PENDING, _E_DONE, _E_CANCELLED, _E_TIMED_OUT, _E_CLOSED
cdef Py_ssize_t _FORGOTTEN_MAX
cdef object _SUCCESS
cdef int _TEXT, _CLOSE, _PING, _PONG, _CONTINUATION
cdef object _oids_of_ref, _client_oids_of, _order_ids_of
cdef object _current_task


@cython.freelist(256)
cdef class WSAPIResponse:
    cdef object _id
    cdef long long _rid
    cdef readonly str op
    cdef readonly str code
    cdef readonly object msg
    cdef readonly object data
    cdef long long _in_time
    cdef long long _out_time
    cdef readonly object rate_limit
    cdef readonly str ws_key


@cython.freelist(256)
cdef class _Pending:
    cdef public object waiter
    cdef public bint is_callback
    cdef public bint awaited
    cdef public str op
    cdef public object ref
    cdef public double deadline
    cdef public long long request_id
    cdef public long long seq
    cdef public int state


cdef class Connection


cdef class _Requests:
    cdef object _loop
    cdef object _time
    cdef object _create_future
    cdef bint _eager
    cdef bint wake_every
    cdef object _done
    cdef object _set_result
    cdef object _set_exception
    cdef str ws_key
    cdef double timeout
    cdef object _clock
    cdef object _on_outcome
    cdef dict pending
    cdef dict _forgotten
    cdef object _deadline_handle
    cdef bint closed
    cdef long long late
    cdef long long duplicate
    cdef long long unknown

    @cython.locals(entry=_Pending)
    cdef _Pending register(self, long long request_id, object op, object ref, long long seq,
                           object callback, bint awaited)
    cdef void complete(self, _Pending entry, object result, bint failed, bint wake_now) except *
    cdef void caller_cancelled(self, _Pending entry) except *

    @cython.locals(entry=_Pending)
    cdef object unmatched(self, long long request_id, long long next_id)
    cdef void resolved(self, _Pending entry, str kind, object response) except *
    cdef void _emit(self, object record) except *
    cdef void _unknown(self, str kind, str reason, tuple oids, Py_ssize_t requests,
                       tuple ops) except *
    cdef void _forget(self, _Pending entry, int state) except *

    @cython.locals(entry=_Pending, n_sent=Py_ssize_t, sent=cython.bint)
    cdef tuple fail_all(self, str reason, bint by_client, long long written)


cdef class _Handshake:
    cdef Connection _conn
    cdef bytes _secret
    cdef long long _url_timestamp_ms
    cdef long long _created_ns

    @cython.locals(conn=Connection, scan=ReplyScan, kind=cython.int)
    cdef void on_message(self, bytes payload) except *

    @cython.locals(conn=Connection)
    cdef void fail(self, object exc) except *


cdef class _Framing:
    cdef Connection _conn
    cdef bint fragmented
    cdef object _fragments
    cdef Py_ssize_t _fragments_size
    cdef object owed_pong

    @cython.locals(conn=Connection)
    cdef void on_frame(self, WSTransport transport, WSFrame frame, int msg_type) except *

    @cython.locals(conn=Connection, size=Py_ssize_t)
    cdef void _add_fragment(self, WSFrame frame) except *

    @cython.locals(conn=Connection)
    cdef void fail(self, object code, str why) except *


cdef class _Notices:
    cdef Connection _conn
    cdef object _on_notice

    @cython.locals(conn=Connection, entry=_Pending)
    cdef void on_unmatched_reply(self, long long request_id) except *

    @cython.locals(conn=Connection)
    cdef void on_error_frame(self, object code, object msg) except *
    cdef void read_clock(self, long long before_ns, bytes payload) except *


cdef class _DrainWaiters:
    cdef object _loop
    cdef list _waiters

    cdef void release(self) except *


cdef class Connection(WSListener):
    cdef readonly WSTransport transport
    cdef object _loop
    cdef FrameBuffer _buf
    cdef ReplyScan _scan
    cdef Writer _writer
    cdef _Requests _requests
    cdef object _keepalive  # a .keepalive.Keepalive: one timer per interval
    cdef _Handshake _handshake
    cdef _Framing _framing
    cdef _Notices _notices
    cdef _DrainWaiters _drain
    cdef object _mode
    cdef readonly str ws_key
    cdef double _request_timeout
    cdef object _on_lost
    cdef object _logger
    cdef bint _debug
    cdef long long _next_id
    cdef readonly long long last_request_id
    cdef int _state
    cdef readonly object handshake_done
    cdef readonly object session_id
    cdef readonly object server_clock
    cdef object _lost_reason
    cdef readonly object server_notice
    cdef readonly long long replies
    cdef readonly long long malformed_frames
    cdef readonly long long unsolicited_errors
    cdef readonly tuple lost_client_oids
    cdef readonly long long lost_requests
    cdef readonly long long unsent_requests
    cdef readonly bint write_paused
    cdef Py_ssize_t _max_frame_size
    cdef object _redactor

    # The request coroutine's entry points (kucoin_fast._core.request cimports them).
    cdef _Pending start_request(self, object op, object args)
    cdef void abandon_request(self, _Pending entry) except *

    @cython.locals(request_id=cython.longlong)
    cdef _Pending _send(self, object op, object args, object callback, bint awaited)
    cdef void _check_sendable(self, object op, object args) except *
    cdef _Pending _register(self, long long request_id, object op, object callback,
                            bint awaited)
    cdef object _backpressure(self, object op, object args)
    cdef void _end(self, str reason, bint by_client, object handshake_exc) except *
    cdef void _report_lost(self) except *
    cdef void _drop_frame(self, str why) except *

    @cython.locals(state=cython.int)
    cdef void _on_message(self, bytes payload, bint last_in_buffer) except *

    @cython.locals(scan=ReplyScan, request_id=cython.longlong, op=str,
                   entry=_Pending, pending=dict, requests=_Requests, wake_now=cython.bint)
    cdef void _on_reply(self, int kind, bint last_in_buffer, object message) except *

    @cython.locals(scan=ReplyScan, response=WSAPIResponse)
    cdef WSAPIResponse _response(self, _Pending entry)
    cdef str _redact(self, str text)
    cdef object _api_error(self, _Pending entry, WSAPIResponse response)

    cpdef on_ws_connected(self, WSTransport transport)

    @cython.locals(msg_type=cython.int, writer=Writer)
    cpdef on_ws_frame(self, WSTransport transport, WSFrame frame)
    cpdef on_ws_disconnected(self, WSTransport transport)
    cpdef pause_writing(self)
    cpdef resume_writing(self)
