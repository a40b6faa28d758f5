# Sourced by the quick-start scripts: create ./.venv once, install the package
# (this builds the Cython extensions) with the extras named in $KF_EXTRAS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip setuptools wheel
fi
.venv/bin/python -m pip install -q -e ".[${KF_EXTRAS}]"
