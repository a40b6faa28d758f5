/* The request coroutine's resume slot: am_send on the compiled RequestCall type, so a
   task resumes the request without a StopIteration (as CPython's future iterator does). */
#ifndef KF_AWAIT_H
#define KF_AWAIT_H

typedef int (*kf_step_fn)(PyObject *self, PyObject *arg, PyObject **out);
static kf_step_fn kf_step = NULL;

/* am_send: the awaiting frame's SEND (and a task's step) resume the request here;
   kf_step returns 0 (yield *out), 1 (return *out) or -1 (raise). */
static PySendResult kf_am_send(PyObject *self, PyObject *arg, PyObject **result) {
    int r = kf_step(self, arg, result);
    if (r < 0) {
        *result = NULL;
        return PYGEN_ERROR;
    }
    return r == 0 ? PYGEN_NEXT : PYGEN_RETURN;
}

static int kf_install_am_send(PyObject *type, kf_step_fn step) {
    PyTypeObject *t = (PyTypeObject *)type;
    if (t->tp_as_async == NULL || t->tp_as_async->am_await == NULL) {
        PyErr_SetString(PyExc_SystemError, "kucoin_fast._core.request: no async slots");
        return -1;
    }
    kf_step = step;
    t->tp_as_async->am_send = kf_am_send;
    PyType_Modified(t);
    return 0;
}

#endif  /* KF_AWAIT_H */
