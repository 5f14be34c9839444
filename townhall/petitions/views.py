"""Staff pages for petitions and cases: intake, worklists, the case page and its actions.

Thin views (STYLE 7): login → policy getter (`selectors.case_get_for_user`, `selectors.worklist`,
`policy.*`) → one service in `services.py` → redirect, or the page again with the service's
error beside the field it names (422 for bad input, 409 for a conflict, never a 500).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts import policy
from townhall.core import calendar
from townhall.core import text as vntext
from townhall.core.dates import today

from . import flags, forms, selectors, services
from .errors import PetitionError, StaleVersion
from .models import (
    OPEN_STATUSES,
    Attachment,
    Case,
    Kind,
    Status,
)

PAGE_SIZE = 20
RECEIPT_KEY = "petitions.receipt"
SIMILAR_MIN_CHARS = 20  # shorter texts match too much to be useful

TABS = [
    ("mine", _("Mine")),
    ("agency", _("My agency")),
    ("due_soon", _("Due soon")),
    ("overdue", _("Overdue")),
    ("flagged", _("Flagged")),
    ("all", _("All")),
]
FLAG_LABELS = {"mass": _("Mass"), "prolonged": _("Prolonged"), "over_level": _("Over-level")}


def _message(error: PetitionError) -> str:
    """The service's message, translated when it is one of the fixed ones (forms.py)."""
    return gettext(error.message)


def _deadline_state(case: Case, on: dt.date, horizon: dt.date) -> str:
    if case.status not in OPEN_STATUSES or case.due is None:
        return ""
    if case.due < on:
        return "overdue"
    return "due_soon" if case.due <= horizon else ""


def _due_soon_horizon(on: dt.date) -> dt.date:
    return calendar.add_working_days(on, selectors.DUE_SOON_WORKING_DAYS)


# --- worklists ------------------------------------------------------------------------------
@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    tab = request.GET.get("tab", "all")
    if tab not in selectors.WORKLISTS:
        tab = "all"
    filters = forms.WorklistFilter(request.GET)
    filters.is_valid()  # a bad value is shown beside its filter and ignored
    wanted = filters.cleaned_data
    filtered = any(wanted.get(k) for k in ("status", "kind", "topic", "q"))
    if not filtered and selectors.facts_answer(user, tab):
        ids = selectors.WorklistIds(user, tab)  # from the scope rows' facts
    else:
        cases = selectors.worklist(user, tab)
        if wanted.get("status"):
            cases = cases.filter(status=wanted["status"])
        if wanted.get("kind"):
            cases = cases.filter(kind=wanted["kind"])
        if wanted.get("topic"):
            cases = cases.filter(topic=wanted["topic"])
        if wanted.get("q"):
            cases = selectors.search(cases, wanted["q"])
        ids = cases.order_by(*selectors.worklist_order(tab)).values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.rows_for(list(page.object_list), "unit", "topic")
    on = today()
    horizon = _due_soon_horizon(on)
    page_flags = _page_flags(rows, on)
    for case in rows:
        case.deadline_state = _deadline_state(case, on, horizon)
        case.flag_list = page_flags[case.pk]
    context = {"tabs": TABS, "tab": tab, "filters": filters, "page": page, "rows": rows}
    return render(request, "petitions/list.html", context)


def _page_flags(cases: list[Case], on: dt.date) -> dict[int, list[tuple[str, str]]]:
    """(label, reason) of each case's flags (flags.py), from the case rows: no query."""
    result = {}
    for case in cases:
        found = []
        for flag in flags.case_flags(case, on=on):
            reason = ""
            if flag.code == "mass":
                reason = gettext("%(n)d people") % {"n": case.people}
            found.append((FLAG_LABELS[flag.code], reason))
        result[case.pk] = found
    return result


# --- intake ---------------------------------------------------------------------------------
INTAKE_FIELDS = {
    "kind": "kind",
    "channel": "channel",
    "topic": "topic",
    "unit": "unit",
    "received_at": "received_date",
    "text": "text",
    "people_count": "people_count",
    "attachments": "attachments",
    "case": "attach_to",
}


def _require_writer(user) -> None:
    if not policy.can_write(user):
        raise policy.AccessDenied(gettext("Your role may read petitions but not register them."))


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_writer(user)
    if request.method == "GET":
        form = forms.IntakeForm(user=user)
        people = forms.SubmitterFormSet(prefix="submitters")
        return _render_intake(request, form, people)
    form = forms.IntakeForm(request.POST, request.FILES, user=user)
    people = forms.SubmitterFormSet(request.POST, prefix="submitters")
    if not (form.is_valid() and people.is_valid()):
        return _render_intake(request, form, people, status=422)
    rows = [i for i, row in enumerate(people.forms) if not row.is_blank()]
    data = form.cleaned_data
    case = None
    if data.get("attach_to"):
        try:
            case = selectors.case_get_for_user(user, data["attach_to"], write=True)
        except Http404:
            form.add_error("attach_to", gettext("That case is not in your jurisdiction."))
            return _render_intake(request, form, people, status=422)
    petition = services.Intake(
        kind=data["kind"],
        channel=data["channel"],
        unit=data["unit_obj"],
        topic=data["topic"],
        text=data["text"],
        title=data["title"],
        received_at=data["received_at"],
        receiving_agency=data["receiving_agency"],
        people_count=data["people_count"],
        attachments=data["attachments"],
        submitters=[services.SubmitterData(**people.forms[i].cleaned_data) for i in rows],
    )
    try:
        receipt = services.petition_receive(intake=petition, actor=user, case=case)
    except PetitionError as error:
        _put_intake_error(form, people, rows, error)
        return _render_intake(request, form, people, status=error.status)
    request.session[RECEIPT_KEY] = {
        "case": receipt.case.pk,
        "tracking_code": receipt.petition.tracking_code,
        "secret": receipt.secret,
    }
    messages.success(
        request,
        gettext("Petition received: tracking code %(code)s.")
        % {"code": receipt.petition.tracking_code},
    )
    return redirect("petitions:detail", pk=receipt.case.pk)


def _put_intake_error(form, people, rows: list[int], error: PetitionError) -> None:
    message = _message(error)
    parts = error.field.split(".")
    if parts[0] == "submitters" and len(parts) == 3 and parts[1].isdigit():
        index = int(parts[1])
        if index < len(rows) and parts[2] in forms.SubmitterForm.base_fields:
            people.forms[rows[index]].add_error(parts[2], message)
            return
    form.add_error(INTAKE_FIELDS.get(error.field), message)


def _render_intake(request, form, people, *, status: int = 200) -> HttpResponse:
    user = request.user
    day = form.day()
    context = {
        "form": form,
        "people": people,
        "units": forms.units_on(user, day),
        "next_row": people.total_form_count(),
        "max_rows": forms.MAX_SUBMITTER_ROWS,
        "similar": _similar_panel(
            user,
            form["text"].value() or "",
            form["unit"].value() or "",
            day,
            form["attach_to"].value(),
        ),
    }
    return render(request, "petitions/intake.html", context, status=status)


def _similar_panel(user, content: str, typed_unit: str, day: dt.date, chosen) -> dict:
    """Open cases like the typed text; the case already chosen stays offered (and chosen)."""
    chosen = str(chosen or "")
    results = []
    searched = len(vntext.fold(content)) >= SIMILAR_MIN_CHARS
    if searched:
        unit = forms.find_unit(user, typed_unit, day)
        found = selectors.similar_cases(user, content, unit=unit)
        results = [{"case": s.case, "score": s.score} for s in found]
    if chosen.isdigit() and chosen not in {str(r["case"].pk) for r in results}:
        try:
            results.append({"case": selectors.case_get_for_user(user, chosen), "score": None})
        except Http404:
            chosen = ""
    return {"results": results, "searched": searched, "chosen": chosen}


@login_required
@require_POST
def similar(request: HttpRequest) -> HttpResponse:
    """The similar-cases panel, refreshed as the clerk types (htmx)."""
    form = forms.IntakeForm(request.POST, user=request.user)
    panel = _similar_panel(
        request.user,
        request.POST.get("text", ""),
        request.POST.get("unit", ""),
        form.day(),
        request.POST.get("attach_to"),
    )
    return render(request, "petitions/_similar.html", {"similar": panel})


@login_required
@require_GET
def unit_options(request: HttpRequest) -> HttpResponse:
    """The locality choices valid on the typed receipt date (htmx, when the date changes)."""
    form = forms.IntakeForm(request.GET, user=request.user)
    units = forms.units_on(request.user, form.day())
    return render(request, "petitions/_unit_options.html", {"units": units})


@login_required
@require_GET
def submitter_row(request: HttpRequest) -> HttpResponse:
    """One more submitter row (htmx), with the formset's new total out of band."""
    try:
        index = int(request.GET.get("n", ""))
    except ValueError:
        return HttpResponseBadRequest(gettext("Which row?"))
    if not 0 <= index < forms.MAX_SUBMITTER_ROWS:
        return HttpResponseBadRequest(
            gettext("At most %(n)d submitters here; give the number of people instead.")
            % {"n": forms.MAX_SUBMITTER_ROWS}
        )
    row = forms.SubmitterForm(prefix=f"submitters-{index}")
    context = {
        "row": row,
        "index": index,
        "next_row": index + 1,
        "max_rows": forms.MAX_SUBMITTER_ROWS,
        "oob": True,
    }
    return render(request, "petitions/_submitter_row.html", context)


# --- the case page --------------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    name: str
    label: str
    form: type[forms.ActionForm]
    perform: Callable[..., Case]
    done: str
    fields: dict  # service field → form field


def _merge(*, case: Case, user, data: dict) -> Case:
    return services.case_merge(
        source=case, target=data["target"], actor=user, version=data["version"]
    )


ACTIONS = {
    action.name: action
    for action in [
        Action(
            "acknowledge",
            _("Acknowledge in writing"),
            forms.AcknowledgeForm,
            lambda *, case, user, data: services.case_acknowledge(
                case=case, actor=user, version=data["version"]
            ),
            _("The receipt was acknowledged."),
            {},
        ),
        Action(
            "accept",
            _("Accept"),
            forms.AcceptForm,
            lambda *, case, user, data: services.case_accept(
                case=case,
                actor=user,
                competent_agency=data["competent_agency"],
                is_complex=data["is_complex"],
                is_remote=data["is_remote"],
                version=data["version"],
            ),
            _("The case was accepted."),
            {"competent_agency": "competent_agency"},
        ),
        Action(
            "return",
            _("Return with guidance"),
            forms.ReturnForm,
            lambda *, case, user, data: services.case_return(
                case=case, actor=user, guidance=data["guidance"], version=data["version"]
            ),
            _("The petition was returned with guidance."),
            {"guidance": "guidance"},
        ),
        Action(
            "transfer",
            _("Transfer"),
            forms.TransferForm,
            lambda *, case, user, data: services.case_transfer(
                case=case,
                actor=user,
                to_agency=data["to_agency"],
                note=data["note"],
                version=data["version"],
            ),
            _("The case was transferred."),
            {"to_agency": "to_agency"},
        ),
        Action(
            "assign",
            _("Assign"),
            forms.AssignForm,
            lambda *, case, user, data: services.case_assign(
                case=case,
                actor=user,
                agency=data["agency"],
                handler=data["handler"],
                due=data["due"],
                version=data["version"],
            ),
            _("The case was assigned."),
            {"handler": "handler", "due": "due", "agency": "agency"},
        ),
        Action(
            "answer",
            _("Answer"),
            forms.AnswerForm,
            lambda *, case, user, data: services.case_answer(
                case=case,
                actor=user,
                answer=data["answer"],
                decision_reference=data["decision_reference"],
                is_final=data["is_final"],
                publish=data["publish"],
                version=data["version"],
            ),
            _("The answer was recorded."),
            {"answer": "answer"},
        ),
        Action(
            "extend",
            _("Extend the deadline"),
            forms.ExtendForm,
            lambda *, case, user, data: services.case_extend(
                case=case,
                actor=user,
                reason=data["reason"],
                decision_reference=data["decision_reference"],
                version=data["version"],
            ),
            _("The deadline was extended."),
            {"reason": "reason", "decision_reference": "decision_reference"},
        ),
        Action(
            "close",
            _("Close"),
            forms.CloseForm,
            lambda *, case, user, data: services.case_close(
                case=case, actor=user, note=data["note"], version=data["version"]
            ),
            _("The case was closed."),
            {},
        ),
        Action(
            "reopen",
            _("Reopen"),
            forms.ReopenForm,
            lambda *, case, user, data: services.case_reopen(
                case=case, actor=user, note=data["note"], version=data["version"]
            ),
            _("The case was reopened."),
            {"note": "note"},
        ),
        Action(
            "merge",
            _("Merge into another case"),
            forms.MergeForm,
            _merge,
            _("The case was merged."),
            {"target": "target"},
        ),
    ]
}

# What can be done to a case in each state (the services guard the same transitions).
STATE_ACTIONS = {
    Status.RECEIVED: ("acknowledge", "accept", "return", "transfer", "merge"),
    Status.TRANSFERRED: ("acknowledge", "accept", "merge"),
    Status.ACCEPTED: ("acknowledge", "assign", "answer", "transfer", "extend", "merge"),
    Status.ASSIGNED: ("acknowledge", "answer", "assign", "extend", "merge"),
    Status.ANSWERED: ("close", "reopen"),
    Status.RETURNED: ("close",),
    Status.CLOSED: ("reopen",),
}


def available_actions(user, case: Case) -> list[str]:
    """The actions offered to this user on this case now; a read-only role gets none."""
    if not policy.can_write(user) or case.merged_into_id:
        return []
    names = STATE_ACTIONS.get(case.status, ())
    if case.acknowledged_at:
        names = tuple(n for n in names if n != "acknowledge")
    if case.kind != Kind.DENUNCIATION or case.due is None:
        names = tuple(n for n in names if n != "extend")
    return list(names)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(request.user, pk)
    return _render_case(request, case)


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(f"No action {action!r}")
    user = request.user
    case = selectors.case_get_for_user(user, pk, write=True)
    form = spec.form(request.POST, user=user, case=case)
    if not form.is_valid():
        return _render_case(request, case, bound=form, action=action, status=422)
    if form.cleaned_data["version"] != case.version:
        return _conflict(request, case, form, action)
    if action not in available_actions(user, case):
        message = gettext("This action is not possible on a case that is %(status)s.") % {
            "status": case.get_status_display()
        }
        return _render_case(request, case, alert=message, status=409)
    try:
        changed = spec.perform(case=case, user=user, data=form.cleaned_data)
    except StaleVersion:
        return _conflict(request, selectors.case_get_for_user(user, pk), form, action)
    except PetitionError as error:
        form.add_error(spec.fields.get(error.field), _message(error))
        return _render_case(request, case, bound=form, action=action, status=error.status)
    messages.success(request, spec.done)
    return redirect("petitions:detail", pk=changed.pk)


def _conflict(request, case: Case, form, action: str) -> HttpResponse:
    """Someone changed the case first: show it as it is now, keep what was typed, 409."""
    message = gettext(
        "Someone else changed this case while you were working on it: it is now "
        "“%(status)s”. Check it below and try again."
    ) % {"status": case.get_status_display()}
    typed = {
        str(field.label): form.data.get(name, "")
        for name, field in form.fields.items()
        if isinstance(field, django_forms.CharField) and form.data.get(name, "").strip()
    }
    bound = None
    if action in available_actions(request.user, case):
        data = request.POST.copy()
        data["version"] = case.version  # resubmitting is now a decision taken on the new state
        bound = ACTIONS[action].form(data, user=request.user, case=case)
    return _render_case(
        request, case, bound=bound, action=action, alert=message, typed=typed, status=409
    )


ACTION_NAMES = {
    "received": _("Received"),
    "acknowledged": _("Acknowledged in writing"),
    "accepted": _("Accepted"),
    "returned": _("Returned with guidance"),
    "transferred": _("Transferred"),
    "assigned": _("Assigned"),
    "answered": _("Answered"),
    "extended": _("Deadline extended"),
    "closed": _("Closed"),
    "reopened": _("Reopened"),
    "merged_away": _("Merged into another case"),
    "merged_in": _("Another case merged in"),
    "petition_attached": _("Petition attached"),
}


def _status_label(value: str) -> str:
    return Status(value).label if value in Status.values else value


def _vn_date(iso: str | None) -> str:
    try:
        return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return iso or ""


def _event_details(event) -> list[str]:
    data = event.data or {}
    details = []
    if data.get("agency"):
        details.append(gettext("agency: %(v)s") % {"v": data["agency"]})
    if data.get("to_agency"):
        details.append(gettext("to: %(v)s") % {"v": data["to_agency"]})
    if data.get("handler"):
        details.append(gettext("handler: %(v)s") % {"v": data["handler"]})
    if data.get("due"):
        details.append(gettext("resolve by %(v)s") % {"v": _vn_date(data["due"])})
    if data.get("from") and data.get("to"):
        details.append(
            gettext("deadline %(old)s → %(new)s")
            % {"old": _vn_date(data["from"]), "new": _vn_date(data["to"])}
        )
    elif data.get("from"):
        details.append(gettext("from case %(v)s") % {"v": data["from"]})
    if data.get("into"):
        details.append(gettext("into case %(v)s") % {"v": data["into"]})
    if data.get("decision_reference"):
        details.append(gettext("decision %(v)s") % {"v": data["decision_reference"]})
    if data.get("tracking_code"):
        details.append(gettext("tracking code %(v)s") % {"v": data["tracking_code"]})
    return details


def _timeline(case: Case) -> list[dict]:
    return [
        {
            "at": event.at,
            "actor": event.actor,
            "action": ACTION_NAMES.get(event.action, event.action),
            "from": _status_label(event.from_status) if event.from_status else "",
            "to": _status_label(event.to_status) if event.to_status else "",
            "note": event.note,
            "details": _event_details(event),
        }
        for event in case.events.select_related("actor")
    ]


def _flag_reason(flag: flags.Flag, case: Case, petitions, on: dt.date) -> str:
    """The reason of a flag from flags.py, in the user's language (flags.py words it in English)."""
    if flag.code == "mass":
        return gettext("%(n)d people raised the same matter (5 or more)") % {"n": case.people}
    if flag.code == "prolonged" and case.reopened_after_final:
        return gettext("Pursued again after a final decision")
    if flag.code == "prolonged" and case.due:
        return gettext("Open %(days)d days past its deadline of %(due)s") % {
            "days": (on - case.due).days,
            "due": case.due.strftime("%d/%m/%Y"),
        }
    if flag.code == "over_level":
        count = sum(1 for petition in petitions if petition.over_level)
        return ngettext(
            "%(n)d petition was sent to a level above the competent body before it decided",
            "%(n)d petitions were sent to a level above the competent body before it decided",
            count,
        ) % {"n": count}
    return flag.reason


def _render_case(
    request,
    case: Case,
    *,
    bound=None,
    action: str = "",
    alert: str = "",
    typed: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    case = (  # reloaded with what the page shows; `case` came through the policy getter
        Case.objects.select_related(
            "unit",
            "topic",
            "receiving_agency",
            "competent_agency",
            "assigned_agency",
            "handler",
            "handling_leader",
            "merged_into",
        )
        .filter(pk=case.pk)
        .get()
    )
    on = today()
    receipt = request.session.get(RECEIPT_KEY)
    if receipt and receipt.get("case") == case.pk:
        del request.session[RECEIPT_KEY]  # the secret is shown once
    else:
        receipt = None
    petitions = case.petitions.select_related("topic", "receiving_agency", "unit").prefetch_related(
        "attachments"
    )
    actions = [
        {
            "name": name,
            "label": ACTIONS[name].label,
            "form": bound
            if bound is not None and name == action
            else ACTIONS[name].form(user=user, case=case),
            "open": bound is not None and name == action,
        }
        for name in available_actions(user, case)
    ]
    context = {
        "case": case,
        "deadline_state": _deadline_state(case, on, _due_soon_horizon(on)),
        "ack_state": "overdue"
        if case.is_open and not case.acknowledged_at and case.acknowledge_due < on
        else "",
        "accept_state": "overdue"
        if case.status in (Status.RECEIVED, Status.TRANSFERRED)
        and case.accept_due
        and case.accept_due < on
        else "",
        "flags": [
            (FLAG_LABELS.get(flag.code, flag.code), _flag_reason(flag, case, petitions, on))
            for flag in flags.case_flags(case, on=on)
        ],
        "petitions": petitions,
        "people": selectors.submitters_for(user, case, purpose="case page"),
        "files_visible": selectors.may_see_identity(user, case),
        "timeline": _timeline(case),
        "actions": actions,
        "alert": alert,
        "typed": typed or {},
        "receipt": receipt,
        "read_only": not policy.can_write(user),
    }
    return render(request, "petitions/detail.html", context, status=status)


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """A petition's file, to users who may see the case (and, for a denunciation, its
    denouncer: handwriting and personal papers are confidential too)."""
    case = selectors.case_get_for_user(request.user, pk)
    if not selectors.may_see_identity(request.user, case):
        raise policy.AccessDenied(gettext("The files of a denunciation are confidential."))
    found = Attachment.objects.filter(pk=attachment_id, petition__case=case).first()
    if found is None:
        raise Http404("No such attachment")
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type,
    )
