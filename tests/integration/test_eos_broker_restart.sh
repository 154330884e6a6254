#!/usr/bin/env bash
# Broker restart in mid-stream: while the scenario streams in and lineaged
# runs, the broker is restarted; lineaged retries (or, if it judges an error
# fatal, exits non-zero and is started again, as its systemd unit does).
# Afterwards the read_committed output equals one clean run's.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/eos_lib.sh
. "$HERE/eos_lib.sh"

eos_setup
eos_reference

eos_topics brk
eos_config brk i1
eos_produce brk 40 0.3 0 15
eos_start brk i1
# supervise: restart lineaged whenever it exits, until told to stop
(
    while [[ ! -f $WORK/stop-supervisor ]]; do
        "$LG_BIN" run --config "$WORK/brk-i1.conf" >>"$WORK/brk-i1.log" 2>&1 &
        pid=$!
        echo "$pid" >"$WORK/brk.pid"
        wait "$pid" || echo "exit $?" >>"$WORK/brk-exits"
    done
) &
SUP=$!
PIDS+=("$SUP")
kill -KILL "$LGPID" 2>/dev/null || true # the supervisor owns the instance from here
wait "$LGPID" 2>/dev/null || true
eos_produce brk 40 0.3 15 25
t0=$(now_ms)
bash "$BROKER" restart "$WORK/broker" >>"$WORK/broker-start.log" 2>&1 || bad "broker restart failed"
echo "# broker restarted in $(($(now_ms) - t0)) ms"
eos_produce brk 40 0.3 25 40
touch "$WORK/stop-supervisor"
kill -TERM "$(cat "$WORK/brk.pid")" 2>/dev/null || true
wait "$SUP" 2>/dev/null || true
exits=$(wc -l <"$WORK/brk-exits" 2>/dev/null || echo 0)
echo "# lineaged exits during the broker restart: $exits"
eos_run_until_idle brk i1 8000 || bad "final run exited non-zero"
eos_compare brk
eos_check_deadletter brk
eos_summary
