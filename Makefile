# One command runner for people and CI (.ci/run calls `make test`).
#
#   make demo    build the CLI and preview a bundled sample push (the main job)
#   make test    set everything up, then run every check and test CI runs
#   make bench   criterion benchmarks (1k/10k/50k synthetic graphs) and an end-to-end timing
#
# Every setup step is idempotent and skips what is already installed.

SHELL := /bin/bash
VENV ?= .venv
PYTHON := $(VENV)/bin/python
TASKGRAPH_VERSION := 24.5.1
CLI := $(or $(CARGO_TARGET_DIR),target)/release/taskgraph-preview
SAMPLE := tests/data/real/application-services

.PHONY: demo serve setup setup-rust setup-python build test check unit wasm differential bench bench-e2e clean

demo: build
	@echo "== add-new-jobs: the beetmover tasks of application-services, on its real decision graph =="
	$(CLI) preview --graph $(SAMPLE)/full-task-graph.json.gz --existing $(SAMPLE)/label-to-taskid.json \
	  --parameters $(SAMPLE)/parameters.yml --labels $(SAMPLE)/requests.json --request kind-beetmover-missing \
	  --trust-domain app-services --root-url https://firefox-ci-tc.services.mozilla.com

# The stand-in Taskcluster with the bundled sample pushes (a real application-services graph
# and a generated 50k-task gecko push) on http://127.0.0.1:8010; in another shell, e.g.
#   target/release/taskgraph-preview preview --root-url http://127.0.0.1:8010 \
#     --decision-task-id GeckoSyntheticDecision --label test-linux64/opt-mochitest-plain-1
serve: build
	cargo build --release --features standin --bin standin
	target/release/standin --dir target/sample-pushes --sample --listen 127.0.0.1:8010 --record target/sample-pushes/calls.jsonl

setup: setup-rust setup-python

setup-rust:
	@command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup (https://rustup.rs)"; exit 1; }
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
	  || rustup target add wasm32-unknown-unknown

setup-python: $(VENV)/.taskgraph-$(TASKGRAPH_VERSION)

$(VENV)/.taskgraph-$(TASKGRAPH_VERSION):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check taskcluster-taskgraph==$(TASKGRAPH_VERSION)
	touch $@

build: setup-rust
	cargo build --release --features cli

# Everything CI runs, in order of speed: formatting, lints, the engine on wasm32, the Rust
# tests (unit, golden, bad input, properties, CLI contract, tidy), then the differential test
# against the real taskcluster-taskgraph.
test: setup check unit wasm differential
	@echo "== all checks passed =="

check:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features cli,standin -- -D warnings

unit:
	cargo test --features cli,standin

# The engine alone, then with the Taskcluster layer and its browser transport (RUSTFLAGS replaces .cargo/config.toml's
# target flags, so the getrandom backend is repeated here).
wasm: setup-rust
	RUSTFLAGS='-D warnings --cfg getrandom_backend="wasm_js"' cargo build --lib --target wasm32-unknown-unknown --release
	RUSTFLAGS='-D warnings --cfg getrandom_backend="wasm_js"' cargo build --lib --features taskcluster,web --target wasm32-unknown-unknown --release

differential: build setup-python
	cd tests/differential && ../../$(PYTHON) compare.py --bin ../../$(CLI)

bench: build
	cargo bench --features synth
	$(MAKE) bench-e2e

# End to end on a generated 50k-task gecko-shaped push (~350 MB of JSON), ours then upstream's.
bench-e2e: build setup-python
	@mkdir -p target/bench-data
	@test -f target/bench-data/g50k/full-task-graph.json.gz || $(CLI) gen-graph --tasks 50000 --seed 1 --out target/bench-data/g50k
	@test -f target/bench-data/g50k.json || gzip -dc target/bench-data/g50k/full-task-graph.json.gz > target/bench-data/g50k.json
	@python3 -c 'import json; r=json.load(open("target/bench-data/g50k/requests.json")); json.dump(r["one-test"], open("target/bench-data/one.json","w"))'
	/usr/bin/time -f "ours (plain JSON): %e s, %M KB peak" $(CLI) preview --json --timings --graph target/bench-data/g50k.json \
	  --existing target/bench-data/g50k/label-to-taskid.json --labels target/bench-data/one.json --now 2025-12-01T00:00:00.000Z >/dev/null
	/usr/bin/time -f "ours (gzip): %e s, %M KB peak" $(CLI) preview --json --timings --graph target/bench-data/g50k/full-task-graph.json.gz \
	  --existing target/bench-data/g50k/label-to-taskid.json --labels target/bench-data/one.json --now 2025-12-01T00:00:00.000Z >/dev/null
	$(CLI) bench --graph target/bench-data/g50k.json --existing target/bench-data/g50k/label-to-taskid.json \
	  --labels target/bench-data/g50k/requests.json --request all-mochitest-browser-chrome --now 2025-12-01T00:00:00.000Z
	/usr/bin/time -f "upstream taskgraph $(TASKGRAPH_VERSION): %e s, %M KB peak" $(PYTHON) tests/differential/upstream.py \
	  --graph target/bench-data/g50k/full-task-graph.json.gz --existing target/bench-data/g50k/label-to-taskid.json \
	  --labels target/bench-data/one.json >/dev/null

clean:
	cargo clean
	rm -rf $(VENV)
