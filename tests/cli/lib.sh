# tests/cli/lib.sh - what every CLI test reports with: ok, bad, check and the
# closing summary. Sourced by tests/cli/test_*.sh:
#     . "$(dirname "$0")/lib.sh"
# It sets the counters passes and fails to 0.
passes=0
fails=0

ok() {
    echo "ok   - $1"
    passes=$((passes + 1))
}

bad() {
    echo "FAIL - $1"
    fails=$((fails + 1))
}

# check DESCRIPTION EXPRESSION: ok when the shell expression succeeds
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# summary: prints the counts; fails (status 1) when any check failed, so a
# test ends with `summary`
summary() {
    echo "$passes passed, $fails failed"
    [ "$fails" -eq 0 ]
}
