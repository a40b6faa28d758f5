# cython: language_level=3, autotestdict=False, auto_pickle=False
"""Frames, masks and writes client TEXT frames (coalescing per read, raw ``send()`` on
plain TCP). Oracle: :mod:`kucoin_fast._core.writer_py`. Rules: docs/internals.md."""
from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport srand
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

from picows.picows cimport WSTransport

from kucoin_fast._core.encode cimport FRAME_HEADROOM, FrameBuffer, check_frame

import os

cdef extern from "kf_wire.h":
    bint KUCOIN_FAST_DEBUG
    Py_ssize_t kf_send(int fd, const char* p, Py_ssize_t n) nogil

# picows masks its own control frames (close, pong) with rand(): seed it from the OS
# once, so two processes never send the same key sequence. Our frames do not use it.
srand(<unsigned int>int.from_bytes(os.urandom(4), "little"))


# ------------------------------------------------------------------ frame writer
cdef enum:
    _IMMEDIATE = 0
    _DEFER = 1
    _AUTO = 2
    #: A coalesced write leaves early once it holds this much.
    _CORK_LIMIT = 64 * 1024
    _KEY_BLOCK = 4096

#: coalesce_writes value -> writer mode.
MODES = {False: _IMMEDIATE, True: _DEFER, "auto": _AUTO}


cdef class Writer:
    """Frames, masks and writes client TEXT frames for one connection.

    ``mode`` (from the client's ``coalesce_writes``): ``False`` writes every frame at
    once; ``True`` joins every frame of a loop iteration into one write at its end;
    ``"auto"`` (the default) coalesces per read: frames sent while the connection
    dispatches the frames of one read (callbacks, callers woken by a reply) leave in
    one write when the read's last frame is done, or earlier past 64 KiB. Outside a
    dispatch, a frame leaves at once when none left since the last read, and the
    frames that follow it join one write at the end of the loop iteration. A
    sequential caller thus pays no delay and no extra loop pass, and a hundred
    workers woken by one read cost one or two writes, not a hundred.

    The connection brackets each received frame with :meth:`begin_frame` and
    :meth:`end_frame` (picows marks a read's last frame ``last_in_buffer``). Should a
    read's last frame never reach it, the iteration-end flush (scheduled whenever a
    frame is held back before the last one) writes the frames anyway.

    ``queued`` counts frames handed to :meth:`send`, ``written`` those handed to the
    socket: a request whose frame number is above ``written`` was never written (it
    failed, or is still in the coalescing buffer). Nothing is written once picows has
    sent or received a close frame; :meth:`discard` drops what is buffered.

    Plain TCP with an empty transport buffer is written with one ``send()`` on the
    socket (as picows does); otherwise through the transport (TLS, or data waiting).
    """

    def __init__(self, loop, WSTransport transport, mode="auto"):
        if mode not in MODES:
            raise ValueError("coalesce_writes must be True, False or 'auto'")
        self.mode = MODES[mode]
        self._loop = loop
        self._ws = transport
        underlying = transport.underlying_transport
        self._write = underlying.write
        self._buffered = underlying.get_write_buffer_size
        self._fd = -1
        if not transport.is_secure:
            sock = underlying.get_extra_info("socket")
            if sock is not None and os.name == "posix":
                self._fd = sock.fileno()
        self._cork = FrameBuffer(4096)
        self._cork.pos = 0
        self._keys = b""
        self._key_pos = 0

    cdef uint32_t _next_key(self) except? 0:
        cdef uint32_t key
        if self._key_pos + 4 > len(self._keys):
            self._keys = os.urandom(_KEY_BLOCK)
            self._key_pos = 0
        memcpy(&key, PyBytes_AS_STRING(self._keys) + self._key_pos, 4)
        self._key_pos += 4
        return key

    cpdef int send(self, FrameBuffer buf) except -1:
        """Frame ``buf``'s payload as one masked TEXT frame and write or coalesce it.

        Returns 1 when the frame was handed to the socket now, 0 when it waits in
        the coalescing buffer or was dropped because the connection is closing."""
        cdef Py_ssize_t size = buf.pos - FRAME_HEADROOM
        cdef Py_ssize_t header = 6 if size < 126 else (8 if size < 65536 else 14)
        cdef unsigned char* out = <unsigned char*>buf.mem + FRAME_HEADROOM - header
        cdef unsigned char* payload = <unsigned char*>buf.mem + FRAME_HEADROOM
        cdef uint32_t key = self._next_key()
        cdef uint64_t wide, word
        cdef unsigned char* m
        cdef Py_ssize_t i, words
        cdef FrameBuffer cork
        if KUCOIN_FAST_DEBUG:
            check_frame(buf)
        out[0] = 0x81  # FIN + TEXT
        if size < 126:
            out[1] = <unsigned char>(0x80 | size)
        elif size < 65536:
            out[1] = 0x80 | 126
            out[2] = <unsigned char>(size >> 8)
            out[3] = <unsigned char>(size & 0xFF)
        else:
            out[1] = 0x80 | 127
            for i in range(8):
                out[2 + i] = <unsigned char>((size >> (56 - 8 * i)) & 0xFF)
        memcpy(out + header - 4, &key, 4)
        m = out + header - 4
        wide = (<uint64_t>key) | ((<uint64_t>key) << 32)
        words = size >> 3
        for _ in range(words):  # memcpy: no alignment or aliasing assumptions
            memcpy(&word, payload, 8)
            word ^= wide
            memcpy(payload, &word, 8)
            payload += 8
        for i in range(size & 7):
            payload[i] ^= m[i & 3]
        self.queued += 1
        if self._ws.is_close_frame_sent or self._ws.is_disconnected:
            return 0
        if self.mode == _IMMEDIATE or (self.mode == _AUTO and not self._busy
                                       and not self._dispatching and self._cork.pos == 0):
            if not self._write_now(<const char*>out, header + size):
                return 0
            self.written = self.queued
            self._busy = True
            return 1
        cork = self._cork
        cork.put(<const char*>out, header + size)
        if cork.pos >= _CORK_LIMIT:
            self.flush()
        elif not self._tick_scheduled and not (self._dispatching and self._last):
            self._tick_scheduled = True
            self._loop.call_soon(self._tick)
        return 0

    cpdef void begin_frame(self, bint last) except *:
        """A received frame is being dispatched (``last``: the read's last frame)."""
        if self.mode != _AUTO:
            return
        if not self._dispatching:
            self._dispatching = True
            self._busy = False
        self._last = last

    cpdef void end_frame(self) except *:
        """That frame is done: after the read's last one, write what it held back."""
        if self._last:
            self._dispatching = False
            if self._cork.pos:
                self.flush()
                self._busy = True  # frames the read's replies send later join one write

    def _tick(self):
        """End of the loop iteration in which frames were held back: flush them."""
        self._tick_scheduled = False
        self._busy = False
        self._dispatching = False  # a read whose last frame never reached end_frame
        if self._cork.pos:
            self.flush()

    cpdef int flush(self) except -1:
        """Write every coalesced frame now, with one write."""
        cdef FrameBuffer cork = self._cork
        if cork.pos == 0:
            return 0
        if self._ws.is_close_frame_sent or self._ws.is_disconnected:
            cork.pos = 0  # never written: the requests report sent=False
            return 0
        if self._write_now(cork.mem, cork.pos):
            self.written = self.queued
        cork.pos = 0
        return 0

    cpdef Py_ssize_t discard(self) except -1:
        """Drop the coalesced frames (the connection is ending); returns how many
        frames were never written."""
        self._cork.pos = 0
        return self.queued - self.written

    cdef bint _write_now(self, const char* ptr, Py_ssize_t size) except -1:
        cdef Py_ssize_t sent = -1
        self.writes += 1
        if self._fd >= 0 and not <Py_ssize_t>self._buffered():
            sent = kf_send(self._fd, ptr, size)
            if sent == size:
                return True
        # TLS, data already waiting, a short write or an error: the transport takes the
        # rest (and reports an error through the protocol, as for any write).
        if sent < 0:
            sent = 0
        self._write(PyBytes_FromStringAndSize(ptr + sent, size - sent))
        return True

    @property
    def pending_bytes(self) -> int:
        """Bytes waiting in the coalescing buffer."""
        return self._cork.pos
