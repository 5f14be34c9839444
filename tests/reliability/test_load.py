"""Load: a fixed number of mixed requests on the real gunicorn (2 workers), from 8 clients.

The mix is intake (POST /api/v1/petitions with an Idempotency-Key), worklists
(GET /api/v1/cases?worklist=...), case pages (GET /api/v1/cases/{id}), and the public reads
(GET /api/v1/units, /api/v1/topics, the portal's home and answers pages, /healthz). It asserts
no 5xx, no failed connection, the expected status for every request (the requests are all
valid; a 429 from a rate limiter is counted and reported, not failed), and no lost write: every
201's tracking code is in the database exactly once. Latency p50/p95 per kind are printed, never
asserted (the machine may be shared).

Bounded: 400 requests. `make soak` (TOWNHALL_SOAK=1): 20,000.
"""

import collections
import json
import os
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from .harness import (
    ADMIN,
    CLERK,
    CONNECTION_ERRORS,
    LEADER,
    SOAK,
    Live,
    percentile,
    report,
    request,
)

TOTAL = int(os.environ.get("TOWNHALL_LOAD_REQUESTS") or (20_000 if SOAK else 400))
CLIENTS = 8
# An intake costs ~10 reads (hashing the citizen's secret with Argon2 dominates it).
MIX = {
    "intake": 20,
    "worklist": 20,
    "case": 25,
    "units": 10,
    "topics": 10,
    "portal": 5,
    "healthz": 10,
}
UNIT_293 = "/api/v1/units/293?as_of=2022-10-03"
WORKLISTS = ("all", "mine", "agency", "due_soon", "overdue", "flagged")


def test_mixed_load_has_no_5xx_and_loses_no_write(live: Live):
    rng = random.Random(int(os.environ.get("TOWNHALL_RELIABILITY_SEED") or 8))
    run = uuid.uuid4().hex[:8].upper()
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=TOTAL)
    case_ids: list[int] = []
    created: list[tuple[str, str]] = []  # (marker, tracking code)
    lock = threading.Lock()
    results: list[tuple[str, int, float, str]] = []  # kind, status (0: no answer), s, detail

    def one(index: int, kind: str) -> None:
        local = random.Random(index)
        user = local.choice((CLERK, LEADER, ADMIN))
        body = None
        headers = live.headers(user)
        expected = 200
        if kind == "intake" or (kind == "case" and not case_ids):
            kind = "intake"
            marker = f"LOAD{run}N{index:06d}"
            body = {
                "kind": local.choice(["complaint", "reflection", "recommendation"]),
                "channel": local.choice(["mail", "hotline", "reception"]),
                "unit": local.choice(["10750", "10762", "293"]),
                "received_at": "2022-10-03T09:00:00",
                "topic": "land",
                "text": f"{marker} Phản ánh về việc sửa chữa đường giao thông nông thôn, "
                f"lần {index}.",
                "submitters": [{"name": "Lê Văn Cường", "phone": f"09{index:08d}"}],
            }
            method, path = "POST", "/api/v1/petitions"
            headers = live.headers(local.choice((CLERK, LEADER)), key=f"load-{run}-{index}")
            expected = 201
        elif kind == "worklist":
            method = "GET"
            path = f"/api/v1/cases?worklist={local.choice(WORKLISTS)}&page_size=20"
            if local.random() < 0.2:
                path += "&q=" + local.choice(
                    ["%C4%91%C6%B0%E1%BB%9Dng", "duong", "TH-", "Phu+Thai"]
                )
        elif kind == "case":
            with lock:
                case_id = local.choice(case_ids)
            method, path = "GET", f"/api/v1/cases/{case_id}"
        elif kind == "units":
            method = "GET"
            path = local.choice(
                ["/api/v1/units", "/api/v1/units?parent=30&as_of=2022-10-03", UNIT_293]
            )
            headers = {}
        elif kind == "topics":
            method, path, headers = "GET", "/api/v1/topics", {}
        elif kind == "portal":
            method, path, headers = "GET", local.choice(["/portal/", "/portal/answers/"]), {}
        else:
            method, path, headers = "GET", "/healthz", {}
        started = time.perf_counter()
        try:
            status, _, data = request(live.port, method, path, body=body, headers=headers)
        except CONNECTION_ERRORS as exc:
            status, data = 0, repr(exc).encode()
        elapsed = time.perf_counter() - started
        detail = ""
        if status != expected:
            detail = f"{method} {path} -> {status}: {data[:300].decode(errors='replace')}"
        elif kind == "intake":
            answer = json.loads(data)
            with lock:
                case_ids.append(answer["case_id"])
                created.append((marker, answer["tracking_code"]))
        with lock:
            results.append((kind, status, elapsed, detail))

    started = time.monotonic()
    # A few intakes first, so the case pages have cases to read.
    for index in range(4):
        one(index, "intake")
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(one, range(4, TOTAL), kinds[4:]))
    wall = time.monotonic() - started

    by_kind: dict[str, list[float]] = collections.defaultdict(list)
    for kind, _, elapsed, _ in results:
        by_kind[kind].append(elapsed * 1000)
    lines = [
        f"[load] {live.db.vendor}: {len(results)} requests in {wall:.1f} s "
        f"({len(results) / wall:.0f}/s) from {CLIENTS} clients on gunicorn x2"
    ]
    for kind in sorted(by_kind):
        values = by_kind[kind]
        lines.append(
            f"  {kind:9} n={len(values):6}  p50={percentile(values, 0.5):7.1f} ms  "
            f"p95={percentile(values, 0.95):7.1f} ms  max={max(values):7.1f} ms"
        )
    for line in lines:
        report(line)

    server_errors = [detail for _, status, _, detail in results if status >= 500]
    no_answer = [detail for _, status, _, detail in results if status == 0]
    # A rate limiter may answer 429 to one address sending this much: counted, not a failure.
    limited = [detail for _, status, _, detail in results if status == 429]
    unexpected = [detail for _, status, _, detail in results if detail and status != 429]
    if limited:
        report(f"[load] {len(limited)} answers 429 (rate limited), e.g. {limited[0][:120]}")
    assert not server_errors, f"{len(server_errors)} 5xx: {server_errors[:5]}"
    assert not no_answer, f"{len(no_answer)} requests got no answer: {no_answer[:5]}"
    assert not unexpected, f"{len(unexpected)} unexpected answers: {unexpected[:5]}"
    assert len(results) == TOTAL

    # No lost write: every acknowledged petition is stored, once, with its own marker.
    rows = live.db.query(
        "SELECT tracking_code, text FROM petitions_petition WHERE text LIKE %s", (f"LOAD{run}N%",)
    )
    in_db = collections.Counter(code for code, _ in rows)
    markers = {code: text.split(" ", 1)[0] for code, text in rows}
    lost = [code for _, code in created if in_db[code] != 1]
    assert not lost, f"{len(lost)} acknowledged petitions not stored exactly once: {lost[:5]}"
    assert all(markers[code] == marker for marker, code in created)
    assert len(rows) == len(created), f"{len(rows)} stored for {len(created)} acknowledged"
    report(f"[load] writes acknowledged {len(created)}, stored {len(rows)}, lost 0")
