"""Staff pages: the statistics dashboard, the records behind each figure, the inspection,
hotspots and the report documents. Thin views: form → selector or statistics → template.

Every page needs a login; a unit outside the user's jurisdiction is refused beside the unit
field (the API answers 404). The figures are the same functions the API answers with; the
records behind a figure are the same conditions, read through the access policy.
"""

import dataclasses
import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts import policy
from townhall.core.dates import today
from townhall.dialogues import selectors as dialogue_selectors
from townhall.dialogues.models import Conference, Directive, Opinion
from townhall.petitions import selectors as case_selectors
from townhall.petitions.models import Case, Petition, Status
from townhall.reception import selectors as reception_selectors
from townhall.reception.models import ReceptionSession, RegisterEntry
from townhall.units.models import ERA_BOUNDS, Era, Level, Unit

from . import compliance, hotspots, jobs, statistics
from .forms import DocumentForm, FilterForm, HotspotForm, InspectionForm
from .models import ReportJob

PAGE_SIZE = 50
CARDS = {
    "dialogues": [
        ("conferences", gettext_lazy("Dialogues held")),
        ("opinions", gettext_lazy("Opinions received")),
        ("answered_at_conference", gettext_lazy("Answered at the conference")),
        ("answered_later", gettext_lazy("Answered later")),
        ("pending", gettext_lazy("Pending")),
        ("overdue", gettext_lazy("Overdue")),
        ("directives", gettext_lazy("Directives")),
        ("directives_done_on_time", gettext_lazy("Directives done on time")),
        ("directives_done_late", gettext_lazy("Directives done late")),
        ("directives_open", gettext_lazy("Directives open")),
        ("directives_overdue", gettext_lazy("Directives overdue")),
    ],
    "petitions": [
        ("petitions", gettext_lazy("Petitions received")),
        ("cases", gettext_lazy("Cases opened")),
        ("open", gettext_lazy("Open")),
        ("overdue", gettext_lazy("Overdue")),
        ("resolved", gettext_lazy("Resolved")),
        ("resolved_on_time", gettext_lazy("Resolved on time")),
        ("acknowledged_on_time", gettext_lazy("Acknowledged on time")),
        ("mass", gettext_lazy("Mass")),
        ("prolonged", gettext_lazy("Prolonged")),
        ("over_level", gettext_lazy("Over-level")),
    ],
    "reception": [
        ("days_required", gettext_lazy("Reception days required")),
        ("days_held", gettext_lazy("Days held in person")),
        ("shortfall", gettext_lazy("Shortfall")),
        ("sessions", gettext_lazy("Sessions")),
        ("visits", gettext_lazy("Visits")),
        ("people", gettext_lazy("People")),
        ("group_visits", gettext_lazy("Group visits")),
    ],
}
TABLE_COLUMNS = {
    "dialogues": (
        "conferences",
        "opinions",
        "answered_at_conference",
        "answered_later",
        "pending",
        "overdue",
        "directives_overdue",
    ),
    "petitions": ("petitions", "cases", "open", "overdue", "resolved", "mass", "over_level"),
    "reception": ("days_required", "days_held", "shortfall", "sessions", "visits", "people"),
}
# Figures that are not a count of records (rules, sums of days) link to the compliance page.
NOT_RECORDS = {"days_required", "days_held", "days_delegated", "shortfall"}


# --- helpers --------------------------------------------------------------------------------
def _unit_choices(user) -> list[Unit]:
    """Provinces and district-level units of the jurisdiction, for the unit field's list."""
    return list(
        policy.units_in_jurisdiction(user)
        .filter(level__in=(Level.PROVINCE, Level.DISTRICT))
        .order_by("era", "path")[:1000]
    )


def _home_unit(user) -> Unit | None:
    membership = user.memberships.select_related("agency__unit").order_by("pk").first()
    return membership.agency.unit if membership else None


def _filter_data(request: HttpRequest) -> dict | None:
    """The filters asked for, or the defaults: the user's own unit, this year so far."""
    if request.GET:
        return request.GET
    unit = _home_unit(request.user)
    if unit is None:
        return None
    day = today()
    start = dt.date(day.year, 1, 1)
    if unit.valid_to and unit.valid_to < day:  # a unit of the past era: its last full year
        start, day = dt.date(unit.valid_to.year - 1, 1, 1), dt.date(unit.valid_to.year - 1, 12, 31)
    return {"unit": unit.code, "start": start.isoformat(), "end": day.isoformat()}


def records_url(kind: str, metric: str, scope, *, unit: str = "", own=False, value="") -> str:
    params = {
        "kind": kind,
        "metric": metric,
        "unit": unit or scope.unit.code,
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
    }
    if scope.level:
        params["level"] = scope.level
    if own:
        params["own"] = "1"
    if value:
        params["value"] = value
    return f"{reverse('reports:records')}?{urlencode(params)}"


def _link(kind: str, metric: str, scope, **extra) -> str:
    if metric in NOT_RECORDS:
        params = {"unit": extra.get("unit") or scope.unit.code, "year": scope.start.year}
        return f"{reverse('reports:compliance')}?{urlencode(params)}"
    return records_url(kind, metric, scope, **extra)


def _cards(kind: str, figures: dict, scope) -> list[dict]:
    return [
        {
            "metric": metric,
            "label": label,
            "value": figures[metric],
            "previous": figures["previous"][metric],
            "url": _link(kind, metric, scope),
        }
        for metric, label in CARDS[kind]
    ]


def _in_era(scope, era: str):
    first, last = ERA_BOUNDS[era]
    start, end = max(scope.start, first), min(scope.end, last or scope.end)
    return dataclasses.replace(scope, start=start, end=end)


def _table(kind: str, figures: dict, scope) -> dict:
    labels = dict(CARDS[kind])
    columns = TABLE_COLUMNS[kind]
    rows = []
    for row in figures["by_unit"]:
        # A unit of the other era (statistics' lineage): its records, in its era's days.
        where = _in_era(scope, row["era"]) if row.get("lineage") else scope
        cells = [
            {
                "value": row[c],
                "url": _link(kind, c, where, unit=row["code"], own=row["own"]),
                "testid": f"{kind}-{row['code']}{'-own' if row['own'] else ''}-{c}",
            }
            for c in columns
        ]
        era = Era(row["era"]).label if row.get("lineage") else ""
        rows.append({"row": row, "cells": cells, "era": era})
    return {"headings": [labels[c] for c in columns], "rows": rows}


def _chart(rows: list[dict], series: list[tuple[str, str, str]], *, kind="bar") -> dict:
    shown = [r for r in rows if any(r[key] for key, _, _ in series)] or rows[:1]
    return {
        "type": kind,
        "labels": [r["name"] + (" *" if r.get("own") else "") for r in shown],
        "series": [
            {"label": str(label), "data": [r[key] for r in shown], "color": colour}
            for key, label, colour in series
        ],
    }


def _charts(dialogues: dict, petitions: dict, reception: dict) -> dict:
    statuses = [(s, Status(s).label) for s in Status.values]
    return {
        "chart-dialogues": _chart(
            dialogues["by_unit"],
            [
                ("answered_at_conference", _("Answered at the conference"), "#1f77b4"),
                ("answered_later", _("Answered later"), "#2ca02c"),
                ("pending", _("Pending"), "#d62728"),
            ],
        ),
        "chart-petitions": {
            "type": "bar",
            "labels": [str(label) for _, label in statuses],
            "series": [
                {
                    "label": _("Cases"),
                    "data": [petitions["by_status"][s] for s, _ in statuses],
                    "color": "#9467bd",
                }
            ],
        },
        "chart-reception": _chart(
            reception["by_unit"],
            [
                ("days_required", _("Days required"), "#7f7f7f"),
                ("days_held", _("Days held in person"), "#17becf"),
            ],
        ),
    }


# --- the dashboard --------------------------------------------------------------------------
@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    data = _filter_data(request)
    form = (
        FilterForm(data, user=request.user) if data is not None else FilterForm(user=request.user)
    )
    context = {"form": form, "units": _unit_choices(request.user), "years": _years()}
    if form.is_bound and form.is_valid():
        scope = form.scope()
        user = request.user
        dialogues = statistics.with_previous("dialogues", scope, by_agency=True)
        petitions = statistics.with_previous("petitions", scope)
        reception = statistics.with_previous("reception", scope, user=user)
        context |= {
            "scope": scope,
            "unit": scope.unit,
            "level_label": Level(scope.level).label if scope.level else "",
            "sections": [
                {
                    "kind": kind,
                    "title": title,
                    "cards": _cards(kind, figures, scope),
                    "table": _table(kind, figures, scope),
                    "chart": f"chart-{kind}",
                    "previous": figures["previous"],
                }
                for kind, title, figures in (
                    ("dialogues", _("Contact and dialogue"), dialogues),
                    ("reception", _("Citizen reception"), reception),
                    ("petitions", _("Petitions and cases"), petitions),
                )
            ],
            "answered_pct": dialogues["answered_at_conference_pct"],
            "hosts": dialogues["by_agency"],
            "charts": _charts(dialogues, petitions, reception),
        }
    return render(request, "reports/dashboard.html", context)


def _years() -> list[int]:
    year = today().year
    return list(range(year, year - 6, -1))


# --- the records behind a figure ------------------------------------------------------------
def _visible(user, qs):
    """Narrow a figure's records to what the user may see (the policy of each model)."""
    model = qs.model
    if model is Conference:
        return qs.filter(pk__in=dialogue_selectors.conferences_visible_to(user).values("pk"))
    if model is Opinion:
        return qs.filter(
            conference__in=dialogue_selectors.conferences_visible_to(user).values("pk")
        )
    if model is Directive:
        return qs.filter(pk__in=dialogue_selectors.directives_visible_to(user).values("pk"))
    if model is Case:
        return qs.filter(pk__in=case_selectors.cases_visible_to(user).values("pk"))
    if model is Petition:
        return qs.filter(pk__in=case_selectors.petitions_visible_to(user).values("pk"))
    if model is ReceptionSession:
        return qs.filter(pk__in=reception_selectors.sessions_visible_to(user).values("pk"))
    if model is RegisterEntry:
        return qs.filter(pk__in=reception_selectors.entries_visible_to(user).values("pk"))
    raise Http404("Unknown records")


def _row(obj) -> dict:
    """One line of the records list: date, what, where, state, and the page it links to."""
    if isinstance(obj, Conference):
        return {
            "date": obj.held_at or obj.starts_at,
            "what": obj.title,
            "where": obj.host_unit.name,
            "state": obj.get_status_display(),
            "url": reverse("dialogues:detail", args=[obj.pk]),
        }
    if isinstance(obj, Opinion):
        case = obj.petition.case
        return {
            "date": obj.conference.held_at,
            "what": f"#{obj.number} · {case.title}",
            "where": obj.conference.title,
            "state": f"{obj.get_outcome_display()} · {case.get_status_display()}",
            "url": reverse("petitions:detail", args=[case.pk]),
        }
    if isinstance(obj, Directive):
        return {
            "date": obj.deadline,
            "what": obj.text,
            "where": f"{obj.assignee.name} · {obj.conclusion.conference.title}",
            "state": obj.get_status_display(),
            "url": reverse("dialogues:detail", args=[obj.conclusion.conference_id]),
        }
    if isinstance(obj, Case):
        return {
            "date": obj.received_on,
            "what": f"{obj.reference} · {obj.title}",
            "where": obj.unit.name,
            "state": obj.get_status_display(),
            "url": reverse("petitions:detail", args=[obj.pk]),
        }
    if isinstance(obj, Petition):
        return {
            "date": obj.received_at,
            "what": f"{obj.tracking_code} · {obj.get_kind_display()} · {obj.get_channel_display()}",
            "where": obj.unit.name,
            "state": obj.case.get_status_display(),
            "url": reverse("petitions:detail", args=[obj.case_id]),
        }
    if isinstance(obj, ReceptionSession):
        return {
            "date": obj.date,
            "what": obj.agency.name,
            "where": obj.venue or obj.agency.unit.name,
            "state": obj.get_kind_display(),
            "url": reverse("reception:session", args=[obj.pk]),
        }
    return {
        "date": obj.session.date,
        "what": f"#{obj.number} · {obj.content[:120]}",
        "where": obj.session.agency.name,
        "state": _("%(n)d people") % {"n": obj.people_count},
        "url": reverse("reception:session", args=[obj.session_id]),
    }


_RELATED = {
    Case: ("unit",),
    Petition: ("unit", "case"),
    Conference: ("host_unit",),
}


@login_required
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET, user=request.user)
    kind, metric = request.GET.get("kind", ""), request.GET.get("metric", "")
    if not form.is_valid():
        return render(request, "reports/records.html", {"form": form}, status=400)
    scope = form.scope(own=request.GET.get("own") == "1")
    found = statistics.records(kind, scope, metric, request.GET.get("value", ""))
    if found is None:
        raise Http404(f"No list of records behind {kind}/{metric}")
    related = _RELATED.get(found.model, ())
    total = found.count()
    visible = _visible(request.user, found).select_related(*related).order_by("-pk")
    page = Paginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(CARDS.get(kind, []))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/records.html",
        {
            "form": form,
            "scope": scope,
            "title": labels.get(metric, metric),
            "total": total,
            "page": page,
            "rows": [_row(obj) for obj in page.object_list],
            "query": query.urlencode(),
            "back": f"{reverse('reports:dashboard')}?{_back_query(scope)}",
        },
    )


def _back_query(scope) -> str:
    params = {"unit": scope.unit.code, "start": scope.start, "end": scope.end}
    if scope.level:
        params["level"] = scope.level
    return urlencode(params)


# --- the inspection and hotspots ------------------------------------------------------------
@login_required
@require_GET
def inspection(request: HttpRequest) -> HttpResponse:
    data = request.GET or _inspection_defaults(request.user)
    form = InspectionForm(data, user=request.user) if data else InspectionForm(user=request.user)
    context = {"form": form, "units": _unit_choices(request.user)}
    if form.is_bound and form.is_valid():
        context["report"] = compliance.inspection(
            request.user, unit=form.unit_obj, year=form.cleaned_data["year"]
        )
    return render(request, "reports/compliance.html", context)


def _inspection_defaults(user) -> dict | None:
    unit = _home_unit(user)
    if unit is None:
        return None
    year = today().year - 1
    if unit.valid_to and unit.valid_to.year <= year:
        year = unit.valid_to.year - 1
    return {"unit": unit.code, "year": year}


@login_required
@require_GET
def hotspot_list(request: HttpRequest) -> HttpResponse:
    data = request.GET or _hotspot_defaults(request.user)
    form = HotspotForm(data, user=request.user) if data else HotspotForm(user=request.user)
    context = {"form": form, "units": _unit_choices(request.user)}
    if form.is_bound and form.is_valid():
        context["hotspots"] = hotspots.hotspots(request.user, unit=form.unit_obj)
        context["venues"] = hotspots.suggest_venues(request.user, unit=form.unit_obj)
        context["unit"] = form.unit_obj
    return render(request, "reports/hotspots.html", context)


def _hotspot_defaults(user) -> dict | None:
    unit = _home_unit(user)
    if unit is None or not unit.is_valid_on(today()):
        return None
    return {"unit": unit.code}


# --- report documents -----------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def document_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = DocumentForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job = jobs.job_request(
            user=user,
            unit=form.unit_obj,
            period=data["period"],
            year=data["year"],
            month=data.get("month"),
        )
        return redirect("reports:document", pk=job.pk)
    recent = jobs.jobs_visible_to(user).select_related("unit", "requested_by")[:30]
    return render(
        request,
        "reports/documents.html",
        {"form": form, "jobs": recent, "units": _unit_choices(user)},
        status=400 if form.is_bound else 200,
    )


def _job(request: HttpRequest, pk: int) -> ReportJob:
    return get_object_or_404(jobs.jobs_visible_to(request.user).select_related("unit"), pk=pk)


@login_required
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    template = "reports/_job.html" if request.headers.get("HX-Request") else "reports/job.html"
    return render(request, template, {"job": job})


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    job = _job(request, pk)
    if fmt not in ("docx", "xlsx") or job.status != "done":
        raise Http404("The report is not ready")
    return jobs.download(job, fmt)
