# One command runner for people and CI (.ci/run calls `make test`).
#
#   make demo    build the page and serve it with the bundled sample pushes (the main job)
#   make test    set everything up, then run every check and test CI runs
#   make bench   criterion benchmarks (1k/10k/50k synthetic graphs), end-to-end and JS API timings
#                (bench-cli: ours against upstream on the 50k graph, time, peak memory, ratio)
#
# Every setup step is idempotent and skips what is already installed.

SHELL := /bin/bash
VENV ?= .venv
PYTHON := $(VENV)/bin/python
TASKGRAPH_VERSION := 24.5.1
TARGET := $(or $(CARGO_TARGET_DIR),target)
CLI := $(TARGET)/release/taskgraph-preview
STANDIN := $(TARGET)/release/standin
SAMPLE := tests/data/real/application-services
PORT ?= 8010
# WebAssembly builds: one set of flags for every wasm32 build, so they share one cache.
# simd128: WebAssembly's 128-bit SIMD (every browser since 2021), for the engine's scanner
# (engine::scan's blocks) and memchr; all wasm builds share the flags, so none rebuilds another's.
WASM_FLAGS := -D warnings --cfg getrandom_backend="wasm_js" -C target-feature=+simd128
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/[^0-9.]/, ""); print}' Cargo.lock)
TRUNK_VERSION := 0.21.14
# Trunk is built for its build time, not its speed (it runs cargo and wasm-bindgen, and copies
# files): its own release profile (fat LTO in one codegen unit) took 11 min 43 s of a fresh
# machine's two cores, this one 4 min 32 s.
TRUNK_PROFILE := CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false
TOOLS := $(abspath $(TARGET)/tools/node_modules/.bin)

.PHONY: demo serve setup setup-rust setup-python setup-web setup-browser build standin www page test check unit wasm js-tests browser-tests bundler-tests treeherder-tests differential official-clients real-taskcluster real-taskcluster-tests e2e-real fuzz bench bench-data bench-cli bench-e2e bench-js bench-page clean

# The page with the bundled sample pushes: a real NSS push (the default view), a real
# application-services push, and a generated 50,000-task gecko push, on a stand-in Taskcluster.
demo: page standin
	@echo "== open http://127.0.0.1:$(PORT)/ (sample push; React demo host: /demo/; 50k push: /?decisionTaskId=GeckoSyntheticDecision)"
	@echo "== to trigger: Sign in with Taskcluster (Allow on the stand-in's consent page), or clientId demo-sheriff, accessToken demo-access-token"
	$(STANDIN) --dir $(TARGET)/sample-pushes --sample --listen 127.0.0.1:$(PORT) --www dist --record $(TARGET)/sample-pushes/calls.jsonl

# The stand-in alone (for the CLI), e.g. in another shell:
#   target/release/taskgraph-preview preview --root-url http://127.0.0.1:8010 \
#     --decision-task-id GeckoSyntheticDecision --label test-linux64/opt-mochitest-plain-1
serve: build standin
	$(STANDIN) --dir $(TARGET)/sample-pushes --sample --listen 127.0.0.1:$(PORT) --record $(TARGET)/sample-pushes/calls.jsonl

setup: setup-rust setup-python setup-web setup-browser

# Debian's Chromium for the browser tests (headless, driven by playwright-core).
setup-browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

setup-rust:
	@command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup (https://rustup.rs)"; exit 1; }
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
	  || rustup target add wasm32-unknown-unknown

setup-python: $(VENV)/.taskgraph-$(TASKGRAPH_VERSION)

$(VENV)/.taskgraph-$(TASKGRAPH_VERSION):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check taskcluster-taskgraph==$(TASKGRAPH_VERSION)
	touch $@

# The browser toolchain: wasm-bindgen-cli (exactly Cargo.lock's version), Trunk, wasm-opt
# (npm binaryen@132), and the www/ package's npm dependencies (playwright-core among them).
setup-web: setup-rust
	@wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $(WASM_BINDGEN_VERSION)" \
	  || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@trunk --version 2>/dev/null | grep -qx "trunk $(TRUNK_VERSION)" || $(TRUNK_PROFILE) cargo install --locked trunk --version $(TRUNK_VERSION)
	@test -x $(TOOLS)/wasm-opt || { mkdir -p $(TARGET)/tools && cd $(TARGET)/tools \
	  && npm install --no-save --no-audit --no-fund --loglevel=error binaryen@132; }
	@test www/node_modules/.package-lock.json -nt www/package-lock.json \
	  || { cd www && npm ci --no-audit --no-fund --loglevel=error; }

build: setup-rust
	cargo build --release --features cli

standin: setup-rust
	cargo build --release -p standin

# The engine's WebAssembly build for the worker (www/pkg) and the React demo host's bundle.
# Without the name section (function names for stack traces: 0.6 MB, 10% of the file; 8% of it
# gzipped). wasm-opt's levels were measured on top (www/README.md, "Size") and are not run:
# 0.15% less gzipped for 60-75 s more per build, no speed gained.
www: setup-web
	RUSTFLAGS='$(WASM_FLAGS)' cargo rustc --lib --release --target wasm32-unknown-unknown --features js-api --crate-type cdylib
	wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir www/pkg --out-name engine $(TARGET)/wasm32-unknown-unknown/release/taskgraph_preview.wasm
	cd www && npm run --silent build:demo

# The page (index.html → dist/), with the worker, the engine and the demo host copied in.
page: www
	@cargo fetch --quiet  # Trunk builds offline: the page's crates must be downloaded first
	PATH="$(TOOLS):$$PATH" RUSTFLAGS='$(WASM_FLAGS)' trunk build --release
	node www/tools/external-boot-script.mjs dist

# Everything CI runs, in order of speed: formatting, lints, the engine on wasm32, the Rust
# tests (unit, golden, bad input, properties, CLI contract, tidy), then the differential test
# against the real taskcluster-taskgraph.
test: setup check unit wasm differential official-clients real-taskcluster-tests js-tests browser-tests bundler-tests treeherder-tests e2e-real
	@echo "== all checks passed =="

check:
	cargo fmt --check
	cargo fmt -p standin --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features cli,view,layout,fuzzing,ui -- -D warnings
	cargo clippy -p standin --all-targets -- -D warnings
	RUSTFLAGS='$(WASM_FLAGS)' cargo clippy --lib --bin page --target wasm32-unknown-unknown --release --features js-api,ui

unit:
	cargo build -p standin
	cargo test --features cli,view,layout,fuzzing,ui
	cargo test -p standin
	cd vendor/json-e && cargo test

# The engine alone on wasm32 (it must build without any web crate), then the page, which
# builds the worker's engine (JS API) too.
wasm: setup-rust page
	RUSTFLAGS='$(WASM_FLAGS)' cargo build --lib --target wasm32-unknown-unknown --release

# The JS API on the WebAssembly build (node --test), against the CLI's output.
js-tests: www build
	cd www && node --test test/

# Headless Chromium against the stand-in: the page and the React demo host.
browser-tests: setup-browser page build standin
	cd www && node --test --test-concurrency=1 e2e/

# The packed package (npm pack of www/) in fresh React apps built with Vite, webpack 5, rspack
# and esbuild at pinned versions (www/bundlers/package-lock.json; npm ci into target/bundlers),
# each with its defaults, opened in headless Chromium (all under the strict CSP, Vite also without):
# the sample push previews with the CLI's counts.
bundler-tests: setup-browser www build standin
	cd www && node --test --test-concurrency=1 bundlers/

# The stand-in against the official taskcluster Python client and upstream taskgraph's own
# loader (fetch_graph_and_labels), both flavours' namespaces, with and without a storage origin.
official-clients: build standin setup-python
	$(PYTHON) tests/official_clients/test_standin.py --standin $(STANDIN) --cli $(CLI)

# The preview inside the real Treeherder: its vendored frontend (team's shared/vendor, at
# dc3080dd7) copied, patched with integrations/treeherder/treeherder.patch, built with our
# package, its own checks (biome, jest), then the browser test (skipped, saying so, where the
# vendored copy is absent).
treeherder-tests: setup-browser www build standin
	node integrations/treeherder/build.mjs --checks
	node --test --test-concurrency=1 integrations/treeherder/test/treeherder.test.mjs

# The real Taskcluster services (auth, queue, index and its handlers, hooks, object, web-server)
# from the team's vendored tree, with Postgres 15 and RabbitMQ, behind one root URL: installs
# what is missing under target/real-tc/, prints `root URL: …`, runs until stopped (Ctrl-C).
# Without ../shared/vendor/taskcluster it says so and starts nothing.
real-taskcluster:
	python3 tests/real/services.py up

# Starts them and checks, with the official Python client, what the end-to-end tests lean on;
# then seeds the NSS sample push into them as a decision task makes it and requires the CLI's
# preview of it to equal its preview of the same push from the stand-in.
real-taskcluster-tests: setup-python build standin
	$(PYTHON) tests/real/test_services.py
	$(PYTHON) tests/real/test_read_push.py

# The real action task (taskgraph 24.5.1's action-callback, run by a test worker on what the
# real hooks service creates) on pushes seeded into the real services; `trigger --yes --follow`
# must match what it created, field by field. Last line: `e2e-real: N previews, N matched …`.
e2e-real: setup-python setup-browser build standin page
	$(PYTHON) tests/real/test_action_task.py

differential: build setup-python
	cd tests/differential && ../../$(PYTHON) compare.py --bin ../../$(CLI)
	cd tests/differential && ../../$(PYTHON) gecko.py --bin ../../$(CLI)

# Coverage-guided fuzzing (cargo-fuzz, libFuzzer, a nightly toolchain): every target for
# FUZZ_SECONDS (default 600), growing fuzz/corpus/<target>/ (commit what it adds; make test
# replays it). A crash leaves its input in fuzz/artifacts/<target>/: copy it into the corpus
# and fix the code.
FUZZ_SECONDS ?= 600
# A slow or hungry input fails the run (libFuzzer's defaults, 1,200 s and 2 GB, only report
# slow units): 5 s an input, 2 GB.
FUZZ_TIMEOUT ?= 5
FUZZ_RSS_MB ?= 2048
FUZZ_TARGETS := graph inputs preview actions hawk url
fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
	for t in $(FUZZ_TARGETS); do \
	  cargo +nightly fuzz run $$t --fuzz-dir fuzz -- -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=$(FUZZ_RSS_MB) -print_final_stats=1 || exit 1; \
	done

bench: build
	cargo bench --features synth
	cargo bench --features taskcluster --bench actions
	$(MAKE) bench-cli bench-e2e bench-js bench-page

# End to end on a generated 50k-task gecko-shaped push (~350 MB of JSON), ours then upstream's.
# The 50k-task synthetic graph (gzip and plain), its map and requests, and a one-test request.
bench-data: build
	@mkdir -p target/bench-data
	@test -f target/bench-data/g50k/full-task-graph.json.gz || $(CLI) gen-graph --tasks 50000 --seed 1 --out target/bench-data/g50k
	@test -f target/bench-data/g50k.json || gzip -dc target/bench-data/g50k/full-task-graph.json.gz > target/bench-data/g50k.json
	@python3 -c 'import json; r=json.load(open("target/bench-data/g50k/requests.json")); json.dump(r["one-test"], open("target/bench-data/one.json","w"))'

# Ours (plain JSON and gzip) against upstream's create_tasks on the same input, in one run:
# time (median and worst of five of ours), peak memory and the ratios. With BASELINE=<commit>,
# that commit's CLI is built too (target/bench-baseline-cli, a target directory of its own)
# and run beside ours, runs interleaved: before and after on the same machine.
bench-cli: bench-data setup-python
	@if [ -n "$(BASELINE)" ]; then \
	  rm -rf $(TARGET)/bench-baseline-cli && mkdir -p $(TARGET)/bench-baseline-cli \
	  && git archive $(BASELINE) | tar -x -C $(TARGET)/bench-baseline-cli \
	  && (cd $(TARGET)/bench-baseline-cli && CARGO_TARGET_DIR=$(abspath $(TARGET))/bench-baseline-cli-target cargo build --release --features cli); fi
	$(PYTHON) benches/cli_vs_upstream.py --cli $(CLI) --python $(PYTHON) --data target/bench-data \
	  $(if $(BASELINE),--baseline $(abspath $(TARGET))/bench-baseline-cli-target/release/taskgraph-preview)

bench-e2e: bench-data setup-python
	/usr/bin/time -f "ours (plain JSON): %e s, %M KB peak" $(CLI) preview --json --timings --graph target/bench-data/g50k.json \
	  --existing target/bench-data/g50k/label-to-taskid.json --labels target/bench-data/one.json --now 2025-12-01T00:00:00.000Z >/dev/null
	/usr/bin/time -f "ours (gzip): %e s, %M KB peak" $(CLI) preview --json --timings --graph target/bench-data/g50k/full-task-graph.json.gz \
	  --existing target/bench-data/g50k/label-to-taskid.json --labels target/bench-data/one.json --now 2025-12-01T00:00:00.000Z >/dev/null
	$(CLI) bench --graph target/bench-data/g50k.json --existing target/bench-data/g50k/label-to-taskid.json \
	  --labels target/bench-data/g50k/requests.json --request all-mochitest-browser-chrome --now 2025-12-01T00:00:00.000Z
	/usr/bin/time -f "upstream taskgraph $(TASKGRAPH_VERSION): %e s, %M KB peak" $(PYTHON) tests/differential/upstream.py \
	  --graph target/bench-data/g50k/full-task-graph.json.gz --existing target/bench-data/g50k/label-to-taskid.json \
	  --labels target/bench-data/one.json >/dev/null

# The page on the 50k sample in Chromium: first grid, first preview, longest main-thread task,
# worker memory; loopback, 50 Mbit/s, and 50 Mbit/s with 80 ms per API answer; median and
# worst of five runs. With BASELINE=<commit>,
# that commit's page is built too (target/bench-baseline, in a target directory of its own:
# cargo names a workspace's units by their path inside it, so a shared one would mix the two
# trees' builds) and measured in the same invocation, runs interleaved.
bench-page: setup-browser page build standin
	@if [ -n "$(BASELINE)" ]; then \
	  rm -rf $(TARGET)/bench-baseline && mkdir -p $(TARGET)/bench-baseline \
	  && git archive $(BASELINE) | tar -x -C $(TARGET)/bench-baseline \
	  && cp -al www/node_modules $(TARGET)/bench-baseline/www/node_modules \
	  && $(MAKE) -C $(TARGET)/bench-baseline www page CARGO_TARGET_DIR=$(abspath $(TARGET))/bench-baseline-target; fi
	cd www && node bench/page-load.mjs $(if $(BASELINE),--baseline $(abspath $(TARGET))/bench-baseline/dist)

# Load and per-click times through the JS API (1k/10k/50k), and the wasm boundary (JSON text
# against serde-wasm-bindgen objects).
bench-js: www build
	cd www && node bench/api.mjs && node bench/boundary.mjs

clean:
	cargo clean
	rm -rf dist www/pkg www/node_modules
	rm -rf $(VENV)
