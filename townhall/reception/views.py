"""Staff pages for reception: schedules, sessions with their register, compliance, the export.

Thin views: login → policy getter (`selectors.*_get_for_user`, `selectors.*_visible_to`) → one
service → redirect, or the page again with the service's error beside the field it names (422).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts import policy
from townhall.core.dates import today
from townhall.petitions.errors import PetitionError
from townhall.petitions.selectors import case_get_for_user, similar_cases
from townhall.petitions.services import SubmitterData
from townhall.units.models import Unit

from . import exports, forms, rules, selectors, services

LIST_LIMIT = 100
SIMILAR_MIN_CHARS = 20  # shorter texts match too much to be useful
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_writer(user) -> None:
    if not policy.can_write(user):
        raise PermissionDenied(_("Your role may read reception records but not change them."))


# --- schedules ------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def schedule_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = forms.ScheduleForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST":
        _require_writer(user)
        if form.is_valid():
            try:
                services.schedule_create(**form.cleaned_data, actor=user)
            except PetitionError as error:
                forms.put_error(form, error)
            else:
                messages.success(request, _("The schedule was saved."))
                return redirect("reception:schedules")
    schedules = selectors.schedules_visible_to(user)[:LIST_LIMIT]
    status = 422 if form.errors else 200
    context = {"schedules": schedules, "form": form, "can_write": policy.can_write(user)}
    return render(request, "reception/schedules.html", context, status=status)


@login_required
@require_POST
def schedule_publish(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(request.user, pk, write=True)
    published = request.POST.get("published") == "1"
    try:
        services.schedule_publish(schedule=schedule, actor=request.user, published=published)
    except PetitionError as error:
        messages.error(request, error.message)
    return redirect("reception:schedules")


# --- sessions and the register --------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def session_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    data = request.POST if request.method == "POST" else None
    form = forms.SessionForm(data, user=user, initial={"date": today()})
    if request.method == "POST":
        _require_writer(user)
        if form.is_valid():
            try:
                session = services.session_record(**form.cleaned_data, actor=user)
            except PetitionError as error:
                forms.put_error(form, error)
            else:
                return redirect("reception:session", pk=session.pk)
    sessions = selectors.sessions_visible_to(user)[:LIST_LIMIT]
    status = 422 if form.errors else 200
    context = {"sessions": sessions, "form": form, "can_write": policy.can_write(user)}
    return render(request, "reception/sessions.html", context, status=status)


def _session_page(request, session, form, citizens, *, status=200) -> HttpResponse:
    user = request.user
    entries = selectors.entries_visible_to(user).filter(session=session).order_by("number")
    context = {
        "session": session,
        "rows": selectors.register_rows(user, entries, purpose="reception_session_page"),
        "form": form,
        "citizens": citizens,
        "can_write": policy.can_write(user),
    }
    return render(request, "reception/session.html", context, status=status)


@login_required
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for_user(request.user, pk)
    form = forms.EntryForm(user=request.user, initial={"topic": "other"})
    return _session_page(request, session, form, forms.CitizenFormSet(prefix="citizens"))


def _visit(data: dict, citizens, unit) -> services.Visit:
    people = [
        SubmitterData(
            name=row["name"], id_number=row["id_number"], phone=row["phone"], address=row["address"]
        )
        for row in (f.cleaned_data for f in citizens.forms)
        if any(row.values())
    ]
    return services.Visit(
        content=data["content"],
        kind=data["kind"],
        topic=data["topic"],
        action=data["action"],
        citizens=people,
        is_group=data["is_group"],
        people_count=data["people_count"],
        unit=unit,
        handled_by=data["handled_by"],
        transferred_to=data["transferred_to"],
        guidance=data["guidance"],
        follow_up=data["follow_up"],
        notes=data["notes"],
    )


def _locality(code: str, day) -> Unit | None:
    code = (code or "").strip()
    if not code:
        return None
    unit = Unit.objects.valid_on(day).filter(code=code).first()
    if unit is None:
        raise PetitionError(
            _("No administrative unit has this code on the day of the session."), field="unit"
        )
    return unit


@login_required
@require_POST
def entry_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    session = selectors.session_get_for_user(user, pk, write=True)
    form = forms.EntryForm(request.POST, user=user)
    citizens = forms.CitizenFormSet(request.POST, prefix="citizens")
    if form.is_valid() and citizens.is_valid():
        data = form.cleaned_data
        case = None
        if data["attach_to"]:
            case = case_get_for_user(user, data["attach_to"], write=True)
        try:
            unit = _locality(data["unit"], session.date)
            recorded = services.entry_record(
                session=session, visit=_visit(data, citizens, unit), actor=user, case=case
            )
        except PetitionError as error:
            forms.put_error(form, error, citizens)
        else:
            petition = recorded.entry.petition
            messages.success(
                request,
                _("Entry %(number)s recorded. Tracking code %(code)s, secret %(secret)s.")
                % {
                    "number": recorded.entry.number,
                    "code": petition.tracking_code,
                    "secret": recorded.secret,
                },
            )
            return redirect("reception:session", pk=session.pk)
    return _session_page(request, session, form, citizens, status=422)


@login_required
@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """Similar open cases for the content being typed (htmx partial), to attach the visit to."""
    content = request.GET.get("content", "")
    found = []
    if len(content.strip()) >= SIMILAR_MIN_CHARS:
        found = similar_cases(request.user, content)
    context = {"similar": found, "searched": bool(content.strip())}
    return render(request, "reception/_similar.html", context)


# --- compliance and the export --------------------------------------------------------------
@login_required
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = forms.PeriodForm(request.GET or None)
    rows, unit, start, end = [], None, None, None
    if form.is_valid():
        data = form.cleaned_data
        start, end = rules.period_range(data["period"], data["year"], data["number"])
        try:
            unit = selectors.unit_get_for_user(user, data["unit"].strip(), start)
        except Http404:
            form.add_error("unit", _("No unit with this code in your jurisdiction then."))
        else:
            rows = selectors.compliance(user, unit=unit, start=start, end=end)
    context = {"form": form, "rows": rows, "unit": unit, "start": start, "end": end}
    return render(request, "reception/compliance.html", context, status=422 if form.errors else 200)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = forms.ExportForm(request.GET or None, user=user)
    if not form.is_valid():
        if request.GET:
            status = 422
        else:
            status = 200
            first = today().replace(day=1)
            form = forms.ExportForm(
                user=user, initial={"start": first, "end": rules.month_bounds(first)[1]}
            )
        return render(request, "reception/export.html", {"form": form}, status=status)
    data = form.cleaned_data
    content = exports.register_workbook(
        user, agency=data["agency"], start=data["start"], end=data["end"]
    )
    response = HttpResponse(content, content_type=XLSX)
    filename = exports.filename(data["agency"], data["start"], data["end"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
