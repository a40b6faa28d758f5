"""Without compiled extensions the package refuses to import, unless the pure-Python
twins are asked for explicitly with KUCOIN_FAST_NO_EXTENSIONS=1."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import kucoin_fast

PACKAGE = Path(kucoin_fast.__file__).parent


def _source_only_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kucoin_fast"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns(
        "*.so", "*.pyd", "*.c", "*.cpp", "__pycache__", "emulator"))
    return tmp_path


def _import(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "KUCOIN_FAST_NO_EXTENSIONS"}
    environ.update(env, PYTHONPATH=str(tmp_path))
    # An editable install (scripts/test.sh uses `pip install -e`) adds a meta-path
    # finder that would resolve the missing extensions from the checkout: drop it.
    code = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path "
            "if 'editable' not in getattr(f, '__module__', '').lower()]; "
            "import kucoin_fast; "
            "sys.stdout.write(kucoin_fast._core.build.SELECTED.Connection.__module__)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environ, cwd=str(tmp_path), timeout=60, check=False)


def test_missing_build_is_a_clear_error(tmp_path: Path) -> None:
    result = _import(_source_only_copy(tmp_path))
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "build_ext --inplace" in result.stderr and "KUCOIN_FAST_NO_EXTENSIONS=1" in result.stderr


def test_pure_python_twins_on_request(tmp_path: Path) -> None:
    result = _import(_source_only_copy(tmp_path), KUCOIN_FAST_NO_EXTENSIONS="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("kucoin_fast._core.connection")


def test_debug_switch_reaches_the_compiled_build() -> None:
    """``make debug`` builds with KUCOIN_FAST_DEBUG=1 and runs the tests with it set: the
    compiled encoder and writer then check every frame they send."""
    from kucoin_fast._core.build import compiled

    debug = compiled().encode.DEBUG
    assert isinstance(debug, bool)
    if os.environ.get("KUCOIN_FAST_DEBUG") == "1":
        assert debug, "KUCOIN_FAST_DEBUG=1 is set but the extensions were built without it"
