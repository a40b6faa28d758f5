# cython: language_level=3
# C types of _account.py compiled as kucoin_fast.emulator._account_c: the members the
# fast path (_fastpath.pyx) reads, so a renamed one fails the build.

cdef class AccountState:
    cdef public str account_id
    cdef public dict open
    cdef public dict by_client_oid
    cdef public dict limit_count
    cdef public dict stop_count
    cdef public object history
    cdef public long long rl_start_ms
    cdef public long long rl_used
    cdef public list spot_rl
    cdef public object ledger
    cdef public object spot
    cdef public object margin
    cdef public object events

    cpdef object fill(self, object spec, object units)
    cpdef object fill_all(self, list fills)
    cpdef record(self, str order_id, str client_oid, str symbol, str status, object detail,
                 object at_ms, object fill_units)


cdef class IdGen:
    cdef public unsigned long long last

    cpdef str next_str(self)
