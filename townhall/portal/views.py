"""The public portal: send a petition, track it, rate the answer, read published answers.

No login. Thin views (STYLE 7): rate limit → form → the portal service (which calls the
petitions services) → a page. Bad input comes back beside its field with what was typed (422);
floods get a 429 with Retry-After; a filled honeypot gets a 400 and nothing is written.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.core.dates import today
from townhall.dialogues.models import BEFORE_THE_DAY
from townhall.petitions.errors import PetitionError
from townhall.petitions.models import Kind, Petition, Status
from townhall.petitions.services import SubmitterData
from townhall.reception import recurrence
from townhall.reception import rules as reception_rules
from townhall.reports import statistics

from . import challenge, forms, ratelimit, selectors, services
from .models import Rating

PAGE_SIZE = 20
TRACKED_KEY = "portal.tracked"  # petitions this browser proved it may see
TRACKED_MAX = 10
TRACKED_SECONDS = 3600

# What each status means for the citizen, in plain words.
STATUS_HELP = {
    Status.RECEIVED: _(
        "Your petition has arrived. The agency will acknowledge it in writing and decide "
        "whether to accept it for handling."
    ),
    Status.ACCEPTED: _("The competent agency has accepted your petition and is handling it."),
    Status.TRANSFERRED: _("Your petition was sent on to the agency competent to handle it."),
    Status.ASSIGNED: _("An agency has been assigned to handle your petition."),
    Status.RETURNED: _(
        "This agency is not the one to handle your petition; the guidance below says where "
        "to take it."
    ),
    Status.ANSWERED: _(
        "Your petition has been answered. Please read the answer and tell us whether your "
        "matter is settled."
    ),
    Status.CLOSED: _("The handling of your petition is finished."),
}

# A service error's field → the form field it belongs beside.
SEND_FIELDS = {
    "kind": "kind",
    "topic": "topic",
    "unit": "commune",
    "text": "text",
    "attachments": "attachments",
    "submitters.0.name": "name",
    "submitters.0.phone": "phone",
    "submitters.0.id_number": "id_number",
}


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    context = {"minutes": max(1, math.ceil(wait / 60))}
    response = render(request, "portal/429.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


# --- places (htmx) --------------------------------------------------------------------------
@require_GET
def units(request: HttpRequest) -> HttpResponse:
    """The selects below a province (district and/or commune) or below a district.

    `?parent=CODE` names the unit whose children to list; the selects send their own names
    (`province=`, `district=`) so that they need no script beyond htmx. `?on=YYYY-MM-DD` lists
    the units of that day's era (a past year's statistics name its units as they were then).
    """
    params = request.GET
    try:
        day, place_on = dt.date.fromisoformat(params.get("on", "")), params["on"]
    except ValueError:
        day, place_on = today(), ""
    optional = params.get("optional") == "1"
    parent = selectors.unit_on(params.get("parent", ""), day)
    if parent is not None and parent.level == "district":
        place = selectors.place_from(day, parent.parent.code, parent.code)
        template = "portal/_place_communes.html"
    elif parent is not None:
        place = selectors.place_from(day, parent.code)
        template = "portal/_place_below.html"
    elif params.get("district"):
        place = selectors.place_from(day, params.get("province", ""), params["district"])
        template = "portal/_place_communes.html"
    else:
        place = selectors.place_from(day, params.get("province", ""))
        template = "portal/_place_below.html"
    context = {"place": place, "optional": optional, "place_on": place_on}
    return render(request, template, context)


# --- send -----------------------------------------------------------------------------------
def _render_send(request, form, *, status: int = 200) -> HttpResponse:
    quiz = form.next_challenge()
    context = {
        "form": form,
        "place": form.place(),
        "kinds": forms.KINDS,
        "challenge": quiz,
        "challenge_kept": form.is_bound and quiz.token == form.data.get("challenge"),
    }
    return render(request, "portal/send.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def send(request: HttpRequest) -> HttpResponse:
    day = today()
    if request.method != "POST":
        return _render_send(request, forms.SendForm(day=day))
    if "refresh" in request.POST:  # without script: show the communes of the chosen province
        return _render_send(request, forms.SendForm(day=day, initial=request.POST.dict()))
    address = ratelimit.client_key(request)
    wait = ratelimit.hit(ratelimit.SEND_ATTEMPT, address) or ratelimit.retry_after(
        ratelimit.SEND, address
    )
    if wait:
        return _too_many(request, wait)
    if request.POST.get("website", "").strip():
        return render(request, "portal/400.html", status=400)
    form = forms.SendForm(request.POST, request.FILES, day=day)
    if not form.is_valid():
        return _render_send(request, form, status=422)
    data = form.cleaned_data
    if not challenge.spend(data["challenge"]):
        form.add_error("challenge_answer", forms.CHALLENGE_MESSAGES["used"])
        form.challenge_failure = "used"
        return _render_send(request, form, status=422)
    try:
        receipt = services.petition_send(
            kind=data["kind"],
            unit=data["unit"],
            topic=data["topic"],
            text=data["text"],
            attachments=data["attachments"],
            contact=SubmitterData(
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                address=data["address"],
                id_number=data["id_number"],
            ),
        )
    except PetitionError as error:
        challenge.release(data["challenge"])
        form.add_error(SEND_FIELDS.get(error.field), gettext(error.message))
        return _render_send(request, form, status=error.status)
    ratelimit.record(ratelimit.SEND, address)
    context = {
        "tracking_code": receipt.petition.tracking_code,
        "secret": receipt.secret,
        "case": receipt.case,
        "agency": receipt.petition.receiving_agency,
        "is_denunciation": receipt.petition.kind == Kind.DENUNCIATION,
    }
    return render(request, "portal/sent.html", context, status=201)


# --- track ----------------------------------------------------------------------------------
def _remember(request: HttpRequest, petition: Petition) -> None:
    tracked = [pk for pk in request.session.get(TRACKED_KEY, []) if pk != petition.pk]
    request.session[TRACKED_KEY] = [petition.pk, *tracked][:TRACKED_MAX]
    if not request.user.is_authenticated:  # never shorten a staff member's login
        request.session.set_expiry(TRACKED_SECONDS)


def _tracked(request: HttpRequest, code: str) -> Petition | None:
    allowed = request.session.get(TRACKED_KEY, [])
    return (
        Petition.objects.select_related("case", "case__unit", "case__topic")
        .filter(pk__in=allowed, tracking_code=selectors.normalize_code(code))
        .first()
    )


def _to_lookup(code: str) -> HttpResponse:
    return redirect(reverse("portal:track") + "?" + urlencode({"code": code}))


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = forms.TrackForm(initial={"code": request.GET.get("code", "")[:20]})
        return render(request, "portal/track.html", {"form": form})
    wait = ratelimit.hit(ratelimit.TRACK, ratelimit.client_key(request))
    if wait:
        return _too_many(request, wait)
    form = forms.TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/track.html", {"form": form}, status=422)
    petition = selectors.petition_for_citizen(form.cleaned_data["code"], form.cleaned_data["key"])
    if petition is None:
        context = {"form": form, "not_found": True}
        return render(request, "portal/track.html", context, status=404)
    _remember(request, petition)
    return redirect("portal:case", code=petition.tracking_code)


@dataclass(frozen=True)
class RatingView:
    stars: int
    settled: bool
    reopened: bool


def _render_case(request, petition: Petition, *, form=None, status: int = 200) -> HttpResponse:
    case = petition.case
    answered = case.status in (Status.ANSWERED, Status.CLOSED, Status.RETURNED)
    rated = (
        Rating.objects.filter(petition=petition, answer_at=case.answered_at).first()
        if case.answered_at
        else None
    )
    can_rate = case.status in (Status.ANSWERED, Status.CLOSED) and rated is None
    context = {
        "petition": petition,
        "case": case,
        "status_help": STATUS_HELP.get(case.status, ""),
        "timeline": selectors.public_timeline(case),
        "answered": answered,
        # Redacted here too: the page opens with a phone number, and a denouncer's name
        # must never appear on the portal (Law on Denunciations 2018, Art. 56).
        "answer": selectors.redact(
            case.answer, selectors.submitter_names([case.pk]).get(case.pk, [])
        )
        if answered
        else "",
        "rated": rated,
        "form": (form or forms.RatingForm()) if can_rate else None,
        "may_reopen": services.may_reopen(case),
        "is_complaint": case.kind == Kind.COMPLAINT,
        "is_denunciation": petition.kind == Kind.DENUNCIATION,
    }
    return render(request, "portal/case.html", context, status=status)


@never_cache
@require_GET
def case(request: HttpRequest, code: str) -> HttpResponse:
    petition = _tracked(request, code)
    if petition is None:
        return _to_lookup(code)
    return _render_case(request, petition)


@never_cache
@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    petition = _tracked(request, code)
    if petition is None:
        return _to_lookup(code)
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        return _render_case(request, petition, form=form, status=422)
    data = form.cleaned_data
    try:
        rating = services.rating_submit(
            petition=petition,
            stars=data["stars"],
            settled=data["settled"],
            comment=data["comment"],
        )
    except PetitionError as error:
        form.add_error(error.field if error.field in form.fields else None, gettext(error.message))
        return _render_case(request, petition, form=form, status=error.status)
    if rating.reopened:
        messages.success(
            request,
            gettext(
                "Thank you. Your matter is being handled again as a new complaint; you can "
                "follow it here."
            ),
        )
    else:
        messages.success(request, gettext("Thank you for rating the answer."))
    return redirect("portal:case", code=petition.tracking_code)


@require_POST
def forget(request: HttpRequest) -> HttpResponse:
    """Forget the tracked petitions on this device (a shared phone or computer)."""
    request.session.pop(TRACKED_KEY, None)
    messages.success(request, gettext("This device no longer shows your petitions."))
    return redirect("portal:track")


# --- published answers ----------------------------------------------------------------------
@dataclass(frozen=True)
class PublicAnswer:
    reference: str
    topic: str
    locality: str
    title: str  # empty for a denunciation: its content is not published
    answer: str
    decision_reference: str
    answered_on: object


def _locality(unit) -> str:
    names = [unit.name]
    parent = unit.parent
    while parent is not None:
        names.append(parent.name)
        parent = parent.parent
    return ", ".join(names)


@require_GET
def answers(request: HttpRequest) -> HttpResponse:
    filters = forms.AnswersFilter(request.GET)
    filters.is_valid()  # a bad value is ignored
    wanted = filters.cleaned_data
    place = selectors.place_from(
        today(),
        wanted.get("province", ""),
        wanted.get("district", ""),
        wanted.get("commune", ""),
    )
    cases = selectors.published_answers(place=place.chosen, topic=wanted.get("topic"))
    cases = cases.select_related("unit__parent__parent")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    names = selectors.submitter_names([c.pk for c in page.object_list])
    rows = [
        PublicAnswer(
            reference=c.reference,
            topic=c.topic.name,
            locality=_locality(c.unit),
            title="" if c.has_denunciation else selectors.redact(c.title, names.get(c.pk, [])),
            answer=selectors.redact(c.answer, names.get(c.pk, [])),
            decision_reference=c.decision_reference,
            answered_on=c.answered_at,
        )
        for c in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "place": place,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
    }
    return render(request, "portal/answers.html", context)


# --- the calendar, conclusions, reception schedules, statistics -----------------------------
def _filter_page(request, template: str, form, context: dict) -> HttpResponse:
    """A filtered list; bad filter input is a 400 with the messages beside the form."""
    context = {
        "filters": form,
        "place": form.place(),
        "bad_filter": bool(form.errors),
        **context,
    }
    return render(request, template, context, status=400 if form.errors else 200)


def _paged(request: HttpRequest, items) -> tuple[object, str]:
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@dataclass(frozen=True)
class PublicConference:
    title: str
    starts_at: object
    locality: str
    host: str
    venue: str
    is_online: bool
    topics: list[str]
    upcoming: bool
    state: str
    audience: str
    conclusion_number: str


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """Dialogue conferences once announced: date, place, host, topics; filter by unit and
    period; upcoming first when asked, else newest first."""
    form = forms.CalendarFilter(request.GET, day=today())
    if not form.is_valid():
        return _filter_page(request, "portal/calendar.html", form, {"rows": [], "page": None})
    data = form.cleaned_data
    now = timezone.now()
    conferences = selectors.public_conferences(
        place=form.place().chosen, start=data.get("start"), end=data.get("end")
    )
    if data.get("when") == "upcoming":
        conferences = conferences.filter(starts_at__gte=now).order_by("starts_at", "pk")
    elif data.get("when") == "past":
        conferences = conferences.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    else:
        conferences = conferences.order_by("-starts_at", "-pk")
    page, query = _paged(request, conferences)
    rows = []
    for c in page.object_list:
        conclusion = getattr(c, "conclusion", None)
        published = conclusion is not None and conclusion.published_at <= now
        rows.append(
            PublicConference(
                title=selectors.redact(c.title, []),
                starts_at=c.starts_at,
                locality=_locality(c.host_unit),
                host=c.host_agency.name,
                venue=selectors.redact(c.venue, []),
                is_online=c.is_online,
                topics=[t.name for t in c.topics.all()],
                upcoming=c.starts_at >= now and c.status in BEFORE_THE_DAY,
                state=c.get_status_display(),
                audience=selectors.redact(c.audience_description, []),
                conclusion_number=conclusion.number if published else "",
            )
        )
    context = {"rows": rows, "page": page, "query": query}
    return _filter_page(request, "portal/calendar.html", form, context)


@dataclass(frozen=True)
class PublicDirective:
    number: int
    text: str
    assignee: str
    deadline: object


@dataclass(frozen=True)
class PublicConclusion:
    number: str
    signed_on: object
    signer: str
    published_at: object
    text: str
    conference: str
    held_at: object
    locality: str
    host: str
    directives: list[PublicDirective]


def _signer_title(conclusion) -> str:
    """The title the notice is signed under; never a name (the fallback for an untitled
    chair is the account's name, which the portal does not show)."""
    title = conclusion.signer_title.strip()
    signer = conclusion.signed_by
    if signer is not None and title in {signer.username, signer.get_full_name().strip()}:
        return ""
    return title


@require_GET
def conclusions(request: HttpRequest) -> HttpResponse:
    form = forms.PeriodFilter(request.GET, day=today())
    if not form.is_valid():
        return _filter_page(request, "portal/conclusions.html", form, {"rows": [], "page": None})
    data = form.cleaned_data
    found = selectors.published_conclusions(
        place=form.place().chosen, start=data.get("start"), end=data.get("end")
    ).select_related("signed_by")
    page, query = _paged(request, found)
    names = selectors.conference_people([c.conference_id for c in page.object_list])
    rows = []
    for c in page.object_list:
        people = names.get(c.conference_id, [])
        rows.append(
            PublicConclusion(
                number=c.number,
                signed_on=c.signed_on,
                signer=_signer_title(c),
                published_at=c.published_at,
                text=selectors.redact(c.text, people),
                conference=selectors.redact(c.conference.title, people),
                held_at=c.conference.held_at,
                locality=_locality(c.conference.host_unit),
                host=c.conference.host_agency.name,
                directives=[
                    PublicDirective(
                        d.number, selectors.redact(d.text, people), d.assignee.name, d.deadline
                    )
                    for d in c.directives.all()
                ],
            )
        )
    context = {"rows": rows, "page": page, "query": query}
    return _filter_page(request, "portal/conclusions.html", form, context)


@dataclass(frozen=True)
class PublicSchedule:
    agency: str
    locality: str
    receiver: str
    when: str
    venue: str
    valid_from: object
    valid_to: object
    next_days: list


NEXT_DAYS_AHEAD = 62  # about two months of coming reception days
NEXT_DAYS_SHOWN = 3


@require_GET
def reception(request: HttpRequest) -> HttpResponse:
    """Published reception schedules in force today: who receives (by title), where, when."""
    day = today()
    form = forms.PlaceFilter(request.GET, day=day)
    if not form.is_valid():
        return _filter_page(request, "portal/reception.html", form, {"rows": [], "page": None})
    schedules = selectors.public_schedules(on=day, place=form.place().chosen)
    page, query = _paged(request, schedules)
    horizon = day + dt.timedelta(days=NEXT_DAYS_AHEAD)
    rows = [
        PublicSchedule(
            agency=s.agency.name,
            locality=_locality(s.agency.unit),
            # The head by title only; without one, the office the law gives the duty to.
            receiver=s.head.title or reception_rules.office_of(s.agency).label,
            when=s.describe(),
            venue=selectors.redact(s.venue, []),
            valid_from=s.valid_from,
            valid_to=s.valid_to,
            next_days=recurrence.schedule_days(s, day, horizon)[:NEXT_DAYS_SHOWN],
        )
        for s in page.object_list
    ]
    context = {"rows": rows, "page": page, "query": query}
    return _filter_page(request, "portal/reception.html", form, context)


# What each public figure is called; the keys are those of townhall.reports.statistics.
DIALOGUE_FIGURES = [
    ("conferences", _("Dialogue conferences held")),
    ("opinions", _("Opinions on their agendas")),
    ("answered_at_conference", _("Answered at the conference")),
    ("answered_at_conference_pct", _("Answered at the conference (%)")),
    ("answered_later", _("Answered later")),
    ("pending", _("Still pending")),
    ("overdue", _("Pending past their deadline")),
    ("directives", _("Directives in the conclusions")),
    ("directives_done_on_time", _("Directives done on time")),
    ("directives_done_late", _("Directives done late")),
    ("directives_open", _("Directives still open")),
    ("directives_overdue", _("Directives past their deadline")),
]
RECEPTION_FIGURES = [
    ("days_required", _("Reception days required")),
    ("days_held", _("Reception days held by the heads in person")),
    ("days_delegated", _("Further days held by a deputy")),
    ("shortfall", _("Days short of the minimum")),
    ("sessions", _("Reception sessions")),
    ("visits", _("Visits recorded")),
    ("people", _("People received")),
    ("group_visits", _("Group visits")),
]
PETITION_FIGURES = [
    ("petitions", _("Petitions received")),
    ("cases", _("Cases opened")),
    ("open", _("Cases still open")),
    ("overdue", _("Open cases past their deadline")),
    ("acknowledged_on_time_pct", _("Acknowledged on time (%)")),
    ("resolved", _("Cases resolved")),
    ("resolved_on_time_pct", _("Resolved on time (%)")),
    ("mass", _("Mass cases (many people)")),
    ("prolonged", _("Prolonged cases")),
    ("average_days_to_resolution", _("Average days to resolution")),
]
STATISTICS_SECTIONS = [
    ("dialogues", _("Dialogues"), DIALOGUE_FIGURES),
    ("reception", _("Citizen reception"), RECEPTION_FIGURES),
    ("petitions", _("Petitions"), PETITION_FIGURES),
]


@dataclass(frozen=True)
class Figure:
    label: str
    value: object
    previous: object
    is_pct: bool


@dataclass(frozen=True)
class UnitFigures:
    name: str
    own: bool
    former: bool  # a unit of the other era whose records count here (the 2025 reform)
    conferences: int
    sessions: int
    petitions: int


@require_GET
def statistics_page(request: HttpRequest) -> HttpResponse:
    """The public figures of any unit for a period: the same functions the public API calls
    (townhall.reports.statistics), without the staff-only breakdown by agency."""
    form = forms.StatisticsFilter(request.GET, day=today())
    valid = form.is_valid()
    context = {"sections": [], "by_unit": [], "scope": None}
    context["place_on"] = form.place_day().isoformat()
    if valid:
        start, end = form.bounds()
        chosen = form.place().chosen
        if chosen is not None:
            try:
                scope = statistics.scope_build(code=chosen.code, start=start, end=end)
            except statistics.StatisticsError as error:
                form.add_error("end" if error.field == "to" else "province", error.message)
            else:
                context.update(_statistics(scope))
    return _filter_page(request, "portal/statistics.html", form, context)


def _row_key(row: dict) -> tuple:
    """A `by_unit` row's identity: a code names one unit per era."""
    return row["code"], row["own"], row.get("era", ""), row.get("lineage", False)


def _statistics(scope: statistics.Scope) -> dict:
    found = {kind: statistics.with_previous(kind, scope) for kind, _l, _f in STATISTICS_SECTIONS}
    sections = [
        (
            title,
            [
                Figure(
                    label,
                    found[kind][key],
                    found[kind]["previous"][key],
                    key.endswith("_pct") or key.startswith("average"),
                )
                for key, label in figures
            ],
        )
        for kind, title, figures in STATISTICS_SECTIONS
    ]
    by_key = {
        kind: {_row_key(r): r for r in found[kind]["by_unit"]}
        for kind in ("dialogues", "reception", "petitions")
    }
    by_unit = [
        UnitFigures(
            name=row["name"],
            own=row["own"],
            former=row.get("lineage", False),
            conferences=row["conferences"],
            sessions=by_key["reception"][_row_key(row)]["sessions"],
            petitions=by_key["petitions"][_row_key(row)]["petitions"],
        )
        for row in found["dialogues"]["by_unit"]
    ]
    previous = found["dialogues"]["previous"]
    return {
        "scope": scope,
        "sections": sections,
        "by_unit": by_unit,
        "previous_start": previous["from"],
        "previous_end": previous["to"],
    }
