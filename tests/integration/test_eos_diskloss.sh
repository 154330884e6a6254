#!/usr/bin/env bash
# Disk loss: lineaged processes the first half of the scenario, its state
# directory is deleted, and a new run over the rest restores the state from
# the changelog topic: the read_committed output equals one clean run's (same
# event_ids, no duplicates, nothing missing).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/eos_lib.sh
. "$HERE/eos_lib.sh"

eos_setup
eos_reference

eos_topics disk
eos_config disk i1
eos_produce disk 10 0 0 5
eos_run_until_idle disk i1 6000 || bad "first half: run exited non-zero"
before=$(grep -c . "$WORK/disk-i1.log" || true)
rm -rf "$WORK/state-disk-i1"
ok "state directory deleted after the first half"
eos_produce disk 10 0 5 10
eos_run_until_idle disk i1 6000 || bad "second half: run exited non-zero"
restored=$(tail -n +"$before" "$WORK/disk-i1.log" | grep -o 'state restored from disk-changelog ([0-9]* records from offset beginning' | grep -o '([0-9]*' | tr -d '(' | head -1)
if [[ -n $restored && $restored -gt 0 ]]; then
    ok "empty disk: $restored changelog records restored from the beginning"
else
    bad "no restore from the beginning of the changelog was logged"
fi
eos_compare disk
eos_check_deadletter disk
eos_summary
