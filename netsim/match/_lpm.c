/* _lpm: the optional C lookup behind CidrTrie.lookup4 (netsim/match/cidrtrie.py).
 *
 * A Table4 holds one DIR-16-8-8 IPv4 table built in Python (cidrtrie._Dir4):
 * three int32 levels and a tuple of values. An entry >= 0 is an index into
 * the values; a negative entry leads to the next level, read as a negative
 * index from that level's end: level 2 at entry + (address >> 8), level 3 at
 * entry + (address & 255). Table4.lookup4(address) does exactly that and
 * returns the value. It knows nothing of prefixes or Kubernetes.
 *
 * One Table4 lives as long as its CidrTrie, so a bound `trie.lookup4` stays
 * valid: `set` swaps the tables in place, `invalidate` empties them, and the
 * next lookup4 calls the `rebuild` callable given at construction, which must
 * call `set`. The levels are not copied: Table4 holds a buffer view of each
 * (array('i') objects, which cannot be resized while viewed). Every read is
 * bounds-checked, so a bad table raises, never reads outside the arrays.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define LEVEL1_SIZE 65536 /* one entry per /16 */

typedef struct {
    PyObject_HEAD
    Py_buffer view[3];   /* the three levels; view[k].obj is NULL when not held */
    Py_ssize_t size[3];  /* entries in each level */
    PyObject *values;    /* tuple of answers; NULL while stale (then no view held) */
    PyObject *rebuild;   /* called with no arguments when stale; may be None */
} Table4;

/* Release the views and values: the table is stale afterwards. The fields are
 * emptied before anything is released, as releasing may run Python code. */
static void
drop_tables(Table4 *self)
{
    Py_buffer old[3];
    PyObject *values = self->values;
    memcpy(old, self->view, sizeof old);
    memset(self->view, 0, sizeof self->view);
    memset(self->size, 0, sizeof self->size);
    self->values = NULL;
    for (int k = 0; k < 3; k++)
        if (old[k].obj != NULL)
            PyBuffer_Release(&old[k]);
    Py_XDECREF(values);
}

static int
Table4_traverse(Table4 *self, visitproc visit, void *arg)
{
    for (int k = 0; k < 3; k++)
        Py_VISIT(self->view[k].obj);
    Py_VISIT(self->values);
    Py_VISIT(self->rebuild);
    return 0;
}

static int
Table4_clear(Table4 *self)
{
    drop_tables(self);
    Py_CLEAR(self->rebuild);
    return 0;
}

static void
Table4_dealloc(Table4 *self)
{
    PyObject_GC_UnTrack(self);
    Table4_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
Table4_init(Table4 *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"rebuild", NULL};
    PyObject *rebuild = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Table4", kwlist, &rebuild))
        return -1;
    if (rebuild != Py_None && !PyCallable_Check(rebuild)) {
        PyErr_SetString(PyExc_TypeError, "Table4: rebuild must be callable or None");
        return -1;
    }
    Py_XSETREF(self->rebuild, Py_NewRef(rebuild));
    drop_tables(self);
    return 0;
}

/* View a C-contiguous buffer of 4-byte ints (array('i'), numpy int32). */
static int
get_level(PyObject *obj, Py_buffer *view, const char *name)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    size_t flen = view->format ? strlen(view->format) : 0;
    if (view->itemsize != 4 || flen == 0 || view->format[flen - 1] != 'i') {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "Table4.set: %s must hold 4-byte ints ('i')", name);
        return -1;
    }
    return 0;
}

static PyObject *
Table4_set(Table4 *self, PyObject *args)
{
    PyObject *levels[3], *values;
    static const char *names[3] = {"level1", "level2", "level3"};
    Py_buffer views[3];
    int held = 0;
    if (!PyArg_ParseTuple(args, "OOOO!:set", &levels[0], &levels[1], &levels[2],
                          &PyTuple_Type, &values))
        return NULL;
    for (; held < 3; held++)
        if (get_level(levels[held], &views[held], names[held]) < 0)
            goto fail;
    if (views[0].len / 4 != LEVEL1_SIZE) {
        PyErr_Format(PyExc_ValueError, "Table4.set: level1 must have %d entries, not %zd",
                     LEVEL1_SIZE, views[0].len / 4);
        goto fail;
    }
    /* swap in place (the object, and any bound lookup4, stays); the old
     * table is released only once the new one is in */
    Py_buffer old[3];
    PyObject *old_values = self->values;
    memcpy(old, self->view, sizeof old);
    for (int k = 0; k < 3; k++) {
        self->view[k] = views[k];
        self->size[k] = views[k].len / 4;
    }
    self->values = Py_NewRef(values);
    for (int k = 0; k < 3; k++)
        if (old[k].obj != NULL)
            PyBuffer_Release(&old[k]);
    Py_XDECREF(old_values);
    Py_RETURN_NONE;
fail:
    while (held-- > 0)
        PyBuffer_Release(&views[held]);
    return NULL;
}

static PyObject *
Table4_invalidate(Table4 *self, PyObject *Py_UNUSED(ignored))
{
    drop_tables(self);
    Py_RETURN_NONE;
}

static PyObject *
bad_table(void)
{
    PyErr_SetString(PyExc_RuntimeError, "Table4: an entry points outside the table");
    return NULL;
}

static PyObject *
Table4_lookup4(Table4 *self, PyObject *arg)
{
    int overflow;
    /* ints and objects with __index__; TypeError for anything else */
    long long address = PyLong_AsLongLongAndOverflow(arg, &overflow);
    if (address == -1 && PyErr_Occurred())
        return NULL;
    if (overflow || address < 0 || address > 0xFFFFFFFFLL) {
        PyErr_Format(PyExc_ValueError, "IPv4 address out of range 0..2**32-1: %R", arg);
        return NULL;
    }
    if (self->values == NULL) { /* stale: let the owner rebuild, then read */
        if (self->rebuild == NULL || self->rebuild == Py_None) {
            PyErr_SetString(PyExc_RuntimeError, "Table4: no table set and no rebuild");
            return NULL;
        }
        PyObject *done = PyObject_CallNoArgs(self->rebuild);
        if (done == NULL)
            return NULL;
        Py_DECREF(done);
        if (self->values == NULL) {
            PyErr_SetString(PyExc_RuntimeError, "Table4: rebuild did not set a table");
            return NULL;
        }
    }
    uint32_t a = (uint32_t)address;
    const int32_t *level1 = self->view[0].buf; /* exactly 65,536 entries */
    int64_t entry = level1[a >> 16];
    if (entry < 0) {
        int64_t at = self->size[1] + entry + (a >> 8);
        if (at < 0 || at >= self->size[1])
            return bad_table();
        entry = ((const int32_t *)self->view[1].buf)[at];
        if (entry < 0) {
            at = self->size[2] + entry + (a & 255);
            if (at < 0 || at >= self->size[2])
                return bad_table();
            entry = ((const int32_t *)self->view[2].buf)[at];
        }
    }
    if (entry < 0 || entry >= PyTuple_GET_SIZE(self->values))
        return bad_table();
    return Py_NewRef(PyTuple_GET_ITEM(self->values, entry));
}

static PyMethodDef Table4_methods[] = {
    {"lookup4", (PyCFunction)Table4_lookup4, METH_O,
     "lookup4(address) -> the value for an int IPv4 address (0..2**32-1)."},
    {"set", (PyCFunction)Table4_set, METH_VARARGS,
     "set(level1, level2, level3, values): view a new table (values: a tuple)."},
    {"invalidate", (PyCFunction)Table4_invalidate, METH_NOARGS,
     "Drop the table; the next lookup4 calls rebuild() first."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Table4_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "netsim.match._lpm.Table4",
    .tp_doc = "Table4(rebuild=None): a DIR-16-8-8 IPv4 table; see netsim/match/_lpm.c.",
    .tp_basicsize = sizeof(Table4),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Table4_init,
    .tp_dealloc = (destructor)Table4_dealloc,
    .tp_traverse = (traverseproc)Table4_traverse,
    .tp_clear = (inquiry)Table4_clear,
    .tp_methods = Table4_methods,
};

static struct PyModuleDef lpm_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "netsim.match._lpm",
    .m_doc = "Optional C lookup for netsim.match.cidrtrie.CidrTrie.lookup4.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__lpm(void)
{
    if (PyType_Ready(&Table4_Type) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&lpm_module);
    if (module == NULL)
        return NULL;
    if (PyModule_AddObjectRef(module, "Table4", (PyObject *)&Table4_Type) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
