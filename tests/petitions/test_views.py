"""The staff pages for petitions and cases: intake, worklists, the case page and its actions."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from townhall.petitions import services
from townhall.petitions.models import (
    Attachment,
    Case,
    ConfidentialRead,
    Petition,
    Status,
    Submitter,
    Topic,
)

from .helpers import DAM_CHO, at, intake

pytestmark = pytest.mark.django_db

ACCENTLESS_DAM_CHO = (
    "de nghi giai quyet dut diem viec chong lan ranh gioi giua khu dan cu moi dam cho "
    "va duong di trong khu dan cu cu o thi tran phu thai"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def receive(cast, **kw) -> Case:
    return services.petition_receive(
        intake=intake(cast.kim_thanh_committee, **kw), actor=cast.kim_thanh_clerk
    ).case


def intake_form(cast, **changes) -> dict:
    data = {
        "kind": "complaint",
        "channel": "mail",
        "received_date": "03/10/2022",
        "received_time": "09:00",
        "unit": "10750 · Thị trấn Phú Thái",
        "topic": Topic.objects.get(code="land").pk,
        "receiving_agency": cast.kim_thanh_committee.pk,
        "title": "",
        "text": DAM_CHO,
        "people_count": "",
        "attach_to": "",
        "submitters-TOTAL_FORMS": "2",
        "submitters-INITIAL_FORMS": "0",
        "submitters-MIN_NUM_FORMS": "0",
        "submitters-MAX_NUM_FORMS": "50",
        "submitters-0-name": "Nguyễn Văn An",
        "submitters-0-phone": "0912 345 678",
        "submitters-0-id_number": "030080001234",
        "submitters-0-address": "Khu dân cư cũ, thị trấn Phú Thái",
        "submitters-0-email": "",
        # the second row is left empty, as a clerk leaves an extra row
    }
    data.update(changes)
    return data


def html_of(response) -> str:
    return response.content.decode()


def act(client, case, action, **fields):
    case.refresh_from_db()
    return client.post(
        reverse("petitions:action", args=[case.pk, action]), {"version": case.version, **fields}
    )


# --- intake ---------------------------------------------------------------------------------
def test_intake_creates_a_case_and_shows_the_tracking_code_and_secret_once(cast):
    client = client_for(cast.kim_thanh_clerk)
    response = client.post(reverse("petitions:intake"), intake_form(cast))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == reverse("petitions:detail", args=[case.pk])
    petition = case.petitions.get()
    assert petition.submitters.get().phone == "0912345678"
    assert petition.received_at == at(2022, 10, 3)
    html = html_of(client.get(response["Location"]))
    assert petition.tracking_code in html
    assert 'data-testid="secret"' in html
    assert "Mã theo dõi" in html  # Vietnamese by default
    assert 'data-testid="secret"' not in html_of(client.get(response["Location"]))


def test_the_intake_page_offers_the_units_valid_on_the_receipt_date(cast):
    client = client_for(cast.kim_thanh_clerk)
    page = html_of(client.get(reverse("petitions:intake")))
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'id="unit-options"' in page
    in_2022 = html_of(
        client.get(reverse("petitions:unit_options"), {"received_date": "03/10/2022"})
    )
    assert "10750 · Thị trấn Phú Thái" in in_2022
    assert "Xã Cổ Dũng" in in_2022
    assert "Chí Linh" not in in_2022  # another district: not in the clerk's jurisdiction


def test_intake_with_a_bad_phone_shows_the_error_beside_the_field_and_writes_nothing(cast):
    client = client_for(cast.kim_thanh_clerk)
    response = client.post(
        reverse("petitions:intake"), intake_form(cast, **{"submitters-0-phone": "12345"})
    )
    assert response.status_code == 422
    html = html_of(response)
    assert 'data-testid="error-submitters-0-phone"' in html
    assert "Số điện thoại" in html  # the service's rule, in Vietnamese
    assert "chồng lấn ranh giới giữa khu dân cư mới Đầm Chợ" in html  # what was typed is kept
    assert 'value="12345"' in html
    assert Case.objects.count() == 0 and Submitter.objects.count() == 0


def test_intake_refuses_a_locality_outside_the_jurisdiction_or_era(cast):
    client = client_for(cast.kim_thanh_clerk)
    response = client.post(
        reverse("petitions:intake"), intake_form(cast, received_date="01/08/2025")
    )
    assert response.status_code == 422
    assert 'data-testid="error-unit"' in html_of(response)
    assert Case.objects.count() == 0


def test_intake_refuses_a_file_that_is_not_a_pdf_or_image_and_keeps_the_text(cast, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(cast.kim_thanh_clerk)
    data = intake_form(cast, attachments=[SimpleUploadedFile("note.pdf", b"MZ not a pdf")])
    response = client.post(reverse("petitions:intake"), data)
    assert response.status_code == 422
    html = html_of(response)
    assert 'data-testid="error-attachments"' in html and "Đầm Chợ" in html
    assert Case.objects.count() == 0


def test_intake_stores_attachments_the_case_page_links_them(cast, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client = client_for(cast.kim_thanh_clerk)
    files = [
        SimpleUploadedFile("don.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\nrest", content_type="image/png"),
    ]
    response = client.post(reverse("petitions:intake"), intake_form(cast, attachments=files))
    assert response.status_code == 302
    attachment = Attachment.objects.get(original_name="don.pdf")
    case = Case.objects.get()
    assert Attachment.objects.count() == 2
    url = reverse("petitions:attachment", args=[case.pk, attachment.pk])
    assert url in html_of(client.get(reverse("petitions:detail", args=[case.pk])))
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_an_inspector_may_not_open_the_intake_form(cast):
    client = client_for(cast.province_inspector)
    assert client.get(reverse("petitions:intake")).status_code == 403
    assert client.post(reverse("petitions:intake"), intake_form(cast)).status_code == 403


def test_the_add_submitter_button_returns_the_next_row_and_the_new_total(cast):
    client = client_for(cast.kim_thanh_clerk)
    html = html_of(client.get(reverse("petitions:submitter_row"), {"n": 2}))
    assert 'name="submitters-2-name"' in html
    assert 'name="submitters-TOTAL_FORMS" value="3"' in html and 'hx-swap-oob="true"' in html
    assert "?n=3" in html
    assert client.get(reverse("petitions:submitter_row"), {"n": "x"}).status_code == 400
    assert client.get(reverse("petitions:submitter_row"), {"n": 500}).status_code == 400


# --- similar cases --------------------------------------------------------------------------
def test_the_similar_panel_offers_the_dam_cho_case_for_an_accentless_text(cast):
    case = receive(cast)
    receive(
        cast,
        text="Đề nghị sửa chữa trường mầm non xã Cổ Dũng đã xuống cấp nghiêm trọng.",
        unit_code="10762",
        topic="education",
    )
    client = client_for(cast.kim_thanh_clerk)
    response = client.post(
        reverse("petitions:similar"),
        {"text": ACCENTLESS_DAM_CHO, "unit": "10750", "received_date": "03/10/2022"},
    )
    assert response.status_code == 200
    html = html_of(response)
    assert case.reference in html
    assert f'name="attach_to" value="{case.pk}"' in html
    assert "mầm non" not in html
    # Another district's leader is offered nothing from Kim Thành.
    other = client_for(cast.chi_linh_leader).post(
        reverse("petitions:similar"), {"text": ACCENTLESS_DAM_CHO}
    )
    assert case.reference not in html_of(other)


def test_the_similar_panel_needs_a_csrf_token(cast):
    client = client_for(cast.kim_thanh_clerk, enforce_csrf_checks=True)
    assert client.post(reverse("petitions:similar"), {"text": DAM_CHO}).status_code == 403


def test_attaching_to_the_similar_case_adds_a_petition_to_it(cast):
    case = receive(cast)
    client = client_for(cast.kim_thanh_clerk)
    data = intake_form(
        cast, text=ACCENTLESS_DAM_CHO, attach_to=case.pk, **{"submitters-0-name": "Trần Thị Lan"}
    )
    response = client.post(reverse("petitions:intake"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:detail", args=[case.pk])
    assert Case.objects.count() == 1
    assert case.petitions.count() == 2
    assert case.events.filter(action="petition_attached").exists()


def test_attaching_to_a_case_of_another_district_is_refused_beside_the_panel(cast):
    chi_linh = services.petition_receive(
        intake=intake(cast.chi_linh_committee, unit_code="10552"), actor=cast.chi_linh_leader
    ).case
    client = client_for(cast.kim_thanh_clerk)
    response = client.post(reverse("petitions:intake"), intake_form(cast, attach_to=chi_linh.pk))
    assert response.status_code == 422
    assert 'data-testid="error-attach_to"' in html_of(response)
    assert chi_linh.petitions.count() == 1


# --- the case page and its actions ----------------------------------------------------------
def test_every_action_through_the_ui_from_accept_to_close(cast):
    case = receive(cast)
    leader = client_for(cast.kim_thanh_leader)
    page = html_of(leader.get(reverse("petitions:detail", args=[case.pk])))
    for offered in ("acknowledge", "accept", "return", "transfer", "merge"):
        assert f'data-testid="action-{offered}"' in page
    assert 'data-testid="action-close"' not in page

    assert act(leader, case, "acknowledge").status_code == 302
    assert act(leader, case, "accept", is_complex="on").status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.is_complex
    legal_due = case.due
    response = act(
        leader,
        case,
        "assign",
        agency=cast.kim_thanh_committee.pk,
        handler=cast.kim_thanh_handler.pk,
        due=legal_due.strftime("%d/%m/%Y"),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED and case.handler == cast.kim_thanh_handler
    response = act(
        leader,
        case,
        "answer",
        answer="Đã đo đạc lại ranh giới, thống nhất với các hộ.",
        decision_reference="123/QĐ-UBND",
        is_final="on",
    )
    assert response.status_code == 302
    page = leader.get(response["Location"])
    assert "Đã trả lời" in html_of(page)
    assert act(leader, case, "close", note="Công dân đồng ý").status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["received", "acknowledged", "accepted", "assigned", "answered", "closed"]
    page = html_of(leader.get(reverse("petitions:detail", args=[case.pk])))
    assert 'data-testid="action-reopen"' in page and 'data-testid="action-close"' not in page
    assert "Đã đo đạc lại ranh giới" in page
    assert "123/QĐ-UBND" in page
    assert legal_due.strftime("%d/%m/%Y") in page


def test_return_transfer_extend_reopen_and_merge_through_the_ui(cast):
    leader = client_for(cast.kim_thanh_leader)
    returned = receive(cast)
    assert act(leader, returned, "return", guidance="").status_code == 422
    assert act(leader, returned, "return", guidance="Gửi Tòa án huyện").status_code == 302
    returned.refresh_from_db()
    assert returned.status == Status.RETURNED

    moved = receive(cast)
    response = act(leader, moved, "transfer", to_agency=cast.phu_thai_committee.pk)
    assert response.status_code == 302
    moved.refresh_from_db()
    assert moved.status == Status.TRANSFERRED

    denounced = receive(cast, kind="denunciation")
    assert act(leader, denounced, "accept").status_code == 302
    page = html_of(leader.get(reverse("petitions:detail", args=[denounced.pk])))
    assert 'data-testid="action-extend"' in page
    response = act(leader, denounced, "extend", reason="Phức tạp", decision_reference="01/QĐ")
    assert response.status_code == 302
    denounced.refresh_from_db()
    assert denounced.extensions == 1
    assert act(leader, denounced, "answer", answer="Kết luận nội dung tố cáo").status_code == 302
    response = act(leader, denounced, "reopen", note="Tố cáo tiếp")
    assert response.status_code == 302
    denounced.refresh_from_db()
    assert denounced.status == Status.ACCEPTED

    source, target = receive(cast), receive(cast, text=DAM_CHO + " Xin cảm ơn.")
    response = act(leader, source, "merge", target=target.reference.lower())
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:detail", args=[target.pk])
    source.refresh_from_db()
    assert source.merged_into == target and target.petitions.count() == 2
    page = html_of(leader.get(reverse("petitions:detail", args=[source.pk])))
    assert 'data-testid="merged"' in page and 'data-testid="action-' not in page


def test_extension_is_not_offered_for_a_complaint(cast):
    case = receive(cast)
    services.case_accept(case=case, actor=cast.kim_thanh_leader)
    leader = client_for(cast.kim_thanh_leader)
    page = html_of(leader.get(reverse("petitions:detail", args=[case.pk])))
    assert 'data-testid="action-extend"' not in page
    response = act(leader, case, "extend", reason="x", decision_reference="y")
    assert response.status_code == 409
    assert 'data-testid="alert"' in html_of(response)


def test_an_action_not_allowed_in_the_current_state_is_a_conflict(cast):
    case = receive(cast)
    response = act(client_for(cast.kim_thanh_leader), case, "close")
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.status == Status.RECEIVED


def test_a_service_rule_is_shown_beside_the_field_with_a_4xx(cast):
    case = receive(cast)
    services.case_accept(case=case, actor=cast.kim_thanh_leader)
    case.refresh_from_db()
    too_late = (case.due + dt.timedelta(days=30)).strftime("%d/%m/%Y")
    response = act(
        client_for(cast.kim_thanh_leader),
        case,
        "assign",
        agency=cast.kim_thanh_committee.pk,
        due=too_late,
    )
    assert response.status_code == 422
    html = html_of(response)
    assert 'data-testid="error-due"' in html and too_late in html
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED


def test_a_stale_version_is_a_409_that_keeps_what_was_typed(cast):
    case = receive(cast)
    seen = case.version
    services.case_accept(case=case, actor=cast.kim_thanh_leader, version=seen)  # someone else
    leader = client_for(cast.kim_thanh_leader)
    response = leader.post(
        reverse("petitions:action", args=[case.pk, "return"]),
        {"version": seen, "guidance": "Gửi Tòa án nhân dân huyện"},
    )
    assert response.status_code == 409
    html = html_of(response)
    assert 'data-testid="alert"' in html and "Người khác" in html
    assert "Gửi Tòa án nhân dân huyện" in html
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.events.count() == 2


def test_unknown_actions_and_wrong_methods_are_refused(cast):
    case = receive(cast)
    leader = client_for(cast.kim_thanh_leader)
    assert act(leader, case, "approve").status_code == 404
    assert leader.get(reverse("petitions:action", args=[case.pk, "accept"])).status_code == 405
    assert leader.post(reverse("petitions:detail", args=[case.pk])).status_code == 405
    response = leader.post(reverse("petitions:action", args=[case.pk, "accept"]), {"version": "x"})
    assert response.status_code == 422


def test_an_inspector_sees_the_case_but_may_not_act_on_it(cast):
    case = receive(cast)
    inspector = client_for(cast.province_inspector)
    response = inspector.get(reverse("petitions:detail", args=[case.pk]))
    assert response.status_code == 200
    html = html_of(response)
    assert case.reference in html
    assert 'data-testid="action-' not in html and "/accept/" not in html
    assert act(inspector, case, "accept").status_code == 403
    case.refresh_from_db()
    assert case.status == Status.RECEIVED


def test_a_leader_of_another_district_gets_404(cast):
    case = receive(cast)
    other = client_for(cast.chi_linh_leader)
    assert other.get(reverse("petitions:detail", args=[case.pk])).status_code == 404
    assert act(other, case, "accept").status_code == 404
    assert other.get(reverse("petitions:detail", args=[999_999])).status_code == 404


def test_anonymous_users_are_sent_to_the_login_page(cast):
    case = receive(cast)
    for url in (
        reverse("petitions:list"),
        reverse("petitions:intake"),
        reverse("petitions:detail", args=[case.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_denouncers_name_is_hidden_from_the_clerk_and_shown_to_the_handler(cast):
    case = receive(cast, kind="denunciation")
    services.case_accept(case=case, actor=cast.kim_thanh_leader)
    services.case_assign(
        case=case,
        actor=cast.kim_thanh_leader,
        agency=cast.kim_thanh_committee,
        handler=cast.kim_thanh_handler,
    )
    url = reverse("petitions:detail", args=[case.pk])
    clerk_page = html_of(client_for(cast.kim_thanh_clerk).get(url))
    assert "Nguyễn Văn An" not in clerk_page and "0912345678" not in clerk_page
    assert "••• (bảo mật)" in clerk_page
    handler_page = html_of(client_for(cast.kim_thanh_handler).get(url))
    assert "Nguyễn Văn An" in handler_page
    assert ConfidentialRead.objects.filter(user=cast.kim_thanh_handler, case=case).count() == 1
    assert not ConfidentialRead.objects.filter(user=cast.kim_thanh_clerk).exists()


def test_the_files_of_a_denunciation_are_for_the_entitled_only(cast, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    case = receive(cast, kind="denunciation", attachments=[SimpleUploadedFile("to-cao.pdf", PDF)])
    attachment = Attachment.objects.get()
    url = reverse("petitions:attachment", args=[case.pk, attachment.pk])
    clerk = client_for(cast.kim_thanh_clerk)
    assert url not in html_of(clerk.get(reverse("petitions:detail", args=[case.pk])))
    assert clerk.get(url).status_code == 403


def test_the_case_page_shows_deadlines_flags_and_the_timeline(cast):
    case = receive(cast, when=at(2022, 10, 3))
    services.case_accept(case=case, actor=cast.kim_thanh_leader)
    Case.objects.filter(pk=case.pk).update(due=dt.date(2022, 11, 2))  # long past: overdue
    html = html_of(
        client_for(cast.kim_thanh_leader).get(reverse("petitions:detail", args=[case.pk]))
    )
    assert "03/10/2022 09:00" in html  # received, local time, dd/mm/yyyy
    assert "17/10/2022" in html  # acknowledge by
    assert "02/11/2022" in html and "quá hạn" in html  # the word, not only the colour
    assert "Kéo dài" in html  # prolonged: far past its deadline
    assert "Tiếp nhận" in html and "Đã thụ lý" in html  # timeline actions


# --- worklists ------------------------------------------------------------------------------
def test_the_worklist_shows_cases_with_an_overdue_label(cast):
    case = receive(cast)
    services.case_accept(case=case, actor=cast.kim_thanh_leader)
    Case.objects.filter(pk=case.pk).update(due=dt.date(2022, 11, 2))
    client = client_for(cast.kim_thanh_leader)
    html = html_of(client.get(reverse("petitions:list"), {"tab": "overdue"}))
    assert case.reference in html
    assert "02/11/2022" in html and "quá hạn" in html
    assert case.reference not in html_of(client.get(reverse("petitions:list"), {"tab": "due_soon"}))


def test_the_worklist_filters_and_ignores_bad_filter_values(cast):
    complaint = receive(cast)
    denunciation = receive(cast, kind="denunciation")
    client = client_for(cast.kim_thanh_leader)
    html = html_of(client.get(reverse("petitions:list"), {"kind": "denunciation"}))
    assert denunciation.reference in html and complaint.reference not in html
    response = client.get(
        reverse("petitions:list"), {"status": "nonsense", "topic": "nope", "tab": "x", "page": "z"}
    )
    assert response.status_code == 200
    assert complaint.reference in html_of(response)


def test_search_finds_dam_cho_without_diacritics(cast):
    case = receive(cast)
    other = receive(cast, text="Đề nghị sửa chữa trường mầm non xã Cổ Dũng.", unit_code="10762")
    html = html_of(
        client_for(cast.kim_thanh_clerk).get(reverse("petitions:list"), {"q": "dam cho"})
    )
    assert case.reference in html and other.reference not in html


def test_the_worklist_costs_the_same_queries_for_many_cases(cast, django_assert_max_num_queries):
    client = client_for(cast.kim_thanh_leader)
    first = receive(cast)
    for _ in range(24):
        services.petition_receive(
            intake=intake(cast.kim_thanh_committee, submitters=[]),
            actor=cast.kim_thanh_clerk,
            case=None,
        )
    services.petition_receive(
        intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk, case=first
    )
    with django_assert_max_num_queries(10):
        response = client.get(reverse("petitions:list"), {"tab": "all"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 25
    assert len(response.context["rows"]) == 20
    with django_assert_max_num_queries(10):
        assert client.get(reverse("petitions:list"), {"page": 2}).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("petitions:list"), {"tab": "flagged"}).status_code == 200


def test_the_worklist_flags_mass_cases(cast):
    from .helpers import resident

    case = receive(cast, submitters=[resident(i) for i in range(1, 6)])
    html = html_of(client_for(cast.kim_thanh_leader).get(reverse("petitions:list")))
    assert case.reference in html and "Đông người" in html


def test_the_home_pages_link_to_the_worklists_with_counts(cast):
    receive(cast)
    html = html_of(client_for(cast.kim_thanh_clerk).get("/"))
    assert 'data-testid="count-all"' in html and reverse("petitions:intake") in html
    inspector = html_of(client_for(cast.province_inspector).get("/"))
    assert 'data-testid="count-overdue"' in inspector
    assert 'data-testid="home-intake"' not in inspector


# --- CSRF -----------------------------------------------------------------------------------
def test_forms_refuse_a_post_without_csrf_token(cast):
    case = receive(cast)
    client = client_for(cast.kim_thanh_leader, enforce_csrf_checks=True)
    response = client.post(
        reverse("petitions:action", args=[case.pk, "accept"]), {"version": case.version}
    )
    assert response.status_code == 403
    assert client.post(reverse("petitions:intake"), intake_form(cast)).status_code == 403
    case.refresh_from_db()
    assert case.status == Status.RECEIVED and Petition.objects.count() == 1
