#!/usr/bin/env bash
# Kill loop: a producer streams the scripted scenario into the input topics
# while lineaged is killed with SIGKILL at random points (at least 20 times)
# and restarted; afterwards the read_committed output equals the output of
# one clean run: the same set of event_ids, no duplicates, nothing missing.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/eos_lib.sh
. "$HERE/eos_lib.sh"

KILLS=${LG_EOS_KILLS:-22}
eos_setup
eos_reference

eos_topics kill
eos_config kill i1
eos_stream kill 40 0.4
eos_kill_loop kill i1 "$KILLS" 42
wait "$PRODUCER"
echo "# $KILLS kills done; final run until idle"
eos_run_until_idle kill i1 8000 || bad "final run exited non-zero"
eos_compare kill
eos_check_deadletter kill
restarts=$(grep -c "state restored from" "$WORK/kill-i1.log" || true)
echo "# partition restores logged: $restarts"
eos_summary
