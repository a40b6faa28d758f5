# Sourced by the quick-start scripts: create ./.venv once, install the package (this
# builds the Cython extensions) with the extras named in $KF_EXTRAS. The install runs
# again only when what it builds from changed (.venv/.kf-build-stamp holds the hash of
# scripts/_stamp.sh) or a built extension is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_stamp.sh
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip setuptools wheel
fi
stamp=.venv/.kf-build-stamp
hash=$(kf_build_hash . "$KF_EXTRAS")
if [ "$hash" != missing ] && [ "$hash" = "$(cat "$stamp" 2>/dev/null)" ]; then
    echo "scripts: .venv is up to date (no build input changed since the last install)" >&2
else
    echo "scripts: installing kucoin_fast[${KF_EXTRAS}] into .venv (builds the extensions)" >&2
    rm -f "$stamp"
    .venv/bin/python -m pip install -q -e ".[${KF_EXTRAS}]"
    kf_build_hash . "$KF_EXTRAS" > "$stamp"
fi
