#!/usr/bin/env bash
# The whole test suite, as a new user (and CI) runs it:
#   1. unit tests of every crate and the integration tests (which spawn the real binary);
#   2. the third-party conformance tool scim2-tester (PyPI, installed into ./.venv by
#      scripts/conformance.sh) against a real `scimitar serve` on the embedded SQLite default.
# Needs only the Rust toolchain and Python >= 3.11 with pip.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LOG="$(mktemp)"
echo "==> cargo test --workspace"
cargo test --workspace 2>&1 | tee "$LOG"

echo "==> scim2-tester against the real binary"
BIN="$ROOT/target/debug/scimitar"
DATA="$(mktemp -d)"
OUT="$DATA/serve.out"
"$BIN" serve --listen 127.0.0.1:0 --data-dir "$DATA" >"$OUT" 2>"$DATA/serve.err" &
PID=$!
cleanup() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    rm -rf "$DATA"
}
trap cleanup EXIT
URL=""
for _ in $(seq 1 300); do
    URL="$(sed -n 's/^Scimitar listening on //p' "$OUT")"
    [[ -n "$URL" ]] && break
    if ! kill -0 "$PID" 2>/dev/null; then
        echo "scimitar serve exited early:" >&2
        cat "$DATA/serve.err" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$URL" ]]; then
    echo "scimitar serve did not start within 30 s" >&2
    cat "$DATA/serve.err" >&2
    exit 1
fi
TOKEN="$(grep -m1 '^scim_' "$OUT")"
CONFORMANCE_JSON="$DATA/conformance.json" "$ROOT/scripts/conformance.sh" "$URL" "$TOKEN"

# One closing line for the whole suite: cargo's tests plus scim2-tester's checks.
read -r PASSED FAILED < <(python3 - "$LOG" "$DATA/conformance.json" <<'PY'
import json, re, sys
passed = failed = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.search(r"test result: \w+\. (\d+) passed; (\d+) failed", line)
    if m:
        passed += int(m.group(1)); failed += int(m.group(2))
results = json.load(open(sys.argv[2]))
items = results.get("results", results) if isinstance(results, dict) else results
for r in items:
    status = str(r.get("status", "")).upper()
    if status in ("ERROR", "CRITICAL"):
        failed += 1
    elif status != "SKIPPED":
        passed += 1
print(passed, failed)
PY
)
rm -f "$LOG"
echo "scripts/test.sh: $PASSED passed, $FAILED failed"
