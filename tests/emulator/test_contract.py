"""The contracts inside the emulator: what the compiled fast path may touch of the
session and the account state (their .pxd files, checked by Cython), what the emulator
imports, and the op registry that new ops plug into without touching the session."""
from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
from typing import Any

import pytest
from emu_helpers import request, session, with_emu

from kucoin_fast.emulator import Emulator, _build, _session
from kucoin_fast.emulator._ops import OPS, OpSpec, op

EMULATOR = pathlib.Path(_session.__file__).parent
PYX = EMULATOR / "_fastpath.pyx"


def _cythonize(tree: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cython", "-3", "-I", sysconfig.get_paths()["purelib"],
         "-o", str(tree / "out.c"), str(tree / "kucoin_fast" / "emulator" / "_fastpath.pyx")],
        capture_output=True, text=True, cwd=tree, timeout=300, check=False)


@pytest.mark.parametrize(("pxd", "old", "new"), [
    ("_session_c.pxd", "cpdef count_fast(", "cpdef count_fast_renamed("),
    ("_session_c.pxd", "cdef public int state", "cdef public int phase"),
    ("_account_c.pxd", "cdef public object events", "cdef public object sink"),
    ("_account_c.pxd", "cpdef object fill_all(", "cpdef object fill_every("),
])
def test_a_member_the_fast_path_uses_renamed_in_its_pxd_fails_the_build(
        tmp_path: pathlib.Path, pxd: str, old: str, new: str) -> None:
    pytest.importorskip("Cython")
    emu = tmp_path / "kucoin_fast" / "emulator"
    emu.mkdir(parents=True)
    for init in (tmp_path / "kucoin_fast", emu):
        (init / "__init__.py").write_text("")
    for name in ("_fastpath.pyx", "_account_c.pxd", "_session_c.pxd"):
        shutil.copy(EMULATOR / name, emu / name)
    assert _cythonize(tmp_path).returncode == 0  # the tree as it is compiles
    text = (emu / pxd).read_text()
    assert old in text
    (emu / pxd).write_text(text.replace(old, new))
    out = _cythonize(tmp_path)
    assert out.returncode != 0 and "_fastpath.pyx" in out.stdout + out.stderr


def test_fast_path_takes_op_names_and_limits_from_the_protocol() -> None:
    text = PYX.read_text()
    assert not re.search(r"futures\.(multi_)?order|\b20\b", text)
    assert not re.search(r"ST_AUTHED\s*=\s*\d", text)  # imported from _session


def test_emulator_imports_only_the_protocol_and_the_env_rule() -> None:
    allowed = ("kucoin_fast._protocol", "kucoin_fast._env", "kucoin_fast._cli",
               "kucoin_fast.emulator")
    pattern = re.compile(r"^\s*(?:from|c?import)\s+(\.*)([\w.]*)", re.MULTILINE)
    for path in [*EMULATOR.rglob("*.py"), *EMULATOR.rglob("*.pyx"), *EMULATOR.rglob("*.pxd")]:
        package = ["kucoin_fast", "emulator", *path.parent.relative_to(EMULATOR).parts]
        for dots, name in pattern.findall(path.read_text()):
            if dots:  # relative: resolved against the file's package
                name = ".".join([*package[:len(package) - len(dots) + 1], name]).rstrip(".")
            if name.startswith("kucoin_fast"):
                assert name.startswith(allowed), (path, name)


@pytest.mark.skipif(_build.FAST is None, reason="fast path not built")
def test_the_compiled_build_serves_compiled_sessions_and_account_states() -> None:
    assert _build.FAST is not None
    assert _build.FAST.ST_AUTHED == _session.ST_AUTHED
    assert _build.Session.__module__.endswith("_session_c")
    assert _build.AccountState.__module__.endswith("_account_c")
    em = Emulator()
    assert type(em.venue.ids) is _build.IdGen and em.venue.fast is not None


def test_registry_holds_the_gateway_ops() -> None:
    assert set(OPS) == {"futures.order", "futures.cancel", "futures.multi_order",
                        "futures.multi_cancel", "spot.order", "spot.sync_order",
                        "spot.modify", "spot.cancel", "spot.sync_cancel", "margin.order",
                        "margin.cancel", "ping"}
    assert all(isinstance(s, OpSpec) and s.name == n for n, s in OPS.items())
    assert [n for n, s in OPS.items() if not s.limited] == ["ping"]


def test_an_op_registered_elsewhere_is_served_through_the_prelude(fast_path: bool) -> None:
    """Adding an op is one decorated handler: the session, the limits and the
    counters take it as they take the futures ops."""
    name = "test.echo"

    @op(name, family="test", weight=7)
    def echo(s: Any, rid: str, args: Any, t_in: int, rl: Any) -> None:
        s.reply_ok(rid, name, '{"echo":' + str(args["n"]) + "}", t_in, rl)

    async def body(ex: Emulator) -> None:
        async with session(ex) as ws:
            r = await request(ws, name, {"n": 5})
            assert (r["code"], r["data"], r["userRateLimit"]["remaining"]) == \
                ("200000", {"echo": 5}, 100 - 7)
            assert ex.counters.requests == 1
            r = await request(ws, name, {"n": 6}, rid="x" * 9)
            assert r["code"] == "400102" and "too long" in r["msg"]
    try:
        with_emu(body, rate_limit=100, id_max_len=8, fast_path=fast_path)
        with pytest.raises(ValueError, match="registered twice"):
            op(name, family="test")(echo)
    finally:
        del OPS[name]
