import datetime as dt

import pytest

from townhall.notifications.models import Notification
from townhall.petitions import flags, selectors, services
from townhall.petitions.errors import PetitionError, StaleVersion, TransitionNotAllowed
from townhall.petitions.models import Case, CaseEvent, Status, Submitter

from .helpers import DAM_CHO, at, intake, resident

pytestmark = pytest.mark.django_db


def receive(cast, **kw):
    return services.petition_receive(
        intake=intake(cast.kim_thanh_committee, **kw), actor=cast.kim_thanh_clerk
    )


def test_a_petition_walks_from_intake_to_closed(cast):
    receipt = receive(cast)
    case = receipt.case
    assert case.status == Status.RECEIVED
    assert receipt.petition.tracking_code.startswith("TH-")
    assert len(receipt.secret) == 6
    # 10 working days from Monday 03/10/2022 → Monday 17/10/2022
    assert case.acknowledge_due == dt.date(2022, 10, 17)
    case = services.case_acknowledge(case=case, actor=cast.kim_thanh_clerk)
    case = services.case_accept(case=case, actor=cast.kim_thanh_leader)
    assert case.status == Status.ACCEPTED and case.due is not None
    case = services.case_assign(
        case=case,
        actor=cast.kim_thanh_leader,
        agency=cast.kim_thanh_committee,
        handler=cast.kim_thanh_handler,
    )
    assert case.status == Status.ASSIGNED
    case = services.case_answer(
        case=case,
        actor=cast.kim_thanh_handler,
        answer="Đã đo đạc lại ranh giới, thống nhất với các hộ.",
        decision_reference="123/QĐ-UBND",
        is_final=True,
    )
    case = services.case_close(case=case, actor=cast.kim_thanh_leader)
    assert case.status == Status.CLOSED
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["received", "acknowledged", "accepted", "assigned", "answered", "closed"]
    statuses = list(CaseEvent.objects.filter(case=case).values_list("to_status", flat=True))
    assert statuses[-1] == Status.CLOSED
    purposes = set(Notification.objects.filter(case=case).values_list("purpose", flat=True))
    assert {"tracking_code", "acknowledgement", "answer"} <= purposes


def test_a_transition_not_allowed_from_the_current_state_is_refused(cast):
    case = receive(cast).case
    with pytest.raises(TransitionNotAllowed, match="Cannot answer a case that is received"):
        services.case_answer(case=case, actor=cast.kim_thanh_leader, answer="x")
    case.refresh_from_db()
    assert case.status == Status.RECEIVED
    assert case.events.count() == 1


def test_a_stale_version_is_a_conflict_with_the_current_state(cast):
    case = receive(cast).case
    services.case_accept(case=case, actor=cast.kim_thanh_leader, version=case.version)
    with pytest.raises(StaleVersion) as conflict:
        services.case_return(
            case=case, actor=cast.kim_thanh_leader, guidance="x", version=case.version
        )
    assert conflict.value.current == {"status": "accepted", "version": 2}


def test_denunciation_extensions_are_capped_at_two(cast):
    case = receive(cast, kind="denunciation").case
    case = services.case_accept(case=case, actor=cast.kim_thanh_leader)
    first_due = case.due
    case = services.case_extend(
        case=case, actor=cast.kim_thanh_leader, reason="Phức tạp", decision_reference="01/QĐ-GH"
    )
    assert case.due > first_due
    case = services.case_extend(
        case=case,
        actor=cast.kim_thanh_leader,
        reason="Đặc biệt phức tạp",
        decision_reference="02/QĐ-GH",
    )
    with pytest.raises(PetitionError, match="at most 2"):
        services.case_extend(
            case=case, actor=cast.kim_thanh_leader, reason="Nữa", decision_reference="03/QĐ-GH"
        )
    with pytest.raises(PetitionError, match="reason"):
        services.case_extend(
            case=case, actor=cast.kim_thanh_leader, reason="", decision_reference="03"
        )


def test_five_residents_make_a_mass_case(cast):
    receipt = receive(cast, submitters=[resident(1), resident(2)])
    for i in range(3, 6):
        services.petition_receive(
            intake=intake(cast.kim_thanh_committee, submitters=[resident(i)]),
            actor=cast.kim_thanh_clerk,
            case=receipt.case,
        )
    receipt.case.refresh_from_db()  # the flag facts are kept on the case row
    codes = [f.code for f in flags.case_flags(receipt.case)]
    assert "mass" in codes
    assert receipt.case in selectors.worklist(cast.kim_thanh_leader, "flagged")
    assert receipt.case.events.filter(action="petition_attached").count() == 3


def test_reopening_after_a_final_decision_is_prolonged(cast):
    case = receive(cast).case
    case = services.case_accept(case=case, actor=cast.kim_thanh_leader)
    case = services.case_answer(
        case=case, actor=cast.kim_thanh_leader, answer="Giữ nguyên", is_final=True
    )
    case = services.case_reopen(
        case=case, actor=cast.kim_thanh_leader, note="Công dân khiếu nại lần hai"
    )
    assert case.instance == 2
    assert [f.code for f in flags.case_flags(case)] == ["prolonged"]


def test_a_petition_sent_to_the_province_about_a_commune_is_over_level(cast):
    case = services.petition_receive(
        intake=intake(cast.province_committee), actor=cast.administrator
    ).case
    assert "over_level" in [f.code for f in flags.case_flags(case)]


def test_a_locality_not_valid_on_the_received_date_is_refused(cast):
    with pytest.raises(PetitionError) as error:
        receive(cast, when=at(2025, 8, 1))
    assert error.value.field == "unit"
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "x" * 10_001}, "text"),
        (
            {"submitters": [services.SubmitterData(name="A", id_number="12345")]},
            "submitters.0.id_number",
        ),
        ({"submitters": [services.SubmitterData(name="A", phone="12345")]}, "submitters.0.phone"),
        ({"kind": "praise"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(cast, change, field):
    with pytest.raises(PetitionError) as error:
        receive(cast, **change)
    assert error.value.field == field
    assert Case.objects.count() == 0 and Submitter.objects.count() == 0


def test_merging_moves_petitions_and_closes_the_source(cast):
    a = receive(cast).case
    b = receive(cast, text=DAM_CHO + " Xin cảm ơn.").case
    target = services.case_merge(source=b, target=a, actor=cast.kim_thanh_leader)
    b.refresh_from_db()
    assert b.status == Status.CLOSED and b.merged_into == target
    assert target.petitions.count() == 2


def test_similar_open_cases_are_offered_without_diacritics(cast):
    case = receive(cast).case
    receive(
        cast,
        text="Đề nghị sửa chữa trường mầm non xã Cổ Dũng đã xuống cấp nghiêm trọng.",
        unit_code="10762",
        topic="education",
    )
    plain = (
        "de nghi giai quyet dut diem viec chong lan ranh gioi giua khu dan cu moi dam cho "
        "va duong di trong khu dan cu cu o thi tran phu thai"
    )
    found = selectors.similar_cases(cast.kim_thanh_clerk, plain)
    assert [s.case for s in found] == [case]
    assert selectors.similar_cases(cast.chi_linh_leader, plain) == []


def test_only_open_cases_keep_band_rows_and_are_offered(cast):
    from townhall.core import text
    from townhall.petitions.models import SimilarityBand

    case = receive(cast).case
    other = receive(cast, text=DAM_CHO + " Xin cảm ơn.").case
    bands = text.BANDS
    assert SimilarityBand.objects.filter(case=case).count() == bands
    # The keys as band_keys makes them (sent to PostgreSQL as an array's text form).
    petition = case.petitions.get()
    stored = SimilarityBand.objects.filter(petition=petition).values_list("key", flat=True)
    assert sorted(stored) == sorted(text.band_keys(petition.signature))

    def offered() -> list:
        return [s.case for s in selectors.similar_cases(cast.kim_thanh_clerk, DAM_CHO)]

    assert set(offered()) == {case, other}
    case = services.case_accept(case=case, actor=cast.kim_thanh_leader)
    case = services.case_answer(case=case, actor=cast.kim_thanh_leader, answer="Đã trả lời.")
    assert SimilarityBand.objects.filter(case=case).count() == 0
    assert offered() == [other]
    case = services.case_reopen(case=case, actor=cast.kim_thanh_leader, note="Khiếu nại lại")
    assert SimilarityBand.objects.filter(case=case).count() == bands
    assert set(offered()) == {case, other}
    target = services.case_merge(source=other, target=case, actor=cast.kim_thanh_leader)
    assert SimilarityBand.objects.filter(case=other).count() == 0
    assert SimilarityBand.objects.filter(case=target).count() == 2 * bands
    assert offered() == [target]


def test_a_denouncers_identity_is_hidden_and_entitled_reads_are_logged(cast):
    from townhall.petitions.models import ConfidentialRead

    case = receive(cast, kind="denunciation").case
    case = services.case_accept(case=case, actor=cast.kim_thanh_leader)
    case = services.case_assign(
        case=case,
        actor=cast.kim_thanh_leader,
        agency=cast.kim_thanh_committee,
        handler=cast.kim_thanh_handler,
    )
    clerk_view = selectors.submitters_for(cast.kim_thanh_clerk, case, purpose="case page")
    assert clerk_view[0].hidden and "Nguyễn" not in clerk_view[0].name
    handler_view = selectors.submitters_for(cast.kim_thanh_handler, case, purpose="case page")
    assert handler_view[0].name == "Nguyễn Văn An"
    assert ConfidentialRead.objects.filter(user=cast.kim_thanh_handler, case=case).count() == 1
    assert ConfidentialRead.objects.filter(user=cast.kim_thanh_clerk).count() == 0


def test_personal_data_is_encrypted_at_rest(cast):
    from django.db import connection

    receive(cast)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM petitions_submitter")
        name, phone = cursor.fetchone()
    assert "Nguyễn" not in name and "0912345678" not in phone


def test_a_merged_away_case_refuses_every_transition(cast):
    a = receive(cast).case
    b = receive(cast).case
    services.case_merge(source=b, target=a, actor=cast.kim_thanh_leader)
    with pytest.raises(TransitionNotAllowed, match="merged into"):
        services.case_reopen(case=b, actor=cast.kim_thanh_leader, note="again")
    with pytest.raises(TransitionNotAllowed, match="merged into"):
        services.case_acknowledge(case=b, actor=cast.kim_thanh_leader)


def test_a_petition_cannot_be_attached_to_a_closed_case(cast):
    case = receive(cast).case
    case = services.case_return(case=case, actor=cast.kim_thanh_leader, guidance="Gửi UBND xã")
    with pytest.raises(TransitionNotAllowed, match="reopen it before attaching"):
        services.petition_receive(
            intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk, case=case
        )


def test_attaching_a_petition_bumps_the_case_version(cast):
    case = receive(cast).case
    version = case.version
    services.petition_receive(
        intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk, case=case
    )
    case.refresh_from_db()
    assert case.version == version + 1


def test_a_naive_receipt_time_is_read_as_vietnam_time(cast):
    import datetime as dt

    receipt = receive(cast, when=dt.datetime(2022, 10, 3, 23, 30))
    assert receipt.case.received_on == dt.date(2022, 10, 3)
