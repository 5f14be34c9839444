"""Staff pages for conferences: thin views — policy getter → form → service → redirect.

A conference outside the user's jurisdiction is 404; a read-only role posting is 403. Every
write calls the same service as the API; a refusal is shown beside its field.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts import policy
from townhall.petitions import services as petitions
from townhall.petitions.errors import PetitionError

from . import documents, forms, selectors, services
from .models import Conference, Directive, Opinion, Status


def _conference(request: HttpRequest, pk: int, *, write: bool = False) -> Conference:
    return selectors.conference_get_for_user(request.user, pk, write=write)


def _opinion(conference: Conference, opinion_id: int) -> Opinion:
    return selectors.opinion_get(conference, opinion_id)


# --- lists and pages ------------------------------------------------------------------------
@login_required
@require_GET
def conference_list(request: HttpRequest) -> HttpResponse:
    conferences = (
        selectors.conferences_visible_to(request.user)
        .select_related("host_unit", "host_agency")
        .order_by("-starts_at", "-pk")[:200]
    )
    return render(
        request,
        "dialogues/list.html",
        {"conferences": conferences, "can_write": policy.can_write(request.user)},
    )


@login_required
@require_GET
def conference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conference = _conference(request, pk)
    conclusion = getattr(conference, "conclusion", None)
    directives = (
        conclusion.directives.select_related("assignee").order_by("number") if conclusion else []
    )
    user = request.user
    return render(
        request,
        "dialogues/detail.html",
        {
            "conference": conference,
            "chairs": conference.chairings.select_related("user"),
            "checklist": selectors.preparation_checklist(conference),
            "summary": selectors.conference_summary(conference),
            "conclusion": conclusion,
            "directives": directives,
            "today": timezone.localdate(),
            "events": conference.events.select_related("actor", "opinion").order_by("-at")[:50],
            "can_write": policy.can_write(user),
            "announce_form": forms.AnnounceForm(),
            "hold_form": forms.HoldForm(),
            "minutes_form": forms.MinutesForm(
                initial={"attendance": conference.attendance, "minutes": conference.minutes}
            ),
            "preparation_form": forms.PreparationForm(user=user),
            "prepared_form": forms.PreparedForm(),
            "opinion_form": forms.OpinionForm(user=user),
            "documents": documents.DOCUMENTS,
        },
    )


@login_required
@require_GET
def conference_day(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretary's screen on the day: floor opinions in, one outcome per opinion."""
    conference = _conference(request, pk)
    return render(request, "dialogues/day.html", _day_context(request, conference))


def _day_context(request, conference, *, opinion_form=None) -> dict:
    opinions = conference.opinions.select_related(
        "petition__case", "assignee", "prepare_agency"
    ).order_by("number")
    return {
        "conference": conference,
        "rows": [(o, forms.OutcomeForm(user=request.user, prefix=f"o{o.pk}")) for o in opinions],
        "opinion_form": opinion_form or forms.OpinionForm(user=request.user),
        "summary": selectors.conference_summary(conference),
        "can_write": policy.can_write(request.user),
    }


@login_required
@require_GET
def slow_agencies(request: HttpRequest) -> HttpResponse:
    rows = selectors.slow_agencies(request.user)
    return render(request, "dialogues/slow_agencies.html", {"rows": rows})


@login_required
@require_GET
def conference_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    conference = _conference(request, pk)
    if kind not in documents.DOCUMENTS:
        raise Http404(f"No document {kind!r}")
    if kind == "conclusion" and not hasattr(conference, "conclusion"):
        raise Http404("The conference has no conclusion yet")
    slug, build = documents.DOCUMENTS[kind]
    response = HttpResponse(build(conference), content_type=documents.DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{slug}-{conference.pk}.docx"'
    return response


# --- planning -------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def conference_new(request: HttpRequest) -> HttpResponse:
    if not policy.can_write(request.user):
        raise policy.AccessDenied(_("Your role may read conferences but not plan them."))
    form = forms.ConferencePlanForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chairs = [services.ChairData(data["chair"])] + [
            services.ChairData(u, role="co_chair")
            for u in data["co_chairs"]
            if u.pk != data["chair"].pk
        ]
        plan = services.ConferencePlan(
            title=data["title"],
            host_agency=data["host_agency"],
            starts_at=data["starts_at"],
            chairs=chairs,
            organisers=list(data["organisers"]),
            venue=data["venue"],
            is_online=data["is_online"],
            audience_kind=data["audience_kind"],
            audience_description=data["audience_description"],
            expected_attendance=data["expected_attendance"],
            topics=list(data["topics"]),
        )
        try:
            conference = services.conference_plan(plan=plan, actor=request.user)
        except PetitionError as error:
            forms.add_service_error(form, error)
        else:
            return redirect("dialogues:detail", pk=conference.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "dialogues/new.html", {"form": form}, status=status)


# --- transitions ----------------------------------------------------------------------------
def _simple(service):
    return lambda request, conference, data: service(conference=conference, actor=request.user)


TRANSITIONS = {
    "announce": (
        forms.AnnounceForm,
        lambda request, conference, data: services.conference_announce(
            conference=conference,
            actor=request.user,
            announced_at=data["announced_at"],
            invitation_number=data["invitation_number"],
        ),
    ),
    "collect": (None, _simple(services.conference_start_collecting)),
    "ready": (None, _simple(services.conference_mark_ready)),
    "hold": (
        forms.HoldForm,
        lambda request, conference, data: services.conference_hold(
            conference=conference,
            actor=request.user,
            held_at=data["held_at"],
            attendance=data["attendance"],
            minutes=data["minutes"],
        ),
    ),
    "minutes": (
        forms.MinutesForm,
        lambda request, conference, data: services.conference_record_minutes(
            conference=conference,
            actor=request.user,
            attendance=data["attendance"],
            minutes=data["minutes"],
        ),
    ),
    "close": (
        forms.NoteForm,
        lambda request, conference, data: services.conference_close(
            conference=conference, actor=request.user, note=data["note"]
        ),
    ),
}


def _report(request: HttpRequest, error: PetitionError | None, form=None) -> None:
    if error is not None:
        messages.error(request, error.message)
    elif form is not None and not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")


@login_required
@require_POST
def conference_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in TRANSITIONS:
        raise Http404(f"No action {action!r}")
    conference = _conference(request, pk, write=True)
    form_class, change = TRANSITIONS[action]
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        _report(request, None, form)
    else:
        try:
            change(request, conference, form.cleaned_data if form else {})
        except PetitionError as error:
            _report(request, error)
        else:
            messages.success(request, _("Saved."))
    return redirect("dialogues:detail", pk=conference.pk)


# --- opinions -------------------------------------------------------------------------------
@login_required
@require_POST
def opinion_add(request: HttpRequest, pk: int) -> HttpResponse:
    conference = _conference(request, pk, write=True)
    form = forms.OpinionForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        submitters = []
        if data["name"]:
            submitters = [petitions.SubmitterData(name=data["name"], phone=data["phone"])]
        intake = petitions.Intake(
            kind=data["kind"],
            channel="",
            unit=conference.host_unit,
            topic=data["topic"],
            text=data["text"],
            received_at=data["received_at"] or timezone.now(),
            receiving_agency=conference.host_agency,
            submitters=submitters,
            people_count=data["people_count"],
        )
        try:
            services.opinion_add(
                conference=conference,
                intake=intake,
                actor=request.user,
                collected_by=data["collected_by"],
            )
        except PetitionError as error:
            forms.add_service_error(form, error)
        else:
            messages.success(request, _("The opinion is on the agenda."))
            return redirect(_agenda_page(conference), pk=conference.pk)
    if conference.status == Status.HELD:
        context = _day_context(request, conference, opinion_form=form)
        return render(request, "dialogues/day.html", context, status=422)
    _report(request, None, form)
    return redirect("dialogues:detail", pk=conference.pk)


def _agenda_page(conference: Conference) -> str:
    return "dialogues:day" if conference.status == Status.HELD else "dialogues:detail"


@login_required
@require_POST
def opinion_outcome(request: HttpRequest, pk: int, opinion_id: int) -> HttpResponse:
    conference = _conference(request, pk, write=True)
    opinion = _opinion(conference, opinion_id)
    form = forms.OutcomeForm(request.POST, user=request.user, prefix=f"o{opinion.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            opinion = services.opinion_record_outcome(
                conference=conference,
                opinion=opinion,
                actor=request.user,
                answered_at_conference=data["answered_at_conference"],
                answered_by=data["answered_by"],
                answer=data["answer"],
                assignee=data["assignee"],
                deadline=data["deadline"],
                expected_result=data["expected_result"],
            )
        except PetitionError as error:
            forms.add_service_error(form, error)
    if not request.headers.get("HX-Request"):
        _report(request, None, form)
        return redirect("dialogues:day", pk=conference.pk)
    opinion = Opinion.objects.select_related("petition__case", "assignee").get(pk=opinion.pk)
    return render(
        request,
        "dialogues/_opinion_row.html",
        # Always 200: htmx swaps 2xx answers only, and a refusal is shown inside the row.
        {"conference": conference, "opinion": opinion, "form": form, "can_write": True},
    )


@login_required
@require_POST
def opinion_preparation(request: HttpRequest, pk: int, opinion_id: int) -> HttpResponse:
    conference = _conference(request, pk, write=True)
    opinion = _opinion(conference, opinion_id)
    form = forms.PreparationForm(request.POST, user=request.user)
    error = None
    if form.is_valid():
        try:
            services.opinion_request_preparation(
                conference=conference,
                opinion=opinion,
                actor=request.user,
                agency=form.cleaned_data["agency"],
                prepare_by=form.cleaned_data["prepare_by"],
            )
        except PetitionError as refused:
            error = refused
    _report(request, error, form)
    return redirect("dialogues:detail", pk=conference.pk)


@login_required
@require_POST
def opinion_prepared(request: HttpRequest, pk: int, opinion_id: int) -> HttpResponse:
    conference = _conference(request, pk, write=True)
    opinion = _opinion(conference, opinion_id)
    form = forms.PreparedForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.opinion_prepare(
                conference=conference,
                opinion=opinion,
                actor=request.user,
                answer=form.cleaned_data["answer"],
            )
        except PetitionError as refused:
            error = refused
    _report(request, error, form)
    return redirect("dialogues:detail", pk=conference.pk)


# --- conclusion and directives --------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def conference_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    conference = _conference(request, pk, write=True)
    form = forms.ConcludeForm(request.POST or None)
    rows = forms.DirectiveFormSet(
        request.POST or None, form_kwargs={"user": request.user}, prefix="d"
    )
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        filled = [r for r in rows.forms if r.cleaned_data.get("text")]
        directives = [
            services.DirectiveData(
                text=r.cleaned_data["text"],
                assignee=r.cleaned_data["assignee"],
                deadline=r.cleaned_data["deadline"],
                expected_result=r.cleaned_data["expected_result"],
            )
            for r in filled
        ]
        data = form.cleaned_data
        try:
            services.conference_conclude(
                conference=conference,
                actor=request.user,
                number=data["number"],
                signed_on=data["signed_on"],
                text=data["text"],
                directives=directives,
                published_at=data["published_at"],
            )
        except PetitionError as error:
            _place_conclude_error(form, filled, error)
        else:
            return redirect("dialogues:detail", pk=conference.pk)
    return render(
        request,
        "dialogues/conclude.html",
        {"conference": conference, "form": form, "rows": rows},
        status=422 if request.method == "POST" else 200,
    )


def _place_conclude_error(form, filled, error: PetitionError) -> None:
    parts = error.field.split(".")
    if parts[0] == "directives" and len(parts) == 3 and parts[1].isdigit():
        row = filled[int(parts[1])]
        row.add_error(parts[2] if parts[2] in row.fields else None, error.message)
    else:
        forms.add_service_error(form, error)


DIRECTIVE_ACTIONS = {
    "progress": (
        forms.NoteForm,
        lambda request, d, data: services.directive_report_progress(
            directive=d, actor=request.user, note=data["note"]
        ),
    ),
    "done": (
        forms.DoneForm,
        lambda request, d, data: services.directive_mark_done(
            directive=d, actor=request.user, result=data["result"], done_at=data["done_at"]
        ),
    ),
    "verify": (
        forms.NoteForm,
        lambda request, d, data: services.directive_verify(
            directive=d, actor=request.user, note=data["note"]
        ),
    ),
    "reopen": (
        forms.NoteForm,
        lambda request, d, data: services.directive_reopen(
            directive=d, actor=request.user, note=data["note"]
        ),
    ),
}


@login_required
@require_POST
def directive_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in DIRECTIVE_ACTIONS:
        raise Http404(f"No action {action!r}")
    directive: Directive = selectors.directive_get_for_user(request.user, pk, write=True)
    form_class, change = DIRECTIVE_ACTIONS[action]
    form = form_class(request.POST)
    error = None
    if form.is_valid():
        try:
            change(request, directive, form.cleaned_data)
        except PetitionError as refused:
            error = refused
        else:
            messages.success(request, _("Saved."))
    _report(request, error, form)
    return redirect("dialogues:detail", pk=directive.conclusion.conference_id)
