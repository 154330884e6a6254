#!/usr/bin/env bash
# A quiet stream is committed at once: with batch.max.ms at 60 s, the
# scenario's derived events still become visible to a read_committed
# consumer within seconds, because both stages commit a batch as soon as no
# input is waiting (batch.linger.ms = 0, the default). Then batch.linger.ms
# is set to 60 s as well: the same input produces nothing visible for as
# long as the check waits, which shows the first result came from the
# linger rule and not from some other commit.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/eos_lib.sh
. "$HERE/eos_lib.sh"

eos_setup

# Polls (every 200 ms, up to DEADLINE ms) until run NAME's derived topic
# holds at least N read_committed events; prints the count reached.
wait_derived() {
    local name=$1 want=$2 deadline=$(($(now_ms) + $3)) n=0
    while :; do
        n=$("$KCAT" -C -b "$BOOT" -t "$name-derived" -X isolation.level=read_committed -e -q \
            -f '%o\n' 2>>"$WORK/kcat.log" | wc -l)
        if ((n >= want)) || (($(now_ms) >= deadline)); then
            echo "$n"
            return
        fi
        sleep 0.2
    done
}

# Starts run NAME with the extra settings given; waits until its graph
# stage holds its partition.
start_with() {
    local name=$1
    shift
    eos_topics "$name"
    eos_config "$name" i1
    printf '%s\n' "$@" >>"$WORK/$name-i1.conf"
    bash "$BROKER" topic "$WORK/broker" "$name-derived" 1 >/dev/null
    eos_start "$name" i1
    local deadline=$(($(now_ms) + 60000))
    until grep -q "assigned 1 facts partitions" "$WORK/$name-i1.log"; do
        if (($(now_ms) >= deadline)) || ! kill -0 "$LGPID" 2>/dev/null; then
            bad "$name: lineaged did not start"
            eos_summary
            exit 1
        fi
        sleep 0.1
    done
}

# The instance's own account of the same thing, from its /metrics: every
# fact the graph stage committed (each usable record or duplicate, as its
# engines count them) was timed from its input's Kafka timestamp
# (kcat's produce time, after T0) to its commit (before now), and both
# stages timed each phase of their commits. The scenario's one poison
# message, dead-lettered by the parse stage, is counted once.
check_metrics() {
    local name=$1 t0=$2 url elapsed seen="" now deadline=$(($(now_ms) + 20000))
    url=$(sed -n 's#.*HTTP API and lineage map at \(http://[^ ]*\).*#\1#p' "$WORK/$name-i1.log" |
        tail -n 1)
    # until two scrapes 300 ms apart agree (the last batches are committed)
    while :; do
        curl -sf "${url}metrics" | grep -E '^lineaged_(end_to_end|commit_phase|records_total|duplicates_total|deadlettered_total)' \
            >"$WORK/$name.metrics"
        elapsed=$(($(now_ms) - t0))
        now=$(awk '/_count|_total/ { s = s $2 " " } END { print s }' "$WORK/$name.metrics")
        [[ -n $now && $now == "$seen" ]] && break
        (($(now_ms) < deadline)) || break
        seen=$now
        sleep 0.3
    done
    local verdict
    verdict=$(awk -v elapsed="$elapsed" '
        /^lineaged_end_to_end_latency_seconds_count / { count = $2 }
        /^lineaged_end_to_end_latency_seconds_sum / { sum = $2 }
        /^lineaged_(records|duplicates)_total/ { records += $2 }
        /^lineaged_deadlettered_total / { dead = $2 }
        /^lineaged_commit_phase_seconds_count/ { phases[$1] = $2 }
        END {
            split("parse produce,parse flush,parse txn,graph prepare,graph produce," \
                  "graph flush,graph txn,graph state", want, ",")
            for (i in want) {
                split(want[i], sp, " ")
                k = "lineaged_commit_phase_seconds_count{stage=\"" sp[1] "\",phase=\"" sp[2] "\"}"
                if (!(phases[k] >= 1)) { print "no commit timed for " want[i]; exit }
            }
            if (count < 1 || count != records) {
                printf "%d facts timed, %d records (and duplicates) committed\n", count, records
                exit
            }
            if (dead != 1) { printf "lineaged_deadlettered_total %s, not 1\n", dead; exit }
            mean = sum / count
            if (mean <= 0 || mean * 1000 > elapsed) {
                printf "mean end-to-end %.3f s outside (0, %.3f] s\n", mean, elapsed / 1000; exit
            }
            printf "ok %d facts timed, mean %.0f ms (within %d ms)\n", count, mean * 1000, elapsed
        }' "$WORK/$name.metrics")
    if [[ $verdict == ok* ]]; then
        ok "$1: /metrics: ${verdict#ok }; every commit phase of both stages timed; the poison message counted"
    else
        bad "$1: /metrics: $verdict (see $WORK/$name.metrics)"
    fi
}

stop_lineaged() {
    kill -TERM "$LGPID"
    local rc=0
    wait "$LGPID" || rc=$?
    if ((rc == 0)); then ok "$1: stops cleanly on SIGTERM"; else bad "$1: exit $rc on SIGTERM"; fi
}

# 1. batch.max.ms 60 s, linger 0: visible within seconds
start_with quick "batch.max.ms = 60s" "batch.max.messages = 1000000"
t0=$(now_ms)
eos_produce quick 1 0
n=$(wait_derived quick 50 30000)
ms=$(($(now_ms) - t0))
echo "# quick: $n derived events visible $ms ms after the input was produced"
if ((n >= 50 && ms < 30000)); then
    ok "quick: $n derived events visible after $ms ms, well before batch.max.ms (60 s)"
else
    bad "quick: only $n derived events after $ms ms"
fi
check_metrics quick "$t0"
stop_lineaged quick

# 2. linger 60 s too: nothing is committed while the batch stays open
start_with slow "batch.max.ms = 60s" "batch.max.messages = 1000000" "batch.linger.ms = 60s"
eos_produce slow 1 0
n=$(wait_derived slow 1 8000)
if ((n == 0)); then
    ok "slow: with batch.linger.ms 60 s nothing is visible after 8 s"
else
    bad "slow: $n derived events visible although every batch should still be open"
fi
stop_lineaged slow

eos_summary
