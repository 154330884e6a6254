#!/usr/bin/env bash
# processing.guarantee = at_least_once against a real broker: one stage, no
# transactions, offsets committed after the batch's output and state.
# - Kill loop: a producer streams the scripted scenario while lineaged is
#   killed with SIGKILL at random points and restarted; afterwards its
#   derived topic holds every event_id of one clean exactly-once run and no
#   other (repeats are allowed: that is what at-least-once means), and the
#   poison message is dead-lettered with its topic, offset, reason and bytes.
# - Static membership: with instance.id set the consumer joins as
#   group.instance.id "<instance.id>-<group>" (the broker's own group
#   description says so), and an instance restarted after SIGKILL gets its
#   partitions back at once, not after the 30 s session timeout a dynamic
#   member's restart waits for.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/eos_lib.sh
. "$HERE/eos_lib.sh"

KILLS=${LG_ALO_KILLS:-6}
eos_setup
eos_reference

# ---- kill loop ----
eos_topics alo
eos_config alo i1
echo "processing.guarantee = at_least_once" >>"$WORK/alo-i1.conf"
eos_stream alo 20 0.4
eos_kill_loop alo i1 "$KILLS" 11
wait "$PRODUCER"
echo "# $KILLS kills done; final run until idle"
eos_run_until_idle alo i1 8000 || bad "final run exited non-zero"
eos_read_ids alo
n=$(wc -l <"$WORK/alo.ids")
if diff <(sort -u "$WORK/clean.ids") <(sort -u "$WORK/alo.ids") >"$WORK/alo.diff"; then
    ok "alo: every derived event of the clean run and no other ($n records, $((n - $(sort -u "$WORK/alo.ids" | wc -l))) repeats)"
else
    bad "alo: derived events differ from the clean run ($(grep -c '^<' "$WORK/alo.diff") missing, $(grep -c '^>' "$WORK/alo.diff") extra)"
fi
if grep -q 'alo-facts\|alo-changelog' <("$KCAT" -L -b "$BOOT" 2>>"$WORK/kcat.log"); then
    bad "alo: a facts or changelog topic was created"
else
    ok "alo: no facts or changelog topic (no transactions)"
fi
"$KCAT" -C -b "$BOOT" -t alo-deadletter -e -q -f '%s\n' 2>>"$WORK/kcat.log" >"$WORK/alo.dl"
if python3 - "$WORK/alo.dl" <<'PY'; then
import base64, json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert recs, "no dead letter"
for d in recs:
    assert d["topic"] == "alo-cloudtrail" and d["offset"] >= 0, d
    assert "invalid JSON" in d["reason"], d["reason"]
    assert base64.b64decode(d["raw_base64"]).startswith(b'{"eventVersion":"1.09","eventID":"poison-1"'), d
assert len({(d["partition"], d["offset"]) for d in recs}) == 1, recs
PY
    ok "alo: the poison message is dead-lettered with topic, offset, reason and bytes ($(wc -l <"$WORK/alo.dl") records)"
else
    bad "alo: dead-letter topic content is wrong"
fi

# ---- static membership ----
eos_topics static
eos_config static i1
cat >>"$WORK/static-i1.conf" <<EOF
processing.guarantee = at_least_once
rdkafka.session.timeout.ms = 30000
rdkafka.heartbeat.interval.ms = 1000
EOF
eos_produce static 1 0
eos_start static i1
wait_log 'run: assigned' 60000 "$WORK/static-i1.log" || bad "static: never assigned"
bash "$BROKER" members "$WORK/broker" g-static >"$WORK/members" 2>>"$WORK/members.err" || true
if awk '$1 == "g-static" && $3 == "i1-g-static" && $2 ~ /^i1-g-static-/ { found = 1 }
        END { exit !found }' "$WORK/members"; then
    ok "static: the broker lists the consumer with group instance id i1-g-static"
else
    bad "static: no member with group instance id i1-g-static: $(cat "$WORK/members")"
fi
kill -KILL "$LGPID" 2>/dev/null || true
wait "$LGPID" 2>/dev/null || true
t0=$(now_ms)
eos_start static i1
if wait_log 'run: assigned' 15000 "$WORK/static-i1.log" 2; then
    ok "static: restarted after SIGKILL, assigned again in $(($(now_ms) - t0)) ms (session timeout 30 s)"
else
    bad "static: not assigned again within 15 s of the restart (session timeout 30 s)"
fi
kill -TERM "$LGPID" 2>/dev/null || true
wait "$LGPID" 2>/dev/null || true
eos_summary
