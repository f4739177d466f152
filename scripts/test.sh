#!/usr/bin/env bash
# The whole test suite, as a new user (and CI) runs it:
#   1. unit tests of every crate, the storage-trait suite (SQLite and PostgreSQL) and the
#      integration tests against the real binary on SQLite;
#   2. the integration tests again with every test server on PostgreSQL;
#   3. the third-party conformance tool scim2-tester (PyPI, installed into ./.venv by
#      scripts/conformance.sh) against a real `scimitar serve`, on SQLite and on PostgreSQL.
# Needs the Rust toolchain and Python >= 3.11 with pip. PostgreSQL: SCIMITAR_TEST_POSTGRES
# (default postgres://postgres@127.0.0.1:5432/postgres) and the psql client; without them the
# PostgreSQL parts say so and are skipped, except under CI=true, where they fail.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export SCIMITAR_TEST_POSTGRES="${SCIMITAR_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "${PG_DB:-}" ]]; then
        psql "$SCIMITAR_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

postgres_reachable() {
    command -v psql >/dev/null && psql "$SCIMITAR_TEST_POSTGRES" -qAtc "SELECT 1" >/dev/null 2>&1
}
if postgres_reachable; then
    PG=1
else
    PG=0
    if [[ "${CI:-}" == "true" ]]; then
        echo "PostgreSQL is not reachable at $SCIMITAR_TEST_POSTGRES (or psql is missing); CI=true requires it" >&2
        exit 1
    fi
    echo "NOTE: PostgreSQL is not reachable at $SCIMITAR_TEST_POSTGRES: the PostgreSQL tests are SKIPPED" >&2
fi

echo "==> cargo test --workspace"
cargo test --workspace 2>&1 | tee "$WORK/cargo.log"

if [[ "$PG" == 1 ]]; then
    echo "==> integration tests on PostgreSQL"
    SCIMITAR_TEST_BACKEND=postgres cargo test -p scimitar --test integration 2>&1 | tee -a "$WORK/cargo.log"
fi

BIN="$ROOT/target/debug/scimitar"

# conformance NAME [serve args...]: start a server, run scim2-tester against it.
conformance() {
    local name="$1"
    shift
    local dir="$WORK/$name"
    mkdir -p "$dir"
    echo "==> scim2-tester against the real binary ($name)"
    "$BIN" serve --listen 127.0.0.1:0 --data-dir "$dir" "$@" >"$dir/out" 2>"$dir/err" &
    local pid=$!
    PIDS+=("$pid")
    local url=""
    for _ in $(seq 1 300); do
        url="$(sed -n 's/^Scimitar listening on //p' "$dir/out")"
        [[ -n "$url" ]] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "scimitar serve ($name) exited early:" >&2
            cat "$dir/err" >&2
            exit 1
        fi
        sleep 0.1
    done
    if [[ -z "$url" ]]; then
        echo "scimitar serve ($name) did not start within 30 s" >&2
        cat "$dir/err" >&2
        exit 1
    fi
    local token
    token="$(grep -m1 '^scim_' "$dir/out")"
    CONFORMANCE_JSON="$WORK/conformance-$name.json" "$ROOT/scripts/conformance.sh" "$url" "$token"
    kill "$pid" 2>/dev/null || true
}

conformance sqlite
if [[ "$PG" == 1 ]]; then
    PG_DB="scimitar_conformance_$$"
    psql "$SCIMITAR_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
    psql "$SCIMITAR_TEST_POSTGRES" -qc "CREATE DATABASE $PG_DB" >/dev/null
    conformance postgres --database-url "${SCIMITAR_TEST_POSTGRES%/*}/$PG_DB"
fi

# One closing line for the whole suite: cargo's tests plus scim2-tester's checks.
read -r PASSED FAILED < <(python3 - "$WORK/cargo.log" "$WORK"/conformance-*.json <<'PY'
import json, re, sys
passed = failed = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.search(r"test result: \w+\. (\d+) passed; (\d+) failed", line)
    if m:
        passed += int(m.group(1)); failed += int(m.group(2))
for path in sys.argv[2:]:
    results = json.load(open(path))
    for r in results.get("results", []):
        status = str(r.get("status", "")).upper()
        if status in ("ERROR", "CRITICAL"):
            failed += 1
        elif status != "SKIPPED":
            passed += 1
print(passed, failed)
PY
)
echo "scripts/test.sh: $PASSED passed, $FAILED failed"
