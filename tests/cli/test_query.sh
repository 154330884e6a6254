#!/usr/bin/env bash
# tests/cli/test_query.sh - the `lineaged query` and `lineaged serve`
# contracts on the demo company: text, --json, --csv, --as-of, exit codes,
# and serve's bearer token (from api.token.file), its refusal to listen off
# loopback without one, a clean stop on SIGTERM, and the scratch directory a
# killed serve leaves, removed by the next query.
# usage: bash test_query.sh <lineaged binary> <samples dir>
set -u
BIN=${1:?lineaged binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEMO=$ROOT/deploy/demo
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lg-cli-query.XXXXXX")
SERVER=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null
        wait "$SERVER" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
# listening: sets URL from serve's listening line in $TMP/serve.out, polled
# 10 s at most (empty when $SERVER exits first)
listening() {
    URL=
    for _ in $(seq 1 200); do
        URL=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$TMP/serve.out")
        [ -n "$URL" ] && break
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.05
    done
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$2"; }

ST=$TMP/state
"$BIN" replay --state "$ST" okta:"$DEMO/okta.jsonl" github:"$DEMO/github.jsonl" \
    cloudtrail:"$DEMO/cloudtrail.jsonl" bedrock:"$DEMO/bedrock.jsonl" >"$TMP/events.jsonl" 2>/dev/null
check "demo replayed" "[ -s '$TMP/events.jsonl' ]"
q() { "$BIN" query "$@" --state "$ST" >"$TMP/out" 2>"$TMP/err"; }

# who owns this key
q owner AKIAYACMEREPORTBOT01
rc=$?
check "owner exits 0 (rc=$rc)" "[ $rc -eq 0 ]"
check "owner names bob, departed" "grep -q '^owner: bob@acme.example \[departed since 2025-03-20\]' '$TMP/out'"
check "owner shows the chain with evidence" "grep -q 'inherited ─> arn:aws:iam::111122223333:user/reporting-bot   evidence cloudtrail:' '$TMP/out'"
check "owner says how sure" "grep -q '^confidence: medium' '$TMP/out'"
q owner akiayacmereportbot01 --json
check "owner --json is JSON naming the owner" "json 'd[\"owner\"][\"id\"]==\"bob@acme.example\" and len(d[\"subject\"][\"chain\"])==3' '$TMP/out'"
q owner arn:aws:iam::111122223333:user/deploy/ci-deployer --json
check "owner accepts an ARN with a path" "json 'd[\"confidence\"]==\"high\"' '$TMP/out'"

# what does bob own, as a tree
q owns bob@acme.example
check "owns draws a tree" "grep -q '└─ inherited ─ access_key AKIAYACMECIDEPLOYER1' '$TMP/out'"
check "owns groups by system and kind" "grep -qE '^  github +github_fine_grained_pat +1' '$TMP/out'"
q owns bob --json
check "owns --json groups" "json 'any(g[\"kind\"]==\"agent\" for g in d[\"groups\"])' '$TMP/out'"

# what do we do now that bob left (the day after: one key was still in use)
q offboard bob@acme.example --as-of 2025-03-21T12:00:00Z
check "offboard recommends reassigning the key in use" "grep -q '=> reassign: used on 2025-03-21' '$TMP/out'"
check "offboard recommends deprovisioning unused ones" "grep -q '=> deprovision: privileged; never used' '$TMP/out'"
q offboard bob@acme.example --unused-days 3650 --json
check "offboard --unused-days: anything used within 10 years is reassigned" \
    "json 'all(i[\"action\"]==\"reassign\" for i in d[\"items\"] if i[\"id\"]==\"AKIAYACMEREPORTBOT01\") and all(i[\"action\"]!=\"deprovision\" or i[\"kind\"]==\"github_account\" or i[\"last_used\"] is None for i in d[\"items\"])' '$TMP/out'"

# who owned it last month: before bob created anything, nothing was his
q owns bob@acme.example --as-of 2025-03-03 --json
check "owns --as-of a date before his identities" "json 'not any(g[\"system\"]==\"aws\" for g in d[\"groups\"])' '$TMP/out'"
q orphans --json
check "orphans: 6 orphans, 1 ownerless privileged key" \
    "json 'len(d[\"orphans\"])==6 and [i[\"id\"] for i in d[\"privileged_ownerless\"]]==[\"AKIAYACMELEGACYADM01\"]' '$TMP/out'"
q orphans --as-of 2025-03-19 --json
check "orphans before the departure" "json 'len(d[\"orphans\"])==0' '$TMP/out'"
q review --csv
check "review --csv has its header" "head -1 '$TMP/out' | grep -q '^owner,owner_status,identity_id,kind,system,name,tenant,status,privileged,'"
check "review --csv uses CRLF" "head -1 '$TMP/out' | grep -q \$'\\r\$'"
check "review --csv lists carol's agent" "grep -q '^carol@acme.example,active,HLPDSK0001,agent,bedrock,helpdesk-agent,' '$TMP/out'"
q review --json
check "review --json groups per owner" "json 'd[\"owners\"][-1][\"owner\"] is None' '$TMP/out'"
q node QRTRPT0001
check "node lists evidence" "grep -q 'last used (Invoke' '$TMP/out' && grep -q 'created by ASIAYACMEBOB00001BBB  cloudtrail:' '$TMP/out'"
q search report
check "search finds by name" "grep -q 'reporting-bot' '$TMP/out'"

# exit codes
q owner AKIANOSUCHKEY0000000
rc=$?
check "unknown identity exits 3 (rc=$rc)" "[ $rc -eq 3 ] && grep -q 'no identity' '$TMP/err'"
q owns AKIAYACMEREPORTBOT01
rc=$?
check "owns of a key exits 3 (rc=$rc)" "[ $rc -eq 3 ] && grep -q 'not a person' '$TMP/err'"
for args in "bogus" "owner" "orphans extra" "owner X --as-of yesterday" "owner X --csv" \
    "offboard bob --unused-days 0"; do
    # shellcheck disable=SC2086
    q $args
    rc=$?
    check "query $args is a usage error (rc=$rc)" "[ $rc -eq 2 ]"
done
"$BIN" query orphans --state "$TMP/nothing" >/dev/null 2>"$TMP/err"
rc=$?
check "a missing state exits 1 (rc=$rc)" "[ $rc -eq 1 ] && grep -q 'no lineage state' '$TMP/err'"

# the daemon's own state (one graph per facts partition, <state>/p<N>), as
# `make run` leaves it when given --state
"$BIN" run --demo --state "$TMP/daemon" >/dev/null 2>"$TMP/run.err"
rc=$?
check "run --demo --state exits 0 (rc=$rc)" "[ $rc -eq 0 ]"
"$BIN" query owner AKIAYACMEREPORTBOT01 --state "$TMP/daemon" >"$TMP/out" 2>"$TMP/err"
check "owner on the daemon's partitioned state" "grep -q '^owner: bob@acme.example \[departed' '$TMP/out'"
"$BIN" query orphans --json --state "$TMP/daemon" >"$TMP/out" 2>"$TMP/err"
check "orphans on the daemon's partitioned state" "json 'len(d[\"orphans\"])==6' '$TMP/out'"

# serve: token from a file, 401 without it
printf 'tok-%s\n' "$$" >"$TMP/token"
printf 'api.token.file = %s\n' "$TMP/token" >"$TMP/lineaged.conf"
"$BIN" serve --config "$TMP/lineaged.conf" --state "$ST" --listen 127.0.0.1:0 \
    >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER=$!
listening
check "serve prints where it listens" "[ -n '$URL' ]"
if [ -n "$URL" ]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' "${URL}api/orphans")
    check "no token: 401 ($code)" "[ '$code' = 401 ]"
    code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer tok-$$" \
        "${URL}api/owner?id=AKIAYACMEREPORTBOT01")
    check "with the token: 200 ($code)" "[ '$code' = 200 ] && json 'd[\"owner\"][\"id\"]==\"bob@acme.example\"' '$TMP/body'"
    code=$(curl -s -o /dev/null -w '%{http_code}' "${URL}healthz")
    check "healthz needs no token ($code)" "[ '$code' = 200 ]"
fi
kill -TERM "$SERVER"
wait "$SERVER"
rc=$?
SERVER=
check "serve stops cleanly on SIGTERM (rc=$rc)" "[ $rc -eq 0 ]"

# a reader killed before its close (kill -9) leaves its scratch directory
# under TMPDIR; the next reader there removes it, and its own at exit
mkdir "$TMP/tmpdir"
TMPDIR=$TMP/tmpdir "$BIN" serve --state "$ST" --listen 127.0.0.1:0 \
    >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER=$!
listening
kill -KILL "$SERVER"
wait "$SERVER" 2>/dev/null
SERVER=
left=$(cd "$TMP/tmpdir" && echo lineaged-reader-*)
check "a killed serve leaves its locked scratch directory ($left)" \
    "[ -n '$URL' ] && [ -f '$TMP/tmpdir/$left/.lock' ]"
TMPDIR=$TMP/tmpdir "$BIN" query orphans --state "$ST" >/dev/null 2>"$TMP/err"
rc=$?
check "the next query removes it (rc=$rc)" "[ $rc -eq 0 ] && [ ! -e '$TMP/tmpdir/$left' ] && \
    grep -q 'removed 1 stale reader scratch directories' '$TMP/err'"
check "and its own at exit" "[ -z \"\$(ls -A '$TMP/tmpdir')\" ]"

"$BIN" serve --state "$ST" --listen 0.0.0.0:0 >/dev/null 2>"$TMP/err"
rc=$?
check "serve refuses a non-loopback address without a token (rc=$rc)" \
    "[ $rc -eq 1 ] && grep -q 'api.token' '$TMP/err'"
LINEAGED_API_LISTEN='' "$BIN" serve --state "$ST" >/dev/null 2>"$TMP/err"
rc=$?
check "serve with the API disabled is a usage error (rc=$rc)" "[ $rc -eq 2 ]"

summary
