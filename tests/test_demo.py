import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import TestCase

from tests.reports.demo_figures import DemoFiguresChecks
from townhall.accounts.models import User
from townhall.dialogues.models import (
    Conclusion,
    Conference,
    ConferenceEvent,
    Directive,
    DirectiveEvent,
    DirectiveStatus,
    Opinion,
    Outcome,
    Status,
)
from townhall.dialogues.selectors import conference_summary
from townhall.notifications.models import Notification
from townhall.petitions.flags import case_flags
from townhall.petitions.models import Case, CaseEvent, Channel, Petition
from townhall.petitions.models import Status as CaseStatus
from townhall.reception.models import Action, ReceptionSession, RegisterEntry, SessionKind
from townhall.units.models import Agency

PHU_THAI = "Hội nghị đối thoại giữa Bí thư Huyện ủy Kim Thành với nhân dân thị trấn Phú Thái"
CO_DUNG = "Hội nghị đối thoại giữa Bí thư Huyện ủy Kim Thành với nhân dân xã Cổ Dũng"


def counts():
    return tuple(
        model.objects.count()
        for model in (
            User,
            Agency,
            Case,
            Petition,
            CaseEvent,
            Conference,
            Opinion,
            Conclusion,
            Directive,
            ConferenceEvent,
            DirectiveEvent,
            ReceptionSession,
            RegisterEntry,
            Notification,
        )
    )


@pytest.mark.long
class TestDemo(DemoFiguresChecks, TestCase):
    """The demo is built once for the class (it creates thousands of records through the
    services); each test reads it, and one runs it a second time. The checks of the seed
    article's figures through the reports API (`DemoFiguresChecks`) share this one build."""

    @classmethod
    def setUpTestData(cls):
        out = io.StringIO()
        call_command("demo", stdout=out)
        cls.output = out.getvalue()

    def test_the_demo_builds_once_and_a_second_run_neither_duplicates_nor_fails(self):
        first = counts()
        assert "bithu.kimthanh" in self.output
        assert "password:" in self.output
        again = io.StringIO()
        call_command("demo", stdout=again)
        assert counts() == first
        # One line per story, the same on both runs.
        stories = [line for line in self.output.splitlines() if line.startswith("  story:")]
        assert len(stories) == 4
        assert stories == [line for line in again.getvalue().splitlines() if "story:" in line]

    def test_the_phu_thai_residents_petitions_form_one_mass_case(self):
        case = Case.objects.get(title__contains="Đầm Chợ")
        # Seven residents by mail, and the same matter collected for the dialogue.
        assert case.petitions.filter(channel=Channel.MAIL).count() == 7
        assert case.petitions.filter(channel=Channel.DIALOGUE_BEFORE).count() == 1
        assert {f.code for f in case_flags(case)} >= {"mass", "over_level"}

    def test_the_phu_thai_dialogue_is_closed_with_most_opinions_answered_at_it(self):
        conference = Conference.objects.get(title=PHU_THAI)
        assert conference.status == Status.CLOSED
        assert conference.host_agency.name == "Huyện ủy Kim Thành"
        assert conference.host_level == "district"
        assert conference.starts_on == dt.date(2022, 12, 28)
        chair = conference.chairings.get(role="chair")
        assert chair.user.username == "bithu.kimthanh"
        announced = conference.events.get(action="announced")
        assert announced.data["notice_days"] >= 7 and "warning" not in announced.data

        s = conference_summary(conference)
        assert (s.opinions_total, s.answered_at_conference, s.answered_later) == (7, 5, 2)
        assert (s.pending, s.overdue) == (0, 0)
        assert s.answered_at_conference > s.opinions_total / 2
        assert (s.directives_total, s.directives_done_on_time, s.directives_done_late) == (3, 3, 0)
        assert (s.directives_open, s.directives_overdue) == (0, 0)

        mass = Case.objects.get(title__contains="Đầm Chợ")
        assert list(conference.hotspot_cases.all()) == [mass]
        assert mass.status == CaseStatus.CLOSED
        assert "đồng thuận" in mass.answer
        dam_cho = conference.opinions.get(petition__case=mass)
        assert dam_cho.collected_by.name == "Ủy ban MTTQ Việt Nam huyện Kim Thành"
        assert dam_cho.outcome == Outcome.DEFERRED
        deferred = conference.opinions.filter(outcome=Outcome.DEFERRED)
        assert {o.assignee.name for o in deferred} == {
            "Phòng Tài nguyên và Môi trường huyện Kim Thành"
        }
        assert all(o.deadline >= conference.starts_on for o in deferred)

        conclusion = conference.conclusion
        assert conclusion.signed_by.username == "bithu.kimthanh" and not conclusion.published_late
        directives = list(conclusion.directives.order_by("number"))
        assert directives[0].text.startswith("Làm việc với chủ đầu tư khu dân cư Đầm Chợ")
        assert {d.status for d in directives} == {DirectiveStatus.VERIFIED}
        assert all(not d.done_late for d in directives)

    def test_the_co_dung_dialogue_is_ready_with_every_answer_prepared(self):
        conference = Conference.objects.get(title=CO_DUNG)
        assert conference.status == Status.READY
        assert conference.starts_on == dt.date(2023, 9, 28)
        opinions = list(conference.opinions.select_related("collected_by", "prepare_agency"))
        assert len(opinions) >= 3
        assert all(o.is_prepared and o.prepared_answer for o in opinions)
        assert all(o.prepare_by < conference.starts_on for o in opinions)
        assert all(o.outcome == Outcome.PENDING for o in opinions)
        assert {o.petition.channel for o in opinions} == {Channel.DIALOGUE_BEFORE}
        assert {o.collected_by.name for o in opinions} == {
            "Ủy ban MTTQ Việt Nam xã Cổ Dũng",
            "Ủy ban nhân dân xã Cổ Dũng",
        }
        front = [o for o in opinions if o.collected_by.name == "Ủy ban MTTQ Việt Nam xã Cổ Dũng"]
        assert {o.petition.created_by.username for o in front} == {"mttq.codung"}
        assert conference.events.get(action="ready").data == {"unprepared": 0}
        s = conference_summary(conference)
        assert (s.opinions_total, s.pending, s.answered_at_conference) == (
            len(opinions),
            len(opinions),
            0,
        )

    def test_the_provincial_secretary_s_field_visits_accept_the_compensation_matters(self):
        visits = ReceptionSession.objects.filter(kind=SessionKind.FIELD_VISIT).order_by("date")
        assert [v.received_by.username for v in visits] == ["bithu.tinh", "bithu.tinh"]
        assert {v.agency.name for v in visits} == {"Tỉnh ủy Hải Dương"}
        communes = []
        for visit in visits:
            entry = visit.entries.get()
            assert entry.action == Action.ACCEPTED and entry.is_group
            case = entry.petition.case
            assert case.topic.code == "compensation"
            assert case.status == CaseStatus.ACCEPTED
            assert case.petitions.count() == 2  # the households' petition, then the visit
            assert entry.petition.channel == Channel.RECEPTION
            communes.append(entry.petition.unit.name)
        assert communes == ["Xã Cẩm Hưng", "Xã Cẩm Chế"]
