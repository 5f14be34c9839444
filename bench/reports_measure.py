"""The measuring half of `python -m bench.reports` (run in its own process, Django set up).

Townhall: `statistics.with_previous(kind, scope)` for "petitions" and "dialogues", the code
the API and the dashboard call, for one province-year and for the country-year.
DuckDB: the same figures over the same rows exported with `COPY … TO STDOUT (FORMAT csv)`,
loaded into an in-memory DuckDB (not timed), in plain SQL, grouped by the root's children.
"""

import datetime as dt
import json
import os
import statistics as stats
import time

from bench.__main__ import machine
from bench.reports import OUT, RESULTS

CASE_TOTALS = ("cases", "petitions", "open", "overdue", "resolved", "mass", "over_level")
DIALOGUE_TOTALS = ("conferences", "opinions", "answered_at_conference", "answered_later")

EXPORTS = {
    "units": "SELECT id, path, level FROM units_unit",
    "cases": """
        SELECT c.id, c.unit_id, c.status, c.received_on, c.acknowledge_due, c.due,
               (c.acknowledged_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS ack_day,
               (c.answered_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS answer_day,
               extract(epoch FROM c.answered_at - c.received_at) AS answer_seconds,
               c.competent_agency_id IS NOT NULL AS has_competent, c.reopened_after_final,
               c.merged_into_id IS NOT NULL AS merged, c.people, c.over_level
        FROM petitions_case c WHERE c.received_on BETWEEN %(start)s AND %(end)s""",
    "petitions": """
        SELECT p.id, p.case_id, p.unit_id, p.kind, p.channel, p.topic_id,
               p.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh' AS received_local
        FROM petitions_petition p
        WHERE p.received_at >= %(start_at)s AND p.received_at < %(end_at)s""",
    "conferences": """
        SELECT id, host_unit_id, host_level, status,
               held_at AT TIME ZONE 'Asia/Ho_Chi_Minh' AS held_local
        FROM dialogues_conference
        WHERE held_at >= %(start_at)s AND held_at < %(end_at)s""",
    "opinions": """
        SELECT o.id, o.conference_id, o.outcome, c.status AS case_status, c.due AS case_due
        FROM dialogues_opinion o
        JOIN dialogues_conference f ON f.id = o.conference_id
        JOIN petitions_petition p ON p.id = o.petition_id
        JOIN petitions_case c ON c.id = p.case_id
        WHERE f.held_at >= %(start_at)s AND f.held_at < %(end_at)s""",
}

OPEN = "('received', 'accepted', 'transferred', 'assigned')"
DONE = "('returned', 'answered', 'closed')"

DUCK_PETITIONS = f"""
WITH c AS (
    SELECT c.*, split_part(substr(u.path, length($root) + 1), '/', 1) AS child,
           c.people >= 5 AS mass,
           c.status IN ('answered', 'closed') AND c.answer_day IS NOT NULL AND has_competent
               AS resolved
    FROM cases c JOIN units u ON u.id = c.unit_id
    WHERE starts_with(u.path, $root) AND c.received_on BETWEEN $start AND $end AND NOT merged
)
SELECT child, count(*) AS cases,
       count(*) FILTER (status IN {OPEN}) AS open,
       count(*) FILTER (status IN {OPEN} AND due < $on) AS overdue,
       count(*) FILTER (ack_day <= acknowledge_due) AS acknowledged_on_time,
       count(*) FILTER (ack_day > acknowledge_due) AS acknowledged_late,
       count(*) FILTER (ack_day IS NULL) AS not_acknowledged,
       count(*) FILTER (resolved) AS resolved,
       count(*) FILTER (resolved AND (due IS NULL OR answer_day <= due)) AS resolved_on_time,
       count(*) FILTER (resolved AND answer_day > due) AS resolved_late,
       count(*) FILTER (mass) AS mass,
       count(*) FILTER (reopened_after_final > 0 OR (status IN {OPEN} AND due < $margin_day))
           AS prolonged,
       count(*) FILTER (over_level) AS over_level,
       sum(answer_seconds) FILTER (resolved) AS resolution_seconds
FROM c GROUP BY child
"""  # noqa: S608 - constants only
DUCK_STATUS = """
SELECT split_part(substr(u.path, length($root) + 1), '/', 1) AS child, c.status, count(*)
FROM cases c JOIN units u ON u.id = c.unit_id
WHERE starts_with(u.path, $root) AND c.received_on BETWEEN $start AND $end AND NOT merged
GROUP BY ALL
"""
DUCK_PETITION_DIMENSIONS = """
WITH p AS (
    SELECT p.*, split_part(substr(u.path, length($root) + 1), '/', 1) AS child
    FROM petitions p JOIN units u ON u.id = p.unit_id
    WHERE starts_with(u.path, $root)
      AND p.received_local >= $start AND p.received_local < $end + INTERVAL 1 DAY
)
SELECT child, 'total' AS dim, '' AS value, count(*) FROM p GROUP BY ALL
UNION ALL SELECT child, 'kind', kind, count(*) FROM p GROUP BY ALL
UNION ALL SELECT child, 'channel', channel, count(*) FROM p GROUP BY ALL
UNION ALL SELECT child, 'topic', topic_id::varchar, count(*) FROM p GROUP BY ALL
"""
DUCK_DIALOGUES = f"""
WITH f AS (
    SELECT f.id, split_part(substr(u.path, length($root) + 1), '/', 1) AS child
    FROM conferences f JOIN units u ON u.id = f.host_unit_id
    WHERE starts_with(u.path, $root) AND f.status IN ('held', 'concluded', 'closed')
      AND f.held_local >= $start AND f.held_local < $end + INTERVAL 1 DAY
), o AS (
    SELECT f.child, count(*) AS opinions,
           count(*) FILTER (outcome = 'answered') AS answered_at_conference,
           count(*) FILTER (outcome = 'deferred' AND case_status IN {DONE}) AS answered_later,
           count(*) FILTER (outcome = 'pending' OR (outcome = 'deferred'
                            AND case_status IN {OPEN})) AS pending,
           count(*) FILTER (outcome = 'deferred' AND case_status IN {OPEN}
                            AND case_due < $on) AS overdue
    FROM opinions o JOIN f ON f.id = o.conference_id GROUP BY f.child
)
SELECT k.child, k.conferences, o.* EXCLUDE (child)
FROM (SELECT child, count(*) AS conferences FROM f GROUP BY child) k
LEFT JOIN o USING (child)
"""  # noqa: S608 - constants only


def _p50(values: list[float]) -> float:
    return stats.median(values)


def _export(periods, folder) -> dict:
    from django.db import connection

    start, end = periods
    params = {
        "start": start,
        "end": end,
        "start_at": dt.datetime.combine(start, dt.time.min, dt.timezone(dt.timedelta(hours=7))),
        "end_at": dt.datetime.combine(
            end + dt.timedelta(days=1), dt.time.min, dt.timezone(dt.timedelta(hours=7))
        ),
    }
    sizes = {}
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        pg = cursor.connection  # psycopg 3
        with pg.cursor() as cur:
            for name, sql in EXPORTS.items():
                path = folder / f"{name}.csv"
                query = cur.mogrify(sql, params)
                with (
                    path.open("wb") as out,
                    cur.copy(f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)") as copy,
                ):
                    for data in copy:
                        out.write(data)
                sizes[name] = path.stat().st_size
    return {"bytes": sizes, "seconds": time.perf_counter() - t0}


def _duck(folder):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    for name in EXPORTS:
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto(?, header = true)",  # noqa: S608
            [str(folder / f"{name}.csv")],
        )
    return con


def _duck_figures(con, kind: str, root: str, start, end, on, margin_day) -> dict:
    """The year and the year before, as with_previous: totals per child and overall."""
    from townhall.reports.statistics import previous_period

    out = {}
    for label, (s, e) in (("now", (start, end)), ("previous", previous_period(start, end))):
        params = {"root": root, "start": s, "end": e, "on": on, "margin_day": margin_day}
        if kind == "petitions":
            rows = con.execute(DUCK_PETITIONS, params).fetchall()
            names = [d[0] for d in con.description]
            status = con.execute(
                DUCK_STATUS, {k: params[k] for k in ("root", "start", "end")}
            ).fetchall()
            dims = con.execute(
                DUCK_PETITION_DIMENSIONS, {k: params[k] for k in ("root", "start", "end")}
            ).fetchall()
            totals = {n: sum((r[i] or 0) for r in rows) for i, n in enumerate(names) if i}
            totals.pop("child", None)
            totals["petitions"] = sum(r[3] for r in dims if r[1] == "total")
            totals["_status_rows"] = len(status)
        else:
            rows = con.execute(
                DUCK_DIALOGUES, {k: params[k] for k in ("root", "start", "end", "on")}
            ).fetchall()
            names = [d[0] for d in con.description]
            totals = {n: sum((r[i] or 0) for r in rows) for i, n in enumerate(names[1:], 1)}
        out[label] = totals
    return out


def measure(args) -> None:
    import django

    django.setup()
    from townhall.petitions import flags
    from townhall.reports import statistics
    from townhall.reports.models import era_of

    start, end = dt.date(args.year, 1, 1), dt.date(args.year, 12, 31)
    on = statistics.today()
    margin_day = on - dt.timedelta(days=flags.prolonged_margin_days())
    province = statistics.scope_build(code=args.province, start=start, end=end, on=on)
    nation = statistics.Scope(statistics.country(era_of(end)), start, end, on=on)
    scopes = {
        f"Province {province.unit.name} ({province.unit.code})": ("province", province),
        "Whole country": ("country", nation),
    }
    load_before = os.getloadavg()[0]
    results, agreement = [], []
    townhall = {}
    for label, (target, scope) in scopes.items():
        per_kind = {}
        for kind in ("petitions", "dialogues"):
            statistics.with_previous(kind, scope)  # warm the caches once, not timed
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                figures = statistics.with_previous(kind, scope)
                times.append(time.perf_counter() - t0)
            per_kind[kind] = times
            townhall[(label, kind)] = figures
            print(f"   {label}, {kind}: p50 {_p50(times):.3f} s", flush=True)
        per_kind["both"] = [
            a + b for a, b in zip(per_kind["petitions"], per_kind["dialogues"], strict=True)
        ]
        results.append((label, target, scope, per_kind))

    folder = OUT / "export"
    folder.mkdir(parents=True, exist_ok=True)
    exported = _export(statistics.previous_period(start, end)[:1] + (end,), folder)
    print(f"   exported {sum(exported['bytes'].values()) / 1e6:,.0f} MB", flush=True)
    con = _duck(folder)
    rows = []
    for label, target, scope, per_kind in results:
        duck_times = {}
        for kind in ("petitions", "dialogues"):
            times = []
            for _ in range(args.repeat + 1):
                t0 = time.perf_counter()
                figures = _duck_figures(con, kind, scope.unit.path, start, end, on, margin_day)
                times.append(time.perf_counter() - t0)
            duck_times[kind] = times[1:]
            ours = townhall[(label, kind)]
            keys = CASE_TOTALS if kind == "petitions" else DIALOGUE_TOTALS
            diff = [
                f"{k} {ours[k]} vs {figures['now'].get(k)}"
                for k in keys
                if ours[k] != figures["now"].get(k)
            ] + [
                f"previous {k} {ours['previous'][k]} vs {figures['previous'].get(k)}"
                for k in keys
                if ours["previous"][k] != figures["previous"].get(k)
            ]
            if diff:
                agreement.append(f"{label}, {kind}: " + "; ".join(diff))
        duck_times["both"] = [
            a + b for a, b in zip(duck_times["petitions"], duck_times["dialogues"], strict=True)
        ]
        rows.extend(
            {
                "label": f"{label} — {kind if kind != 'both' else 'petitions + dialogues'}",
                # the country's target is for its statistics, both kinds of record together
                "target": target if kind == "both" or target != "country" else "part",
                "pg_p50": _p50(per_kind[kind]),
                "pg_max": max(per_kind[kind]),
                "duck_p50": _p50(duck_times[kind]),
            }
            for kind in ("petitions", "dialogues", "both")
        )
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in (
            "petitions_case",
            "petitions_petition",
            "dialogues_conference",
            "dialogues_opinion",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our table names
            counts[table] = cursor.fetchone()[0]
    info = machine()
    result = {
        "size": args.reports_size,
        "year": args.year,
        "repeat": args.repeat,
        "province": f"{province.unit.name} ({province.unit.code}, "
        f"{len(statistics.children_of(province))} districts)",
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{info['cores']} cores {info['cpu']}, {info['memory']}, "
        f"PostgreSQL {info['postgresql']}, DuckDB {__import__('duckdb').__version__}",
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "counts": counts,
        "export": exported,
        "rows": rows,
        "agreement": (
            "The totals of both agree (cases, petitions, open, overdue, resolved, mass, "
            "over-level; conferences, opinions, answered at and after the conference), for the "
            "year and the year before."
            if not agreement
            else "**The totals differ:** " + " | ".join(agreement)
        ),
    }
    RESULTS.write_text(json.dumps(result, indent=1, default=str))
