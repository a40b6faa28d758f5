#!/usr/bin/env bash
# Quick start, tests: sets up .venv, builds the extensions (again only when a build input
# changed: scripts/_stamp.sh), runs the test suite
# (bench extras included, so the benchmark smoke test runs too).
# Extra arguments go to pytest. pytest's exit code 5 (no tests collected) is a failure.
KF_EXTRAS=test,bench source "$(dirname "$0")/_venv.sh"
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "scripts/test.sh: pytest collected no tests; treating as a failure" >&2
    exit 1
fi
exit "$rc"
