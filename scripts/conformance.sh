#!/usr/bin/env bash
# Third-party SCIM 2.0 conformance check with scim2-tester (PyPI).
#
# Usage:
#   scripts/conformance.sh BASE_URL TOKEN     e.g. http://127.0.0.1:8080/scim/v2 secret
#   scripts/conformance.sh --self-test        run against the reference scim2-server
#   scripts/conformance.sh --setup            only create/refresh the virtualenv
#
# Sets up .venv (pinned by scripts/requirements-conformance.txt; a no-op when
# already up to date), runs every scim2-tester check for User and Group, prints
# one line per result (STATUS [ResourceType] check: reason) and a summary line
# "conformance: PASS|FAIL: ...". Exits 1 if any result is ERROR or CRITICAL,
# 2 if the checks could not run.
#
# Environment (see scripts/conformance/run.py):
#   CONFORMANCE_JSON=path          write all results as JSON
#   CONFORMANCE_HTTP_LOG=path      log every HTTP request/response
#   CONFORMANCE_RESOURCE_TYPES     default "User,Group"; "all" for every published type
#   CONFORMANCE_TIMEOUT            per-request timeout in seconds (default 30)
#   CONFORMANCE_CORE_SCHEMAS=0     skip the extra core_schemas_validation check
#   PYTHON                         interpreter used to create the venv (>= 3.11)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/scripts/requirements-conformance.txt"
STAMP="$VENV/.conformance-requirements.sha256"
RUNNER="$ROOT/scripts/conformance/run.py"

usage() {
    sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

# A fresh Debian has python3 and pip but not always the venv module (package python3-venv):
# try venv, then virtualenv from pip, then install python3-venv with apt when we are root.
make_venv() {
    local py="$1"
    if "$py" -m venv "$VENV" >/dev/null 2>&1; then
        return 0
    fi
    rm -rf "$VENV"
    echo "conformance: '$py -m venv' is unavailable; trying virtualenv from pip" >&2
    if "$py" -m pip install --quiet --disable-pip-version-check --user virtualenv >&2 2>/dev/null \
        && "$py" -m virtualenv --quiet "$VENV" >&2; then
        return 0
    fi
    rm -rf "$VENV"
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        echo "conformance: installing python3-venv with apt-get" >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
        "$py" -m venv "$VENV" && return 0
    fi
    echo "conformance: cannot create a virtualenv; install python3-venv (Debian) and retry" >&2
    exit 2
}

setup_venv() {
    local want have py
    want="$(sha256sum "$REQ" | cut -d' ' -f1)"
    have="$(cat "$STAMP" 2>/dev/null || true)"
    if [[ -x "$VENV/bin/python" && "$want" == "$have" ]]; then
        return 0
    fi
    if [[ ! -x "$VENV/bin/python" ]]; then
        py="${PYTHON:-python3}"
        if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "conformance: $py is missing or older than 3.11 (scim2-tester needs >= 3.11); set PYTHON" >&2
            exit 2
        fi
        echo "conformance: creating $VENV" >&2
        make_venv "$py"
    fi
    echo "conformance: installing pinned packages from ${REQ#"$ROOT"/}" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --require-virtualenv -r "$REQ" >&2
    echo "$want" > "$STAMP"
}

SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}

self_test() {
    # Start the reference server on a free loopback port with a bearer token,
    # mounted under /scim/v2 like Scimitar, run the checks against it, stop it.
    # Its own failures are reported, not hidden.
    local port token log rc
    port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    token="conformance-self-test"
    log="${TMPDIR:-/tmp}/scim2-server.$port.log"
    "$VENV/bin/scim2-server" --hostname 127.0.0.1 --port "$port" \
        --bearer-token "$token" --tenant scim >"$log" 2>&1 &
    SERVER_PID=$!
    trap stop_server EXIT
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            break
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "conformance: scim2-server exited; its log:" >&2
            cat "$log" >&2
            return 2
        fi
        sleep 0.1
    done
    echo "conformance: self-test against scim2-server $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("scim2-server"))') on port $port (log $log)" >&2
    set +e
    "$VENV/bin/python" -B "$RUNNER" "http://127.0.0.1:$port/scim/v2" "$token"
    rc=$?
    set -e
    stop_server
    return "$rc"
}

case "${1:-}" in
    -h|--help)
        usage
        exit 0
        ;;
    --setup)
        setup_venv
        exit 0
        ;;
    --self-test)
        setup_venv
        self_test
        exit $?
        ;;
esac

if [[ $# -ne 2 ]]; then
    usage
    exit 2
fi

setup_venv
exec "$VENV/bin/python" -B "$RUNNER" "$1" "$2"
