import io

import pytest
from django.core.management import call_command

from townhall.accounts.models import User
from townhall.petitions.flags import case_flags
from townhall.petitions.models import Case, Petition
from townhall.units.models import Agency

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        Agency.objects.count(),
        Case.objects.count(),
        Petition.objects.count(),
    )


def test_the_demo_builds_once_and_a_second_run_neither_duplicates_nor_fails():
    out = io.StringIO()
    call_command("demo", stdout=out)
    first = counts()
    assert "bithu.kimthanh" in out.getvalue()
    assert "password:" in out.getvalue()
    call_command("demo", stdout=io.StringIO())
    assert counts() == first


def test_the_phu_thai_residents_petitions_form_one_mass_case():
    call_command("demo", stdout=io.StringIO())
    case = Case.objects.get(title__contains="Đầm Chợ")
    assert case.petitions.count() == 7
    assert {f.code for f in case_flags(case)} >= {"mass", "over_level"}
