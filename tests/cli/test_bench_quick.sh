#!/usr/bin/env bash
# tests/cli/test_bench_quick.sh - CI smoke of the benchmark harness
# (tests/bench/run.sh) at its quick scale (LG_BENCH_SMOKE_SCALE: quick, or
# tiny in sanitized builds, where CMake sets it): it runs every measurement
# end to end with the programs built beside lineaged and checks that it
# writes a well-formed results.json and table. It does NOT judge speed.
# usage: bash test_bench_quick.sh <lineaged binary> [samples dir]
set -u
BIN=${1:?lineaged binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN_DIR=$(cd "$(dirname "$BIN")" && pwd)
SCALE=${LG_BENCH_SMOKE_SCALE:-quick}
case $SCALE in
quick) LIMIT=270 ;; # about a minute alone on 2 cores; ctest allows 300 s
tiny) LIMIT=120 ;;
*) echo "test_bench_quick: LG_BENCH_SMOKE_SCALE must be quick or tiny, not $SCALE" >&2 && exit 2 ;;
esac
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lg-bench-smoke.XXXXXX")
# run.sh runs everything in the foreground; `timeout` signals its whole
# process group, so nothing outlives a hung run (checked below)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

for t in lg_bench_gen lg_bench_bare_parse lg_bench_state lg_bench_measure lg_bench_kafka; do
    check "$t is built beside lineaged" "[ -x '$BIN_DIR/$t' ]"
done
OUT=$TMP/out
TMPDIR=$TMP timeout $LIMIT bash "$ROOT/tests/bench/run.sh" --$SCALE --bin-dir "$BIN_DIR" \
    --out "$OUT" --cache "$TMP/cache" >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
check "run.sh --$SCALE exits 0 (rc=$rc)" "[ $rc -eq 0 ]"
[ $rc -eq 0 ] || tail -n 30 "$TMP/stderr" | sed 's/^/    /'
R=$OUT/results.json
check "results.json written" "[ -s '$R' ]"
if command -v python3 >/dev/null 2>&1; then
    check "results.json is well-formed JSON" "python3 -m json.tool '$R' >/dev/null"
    # every row has the fields the table and docs read; statuses are known;
    # a measured row has a number, a row with a target has a status from it
    check "every result row is complete and consistent" "python3 - '$R' <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d['schema_version'] == 1 and d['scale'] == '$SCALE' and d['errors'] == 0
assert d['machine']['nproc'] >= 1 and d['corpus']['replay']['records'] > 0
ids = set()
for r in d['results']:
    for k in ('id', 'label', 'value', 'unit', 'target', 'status', 'gap_pct', 'runs', 'note'):
        assert k in r, (r, k)
    ids.add(r['id'])
    assert r['status'] in ('met', 'missed', 'info', 'not_measured'), r
    if r['status'] == 'not_measured':
        assert r['value'] is None and r['note'].startswith('not measured'), r
    else:
        assert isinstance(r['value'], (int, float)) and r['value'] >= 0, r
    if r['status'] in ('met', 'missed'):
        assert r['target'] and r['target']['op'] in ('>=', '<='), r
        assert isinstance(r['gap_pct'], (int, float)), r
want = {'replay.events_per_s', 'bare_parse.events_per_s', 'replay.vs_bare_parse',
        'kafka.vs_bare_consumer', 'kafka.sustained_events_per_s', 'latency.p99_ms',
        'state.nhis', 'state.disk_bytes_per_nhi', 'state.peak_rss_mb', 'state.resume_ms', 'state.restore_records_per_s',
        'state.kafka_resume_ms', 'query.owner_lineage_p99_ms'}
assert want <= ids, want - ids
PY"
else
    echo "note: python3 missing: JSON structure not checked"
fi
# the Kafka rows need a broker (java, and its jars: fetched once from Maven
# Central); without one they say they were skipped
if grep -q '"id":"kafka.vs_bare_consumer".*not measured: skipped: the broker' "$R"; then
    echo "note: the broker's jars could not be fetched: the Kafka rows are skipped"
elif command -v java >/dev/null 2>&1; then
    for id in kafka.vs_bare_consumer kafka.sustained_events_per_s latency.p99_ms \
        state.kafka_resume_ms state.restore_records_per_s; do
        check "Kafka row $id measured against the real broker" \
            "grep -q '\"id\":\"$id\",\"label\":\"[^\"]*\",\"value\":[0-9]' '$R'"
    done
    check "the broker was stopped" "grep -q 'stopped' '$OUT/logs/kafka-broker.log'"
    # the bench's broker runs Kafka's own cleaner settings, not the test
    # broker's (which would keep its cleaner busy on the CPUs measured)
    check "the broker ran with a 128 MiB cleaner buffer, and the results say so" \
        "grep -q 'log.cleaner.dedupe.buffer.size = 134217728' '$OUT/logs/kafka-broker-server.log' &&
         grep -q '\"broker_properties\":\"log.cleaner.dedupe.buffer.size=134217728\\\\n' '$R'"
    # the latency timelines of the measured window and of the settling load
    # before it (reported apart): one worst value per second of probes, the
    # worst of them being the window's max; every settling probe came back
    check "kafka-latency.json: per-second timelines agree with max_ms, the settling window apart" \
        "python3 - '$OUT/logs/kafka-latency.json' <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
for w in ('', 'settle_'):
    t = d[w + 'per_second_max_ms']
    assert len(t) == math.ceil(d[w + 'probes'] / 20) and min(t) >= 0, t
    assert abs(max(t) - d[w + 'max_ms']) <= 1, (t, d[w + 'max_ms'])
assert d['settle_seconds'] > 0 and d['settle_probes'] > 0, d
assert d['settle_seen'] == d['settle_probes'] and d['error'] == '', d
assert d['probes'] + d['settle_probes'] <= 20 * (d['windows'] * d['seconds'] + d['settle_seconds']) + 2, d
assert d['windows'] == 1 and len(d['window_stats']) == 1, d
assert d['window_stats'][0]['seen'] == d['probes'] == d['seen'], d
PY"
else
    echo "note: java missing: the Kafka rows are skipped"
    check "the Kafka rows say they were skipped (no java)" \
        "grep -q '\"id\":\"kafka.vs_bare_consumer\".*not measured: skipped: java not found' '$R'"
fi
# the Kafka rows with one stage (processing.stages = 1: no facts topic to
# follow), at the tiny scale, two runs per figure: two latency windows
if command -v java >/dev/null 2>&1 &&
    ! grep -q '"id":"kafka.vs_bare_consumer".*not measured: skipped' "$R"; then
    OUT1=$TMP/out1
    TMPDIR=$TMP BENCH_BROKER_PROPERTIES=log.cleaner.backoff.ms=20000 \
        timeout 200 bash "$ROOT/tests/bench/run.sh" --tiny --only-kafka --stages 1 \
        --repeats 2 --bin-dir "$BIN_DIR" --out "$OUT1" --cache "$TMP/cache" \
        >"$TMP/stdout1" 2>"$TMP/stderr1"
    rc=$?
    check "run.sh --tiny --only-kafka --stages 1 exits 0 (rc=$rc)" "[ $rc -eq 0 ]"
    [ $rc -eq 0 ] || tail -n 30 "$TMP/stderr1" | sed 's/^/    /'
    check "results.json of one stage says so" \
        "grep -q '\"processing_stages\":1' '$OUT1/results.json' && grep -q 'in one stage' '$OUT1/table.txt'"
    check "BENCH_BROKER_PROPERTIES overrides the bench's broker settings, and is recorded" \
        "grep -q 'log.cleaner.backoff.ms = 20000' '$OUT1/logs/kafka-broker-server.log' &&
         grep -q 'log.cleaner.backoff.ms=20000\"' '$OUT1/results.json' &&
         grep -q 'broker settings added (BENCH_BROKER_PROPERTIES): log.cleaner.backoff.ms=20000' '$OUT1/table.txt'"
    for id in kafka.vs_bare_consumer latency.p99_ms state.kafka_resume_ms; do
        check "one stage: Kafka row $id measured" \
            "grep -q '\"id\":\"$id\",\"label\":\"[^\"]*\",\"value\":[0-9]' '$OUT1/results.json'"
    done
    check "one stage: the runs logged one stage and no facts topic was followed" \
        "grep -q 'exactly-once processing (one stage)' '$OUT1/logs/kafka-run-1.log'"
    # two windows, each alone in window_stats; each latency figure is the
    # median of the two (their mean), with both as the row's runs
    check "one stage: two latency windows, each latency figure the median of theirs" \
        "python3 - '$OUT1/logs/kafka-latency.json' '$OUT1/results.json' <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d['windows'] == 2 and len(d['window_stats']) == 2, d
assert sum(w['probes'] for w in d['window_stats']) == d['probes'], d
# the windows on the wall clock: in a row, each as long as asked (the
# load's own last batch may end it a little late)
w1, w2 = d['window_stats']
for w in (w1, w2):
    assert d['seconds'] * 1000 - 50 <= w['end_unix_ms'] - w['start_unix_ms'] < d['seconds'] * 1000 + 2000, w
assert 0 <= w2['start_unix_ms'] - w1['end_unix_ms'] < 1000, d
rows = {r['id']: r for r in json.load(open(sys.argv[2]))['results']}
# the broker's log cleaner over those windows, from its log
assert 'the broker\'s log cleaner was at work' in rows['latency.p99_ms']['note'], rows['latency.p99_ms']
for k in ('p50_ms', 'p99_ms', 'max_ms'):
    v = [w[k] for w in d['window_stats']]
    r = rows['latency.' + k]
    assert r['runs'] == v, (r, v)
    assert abs(r['value'] - sum(v) / 2) <= 0.01 * max(1, abs(r['value'])), (r, v)
PY"
fi
check "table.txt printed with its header" "grep -q '^metric ' '$OUT/table.txt' && grep -q '^metric ' '$TMP/stdout'"
check "the state held the generated NHIs" "grep -q '\"id\":\"state.nhis\",[^}]*\"value\":[1-9]' '$R'"
# (at this size a loaded machine may let the replay finish before the kill
# point: run.sh then notes it and still times the resume)
check "a replay was killed with SIGKILL (or ended first) and the state resumed" \
    "grep -Eq '\"killed\":true|\"exit\":0' '$OUT/logs/kill-1.json' &&
     grep -q '\"first_event_ms\":[0-9]' '$OUT/logs/resume-1.json'"
check "no benchmark process left behind" "! pgrep -f -- '$TMP' >/dev/null"
check "the temporary state was removed" "! ls '$TMP' | grep -q '^lg-bench\.'"

summary
