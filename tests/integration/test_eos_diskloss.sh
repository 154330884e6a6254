#!/usr/bin/env bash
# Disk loss: lineaged processes the first half of the scenario, its state
# directory is deleted, and a new run over the rest restores the state from
# the changelog topic: the read_committed output equals one clean run's (same
# event_ids, no duplicates, nothing missing), and the last use of what each
# person owns is as in the clean run. Then a dedupe retention of
# one day: after the scenario, one Okta event 30 days later comes in a run
# of its own, and in the changelog every re-delivery key filed more than a
# day before the newest one has its tombstone, so that a restore does not
# bring it back; the state directory is deleted, a run restores it, and the
# output still equals the clean run's.
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
# The restored state holds the clean run's last uses, which batches that
# only used a node bring to the changelog too. Compared: the time of each
# owned item's last use (`query owns`). Not compared: which of two uses at
# the same time is the evidence (the parse stage keeps the one it reads
# first, and it reads three partitions) and the first use (an agent's is
# its role's last use when the binding arrives, which hangs on how the
# four sources interleave).
last_uses() {
    "$LG_BIN" query owns "$2" --config "$WORK/$1-i1.conf" --as-of 2100-01-01 --json |
        python3 -c 'import json, sys
for g in json.load(sys.stdin)["groups"]:
    for it in g["items"]:
        print(it["id"], it["last_used"])'
}
usage_same=0 usage_seen=0 usage_differ=""
for i in $(seq -f '%03g' 0 39); do
    person="user$i@corp.example"
    a=$(last_uses clean "$person" 2>&1)
    b=$(last_uses disk "$person" 2>&1)
    if [[ $a == "$b" ]]; then usage_same=$((usage_same + 1)); else usage_differ+=" $person"; fi
    grep -q ' 20' <<<"$a" && usage_seen=$((usage_seen + 1))
done
if ((usage_same == 40 && usage_seen > 0)); then
    ok "restored state: the last use of all that each of 40 people owns as in the clean run ($usage_seen with uses)"
else
    bad "restored state: last uses differ from the clean run's for:$usage_differ ($usage_seen people with uses)"
fi

# ---- a dedupe retention of one day ----
eos_topics ret
eos_config ret i1
echo "dedupe.retention = 1d" >>"$WORK/ret-i1.conf"
eos_produce ret 1 0
eos_run_until_idle ret i1 6000 || bad "ret: run exited non-zero"
head -n 1 "$WORK/scenario/okta.jsonl" | python3 -c '
import json, sys
e = json.loads(sys.stdin.read())
e["uuid"], e["published"] = "later-1", "2025-07-02T08:00:00Z"
print(json.dumps(e))' | "$KCAT" -P -b "$BOOT" -t ret-okta
eos_run_until_idle ret i1 6000 || bad "ret: second run exited non-zero"
"$KCAT" -C -b "$BOOT" -t ret-changelog -X isolation.level=read_committed -e -q \
    -f '%p %K %S %k%s' 2>>"$WORK/kcat.log" >"$WORK/ret.changelog"
if python3 - "$WORK/ret.changelog" <<'PY'; then
import sys
data = open(sys.argv[1], "rb").read()
i, live, puts, dels = 0, {}, 0, 0
def field():
    global i
    j = data.index(b" ", i)
    v = int(data[i:j])
    i = j + 1
    return v
while i < len(data):
    p, klen, vlen = field(), field(), field()
    key = data[i:i + klen]
    i += klen + max(vlen, 0)
    if klen != 17 or key[0] != 3:  # a re-delivery key: column family 3, 16 bytes
        continue
    hour = int.from_bytes(key[1:5], "big")
    if vlen < 0:
        dels += 1
        live.get(p, {}).pop(key, None)
    else:
        puts += 1
        live.setdefault(p, {})[key] = hour
# the newest hour of a partition: its newest key (one run saw them all)
newest = {}
for p, keys in live.items():
    newest[p] = max(keys.values())
old = sum(1 for p, keys in live.items() for h in keys.values() if h < newest[p] - 24)
print(f"# changelog: {puts} re-delivery keys put, {dels} tombstones, {old} live past the retention")
assert dels > 0 and old == 0, (dels, old)
PY
    ok "ret: the changelog holds a tombstone for every re-delivery key past the retention"
else
    bad "ret: re-delivery keys past the retention are live in the changelog"
fi
before=$(grep -c . "$WORK/ret-i1.log" || true)
rm -rf "$WORK/state-ret-i1"
eos_run_until_idle ret i1 6000 || bad "ret: restoring run exited non-zero"
if tail -n +"$before" "$WORK/ret-i1.log" | grep -q 'state restored from ret-changelog ([0-9]* records from offset beginning'; then
    ok "ret: the deleted state was restored from the changelog"
else
    bad "ret: no restore from the beginning of the changelog was logged"
fi
eos_compare ret
eos_summary
