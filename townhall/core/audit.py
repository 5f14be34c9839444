"""The audit trail an inspector searches: reads of denouncers' identities and case changes.

Both sources are append-only tables written by the petitions app: `ConfidentialRead` (every
entitled read of a denouncer's identity, Law on Denunciations 2018, Art. 9 and 56) and
`CaseEvent` (every transition of a case: who, when, from which status to which). This page only
reads them, scoped to the cases the user may see (`cases_visible_to`), and only inspectors and
administrators may open it.
"""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import CharField, F, QuerySet, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from townhall.accounts.models import Role
from townhall.petitions.models import CaseEvent, ConfidentialRead, Status
from townhall.petitions.selectors import cases_visible_to

from . import fields

PAGE_SIZE = 50
READ = "confidential_read"  # the "action" of a ConfidentialRead row in this list
AUDIT_ROLES = frozenset({Role.INSPECTOR, Role.ADMINISTRATOR})
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
COLUMNS = ("kind", "at", "username", "reference", "case_id", "action", "purpose", "from_status")


def may_audit(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in AUDIT_ROLES)
    )


def _date_field(label) -> forms.DateField:
    return fields.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"placeholder": _("dd/mm/yyyy"), "inputmode": "numeric"}
        ),
        error_messages={"invalid": _("Write the date as dd/mm/yyyy.")},
    )


class AuditFilter(forms.Form):
    user = forms.CharField(label=_("User name"), max_length=150, required=False)
    case = forms.CharField(label=_("Case reference"), max_length=24, required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    start = _date_field(_("From"))
    end = _date_field(_("To"))

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            ("", _("Any action")),
            (READ, _("Read of a denouncer's identity")),
            *[(a, a) for a in actions],
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return data


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(
    user,
    *,
    username: str = "",
    reference: str = "",
    action: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet:
    """Reads and events of the cases `user` may see, newest first, as dicts with COLUMNS (+
    `to_status`, `id`); both dates inclusive, in local time."""
    visible = cases_visible_to(user).values("pk")
    reads = ConfidentialRead.objects.filter(case__in=visible)
    events = CaseEvent.objects.filter(case__in=visible)
    if username:
        reads = reads.filter(user__username__iexact=username)
        events = events.filter(actor__username__iexact=username)
    if reference:
        reads = reads.filter(case__reference__icontains=reference)
        events = events.filter(case__reference__icontains=reference)
    if start:
        reads = reads.filter(at__gte=_day_start(start))
        events = events.filter(at__gte=_day_start(start))
    if end:
        reads = reads.filter(at__lt=_day_start(end + dt.timedelta(days=1)))
        events = events.filter(at__lt=_day_start(end + dt.timedelta(days=1)))
    text = CharField()
    reads = reads.order_by().values_list(
        Value("read", output_field=text),
        "at",
        F("user__username"),
        F("case__reference"),
        "case_id",
        Value(READ, output_field=text),
        "purpose",
        Value("", output_field=text),
        Value("", output_field=text),
        "id",
    )
    events = events.order_by().values_list(
        Value("event", output_field=text),
        "at",
        F("actor__username"),
        F("case__reference"),
        "case_id",
        "action",
        Value("", output_field=text),
        "from_status",
        "to_status",
        "id",
    )
    if action == READ:
        return reads.order_by("-at", "-id")
    if action:
        return events.filter(action=action).order_by("-at", "-id")
    return reads.union(events, all=True).order_by("-at", "-id")


def _as_row(values: tuple) -> dict:
    kind, at, username, reference, case_id, action, purpose, from_status, to_status, pk = values
    return {
        "kind": kind,
        "at": at,
        "username": username,
        "reference": reference,
        "case_id": case_id,
        "action": action,
        "purpose": purpose,
        "from_status": from_status,
        "to_status": to_status,
        "from_label": _status_label(from_status),
        "to_label": _status_label(to_status),
        "id": pk,
    }


def _status_label(value: str) -> str:
    return Status(value).label if value in Status.values else value


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_audit(user):
        raise PermissionDenied("Only inspectors and administrators search the audit trail.")
    actions = list(CaseEvent.objects.order_by("action").values_list("action", flat=True).distinct())
    form = AuditFilter(request.GET or None, actions=actions)
    status = 200
    filters = {}
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            filters = {
                "username": data["user"].strip(),
                "reference": data["case"].strip(),
                "action": data["action"],
                "start": data["start"],
                "end": data["end"],
            }
        else:
            status = 400
    entries = audit_entries(user, **filters) if status == 200 else ConfidentialRead.objects.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_as_row(values) for values in page.object_list] if status == 200 else []
    return render(
        request,
        "core/audit.html",
        {"form": form, "page": page, "rows": rows, "read_action": READ},
        status=status,
    )
