"""The HTTP benchmark removes the cases its load created (bench/http.py), so that a `--reuse`
run measures the database as it was generated."""

import pytest

from bench.http import remove_cases_above
from tests.petitions.helpers import intake, resident
from townhall.notifications.models import Notification
from townhall.petitions import services
from townhall.petitions.models import (
    Case,
    CaseEvent,
    CaseScope,
    Petition,
    SimilarityBand,
    Submitter,
)

pytestmark = pytest.mark.django_db

MODELS = (Case, Petition, Submitter, SimilarityBand, CaseScope, CaseEvent, Notification)


def _rows(case_ids) -> dict:
    return {
        model.__name__: (
            model.objects.filter(pk__in=case_ids)
            if model is Case
            else model.objects.filter(
                **{"petition__case__in" if model is Submitter else "case__in": case_ids}
            )
        ).count()
        for model in MODELS
    }


def test_the_loads_cases_go_with_every_row_that_names_them_and_nothing_else(cast):
    def receive(i):
        return services.petition_receive(
            intake=intake(cast.kim_thanh_committee, submitters=[resident(i)]),
            actor=cast.kim_thanh_clerk,
        )

    kept = receive(1).case
    before = _rows([kept.pk])
    new = [receive(2).case, receive(3).case]
    services.petition_receive(
        intake=intake(cast.kim_thanh_committee, submitters=[resident(4)]),
        actor=cast.kim_thanh_clerk,
        case=new[0],
    )
    made = _rows([case.pk for case in new])
    assert all(made.values()), made  # every kind of row was written for the new cases

    removed = remove_cases_above(kept.pk)

    assert removed["petitions.Case"] == 2 and removed["petitions.Petition"] == 3
    assert removed["petitions.SimilarityBand"] == made["SimilarityBand"]
    assert set(_rows([case.pk for case in new]).values()) == {0}
    assert _rows([kept.pk]) == before
