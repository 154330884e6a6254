#!/usr/bin/env bash
# tests/cli/test_batch.sh - derived events do not depend on batch boundaries.
# A small synthetic company (lg_bench_gen: creations, usage, departures with
# keys used after them) and the sample captures are replayed with
# batch.max.messages 1, 7 and 10000; every run must announce exactly the same
# derived events, every field of them (reasons quote the use that triggered
# the event, times are its time, evidence its event).
# usage: bash test_batch.sh <lineaged binary> <samples dir>
set -u
BIN=${1:?lineaged binary}
SAMPLES=${2:?samples dir}
GEN=$(dirname "$BIN")/lg_bench_gen
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lg-cli-batch.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

# replay_sizes NAME SOURCE:PATH...: replays with each batch size; the sorted
# derived events go to $TMP/NAME-SIZE.
replay_sizes() {
    local name=$1 b
    shift
    for b in 1 7 10000; do
        if ! LINEAGED_BATCH_MAX_MESSAGES=$b "$BIN" replay --state "$TMP/st-$name-$b" "$@" \
            >"$TMP/out" 2>"$TMP/err"; then
            bad "$name: replay with batches of $b failed"
            sed 's/^/    /' "$TMP/err" | tail -3
            return
        fi
        grep -q "batches=" "$TMP/err" || bad "$name: no summary with batches of $b"
        sort "$TMP/out" >"$TMP/$name-$b"
    done
    for b in 1 7; do
        if diff -u "$TMP/$name-10000" "$TMP/$name-$b" >"$TMP/diff"; then
            ok "$name: batches of $b announce what batches of 10000 do ($(wc -l <"$TMP/$name-$b") events)"
        else
            bad "$name: batches of $b announce other derived events than batches of 10000"
            sed 's/^/    /' "$TMP/diff" | cut -c1-400 | head -20
        fi
    done
}

if [ -x "$GEN" ]; then
    "$GEN" --out "$TMP/corpus" --events 20000 --people 100 >"$TMP/gen.log" 2>&1 ||
        bad "lg_bench_gen failed: $(tail -n 3 "$TMP/gen.log")"
    C=$TMP/corpus
    replay_sizes company cloudtrail:"$C/cloudtrail.jsonl" okta:"$C/okta.jsonl" \
        github:"$C/github.jsonl" bedrock:"$C/bedrock.jsonl"
    for t in orphan.new credential.used_after_departure agent.departed_principal; do
        if grep -q "\"type\":\"$t\"" "$TMP/company-1"; then ok "company announces $t"; else bad "company announces no $t"; fi
    done
else
    echo "SKIP - $GEN not built (the company part needs the bench programs, built with the tests)"
    bad "lg_bench_gen missing"
fi

args=()
for src in cloudtrail okta github bedrock; do
    while IFS= read -r -d '' f; do
        args+=("$src:$f")
    done < <(find "$SAMPLES/$src" -type f \( -name '*.json' -o -name '*.jsonl' -o -name '*.log' \) -print0 | sort -z)
done
replay_sizes samples "${args[@]}"

summary
