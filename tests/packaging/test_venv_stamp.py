"""The quick-start scripts reinstall (and so recompile) only when a build input changed:
the hash of scripts/_stamp.sh over a copy of the build inputs, and the scripts' second
run against the real .venv."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAMP_SH = ROOT / "scripts" / "_stamp.sh"

pytestmark = [
    pytest.mark.skipif(not (ROOT / "scripts").is_dir() or not (ROOT / "setup.py").exists()
                       or not (ROOT / "kucoin_fast").is_dir(),
                       reason="needs a checkout (scripts/, setup.py and the sources)"),
    pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash"),
]


def _hash(root: Path, extras: str = "test,bench", **env: str) -> str:
    proc = subprocess.run(
        ["bash", "-c", f'source "{STAMP_SH}" && kf_build_hash "$1" "$2"', "-", str(root), extras],
        env={**os.environ, "KF_PYTHON": sys.executable, **env}, capture_output=True, text=True,
        timeout=30, check=True)
    return proc.stdout.strip()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The build inputs of the checkout, with a built file for every compiled module."""
    for rel in ["setup.py", "pyproject.toml", "kucoin_fast/_core/connection.py",
                "kucoin_fast/emulator/_account.py", "kucoin_fast/emulator/_session.py",
                "kucoin_fast/client.py",
                *(str(p.relative_to(ROOT)) for ext in ("pyx", "pxd")
                  for p in (ROOT / "kucoin_fast").rglob(f"*.{ext}"))]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    for pyx in (tmp_path / "kucoin_fast").rglob("*.pyx"):
        pyx.with_suffix(".cpython-3x.so").write_bytes(b"")
    for pure in ("_core/connection_c", "emulator/_account_c", "emulator/_session_c"):
        (tmp_path / "kucoin_fast" / f"{pure}.cpython-3x.so").write_bytes(b"")
    return tmp_path


def test_hash_follows_the_build_inputs_only(tree: Path) -> None:
    first = _hash(tree)
    assert len(first) == 64 and _hash(tree) == first
    # The extras' order and the Python modules that are not compiled do not matter.
    assert _hash(tree, "bench,test") == first
    (tree / "kucoin_fast" / "client.py").write_text("# edited\n")
    assert _hash(tree) == first
    changes = {
        "connection source": lambda: (tree / "kucoin_fast" / "_core" / "connection.py").write_text("x = 1\n"),
        "pxd": lambda: next((tree / "kucoin_fast").rglob("*.pxd")).write_text("# edited\n"),
        "pyx": lambda: next((tree / "kucoin_fast").rglob("*.pyx")).write_text("# edited\n"),
        "header": lambda: (tree / "kucoin_fast" / "extra.h").write_text("#define X 1\n"),
        "setup.py": lambda: (tree / "setup.py").write_text("# edited\n"),
        "pyproject": lambda: (tree / "pyproject.toml").write_text("# edited\n"),
    }
    seen = {first}
    for what, change in changes.items():
        change()
        now = _hash(tree)
        assert now not in seen, f"the hash ignores a change of the {what}"
        seen.add(now)
    assert _hash(tree, "test") not in seen
    assert _hash(tree, KUCOIN_FAST_DEBUG="1") not in seen


def test_a_missing_built_module_forces_the_install(tree: Path) -> None:
    assert _hash(tree) != "missing"
    (tree / "kucoin_fast" / "_core" / "connection_c.cpython-3x.so").unlink()
    assert _hash(tree) == "missing"


def test_second_run_of_the_test_script_does_not_reinstall() -> None:
    venv = ROOT / ".venv"
    if Path(sys.prefix).resolve() != venv.resolve():
        pytest.skip("not running in the checkout's .venv (scripts/test.sh makes it)")
    stamp = (venv / ".kf-build-stamp").read_text().strip() if (
        venv / ".kf-build-stamp").exists() else ""
    if stamp != _hash(ROOT):
        pytest.skip("build inputs changed since the last scripts/test.sh: its next run reinstalls")
    started = time.monotonic()
    proc = subprocess.run(["bash", "-c", "KF_EXTRAS=test,bench source scripts/_venv.sh"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stderr and "installing" not in proc.stderr, proc.stderr
    assert elapsed < 10, f"the up-to-date check took {elapsed:.1f} s"
