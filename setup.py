"""Optional C extensions; the project's metadata is in pyproject.toml.

Each extension is ``optional=True``: where it cannot be compiled (no C compiler,
no Python headers) setuptools warns and installs the package without it, and
netsim runs its pure-Python path instead (``netsim.match.cidrtrie.COMPILED``
tells which LPM path runs, ``netsim.policy.fastpath.COMPILED`` which
verdict reader).
"""

from setuptools import Extension, setup

EXTENSIONS = [
    Extension("netsim.match._lpm", ["netsim/match/_lpm.c"], optional=True),
    Extension("netsim.policy._sidefast", ["netsim/policy/_sidefast.c"], optional=True),
]

setup(ext_modules=EXTENSIONS)
