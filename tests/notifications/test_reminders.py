import datetime as dt
import io
import os
import signal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tests.cast import make_user
from tests.petitions.helpers import DAM_CHO, intake
from townhall.accounts.models import Role
from townhall.core import calendar
from townhall.notifications import reminders, worker
from townhall.notifications.models import Notification, State
from townhall.notifications.reminders import (
    overdue_week,
    queue_due_soon_reminders,
    queue_overdue_escalations,
)
from townhall.petitions import services
from townhall.petitions.models import Case

pytestmark = pytest.mark.django_db

HANDLER_EMAIL = "handler.kt@kimthanh.example"
LEADER_EMAIL = "leader.kt@kimthanh.example"


def recipients(purpose):
    return sorted((n.recipient, n.dedupe_key) for n in Notification.objects.filter(purpose=purpose))


def tick(*args) -> str:
    out = io.StringIO()
    call_command("tick", *args, stdout=out)
    return out.getvalue().strip()


# --- due soon -------------------------------------------------------------------------------
def test_the_handler_is_reminded_once_per_deadline(assigned_case):
    due = assigned_case.due
    on = due - dt.timedelta(days=1)
    assert queue_due_soon_reminders(on=on) == 1
    assert queue_due_soon_reminders(on=on) == 0
    assert queue_due_soon_reminders(on=due) == 0  # the next day: same deadline, same reminder
    [reminder] = Notification.objects.filter(purpose=reminders.DUE_SOON)
    assert reminder.recipient == HANDLER_EMAIL and reminder.case_id == assigned_case.pk
    assert assigned_case.reference in reminder.body and reminder.channel == "email"


def test_the_reminder_window_is_three_working_days(assigned_case):
    due = assigned_case.due
    # The last day from which the deadline is more than 3 working days away:
    on = due - dt.timedelta(days=1)
    while calendar.add_working_days(on, 3) >= due:
        on -= dt.timedelta(days=1)
    assert queue_due_soon_reminders(on=on) == 0
    assert queue_due_soon_reminders(on=on + dt.timedelta(days=1)) == 1


def test_an_extension_gets_a_new_reminder_and_a_closed_case_none(cast, assigned_case):
    queue_due_soon_reminders(on=assigned_case.due)
    Case.objects.filter(pk=assigned_case.pk).update(due=assigned_case.due + dt.timedelta(days=7))
    assert queue_due_soon_reminders(on=assigned_case.due + dt.timedelta(days=7)) == 1
    services.case_answer(case=assigned_case, actor=cast.kim_thanh_handler, answer="Đã giải quyết")
    Notification.objects.all().delete()
    assert queue_due_soon_reminders(on=assigned_case.due) == 0


def test_no_reminder_without_a_handler_email(cast, assigned_case):
    cast.kim_thanh_handler.email = ""
    cast.kim_thanh_handler.save(update_fields=["email"])
    assert queue_due_soon_reminders(on=assigned_case.due) == 0


# --- overdue --------------------------------------------------------------------------------
def test_overdue_weeks():
    due = dt.date(2026, 3, 2)
    weeks = [overdue_week(due, due + dt.timedelta(days=d)) for d in (-1, 0, 1, 7, 8, 14, 15)]
    assert weeks == [0, 0, 1, 1, 2, 2, 3]


def test_an_overdue_case_is_escalated_once_a_week_to_its_handling_leader(cast, assigned_case):
    leader = cast.kim_thanh_leader
    leader.email = LEADER_EMAIL
    leader.save(update_fields=["email"])
    Case.objects.filter(pk=assigned_case.pk).update(handling_leader=leader)
    due = assigned_case.due
    assert queue_overdue_escalations(on=due) == 0  # due today is not late
    assert queue_overdue_escalations(on=due + dt.timedelta(days=1)) == 1
    assert queue_overdue_escalations(on=due + dt.timedelta(days=1)) == 0
    assert queue_overdue_escalations(on=due + dt.timedelta(days=7)) == 0
    assert queue_overdue_escalations(on=due + dt.timedelta(days=8)) == 1
    sent = recipients(reminders.OVERDUE)
    assert [r for r, _ in sent] == [LEADER_EMAIL, LEADER_EMAIL]
    assert [k.split(":")[3] for _, k in sent] == ["w1", "w2"]


def test_without_a_handling_leader_the_agency_head_then_its_leaders_are_told(cast, assigned_case):
    agency = cast.kim_thanh_committee
    late = assigned_case.due + dt.timedelta(days=3)
    # Neither a handling leader nor a head: the agency's members with the leader role.
    cast.kim_thanh_leader.email = LEADER_EMAIL
    cast.kim_thanh_leader.save(update_fields=["email"])
    assert assigned_case.handling_leader is None and agency.head is None
    assert queue_overdue_escalations(on=late) == 1
    assert [r for r, _ in recipients(reminders.OVERDUE)] == [LEADER_EMAIL]
    # A head on record takes precedence.
    head = make_user("chairman.kt", Role.LEADER, agency)
    head.email = "chairman@kimthanh.example"
    head.save(update_fields=["email"])
    agency.head = head
    agency.save(update_fields=["head"])
    assert queue_overdue_escalations(on=late) == 1
    assert "chairman@kimthanh.example" in [r for r, _ in recipients(reminders.OVERDUE)]


def test_an_overdue_case_nobody_can_be_emailed_about_queues_nothing(assigned_case):
    assert queue_overdue_escalations(on=assigned_case.due + dt.timedelta(days=2)) == 0


# --- the tick command -----------------------------------------------------------------------
def test_tick_queues_once_delivers_and_prints_a_summary(cast, assigned_case, sms_outbox):
    cast.kim_thanh_leader.email = LEADER_EMAIL
    cast.kim_thanh_leader.save(update_fields=["email"])
    # Due in one day for the reminder, and a second case past due for the escalation.
    other = intake(cast.kim_thanh_committee, text=DAM_CHO.replace("Đầm Chợ", "Cổ Dũng"))
    late_case = services.petition_receive(intake=other, actor=cast.kim_thanh_clerk).case
    late_case = services.case_accept(case=late_case, actor=cast.kim_thanh_leader)
    on = assigned_case.due - dt.timedelta(days=1)
    Case.objects.filter(pk=late_case.pk).update(due=on - dt.timedelta(days=2))

    first = tick("--date", on.isoformat())
    # 2 SMS tracking codes + the handler's assignment email + 1 reminder + 1 escalation
    assert first == f"tick {on.isoformat()}: reminders=1 escalations=1 sent=5 failed=0 retried=0"
    assert len(sms_outbox) == 2
    assert sorted(m.to[0] for m in mail.outbox) == [HANDLER_EMAIL, HANDLER_EMAIL, LEADER_EMAIL]

    second = tick("--date", on.isoformat())
    assert second == f"tick {on.isoformat()}: reminders=0 escalations=0 sent=0 failed=0 retried=0"
    assert Notification.objects.exclude(state=State.SENT).count() == 0
    assert len(mail.outbox) == 3


def test_tick_uses_today_in_vietnam(monkeypatch):
    monkeypatch.setattr(worker, "local_today", lambda: dt.date(2026, 2, 17))
    assert tick().startswith("tick 2026-02-17: reminders=0 escalations=0 sent=0")


def test_tick_refuses_bad_options():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        tick("--date", "17/02/2026")
    with pytest.raises(CommandError, match="--loop"):
        tick("--loop", "0")


def test_the_loop_stops_cleanly_on_sigterm(monkeypatch):
    ticks = []

    def one_tick(**kw):
        ticks.append(kw)
        if len(ticks) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # as systemd or docker stop would
        return worker.TickReport(on=dt.date(2026, 2, 17))

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(worker, "tick_once", one_tick)
    out = tick("--loop", "0.01", "-v", "2")
    assert len(ticks) == 2
    assert out.splitlines()[0].startswith("tick: worker started, every 0.01 s")
    assert out.splitlines()[-1] == "tick: worker stopped after 2 tick(s)"
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_loop_survives_a_failed_tick(monkeypatch):
    calls = []

    def flaky_tick(**kw):
        calls.append(kw)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        os.kill(os.getpid(), signal.SIGINT)
        return worker.TickReport(on=dt.date(2026, 2, 17))

    monkeypatch.setattr(worker, "tick_once", flaky_tick)
    assert tick("--loop", "0.01").endswith("stopped after 2 tick(s)")
