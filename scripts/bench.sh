#!/usr/bin/env bash
# Quick start, main job: sets up .venv, builds the extensions (again only when a build
# input changed), runs the benchmark suite (--quick: against the emulator over ws://; the
# full run adds the plain-Python gateway and wss://). Results go to the untracked
# benchmarks/results/local/; --publish (full run) writes the committed benchmarks/results/.
# Arguments go to `python -m benchmarks` (e.g. --quick).
KF_EXTRAS=bench,test source "$(dirname "$0")/_venv.sh"
exec .venv/bin/python -m benchmarks "$@"
