#!/usr/bin/env bash
# Smoke test of the real-broker harness (tests/integration/kafka/broker.sh):
# fetch (or reuse) Kafka, start a KRaft broker in a temp workdir, create a
# topic, produce and consume 100 messages with kcat, produce in a Kafka
# transaction and read it back read_committed, restart and re-read, stop, and
# check that no JVM of this test is left. Exit 77 (skip) when java, mvn or
# kcat is missing; any other failure exits 1.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BROKER=$HERE/kafka/broker.sh
KCAT=${KCAT:-kcat}

for tool in java mvn "$KCAT"; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool not found"
        exit 77
    fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lg-broker-smoke.XXXXXX")
PASSED=0
FAILED=0

cleanup() {
    local rc=$?
    bash "$BROKER" stop "$WORK" >/dev/null 2>&1 || true
    # No JVM started for this workdir may outlive the test.
    local left
    left=$(pgrep -f "$WORK/server.properties" || true)
    if [[ -n $left ]]; then
        echo "FAIL: broker JVM left behind (pid $left); killing it"
        # shellcheck disable=SC2086 # one pid per word
        kill -KILL $left 2>/dev/null || true
        rc=1
    fi
    if ((rc != 0)) && [[ -f $WORK/broker.log ]]; then
        echo "--- last lines of broker.log ---"
        tail -n 40 "$WORK/broker.log"
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

check() {
    local what=$1 want=$2 got=$3
    if [[ $want == "$got" ]]; then
        echo "ok: $what ($got)"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL: $what: want '$want', got '$got'"
        FAILED=$((FAILED + 1))
    fi
}

t0=$(now_ms)
bash "$BROKER" fetch
echo "timing: fetch (download, or cache check when warm) $(($(now_ms) - t0)) ms"

t0=$(now_ms)
bash "$BROKER" start "$WORK"
echo "timing: start to ready $(($(now_ms) - t0)) ms"
bash "$BROKER" status "$WORK"
BS=$(bash "$BROKER" bootstrap "$WORK")

bash "$BROKER" topic "$WORK" smoke 3
bash "$BROKER" topic "$WORK" smoke 3 # idempotent: --if-not-exists
parts=$("$KCAT" -b "$BS" -L -t smoke | grep -c 'partition [0-9]*, leader 1')
check "topic smoke has 3 partitions" 3 "$parts"

seq 1 100 | sed 's/^/msg-/' | "$KCAT" -b "$BS" -P -t smoke -X acks=all
got=$("$KCAT" -b "$BS" -C -t smoke -e -q -f '%s\n' | sort -u | wc -l)
check "100 plain messages consumed back" 100 "$got"

# kcat commits everything it produces in one transaction when
# transactional.id is set (kcat >= 1.6).
if "$KCAT" -V 2>&1 | grep -q 'Transactions'; then
    bash "$BROKER" topic "$WORK" smoke-tx 1
    seq 1 100 | "$KCAT" -b "$BS" -P -t smoke-tx -X transactional.id=lg-smoke 2>"$WORK/tx.err"
    check "transaction committed" 1 "$(grep -c 'Transaction successfully committed' "$WORK/tx.err")"
    got=$("$KCAT" -b "$BS" -C -t smoke-tx -e -q -X isolation.level=read_committed | wc -l)
    check "100 transactional messages read_committed" 100 "$got"
    # The commit marker takes one offset: the end offset is 101.
    end=$("$KCAT" -b "$BS" -Q -t smoke-tx:0:-1 | awk '{print $NF}')
    check "end offset includes the commit marker" 101 "$end"
else
    echo "skip: this kcat has no transaction support"
fi

t0=$(now_ms)
bash "$BROKER" restart "$WORK"
echo "timing: restart (stop + start, warm) $(($(now_ms) - t0)) ms"
got=$("$KCAT" -b "$BS" -C -t smoke -e -q | wc -l)
check "messages survive a restart" 100 "$got"

t0=$(now_ms)
bash "$BROKER" kill "$WORK"
bash "$BROKER" start "$WORK"
echo "timing: start after a crash (SIGKILL) $(($(now_ms) - t0)) ms"
got=$("$KCAT" -b "$BS" -C -t smoke -e -q | wc -l)
check "messages survive a crash" 100 "$got"

pid=$(bash "$BROKER" status "$WORK" | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
echo "broker rss: $(awk '/^VmRSS:/ {print $2 " " $3}' "/proc/$pid/status")"

bash "$BROKER" stop "$WORK"
if bash "$BROKER" status "$WORK" >/dev/null; then state=running; else state=stopped; fi
check "status after stop" stopped "$state"
check "broker process gone" 0 "$(pgrep -fc "$WORK/server.properties" || true)"

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
