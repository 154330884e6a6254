#!/usr/bin/env bash
# tests/bench/run.sh - the lineaged benchmark harness (`make bench`).
#
# Measures lineaged against the limits of its own parts and the targets of
# docs/performance.md, prints a table and writes OUT/results.json:
#   - replay throughput (`lineaged replay` over a generated multi-million
#     event corpus) next to the bare parse rate of the same corpus with the
#     same JSON library (lg_bench_bare_parse): the ratio is the headline;
#   - state scale: a state of 1 million NHIs and 20 thousand people built by
#     replaying generated creation events: build rate, disk bytes per NHI,
#     peak RSS, replay rate over that state, the time to open it and process
#     the first event after `kill -9` of a replay, and the owner-lineage
#     query latency for a person with 1,000 descendants;
#   - the Kafka path, against a real broker (tests/integration/kafka/broker.sh;
#     skipped, and said so, without java): `lineaged run` (exactly-once) from
#     the input topics holding the replay corpus to committed derived events,
#     next to a bare librdkafka consumer reading the same topics in the same
#     run (the ratio is the headline); end-to-end latency (input append to a
#     read_committed consumer reading the derived event) at 50% of that rate;
#     the state-scale corpus built through `lineaged run`, the time to the
#     first committed batch after `kill -9`, and the restore of its changelog
#     onto an empty disk (records/s).
# Figures are medians of --repeats runs (3; 1 with --quick).
#
# usage: tests/bench/run.sh [--quick | --tiny] [--out DIR] [--repeats N]
#                           [--bin-dir DIR] [--cache DIR] [--profile]
#                           [--no-kafka | --only-kafka] [--stages 1|2]
#   --quick        a small version (~200k events, 100k NHIs): under 2 minutes
#   --tiny         a few thousand events, seconds (the smoke test in sanitized builds)
#   --out DIR      results directory (default build-bench/bench-results)
#   --repeats N    runs per throughput figure (default 3, quick/tiny 1)
#   --bin-dir DIR  use lineaged and the lg_bench_* programs already built in
#                  DIR instead of building build-bench (also: LG_BIN=path of
#                  lineaged, with the programs beside it)
#   --cache DIR    generated corpora, reused while their parameters and the
#                  generator's sources are unchanged (default build-bench/corpus)
#   --profile      also profile a replay (perf when hardware counters work,
#                  else valgrind --tool=callgrind on a small corpus) into
#                  OUT/profile.txt, and a `lineaged run` of the Kafka path
#   --no-kafka     skip the Kafka rows (no broker)
#   --only-kafka   only the Kafka rows (experiments with the Kafka path)
#   --stages N     processing.stages of every `lineaged run`: 2 (default,
#                  parse and graph stages joined by the facts topic) or 1
#                  (one stage, no facts topic)
# Environment: BENCH_BUILD_DIR (default build-bench), JOBS (default 2),
# BENCH_RUN_CONF (lines appended to every `lineaged run` configuration, for
# experiments with settings; the results record it), BENCH_LATENCY_RATE
# (the latency load's rate in events/s instead of 50% of the measured
# maximum: compares builds at the same load), BENCH_BROKER_PROPERTIES
# (server.properties lines for the bench's broker, after its defaults).
# Exit: 0 when every measurement ran (whether targets are met or not), 1 when
# one failed (its row says so), 2 on a usage error.
set -uo pipefail
unset MAKEFLAGS MFLAGS MAKELEVEL

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2

scale=full
out_dir=""
repeats=""
bin_dir=""
cache_dir=""
profile=0
stages=2
kafka=1
local_rows=1
while [[ $# -gt 0 ]]; do
    case "$1" in
    --quick) scale=quick ;;
    --tiny) scale=tiny ;;
    --out) out_dir=${2:?--out DIR} && shift ;;
    --repeats) repeats=${2:?--repeats N} && shift ;;
    --bin-dir) bin_dir=${2:?--bin-dir DIR} && shift ;;
    --cache) cache_dir=${2:?--cache DIR} && shift ;;
    --profile) profile=1 ;;
    --no-kafka) kafka=0 ;;
    --only-kafka) local_rows=0 ;;
    --stages)
        stages=${2:?--stages 1|2} && shift
        [[ $stages == 1 || $stages == 2 ]] || {
            echo "run.sh: --stages takes 1 or 2" >&2
            exit 2
        }
        ;;
    -h | --help)
        sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "run.sh: unknown option $1 (--help lists them)" >&2
        exit 2
        ;;
    esac
    shift
done

build_dir=${BENCH_BUILD_DIR:-build-bench}
jobs=${JOBS:-2}

# ---- scales ----
# replay: mixed corpus events; people: company of the state-scale corpus;
# big: NHIs of the person whose lineage is queried; use/kill: events of the
# usage corpora replayed over the big state.
case $scale in
full) replay_events=2000000 people=20000 big=1000 use_events=300000 kill_events=150000 reps=3 query_reps=500 ;;
quick) replay_events=200000 people=2000 big=1000 use_events=60000 kill_events=30000 reps=1 query_reps=200 ;;
tiny) replay_events=3000 people=20 big=200 use_events=2000 kill_events=4000 reps=1 query_reps=20 ;;
esac
# Kafka: latency background corpus, seconds measured and seconds of the same
# load before them (settling, reported apart); the longest a run may take
case $scale in
full) lat_events=1200000 sus_events=300000 lat_seconds=30 lat_settle=30 kafka_timeout=1800 kprof_s=20 ;;
quick) lat_events=250000 sus_events=60000 lat_seconds=10 lat_settle=10 kafka_timeout=600 kprof_s=5 ;;
tiny) lat_events=5000 sus_events=3000 lat_seconds=3 lat_settle=2 kafka_timeout=120 kprof_s=2 ;;
esac
repeats=${repeats:-$reps}
if ! [[ $repeats =~ ^[1-9][0-9]*$ ]]; then
    echo "run.sh: --repeats wants a positive integer" >&2
    exit 2
fi
# the latency's measured windows: one per repeat (at most 16), each with
# events not sent before (events that come round again cost far less): at
# full scale 30,000 events a second of load, about half of the highest
# maximum measured on 2 CPUs (60,755 events/s, one stage, 2026-12-08);
# kafka-latency.json's background_wraps says whether the files came round
lat_windows=$((repeats < 16 ? repeats : 16))
[[ $scale == full ]] && lat_events=$((30000 * (lat_settle + lat_windows * lat_seconds)))
if [[ -n ${BENCH_LATENCY_RATE:-} && ! $BENCH_LATENCY_RATE =~ ^[1-9][0-9]*$ ]]; then
    echo "run.sh: BENCH_LATENCY_RATE wants a positive integer (events/s)" >&2
    exit 2
fi
out_dir=${out_dir:-$build_dir/bench-results}
cache_dir=${cache_dir:-$build_dir/corpus}
mkdir -p "$out_dir" "$cache_dir" || exit 1
out_dir=$(cd "$out_dir" && pwd)
cache_dir=$(cd "$cache_dir" && pwd)
log_dir=$out_dir/logs
rm -rf "$log_dir"
mkdir -p "$log_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/lg-bench.XXXXXX") || exit 1
kafka_pids=() # every lineaged run started (killed on exit)
cleanup() {
    local p
    for p in "${kafka_pids[@]}"; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    if [[ -f $work/broker/broker.env ]]; then
        bash "$ROOT/tests/integration/kafka/broker.sh" stop "$work/broker" >/dev/null 2>&1
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t_start=$(date +%s)
# other work on the machine skews every figure: recorded with the results
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
errors=0

say() { printf '%s\n' "bench: $*" >&2; }

# ---- small helpers (no jq/python needed) ----

# json_num FILE KEY: the first numeric value of "KEY": in FILE (flat JSON).
json_num() {
    grep -o "\"$2\": *-\{0,1\}[0-9][0-9.eE+-]*" "$1" 2>/dev/null | head -n1 | cut -d: -f2 |
        tr -d ' '
}

# median NUMBERS...: the median (mean of the middle two for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print ""; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# calc EXPR: floating point arithmetic through awk.
calc() { awk "BEGIN { printf \"%.6g\n\", $1 }"; }

json_str() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    printf '"%s"' "$s"
}

# ---- results ----
rows=() # one JSON object per result

# add_row ID LABEL VALUE UNIT OP TARGET RUNS NOTE
#   VALUE "" = not measured; OP ">=", "<=" or "" (no target); RUNS a JSON
#   array of the individual runs ("[]" when none). Status: met, missed,
#   info (no target) or not_measured; gap: how far from the target (%).
add_row() {
    local id=$1 label=$2 value=$3 unit=$4 op=$5 target=$6 runs=$7 note=$8
    local status gap=null vjson tjson=null
    if [[ -z $value ]]; then
        status=not_measured
        vjson=null
    else
        vjson=$value
        if [[ -z $op ]]; then
            status=info
        else
            status=$(awk -v v="$value" -v t="$target" -v op="$op" 'BEGIN {
                ok = (op == ">=") ? (v >= t) : (v <= t); print ok ? "met" : "missed" }')
            gap=$(awk -v v="$value" -v t="$target" 'BEGIN { printf "%.1f", (v - t) * 100 / t }')
        fi
    fi
    [[ -n $op ]] && tjson="{\"op\":\"$op\",\"value\":$target}"
    rows+=("{\"id\":\"$id\",\"label\":$(json_str "$label"),\"value\":$vjson,\"unit\":\"$unit\",\
\"target\":$tjson,\"status\":\"$status\",\"gap_pct\":$gap,\"runs\":$runs,\"note\":$(json_str "$note")}")
}

# runs_json NUMBERS...: a JSON array.
runs_json() {
    local IFS=,
    echo "[$*]"
}

fail_row() {
    errors=$((errors + 1))
    say "FAILED: $2 (see $log_dir)"
    add_row "$1" "$2" "" "${3:-}" "${4:-}" "${5:-0}" "[]" "measurement failed: ${6:-see logs}"
}

# ---- machine ----
machine_json() {
    local cpu mem kernel os load_end
    load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
    cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
    mem=$(awk '/^MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo 2>/dev/null)
    kernel=$(uname -sr)
    os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")
    printf '{"nproc":%s,"cpu_model":%s,"mem_total_mb":%s,"kernel":%s,"os":%s,' \
        "$(nproc)" "$(json_str "${cpu:-unknown}")" "${mem:-0}" "$(json_str "$kernel")" \
        "$(json_str "${os:-unknown}")"
    printf '"loadavg_start":%s,"loadavg_end":%s}' "$(json_str "$load_start")" \
        "$(json_str "$load_end")"
}

# ---- programs ----
tools=(lineaged lg_bench_gen lg_bench_bare_parse lg_bench_state lg_bench_measure lg_bench_kafka)
if [[ -z $bin_dir && -n ${LG_BIN:-} ]]; then
    bin_dir=$(dirname "$LG_BIN")
fi
if [[ -n $bin_dir ]]; then
    for t in "${tools[@]}"; do
        if [[ ! -x $bin_dir/$t ]]; then
            echo "run.sh: $bin_dir/$t is missing (build with -DLG_BENCH=ON or the tests)" >&2
            exit 1
        fi
    done
else
    say "building ${tools[*]} in $build_dir (RelWithDebInfo, no sanitizers)"
    if ! cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLG_TESTS=OFF \
        -DLG_BENCH=ON -DLG_SANITIZE=OFF >"$log_dir/cmake.log" 2>&1 ||
        ! cmake --build "$build_dir" -j"$jobs" --target "${tools[@]}" >>"$log_dir/cmake.log" 2>&1; then
        echo "run.sh: build failed; last lines of $log_dir/cmake.log:" >&2
        tail -n 30 "$log_dir/cmake.log" >&2
        exit 1
    fi
    bin_dir=$build_dir
fi
bin_dir=$(cd "$bin_dir" && pwd)
LINEAGED=$bin_dir/lineaged
GEN=$bin_dir/lg_bench_gen
BARE=$bin_dir/lg_bench_bare_parse
STATE=$bin_dir/lg_bench_state
MEASURE=$bin_dir/lg_bench_measure
KAFKA=$bin_dir/lg_bench_kafka
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$bin_dir/CMakeCache.txt" 2>/dev/null)
sanitized=false
if grep -q '^LG_SANITIZE:BOOL=ON' "$bin_dir/CMakeCache.txt" 2>/dev/null; then
    sanitized=true
    say "WARNING: $bin_dir is a sanitizer build: its figures are not benchmarks"
fi

# ---- corpora (cached by parameters and generator sources) ----
gen_hash=$(cat tests/bench/gen/*.c tests/bench/gen/*.h | cksum | cut -d' ' -f1)

# corpus NAME ARGS...: prints the directory of the corpus lg_bench_gen writes
# for ARGS, generating it unless cached.
corpus() {
    local name=$1
    shift
    local key dir
    key=$(echo "$*" | cksum | cut -d' ' -f1)
    dir=$cache_dir/$name-$gen_hash-$key
    if [[ ! -f $dir/.complete ]]; then
        rm -rf "$dir" "$dir.tmp"
        say "generating corpus $name ($*)"
        if ! "$GEN" --out "$dir.tmp" "$@" >"$log_dir/gen-$name.log" 2>&1; then
            say "generator failed: $(tail -n 3 "$log_dir/gen-$name.log")"
            return 1
        fi
        mv "$dir.tmp" "$dir" && touch "$dir/.complete"
    fi
    echo "$dir"
}

# Removes corpora written by other versions of the generator's sources.
prune_cache() {
    local d
    for d in "$cache_dir"/*/; do
        d=${d%/}
        [[ -d $d && $(basename "$d") != *-"$gen_hash"-* ]] && rm -rf "$d"
    done
}

inputs_of() { # DIR: SOURCE:PATH arguments for every non-empty file of a corpus
    local s
    for s in cloudtrail okta github bedrock; do
        [[ -s $1/$s.jsonl ]] && printf '%s\n' "$s:$1/$s.jsonl"
    done
}

files_of() {
    local s
    for s in cloudtrail okta github bedrock; do
        [[ -s $1/$s.jsonl ]] && printf '%s\n' "$1/$s.jsonl"
    done
}

# summary_field LOG KEY: a key=value of the replay summary line.
summary_field() {
    grep -o "replay: done: .*" "$1" | grep -o "[[:space:]]$2=[0-9.]*" | head -n1 | cut -d= -f2
}

# ---- 1. replay throughput vs bare parse ----
bench_replay() {
    local dir=$1 i
    local -a replay_rates=() cpu_rates=() bare_rates=() bare_mbs=() args files
    mapfile -t args < <(inputs_of "$dir")
    mapfile -t files < <(files_of "$dir")
    # warm the page cache so that the first run does not pay for the disk
    cat "${files[@]}" >/dev/null
    for ((i = 1; i <= repeats; i++)); do
        say "replay throughput: run $i/$repeats"
        local st=$work/replay-$i m=$log_dir/replay-$i.json e=$log_dir/replay-$i.err
        if ! "$MEASURE" --json "$m" -- "$LINEAGED" replay --state "$st" "${args[@]}" \
            >/dev/null 2>"$e"; then
            fail_row replay.events_per_s "replay throughput" "events/s" ">=" 500000 \
                "lineaged replay exited non-zero (logs/replay-$i.err)"
            return
        fi
        local events wall user sys
        events=$(summary_field "$e" events)
        wall=$(json_num "$m" wall_s)
        user=$(json_num "$m" user_s)
        sys=$(json_num "$m" sys_s)
        replay_rates+=("$(calc "$events / $wall")")
        cpu_rates+=("$(calc "$events / ($user + $sys)")")
        rm -rf "$st"
        local b=$log_dir/bare-$i.json
        if ! "$BARE" "${files[@]}" >"$b" 2>>"$log_dir/bare.err"; then
            fail_row bare_parse.events_per_s "bare parse" "events/s" "" 0 "logs/bare.err"
            return
        fi
        bare_rates+=("$(json_num "$b" events_per_s)")
        bare_mbs+=("$(json_num "$b" mb_per_s)")
    done
    local r c b ratios=()
    r=$(median "${replay_rates[@]}")
    c=$(median "${cpu_rates[@]}")
    b=$(median "${bare_rates[@]}")
    for ((i = 0; i < repeats; i++)); do
        ratios+=("$(calc "${replay_rates[$i]} / ${bare_rates[$i]}")")
    done
    local n
    n=$(json_num "$dir/manifest.json" records)
    add_row replay.events_per_s "replay throughput (lineaged replay, wall clock)" "$r" "events/s" \
        ">=" 500000 "$(runs_json "${replay_rates[@]}")" \
        "$n events, $(json_num "$dir/manifest.json" avg_record_bytes) B average, fresh state each run"
    add_row replay.events_per_cpu_s "replay throughput per CPU-second (user+sys, all threads)" \
        "$c" "events/s" "" 0 "$(runs_json "${cpu_rates[@]}")" \
        "the engine thread, its reading and parsing thread (lg prefetch) and its state writer (lg state write); RocksDB flushes and compactions run beside them"
    add_row bare_parse.events_per_s "bare parse of the same corpus (same reader, simdjson)" "$b" \
        "events/s" "" 0 "$(runs_json "${bare_rates[@]}")" \
        "$(median "${bare_mbs[@]}") MB/s; lg_bench_bare_parse"
    add_row replay.vs_bare_parse "replay / bare parse (headline)" \
        "$(calc "$r / $b")" "ratio" ">=" 0.5 "$(runs_json "${ratios[@]}")" \
        "median of the per-run ratios: $(median "${ratios[@]}")"
}

# ---- 2. the Kafka path: throughput, latency, restore and resume ----
# Against a real single-node broker (tests/integration/kafka/broker.sh) in
# the work directory; lg_bench_kafka (tests/bench/kafka.c) loads topics, is
# the bare consumer, watches a run's committed offsets and sends the latency
# probes. `lineaged run` runs with processing.guarantee = exactly_once (the
# default) and every batch setting at its default; output.format = json and
# no HTTP API. The input topics have 3 partitions each; the facts and
# changelog topics (1 partition: facts.partitions' default) are created
# beforehand with production-size segments (256 MiB, the test broker's
# default is 1 MiB), so that the log cleaner does not compact the changelog
# every few seconds; under the latency load its segments still roll every
# 20-30 s, each roll a cleaning pass.
#
# The test broker's log cleaner is tuned for compaction tests that must
# finish in seconds: a 4 MiB dedupe buffer (about 157,000 distinct keys a
# pass) and a 1 s back-off. Over a changelog of millions of records that
# cleaner never stops, re-copying the log's head a few hundred thousand
# keys at a time on the CPUs lineaged is measured on. The bench's broker
# runs Kafka's own defaults instead (128 MiB, 15 s), as a production
# broker would; BENCH_BROKER_PROPERTIES (server.properties lines) adds to
# them or overrides them for experiments, and the results record it.
BROKER_SH=$ROOT/tests/integration/kafka/broker.sh
BROKER_PROPERTIES="log.cleaner.dedupe.buffer.size=134217728
log.cleaner.backoff.ms=15000${BENCH_BROKER_PROPERTIES:+
$BENCH_BROKER_PROPERTIES}"
BOOT=""
LGPID=""
LGSTART=0

# Every Kafka row, not measured, for WHY.
kafka_rows_skipped() {
    local why="not measured: $1"
    add_row kafka.run_events_per_s "Kafka: lineaged run, exactly-once, topics to derived events" \
        "" "events/s" "" 0 "[]" "$why"
    add_row kafka.bare_consumer_events_per_s "Kafka: bare librdkafka consumer on the same topics" \
        "" "events/s" "" 0 "[]" "$why"
    add_row kafka.vs_bare_consumer "Kafka: lineaged run / bare consumer (headline)" "" "ratio" \
        ">=" 0.8 "[]" "$why"
    add_row kafka.sustained_events_per_s \
        "Kafka: lineaged run, usage on the grown state (sustained)" "" "events/s" "" 0 "[]" "$why"
    add_row latency.p50_ms "end-to-end latency p50 at 50% load" "" "ms" "" 0 "[]" "$why"
    add_row latency.p99_ms "end-to-end latency p99 at 50% load" "" "ms" "<=" 50 "[]" "$why"
    add_row latency.max_ms "end-to-end latency max at 50% load" "" "ms" "" 0 "[]" "$why"
    add_row state.kafka_resume_ms "resume after kill -9 (lineaged run): start to first commit" "" \
        "ms" "<=" 2000 "[]" "$why"
    add_row state.restore_records_per_s "restore from the changelog onto an empty disk" "" \
        "records/s" ">=" 100000 "[]" "$why"
}

# Starts the broker; on failure prints why (the rows are then skipped).
kafka_start() {
    if ! command -v java >/dev/null; then
        echo "skipped: java not found (the Kafka rows need a broker: docs/testing-kafka.md)"
        return 1
    fi
    if ! bash "$BROKER_SH" fetch >"$log_dir/kafka-fetch.log" 2>&1; then
        echo "skipped: the broker's jars could not be fetched (logs/kafka-fetch.log)"
        return 1
    fi
    say "Kafka: starting a broker"
    if ! LG_KAFKA_PROPERTIES=$BROKER_PROPERTIES bash "$BROKER_SH" start "$work/broker" \
        >"$log_dir/kafka-broker.log" 2>&1; then
        echo "measurement failed: the broker did not start (logs/kafka-broker.log)"
        return 1
    fi
    BOOT=$(bash "$BROKER_SH" bootstrap "$work/broker")
}

kafka_stop() {
    [[ -n $BOOT ]] || return 0
    cp "$work/broker/broker.log" "$log_dir/kafka-broker-server.log" 2>/dev/null
    bash "$BROKER_SH" stop "$work/broker" >>"$log_dir/kafka-broker.log" 2>&1
    BOOT=""
}

kin_topics() { printf '%s\n' "$1-cloudtrail" "$1-okta" "$1-github" "$1-bedrock"; }

# kafka_topics PREFIX: input topics; kafka_run_topics NAME: a run's own.
kafka_topics() {
    "$KAFKA" topics -b "$BOOT" -c segment.bytes=268435456 "$1-cloudtrail:3" "$1-okta:3" \
        "$1-github:3" "$1-bedrock:3" >/dev/null 2>>"$log_dir/kafka.err"
}
kafka_run_topics() {
    "$KAFKA" topics -b "$BOOT" -c segment.bytes=268435456 "$1-derived:1" "$1-deadletter:1" \
        "$1-facts:1" "$1-changelog:1:compact" >/dev/null 2>>"$log_dir/kafka.err"
}

# produce_args PREFIX FILES...: TOPIC=FILE for each non-empty source file
# (named SOURCE.jsonl or SOURCE-*.jsonl).
produce_args() {
    local prefix=$1 f s
    shift
    for f in "$@"; do
        [[ -s $f ]] || continue
        s=$(basename "$f" .jsonl)
        printf '%s\n' "$prefix-${s%%-*}=$f"
    done
}

# kafka_conf NAME STATE_DIR INPUT_PREFIX: $work/NAME.conf for `lineaged run`.
kafka_conf() {
    cat >"$work/$1.conf" <<EOF
kafka.brokers = $BOOT
kafka.group.id = $1
instance.id = bench
state.dir = $2
topics.cloudtrail = $3-cloudtrail
topics.okta = $3-okta
topics.github = $3-github
topics.bedrock = $3-bedrock
topics.derived = $1-derived
topics.deadletter = $1-deadletter
topics.facts = $1-facts
topics.changelog = $1-changelog
topics.replication.factor = 1
output.format = json
api.listen =
log.level = info
processing.stages = $stages
EOF
    # experiments: BENCH_RUN_CONF="batch.max.ms = 10" (one key = value per line)
    [[ -n ${BENCH_RUN_CONF:-} ]] && printf '%s\n' "$BENCH_RUN_CONF" >>"$work/$1.conf"
    return 0
}

# lg_start CONF LOG: `lineaged run` in the background (LGPID; LGSTART =
# epoch ms just before it starts).
lg_start() {
    LGSTART=$(date +%s%3N)
    "$LINEAGED" run --config "$1" >>"$2" 2>&1 &
    LGPID=$!
    kafka_pids+=("$LGPID")
}

# lg_stop [SIGNAL]: signals LGPID (TERM) and reaps it (KILL after 60 s).
lg_stop() {
    local sig=${1:-TERM} i st
    [[ -n $LGPID ]] || return 0
    kill -"$sig" "$LGPID" 2>/dev/null
    for ((i = 0; i < 600; i++)); do
        st=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$LGPID/stat" 2>/dev/null)
        [[ -z $st || $st == Z ]] && break
        sleep 0.1
    done
    kill -KILL "$LGPID" 2>/dev/null
    wait "$LGPID" 2>/dev/null
    LGPID=""
}

# CPU seconds (user + system) and peak RSS (MB) of a running process.
proc_cpu_s() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' \
        "/proc/$1/stat" 2>/dev/null
}
proc_hwm_mb() { awk '/^VmHWM/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }

# one_stage: whether the runs have processing.stages = 1 (--stages 1, or
# BENCH_RUN_CONF, whose lines come last), which has no facts topic to watch.
one_stage() {
    local set
    set=$(sed -n 's/^[[:space:]]*processing\.stages[[:space:]]*=[[:space:]]*\([0-9]*\)[[:space:]]*$/\1/p' \
        <<<"${BENCH_RUN_CONF:-}" | tail -n 1)
    [[ ${set:-$stages} == 1 ]]
}

# kwatch OUT ARGS...: lg_bench_kafka watch with the broker; 0 when done.
kwatch() {
    local out=$1 a
    shift
    if one_stage; then # no facts topic: drop -f FACTS
        local -a keep=()
        while (($#)); do
            a=$1
            shift
            if [[ $a == -f ]]; then shift; else keep+=("$a"); fi
        done
        set -- "${keep[@]}"
    fi
    "$KAFKA" watch -b "$BOOT" --timeout "$kafka_timeout" "$@" >"$out" 2>>"$log_dir/kafka.err" &&
        grep -q '"timed_out":false' "$out"
}

# kcommitted GROUP TOPICS...: the group's committed offsets, summed.
kcommitted() {
    local g=$1
    shift
    "$KAFKA" committed -b "$BOOT" -g "$g" "$@" 2>>"$log_dir/kafka.err" |
        sed -n 's/.*"committed":\([0-9]*\).*/\1/p'
}

# Throughput: per run the bare consumer, then lineaged run from an empty
# state; the last run's instance stays up for the latency measurement.
kafka_throughput() {
    local dir=$1 i n
    local -a args files inputs bare=() run=() ratios=() cpu=() rss=() first=() bcpu=()
    mapfile -t files < <(files_of "$dir")
    mapfile -t args < <(produce_args kt "${files[@]}")
    mapfile -t inputs < <(kin_topics kt)
    n=$(json_num "$dir/manifest.json" records)
    if ! kafka_topics kt; then
        kafka_rows_skipped "measurement failed: cannot create topics (logs/kafka.err)"
        errors=$((errors + 1))
        return 1
    fi
    say "Kafka: producing the replay corpus ($n events) into the input topics"
    local p=$log_dir/kafka-produce.json
    if ! "$KAFKA" produce -b "$BOOT" "${args[@]}" >"$p" 2>>"$log_dir/kafka.err"; then
        kafka_rows_skipped "measurement failed: producing the corpus (logs/kafka-produce.json)"
        errors=$((errors + 1))
        return 1
    fi
    add_row kafka.produce_events_per_s "Kafka: loading the input topics (lg_bench_kafka produce)" \
        "$(json_num "$p" records_per_s)" "events/s" "" 0 "[]" \
        "$(json_num "$p" records) events, $(json_num "$p" mb_per_s) MB/s; lz4, idempotent, acks=all"
    for ((i = 1; i <= repeats; i++)); do
        say "Kafka throughput: run $i/$repeats: bare consumer"
        local b=$log_dir/kafka-bare-$i.json w=$log_dir/kafka-watch-$i.json
        if ! "$KAFKA" consume -b "$BOOT" -g "bare-$i" --timeout "$kafka_timeout" "${inputs[@]}" \
            >"$b" 2>>"$log_dir/kafka.err"; then
            fail_row kafka.bare_consumer_events_per_s "Kafka: bare consumer" "events/s" "" 0 \
                "logs/kafka-bare-$i.json"
            return 1
        fi
        bare+=("$(json_num "$b" read_records_per_s)")
        first+=("$(json_num "$b" first_message_s)")
        say "Kafka throughput: run $i/$repeats: lineaged run (exactly-once) from an empty state"
        kafka_run_topics "kt$i"
        kafka_conf "kt$i" "$work/kstate-$i" kt
        local bcpu0
        bcpu0=$(proc_cpu_s "$(cat "$work/broker/broker.pid" 2>/dev/null)")
        lg_start "$work/kt$i.conf" "$log_dir/kafka-run-$i.log"
        if ! kwatch "$w" -g "kt$i" -f "kt$i-facts" --since-ms "$LGSTART" "${inputs[@]}"; then
            lg_stop
            fail_row kafka.run_events_per_s "Kafka: lineaged run" "events/s" "" 0 \
                "not done in time or exited (logs/kafka-watch-$i.json, logs/kafka-run-$i.log)"
            return 1
        fi
        cpu+=("$(proc_cpu_s "$LGPID")")
        rss+=("$(proc_hwm_mb "$LGPID")")
        bcpu+=("$(calc "$(proc_cpu_s "$(cat "$work/broker/broker.pid")") - ${bcpu0:-0}")")
        local ms
        ms=$(json_num "$w" elapsed_ms)
        run+=("$(calc "$n * 1000 / $ms")")
        ratios+=("$(calc "${run[$((i - 1))]} / ${bare[$((i - 1))]}")")
        ((i < repeats)) && lg_stop
    done
    local r b c=()
    r=$(median "${run[@]}")
    b=$(median "${bare[@]}")
    for ((i = 0; i < repeats; i++)); do
        c+=("$(calc "$n / ${cpu[$i]}")")
    done
    add_row kafka.bare_consumer_events_per_s "Kafka: bare librdkafka consumer on the same topics" \
        "$b" "events/s" "" 0 "$(runs_json "${bare[@]}")" \
        "subscribe, read to the end, discard; first to last message (the group join before it, $(median "${first[@]}") s, left out)"
    add_row kafka.run_events_per_s "Kafka: lineaged run, exactly-once, topics to derived events" \
        "$r" "events/s" "" 0 "$(runs_json "${run[@]}")" \
        "$n events from an empty state; process start (startup counted) to the graph stage's last commit"
    add_row kafka.vs_bare_consumer "Kafka: lineaged run / bare consumer (headline)" \
        "$(calc "$r / $b")" "ratio" ">=" 0.8 "$(runs_json "${ratios[@]}")" \
        "median of the per-run ratios: $(median "${ratios[@]}")"
    add_row kafka.run_events_per_cpu_s "Kafka: lineaged run per CPU-second (user+sys)" \
        "$(median "${c[@]}")" "events/s" "" 0 "$(runs_json "${c[@]}")" \
        "lineaged's CPU time; the broker used $(median "${bcpu[@]}") CPU-s per run on the same CPUs"
    add_row kafka.run_peak_rss_mb "Kafka: peak RSS of lineaged run" "$(median "${rss[@]}")" "MB" \
        "" 0 "$(runs_json "${rss[@]}")" "VmHWM at the end of each run"
    # the latency load is half the lower of the two maxima: the rate from an
    # empty state over the replay corpus, and the sustained rate of usage on
    # the grown state (the latency's own kind of load)
    local lat_max=$r
    if kafka_sustained "kt$repeats" && awk -v s="$sustained" -v r="$r" 'BEGIN { exit !(s < r) }'
    then
        lat_max=$sustained
    fi
    kafka_latency "$lat_max" "kt$repeats"
    lg_stop
}

# replay_use_corpus NAME EVENTS SEED: a `use` corpus (usage only) of the
# replay corpus's company; prints its directory.
replay_use_corpus() {
    local people bo
    people=$(json_num "$replay_corpus/manifest.json" people)
    bo=$(sed -n 's/.*"big_owner": {[^}]*"nhis": \([0-9]*\).*/\1/p' "$replay_corpus/manifest.json")
    corpus "$1" --mode use --people "$people" --big-owner "${bo:-50}" --events "$2" \
        --stream-seed "$3"
}

# The sustained rate of the latency's kind of load: the instance of run NAME
# (its state grown by the replay corpus) is stopped, a usage corpus of the
# same company is produced into the input topics, and the instance is
# started again over its state; from process start (counted, as in the
# throughput runs) to every input and fact committed. Sets sustained. The
# instance is running again when it returns, whatever happened.
kafka_sustained() {
    local name=$1 sc n ms w=$log_dir/kafka-sustained.json
    local -a files args inputs
    sustained=""
    sc=$(replay_use_corpus sustain "$sus_events" 22) || return 1
    mapfile -t files < <(files_of "$sc")
    mapfile -t args < <(produce_args kt "${files[@]}")
    mapfile -t inputs < <(kin_topics kt)
    lg_stop
    say "Kafka: sustained rate: $sus_events usage events on the grown state"
    if ! "$KAFKA" produce -b "$BOOT" "${args[@]}" >"$work/sustain-produce.json" \
        2>>"$log_dir/kafka.err"; then
        fail_row kafka.sustained_events_per_s "Kafka: sustained rate" "events/s" "" 0 \
            "producing the usage corpus failed (logs/kafka.err)"
        lg_start "$work/$name.conf" "$log_dir/kafka-sustained.log"
        return 1
    fi
    n=$(json_num "$work/sustain-produce.json" records)
    # the latency phase that follows reads this instance's /metrics
    sed -i 's/^api\.listen =.*/api.listen = 127.0.0.1:0/' "$work/$name.conf"
    lg_start "$work/$name.conf" "$log_dir/kafka-sustained.log"
    if ! kwatch "$w" -g "$name" -f "$name-facts" --since-ms "$LGSTART" "${inputs[@]}"; then
        fail_row kafka.sustained_events_per_s "Kafka: sustained rate" "events/s" "" 0 \
            "not done in time or exited (logs/kafka-sustained.json, logs/kafka-sustained.log)"
        return 1
    fi
    ms=$(json_num "$w" elapsed_ms)
    sustained=$(calc "$n * 1000 / $ms")
    add_row kafka.sustained_events_per_s \
        "Kafka: lineaged run, usage on the grown state (sustained)" "$sustained" "events/s" "" 0 \
        "[]" "$n usage events of the same company after the replay corpus;\
 process start (restart counted) to the graph stage's last commit"
}

# With --profile: perf samples (software clock, DWARF call graphs) of
# kprof_s seconds of a `lineaged run` over the replay corpus (a separate run:
# perf slows it) into OUT/profile-kafka.txt.
kafka_profile() {
    if ! command -v perf >/dev/null ||
        ! perf record -q -e cpu-clock -o "$work/pc.data" true >/dev/null 2>&1; then
        say "profile: perf cannot sample here: no Kafka profile"
        return
    fi
    rm -f "$work/pc.data"
    local -a inputs
    mapfile -t inputs < <(kin_topics kt)
    kafka_run_topics ktp
    kafka_conf ktp "$work/kstate-prof" kt
    lg_start "$work/ktp.conf" "$log_dir/kafka-profile.log"
    # perf -p samples the threads that exist when it attaches: wait until the
    # graph stage has its partitions (both stage threads are running then)
    local i
    for ((i = 0; i < 300; i++)); do
        grep -Eq "graph: assigned [0-9]+ (facts|input) partitions" "$log_dir/kafka-profile.log" &&
            break
        sleep 0.1
    done
    say "profile: perf cpu-clock samples of $kprof_s s of lineaged run (Kafka path)"
    perf record -q -e cpu-clock -F 250 --call-graph dwarf,16384 -p "$LGPID" \
        -o "$work/kperf.data" -- sleep "$kprof_s" >/dev/null 2>>"$log_dir/profile.err"
    lg_stop
    local d=$work/kperf.data
    {
        echo "== perf cpu-clock, $kprof_s s of lineaged run (exactly-once) over the replay corpus =="
        echo "== by library =="
        perf report -i "$d" --stdio --no-children --sort dso -g none 2>/dev/null |
            grep -v '^#' | grep -v '^$' | head -n 12
        echo
        echo "== stages: children (inclusive) and self share of the samples =="
        perf report -i "$d" --stdio --children --sort sym -g none 2>/dev/null |
            grep -v '^#' | grep -v '^$' |
            grep -E ' (lg_|rocksdb_write|rd_kafka_(producev|consumer_poll|commit_transaction|send_offsets)|commit$|produce_(fact|change)|coalesce|parse_event|on_record|restore)' |
            head -n 50
        echo
        echo "== hottest symbols (self) =="
        perf report -i "$d" --stdio --no-children --sort sym -g none 2>/dev/null |
            grep -v '^#' | grep -v '^$' | head -n 40
    } >"$out_dir/profile-kafka.txt"
    rm -f "$d"
    say "profile written to $out_dir/profile-kafka.txt"
}

# metrics_scrape LOG OUT: the /metrics of the instance whose log is LOG
# (its "HTTP API ... at URL" line) into OUT; 1 when it has none.
metrics_scrape() {
    local url
    url=$(sed -n 's#.*HTTP API and lineage map at \(http://[^ ]*\).*#\1#p' "$1" | tail -n 1)
    [[ -n $url ]] && curl -sf --max-time 10 "${url}metrics" >"$2"
}

# metrics_delta BEFORE AFTER: what lineaged timed between two scrapes, as
# JSON: its end-to-end latency histogram (count, mean, p50 and p99
# interpolated within the buckets, as Prometheus' histogram_quantile does;
# a negative figure is above the last bound) and each commit phase's count,
# mean and p99 per stage.
metrics_delta() {
    awk '
        FNR == NR { before[$1] = $2; next }
        /^lineaged_(end_to_end_latency|commit_phase)_seconds/ { d[$1] = $2 - before[$1] }
        # series name of a bucket, sum or count line: "e2e" or "STAGE.PHASE"
        function series(k,    st, ph) {
            if (k ~ /^lineaged_end_to_end/) return "e2e"
            st = k; sub(/.*stage="/, "", st); sub(/".*/, "", st)
            ph = k; sub(/.*phase="/, "", ph); sub(/".*/, "", ph)
            return st "." ph
        }
        function quantile(sn, q,    target, i, prev, cum, prevcum) {
            target = q * cnt[sn]
            prev = 0; prevcum = 0
            for (i = 1; i <= nb[sn]; i++) {
                cum = d[bkey[sn, i]]
                if (cum >= target)
                    return (prev + (bound[sn, i] - prev) * (target - prevcum) / (cum - prevcum)) * 1000
                prev = bound[sn, i]; prevcum = cum
            }
            return -prev * 1000
        }
        END {
            for (k in d) {
                sn = series(k)
                if (k ~ /_count/) cnt[sn] = d[k]
                else if (k ~ /_sum/) sum[sn] = d[k]
                else if (k !~ /Inf/) {
                    le = k; sub(/.*le="/, "", le); sub(/".*/, "", le)
                    n = ++nb[sn]; bound[sn, n] = le + 0; bkey[sn, n] = k
                    for (j = n; j > 1 && bound[sn, j] < bound[sn, j - 1]; j--) {
                        t = bound[sn, j]; bound[sn, j] = bound[sn, j - 1]; bound[sn, j - 1] = t
                        t = bkey[sn, j]; bkey[sn, j] = bkey[sn, j - 1]; bkey[sn, j - 1] = t
                    }
                }
            }
            printf "{\"e2e_count\":%d", cnt["e2e"]
            if (cnt["e2e"] > 0)
                printf ",\"e2e_mean_ms\":%.1f,\"e2e_p50_ms\":%.1f,\"e2e_p99_ms\":%.1f", \
                    sum["e2e"] * 1000 / cnt["e2e"], quantile("e2e", 0.5), quantile("e2e", 0.99)
            printf ",\"phases\":{"
            sep = ""
            for (sn in cnt) if (sn != "e2e" && cnt[sn] > 0) {
                printf "%s\"%s\":{\"count\":%d,\"mean_ms\":%.2f,\"p99_ms\":%.1f}", sep, sn, \
                    cnt[sn], sum[sn] * 1000 / cnt[sn], quantile(sn, 0.99)
                sep = ","
            }
            print "}}"
        }' "$1" "$2"
}

# phase_means JSON: "parse: produce A, flush B, txn C; graph: ..." (ms).
phase_means() {
    local st ph out="" part
    for st in parse graph; do
        part=""
        for ph in prepare produce flush txn state; do
            local v
            v=$(sed -n "s/.*\"$st\.$ph\":{\"count\":[0-9]*,\"mean_ms\":\([0-9.]*\).*/\1/p" "$1")
            [[ -n $v ]] && part+="${part:+, }$ph $v"
        done
        [[ -n $part ]] && out+="${out:+; }$st: $part"
    done
    echo "$out"
}

# window_vals JSON KEY: KEY's value in each of the latency's window_stats.
window_vals() {
    sed -n 's/.*"window_stats":\[\([^]]*\)\].*/\1/p' "$1" | grep -oE "\"$2\":-?[0-9.]+" | cut -d: -f2
}

# cleaner_in_windows JSON BROKER_LOG: how much of the latency windows
# (window_stats' start_unix_ms and end_unix_ms) the broker's log cleaner was
# at work, from its log (a pass runs from "Beginning cleaning of log" to
# the cleaner thread's statistics): "PASSES SECONDS MEASURED_SECONDS", or
# nothing (status 1) without windows. The broker logs local time, which
# mktime reads back the same way.
cleaner_in_windows() {
    local w
    w=$(paste -d' ' <(window_vals "$1" start_unix_ms) <(window_vals "$1" end_unix_ms))
    [[ -n $w && -f $2 ]] || return 1
    awk 'function ms(d, t) {
             gsub(/-/, " ", d); gsub(/:/, " ", t); split(t, f, ".")
             return mktime(d " " f[1]) * 1000 + f[2]
         }
         FNR == NR { ws[++nw] = $1; we[nw] = $2; measured += $2 - $1; next }
         /Beginning cleaning of log/ { open = ms($1, $2); next }
         /LogCleaner\$CleanerThread - \[kafka-log-cleaner-thread-[0-9]*\]: *$/ && open {
             ps[++np] = open; pe[np] = ms($1, $2); open = 0
         }
         END {
             if (open) { ps[++np] = open; pe[np] = we[nw] }
             for (i = 1; i <= np; i++) {
                 hit = 0
                 for (j = 1; j <= nw; j++) {
                     a = ps[i] > ws[j] ? ps[i] : ws[j]; b = pe[i] < we[j] ? pe[i] : we[j]
                     if (b > a) { busy += b - a; hit = 1 }
                 }
                 passes += hit
             }
             printf "%d %.1f %.1f\n", passes, busy / 1000, measured / 1000
         }' - "$2" <<<"$w"
}

# Latency at 50% of RATE through the running instance of run NAME.
kafka_latency() {
    local max=$1 name=$2 rate bg l=$log_dir/kafka-latency.json
    local -a args files
    rate=$(awk -v m="$max" 'BEGIN { r = int(m / 2); print r < 1 ? 1 : r }')
    # experiments: BENCH_LATENCY_RATE fixes the rate, so that runs of two
    # builds are compared at the same load
    [[ -n ${BENCH_LATENCY_RATE:-} ]] && rate=$BENCH_LATENCY_RATE
    bg=$(replay_use_corpus latency "$lat_events" 21) || return 1
    mapfile -t files < <(files_of "$bg")
    mapfile -t args < <(produce_args kt "${files[@]}")
    say "latency: $lat_windows window(s) of ${lat_seconds} s at $rate events/s" \
        "(${BENCH_LATENCY_RATE:+BENCH_LATENCY_RATE; }50% of $max) with 20 probes/s," \
        "after ${lat_settle} s of the same load"
    local m0=$log_dir/kafka-latency-metrics-before.txt m1=$log_dir/kafka-latency-metrics-after.txt
    local lm=$log_dir/kafka-latency-metrics.json own=""
    metrics_scrape "$log_dir/kafka-sustained.log" "$m0" || rm -f "$m0"
    if ! "$KAFKA" latency -b "$BOOT" --derived "$name-derived" --cloudtrail kt-cloudtrail \
        --okta kt-okta --rate "$rate" --seconds "$lat_seconds" --windows "$lat_windows" \
        --settle "$lat_settle" \
        --probes-per-s 20 "${args[@]}" >"$l" 2>>"$log_dir/kafka.err"; then
        fail_row latency.p99_ms "end-to-end latency" "ms" "<=" 50 \
            "$(sed -n 's/.*"error":"\([^"]*\)".*/\1/p' "$l") (logs/kafka-latency.json)"
        return 1
    fi
    # lineaged's own account of the same minute: every fact timed from its
    # input's timestamp to its commit, and where each commit's time went
    if [[ -f $m0 ]] && metrics_scrape "$log_dir/kafka-sustained.log" "$m1"; then
        metrics_delta "$m0" "$m1" >"$lm"
        own="; lineaged's own histogram over the settling and measured windows\
 ($(json_num "$lm" e2e_count) facts, logs/kafka-latency-metrics.json): p50 ~$(json_num "$lm" e2e_p50_ms),\
 p99 ~$(json_num "$lm" e2e_p99_ms) ms; mean commit phases (ms): $(phase_means "$lm")"
    fi
    local note k
    note="$(json_num "$l" seen) probes at $(json_num "$l" rate_achieved) events/s in\
 $lat_windows window(s) of ${lat_seconds} s (50% of $max events/s, the lower of the throughput and\
 sustained rates), after ${lat_settle} s of the same load (its probes: p50\
 $(json_num "$l" settle_p50_ms), p99 $(json_num "$l" settle_p99_ms) ms)"
    ((lat_windows > 1)) && note+="; the median of the windows' figures (runs), over all\
 their probes p50 $(json_num "$l" p50_ms), p99 $(json_num "$l" p99_ms), max $(json_num "$l" max_ms) ms"
    # the broker's compaction of lineaged's changelog, on the same CPUs, is
    # what makes most of the worst seconds (performance.md)
    local cw
    if cw=$(cleaner_in_windows "$l" "$work/broker/broker.log") && [[ -n $cw ]]; then
        read -r -a cw <<<"$cw"
        note+="; the broker's log cleaner was at work ${cw[1]} s of the ${cw[2]} s measured\
 (${cw[0]} pass(es) over the changelog; logs/kafka-broker-server.log)"
    fi
    # each figure: the median of the windows' (one window: its own)
    local -A fig runs
    for k in p50_ms p99_ms max_ms; do
        local -a v
        mapfile -t v < <(window_vals "$l" "$k")
        fig[$k]=$(median "${v[@]}")
        runs[$k]="[]"
        ((${#v[@]} > 1)) && runs[$k]="[$(IFS=,; echo "${v[*]}")]"
    done
    add_row latency.p50_ms "end-to-end latency p50 at 50% load" "${fig[p50_ms]}" "ms" \
        "" 0 "${runs[p50_ms]}" "$note; append (delivery report) to read_committed read of orphan.new"
    add_row latency.p99_ms "end-to-end latency p99 at 50% load" "${fig[p99_ms]}" "ms" \
        "<=" 50 "${runs[p99_ms]}" "$note; p90 $(json_num "$l" p90_ms) ms, min $(json_num "$l" min_ms) ms$own"
    add_row latency.max_ms "end-to-end latency max at 50% load" "${fig[max_ms]}" "ms" \
        "" 0 "${runs[max_ms]}" "from the produce call: p50 $(json_num "$l" send_p50_ms), p99 $(json_num "$l" send_p99_ms) ms"
}

# One kill -9 round on the running instance of run rs: produce a usage
# corpus except the last tenth of its CloudTrail file, kill -9 lineaged half
# way through it, produce that tenth, start again; sets resume_ms to the
# time from the start to the graph stage's first commit. Waits for the end.
kafka_kill_round() {
    local i=$1 kc ct lines tailn before a base
    resume_ms=""
    kc=$(corpus "kill$i" --mode use --people "$people" --big-owner "$big" \
        --events "$kill_events" --stream-seed $((100 + i))) || return 1
    ct=$kc/cloudtrail.jsonl
    lines=$(wc -l <"$ct")
    tailn=$((lines / 10 > 0 ? lines / 10 : 1))
    head -n $((lines - tailn)) "$ct" >"$work/cloudtrail-a.jsonl"
    tail -n "$tailn" "$ct" >"$work/cloudtrail-b.jsonl"
    local -a inputs args
    mapfile -t inputs < <(kin_topics rs)
    mapfile -t args < <(produce_args rs "$work/cloudtrail-a.jsonl" "$kc/okta.jsonl" \
        "$kc/github.jsonl" "$kc/bedrock.jsonl")
    before=$(kcommitted rs "${inputs[@]}")
    [[ -n $before ]] || return 1
    "$KAFKA" produce -b "$BOOT" "${args[@]}" >"$work/produce.json" 2>>"$log_dir/kafka.err" ||
        return 1
    a=$(json_num "$work/produce.json" records)
    kwatch "$log_dir/kafka-kill-$i.json" -g rs -f rs-facts --until input \
        --beyond $((before + a / 2)) "${inputs[@]}" || return 1
    say "Kafka state: kill -9 of lineaged run at $(json_num "$log_dir/kafka-kill-$i.json" input_committed) input messages"
    lg_stop KILL
    "$KAFKA" produce -b "$BOOT" "rs-cloudtrail=$work/cloudtrail-b.jsonl" >/dev/null \
        2>>"$log_dir/kafka.err" || return 1
    if one_stage; then base=$(kcommitted rs "${inputs[@]}"); else base=$(kcommitted rs.graph rs-facts); fi
    [[ -n $base ]] || return 1
    local rl=$log_dir/kafka-resume-$i.log
    lg_start "$work/rs.conf" "$rl"
    kwatch "$log_dir/kafka-resume-$i.json" -g rs -f rs-facts --until graph --beyond "$base" \
        --since-ms "$LGSTART" "${inputs[@]}" || return 1
    resume_ms=$(json_num "$log_dir/kafka-resume-$i.json" elapsed_ms)
    # ready: the graph stage has its partition (changelog tail restored)
    local ts
    ts=$(grep -m1 'graph: assigned' "$rl" | cut -d' ' -f1)
    resume_ready=""
    [[ -n $ts ]] && resume_ready=$(($(date -d "$ts" +%s%3N) - LGSTART))
    resume_tail=$(grep -m1 -o '([0-9]* records from offset [^ ]* in [0-9]* ms)' "$rl")
    kwatch "$work/done.json" -g rs -f rs-facts "${inputs[@]}"
}

# Restore and resume with the state-scale corpus built through lineaged run.
kafka_state() {
    local create=$1 n st=$work/rs-state w=$log_dir/kafka-state-build.json
    local -a files args inputs
    mapfile -t files < <(files_of "$create")
    mapfile -t args < <(produce_args rs "${files[@]}")
    mapfile -t inputs < <(kin_topics rs)
    n=$(json_num "$create/manifest.json" records)
    if ! kafka_topics rs || ! kafka_run_topics rs; then
        fail_row state.restore_records_per_s "restore from the changelog" "records/s" ">=" 100000 \
            "cannot create topics (logs/kafka.err)"
        return 1
    fi
    say "Kafka state: producing the state-scale corpus ($n creation events)"
    "$KAFKA" produce -b "$BOOT" "${args[@]}" >"$log_dir/kafka-state-produce.json" \
        2>>"$log_dir/kafka.err"
    kafka_conf rs "$st" rs
    say "Kafka state: building it through lineaged run"
    lg_start "$work/rs.conf" "$log_dir/kafka-state.log"
    if ! kwatch "$w" -g rs -f rs-facts --since-ms "$LGSTART" "${inputs[@]}"; then
        lg_stop
        fail_row state.restore_records_per_s "restore from the changelog (state build)" \
            "records/s" ">=" 100000 "the build did not finish (logs/kafka-state.log)"
        return 1
    fi
    local rss
    rss=$(proc_hwm_mb "$LGPID")
    add_row state.kafka_build_events_per_s "state build through lineaged run (creation events)" \
        "$(calc "$n * 1000 / $(json_num "$w" elapsed_ms)")" "events/s" "" 0 "[]" \
        "$n events from an empty state; peak RSS $rss MB"
    local -a resume=() ready=()
    local i
    for ((i = 1; i <= repeats; i++)); do
        if ! kafka_kill_round "$i" || [[ -z $resume_ms ]]; then
            say "Kafka state: kill round $i failed (logs/kafka-state.log, logs/kafka.err)"
            break
        fi
        resume+=("$resume_ms")
        ready+=("${resume_ready:-0}")
    done
    lg_stop
    local nhis=""
    if "$STATE" count --state "$st/p0" >"$log_dir/kafka-state-count.json" 2>>"$log_dir/state.err"; then
        nhis=$(json_num "$log_dir/kafka-state-count.json" nhis)
        add_row state.kafka_nhis "NHIs in the state built through lineaged run" "$nhis" "NHIs" "" \
            0 "[]" "people: $(json_num "$log_dir/kafka-state-count.json" humans); the changelog restored below holds it"
    fi
    if [[ ${#resume[@]} -gt 0 ]]; then
        add_row state.kafka_resume_ms "resume after kill -9 (lineaged run): start to first commit" \
            "$(median "${resume[@]}")" "ms" "<=" 2000 "$(runs_json "${resume[@]}")" \
            "killed half way through $kill_events usage events over ${nhis:-?} NHIs; process start to the graph stage's first committed batch; ready (changelog tail restored) after $(median "${ready[@]}") ms, e.g. $resume_tail; the rest is the first batch of the backlog"
    else
        fail_row state.kafka_resume_ms "resume after kill -9 (lineaged run)" "ms" "<=" 2000 \
            "logs/kafka-state.log, logs/kafka.err"
    fi
    # restore: the same instance on an empty disk
    say "Kafka state: restore from the changelog onto an empty disk"
    kafka_conf rs "$work/rs-restore" rs
    local rl=$log_dir/kafka-restore.log line="" rrss=""
    lg_start "$work/rs.conf" "$rl"
    for ((i = 0; i < ${kafka_timeout%.*} * 10; i++)); do
        line=$(grep -m1 'state restored from' "$rl")
        [[ -n $line ]] && break
        [[ -e /proc/$LGPID ]] || break
        sleep 0.1
    done
    rrss=$(proc_hwm_mb "$LGPID")
    lg_stop
    local rec ms
    rec=$(echo "$line" | sed -n 's/.*(\([0-9]*\) records from offset beginning in \([0-9]*\) ms).*/\1/p')
    ms=$(echo "$line" | sed -n 's/.*(\([0-9]*\) records from offset beginning in \([0-9]*\) ms).*/\2/p')
    if [[ -n $rec && -n $ms && $ms -gt 0 ]]; then
        add_row state.restore_records_per_s "restore from the changelog onto an empty disk" \
            "$(calc "$rec * 1000 / $ms")" "records/s" ">=" 100000 "[]" \
            "$rec changelog records in $ms ms (the graph stage's log line), ${nhis:-?} NHIs; peak RSS of the restoring process ${rrss:-?} MB"
    else
        fail_row state.restore_records_per_s "restore from the changelog" "records/s" ">=" \
            100000 "no restore line (logs/kafka-restore.log)"
    fi
}

bench_kafka() {
    local why
    if [[ $kafka -eq 0 ]]; then
        kafka_rows_skipped "skipped (--no-kafka)"
        return
    fi
    if ! why=$(kafka_start); then
        kafka_rows_skipped "$why"
        [[ $why == measurement* ]] && errors=$((errors + 1))
        return
    fi
    BOOT=$(bash "$BROKER_SH" bootstrap "$work/broker")
    kafka_throughput "$1"
    lg_stop
    ((profile)) && kafka_profile
    kafka_state "$2"
    lg_stop
    kafka_stop
    kafka_fill_rows
}

# Rows a failed step left out: listed, not measured.
kafka_fill_rows() {
    local id row have
    for id in kafka.run_events_per_s kafka.bare_consumer_events_per_s kafka.vs_bare_consumer \
        kafka.sustained_events_per_s latency.p50_ms latency.p99_ms latency.max_ms \
        state.kafka_resume_ms state.restore_records_per_s; do
        have=0
        for row in "${rows[@]}"; do
            [[ $row == "{\"id\":\"$id\","* ]] && have=1 && break
        done
        ((have)) || add_row "$id" "$id" "" "" "" 0 "[]" \
            "not measured: an earlier Kafka step failed (see logs/kafka.err)"
    done
}

# ---- 3. state scale ----
bench_state() {
    local create=$1 use=$2
    local st=$work/state m=$log_dir/state-build.json
    local -a args
    mapfile -t args < <(inputs_of "$create")
    say "state scale: building a state of $(json_num "$create/manifest.json" total) NHIs"
    if ! "$MEASURE" --json "$m" -- "$LINEAGED" replay --state "$st" "${args[@]}" \
        >/dev/null 2>"$log_dir/state-build.err"; then
        fail_row state.build_events_per_s "state build" "events/s" "" 0 "logs/state-build.err"
        return
    fi
    local events wall rss_build
    events=$(summary_field "$log_dir/state-build.err" events)
    wall=$(json_num "$m" wall_s)
    rss_build=$(json_num "$m" max_rss_kb)
    if ! "$STATE" count --state "$st" >"$log_dir/state-count.json" 2>>"$log_dir/state.err"; then
        fail_row state.nhis "NHIs in the state" "NHIs" "" 0 "logs/state.err"
        return
    fi
    local nhis humans bytes
    nhis=$(json_num "$log_dir/state-count.json" nhis)
    humans=$(json_num "$log_dir/state-count.json" humans)
    bytes=$(du -sb "$st" | cut -f1)
    local sst wal
    sst=$(find "$st" -name '*.sst' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    wal=$(find "$st" -name '*.log' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    add_row state.nhis "NHIs in the state (people: $humans)" "$nhis" "NHIs" "" 0 "[]" \
        "built by replaying $events generated creation events"
    add_row state.build_events_per_s "state build: creation events replayed" \
        "$(calc "$events / $wall")" "events/s" "" 0 "[]" \
        "$events events in $(calc "$wall") s; every event creates identities"
    add_row state.disk_bytes_per_nhi "disk per NHI (whole state directory / NHIs)" \
        "$(calc "$bytes / $nhis")" "bytes" "" 0 "[]" \
        "$bytes bytes: $sst in SST files ($(calc "$sst / $nhis") B/NHI), $wal in write-ahead logs"

    # owner-lineage query for the person with $big descendants
    local owner q=$log_dir/query.json
    owner=$(sed -n 's/.*"big_owner": {"email": "\([^"]*\)".*/\1/p' "$create/manifest.json")
    say "state scale: owner-lineage query for $owner"
    if "$STATE" query --state "$st" --owner "$owner" --reps "$query_reps" >"$q" \
        2>>"$log_dir/state.err"; then
        local desc
        desc=$(json_num "$q" descendants)
        add_row query.owner_lineage_p99_ms "owner lineage (lg_q_owns), $desc descendants: p99" \
            "$(json_num "$q" p99_ms)" "ms" "<=" 5 "[]" \
            "warm, $query_reps queries; p50 $(json_num "$q" p50_ms) ms, max $(json_num "$q" max_ms) ms"
        add_row query.owner_lineage_cold_ms "owner lineage: first query after opening the state" \
            "$(json_num "$q" cold_ms)" "ms" "" 0 "[]" "cold block cache and node cache"
        local tp99
        tp99=$(sed -n 's/.*"traversal":{[^}]*"p99_ms":\([0-9.]*\).*/\1/p' "$q")
        add_row query.traversal_p99_ms "owner lineage as a bare link walk + attribution: p99" \
            "$tp99" "ms" "" 0 "[]" "lg_graph_links BFS + lg_graph_attribute, for comparison"
    else
        fail_row query.owner_lineage_p99_ms "owner lineage query" "ms" "<=" 5 "logs/state.err"
    fi

    # replay of usage over the big state (throughput at scale, peak RSS)
    mapfile -t args < <(inputs_of "$use")
    say "state scale: replaying $(json_num "$use/manifest.json" records) usage events over it"
    local mu=$log_dir/state-use.json rss_use=0
    if "$MEASURE" --json "$mu" -- "$LINEAGED" replay --state "$st" "${args[@]}" \
        >/dev/null 2>"$log_dir/state-use.err"; then
        local ev
        ev=$(summary_field "$log_dir/state-use.err" events)
        rss_use=$(json_num "$mu" max_rss_kb)
        add_row state.replay_events_per_s "replay throughput over the big state (usage mix)" \
            "$(calc "$ev / $(json_num "$mu" wall_s)")" "events/s" "" 0 "[]" \
            "$ev events; what a backfill over a large estate sees"
    else
        fail_row state.replay_events_per_s "replay over the big state" "events/s" "" 0 \
            "logs/state-use.err"
    fi
    # kill -9 in the middle of a replay, then open + first event: rounds
    # 1..repeats through the library (open and first event apart), one more
    # through the CLI (process start to exit)
    local -a resume=() cli=() kill_rss=()
    local i
    for ((i = 1; i <= repeats + 1; i++)); do
        local kc
        kc=$(corpus "kill$i" --mode use --people "$people" --big-owner "$big" \
            --events "$kill_events" --stream-seed $((100 + i))) || break
        local ct=$kc/cloudtrail.jsonl half mk=$log_dir/kill-$i.json
        half=$(($(stat -c %s "$ct") / 2))
        say "state scale: kill -9 of a replay at byte $half of $(basename "$kc")/cloudtrail.jsonl"
        "$MEASURE" --json "$mk" --kill-at "$ct:$half" -- "$LINEAGED" replay --state "$st" \
            "cloudtrail:$ct" >/dev/null 2>"$log_dir/kill-$i.err"
        if ! grep -q '"killed":true' "$mk"; then
            say "note: round $i ended before the kill point (corpus too small)"
        fi
        kill_rss+=("$(json_num "$mk" max_rss_kb)")
        tail -n 1 "$ct" >"$work/next.jsonl"
        if ((i <= repeats)); then
            if "$STATE" resume --state "$st" --source cloudtrail --event "$work/next.jsonl" \
                >"$log_dir/resume-$i.json" 2>>"$log_dir/state.err"; then
                resume+=("$(json_num "$log_dir/resume-$i.json" first_event_ms)")
            fi
        elif "$MEASURE" --json "$log_dir/resume-cli.json" -- "$LINEAGED" replay --state "$st" \
            "cloudtrail:$work/next.jsonl" >/dev/null 2>"$log_dir/resume-cli.err"; then
            cli+=("$(calc "$(json_num "$log_dir/resume-cli.json" wall_s) * 1000")")
        fi
    done
    if [[ ${#resume[@]} -gt 0 ]]; then
        add_row state.resume_ms "resume after kill -9: open the state + first event processed" \
            "$(median "${resume[@]}")" "ms" "<=" 2000 "$(runs_json "${resume[@]}")" \
            "lg_engine_open (RocksDB recovery of the write-ahead log) + process + commit"
    else
        fail_row state.resume_ms "resume after kill -9" "ms" "<=" 2000 "logs/state.err"
    fi
    if [[ ${#cli[@]} -gt 0 ]]; then
        add_row state.resume_cli_ms "resume after kill -9 through the CLI (process start to exit)" \
            "$(median "${cli[@]}")" "ms" "" 0 "$(runs_json "${cli[@]}")" \
            "lineaged replay of one new event on the killed state"
    else
        fail_row state.resume_cli_ms "resume after kill -9 through the CLI" "ms" "" 0 \
            "logs/resume-cli.err"
    fi
    local rss_max=$rss_build r
    for r in "$rss_use" "${kill_rss[@]}"; do
        ((r > rss_max)) && rss_max=$r
    done
    add_row state.peak_rss_mb "peak RSS of lineaged replay at this scale" \
        "$(calc "$rss_max / 1024")" "MB" "<=" 256 \
        "[$(calc "$rss_build / 1024"),$(calc "$rss_use / 1024")]" \
        "max of: building the state, replaying usage over it, the killed replays"
}

# ---- 4. profile ----
bench_profile() {
    local dir=$1 small
    small=$(corpus profile --events 20000) || return
    local -a args
    mapfile -t args < <(inputs_of "$small")
    if command -v perf >/dev/null && perf stat -e instructions true 2>&1 | grep -q '[0-9] *instructions'; then
        say "profile: perf record over the replay corpus"
        mapfile -t args < <(inputs_of "$dir")
        perf record -g -o "$out_dir/perf.data" -- "$LINEAGED" replay --state "$work/prof" \
            "${args[@]}" >/dev/null 2>"$log_dir/profile.err" &&
            perf report -i "$out_dir/perf.data" --stdio --no-children 2>/dev/null |
            head -n 150 >"$out_dir/profile.txt"
    elif command -v valgrind >/dev/null; then
        say "profile: valgrind --tool=callgrind over 20,000 events (perf counters unavailable)"
        valgrind --tool=callgrind --callgrind-out-file="$out_dir/callgrind.out" \
            "$LINEAGED" replay --state "$work/prof" "${args[@]}" >/dev/null \
            2>"$log_dir/profile.err" &&
            {
                echo "== self cost (instructions) =="
                callgrind_annotate "$out_dir/callgrind.out" 2>/dev/null | head -n 60
                echo
                echo "== inclusive cost =="
                callgrind_annotate --inclusive=yes "$out_dir/callgrind.out" 2>/dev/null |
                    head -n 80
            } >"$out_dir/profile.txt"
    else
        say "profile: neither perf counters nor valgrind are available: skipped"
        return
    fi
    # where the time goes at full size: samples of the whole replay corpus
    # with perf's software clock (works where hardware counters do not),
    # with call graphs, so that each stage's share (children) is known
    if command -v perf >/dev/null && perf record -q -e cpu-clock -o "$work/pc.data" true \
        >/dev/null 2>&1; then
        say "profile: perf cpu-clock samples (with call graphs) over the replay corpus"
        mapfile -t args < <(inputs_of "$dir")
        rm -rf "$work/prof2"
        if perf record -q -e cpu-clock -F 250 --call-graph dwarf,16384 -o "$work/perf.data" -- \
            "$LINEAGED" replay --state "$work/prof2" "${args[@]}" >/dev/null \
            2>>"$log_dir/profile.err"; then
            {
                echo
                echo "== perf cpu-clock over $(json_num "$dir/manifest.json" records) events: by library =="
                perf report -i "$work/perf.data" --stdio --no-children --sort dso -g none \
                    2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 12
                echo
                echo "== stages: children (inclusive) and self share of the samples =="
                perf report -i "$work/perf.data" --stdio --children --sort sym -g none \
                    2>/dev/null | grep -v '^#' | grep -v '^$' |
                    grep -E ' (lg_|rocksdb_|on_record|parse_event|batch_put|entry_get|cache_find|fill$)' |
                    head -n 45
                echo
                echo "== hottest symbols (self) =="
                perf report -i "$work/perf.data" --stdio --no-children --sort sym -g none \
                    2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 40
            } >>"$out_dir/profile.txt"
        fi
        rm -f "$work/perf.data" "$work/pc.data"
    fi
    say "profile written to $out_dir/profile.txt"
}

# ---- run ----
replay_corpus=$(corpus replay --events "$replay_events") || exit 1
create_corpus=$(corpus create --mode create --people "$people" --big-owner "$big") || exit 1
use_corpus=$(corpus use --mode use --people "$people" --big-owner "$big" \
    --events "$use_events" --stream-seed 11) || exit 1

if [[ $local_rows -eq 1 ]]; then
    bench_replay "$replay_corpus"
    bench_state "$create_corpus" "$use_corpus"
fi
bench_kafka "$replay_corpus" "$create_corpus"
if [[ $profile -eq 1 ]]; then
    bench_profile "$replay_corpus"
fi
prune_cache

# ---- report ----
duration=$(($(date +%s) - t_start))
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
dirty=false
[[ -n $(git status --porcelain 2>/dev/null | grep -v '^??') ]] && dirty=true
{
    printf '{\n"schema_version":1,\n"harness":"tests/bench/run.sh",\n"scale":"%s",\n' "$scale"
    printf '"started_at":"%s",\n"duration_s":%s,\n"repeats":%s,\n' "$started_at" "$duration" \
        "$repeats"
    printf '"machine":%s,\n' "$(machine_json)"
    printf '"build":{"bin_dir":%s,"build_type":%s,"sanitized":%s,"git_commit":"%s","git_dirty":%s},\n' \
        "$(json_str "$bin_dir")" "$(json_str "${build_type:-unknown}")" "$sanitized" "$commit" \
        "$dirty"
    printf '"corpus":{"replay":%s,"state_create":%s,"state_use":%s},\n' \
        "$(tr -d '\n' <"$replay_corpus/manifest.json")" \
        "$(tr -d '\n' <"$create_corpus/manifest.json")" \
        "$(tr -d '\n' <"$use_corpus/manifest.json")"
    printf '"run_conf_extra":%s,\n' "$(json_str "${BENCH_RUN_CONF:-}")"
    printf '"processing_stages":%s,\n' "$(one_stage && echo 1 || echo 2)"
    printf '"latency_rate_fixed":%s,\n' "${BENCH_LATENCY_RATE:-null}"
    printf '"broker_properties":%s,\n' "$(json_str "$BROKER_PROPERTIES")"
    printf '"errors":%s,\n"results":[\n' "$errors"
    for ((i = 0; i < ${#rows[@]}; i++)); do
        printf '%s%s\n' "${rows[$i]}" "$([[ $i -lt $((${#rows[@]} - 1)) ]] && echo ,)"
    done
    printf ']\n}\n'
} >"$out_dir/results.json"

# the table, from the rows
{
    echo "lineaged benchmarks: $scale scale, $repeats run(s) per figure (medians), ${duration}s"
    echo "machine: $(nproc) CPUs ($(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'))," \
        "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM;" \
        "build: ${build_type:-?}$([[ $sanitized == true ]] && echo ' WITH SANITIZERS (not a benchmark)')"
    [[ $scale != full ]] && echo "note: $scale scale; the targets are stated for the full scale (make bench)"
    [[ -n ${BENCH_RUN_CONF:-} ]] && echo "lineaged run settings added (BENCH_RUN_CONF): $(tr '\n' ';' <<<"$BENCH_RUN_CONF")"
    ((kafka)) && one_stage && echo "lineaged run in one stage (processing.stages = 1): no facts topic"
    [[ -n ${BENCH_BROKER_PROPERTIES:-} ]] && echo "broker settings added (BENCH_BROKER_PROPERTIES): $(tr '\n' ';' <<<"$BENCH_BROKER_PROPERTIES")"
    [[ -n ${BENCH_LATENCY_RATE:-} ]] && echo "latency load fixed at $BENCH_LATENCY_RATE events/s (BENCH_LATENCY_RATE), not 50% of the maximum"
    echo "load average at start: $load_start, at end: $(cut -d' ' -f1-3 /proc/loadavg)" \
        "(anything above ~0.3 means other work shared the CPUs)"
    printf '%s\n' "${rows[@]}" | awk '
    function field(s, k,    m) {
        if (match(s, "\"" k "\":(\"([^\"\\\\]|\\\\.)*\"|[^,}]*)")) {
            m = substr(s, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
            gsub(/^"|"$/, "", m)
            return m
        }
        return ""
    }
    function num(v,    s, out) {
        if (v == "" || v == "null") return "-"
        if (v + 0 >= 1000) {
            s = sprintf("%.0f", v); out = ""
            while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
            return s out
        }
        if (v + 0 >= 100 || v + 0 == int(v + 0)) return sprintf("%.0f", v)
        if (v + 0 >= 10) return sprintf("%.1f", v)
        return sprintf("%.3g", v)
    }
    BEGIN { printf "%-62s %16s %-10s %14s  %s\n", "metric", "value", "unit", "target", "status" }
    {
        label = field($0, "label"); value = field($0, "value"); unit = field($0, "unit")
        status = field($0, "status"); gap = field($0, "gap_pct"); note = field($0, "note")
        target = ""
        if (match($0, /"target":\{"op":"[<>]=","value":[^}]*\}/)) {
            t = substr($0, RSTART, RLENGTH)
            op = substr(t, index(t, "\"op\":\"") + 6, 2)
            tv = t; sub(/.*"value":/, "", tv); sub(/\}.*/, "", tv)
            target = op " " num(tv)
        }
        st = status
        if (status == "missed") st = sprintf("MISSED (%s%s%%)", gap + 0 > 0 ? "+" : "", gap)
        if (status == "met") st = "met"
        if (status == "not_measured") st = note
        if (status == "info") st = ""
        printf "%-62s %16s %-10s %14s  %s\n", substr(label, 1, 62), num(value), unit, target, st
    }'
    echo "results: $out_dir/results.json"
} | tee "$out_dir/table.txt"
if [[ $errors -gt 0 ]]; then
    say "$errors measurement(s) failed; see $log_dir"
    exit 1
fi
exit 0
