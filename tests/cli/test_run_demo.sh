#!/usr/bin/env bash
# tests/cli/test_run_demo.sh - `lineaged run --demo` (what `make run` calls):
# embedded Kafka, the bundled demo, derived events read back from the topic.
# usage: bash test_run_demo.sh <lineaged binary> [samples dir]
set -u
BIN=${1:?lineaged binary}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lg-cli-demo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

# From the repository root, as `make run` does; the binary finds deploy/demo.
cd "$(dirname "$0")/../.." || exit 1
# The demo stops by itself (it has its own 60 s deadline); timeout is a guard.
TMPDIR=$TMP timeout 120 "$BIN" run --demo >"$TMP/out" 2>"$TMP/err"
rc=$?
check "run --demo exits 0 (rc=$rc)" "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || tail -20 "$TMP/err" | sed 's/^/    /'
check "logs the embedded Kafka" \
    "grep -q 'no kafka.brokers configured: starting embedded Kafka (librdkafka mock cluster) at ' '$TMP/err'"
for t in orphan.new privileged_key.ownerless credential.used_after_departure agent.departed_principal; do
    check "prints $t" "grep -q ' $t ' '$TMP/out'"
done
check "used_after_departure is for reporting-bot's key" \
    "grep ' credential.used_after_departure ' '$TMP/out' | grep -q AKIAYACMEREPORTBOT01"
check "ownerless privileged key is legacy-admin's" \
    "grep ' privileged_key.ownerless ' '$TMP/out' | grep -q AKIAYACMELEGACYADM01"
check "prints the summary" "grep -q '^demo: 25 input messages processed' '$TMP/out'"
check "summary counts the dead letter" "grep -q 'dead-lettered=1' '$TMP/out'"
check "temporary state removed" "! ls '$TMP' | grep -q lineaged-demo"

# run without a state dir (and not --demo) is refused with a clear message.
LINEAGED_STATE_DIR= timeout 30 "$BIN" run --exit-when-idle 100 >/dev/null 2>"$TMP/err2"
rc=$?
check "run without state.dir exits 1 (rc=$rc)" "[ $rc -eq 1 ]"
check "run without state.dir says so" "grep -q 'state.dir is not configured' '$TMP/err2'"
"$BIN" run --max-messages x >/dev/null 2>&1
check "bad --max-messages exits 2" "[ $? -eq 2 ]"

# SIGTERM only flips the run flag: the daemon commits and exits 0.
LINEAGED_API_LISTEN=127.0.0.1:0 "$BIN" run --state "$TMP/st" >/dev/null 2>"$TMP/err3" &
pid=$!
for _ in $(seq 1 300); do # poll up to 30 s for the consumer to start
    grep -qE 'exactly-once processing|consuming as group' "$TMP/err3" && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
kill -TERM $pid 2>/dev/null
for _ in $(seq 1 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then kill -KILL $pid; fi
wait $pid
rc=$?
check "run stops cleanly on SIGTERM (rc=$rc)" "[ $rc -eq 0 ]"
check "run logs its stop summary" "grep -q 'run: stopped: messages=0' '$TMP/err3'"

summary
