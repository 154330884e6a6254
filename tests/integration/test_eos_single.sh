#!/usr/bin/env bash
# One stage (processing.stages = 1): the stage that parses the input and
# applies it to the graph, committing derived events, changelog and input
# offsets in one transaction.
# - Kill loop and disk loss: a producer streams the scripted scenario while
#   lineaged is killed with SIGKILL at random points and restarted, its
#   state directory deleted half way; afterwards the read_committed output
#   equals one clean two-stage run's (same event_ids, no duplicates, nothing
#   missing), the poison message is dead-lettered once, and no facts topic
#   was created.
# - One instance per group: a second instance fences the first, which stops
#   with an error; the second carries on.
# - A changelog of more than one partition (state of a two-stage run) is
#   refused with a clear error.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/eos_lib.sh
. "$HERE/eos_lib.sh"

KILLS=${LG_EOS_SINGLE_KILLS:-10}
eos_setup
eos_reference

# ---- kill loop and disk loss ----
eos_topics one
eos_config one i1
echo "processing.stages = 1" >>"$WORK/one-i1.conf"
eos_stream one 40 0.4
eos_kill_loop one i1 "$KILLS" 7 $((KILLS / 2))
wait "$PRODUCER"
echo "# $KILLS kills done; final run until idle"
eos_run_until_idle one i1 8000 || bad "final run exited non-zero"
eos_compare one
eos_check_deadletter one
if grep -q 'exactly-once processing (one stage)' "$WORK/one-i1.log"; then
    ok "one: ran as one stage"
else
    bad "one: the log does not say it ran as one stage"
fi
if grep -q 'state restored from one-changelog ([0-9]* records from offset beginning' \
    "$WORK/one-i1.log"; then
    ok "one: the deleted state was restored from the beginning of the changelog"
else
    bad "one: no restore from the beginning of the changelog was logged"
fi
if "$KCAT" -L -b "$BOOT" 2>>"$WORK/kcat.log" | grep -q 'topic "one-facts"'; then
    bad "one: a facts topic was created"
else
    ok "one: no facts topic"
fi

# ---- a second instance fences the first ----
eos_topics fence
eos_config fence i1
eos_config fence i2
echo "processing.stages = 1" >>"$WORK/fence-i1.conf"
echo "processing.stages = 1" >>"$WORK/fence-i2.conf"
eos_start fence i1
FIRST=$LGPID
wait_log 'graph: assigned' 60000 "$WORK/fence-i1.log" || bad "fence: the first instance never got its input"
eos_start fence i2
SECOND=$LGPID
wait_log 'transactional id lineaged-g-fence-single' 60000 "$WORK/fence-i2.log" ||
    bad "fence: the second instance never initialised its transactions"
# input on every partition: whichever instance holds it, the first must
# touch its transaction and learn it is fenced
deadline=$(($(now_ms) + 60000))
while kill -0 "$FIRST" 2>/dev/null && (($(now_ms) < deadline)); do
    for p in 0 1 2; do
        head -n 1 "$WORK/scenario/cloudtrail.jsonl" | "$KCAT" -P -b "$BOOT" -t fence-cloudtrail -p "$p"
    done
    sleep 0.5
done
if kill -0 "$FIRST" 2>/dev/null; then
    bad "fence: the first instance still runs 60 s after the second started"
else
    rc=0
    wait "$FIRST" || rc=$?
    if ((rc != 0)) && grep -qi 'fenced' "$WORK/fence-i1.log"; then
        ok "fence: the first instance stopped with an error naming the fencing (exit $rc)"
        echo "# $(grep -i 'fenced' "$WORK/fence-i1.log" | tail -n 1)"
    else
        bad "fence: the first instance exited $rc; log: $(grep -i 'error' "$WORK/fence-i1.log" | tail -n 2)"
    fi
fi
if kill -0 "$SECOND" 2>/dev/null; then
    ok "fence: the second instance carries on"
else
    bad "fence: the second instance exited too"
fi
kill -TERM "$SECOND" 2>/dev/null || true
wait "$SECOND" 2>/dev/null || true

# ---- a changelog of two partitions is refused ----
eos_topics multi
eos_config multi i1
echo "processing.stages = 1" >>"$WORK/multi-i1.conf"
bash "$BROKER" topic "$WORK/broker" multi-changelog 2 >/dev/null
rc=0
"$LG_BIN" run --config "$WORK/multi-i1.conf" --exit-when-idle 2000 >>"$WORK/multi-i1.log" 2>&1 ||
    rc=$?
if ((rc != 0)) && grep -q 'processing.stages = 1 keeps the whole graph in partition 0 of multi-changelog, which has 2 partitions' "$WORK/multi-i1.log"; then
    ok "multi: a changelog of 2 partitions is refused with a clear error (exit $rc)"
else
    bad "multi: exit $rc; log: $(tail -n 2 "$WORK/multi-i1.log")"
fi
eos_summary
