"""Our `Schema` validates a dict as plain pydantic does, and anything else through
django-ninja's attribute reader (api/schemas.py): the same result either way, and nothing
skips validation."""

import datetime as dt
from types import SimpleNamespace

import pydantic
import pytest

from townhall.api.schemas import CasePageOut, NamedRef

VN = dt.timezone(dt.timedelta(hours=7))


def _summary(**changes) -> dict:
    row = {
        "id": 7,
        "reference": "2026/000007",
        "kind": "complaint",
        "status": "assigned",
        "unit": "10750",
        "unit_name": "Xã Phú Thái",
        "topic": "land",
        "title": "Chồng lấn ranh giới khu dân cư Đầm Chợ",
        "received_at": dt.datetime(2026, 11, 2, 9, 30, tzinfo=VN),
        "acknowledge_due": dt.date(2026, 11, 16),
        "accept_due": dt.date(2026, 11, 12),
        "due": None,
        "overdue": False,
        "version": 3,
        "receiving_agency": {"id": 4, "name": "UBND xã Phú Thái"},
        "competent_agency": None,
        "assigned_agency": {"id": 4, "name": "UBND xã Phú Thái"},
        "handler": {"id": 9, "name": "Cán bộ tiếp dân"},
        "merged_into": None,
    }
    return {**row, **changes}


def _as_object(value):
    """The same data as attributes, which ninja's own validator reads (`DjangoGetter`)."""
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _as_object(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_as_object(v) for v in value]
    return value


def test_a_dict_and_an_object_with_the_same_data_give_the_same_json():
    page = {"count": 2, "page": 1, "page_size": 20, "results": [_summary(), _summary(id=8)]}
    from_dict = CasePageOut.model_validate(page).model_dump(mode="json", by_alias=True)
    from_object = CasePageOut.model_validate(_as_object(page)).model_dump(
        mode="json", by_alias=True
    )
    assert from_dict == from_object
    assert from_dict["results"][0]["received_at"] == "2026-11-02T09:30:00+07:00"
    assert from_dict["results"][1]["handler"] == {"id": 9, "name": "Cán bộ tiếp dân"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": "three"}, "version"),
        ({"handler": {"id": 9}}, "name"),
        ({"received_at": "yesterday"}, "received_at"),
    ],
)
def test_a_dict_is_still_validated(change, field):
    page = {"count": 1, "page": 1, "page_size": 20, "results": [_summary(**change)]}
    with pytest.raises(pydantic.ValidationError, match=field):
        CasePageOut.model_validate(page)


def test_a_nested_schema_reads_an_object_as_ninja_does():
    assert NamedRef.model_validate(SimpleNamespace(id=3, name="Huyện Kim Thành")).name == (
        "Huyện Kim Thành"
    )
