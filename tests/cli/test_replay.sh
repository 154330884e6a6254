#!/usr/bin/env bash
# tests/cli/test_replay.sh - the `lineaged replay` contract.
# usage: bash test_replay.sh <lineaged binary> <samples dir>
set -u
BIN=${1:?lineaged binary}
SAMPLES=${2:?samples dir}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEMO=$ROOT/deploy/demo
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lg-cli-replay.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

# 1. every sample file, with the source named by its top directory, exits 0.
for src in cloudtrail okta github bedrock; do
    while IFS= read -r -d '' f; do
        name=${f#"$SAMPLES"/}
        st="$TMP/s-$(echo "$name" | tr '/.' '__')"
        "$BIN" replay --state "$st" "$src:$f" >"$TMP/out" 2>"$TMP/err"
        rc=$?
        check "replay $name exits 0 (rc=$rc)" "[ $rc -eq 0 ]"
        [ $rc -eq 0 ] || sed 's/^/    /' "$TMP/err" | tail -5
        check "replay $name prints a summary" "grep -q 'replay: done: messages=' '$TMP/err'"
    done < <(find "$SAMPLES/$src" -type f \( -name '*.json' -o -name '*.jsonl' -o -name '*.log' \) -print0 | sort -z)
done

# 2. all four sources in one run, in order; stdin as "-"; gzip input.
gzip -c "$DEMO/cloudtrail.jsonl" >"$TMP/ct.jsonl.gz"
"$BIN" replay --state "$TMP/demo" okta:"$DEMO/okta.jsonl" github:"$DEMO/github.jsonl" \
    cloudtrail:- bedrock:"$DEMO/bedrock.jsonl" <"$DEMO/cloudtrail.jsonl" >"$TMP/d1" 2>"$TMP/e1"
rc=$?
check "demo replay with stdin exits 0 (rc=$rc)" "[ $rc -eq 0 ]"
for t in orphan.new privileged_key.ownerless credential.used_after_departure agent.departed_principal; do
    check "demo replay reports $t" "grep -q '\"type\":\"$t\"' '$TMP/d1'"
done
check "summary counts events per source" \
    "grep -q 'cloudtrail=[1-9][0-9]* okta=7 github=2 bedrock=2 duplicates=1' '$TMP/e1'"
check "stdout holds only JSON lines" "! grep -qv '^{.*}\$' '$TMP/d1'"

# 3. the malformed demo line is dead-lettered (default STATE/deadletter.jsonl)
#    with its reason and its original bytes; it does not change the exit code.
DL="$TMP/demo/deadletter.jsonl"
check "dead-letter file exists" "[ -s '$DL' ]"
check "dead letter names the origin line" "grep -q '\"origin\":\"file:-:14\"' '$DL'"
check "dead letter has a reason" "grep -q '\"reason\":\"cloudtrail: [^\"]' '$DL'"
want=$(tail -n 1 "$DEMO/cloudtrail.jsonl" | tr -d '\n' | base64 -w0)
check "dead letter keeps the original bytes" "grep -qF '\"raw_base64\":\"$want\"' '$DL'"

# 4. state reuse: the same inputs again produce no derived events.
"$BIN" replay --state "$TMP/demo" okta:"$DEMO/okta.jsonl" github:"$DEMO/github.jsonl" \
    cloudtrail:"$TMP/ct.jsonl.gz" bedrock:"$DEMO/bedrock.jsonl" >"$TMP/d2" 2>"$TMP/e2"
rc=$?
check "second replay (gzip input) exits 0 (rc=$rc)" "[ $rc -eq 0 ]"
check "second replay produces no derived events" "[ ! -s '$TMP/d2' ]"
check "second replay counts duplicates" "grep -q 'duplicates=[1-9]' '$TMP/e2'"

# 5. --deadletter FILE
"$BIN" replay --state "$TMP/dl2" --deadletter "$TMP/dead.jsonl" cloudtrail:"$DEMO/cloudtrail.jsonl" \
    >/dev/null 2>&1
check "--deadletter FILE receives the malformed line" "grep -q 'deploy/demo/cloudtrail.jsonl:14' '$TMP/dead.jsonl'"
#    Each batch flushes the dead-letter file, but only a batch that wrote to
#    it syncs it to the disk: with batches of 2 records, one fsync.
#    (LeakSanitizer cannot run under ptrace: off for this run in ASan builds.)
printf 'batch.max.messages = 2\n' >"$TMP/b2.conf"
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    strace -f -y -e trace=fsync -o "$TMP/fsync.txt" "$BIN" replay --config "$TMP/b2.conf" \
    --state "$TMP/dl3" --deadletter "$TMP/dead3.jsonl" cloudtrail:"$DEMO/cloudtrail.jsonl" \
    >/dev/null 2>"$TMP/dl3.err"
nb=$(grep -o 'batches=[0-9]*' "$TMP/dl3.err" | cut -d= -f2)
check "batches of 2: several batches (${nb:-none})" "[ '${nb:-0}' -ge 3 ]"
check "only the batch with the dead letter syncs its file ($(grep -c 'dead3.jsonl' "$TMP/fsync.txt") fsync)" \
    "[ \$(grep -c 'fsync(.*dead3.jsonl' '$TMP/fsync.txt') -eq 1 ]"

# 6. usage and I/O errors.
"$BIN" replay --state "$TMP/u" syslog:"$DEMO/okta.jsonl" >/dev/null 2>"$TMP/e3"
rc=$?
check "unknown SOURCE exits 2 (rc=$rc)" "[ $rc -eq 2 ]"
check "unknown SOURCE is named" "grep -q 'unknown source \"syslog\"' '$TMP/e3'"
"$BIN" replay --state "$TMP/u" "$DEMO/okta.jsonl" >/dev/null 2>"$TMP/e3b"
rc=$?
check "input without SOURCE: exits 2 (rc=$rc)" "[ $rc -eq 2 ]"
"$BIN" replay okta:"$DEMO/okta.jsonl" >/dev/null 2>&1
rc=$?
check "missing --state exits 2 (rc=$rc)" "[ $rc -eq 2 ]"
"$BIN" replay --state "$TMP/u" okta:"$TMP/no-such-file.jsonl" >/dev/null 2>"$TMP/e4"
rc=$?
check "missing file exits 1 (rc=$rc)" "[ $rc -eq 1 ]"
check "missing file is named" "grep -q 'no-such-file.jsonl' '$TMP/e4'"
printf 'no.such.key = 1\n' >"$TMP/bad.conf"
"$BIN" replay --config "$TMP/bad.conf" --state "$TMP/u" okta:"$DEMO/okta.jsonl" >/dev/null 2>"$TMP/e5"
rc=$?
check "bad config exits 2 (rc=$rc)" "[ $rc -eq 2 ]"
check "bad config error names FILE:LINE" "grep -q 'bad.conf:1: unknown configuration key' '$TMP/e5'"

# 7. the contract with the engine: the real iam-create-admin-user capture
#    reports its ownerless privileged key.
F="$SAMPLES/cloudtrail/stratus-red-team/aws.persistence.iam-create-admin-user.json"
"$BIN" replay --state "$TMP/admin" cloudtrail:"$F" >"$TMP/d6" 2>"$TMP/e6"
check "iam-create-admin-user: privileged_key.ownerless for AKIAXAFZN8JEPF6L682H" \
    "grep '\"type\":\"privileged_key.ownerless\"' '$TMP/d6' | grep -q '\"id\":\"AKIAXAFZN8JEPF6L682H\"'"

# 8. the CLI surface.
"$BIN" --help >/dev/null
check "--help exits 0" "[ $? -eq 0 ]"
check "replay --help documents the exit codes" "'$BIN' replay --help | grep -q '2 usage error'"
check "--version prints the version" "'$BIN' --version | grep -q '^lineaged [0-9]'"
# a binary linked with mimalloc (release builds) must be using it
if ldd "$BIN" | grep -q libmimalloc; then
    check "--version: mimalloc serves malloc, freed pages reset" \
        "'$BIN' --version | grep -qx 'allocator: mimalloc [0-9]*\.[0-9]*\.[0-9]*, page reset on'"
    check "--version: MIMALLOC_PAGE_RESET=0 in the environment turns page reset off" \
        "MIMALLOC_PAGE_RESET=0 '$BIN' --version | grep -qx 'allocator: mimalloc [0-9.]*, page reset off'"
else
    check "--version: libc malloc (sanitizer build)" \
        "'$BIN' --version | grep -qx 'allocator: libc malloc'"
fi
"$BIN" frobnicate >/dev/null 2>&1
check "unknown command exits 2" "[ $? -eq 2 ]"
check "config --markdown is docs/configuration.md" \
    "'$BIN' config --markdown | cmp -s - '$ROOT/docs/configuration.md'"
check "config --example is deploy/lineaged.conf" \
    "'$BIN' config --example | cmp -s - '$ROOT/deploy/lineaged.conf'"
check "config --dump applies LINEAGED_* overrides" \
    "LINEAGED_KAFKA_BROKERS=k9:9092 '$BIN' config --dump | grep -qx 'kafka.brokers = k9:9092'"

# 9. a state write the disk refuses (here the file size limit, ulimit -f)
# ends the replay with the reason and exit 1, not a kill; run again without
# the limit, it goes on from the last batch written and, with what the
# failed run printed, gives every derived event of an undisturbed run. One
# message per batch and the demo's CloudTrail 20 times (new event ids), so
# that the write-ahead log outgrows 64 KiB after the state's open.
printf 'batch.max.messages = 1\n' >"$TMP/b1.conf"
for i in $(seq 1 20); do
    sed "s/\"eventID\": *\"/&r$i-/" "$DEMO/cloudtrail.jsonl"
done >"$TMP/ct20.jsonl"
wargs=(--config "$TMP/b1.conf" okta:"$DEMO/okta.jsonl" cloudtrail:"$TMP/ct20.jsonl"
    bedrock:"$DEMO/bedrock.jsonl")
"$BIN" replay --state "$TMP/wfull" "${wargs[@]}" >"$TMP/w0" 2>"$TMP/we0"
check "undisturbed replay of the 20 copies exits 0" "[ $? -eq 0 ]"
(
    ulimit -f 64
    exec "$BIN" replay --state "$TMP/wlim" "${wargs[@]}" >"$TMP/w1" 2>"$TMP/we1"
)
rc=$?
check "a refused state write exits 1 (rc=$rc)" "[ $rc -eq 1 ]"
check "and says why" "grep -q 'state: write batch: .*File too large' '$TMP/we1'"
"$BIN" replay --state "$TMP/wlim" "${wargs[@]}" >"$TMP/w2" 2>"$TMP/we2"
check "the replay run again completes" "[ $? -eq 0 ]"
check "it skips what was written before the failure" "grep -q 'duplicates=[1-9]' '$TMP/we2'"
ids() { grep -o '"event_id":"[^"]*"' "$@" | sed 's/.*://' | sort -u; }
check "no derived event is lost" "[ -s '$TMP/w0' ] && diff <(ids '$TMP/w0') <(cat '$TMP/w1' '$TMP/w2' | ids)"

# 10. a message over input.max.bytes is dead-lettered (its first 1024 bytes,
# the reason, its line) with a warning, counted, and the rest goes on; the
# inputs are read and parsed on a thread ahead of the graph, in batches of
# batch.max.messages per input (the summary's batch count).
printf 'input.max.bytes = 1K\nbatch.max.messages = 2\n' >"$TMP/big.conf"
ct_event() { # a small CloudTrail event that creates IAM user $1
    printf '{"eventID":"%s","eventTime":"2024-01-01T00:00:00Z","eventSource":"iam.amazonaws.com",' "$1"
    printf '"eventName":"CreateUser","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"},'
    printf '"requestParameters":{"userName":"%s"}}\n' "$1"
}
{
    ct_event u1 && ct_event u2
    printf '{"eventID":"big","pad":"%s"}\n' "$(head -c 2000 /dev/zero | tr '\0' x)"
    ct_event u4 && ct_event u5
} >"$TMP/big.jsonl"
"$BIN" replay --config "$TMP/big.conf" --state "$TMP/big" --deadletter "$TMP/big-dl.jsonl" \
    cloudtrail:"$TMP/big.jsonl" okta:"$DEMO/okta.jsonl" >/dev/null 2>"$TMP/big.err"
check "an oversized message does not stop the replay" "[ $? -eq 0 ]"
check "it is warned about with its line" \
    "grep -q 'big.jsonl:3: message of 2026 bytes exceeds input.max.bytes (1024)' '$TMP/big.err'"
check "it is dead-lettered with its reason and line" \
    "grep -q '\"origin\":\"file:$TMP/big.jsonl:3\"' '$TMP/big-dl.jsonl' &&
     grep -q 'exceeds input.max.bytes' '$TMP/big-dl.jsonl'"
want=$(sed -n 3p "$TMP/big.jsonl" | head -c 1024 | base64 -w0)
check "with its first 1024 bytes" "grep -qF '\"raw_base64\":\"$want\"' '$TMP/big-dl.jsonl'"
okta_n=$(grep -c . "$DEMO/okta.jsonl")
check "the summary counts it among messages and dead letters" \
    "grep -q 'messages=$((5 + okta_n)) .* deadlettered=1 ' '$TMP/big.err'"
check "batches of 2 messages per input: 3 for the CloudTrail file" \
    "grep -q 'batches=$((1 + 3 + (okta_n + 1) / 2 + 1)) ' '$TMP/big.err'"

# 11. SIGINT stops a replay that reads a pipe which stays open (read on the
# main thread, not ahead: the signal interrupts the read): exit 1, the
# "interrupted" summary, within a deadline. The writer holds the pipe open
# until the test ends (a FIFO, no sleeping process).
mkfifo "$TMP/fifo"
"$BIN" replay --state "$TMP/int" cloudtrail:- <"$TMP/fifo" >/dev/null 2>"$TMP/int.err" &
rpid=$!
exec 9>"$TMP/fifo" # open the writing end (the replay's stdin stays open)
cat "$DEMO/cloudtrail.jsonl" >&9
for _ in $(seq 1 100); do # the state is open once its LOCK file exists
    [ -e "$TMP/int/LOCK" ] && break
    sleep 0.1
done
kill -INT "$rpid"
for _ in $(seq 1 100); do
    kill -0 "$rpid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$rpid" 2>/dev/null; then
    bad "SIGINT stops a replay reading an open pipe within 10 s"
    kill -9 "$rpid"
else
    ok "SIGINT stops a replay reading an open pipe within 10 s"
fi
wait "$rpid"
rc=$?
exec 9>&-
check "it exits 1 (rc=$rc)" "[ $rc -eq 1 ]"
check "with the interrupted summary" \
    "grep -q 'replay: interrupted: ' '$TMP/int.err' && grep -q 'interrupted by a signal' '$TMP/int.err'"

summary
