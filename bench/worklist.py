"""Staff worklists at scale: one page = the count ("1–20 of N") plus 20 rows, policy applied
(`selectors.worklist_ids`: the scope rows' facts, or `page_ids` where they cannot answer;
then the cases' summaries, `api.schemas.summaries`, as the JSON API pages).

`page()` is what the bench-only HTTP endpoint serves too, so the in-process latency (database
and ORM cost) and the HTTP figures (the whole request) measure the same work.

Run inside a configured Django: `python -m bench.worklist --out FILE` (bench/__main__.py does).
"""

import argparse
import json
import statistics
import time
from dataclasses import dataclass

from ninja import Schema

# The staff users the generator creates (bench/generate.py), and the worklists each opens.
USERS = {
    "bench-district-leader": ("district leader", ["all", "overdue", "due_soon", "agency"]),
    "bench-commune-clerk": ("commune clerk", ["all", "overdue", "due_soon", "mine"]),
    "bench-province-inspector": ("province inspector", ["all", "overdue", "due_soon"]),
}
BUDGET_SECONDS = 20
# Measured on its own: it aggregates every submitter of the database (mass = 5+ people).
FLAGGED = "flagged"


class PageOut(Schema):
    count: int
    results: list[dict]


def page(user, name: str) -> dict:
    from townhall.api.schemas import summaries
    from townhall.petitions import selectors

    count, ids = selectors.worklist_ids(user, name, 0, 20)  # as the API pages a worklist
    return {"count": count, "results": summaries(ids)}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Timing:
    user: str
    name: str
    count: int
    samples: list[float]


def _explain(sql: str, params) -> str:
    from django.db import connection

    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if connection.vendor == "postgresql"
        else ("EXPLAIN QUERY PLAN ")
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join(" | ".join(str(v) for v in row) for row in cursor.fetchall())


def _slowest_query(user, name: str) -> dict:
    """The slowest SQL statement of one page, with its plan."""
    from django.db import connection

    from townhall.accounts.models import User

    statements = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - start) * 1000, sql, params))

    fresh = User.objects.get(pk=user.pk)
    with connection.execute_wrapper(timed):
        page(fresh, name)
    ms, sql, params = max(statements, key=lambda s: s[0])
    return {
        "ms": ms,
        "sql": sql % tuple(repr(p) for p in params or ()),
        "plan": _explain(sql, params),
    }


def measure(repeat: int) -> dict:
    from townhall.accounts.models import User

    timings: list[Timing] = []
    explains: dict[str, dict] = {}
    for username, (label, names) in USERS.items():
        user = User.objects.get(username=username)
        for name in [*names, FLAGGED]:
            n = max(3, repeat // 5) if name == FLAGGED else repeat
            page(user, name)  # warm the cache and the policy's per-user lookups
            samples = []
            count = 0
            budget = time.perf_counter() + BUDGET_SECONDS
            for _ in range(n):
                if len(samples) >= 3 and time.perf_counter() > budget:
                    break  # slow pages: at least 3 samples, at most ~BUDGET_SECONDS each
                fresh = User.objects.get(pk=user.pk)  # a request starts from a fresh user
                start = time.perf_counter()
                result = page(fresh, name)
                samples.append((time.perf_counter() - start) * 1000)
                count = result["count"]
            timings.append(Timing(label, name, count, samples))
        worst = max(
            (t for t in timings if t.user == label and t.name != FLAGGED),
            key=lambda t: percentile(t.samples, 95),
        )
        explains[label] = {"worklist": worst.name, **_slowest_query(user, worst.name)}
        flagged = next(t for t in timings if t.user == label and t.name == FLAGGED)
        if percentile(flagged.samples, 95) > 50:
            explains[f"{label} / flagged"] = {"worklist": FLAGGED, **_slowest_query(user, FLAGGED)}
    rows = [
        {
            "user": t.user,
            "worklist": t.name,
            "count": t.count,
            "p50_ms": statistics.median(t.samples),
            "p95_ms": percentile(t.samples, 95),
            "n": len(t.samples),
        }
        for t in timings
    ]
    main_samples = [s for t in timings if t.name != FLAGGED for s in t.samples]
    flagged_samples = [s for t in timings if t.name == FLAGGED for s in t.samples]
    return {
        "rows": rows,
        "p50_ms": statistics.median(main_samples),
        "p95_ms": percentile(main_samples, 95),
        "flagged_p95_ms": percentile(flagged_samples, 95),
        "explains": explains,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    import django

    django.setup()
    result = measure(args.repeat)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
