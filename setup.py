"""Build the Cython extensions of kucoin_fast.

Every ``kucoin_fast/**/*.pyx`` becomes an extension with the same dotted name.
Modules that parse JSON with simdjson are C++ and compile simdjson's single-file
amalgamation, taken from the installed ``pysimdjson`` package (its headers are
what our ``cimport simdjson.csimdjson`` is declared against).
"""
from __future__ import annotations

import glob
import os
import sys

from setuptools import Extension, setup

# Modules that cimport simdjson and therefore build as C++ with simdjson.cpp.
SIMDJSON_MODULES = {"kucoin_fast._core.parse"}
# Modules that cimport the compiled connection (whose .pxd names simdjson's types
# through the scanner's): C++ with simdjson's header only.
CONNECTION_MODULES = {"kucoin_fast._core.request"}
# Pure-Python modules compiled as well (Cython's pure-Python mode: C types from the
# augmenting <name>.pxd): compiled module name -> its one Python source. The source
# stays importable as plain Python under its own name.
PURE_PYTHON_MODULES = {
    "kucoin_fast._core.connection_c": "kucoin_fast/_core/connection.py",
    "kucoin_fast.emulator._account_c": "kucoin_fast/emulator/_account.py",
    "kucoin_fast.emulator._session_c": "kucoin_fast/emulator/_session.py",
}
# Of those, the ones that cimport the scanner (C++ with simdjson's header); the others
# are C.
PURE_PYTHON_CPP = {"kucoin_fast._core.connection_c"}

COMPILER_DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "nonecheck": False,
    "initializedcheck": False,
    "cdivision": True,
    "embedsignature": True,
}


def _simdjson_dir() -> str:
    import simdjson  # build requirement (pyproject [build-system])

    return os.path.dirname(simdjson.__file__)


def _drop_stale_output(source: str) -> None:
    """Cython does not track the cimports of an augmenting .pxd: when any .pxd of the
    package is newer than a pure-Python module's generated C++, delete it so it is
    regenerated (a stale build would read the scanner's and writer's structs at old
    offsets)."""
    for generated in (source[:-3] + ".cpp", source[:-3] + ".c"):
        if not os.path.exists(generated):
            continue
        built = os.path.getmtime(generated)
        if any(os.path.getmtime(p) > built
               for p in glob.glob("kucoin_fast/**/*.pxd", recursive=True)):
            os.remove(generated)


def _cpp_flags() -> list[str]:
    return ["/std:c++17"] if sys.platform == "win32" else ["-std=c++17"]


def _extensions() -> list[Extension]:
    from Cython.Build import cythonize

    exts = []
    debug = os.environ.get("KUCOIN_FAST_DEBUG") == "1"
    # -g0: no debug info (Python's CFLAGS carry -g, which makes up most of each .so);
    # KUCOIN_FAST_DEBUG=1 keeps it.
    extra_compile = [] if sys.platform == "win32" else ["-O3"] if debug else ["-O3", "-g0"]
    macros = [("KUCOIN_FAST_DEBUG", "1" if debug else "0")]

    def header_only(name: str, source: str) -> Extension:
        # C++ with simdjson's header only (no simdjson.cpp): the module cimports
        # declarations that name simdjson's types.
        return Extension(name, [source], include_dirs=[_simdjson_dir()], language="c++",
                         extra_compile_args=extra_compile + _cpp_flags(), define_macros=macros)
    for pyx in sorted(glob.glob("kucoin_fast/**/*.pyx", recursive=True)):
        name = pyx[:-4].replace(os.sep, ".").replace("/", ".")
        if name in SIMDJSON_MODULES:
            sj = _simdjson_dir()
            exts.append(
                Extension(
                    name,
                    [pyx, os.path.join(sj, "simdjson.cpp")],
                    include_dirs=[sj],
                    language="c++",
                    extra_compile_args=extra_compile + _cpp_flags(),
                    define_macros=macros,
                )
            )
        elif name in CONNECTION_MODULES:
            exts.append(header_only(name, pyx))
        else:
            exts.append(
                Extension(name, [pyx], extra_compile_args=extra_compile, define_macros=macros)
            )
    for name, source in sorted(PURE_PYTHON_MODULES.items()):
        # The source's first line turns annotation typing off: types come from the
        # .pxd only, the annotations are for mypy. C++ with simdjson's header only when
        # it cimports the scanner, whose declarations name simdjson's types.
        _drop_stale_output(source)
        if name in PURE_PYTHON_CPP:
            exts.append(header_only(name, source))
        else:
            exts.append(Extension(name, [source], extra_compile_args=extra_compile,
                                  define_macros=macros))
    built = cythonize(
        exts,
        compiler_directives=COMPILER_DIRECTIVES,
        annotate=os.environ.get("KUCOIN_FAST_ANNOTATE") == "1",
        nthreads=os.cpu_count() or 1,
    )
    for ext in built:
        # Cython lists simdjson.h (in the build environment) as a dependency; an absolute
        # path cannot go into the sdist's manifest, and setuptools warns about each.
        ext.depends = [d for d in ext.depends if not os.path.isabs(d)]
    return built


setup(ext_modules=_extensions())
