# lineaged: quick start and developer entry points. `make help` lists them.
# The build itself is CMake; this file only drives it (see docs/development.md).

SHELL := /bin/bash
.DEFAULT_GOAL := help

LG_SAMPLES_DIR ?= ../shared/samples
SAMPLES := $(abspath $(LG_SAMPLES_DIR))
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
CTEST_JOBS ?= 1
CTEST_TIMEOUT ?= 300
FUZZ_TIME ?= 20

# Everything tests/run-tests.sh reads.
TEST_ENV := LG_SAMPLES_DIR="$(SAMPLES)" BUILD_DIR="$(BUILD_DIR)" ASAN_DIR="$(ASAN_DIR)" \
	FUZZ_DIR="$(FUZZ_DIR)" JOBS="$(JOBS)" CTEST_JOBS="$(CTEST_JOBS)" \
	CTEST_TIMEOUT="$(CTEST_TIMEOUT)" FUZZ_TIME="$(FUZZ_TIME)"

.PHONY: help deps build run test test-release test-asan test-fuzz bench deploy-conf \
	format format-check clean

help: ## list the targets
	@echo "lineaged make targets:"
	@grep -E '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | \
		awk -F':.*## ' '{ printf "  %-13s %s\n", $$1, $$2 }'
	@echo "Variables: LG_SAMPLES_DIR=$(LG_SAMPLES_DIR) BUILD_DIR=$(BUILD_DIR)" \
		"JOBS=$(JOBS) FUZZ_TIME=$(FUZZ_TIME) CTEST_JOBS=$(CTEST_JOBS)"

deps: ## install the Debian 12 packages (deploy/debian-packages.txt) that are missing
	@deploy/install-deps.sh deploy/debian-packages.txt

build: ## release build (RelWithDebInfo) in ./build
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DLG_SAMPLES_DIR=$(SAMPLES)
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: deps build ## install deps, build, run the demo job (lineaged run --demo)
	./$(BUILD_DIR)/lineaged run --demo

test: deps ## everything: format check, release ctest, ASan+UBSan ctest, fuzz smoke
	@$(TEST_ENV) tests/run-tests.sh format release asan fuzz

test-release: deps ## release build + ctest, all labels
	@$(TEST_ENV) tests/run-tests.sh release

test-asan: deps ## ASan+UBSan build + ctest (unit, component, cli)
	@$(TEST_ENV) tests/run-tests.sh asan

test-fuzz: deps ## libFuzzer build + each fuzz_* target for FUZZ_TIME seconds
	@$(TEST_ENV) tests/run-tests.sh fuzz

bench: deps ## benchmarks in ./build-bench (~6 min), table + results.json (BENCH_ARGS=--quick: < 1 min)
	@JOBS="$(JOBS)" BENCH_BUILD_DIR=build-bench bash tests/bench/run.sh $(BENCH_ARGS)

deploy-conf: build ## regenerate deploy/lineaged.conf (lineaged config --example)
	./$(BUILD_DIR)/lineaged config --example > deploy/lineaged.conf

format: ## apply clang-format to our C/C++ files
	@tests/check-format.sh --fix

format-check: ## check clang-format without changing files
	@tests/check-format.sh

clean: ## remove the build directories
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
