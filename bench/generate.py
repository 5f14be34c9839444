"""Synthetic national-scale data: cases, petitions, submitters, band keys and events, in bulk.

`python -m bench.generate --cases 100000` (inside a configured Django, the database migrated and
the units loaded) writes realistic Vietnamese petitions across every commune-level unit of both
eras: cases received from 2019 to now (more in recent years), before 1 July 2025 in the
three-level units and after it in the two-level ones; kinds, channels, topics, statuses,
deadlines, assignments and history spread the way a province's register looks (old cases
mostly closed, some still open long past their deadline, recent ones still being handled);
a few percent "mass" cases with several petitions of the same content.

Bulk paths, not the services: PostgreSQL `COPY` (psycopg 3 `cursor.copy`) with foreign-key
triggers off for the load session (`session_replication_role = replica`; every key written is
generated consistently here), SQLite `executemany` in one transaction per chunk. Two worker
processes build the rows (text, MinHash signature, band keys) while the parent writes. Then
`VACUUM ANALYZE` (PostgreSQL) or `ANALYZE` (SQLite).

What is cheated, on purpose, and why:
- Submitters' personal data: encrypting millions of values with Fernet is slow, so a pool of
  `PERSONS` distinct fictional people is encrypted once and their tokens (and blind indexes)
  are reused. Tokens are valid: the app decrypts them.
- Each petition's tracking secret hash is one keyed hash computed once (the service hashes a
  fresh secret per petition).
- References and tracking codes have the service's format but come from a bijective scramble
  of the row id (unique without checking).
Nothing else is: texts, signatures and band keys come from `townhall.core.text` exactly as the
service computes them.
"""

import argparse
import datetime as dt
import json
import math
import multiprocessing
import random
import sys
import time
from dataclasses import dataclass, field

from .texts import (
    ANSWERS,
    CHANNEL_WEIGHTS,
    HAMLET_KIND,
    KIND_WEIGHTS,
    PLACE,
    RETURNED_ANSWER,
    TOPIC_WEIGHTS,
    compose,
    lower_first,
    person_name,
)

CHUNK = 2000
PERSONS = 1000
START = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
ERA_SWITCH = dt.date(2025, 7, 1)
VN = dt.timezone(dt.timedelta(hours=7))  # Asia/Ho_Chi_Minh has no DST
OPEN = ("received", "accepted", "transferred", "assigned")  # petitions.models.OPEN_STATUSES

# Staff the benchmarks act as (bench/worklist.py reads the same names).
LEADER, CLERK, INSPECTOR, ADMIN = (
    "bench-district-leader",
    "bench-commune-clerk",
    "bench-province-inspector",
    "bench-admin",
)

# --- codes ----------------------------------------------------------------------------------
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # townhall.petitions.codes


def _scrambled(n: int, width: int) -> str:
    space = len(_ALPHABET) ** width
    value = (n * 2_654_435_761 + 97) % space  # multiplier coprime with 31: a bijection
    digits = []
    for _ in range(width):
        value, d = divmod(value, len(_ALPHABET))
        digits.append(_ALPHABET[d])
    return "".join(digits)


def case_reference(case_id: int, year: int) -> str:
    return f"VV-{year}-{_scrambled(case_id, 6)}"


def tracking_code(petition_id: int) -> str:
    code = _scrambled(petition_id, 8)
    return f"TH-{code[:4]}-{code[4:]}"


# --- the world the workers need -------------------------------------------------------------
@dataclass
class World:
    """Ids and names the row builders need, read once from the database before forking."""

    backend: str
    now: dt.datetime
    communes: dict[str, list[tuple]]  # era -> [(unit id, name, own agency, parent agency)]
    topics: dict[str, int]
    persons: list[tuple]  # (name, id_number, phone, address, person_key, phone_key) tokens
    secret_hash: str
    unit_paths: dict[int, str]
    agency_paths: dict[int, str]
    clerk_id: int
    clerk_unit_id: int
    case_base: int
    petition_base: int
    extra: dict = field(default_factory=dict)


_WORLD: World | None = None


def _fmt_dt(value: dt.datetime) -> str:
    if _WORLD.backend == "postgresql":
        return value.isoformat(" ")
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


STATUS_BY_AGE = [  # (max age in days, {status: weight})
    (10, {"received": 50, "accepted": 25, "assigned": 20, "answered": 5}),
    (
        60,
        {
            "received": 8,
            "accepted": 17,
            "assigned": 35,
            "answered": 22,
            "closed": 12,
            "returned": 6,
        },
    ),
    (
        10**6,
        {"received": 1, "accepted": 2, "assigned": 5, "answered": 12, "closed": 75, "returned": 5},
    ),
]


@dataclass
class Chunk:
    cases: list[tuple] = field(default_factory=list)
    petitions: list[tuple] = field(default_factory=list)
    submitters: list[tuple] = field(default_factory=list)
    bands: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    scopes: list[tuple] = field(default_factory=list)


def build_chunk(args: tuple[int, int, int]) -> Chunk:
    """Rows for cases [first, first + count) of the run; deterministic per chunk index."""
    from townhall.core import text
    from townhall.petitions.scope import with_ancestors

    index, first, count = args
    w = _WORLD
    rng = random.Random(w.extra["seed"] * 1_000_003 + index)
    out = Chunk()
    span = (w.now - START).total_seconds()
    petition_id = w.petition_base + index * CHUNK * 8
    fmt = _fmt_dt
    for case_id in range(w.case_base + first, w.case_base + first + count):
        received_at = START + dt.timedelta(seconds=span * math.sqrt(rng.random()))
        local = received_at.astimezone(VN)
        received_on = local.date()
        era = "three_level" if received_on < ERA_SWITCH else "two_level"
        unit_id, commune, own_agency, parent_agency = rng.choice(w.communes[era])
        topic = _weighted(rng, TOPIC_WEIGHTS)
        kind = _weighted(rng, KIND_WEIGHTS)
        over_level = rng.random() < 0.1
        receiving = parent_agency if over_level and parent_agency else own_agency
        age = (w.now.astimezone(VN).date() - received_on).days
        status = _weighted(rng, next(s for limit, s in STATUS_BY_AGE if age <= limit))
        # A lifecycle consistent with the status, never past now.
        events = [(received_at, "received", "", "received", True)]

        def later(start: dt.datetime, lo: float, hi: float) -> dt.datetime:
            return min(w.now, start + dt.timedelta(days=rng.uniform(lo, hi)))

        acknowledged = accepted = assigned = answered = closed = None
        competent = assigned_agency = handler = None
        due = None
        answer = ""
        is_complex = rng.random() < 0.1
        if status != "received":
            acknowledged = later(received_at, 0.5, 9)
        if status == "returned":
            answered = later(received_at, 1, 12)
            answer = RETURNED_ANSWER
            events.append((answered, "returned", "received", "returned", True))
        elif status != "received":
            accepted = later(received_at, 1, 10)
            competent = own_agency
            days = 30 if kind in ("complaint", "denunciation") else 21
            due = accepted.astimezone(VN).date() + dt.timedelta(days=days + 15 * is_complex)
            events.append((accepted, "accepted", "received", "accepted", True))
            if status in ("assigned", "answered", "closed"):
                assigned = later(accepted, 0, 5)
                assigned_agency = competent
                if unit_id == w.clerk_unit_id:
                    handler = w.clerk_id
                events.append((assigned, "assigned", "accepted", "assigned", False))
            if status in ("answered", "closed"):
                answered = later(assigned, 2, 35)
                answer = rng.choice(ANSWERS)
                events.append((answered, "answered", "assigned", "answered", True))
            if status == "closed":
                closed = later(answered, 1, 20)
                events.append((closed, "closed", "answered", "closed", True))
        last = events[-1][0]
        # Petitions: one, or for a mass case several people sending the same content.
        mass = rng.random() < 0.03
        n_petitions = rng.randint(2, 6) if mass else 1
        body_rng_state = rng.getstate()
        first_text = None
        case_people = 1
        for p in range(n_petitions):
            rng_p = random.Random()
            rng_p.setstate(body_rng_state)  # same facts, a different signatory
            content = text.normalize(compose(rng_p, topic, commune, name=person_name(rng)))
            first_text = first_text or content
            sig = text.signature(content)
            code = tracking_code(petition_id)
            people = rng.randint(5, 40) if mass else 1
            case_people = max(case_people, people)
            out.petitions.append(
                (
                    petition_id,
                    case_id,
                    code,
                    w.secret_hash,
                    kind,
                    _weighted(rng, CHANNEL_WEIGHTS),
                    fmt(received_at + dt.timedelta(minutes=7 * p)),
                    receiving,
                    unit_id,
                    w.topics[topic],
                    content,
                    people,
                    over_level,
                    json.dumps(sig),
                    None,
                    fmt(received_at),
                )
            )
            if status in OPEN:  # only open cases keep band rows (petitions/similarity.py)
                out.bands.extend((key, petition_id, case_id) for key in text.band_keys(sig))
            for r in range(2 if mass else 1):
                person = w.persons[rng.randrange(len(w.persons))]
                out.submitters.append((petition_id, *person, r == 0 and mass))
            if p:
                events.append(
                    (received_at + dt.timedelta(minutes=7 * p), "petition_attached", "", "", False)
                )
            petition_id += 1
        reference = case_reference(case_id, received_on.year)
        title = first_text[:120].strip()
        out.cases.append(
            (
                case_id,
                reference,
                kind,
                status,
                unit_id,
                w.topics[topic],
                title,
                receiving,
                competent,
                assigned_agency,
                handler,
                None,
                fmt(received_at),
                received_on.isoformat(),
                (received_on + dt.timedelta(days=14)).isoformat(),
                (received_on + dt.timedelta(days=10)).isoformat()
                if kind in ("complaint", "denunciation")
                else None,
                due.isoformat() if due else None,
                is_complex,
                False,
                1,
                0,
                fmt(acknowledged) if acknowledged else None,
                answer,
                "",
                False,
                fmt(answered) if answered else None,
                fmt(closed) if closed else None,
                None,
                0,
                None,
                False,
                len(events),
                text.fold(f"{reference} {title} {first_text}")[:20_000],
                fmt(received_at),
                fmt(last),
                case_people,
                over_level,
            )
        )
        paths = [w.unit_paths[unit_id], w.agency_paths[receiving]]
        paths += [w.agency_paths[a] for a in (competent, assigned_agency) if a]
        scope = sorted(with_ancestors(paths))  # as scope.refresh writes them
        # The case's worklist facts on each scope row (migration petitions/0007; the triggers
        # that copy them are off during the load).
        facts = (True, status, due.isoformat() if due else None, fmt(received_at), case_people)
        out.scopes.extend((case_id, path, *facts, over_level, 0) for path in scope)
        out.events.extend(
            (case_id, fmt(at), None, action, frm, to, "", "{}", public)
            for at, action, frm, to, public in events
        )
    return out


def _init_worker(world: World) -> None:
    global _WORLD
    _WORLD = world


# --- setup in the database ------------------------------------------------------------------
def ensure_agencies_and_staff() -> dict:
    """One People's Committee per unit of both eras, and the benchmark's staff users."""
    from townhall.accounts.models import Membership, Role, User
    from townhall.units.models import Agency, AgencyKind, Unit

    existing = set(Agency.objects.values_list("unit_id", "name"))
    new = []
    for unit_id, name in Unit.objects.values_list("id", "name"):
        agency_name = f"Ủy ban nhân dân {lower_first(name)}"
        if (unit_id, agency_name) not in existing:
            new.append(Agency(unit_id=unit_id, kind=AgencyKind.PEOPLES_COMMITTEE, name=agency_name))
    Agency.objects.bulk_create(new, batch_size=2000)

    def unit(era: str, code: str, level: str) -> Unit:
        found = Unit.objects.filter(era=era, code=code, level=level).first()
        return found or Unit.objects.filter(era=era, level=level).order_by("code").first()

    district = unit("three_level", "293", "district")  # Kim Thành, Hải Dương
    commune = unit("two_level", "10750", "commune")  # Xã Phú Thái, Hải Phòng
    province = unit("two_level", "31", "province")  # Thành phố Hải Phòng
    front, _ = Agency.objects.get_or_create(
        unit=province,
        name=f"Ban Dân vận {lower_first(province.name)}",
        defaults={"kind": AgencyKind.MASS_MOBILIZATION},
    )
    memberships = {
        LEADER: (Role.LEADER, Agency.objects.get(unit=district, kind="peoples_committee")),
        CLERK: (Role.CLERK, Agency.objects.get(unit=commune, kind="peoples_committee")),
        INSPECTOR: (Role.INSPECTOR, front),
        ADMIN: (Role.ADMINISTRATOR, front),
    }
    users = {}
    for username, (role, agency) in memberships.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "is_staff": role == Role.ADMINISTRATOR}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, agency=agency)
        users[username] = user
    return {"users": users, "clerk_unit": commune}


def person_pool(rng: random.Random) -> list[tuple]:
    """`PERSONS` fictional people, encrypted once; their tokens are reused (see module doc)."""
    from townhall.core import crypto

    pool = []
    for _ in range(PERSONS):
        name = person_name(rng)
        id_number = f"0{rng.randint(10, 96):02d}{rng.randint(0, 999_999_999):09d}"
        phone = f"09{rng.randint(10_000_000, 99_999_999)}"
        address = f"{rng.choice(HAMLET_KIND)} {rng.choice(PLACE)}"
        pool.append(
            (
                crypto.encrypt(name),
                crypto.encrypt(id_number),
                crypto.encrypt(phone),
                crypto.encrypt(address),
                "",
                crypto.blind_index(id_number),
                crypto.blind_index(phone),
            )
        )
    return pool


def load_world(seed: int) -> World:
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from townhall.petitions.codes import hash_secret
    from townhall.petitions.models import Case, Petition, Topic
    from townhall.units.models import Agency, Unit

    setup = ensure_agencies_and_staff()
    agencies = dict(Agency.objects.filter(kind="peoples_committee").values_list("unit_id", "id"))
    parents = dict(Unit.objects.values_list("id", "parent_id"))
    communes: dict[str, list[tuple]] = {"three_level": [], "two_level": []}
    for unit_id, name, era in Unit.objects.filter(level="commune").values_list("id", "name", "era"):
        parent = parents.get(unit_id)
        communes[era].append((unit_id, name, agencies[unit_id], agencies.get(parent)))
    rng = random.Random(seed)
    return World(
        backend=connection.vendor,
        now=timezone.now() - dt.timedelta(hours=1),
        communes=communes,
        topics=dict(Topic.objects.values_list("code", "id")),
        persons=person_pool(rng),
        secret_hash=hash_secret("000000"),
        unit_paths=dict(Unit.objects.values_list("id", "path")),
        agency_paths=dict(Agency.objects.values_list("id", "unit__path")),
        clerk_id=setup["users"][CLERK].pk,
        clerk_unit_id=setup["clerk_unit"].pk,
        case_base=(Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1,
        petition_base=(Petition.objects.aggregate(m=Max("id"))["m"] or 0) + 1,
        extra={"seed": seed},
    )


# --- writers --------------------------------------------------------------------------------
TABLES = [  # (attribute of Chunk, table, columns)
    ("cases", "petitions_case", None),
    ("petitions", "petitions_petition", None),
    (
        "submitters",
        "petitions_submitter",
        [
            "petition_id",
            "name",
            "id_number",
            "phone",
            "address",
            "email",
            "person_key",
            "phone_key",
            "is_representative",
        ],
    ),
    ("bands", "petitions_similarityband", ["key", "petition_id", "case_id"]),
    (
        "scopes",
        "petitions_casescope",
        [
            "case_id",
            "path",
            "live",
            "status",
            "due",
            "received_at",
            "people",
            "over_level",
            "reopened_after_final",
        ],
    ),
    (
        "events",
        "petitions_caseevent",
        [
            "case_id",
            "at",
            "actor_id",
            "action",
            "from_status",
            "to_status",
            "note",
            "data",
            "is_public",
        ],
    ),
]


def _columns() -> dict[str, list[str]]:
    from townhall.petitions.models import Case, Petition

    out = {}
    for attr, _table, columns in TABLES:
        if columns is None:
            model = Case if attr == "cases" else Petition
            columns = [f.column for f in model._meta.concrete_fields]
        out[attr] = columns
    return out


class Writer:
    def __init__(self):
        from django.db import connection

        connection.ensure_connection()
        self.connection = connection
        self.raw = connection.connection
        self.columns = _columns()
        self.rows = dict.fromkeys(self.columns, 0)
        self.indexes: list[tuple[str, str]] = []
        if connection.vendor == "postgresql":
            with self.raw.cursor() as cur:
                # Foreign-key triggers off for this session only: every key is generated here.
                cur.execute("SET session_replication_role = replica")
                cur.execute("SET synchronous_commit = off")
                # Secondary indexes are dropped for the load and rebuilt, with the same
                # definitions, by finish(): much faster than maintaining them row by row.
                # Indexes that back a constraint (primary keys, unique) stay.
                cur.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                    [[table for _, table, _ in TABLES]],
                )
                self.indexes = cur.fetchall()
                for name, _ in self.indexes:
                    cur.execute(f'DROP INDEX "{name}"')
            self.raw.commit()
        else:
            # The same for SQLite; automatic indexes (unique constraints) have no SQL and stay.
            tables = [table for _, table, _ in TABLES]
            marks = ", ".join("?" * len(tables))
            cur = self.raw.cursor()
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            cur.execute(f"{query} AND tbl_name IN ({marks})", tables)  # noqa: S608
            self.indexes = cur.fetchall()
            for name, _ in self.indexes:
                cur.execute(f'DROP INDEX "{name}"')
            self.raw.commit()

    def write(self, chunk: Chunk) -> None:
        if self.connection.vendor == "postgresql":
            with self.raw.cursor() as cur:
                for attr, table, _ in TABLES:
                    cols = ", ".join(f'"{c}"' for c in self.columns[attr])
                    with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                        for row in getattr(chunk, attr):
                            copy.write_row(row)
            self.raw.commit()
        else:
            cur = self.raw.cursor()
            cur.execute("BEGIN IMMEDIATE")
            for attr, table, _ in TABLES:
                cols = ", ".join(f'"{c}"' for c in self.columns[attr])
                marks = ", ".join("?" * len(self.columns[attr]))
                cur.executemany(
                    f'INSERT INTO "{table}" ({cols}) VALUES ({marks})',  # noqa: S608 - our constants
                    getattr(chunk, attr),
                )
            cur.execute("COMMIT")
        for attr in self.rows:
            self.rows[attr] += len(getattr(chunk, attr))

    def finish(self) -> float:
        """Rebuild indexes, reset sequences, analyse. Returns the seconds it took."""
        from tqdm import tqdm

        start = time.perf_counter()
        if self.connection.vendor == "postgresql":
            with self.raw.cursor() as cur:
                cur.execute("SET session_replication_role = origin")
                cur.execute("SET maintenance_work_mem = '1GB'")
                for _, definition in tqdm(self.indexes, desc="rebuild indexes", file=sys.stderr):
                    cur.execute(definition)
                for table in ("petitions_case", "petitions_petition"):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
            self.raw.commit()
            self.raw.autocommit = True
            with self.raw.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
            self.raw.autocommit = False
        else:
            cur = self.raw.cursor()
            for _, definition in tqdm(self.indexes, desc="rebuild indexes", file=sys.stderr):
                cur.execute(definition)
            self.raw.commit()
            cur.execute("ANALYZE")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return time.perf_counter() - start


class TooSlow(SystemExit):
    """The projected generation time is over the limit: stop early rather than run for hours."""


def generate(cases: int, seed: int = 20251, workers: int = 2, max_minutes: float = 0) -> dict:
    from django.db import connections
    from tqdm import tqdm

    t0 = time.perf_counter()
    world = load_world(seed)
    connections.close_all()  # never share a connection with the forked workers
    jobs = [(i, first, min(CHUNK, cases - first)) for i, first in enumerate(range(0, cases, CHUNK))]
    ctx = multiprocessing.get_context("fork")
    bar = tqdm(total=cases, unit="case", desc="generate", file=sys.stderr, smoothing=0.05)
    with ctx.Pool(workers, initializer=_init_worker, initargs=(world,)) as pool:
        writer = Writer()
        done = 0
        for chunk in pool.imap(build_chunk, jobs):
            writer.write(chunk)
            bar.update(len(chunk.cases))
            done += len(chunk.cases)
            elapsed = time.perf_counter() - t0
            if max_minutes and elapsed > 120 and done < cases:
                projected = elapsed * cases / done / 60
                if projected > max_minutes:
                    pool.terminate()
                    raise TooSlow(
                        f"generation stopped: {done:,} cases in {elapsed:.0f} s, "
                        f"{cases:,} would take about {projected:.0f} minutes "
                        f"(limit {max_minutes:.0f}; --max-minutes 0 for no limit)"
                    )
    bar.close()
    load_seconds = time.perf_counter() - t0
    finish_seconds = writer.finish()
    total = time.perf_counter() - t0
    rows = sum(writer.rows.values())
    return {
        "cases": cases,
        "rows": writer.rows,
        "rows_total": rows,
        "load_seconds": load_seconds,
        "finish_seconds": finish_seconds,
        "seconds": total,
        "rows_per_second": rows / load_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--seed", type=int, default=20251)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", help="write the summary as JSON here")
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=0,
        help="stop if the projected load time exceeds this (0: no limit)",
    )
    args = parser.parse_args()
    import django

    django.setup()
    summary = generate(
        args.cases, seed=args.seed, workers=args.workers, max_minutes=args.max_minutes
    )
    print(
        f"generated {summary['cases']:,} cases, {summary['rows_total']:,} rows in "
        f"{summary['load_seconds']:.0f} s ({summary['rows_per_second']:,.0f} rows/s), "
        f"indexes and analyse {summary['finish_seconds']:.0f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in summary["rows"].items()),
        file=sys.stderr,
    )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=1)


if __name__ == "__main__":
    main()
