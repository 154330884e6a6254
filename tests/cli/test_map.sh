#!/usr/bin/env bash
# tests/cli/test_map.sh - the lineage map in a real browser: replays the
# demo company (plus one identity with 300 keys) into a temporary state,
# starts `lineaged serve` on a free loopback port and runs
# tests/browser/map.test.cjs (Playwright driving Debian's /usr/bin/chromium).
# playwright-core comes from npm into a cache beside the build
# (BUILD/browser-test/); its browsers are never downloaded. The screenshot is
# kept as BUILD/artifacts/lineage-map.png.
# usage: bash test_map.sh <lineaged binary> <samples dir>
# exit: 0 passed, 1 failed, 77 skipped (no chromium, node or npm package).
set -u
BIN=${1:?lineaged binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$(dirname "$BIN")" && pwd)
DEMO=$ROOT/deploy/demo
PW_VERSION=1.65.1
CACHE=$BUILD/browser-test
SHOT=$BUILD/artifacts/lineage-map.png

skip() {
    echo "SKIP: $1"
    exit 77
}
[ -x /usr/bin/chromium ] || skip "Debian's chromium is not installed (deploy/install-deps.sh installs it)"
command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v npm >/dev/null 2>&1 || skip "npm is not installed"

PW=$CACHE/node_modules/playwright-core
if ! grep -q "\"version\": \"$PW_VERSION\"" "$PW/package.json" 2>/dev/null; then
    mkdir -p "$CACHE"
    # the browsers Playwright would fetch are never used: /usr/bin/chromium is
    if ! PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$CACHE" --no-audit --no-fund \
        --no-save --loglevel=error "playwright-core@$PW_VERSION" >"$CACHE/npm.log" 2>&1; then
        tail -5 "$CACHE/npm.log"
        skip "npm could not install playwright-core@$PW_VERSION"
    fi
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/lg-cli-map.XXXXXX")
SERVERS=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    for pid in "${SERVERS[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

# One identity with hundreds of NHIs below it: carol's user "bulk-svc" and
# 300 access keys (CloudTrail CreateUser + CreateAccessKey records).
node - "$TMP/bulk.jsonl" <<'EOF'
const fs = require("fs");
const who = { type: "AssumedRole", principalId: "AROAYACMESSOADMIN4F1C:carol@acme.example",
  arn: "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_4f1c2a9b7e3d5c60/carol@acme.example",
  accountId: "111122223333", accessKeyId: "ASIAYACMECAROLBULK01",
  sessionContext: { sessionIssuer: { type: "Role", principalId: "AROAYACMESSOADMIN4F1C",
    arn: "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_AdministratorAccess_4f1c2a9b7e3d5c60",
    accountId: "111122223333", userName: "AWSReservedSSO_AdministratorAccess_4f1c2a9b7e3d5c60" } } };
const ev = (i, name, req, resp) => JSON.stringify({ eventVersion: "1.09", userIdentity: who,
  eventTime: new Date(Date.UTC(2025, 2, 10, 9, 0, i)).toISOString().replace(".000", ""),
  eventSource: "iam.amazonaws.com", eventName: name, awsRegion: "us-east-1",
  requestParameters: req, responseElements: resp, eventID: "bulk-" + i,
  recipientAccountId: "111122223333", eventType: "AwsApiCall" });
const lines = [ev(0, "CreateUser", { userName: "bulk-svc" },
  { user: { userName: "bulk-svc", arn: "arn:aws:iam::111122223333:user/bulk-svc" } })];
for (let i = 1; i <= 300; i++) {
  const id = "AKIAYACMEBULK" + String(i).padStart(7, "0");
  lines.push(ev(i, "CreateAccessKey", { userName: "bulk-svc" },
    { accessKey: { userName: "bulk-svc", accessKeyId: id, status: "Active" } }));
}
fs.writeFileSync(process.argv[2], lines.join("\n") + "\n");
EOF

"$BIN" replay --state "$TMP/state" okta:"$DEMO/okta.jsonl" github:"$DEMO/github.jsonl" \
    cloudtrail:"$DEMO/cloudtrail.jsonl" bedrock:"$DEMO/bedrock.jsonl" cloudtrail:"$TMP/bulk.jsonl" \
    >"$TMP/events.jsonl" 2>"$TMP/replay.err" || {
    cat "$TMP/replay.err"
    echo "0 passed, 1 failed"
    exit 1
}

# Starts `lineaged serve ARGS...` on a free loopback port (in this shell, so
# the EXIT trap knows its pid); sets URL to its address, empty on failure.
serve() {
    local out=$1
    shift
    "$BIN" serve --state "$TMP/state" --listen 127.0.0.1:0 "$@" >"$out" 2>"$out.err" &
    local pid=$!
    SERVERS+=("$pid")
    URL=
    for _ in $(seq 1 200); do # poll for the listening line, 10 s at most
        URL=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$out")
        [ -n "$URL" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$URL" ] || cat "$out.err" >&2
}
TOKEN=map-test-$$
printf '%s\n' "$TOKEN" >"$TMP/token"
printf 'api.token.file = %s\n' "$TMP/token" >"$TMP/token.conf"
serve "$TMP/serve-token.out" --config "$TMP/token.conf" --events "$TMP/events.jsonl"
URL_TOKEN=$URL
serve "$TMP/serve.out" --events "$TMP/events.jsonl"
if [ -z "$URL" ] || [ -z "$URL_TOKEN" ]; then
    echo "0 passed, 1 failed"
    exit 1
fi

mkdir -p "$TMP/profile"
LG_URL=$URL LG_PW=$PW LG_PROFILE=$TMP/profile LG_SHOT=$SHOT LG_EVENTS=$TMP/events.jsonl \
    LG_BULK="arn:aws:iam::111122223333:user/bulk-svc" LG_URL_TOKEN=$URL_TOKEN LG_TOKEN=$TOKEN \
    timeout 240 node "$ROOT/tests/browser/map.test.cjs"
rc=$?
[ $rc -eq 0 ] || sed 's/^/    serve: /' "$TMP/serve.out.err" | tail -20
exit $rc
