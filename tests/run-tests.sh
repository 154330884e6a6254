#!/usr/bin/env bash
# Runs the whole test flow, stage by stage, and closes with ONE summary line
# `N passed, N failed[, N skipped]` counted over every stage (CI reads it).
#
# Usage: tests/run-tests.sh [STAGE...]      (default: format release asan fuzz)
#   format   clang-format check (one check)
#   release  RelWithDebInfo build in $BUILD_DIR, deploy/lineaged.conf checked
#            against `lineaged config --example` (one check), every ctest
#            label (unit, component, cli, integration)
#   asan     ASan+UBSan build (-DLG_SANITIZE=ON) in $ASAN_DIR, labels
#            unit, component and cli
#   fuzz     clang libFuzzer build (-DLG_FUZZ=ON) in $FUZZ_DIR, each fuzz_*
#            target run for $FUZZ_TIME seconds on a corpus built from the
#            samples (one check per target)
# A stage whose build fails counts as one failed check; the next stages run
# anyway. Exit status: 0 when nothing failed, 1 otherwise.
#
# Environment (the Makefile sets these; defaults in brackets):
#   LG_SAMPLES_DIR [../shared/samples]  BUILD_DIR [build]  ASAN_DIR [build-asan]
#   FUZZ_DIR [build-fuzz]  JOBS [2]  CTEST_JOBS [1]  CTEST_TIMEOUT [300]
#   FUZZ_TIME [20]  SUMMARY_FILE [$BUILD_DIR/test-summary.txt]
set -uo pipefail

# Under `make test` the outer make's flags would make CMake's own make print
# every directory change; the builds get -j explicitly anyway.
unset MAKEFLAGS MFLAGS MAKELEVEL

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

samples="$(realpath -m "${LG_SAMPLES_DIR:-../shared/samples}")"
build_dir="${BUILD_DIR:-build}"
asan_dir="${ASAN_DIR:-build-asan}"
fuzz_dir="${FUZZ_DIR:-build-fuzz}"
jobs="${JOBS:-2}"
ctest_jobs="${CTEST_JOBS:-1}"
ctest_timeout="${CTEST_TIMEOUT:-300}"
fuzz_time="${FUZZ_TIME:-20}"
summary_file="${SUMMARY_FILE:-$build_dir/test-summary.txt}"

stages=("$@")
if [[ ${#stages[@]} -eq 0 ]]; then
    stages=(format release asan fuzz)
fi

passed=0
failed=0
skipped=0
failures=() # one line per failed check, for the recap

banner() {
    printf '\n==== %s ====\n' "$*"
}

# note_fail NAME: counts one failed check.
note_fail() {
    failed=$((failed + 1))
    failures+=("$1")
}

# configure_and_build DIR CMAKE_ARGS...: configures and builds DIR; returns
# non-zero (after printing why) when either step fails.
configure_and_build() {
    local dir="$1"
    shift
    echo "+ cmake -S . -B $dir $* -DLG_SAMPLES_DIR=$samples"
    if ! cmake -S . -B "$dir" "$@" -DLG_SAMPLES_DIR="$samples"; then
        echo "run-tests: cmake configure failed in $dir" >&2
        return 1
    fi
    echo "+ cmake --build $dir -j$jobs"
    if ! cmake --build "$dir" -j"$jobs"; then
        echo "run-tests: build failed in $dir" >&2
        return 1
    fi
}

# junit_attr FILE ATTR: prints the integer attribute ATTR of the first
# <testsuite> element of a CTest JUnit report (0 when absent).
junit_attr() {
    local v
    v="$(tr '\n' ' ' <"$1" | grep -o '<testsuite[^>]*' | head -n1 |
        grep -o "[[:space:]]$2=\"[0-9]*\"" | grep -o '[0-9][0-9]*')"
    echo "${v:-0}"
}

# run_ctest STAGE DIR [CTEST_ARGS...]: runs ctest in DIR and adds its counts.
run_ctest() {
    local stage="$1" dir="$2"
    shift 2
    local junit="$root/$dir/ctest-junit.xml"
    rm -f "$junit"
    echo "+ (cd $dir && ctest --output-on-failure -j$ctest_jobs --timeout $ctest_timeout $*)"
    (cd "$dir" && ctest --output-on-failure -j"$ctest_jobs" --timeout "$ctest_timeout" \
        --output-junit "$junit" "$@")
    local rc=$?
    if [[ ! -s "$junit" ]]; then
        echo "run-tests: $stage: ctest wrote no report (exit $rc)" >&2
        note_fail "$stage: ctest did not run"
        return
    fi
    local total fail skip
    total="$(junit_attr "$junit" tests)"
    fail="$(junit_attr "$junit" failures)"
    skip=$(($(junit_attr "$junit" skipped) + $(junit_attr "$junit" disabled)))
    passed=$((passed + total - fail - skip))
    failed=$((failed + fail))
    skipped=$((skipped + skip))
    if [[ $fail -gt 0 ]]; then
        failures+=("$stage: $fail of $total ctest tests failed (see above)")
    elif [[ $rc -ne 0 ]]; then
        note_fail "$stage: ctest exited $rc"
    fi
    if [[ $total -eq 0 ]]; then
        echo "run-tests: $stage: no tests found"
    fi
    echo "run-tests: $stage: $((total - fail - skip)) passed, $fail failed, $skip skipped"
}

stage_format() {
    banner "format check"
    if tests/check-format.sh; then
        passed=$((passed + 1))
    else
        note_fail "format: clang-format check (run 'make format')"
    fi
}

stage_release() {
    banner "release build + ctest (all labels) in $build_dir"
    if ! configure_and_build "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
        note_fail "release: build"
        return
    fi
    check_generated_conf
    run_ctest release "$build_dir"
}

# check_generated_conf: deploy/lineaged.conf must be exactly what
# `lineaged config --example` prints (one check; `make deploy-conf` fixes it).
check_generated_conf() {
    if "$build_dir/lineaged" config --example | diff -u deploy/lineaged.conf - >/dev/null; then
        passed=$((passed + 1))
        echo "run-tests: deploy/lineaged.conf is up to date"
    else
        note_fail "release: deploy/lineaged.conf differs from 'lineaged config --example' \
(run 'make deploy-conf')"
        "$build_dir/lineaged" config --example | diff -u deploy/lineaged.conf - | head -n 40
    fi
}

stage_asan() {
    banner "ASan+UBSan build + ctest (unit, component, cli) in $asan_dir"
    if ! configure_and_build "$asan_dir" -DCMAKE_BUILD_TYPE=Debug -DLG_SANITIZE=ON; then
        note_fail "asan: build"
        return
    fi
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_ctest asan "$asan_dir" -L '^(unit|component|cli)$'
}

# fill_corpus FUZZER DIR: seeds DIR from the samples. A fuzzer whose name
# names a source (fuzz_cloudtrail..., fuzz_ct..., fuzz_okta...) gets that
# source's samples, any other gets all of them. Whole files are seeds, and
# so is each line (one event) of the line-delimited captures.
fill_corpus() {
    local name="${1#fuzz_}" dir="$2" src
    local picked=()
    for src in cloudtrail okta github bedrock; do
        if [[ "$name" == *"$src"* ]]; then
            picked+=("$samples/$src")
        fi
    done
    case "$name" in
    ct | ct_* | *_ct | *_ct_*) picked+=("$samples/cloudtrail") ;;
    gh | gh_* | *_gh | *_gh_*) picked+=("$samples/github") ;;
    esac
    if [[ ${#picked[@]} -eq 0 ]]; then
        picked=("$samples")
    fi
    mkdir -p "$dir"
    local f base n=0
    while IFS= read -r -d '' f; do
        n=$((n + 1))
        base="$(printf 's%04d' "$n")"
        cp "$f" "$dir/$base"
        case "$f" in
        *.jsonl | *.log | *.ndjson)
            awk -v p="$dir/$base-l" 'NF && NR <= 300 {
                    out = sprintf("%s%04d", p, NR); print > out; close(out) }' "$f"
            ;;
        esac
    done < <(find "${picked[@]}" -type f \( -name '*.json' -o -name '*.jsonl' \
        -o -name '*.log' -o -name '*.ndjson' \) -print0 2>/dev/null | sort -z)
    echo "fuzz: corpus for $1: $(find "$dir" -type f | wc -l) seeds from ${picked[*]}"
}

stage_fuzz() {
    banner "fuzz smoke (${fuzz_time}s per target) in $fuzz_dir"
    if ! compgen -G "tests/fuzz/fuzz_*.c" >/dev/null; then
        echo "fuzz: no tests/fuzz/fuzz_*.c targets yet: nothing to run"
        return
    fi
    if ! command -v clang >/dev/null 2>&1; then
        echo "run-tests: fuzz needs clang (run 'make deps')" >&2
        note_fail "fuzz: clang missing"
        return
    fi
    if ! configure_and_build "$fuzz_dir" -DCMAKE_C_COMPILER=clang \
        -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLG_FUZZ=ON \
        -DLG_TESTS=OFF; then
        note_fail "fuzz: build"
        return
    fi
    if [[ ! -d "$samples" ]]; then
        echo "fuzz: warning: samples dir $samples missing: empty seed corpus" >&2
    fi
    local src bin name work log
    mkdir -p "$fuzz_dir/artifacts" "$fuzz_dir/logs"
    # One run per source file (a stale binary of a removed target is not run).
    for src in tests/fuzz/fuzz_*.c; do
        name="$(basename "$src" .c)"
        bin="$fuzz_dir/$name"
        if [[ ! -x "$bin" ]]; then
            note_fail "fuzz: $name was not built ($bin missing)"
            continue
        fi
        work="$fuzz_dir/corpus/$name"
        rm -rf "$work"
        fill_corpus "$name" "$work"
        log="$fuzz_dir/logs/$name.log"
        echo "+ $bin -max_total_time=$fuzz_time -timeout=10 -rss_limit_mb=2048 $work"
        # The outer timeout only guards against a hung target.
        if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            timeout --kill-after=10 $((fuzz_time + 120)) "$bin" \
            -max_total_time="$fuzz_time" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$fuzz_dir/artifacts/$name-" -print_final_stats=1 \
            "$work" >"$log" 2>&1; then
            passed=$((passed + 1))
            echo "fuzz: $name ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' \
                "$log" | grep -o '[0-9]*$' || echo '?') runs)"
        else
            note_fail "fuzz: $name (log $log, artifacts $fuzz_dir/artifacts/$name-*)"
            echo "fuzz: $name FAILED; last lines of $log:"
            tail -n 40 "$log"
        fi
    done
}

for stage in "${stages[@]}"; do
    case "$stage" in
    format) stage_format ;;
    release) stage_release ;;
    asan) stage_asan ;;
    fuzz) stage_fuzz ;;
    *)
        echo "run-tests: unknown stage '$stage' (format release asan fuzz)" >&2
        note_fail "unknown stage $stage"
        ;;
    esac
done

banner "summary (${stages[*]})"
for f in "${failures[@]}"; do
    echo "FAILED: $f"
done
line="$passed passed, $failed failed"
if [[ $skipped -gt 0 ]]; then
    line="$line, $skipped skipped"
fi
mkdir -p "$(dirname "$summary_file")"
echo "$line" >"$summary_file"
echo "$line"
[[ $failed -eq 0 ]]
