/* kucoin_fast's wire helpers in C: a raw send() on the socket, short copies, small-int
   reads, and the KUCOIN_FAST_DEBUG switch (setup.py defines it; 0 compiles checks away). */
#ifndef KF_WIRE_H
#define KF_WIRE_H

#ifndef KUCOIN_FAST_DEBUG
#define KUCOIN_FAST_DEBUG 0
#endif

#ifdef _WIN32
static Py_ssize_t kf_send(int fd, const char* p, Py_ssize_t n) { return -1; }
#else
#include <sys/types.h>
#include <sys/socket.h>
static Py_ssize_t kf_send(int fd, const char* p, Py_ssize_t n) {
    return (Py_ssize_t)send(fd, p, (size_t)n, 0);
}
#endif

#include <string.h>
#include <stdint.h>
/* Copy n bytes: the short keys, values and heads of a frame by two overlapping
   fixed-size moves (the compiler inlines those), anything longer by memcpy. */
static inline void kf_copy(char* d, const char* s, Py_ssize_t n) {
    if (n >= 8) {
        if (n <= 16) {
            uint64_t a, b;
            memcpy(&a, s, 8); memcpy(&b, s + n - 8, 8);
            memcpy(d, &a, 8); memcpy(d + n - 8, &b, 8);
        } else if (n <= 32) {
            uint64_t a, b, c, e;
            memcpy(&a, s, 8); memcpy(&b, s + 8, 8);
            memcpy(&c, s + n - 16, 8); memcpy(&e, s + n - 8, 8);
            memcpy(d, &a, 8); memcpy(d + 8, &b, 8);
            memcpy(d + n - 16, &c, 8); memcpy(d + n - 8, &e, 8);
        } else {
            memcpy(d, s, (size_t)n);
        }
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4); memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4); memcpy(d + n - 4, &b, 4);
    } else {
        for (Py_ssize_t i = 0; i < n; i++) d[i] = s[i];
    }
}

/* The value of an exact int that fits one CPython digit (0 <= v < 2**30), read
   from the object; -1 for any other int (the caller then converts it in full). */
static inline long long kf_small_int(PyObject* v) {
#if PY_VERSION_HEX >= 0x030C0000
    if (PyUnstable_Long_IsCompact((PyLongObject*)v)) {
        Py_ssize_t x = PyUnstable_Long_CompactValue((PyLongObject*)v);
        return x >= 0 ? (long long)x : -1;
    }
    return -1;
#else
    Py_ssize_t size = Py_SIZE(v);
    if (size == 1) return (long long)((PyLongObject*)v)->ob_digit[0];
    return size == 0 ? 0 : -1;
#endif
}

#endif  /* KF_WIRE_H */
