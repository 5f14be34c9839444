import datetime as dt

import pytest

from townhall.petitions import flags
from townhall.petitions.errors import PetitionError
from townhall.petitions.models import Case, Channel, Status
from townhall.reception import selectors, services
from townhall.reception.models import Action, ReceptionEvent, SessionKind

from .helpers import DAM_CHO, citizen, record_session, resident, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(cast):
    return record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)


def record(session, cast, **overrides):
    recorded = services.entry_record(
        session=session, visit=visit(**overrides), actor=cast.kim_thanh_clerk
    )
    return recorded.entry


def test_a_session_is_recorded_with_its_history(cast, session):
    assert session.kind == SessionKind.SCHEDULED
    assert not session.is_delegated
    event = ReceptionEvent.objects.get(session=session)
    assert event.action == "recorded"
    assert event.actor == cast.kim_thanh_leader


def test_an_accepted_visit_creates_a_reception_petition_and_accepts_the_case(cast, session):
    entry = record(session, cast)
    assert entry.number == 1
    petition = entry.petition
    assert petition.channel == Channel.RECEPTION
    assert petition.receiving_agency == cast.kim_thanh_committee
    assert petition.received_at.date() == dt.date(2022, 10, 4)
    assert petition.submitters.get().name == "Nguyễn Văn An"
    assert petition.case.status == Status.ACCEPTED
    assert [e.action for e in petition.case.events.all()] == ["received", "accepted"]
    assert ReceptionEvent.objects.filter(session=session, action="entry_recorded").exists()


def test_entries_are_numbered_within_their_session(cast, session):
    numbers = [record(session, cast, content=f"Nội dung số {i}").number for i in range(3)]
    other = record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, dt.date(2022, 10, 5))
    assert numbers == [1, 2, 3]
    assert record(other, cast).number == 1


def test_a_visit_returned_with_guidance_returns_the_case(cast, session):
    entry = record(
        session,
        cast,
        action=Action.RETURNED_WITH_GUIDANCE,
        guidance="Đề nghị gửi đơn đến Tòa án nhân dân huyện Kim Thành.",
    )
    case = entry.petition.case
    assert case.status == Status.RETURNED
    assert case.answer.startswith("Đề nghị gửi đơn")


def test_a_transferred_visit_transfers_the_case(cast, session):
    entry = record(session, cast, action=Action.TRANSFERRED, transferred_to=cast.phu_thai_committee)
    case = entry.petition.case
    assert case.status == Status.TRANSFERRED
    assert case.competent_agency == cast.phu_thai_committee
    assert entry.transferred_to == cast.phu_thai_committee


def test_a_visit_can_attach_to_an_existing_similar_case(cast, session):
    first = record(session, cast)
    offered = selectors_similar(cast, DAM_CHO)
    assert [s.case for s in offered] == [first.petition.case]
    second = services.entry_record(
        session=session,
        visit=visit(citizens=[citizen("Trần Thị Bình", id_number="030080009999")]),
        actor=cast.kim_thanh_clerk,
        case=first.petition.case,
    ).entry
    case = Case.objects.get(pk=first.petition.case_id)
    assert second.petition.case == case
    assert case.petitions.count() == 2
    assert case.status == Status.ACCEPTED  # already accepted; attaching does not re-accept


def selectors_similar(cast, content):
    from townhall.petitions.selectors import similar_cases

    return similar_cases(cast.kim_thanh_clerk, content)


def test_a_group_visit_of_12_people_with_3_representatives_is_a_mass_case(cast, session):
    entry = record(
        session,
        cast,
        is_group=True,
        people_count=12,
        citizens=[resident(1), resident(2), resident(3)],
    )
    assert entry.is_group and entry.people_count == 12
    petition = entry.petition
    assert petition.people_count == 12
    assert list(petition.submitters.values_list("is_representative", flat=True)) == [True] * 3
    codes = [f.code for f in flags.case_flags(petition.case)]
    assert "mass" in codes


# --- bad input --------------------------------------------------------------------------------
def test_a_session_outside_the_heads_jurisdiction_is_refused(cast):
    with pytest.raises(PetitionError, match="no jurisdiction over") as refused:
        record_session(cast.kim_thanh_committee, cast.chi_linh_leader)
    assert refused.value.field == "received_by"
    assert refused.value.status == 422


def test_a_delegated_session_without_the_delegate_is_refused(cast):
    with pytest.raises(PetitionError, match="names the delegate") as refused:
        record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, is_delegated=True)
    assert refused.value.field == "delegate"


def test_a_delegate_from_another_district_is_refused(cast):
    with pytest.raises(PetitionError) as refused:
        record_session(
            cast.kim_thanh_committee,
            cast.kim_thanh_leader,
            is_delegated=True,
            delegate=cast.chi_linh_leader,
        )
    assert refused.value.field == "delegate"


def test_a_delegated_session_records_the_delegate(cast):
    session = record_session(
        cast.kim_thanh_committee,
        cast.kim_thanh_leader,
        is_delegated=True,
        delegate=cast.kim_thanh_handler,
    )
    assert session.is_delegated and session.delegate == cast.kim_thanh_handler


def test_an_unscheduled_session_needs_its_reason(cast):
    with pytest.raises(PetitionError) as refused:
        record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, kind="unscheduled")
    assert refused.value.field == "reason"
    session = record_session(
        cast.kim_thanh_committee, cast.kim_thanh_leader, kind="unscheduled", reason="mass"
    )
    assert session.reason == "mass"


def test_a_session_in_the_future_or_after_the_unit_ceased_is_refused(cast):
    with pytest.raises(PetitionError, match="on or after the day") as future:
        record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, dt.date(2099, 1, 1))
    assert future.value.field == "date"
    with pytest.raises(PetitionError, match="was not an administrative unit") as gone:
        record_session(cast.kim_thanh_committee, cast.kim_thanh_leader, dt.date(2025, 7, 2))
    assert gone.value.field == "date"


@pytest.mark.parametrize("content", ["", "   ", "\u200b"])
def test_an_entry_with_no_content_is_refused(cast, session, content):
    with pytest.raises(PetitionError, match="content") as refused:
        record(session, cast, content=content)
    assert refused.value.field == "content"
    assert not session.entries.exists()


def test_a_group_visit_without_representatives_is_refused(cast, session):
    with pytest.raises(PetitionError, match="representative") as refused:
        record(session, cast, is_group=True, people_count=12, citizens=[])
    assert refused.value.field == "representatives"


def test_a_visit_with_nobody_recorded_is_refused(cast, session):
    with pytest.raises(PetitionError) as refused:
        record(session, cast, citizens=[])
    assert refused.value.field == "citizens"


def test_a_group_smaller_than_its_representatives_is_refused(cast, session):
    with pytest.raises(PetitionError) as refused:
        record(
            session, cast, is_group=True, people_count=2, citizens=[resident(i) for i in (1, 2, 3)]
        )
    assert refused.value.field == "people_count"


def test_a_transfer_without_an_agency_is_refused(cast, session):
    with pytest.raises(PetitionError) as refused:
        record(session, cast, action=Action.TRANSFERRED)
    assert refused.value.field == "transferred_to"


def test_a_return_without_guidance_is_refused(cast, session):
    with pytest.raises(PetitionError) as refused:
        record(session, cast, action=Action.RETURNED_WITH_GUIDANCE, guidance=" ")
    assert refused.value.field == "guidance"


def test_a_bad_id_number_names_the_citizen_field(cast, session):
    with pytest.raises(PetitionError, match="9 digits") as refused:
        record(session, cast, citizens=[citizen(id_number="123")])
    assert refused.value.field == "citizens.0.id_number"
    assert not Case.objects.exists()


def test_a_follow_up_is_written_later(cast, session):
    entry = record(session, cast)
    entry = services.entry_follow_up(
        entry=entry, actor=cast.kim_thanh_clerk, follow_up="Đã trả lời ngày 20/10/2022"
    )
    assert entry.follow_up == "Đã trả lời ngày 20/10/2022"
    with pytest.raises(PetitionError):
        services.entry_follow_up(entry=entry, actor=cast.kim_thanh_clerk, follow_up="")


def test_the_register_is_visible_only_inside_the_jurisdiction(cast, session):
    entry = record(session, cast)
    assert list(selectors.entries_visible_to(cast.kim_thanh_clerk)) == [entry]
    assert list(selectors.entries_visible_to(cast.province_inspector)) == [entry]
    assert list(selectors.entries_visible_to(cast.administrator)) == [entry]
    assert not selectors.entries_visible_to(cast.chi_linh_leader).exists()
    assert not selectors.sessions_visible_to(cast.chi_linh_leader).exists()
    assert not selectors.sessions_visible_to(cast.front_officer).exists()
