#!/usr/bin/env bash
# Shared helpers of the exactly-once tests against a real Apache Kafka broker
# (tests/integration/test_eos_*.sh). Source it; it starts a broker in a temp
# workdir and stops it (and every lineaged it started) on exit.
#
# Each test compares the read_committed output of a run that suffers a
# failure with the output of one clean run over the same scripted input
# (tests/integration/scenario.py): the same set of event_ids, each once.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BROKER=$HERE/kafka/broker.sh
KCAT=${KCAT:-kcat}
LG_BIN=${LG_BIN:?LG_BIN must name the lineaged binary}

for tool in java mvn "$KCAT" python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool not found"
        exit 77
    fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lg-eos.XXXXXX")
PASSED=0
FAILED=0
PIDS=()

eos_cleanup() {
    local rc=$?
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    bash "$BROKER" stop "$WORK/broker" >/dev/null 2>&1 || true
    local left
    left=$(pgrep -f "$WORK/" || true)
    if [[ -n $left ]]; then
        echo "FAIL: processes left behind: $left"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
        rc=1
    fi
    if ((rc != 0)); then
        for f in "$WORK"/*.log "$WORK"/broker/broker.log; do
            [[ -f $f ]] || continue
            echo "--- last lines of $(basename "$f") ---"
            tail -n 15 "$f"
        done
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap eos_cleanup EXIT
trap 'exit 130' INT TERM

ok() {
    echo "ok   - $1"
    PASSED=$((PASSED + 1))
}
bad() {
    echo "FAIL - $1"
    FAILED=$((FAILED + 1))
}
now_ms() { date +%s%3N; }

# Polls (every 100 ms, up to $2 ms) until pattern $1 occurs at least $4
# (default 1) times in file $3; fails at the deadline.
wait_log() {
    local deadline=$(($(now_ms) + $2)) n
    while :; do
        n=$(grep -c "$1" "$3" 2>/dev/null || true)
        ((${n:-0} >= ${4:-1})) && return 0
        (($(now_ms) < deadline)) || return 1
        sleep 0.1
    done
}

# Starts the broker and generates the scenario.
eos_setup() {
    mkdir -p "$WORK/broker"
    local t0
    t0=$(now_ms)
    bash "$BROKER" start "$WORK/broker" >"$WORK/broker-start.log" 2>&1 ||
        {
            cat "$WORK/broker-start.log"
            exit 1
        }
    BOOT=$(bash "$BROKER" bootstrap "$WORK/broker")
    echo "# broker ready at $BOOT in $(($(now_ms) - t0)) ms"
    python3 "$HERE/scenario.py" "$WORK/scenario" "$@" >"$WORK/scenario.json"
    echo "# scenario: $(cat "$WORK/scenario.json")"
}

# Creates the input topics of run NAME (3 partitions each).
eos_topics() {
    local name=$1 s
    for s in cloudtrail okta github bedrock; do
        bash "$BROKER" topic "$WORK/broker" "$name-$s" 3 >/dev/null
    done
}

# Writes the config of run NAME (instance INST) to $WORK/NAME-INST.conf.
eos_config() {
    local name=$1 inst=$2
    cat >"$WORK/$name-$inst.conf" <<EOF
kafka.brokers = $BOOT
kafka.group.id = g-$name
instance.id = $inst
state.dir = $WORK/state-$name-$inst
topics.cloudtrail = $name-cloudtrail
topics.okta = $name-okta
topics.github = $name-github
topics.bedrock = $name-bedrock
topics.derived = $name-derived
topics.deadletter = $name-deadletter
topics.facts = $name-facts
topics.changelog = $name-changelog
topics.replication.factor = 1
output.format = json
batch.max.messages = 500
detect.ownerless.hold = 5s
api.listen = 127.0.0.1:0
rdkafka.session.timeout.ms = 6000
rdkafka.heartbeat.interval.ms = 500
log.level = info
EOF
}

# Produces the scenario into run NAME's input topics, in NCHUNKS chunks per
# source, pausing PAUSE seconds between chunks (a stream); FROM and TO select
# a range of chunks (default: all).
eos_produce() {
    local name=$1 nchunks=${2:-1} pause=${3:-0} from=${4:-0} to=${5:-}
    local dir="$WORK/chunks-$name-$nchunks" s
    [[ -n $to ]] || to=$nchunks
    if [[ ! -d $dir ]]; then
        mkdir -p "$dir"
        for s in cloudtrail okta github bedrock; do
            local lines
            lines=$(wc -l <"$WORK/scenario/$s.jsonl")
            split -l $(((lines + nchunks - 1) / nchunks)) -d -a 3 "$WORK/scenario/$s.jsonl" \
                "$dir/$s."
        done
    fi
    local i
    for ((i = from; i < to; i++)); do
        for s in cloudtrail okta github bedrock; do
            local f
            f=$(printf '%s/%s.%03d' "$dir" "$s" "$i")
            [[ -s $f ]] && "$KCAT" -P -b "$BOOT" -t "$name-$s" -l "$f"
        done
        [[ $pause == 0 ]] || sleep "$pause"
    done
}

# eos_produce in the background (a stream during failures); sets PRODUCER.
eos_stream() {
    eos_produce "$@" &
    PRODUCER=$!
    PIDS+=("$PRODUCER")
}

# Starts lineaged for run NAME / instance INST in the background; sets LGPID.
eos_start() {
    local name=$1 inst=$2
    shift 2
    "$LG_BIN" run --config "$WORK/$name-$inst.conf" "$@" >>"$WORK/$name-$inst.log" 2>&1 &
    LGPID=$!
    PIDS+=("$LGPID")
}

# Kill loop of run NAME / INST: KILLS times, starts lineaged, lets it work
# for a random 1.5 - 5.4 s (startup takes about 1-2 s; SEED seeds the
# times) and kills it with SIGKILL; with WIPE > 0 the state directory is
# deleted after kill number WIPE (disk loss on top).
eos_kill_loop() {
    local name=$1 inst=$2 kills=$3 k
    RANDOM=$4
    for ((k = 1; k <= kills; k++)); do
        eos_start "$name" "$inst"
        sleep "$((1 + RANDOM % 4)).$((5 + RANDOM % 5))"
        kill -KILL "$LGPID" 2>/dev/null || true
        wait "$LGPID" 2>/dev/null || true
        if ((k == ${5:-0})); then
            rm -rf "$WORK/state-$name-$inst"
            echo "# state directory deleted after kill $k"
        fi
    done
}

# Runs lineaged for run NAME / INST until it has been idle for IDLE ms.
eos_run_until_idle() {
    local name=$1 inst=$2 idle=${3:-8000}
    "$LG_BIN" run --config "$WORK/$name-$inst.conf" --exit-when-idle "$idle" \
        >>"$WORK/$name-$inst.log" 2>&1
}

# The event_ids on run NAME's derived topic, read_committed, sorted (with
# duplicates kept) into $WORK/NAME.ids.
eos_read_ids() {
    local name=$1
    "$KCAT" -C -b "$BOOT" -t "$name-derived" -X isolation.level=read_committed -e -q \
        -f '%s\n' 2>>"$WORK/kcat.log" >"$WORK/$name.derived"
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        print(json.loads(line)["event_id"])' "$WORK/$name.derived" | sort >"$WORK/$name.ids"
}

# Prints the derived events of run NAME whose ids are listed in FILE.
eos_show() {
    python3 -c '
import json, sys
want = set(open(sys.argv[2]).read().split())
for line in open(sys.argv[1]):
    if line.strip():
        d = json.loads(line)
        if d["event_id"] in want:
            print("    ", d["type"], d["subject"]["id"], d["event_time"], d["reason"][:100])' "$WORK/$1.derived" "$2"
}

# The clean reference: run CLEAN over the whole scenario with no failure.
eos_reference() {
    eos_topics clean
    eos_config clean i1
    eos_produce clean 1 0
    local t0
    t0=$(now_ms)
    eos_run_until_idle clean i1 6000 || bad "clean run exited non-zero"
    eos_check_counts clean i1
    eos_read_ids clean
    local n
    n=$(wc -l <"$WORK/clean.ids")
    echo "# clean run: $n derived events in $(($(now_ms) - t0)) ms"
    if ((n >= 50)); then ok "clean run announces $n derived events"; else bad "clean run announces only $n"; fi
    if [[ $(sort -u "$WORK/clean.ids" | wc -l) -eq $n ]]; then
        ok "clean run has no duplicate event_id"
    else
        bad "clean run has duplicate event_ids"
    fi
}

# Run NAME / INST's stop summary counts its input as a replay of the same
# files does: the usable records per source (those the graph stage applied
# and those the parse stage folded into another use) and the duplicates;
# and the parse stage did fold some usage.
eos_check_counts() {
    local name=$1 inst=$2 pick='(cloudtrail|okta|github|bedrock|duplicates|failed_calls)=[0-9]+' run rep
    run=$(grep -o 'run: stopped: .*' "$WORK/$name-$inst.log" | tail -n 1)
    rm -rf "$WORK/replay-$name"
    "$LG_BIN" replay --state "$WORK/replay-$name" cloudtrail:"$WORK/scenario/cloudtrail.jsonl" \
        okta:"$WORK/scenario/okta.jsonl" github:"$WORK/scenario/github.jsonl" \
        bedrock:"$WORK/scenario/bedrock.jsonl" >/dev/null 2>"$WORK/replay-$name.log" ||
        bad "$name: replay of the scenario exited non-zero"
    rep=$(grep -o 'replay: done: .*' "$WORK/replay-$name.log")
    local a b folded
    a=$(grep -oE "$pick" <<<"$run" | tr '\n' ' ')
    b=$(grep -oE "$pick" <<<"$rep" | tr '\n' ' ')
    folded=$(grep -oE 'coalesced=[0-9]+' <<<"$run" | cut -d= -f2)
    if [[ -n $a && $a == "$b" ]]; then
        ok "$name: the stop summary counts what a replay counts: $a"
    else
        bad "$name: stop summary '$a' but replay '$b'"
    fi
    if ((${folded:-0} > 0)); then
        ok "$name: the parse stage folded $folded usage records (counted above)"
    else
        bad "$name: no usage folded (coalesced=${folded:-missing})"
    fi
}

# Checks run NAME's output against the clean run: same set, no duplicates.
eos_compare() {
    local name=$1
    eos_read_ids "$name"
    local n u
    n=$(wc -l <"$WORK/$name.ids")
    u=$(sort -u "$WORK/$name.ids" | wc -l)
    if ((n == u)); then ok "$name: no duplicate derived events ($n)"; else bad "$name: $((n - u)) duplicate derived events"; fi
    if diff <(sort -u "$WORK/clean.ids") <(sort -u "$WORK/$name.ids") >"$WORK/$name.diff"; then
        ok "$name: same derived events as the clean run"
    else
        bad "$name: derived events differ from the clean run ($(grep -c '^<' "$WORK/$name.diff") missing, $(grep -c '^>' "$WORK/$name.diff") extra)"
        grep '^<' "$WORK/$name.diff" | cut -c3- >"$WORK/$name.missing" || true
        grep '^>' "$WORK/$name.diff" | cut -c3- >"$WORK/$name.extra" || true
        echo "  only in the clean run:"
        eos_show clean "$WORK/$name.missing"
        echo "  only in $name:"
        eos_show "$name" "$WORK/$name.extra"
    fi
}

# The poison message reached run NAME's dead-letter topic exactly once, with
# its source topic, partition, offset, reason and original bytes.
eos_check_deadletter() {
    local name=$1
    "$KCAT" -C -b "$BOOT" -t "$name-deadletter" -X isolation.level=read_committed -e -q \
        -f '%s\n' 2>>"$WORK/kcat.log" >"$WORK/$name.dl"
    if python3 - "$WORK/$name.dl" "$name" <<'PY'; then
import base64, json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(recs) == 1, f"{len(recs)} dead letters"
d = recs[0]
assert d["topic"] == sys.argv[2] + "-cloudtrail", d
assert d["partition"] >= 0 and d["offset"] >= 0, d
assert "invalid JSON" in d["reason"], d["reason"]
assert base64.b64decode(d["raw_base64"]).startswith(b'{"eventVersion":"1.09","eventID":"poison-1"'), d
PY
        ok "$name: the poison message is dead-lettered exactly once with topic, partition, offset, reason and bytes"
    else
        bad "$name: dead-letter topic content is wrong"
    fi
}

eos_summary() {
    echo "$PASSED passed, $FAILED failed"
    ((FAILED == 0))
}
