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
SIMDJSON_MODULES = {"kucoin_fast._dispatch"}

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


def _extensions() -> list[Extension]:
    from Cython.Build import cythonize

    exts = []
    debug = os.environ.get("KUCOIN_FAST_DEBUG") == "1"
    extra_compile = [] if sys.platform == "win32" else ["-O3"]
    macros = [("KUCOIN_FAST_DEBUG", "1" if debug else "0")]
    for pyx in sorted(glob.glob("kucoin_fast/**/*.pyx", recursive=True)):
        name = pyx[:-4].replace(os.sep, ".").replace("/", ".")
        if name in SIMDJSON_MODULES:
            sj = _simdjson_dir()
            cpp_flags = ["/std:c++17"] if sys.platform == "win32" else ["-std=c++17"]
            exts.append(
                Extension(
                    name,
                    [pyx, os.path.join(sj, "simdjson.cpp")],
                    include_dirs=[sj],
                    language="c++",
                    extra_compile_args=extra_compile + cpp_flags,
                    define_macros=macros,
                )
            )
        else:
            exts.append(
                Extension(name, [pyx], extra_compile_args=extra_compile, define_macros=macros)
            )
    return cythonize(
        exts,
        compiler_directives=COMPILER_DIRECTIVES,
        annotate=os.environ.get("KUCOIN_FAST_ANNOTATE") == "1",
        nthreads=os.cpu_count() or 1,
    )


setup(ext_modules=_extensions())
