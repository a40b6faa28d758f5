#!/usr/bin/env bash
# Quick start, main job: sets up .venv, builds the extensions, runs the benchmark
# suite against the embedded emulator. Arguments go to `python -m benchmarks`
# (e.g. --quick).
KF_EXTRAS=bench,test source "$(dirname "$0")/_venv.sh"
exec .venv/bin/python -m benchmarks "$@"
