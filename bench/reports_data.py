"""Bulk rows for the reports benchmark: cases, petitions, conferences and opinions in SQL.

Everything is generated inside PostgreSQL with `INSERT … SELECT` over `generate_series`, in
chunks (a progress line per chunk), with foreign-key triggers off for the loading session
(`session_replication_role = replica`; every key written comes from the real units and their
agencies) and the secondary indexes dropped during the load and rebuilt with their own
definitions afterwards. `setseed` makes a run repeatable.

Shape (close to bench/generate.py, without texts worth searching): cases received from
1 January 2019 to yesterday, more in recent years (the day is drawn as `sqrt(random())` of the
span), in three-level units before 1 July 2025 and two-level ones from that day; 88% at a
commune, the rest at a district or province; kinds, channels and topics weighted like a
province's register; statuses by age (old cases mostly closed, a few still open past their
deadline, recent ones in progress); acknowledgements and answers on time or late; 1 petition
per case plus ~10% follow-up petitions on earlier cases; 2% group petitions of 5–40 people.
Conferences are held at every level of both eras (80% commune); each has three opinions
(answered, deferred or pending) tied to distinct petitions. No directives, submitters or
history events: the yearly statistics read the first four tables only (mass cases come from a
group's declared size here).
"""

import datetime as dt
import sys
import time

ERA_SWITCH = dt.date(2025, 7, 1)
FIRST_DAY = dt.date(2019, 1, 1)
TABLES = ("petitions_case", "petitions_petition", "dialogues_conference", "dialogues_opinion")

TEXTS = [
    "Đề nghị xem xét lại việc cấp giấy chứng nhận quyền sử dụng đất cho gia đình tôi.",
    "Phản ánh đường liên thôn xuống cấp, mùa mưa ngập úng, đi lại khó khăn.",
    "Khiếu nại quyết định bồi thường, hỗ trợ khi Nhà nước thu hồi đất.",
    "Kiến nghị bố trí thêm phòng học cho trường tiểu học của xã.",
    "Phản ánh cơ sở chăn nuôi gây ô nhiễm môi trường khu dân cư.",
    "Tố cáo cán bộ địa chính có dấu hiệu sách nhiễu khi làm thủ tục.",
    "Đề nghị giải quyết chế độ chính sách cho người có công với cách mạng.",
    "Kiến nghị lắp đặt đèn chiếu sáng công cộng trên tuyến đường tỉnh.",
    "Phản ánh tranh chấp ranh giới đất giữa hai hộ liền kề chưa được hòa giải.",
    "Đề nghị công khai danh sách hộ nghèo, hộ cận nghèo năm nay.",
]


def _progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    left = (total - done) / rate if rate else 0
    print(
        f"\r   {label}: {done:>11,}/{total:,} rows ({rate:,.0f} rows/s, ~{left:.0f} s left)   ",
        end="" if done < total else "\n",
        file=sys.stderr,
        flush=True,
    )


DEFAULTS = {"boolean": "false", "integer": "0", "smallint": "0", "bigint": "0", "jsonb": "'{}'"}


def _temporary_defaults(cur) -> list[str]:
    """Columns a later migration added (NOT NULL, no default, not written here) get a neutral
    default for the load, dropped afterwards: the generator keeps working while the schema
    moves. Returns "table.column" of each, printed so a stale generator shows."""
    cur.execute(
        """SELECT table_name, column_name, data_type FROM information_schema.columns
           WHERE table_name = ANY(%s) AND is_nullable = 'NO' AND column_default IS NULL""",
        (list(TABLES),),
    )
    done = []
    for table, column, kind in cur.fetchall():
        if f" {column}," in _WRITTEN[table] or f" {column})" in _WRITTEN[table]:
            continue
        value = DEFAULTS.get(kind, "''")
        cur.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {value}')
        done.append(f"{table}.{column}")
    return done


def _secondary_indexes(cur) -> list[tuple[str, str]]:
    """(name, definition) of the indexes that back no constraint, on the loaded tables."""
    cur.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.tablename = ANY(%s) AND NOT EXISTS (
               SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        (list(TABLES),),
    )
    return list(cur.fetchall())


def _pick_tables(cur) -> int:
    """Units numbered per era and group ("c" communes, "u" districts and provinces), with the
    People's Committee of each, so a row picks a unit with one equality join. Returns the id
    of the handler deferred opinions are assigned to."""
    cur.execute(
        """INSERT INTO units_agency (unit_id, kind, name, head_title, is_active)
           SELECT u.id, 'peoples_committee', 'Ủy ban nhân dân ' || u.name, '', true
           FROM units_unit u
           WHERE NOT EXISTS (SELECT 1 FROM units_agency a WHERE a.unit_id = u.id)"""
    )
    cur.execute("DROP TABLE IF EXISTS bench_pick; DROP TABLE IF EXISTS bench_pick_n")
    cur.execute(
        """CREATE UNLOGGED TABLE bench_pick AS
           SELECT u.era, CASE WHEN u.level = 'commune' THEN 'c' ELSE 'u' END AS grp,
                  row_number() OVER (PARTITION BY u.era, u.level = 'commune' ORDER BY u.code)
                      AS rn,
                  u.id AS unit_id, u.level, min(a.id) AS agency_id
           FROM units_unit u JOIN units_agency a ON a.unit_id = u.id
           GROUP BY u.id"""
    )
    cur.execute("CREATE UNIQUE INDEX ON bench_pick (era, grp, rn)")
    cur.execute(
        "CREATE UNLOGGED TABLE bench_pick_n AS "
        "SELECT era, grp, count(*)::int AS n FROM bench_pick GROUP BY 1, 2"
    )
    cur.execute("ANALYZE bench_pick; ANALYZE bench_pick_n")  # without it: a seq scan per row
    cur.execute(
        """INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,
               email, is_staff, is_active, date_joined, role, title)
           VALUES ('!', false, 'bench-reports-handler', 'Cán bộ', 'Xử lý', '', true, true,
               now(), 'handler', '')
           ON CONFLICT (username) DO NOTHING"""
    )
    cur.execute("SELECT id FROM accounts_user WHERE username = 'bench-reports-handler'")
    return cur.fetchone()[0]


CASES_SQL = """
INSERT INTO petitions_case (
    id, reference, kind, status, title, received_at, received_on, acknowledge_due, accept_due,
    due, is_complex, is_remote, instance, extensions, acknowledged_at, answer,
    decision_reference, is_final_decision, answered_at, closed_at, final_decision_at,
    reopened_after_final, publish_answer, version, search_text, created_at, updated_at,
    assigned_agency_id, competent_agency_id, handler_id, handling_leader_id, merged_into_id,
    receiving_agency_id, unit_id, topic_id, people, over_level)
WITH base AS (
    SELECT g, d.day, (%(today)s::date - d.day) AS age, random() AS r_people,
           CASE WHEN d.day < %(switch)s::date THEN 'three_level' ELSE 'two_level' END AS era,
           CASE WHEN random() < 0.88 THEN 'c' ELSE 'u' END AS grp,
           random() AS r_unit, random() AS r_kind, random() AS r_status, random() AS r_ack,
           random() AS r_ans, random() AS r_time, 1 + floor(random() * %(topics)s)::int AS topic
    FROM generate_series(%(a)s::bigint, %(b)s::bigint) g
    CROSS JOIN LATERAL (
        SELECT %(first)s::date + floor(%(days)s * sqrt(random()) + 0 * g)::int AS day
    ) d
), picked AS (
    SELECT b.*, p.unit_id, p.agency_id,
           (b.day + interval '7 hours' + b.r_time * interval '10 hours')
               AT TIME ZONE 'Asia/Ho_Chi_Minh' AS at,
           CASE WHEN r_kind < 0.45 THEN 'recommendation' WHEN r_kind < 0.70 THEN 'reflection'
                WHEN r_kind < 0.90 THEN 'complaint' WHEN r_kind < 0.97 THEN 'denunciation'
                ELSE 'mixed' END AS kind,
           CASE WHEN age > 180 THEN
                    CASE WHEN r_status < 0.85 THEN 'closed' WHEN r_status < 0.93 THEN 'answered'
                         WHEN r_status < 0.96 THEN 'returned' WHEN r_status < 0.98
                         THEN 'assigned' ELSE 'accepted' END
                WHEN age > 30 THEN
                    CASE WHEN r_status < 0.20 THEN 'closed' WHEN r_status < 0.60 THEN 'answered'
                         WHEN r_status < 0.65 THEN 'returned' WHEN r_status < 0.90
                         THEN 'assigned' WHEN r_status < 0.95 THEN 'accepted'
                         ELSE 'transferred' END
                ELSE CASE WHEN r_status < 0.10 THEN 'answered' WHEN r_status < 0.40
                          THEN 'received' WHEN r_status < 0.70 THEN 'accepted'
                          ELSE 'assigned' END END AS status
    FROM base b
    JOIN bench_pick_n n ON n.era = b.era AND n.grp = b.grp
    JOIN bench_pick p ON p.era = b.era AND p.grp = b.grp
        AND p.rn = 1 + floor(b.r_unit * n.n)::int
)
SELECT g, 'BR-' || g, kind, status, 'Đơn số ' || g, at, day, day + 10, day + 10,
       day + CASE WHEN kind IN ('complaint', 'denunciation') THEN 30 ELSE 20 END,
       false, false, 1, 0,
       CASE WHEN status <> 'received' AND r_ack < 0.95 THEN at + r_ack * interval '12 days' END,
       '', '', false,
       CASE WHEN status IN ('answered', 'closed', 'returned')
            THEN LEAST(at + (3 + r_ans * 45) * interval '1 day', %(now)s::timestamptz) END,
       CASE WHEN status = 'closed'
            THEN LEAST(at + (10 + r_ans * 45) * interval '1 day', %(now)s::timestamptz) END,
       NULL, CASE WHEN status = 'closed' AND r_ans < 0.01 THEN 1 ELSE 0 END,
       false, 1, '', at, at,
       CASE WHEN status IN ('assigned', 'answered', 'closed') THEN agency_id END,
       CASE WHEN status <> 'returned' AND status <> 'received' THEN agency_id END,
       NULL, NULL, NULL, agency_id, unit_id, topic,
       CASE WHEN r_people < 0.02 THEN 5 + floor(r_people * 1750)::int ELSE 1 END,
       r_people > 0.99
FROM picked
"""

FIRST_PETITIONS_SQL = """
INSERT INTO petitions_petition (
    id, tracking_code, secret_hash, kind, channel, received_at, text, people_count, over_level,
    signature, created_at, case_id, created_by_id, receiving_agency_id, unit_id, topic_id)
SELECT c.id, 'BT' || c.id, '', c.kind,
       CASE WHEN r < 0.25 THEN 'portal' WHEN r < 0.45 THEN 'mail' WHEN r < 0.70 THEN 'reception'
            WHEN r < 0.75 THEN 'hotline' WHEN r < 0.85 THEN 'dialogue_before'
            WHEN r < 0.90 THEN 'dialogue_floor' ELSE 'transfer_in' END,
       c.received_at, (%(texts)s::text[])[1 + (c.id %% %(ntexts)s)::int],
       c.people, c.over_level, '[]',
       c.received_at, c.id, NULL, c.receiving_agency_id, c.unit_id, c.topic_id
FROM petitions_case c
CROSS JOIN LATERAL (SELECT random() + 0 * c.id AS r) x
WHERE c.id BETWEEN %(a)s AND %(b)s
"""

MORE_PETITIONS_SQL = """
INSERT INTO petitions_petition (
    id, tracking_code, secret_hash, kind, channel, received_at, text, people_count, over_level,
    signature, created_at, case_id, created_by_id, receiving_agency_id, unit_id, topic_id)
SELECT g, 'BT' || g, '', c.kind,
       CASE WHEN r < 0.40 THEN 'portal' WHEN r < 0.70 THEN 'mail' ELSE 'reception' END,
       LEAST(c.received_at + r * interval '20 days', %(now)s::timestamptz),
       (%(texts)s::text[])[1 + (g %% %(ntexts)s)::int], 1, false, '[]',
       c.received_at, c.id, NULL, c.receiving_agency_id, c.unit_id, c.topic_id
FROM generate_series(%(a)s::bigint, %(b)s::bigint) g
JOIN petitions_case c ON c.id = 1 + (g * 7919) %% %(cases)s
CROSS JOIN LATERAL (SELECT random() + 0 * g AS r) x
"""

CONFERENCES_SQL = """
INSERT INTO dialogues_conference (
    id, title, host_level, starts_at, venue, is_online, audience_kind, audience_description,
    expected_attendance, status, invitation_number, announced_at, held_at, attendance, minutes,
    closed_at, version, created_at, updated_at, created_by_id, host_agency_id, host_unit_id)
WITH base AS (
    SELECT g, d.day,
           CASE WHEN d.day < %(switch)s::date THEN 'three_level' ELSE 'two_level' END AS era,
           CASE WHEN random() < 0.80 THEN 'c' ELSE 'u' END AS grp,
           random() AS r_unit, random() AS r_status
    FROM generate_series(%(a)s::bigint, %(b)s::bigint) g
    CROSS JOIN LATERAL (
        SELECT %(first)s::date + floor(%(days)s * random() + 0 * g)::int AS day
    ) d
)
SELECT g, 'Hội nghị đối thoại số ' || g, p.level,
       (b.day + interval '8 hours') AT TIME ZONE 'Asia/Ho_Chi_Minh', 'Hội trường', false,
       'residents', '', 100,
       CASE WHEN r_status < 0.05 THEN 'planned' WHEN r_status < 0.15 THEN 'held'
            WHEN r_status < 0.55 THEN 'concluded' ELSE 'closed' END,
       '', CASE WHEN r_status >= 0.05 THEN (b.day - 14 + interval '8 hours') AT TIME ZONE
           'Asia/Ho_Chi_Minh' END,
       CASE WHEN r_status >= 0.05 THEN (b.day + interval '8 hours') AT TIME ZONE
           'Asia/Ho_Chi_Minh' END,
       CASE WHEN r_status >= 0.05 THEN 80 END, '', NULL, 1, %(now)s::timestamptz,
       %(now)s::timestamptz, NULL, p.agency_id, p.unit_id
FROM base b
JOIN bench_pick_n n ON n.era = b.era AND n.grp = b.grp
JOIN bench_pick p ON p.era = b.era AND p.grp = b.grp AND p.rn = 1 + floor(b.r_unit * n.n)::int
"""

OPINIONS_SQL = """
INSERT INTO dialogues_opinion (
    id, number, prepare_by, prepared_answer, prepared_at, outcome, outcome_at, answered_by,
    answer, deadline, expected_result, assignee_id, collected_by_id, conference_id,
    petition_id, prepare_agency_id)
SELECT (c.id - 1) * 3 + k, k, NULL, '', NULL, o.outcome, NULL,
       CASE WHEN o.outcome = 'answered' THEN 'Chủ tịch UBND' ELSE '' END,
       CASE WHEN o.outcome = 'answered' THEN 'Đã trả lời trực tiếp tại hội nghị.' ELSE '' END,
       CASE WHEN o.outcome = 'deferred' THEN (c.held_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
           + 30 END,
       '', CASE WHEN o.outcome = 'deferred' THEN %(handler)s::bigint END, NULL, c.id,
       (c.id - 1) * 3 + k, NULL
FROM dialogues_conference c
CROSS JOIN generate_series(1, 3) k
CROSS JOIN LATERAL (SELECT random() + 0 * k + 0 * c.id AS r) x
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.status = 'planned' THEN 'pending' WHEN x.r < 0.55 THEN 'answered'
                WHEN x.r < 0.92 THEN 'deferred' ELSE 'pending' END AS outcome
) o
WHERE c.id BETWEEN %(a)s AND %(b)s
"""


def _columns(sql: str) -> str:
    return " " + " ".join(sql.split("(", 1)[1].split(")", 1)[0].split()) + ")"


_WRITTEN = {
    "petitions_case": _columns(CASES_SQL),
    "petitions_petition": _columns(FIRST_PETITIONS_SQL),
    "dialogues_conference": _columns(CONFERENCES_SQL),
    "dialogues_opinion": _columns(OPINIONS_SQL),
}


def _chunks(first: int, last: int, size: int):
    a = first
    while a <= last:
        yield a, min(a + size - 1, last)
        a += size


def generate(database_url: str, petitions: int, conferences: int, *, chunk: int = 500_000):
    """Fill the database (migrated, units loaded). Returns {table: rows} and the seconds."""
    import psycopg

    cases = round(petitions / 1.1)
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()  # Asia/Ho_Chi_Minh
    params = {
        "today": today,
        "now": dt.datetime.now(dt.UTC),
        "switch": ERA_SWITCH,
        "first": FIRST_DAY,
        "days": (today - FIRST_DAY).days,
        "texts": TEXTS,
        "ntexts": len(TEXTS),
    }
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '256MB'")
        cur.execute("SELECT setseed(0.2025)")
        cur.execute("SELECT count(*) FROM petitions_topic")
        params["topics"] = cur.fetchone()[0]
        if not params["topics"]:
            raise SystemExit("no topics: migrate first")
        params["handler"] = _pick_tables(cur)
        patched = _temporary_defaults(cur)
        if patched:
            print(f"   neutral defaults for: {', '.join(patched)}", file=sys.stderr)
        indexes = _secondary_indexes(cur)
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        steps = [
            ("cases", CASES_SQL, 1, cases, {}),
            ("petitions", FIRST_PETITIONS_SQL, 1, cases, {}),
            ("petitions (follow-ups)", MORE_PETITIONS_SQL, cases + 1, petitions, {"cases": cases}),
            ("conferences", CONFERENCES_SQL, 1, conferences, {}),
            ("opinions", OPINIONS_SQL, 1, conferences, {}),
        ]
        for label, sql, first, last, extra in steps:
            if last < first:
                continue
            t0 = time.perf_counter()
            size = chunk if label != "opinions" else max(chunk // 3, 1)
            for a, b in _chunks(first, last, size):
                cur.execute(sql, {**params, **extra, "a": a, "b": b})
                _progress(label, b - first + 1, last - first + 1, t0)
        print(f"   rebuilding {len(indexes)} indexes", file=sys.stderr, flush=True)
        for _name, definition in indexes:
            cur.execute(definition)
        cur.execute("DROP TABLE bench_pick; DROP TABLE bench_pick_n")
        for name in patched:
            table, column = name.split(".")
            cur.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
        for table in TABLES:
            top = f"SELECT coalesce(max(id), 1) FROM {table}"  # noqa: S608 - our table names
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), ({top}))")
        print("   VACUUM ANALYZE", file=sys.stderr, flush=True)
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("VACUUM ANALYZE")
        counts = {}
        for table in TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our table names
            counts[table] = cur.fetchone()[0]
    return counts, time.perf_counter() - started
