"""URLs of the benchmark's app servers (`bench.settings` only, never production).

- `/bench/insert`, `/bench/api/list`: the baselines (bench/baseline.py).
- `/bench/api/intake`: intake through `petitions.services.petition_receive`, the service the
  JSON API and the staff pages call, for as long as the JSON API has no `POST /petitions`.
  Unit, topic, agency and the acting clerk are loaded by primary key on every request, as an
  API would load them from the body and the bearer token.
- `/bench/api/worklist`: one worklist page (`bench.worklist.page`) for the user named in the
  query string. Bench-only "authentication" by username: this URLconf is served on loopback
  by the benchmark and never mounted by `townhall.urls`.
- `/api/v1/`: the real JSON API, unchanged.
"""

import datetime as dt

from django.http import HttpRequest
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI, Schema

from townhall.accounts.models import User
from townhall.api.urls import api as townhall_api
from townhall.petitions import services
from townhall.petitions.errors import PetitionError
from townhall.petitions.models import Topic
from townhall.units.models import Agency, Unit

from . import baseline, worklist

bench_api = NinjaAPI(title="bench", version="bench", urls_namespace="bench-api", docs_url=None)
bench_api.add_router("/", baseline.router)


class SubmitterIn(Schema):
    name: str
    phone: str = ""
    id_number: str = ""
    address: str = ""


class IntakeIn(Schema):
    actor: int
    unit: int
    topic: int
    agency: int
    kind: str
    channel: str
    text: str
    submitters: list[SubmitterIn] = []


class IntakeOut(Schema):
    tracking_code: str
    reference: str


@bench_api.post("/intake", response={201: IntakeOut, 422: dict})
def intake(request: HttpRequest, body: IntakeIn):
    actor = User.objects.get(pk=body.actor)
    data = services.Intake(
        kind=body.kind,
        channel=body.channel,
        unit=Unit.objects.get(pk=body.unit),
        topic=Topic.objects.get(pk=body.topic),
        text=body.text,
        received_at=timezone.now() - dt.timedelta(seconds=1),
        receiving_agency=Agency.objects.select_related("unit").get(pk=body.agency),
        submitters=[services.SubmitterData(**p.dict()) for p in body.submitters],
    )
    try:
        receipt = services.petition_receive(intake=data, actor=actor)
    except PetitionError as exc:
        return 422, {"detail": str(exc)}
    return 201, {
        "tracking_code": receipt.petition.tracking_code,
        "reference": receipt.case.reference,
    }


@bench_api.get("/worklist", response=worklist.PageOut)
def worklist_page(request: HttpRequest, user: str, name: str = "all"):
    staff = User.objects.get(username=user)
    return worklist.page(staff, name)


urlpatterns = [
    path("bench/insert", baseline.bare_insert),
    path("bench/api/", bench_api.urls),
    path("api/v1/", townhall_api.urls),
]
