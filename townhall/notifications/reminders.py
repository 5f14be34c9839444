"""Due-soon reminders for handlers and overdue escalations for leaders, queued in the outbox.

Both are derived from the cases on a given day and are idempotent through `dedupe_key`: run them
every minute, from two crons at once, or again after a crash, and each reminder or escalation
is queued once (the unique key makes a concurrent second insert a no-op).

* Due soon: an open case whose deadline `due` falls between `on` and `DUE_SOON_WORKING_DAYS`
  (3) working days after it (the same window as the "due soon" worklist), with an active
  handler who has an email address → one email to that handler, keyed by case, deadline and
  handler: an extension (a new deadline) or a new handler gets a new reminder, nothing else does.
* Overdue: an open case past `due` → one email per overdue *week* to each person answerable
  for it, keyed by case, deadline, week and person. Week 1 is days 1–7 late, week 2 days 8–14…,
  so the first escalation goes out on the first day late (or the first tick after it, if the
  worker was down) and then once a week while it stays overdue — a daily email would be ignored.
  An extension starts a new series for the new deadline. Answerable is the case's
  `handling_leader`; if none, the head of the competent agency (the receiving agency before
  one is decided); if it has no head on record, its members with the leader role.

Both skip merged cases and people without an email or no longer active.
"""

import datetime as dt

from django.db.models import QuerySet

from townhall.accounts.models import Role, User
from townhall.core import calendar
from townhall.core.dates import format_vn, today
from townhall.petitions.models import OPEN_STATUSES, Case
from townhall.petitions.selectors import DUE_SOON_WORKING_DAYS

from .models import Notification
from .services import notification_queue

DUE_SOON = "due_soon"
OVERDUE = "overdue"
_CHUNK = 500


def _open_cases() -> QuerySet[Case]:
    return Case.objects.filter(
        status__in=OPEN_STATUSES, merged_into__isnull=True, due__isnull=False
    ).order_by("due", "pk")


def _reachable(user: User | None) -> bool:
    return bool(user and user.is_active and user.email)


def _queue_new(messages: list[dict]) -> int:
    """Queue the messages whose key is not in the outbox yet; how many were queued.

    Known keys are filtered out first so that a tick every minute does not attempt (and roll
    back) thousands of duplicate inserts; the unique key still settles a race with another tick.
    """
    queued = 0
    for start in range(0, len(messages), _CHUNK):
        chunk = messages[start : start + _CHUNK]
        known = set(
            Notification.objects.filter(
                dedupe_key__in=[m["dedupe_key"] for m in chunk]
            ).values_list("dedupe_key", flat=True)
        )
        for message in chunk:
            if message["dedupe_key"] not in known:
                queued += notification_queue(channel="email", **message) is not None
    return queued


def queue_due_soon_reminders(*, on: dt.date | None = None) -> int:
    """Queue the handlers' reminders for cases due within 3 working days of `on`; how many new."""
    on = on or today()
    horizon = calendar.add_working_days(on, DUE_SOON_WORKING_DAYS)
    cases = (
        _open_cases()
        .filter(due__gte=on, due__lte=horizon, handler__is_active=True)
        .exclude(handler__email="")
        .select_related("handler")
    )
    messages = []
    for case in cases:
        left = calendar.working_days_between(on, case.due)
        when = "hôm nay" if left == 0 else f"còn {left} ngày làm việc"
        messages.append(
            {
                "recipient": case.handler.email,
                "subject": f"Townhall: vụ việc {case.reference} sắp đến hạn {format_vn(case.due)}",
                "body": (
                    f"Vụ việc {case.reference} ({case.title}) phải giải quyết xong trước "
                    f"{format_vn(case.due)} ({when})."
                ),
                "purpose": DUE_SOON,
                "dedupe_key": f"{DUE_SOON}:{case.pk}:{case.due.isoformat()}:{case.handler_id}",
                "case": case,
            }
        )
    return _queue_new(messages)


def overdue_week(due: dt.date, on: dt.date) -> int:
    """1 for days 1–7 past `due`, 2 for days 8–14, …; 0 when not overdue."""
    late = (on - due).days
    return (late - 1) // 7 + 1 if late > 0 else 0


def answerable_for(case: Case, *, leaders_by_agency: dict | None = None) -> list[User]:
    """Who an overdue case is escalated to (see the module docstring), reachable by email."""
    if _reachable(case.handling_leader):
        return [case.handling_leader]
    agency = case.competent_agency or case.receiving_agency
    if _reachable(agency.head):
        return [agency.head]
    cache = leaders_by_agency if leaders_by_agency is not None else {}
    if agency.pk not in cache:
        cache[agency.pk] = list(
            User.objects.filter(memberships__agency=agency, role=Role.LEADER, is_active=True)
            .exclude(email="")
            .order_by("pk")
        )
    return cache[agency.pk]


def queue_overdue_escalations(*, on: dt.date | None = None) -> int:
    """Queue this week's escalation of every case open past its deadline on `on`; how many new."""
    on = on or today()
    cases = (
        _open_cases()
        .filter(due__lt=on)
        .select_related(
            "handling_leader", "competent_agency__head", "receiving_agency__head", "handler"
        )
    )
    leaders: dict = {}
    messages = []
    for case in cases:
        late = (on - case.due).days
        week = overdue_week(case.due, on)
        handler = f"; cán bộ xử lý: {case.handler}" if case.handler else ""
        messages.extend(
            {
                "recipient": person.email,
                "subject": f"Townhall: vụ việc {case.reference} quá hạn {late} ngày",
                "body": (
                    f"Vụ việc {case.reference} ({case.title}) đã quá hạn giải quyết "
                    f"{format_vn(case.due)} {late} ngày{handler}."
                ),
                "purpose": OVERDUE,
                "dedupe_key": f"{OVERDUE}:{case.pk}:{case.due.isoformat()}:w{week}:{person.pk}",
                "case": case,
            }
            for person in answerable_for(case, leaders_by_agency=leaders)
        )
    return _queue_new(messages)
