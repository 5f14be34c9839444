"""The similar-case index: LSH band keys of the petitions of *open* cases, in the database.

Only open cases are ever offered as similar (the clerk attaches a new petition to a matter still
being handled), so only their petitions keep band rows: a case that leaves the open statuses
loses its rows and gets them back, from the signatures stored on its petitions, if it is
reopened. At a million cases that keeps about one row in nine (the open ones) and makes every
bucket nine times smaller. `follow_status` is called by the one function that changes a case's
status (`services._move`); `index` by intake.

The look-up (`candidates_sql`) reads at most `BUCKET_CAP` rows per band key: a key shared by
more petitions than that is boilerplate ("kính gửi Ủy ban nhân dân…"), not evidence, and
reading all of it is what made the slowest look-ups slow. Pairs above the threshold share many
keys, so the rows kept from the other keys still find them (recall is measured in bench/).
"""

from collections.abc import Iterable

import numpy as np
from django.db import connection

from townhall.core import statements, text

from .models import OPEN_STATUSES, Case, Petition, SimilarityBand

BUCKET_CAP = 50
"""Rows read per band key by one look-up (those of the newest cases)."""

CANDIDATES = 30
"""Petitions (most shared keys first) whose signatures are compared with the query's: a
look-up returns at most this many cases. A query has 2.5 true pairs on average in the
benchmark, and decoding the stored signatures is most of the Python work."""

MIN_SHARED = 2
"""Band keys a petition must share with the query to be a candidate. Two texts of Jaccard
similarity s share a band with probability s**3 (3 rows a band), so at the threshold s = 0.5
they share 5.25 of the 42 bands on average and fewer than two with probability 0.026 (at
s = 0.6, 0.0005); a single shared key is almost always chance, and reading those cases'
signatures was most of a look-up's work."""


def index(petitions: Iterable[Petition], *, batch: statements.Batch | None = None) -> None:
    """Band rows for these petitions (of an open case), from their stored signatures; with
    `batch` (PostgreSQL), written with it.

    One INSERT per petition without building a model object per row (42 rows a petition; the
    intake request spent more time making those objects than the database storing them).
    """
    table = SimilarityBand._meta.db_table
    with connection.cursor() as cursor:
        for petition in petitions:
            keys = text.band_keys(petition.signature)
            if not keys:
                continue
            if connection.vendor == "postgresql":
                sql = (
                    f"INSERT INTO {table} (key, petition_id, case_id) "  # noqa: S608 - table name only  # nosec B608
                    "SELECT k, %s, %s FROM unnest(%s::bigint[]) AS k"
                )
                # In a batch the case's id is not yet copied to the petition (Batch.write).
                case_id = petition.case.pk if petition.case_id is None else petition.case_id
                params = [petition.pk, case_id, bigint_array(keys)]
                if batch is not None:
                    batch.add_sql(sql, params)
                else:
                    cursor.execute(sql, params)
            else:
                cursor.executemany(
                    f"INSERT INTO {table} (key, petition_id, case_id) VALUES (%s, %s, %s)",  # noqa: S608 - table name only  # nosec B608
                    [(key, petition.pk, petition.case_id) for key in keys],
                )


def bigint_array(values: list[int]) -> str:
    """PostgreSQL's text form of a `bigint[]`, for a parameter cast `::bigint[]`.

    psycopg sends a Python list by walking it in Python (the type of its largest element, then
    each element): for the 42 keys of every intake that cost more than the rest of the
    statement's ~100 parameters together. Integers need no quoting in an array literal."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def follow_status(case: Case, from_status: str) -> None:
    """Keep the band rows in step with a status change: only open cases have them."""
    is_open = case.status in OPEN_STATUSES
    if (from_status in OPEN_STATUSES) == is_open:
        return
    SimilarityBand.objects.filter(case_id=case.pk).delete()  # on reopening: never twice
    if is_open:
        index(case.petitions.only("pk", "case_id", "signature"))


def candidates_sql(keys: list[int], vendor: str) -> tuple[str, list]:
    """SQL selecting the ids of the `CANDIDATES` petitions sharing most band keys with `keys`
    (at least `MIN_SHARED`), reading at most `BUCKET_CAP` rows per key, the newest cases first.

    Petitions rather than cases: a mass case has several petitions and only those sharing keys
    need their signatures compared. The `(key, case) INCLUDE (petition)` index answers every
    read alone, newest case first (a backward scan).

    PostgreSQL: one array parameter and a LATERAL read per key (a 42-way UNION takes longer to
    plan than to run); SQLite: the UNION ALL of one capped read per key.
    """
    table = SimilarityBand._meta.db_table
    tail = (
        f"GROUP BY petition_id HAVING COUNT(*) >= {MIN_SHARED} "
        f"ORDER BY COUNT(*) DESC, petition_id DESC LIMIT {CANDIDATES}"
    )
    capped = f"ORDER BY case_id DESC LIMIT {BUCKET_CAP}"
    if vendor == "postgresql":
        sql = (
            f"SELECT b.petition_id FROM unnest(%s::bigint[]) AS k(key) "  # noqa: S608 - table name and constants only  # nosec B608
            f"CROSS JOIN LATERAL (SELECT petition_id FROM {table} "
            f"WHERE key = k.key {capped}) AS b {tail}"
        )
        return sql, [list(keys)]
    one = f"SELECT * FROM (SELECT petition_id FROM {table} WHERE key = %s {capped})"  # noqa: S608 - table name and constants only  # nosec B608
    union = " UNION ALL ".join(f"{one} AS b{i}" for i in range(len(keys)))
    return f"SELECT petition_id FROM ({union}) AS hits {tail}", list(keys)  # noqa: S608 - constants only  # nosec B608


def scores(query: list[int], signatures: list[list[int]]) -> list[float]:
    """`text.estimated_jaccard` of the query against each signature, in one NumPy comparison."""
    if not signatures:
        return []
    matrix = np.asarray(signatures, dtype=np.uint64)
    return (matrix == np.asarray(query, dtype=np.uint64)).mean(axis=1).tolist()
