"""Run every scim2-tester check against a SCIM server, one result per line.

Usage: run.py BASE_URL TOKEN

scim2-tester has no command line of its own: this drives its Python API
(``scim2_tester.check_server``) with no tag filter, so every check it has runs,
plus ``core_schemas_validation``, which the library exports but
``check_server`` does not call (it wants /Schemas to list the Schema,
ResourceType and ServiceProviderConfig schemas too).

Each result is printed as ``STATUS [ResourceType] check_name: reason``.
Statuses (scim2_tester.Status): SUCCESS (MUST met), COMPLIANT (SHOULD met),
ACCEPTABLE (MAY), DEVIATION (SHOULD not met), SKIPPED, ERROR (MUST violated),
CRITICAL (security / protocol breakage). Only ERROR and CRITICAL fail.

Environment:
  CONFORMANCE_JSON=path            also write every result as JSON to path
  CONFORMANCE_HTTP_LOG=path        write every HTTP request and response to path
  CONFORMANCE_RESOURCE_TYPES=a,b   resource types to exercise (default User,Group;
                                   "all" for every type the server publishes)
  CONFORMANCE_TIMEOUT=seconds      HTTP timeout per request (default 30)
  CONFORMANCE_CORE_SCHEMAS=0       skip core_schemas_validation (see below)

Exit status: 0 when no result is ERROR or CRITICAL, 1 when some are,
2 on a usage error or when the checks could not run at all.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from typing import Any

import httpx2
import scim2_tester
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import CheckConfig
from scim2_tester import CheckResult
from scim2_tester import Status
from scim2_tester import check_server
from scim2_tester.checkers import core_schemas_validation
from scim2_tester.discovery import get_all_available_tags
from scim2_tester.utils import CheckContext

FAILING = {Status.ERROR, Status.CRITICAL}
# Order of the summary line.
ORDER = [
    Status.SUCCESS,
    Status.COMPLIANT,
    Status.ACCEPTABLE,
    Status.DEVIATION,
    Status.SKIPPED,
    Status.ERROR,
    Status.CRITICAL,
]


def _one_line(text: str | None) -> str:
    if not text:
        return ""
    return " | ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _jsonable(value: Any, depth: int = 0) -> Any:
    """Best-effort conversion of a result's debug data to JSON."""
    if depth > 20:
        return repr(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, httpx2.Response):
        try:
            body: Any = value.json()
        except Exception:
            body = value.text
        return {
            "request": f"{value.request.method} {value.request.url}",
            "status_code": value.status_code,
            "body": body,
        }
    if isinstance(value, BaseException):
        return {"exception": type(value).__name__, "message": str(value)}
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json")
        except Exception:
            try:
                return _jsonable(dump(), depth + 1)
            except Exception:
                pass
    return repr(value)


class HttpLog:
    """Write each request and response to a file, for the server authors."""

    def __init__(self, path: str):
        self.file = open(path, "w", encoding="utf-8")  # noqa: SIM115
        self.count = 0

    def request(self, request: httpx2.Request) -> None:
        self.count += 1
        request.extensions["conformance_n"] = self.count
        body = request.content.decode("utf-8", "replace") if request.content else ""
        self.file.write(f"\n>>> #{self.count} {request.method} {request.url}\n")
        for name in ("accept", "content-type", "if-match", "if-none-match"):
            if name in request.headers:
                self.file.write(f">>> {name}: {request.headers[name]}\n")
        if "authorization" in request.headers:
            scheme = request.headers["authorization"].split(" ", 1)[0]
            self.file.write(f">>> authorization: {scheme} <redacted>\n")
        if body:
            self.file.write(body + "\n")

    def response(self, response: httpx2.Response) -> None:
        response.read()
        n = response.request.extensions.get("conformance_n", "?")
        self.file.write(f"<<< #{n} {response.status_code}\n")
        for name in ("content-type", "etag", "location"):
            if name in response.headers:
                self.file.write(f"<<< {name}: {response.headers[name]}\n")
        if response.content:
            self.file.write(response.content.decode("utf-8", "replace") + "\n")
        self.file.flush()


def _resource_types_from_env() -> list[str] | None:
    raw = os.environ.get("CONFORMANCE_RESOURCE_TYPES", "User,Group").strip()
    if raw.lower() in ("", "all", "*"):
        return None
    return [name.strip() for name in raw.split(",") if name.strip()]


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2

    base_url, token = argv[1], argv[2]
    timeout = float(os.environ.get("CONFORMANCE_TIMEOUT", "30"))
    resource_types = _resource_types_from_env()

    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"

    http_log = None
    event_hooks: dict[str, list[Any]] = {"request": [], "response": []}
    if log_path := os.environ.get("CONFORMANCE_HTTP_LOG"):
        http_log = HttpLog(log_path)
        event_hooks = {"request": [http_log.request], "response": [http_log.response]}

    # httpx joins "/Users" onto the base URL path, so BASE_URL may carry a
    # prefix such as /scim/v2; a trailing slash is harmless.
    http = httpx2.Client(
        base_url=base_url.rstrip("/"),
        headers=headers,
        timeout=timeout,
        event_hooks=event_hooks,
    )
    client = SyncSCIMClient(http)

    print(
        f"scim2-tester {getattr(scim2_tester, '__version__', '') or _dist_version()} "
        f"against {base_url}; resource types: "
        f"{', '.join(resource_types) if resource_types else 'all published'}; "
        f"tags: {', '.join(get_all_available_tags())} (no tag filter: all run)"
    )

    # Fail fast, with exit status 2, when nothing answers at all.
    try:
        http.get("ServiceProviderConfig")
    except httpx2.TransportError as exc:
        print(f"conformance: cannot reach {base_url}: {exc}", file=sys.stderr)
        http.close()
        return 2

    started = time.monotonic()
    try:
        results: list[CheckResult] = check_server(
            client,
            raise_exceptions=False,
            include_tags=None,
            exclude_tags=None,
            resource_types=resource_types,
        )
        # Exported by scim2-tester but not called by check_server: run it too
        # (CONFORMANCE_CORE_SCHEMAS=0 turns it off). It wants /Schemas to also
        # list the Schema, ResourceType and ServiceProviderConfig schemas.
        if (
            os.environ.get("CONFORMANCE_CORE_SCHEMAS", "1") != "0"
            and client.provider
            and client.provider.models
        ):
            extra = core_schemas_validation(CheckContext(client, CheckConfig()))
            for result in extra:
                result.reason = f"{result.reason} (extra check, not run by check_server)"
            results.extend(extra)
    except Exception:
        traceback.print_exc()
        print("conformance: the checks could not run (see above)", file=sys.stderr)
        return 2
    finally:
        http.close()
        if http_log:
            http_log.file.close()
    elapsed = time.monotonic() - started

    counts = {status: 0 for status in ORDER}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
        scope = f"[{result.resource_type}] " if result.resource_type else ""
        print(
            f"{result.status.name:<10} {scope}{result.title or '?'}: "
            f"{_one_line(result.reason)}"
        )

    failed = sum(counts[s] for s in FAILING)
    summary = ", ".join(f"{counts[s]} {s.name}" for s in ORDER)
    verdict = "FAIL" if failed else "PASS"
    if not results:
        verdict, failed = "FAIL", 1
    print(
        f"conformance: {verdict}: {len(results)} results: {summary} "
        f"({elapsed:.1f}s)"
    )
    if http_log:
        print(f"conformance: {http_log.count} HTTP requests logged to "
              f"{os.environ['CONFORMANCE_HTTP_LOG']}")

    if json_path := os.environ.get("CONFORMANCE_JSON"):
        payload = {
            "base_url": base_url,
            "scim2_tester_version": _dist_version(),
            "resource_types": resource_types,
            "verdict": verdict,
            "counts": {s.name: counts[s] for s in ORDER},
            "elapsed_seconds": round(elapsed, 3),
            "results": [
                {
                    "status": r.status.name,
                    "title": r.title,
                    "resource_type": r.resource_type,
                    "tags": sorted(r.tags),
                    "reason": r.reason,
                    "description": _one_line((r.description or "").strip().split("\n\n")[0]),
                    "data": _jsonable(r.data),
                }
                for r in results
            ],
        }
        with open(json_path, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, default=repr)
            fh.write("\n")

    return 1 if failed else 0


def _dist_version() -> str:
    from importlib.metadata import version

    try:
        return version("scim2-tester")
    except Exception:
        return "?"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
