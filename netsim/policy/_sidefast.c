/*
 * netsim.policy._sidefast: the reads of netsim.policy.fastpath.python_allowed, in C.
 *
 * Optional: setup.py builds it where a C compiler exists; without it the same
 * reads run in Python. It decides nothing of Kubernetes: it reads the tables
 * that netsim.policy.siderows built (which decide every rule) and hands every
 * question it cannot answer from them to the `slow` callable, exactly where
 * python_allowed does:
 *
 *   records: dict ip -> (pod number, identity, ipBlock entries, signature + 1,
 *                        egress, ingress, egress by signature, ingress by signature)
 *            pod numbers are compared by identity (one int object per pod);
 *            egress/ingress is a row, or (the flag after says so) a list of rows
 *            indexed by the destination's signature + 1;
 *   tables:  dict protocol -> list of class ids, indexed by port;
 *   a row is a list indexed by class of True, one identity set, or
 *   (identity sets, ipBlock entries).
 *
 * Anything of another shape than these goes to `slow` too, never to a crash.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *records; /* dict */
    PyObject *tables;  /* dict */
    PyObject *slow;    /* callable */
    long limit;        /* ports 0..limit-1 have a class */
} FastAllowed;

#define RECORD_SIZE 8

/* 1: the entry admits the remote end, 0: it does not, -1: error, -2: unexpected shape. */
static int
admits(PyObject *entry, PyObject *remote)
{
    if (entry == Py_True)
        return 1;
    if (PySet_CheckExact(entry))
        return PySet_Contains(entry, PyTuple_GET_ITEM(remote, 1));
    if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 2)
        return -2;
    PyObject *sets = PyTuple_GET_ITEM(entry, 0);
    PyObject *blocks = PyTuple_GET_ITEM(entry, 1);
    if (!PyTuple_CheckExact(sets) || !PyFrozenSet_CheckExact(blocks))
        return -2;
    PyObject *identity = PyTuple_GET_ITEM(remote, 1);
    Py_ssize_t n = PyTuple_GET_SIZE(sets);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *members = PyTuple_GET_ITEM(sets, i);
        if (!PyAnySet_Check(members))
            return -2;
        int found = PySet_Contains(members, identity);
        if (found != 0)
            return found;
    }
    if (PySet_GET_SIZE(blocks) == 0)
        return 0;
    PyObject *theirs = PyTuple_GET_ITEM(remote, 2);
    if (!PyAnySet_Check(theirs))
        return -2;
    if (PySet_GET_SIZE(theirs) == 0)
        return 0;
    /* not disjoint: walk the smaller set, look up in the larger */
    PyObject *small = blocks, *large = theirs;
    if (PySet_GET_SIZE(theirs) < PySet_GET_SIZE(blocks)) {
        small = theirs;
        large = blocks;
    }
    PyObject *iter = PyObject_GetIter(small);
    if (iter == NULL)
        return -1;
    PyObject *item;
    int result = 0;
    while ((item = PyIter_Next(iter)) != NULL) {
        result = PySet_Contains(large, item);
        Py_DECREF(item);
        if (result != 0)
            break;
    }
    Py_DECREF(iter);
    if (result == 0 && PyErr_Occurred())
        return -1;
    return result;
}

/* The entry of one side: the group's row (by the destination's signature when `by_signature`
 * is True), then the class. NULL: not of the expected shape. */
static PyObject *
side_entry(PyObject *rows, PyObject *by_signature, PyObject *dst, Py_ssize_t at_class)
{
    PyObject *row = rows;
    if (by_signature == Py_True) {
        PyObject *signature = PyTuple_GET_ITEM(dst, 3);
        if (!PyList_CheckExact(rows) || !PyLong_CheckExact(signature))
            return NULL;
        Py_ssize_t index = PyLong_AsSsize_t(signature);
        if (index < 0 || index >= PyList_GET_SIZE(rows)) {
            PyErr_Clear();
            return NULL;
        }
        row = PyList_GET_ITEM(rows, index);
    }
    else if (by_signature != Py_False)
        return NULL;
    if (!PyList_CheckExact(row) || at_class >= PyList_GET_SIZE(row))
        return NULL;
    return PyList_GET_ITEM(row, at_class);
}

static PyObject *
fast_allowed(FastAllowed *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_Format(PyExc_TypeError, "allowed() takes 4 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *src = PyDict_GetItemWithError(self->records, args[0]);
    if (src == NULL && PyErr_Occurred())
        return NULL;
    PyObject *dst = PyDict_GetItemWithError(self->records, args[1]);
    if (dst == NULL && PyErr_Occurred())
        return NULL;
    PyObject *table = PyDict_GetItemWithError(self->tables, args[2]);
    if (table == NULL && PyErr_Occurred())
        return NULL;
    if (src == NULL || dst == NULL || table == NULL || !PyLong_CheckExact(args[3])
        || !PyList_CheckExact(table) || !PyTuple_CheckExact(src) || !PyTuple_CheckExact(dst)
        || PyTuple_GET_SIZE(src) != RECORD_SIZE || PyTuple_GET_SIZE(dst) != RECORD_SIZE)
        goto slow;
    long port = PyLong_AsLong(args[3]);
    if (port == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        goto slow;
    }
    if (port < 0 || port >= self->limit || port >= PyList_GET_SIZE(table))
        goto slow;
    if (PyTuple_GET_ITEM(src, 0) == PyTuple_GET_ITEM(dst, 0))
        goto slow; /* one pod */
    Py_ssize_t at_class = PyLong_AsSsize_t(PyList_GET_ITEM(table, port));
    if (at_class < 0) {
        PyErr_Clear();
        goto slow;
    }
    /* egress of the source (rows by the destination's signature), then ingress of the destination */
    PyObject *entry = side_entry(PyTuple_GET_ITEM(src, 4), PyTuple_GET_ITEM(src, 6), dst, at_class);
    if (entry == NULL)
        goto slow;
    int ok = admits(entry, dst);
    if (ok == -2)
        goto slow;
    if (ok < 0)
        return NULL;
    if (!ok)
        Py_RETURN_FALSE;
    entry = side_entry(PyTuple_GET_ITEM(dst, 5), PyTuple_GET_ITEM(dst, 7), dst, at_class);
    if (entry == NULL)
        goto slow;
    ok = admits(entry, src);
    if (ok == -2)
        goto slow;
    if (ok < 0)
        return NULL;
    return PyBool_FromLong(ok);
slow:
    return PyObject_Vectorcall(self->slow, args, nargs, NULL);
}

static int
fa_init(FastAllowed *self, PyObject *args, PyObject *kwds)
{
    PyObject *records, *tables, *slow;
    long limit;
    static char *kwlist[] = {"records", "tables", "slow", "port_limit", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!Ol", kwlist, &PyDict_Type, &records,
                                     &PyDict_Type, &tables, &slow, &limit))
        return -1;
    if (!PyCallable_Check(slow)) {
        PyErr_SetString(PyExc_TypeError, "slow must be callable");
        return -1;
    }
    Py_INCREF(records);
    Py_XSETREF(self->records, records);
    Py_INCREF(tables);
    Py_XSETREF(self->tables, tables);
    Py_INCREF(slow);
    Py_XSETREF(self->slow, slow);
    self->limit = limit;
    return 0;
}

static int
fa_traverse(FastAllowed *self, visitproc visit, void *arg)
{
    Py_VISIT(self->records);
    Py_VISIT(self->tables);
    Py_VISIT(self->slow);
    return 0;
}

static int
fa_clear(FastAllowed *self)
{
    Py_CLEAR(self->records);
    Py_CLEAR(self->tables);
    Py_CLEAR(self->slow);
    return 0;
}

static void
fa_dealloc(FastAllowed *self)
{
    PyObject_GC_UnTrack(self);
    fa_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
fa_call_check(FastAllowed *self)
{
    if (self->records == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "FastAllowed used before __init__");
        return NULL;
    }
    return (PyObject *)self;
}

static PyObject *
fa_allowed(FastAllowed *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (fa_call_check(self) == NULL)
        return NULL;
    return fast_allowed(self, args, nargs);
}

static PyMethodDef fa_methods[] = {
    {"allowed", (PyCFunction)(void (*)(void))fa_allowed, METH_FASTCALL,
     "allowed(src_ip, dst_ip, protocol, port) -> bool: the fast path's reads, else slow(...)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject FastAllowedType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "netsim.policy._sidefast.FastAllowed",
    .tp_doc = "FastAllowed(records, tables, slow, port_limit): see netsim.policy.fastpath.",
    .tp_basicsize = sizeof(FastAllowed),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)fa_init,
    .tp_dealloc = (destructor)fa_dealloc,
    .tp_traverse = (traverseproc)fa_traverse,
    .tp_clear = (inquiry)fa_clear,
    .tp_methods = fa_methods,
};

static struct PyModuleDef sidefast_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "netsim.policy._sidefast",
    .m_doc = "The reads of netsim.policy.fastpath in C (optional; see that module).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__sidefast(void)
{
    if (PyType_Ready(&FastAllowedType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&sidefast_module);
    if (module == NULL)
        return NULL;
    Py_INCREF(&FastAllowedType);
    if (PyModule_AddObject(module, "FastAllowed", (PyObject *)&FastAllowedType) < 0) {
        Py_DECREF(&FastAllowedType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
