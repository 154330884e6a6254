#!/usr/bin/env bash
# Two instances in one consumer group, one killed: the instance that owns the
# graph partition is killed with SIGKILL in mid-stream; the survivor takes
# over its partitions (restoring the graph partition from the changelog) and
# the read_committed output equals one clean run's.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/eos_lib.sh
. "$HERE/eos_lib.sh"

eos_setup
eos_reference

eos_topics ha
eos_config ha i1
eos_config ha i2
eos_start ha i1 --exit-when-idle 25000
P1=$LGPID
eos_start ha i2 --exit-when-idle 25000
P2=$LGPID
eos_produce ha 40 0.3 0 15
# which instance holds the graph partition? (poll with a deadline)
owner=""
deadline=$(($(now_ms) + 60000))
while [[ -z $owner ]] && (($(now_ms) < deadline)); do
    if grep -q "assigned 1 facts partitions" "$WORK/ha-i1.log" 2>/dev/null; then owner=i1; fi
    if grep -q "assigned 1 facts partitions" "$WORK/ha-i2.log" 2>/dev/null; then owner=${owner:-i2}; fi
    [[ -n $owner ]] || sleep 0.2
done
if [[ -z $owner ]]; then
    bad "no instance got the graph partition within 60 s"
    eos_summary
    exit 1
fi
if [[ $owner == i1 ]]; then victim=$P1 survivor=$P2 other=i2; else victim=$P2 survivor=$P1 other=i1; fi
kill -KILL "$victim"
wait "$victim" 2>/dev/null || true
ok "instance $owner (graph partition owner) killed in mid-stream"
eos_produce ha 40 0.3 15 40
wait "$survivor"
rc=$?
if ((rc == 0)); then ok "instance $other ran to the end"; else bad "instance $other exited $rc"; fi
if grep -q "state restored from ha-changelog" "$WORK/ha-$other.log" &&
    grep -q "assigned 1 facts partitions" "$WORK/ha-$other.log"; then
    ok "instance $other took over the graph partition and restored its state"
else
    bad "instance $other never took over the graph partition"
fi
eos_compare ha
eos_check_deadletter ha
eos_summary
