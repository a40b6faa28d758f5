# Sourced by scripts/_venv.sh (and its test): kf_build_hash ROOT EXTRAS prints a hash of
# everything `pip install -e .[EXTRAS]` builds from: setup.py, pyproject.toml, the
# compiled sources (.pyx, .pxd, .h, and the Python modules setup.py compiles), the extras
# and the build switches; it prints "missing" when a compiled module has no built file.
kf_build_hash() {
    "${KF_PYTHON:-.venv/bin/python}" - "$1" "$2" <<'PY'
import glob, hashlib, os, sys

root, extras = sys.argv[1], sys.argv[2]
# setup.py's PURE_PYTHON_MODULES: compiled module -> its Python source.
pure = {"kucoin_fast/_core/connection_c": "kucoin_fast/_core/connection.py",
        "kucoin_fast/emulator/_account_c": "kucoin_fast/emulator/_account.py",
        "kucoin_fast/emulator/_session_c": "kucoin_fast/emulator/_session.py"}
sources = ["setup.py", "pyproject.toml", *pure.values()]
for ext in ("pyx", "pxd", "h", "hpp"):
    sources += glob.glob(f"kucoin_fast/**/*.{ext}", root_dir=root, recursive=True)
digest = hashlib.sha256()
digest.update(",".join(sorted(e for e in extras.split(",") if e)).encode())
for name in ("KUCOIN_FAST_DEBUG", "KUCOIN_FAST_ANNOTATE"):
    digest.update(f"\0{name}={os.environ.get(name, '')}".encode())
for rel in sorted(set(sources)):
    with open(os.path.join(root, rel), "rb") as fh:
        digest.update(f"\0{rel}\0".encode() + fh.read())
modules = [p[:-4] for p in glob.glob("kucoin_fast/**/*.pyx", root_dir=root, recursive=True)]
for module in [*modules, *pure]:
    if not glob.glob(os.path.join(root, module + ".*.so")) + glob.glob(os.path.join(root, module + ".*.pyd")):
        print("missing")
        sys.exit()
print(digest.hexdigest())
PY
}
