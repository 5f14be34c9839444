"""`townhall rotate_keys`: from FIELD_ENCRYPTION_KEY=OLD to NEW without losing a value."""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from townhall.core import crypto, rotation
from townhall.notifications.models import Notification
from townhall.petitions import services
from townhall.petitions.models import Submitter
from townhall.portal.selectors import petition_for_citizen

from ..petitions.helpers import at, intake, resident

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
STRANGER = Fernet.generate_key().decode()
NO_ID = services.SubmitterData(
    name="Trần  Văn Bình", phone="0903 123 456", address="Ngõ 5, thị trấn Phú Thái"
)


def keys(*configured: str) -> override_settings:
    return override_settings(FIELD_ENCRYPTION_KEYS=list(configured))


def raw_tokens(table: str, columns: list[str]) -> list[tuple]:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {', '.join(qn(c) for c in columns)} FROM {qn(table)} ORDER BY id"  # noqa: S608
        )
        return cursor.fetchall()


SUBMITTER_COLUMNS = ["name", "id_number", "phone", "address", "email"]


def plain_submitters() -> dict[int, tuple]:
    return {
        s.pk: (s.name, s.id_number, s.phone, s.address, s.email, s.is_representative)
        for s in Submitter.objects.order_by("pk")
    }


@pytest.fixture
def under_old(cast):
    """Petitions and notifications written while OLD was the only key."""
    with keys(OLD):
        first = services.petition_receive(
            intake=intake(
                cast.kim_thanh_committee,
                submitters=[
                    services.SubmitterData(
                        name="Nguyễn Văn An",
                        id_number="030080001234",
                        phone="0912345678",
                        address="Phú Thái",
                        email="an.nguyen@example.vn",
                    ),
                    NO_ID,
                ],
            ),
            actor=cast.kim_thanh_clerk,
        )
        services.petition_receive(
            intake=intake(
                cast.kim_thanh_committee,
                submitters=[resident(i) for i in range(1, 8)],
                when=at(2022, 10, 5),
            ),
            actor=cast.kim_thanh_clerk,
        )
        originals = plain_submitters()
        recipients = dict(Notification.objects.values_list("pk", "recipient"))
        person_keys = sorted(Submitter.objects.values_list("person_key", flat=True))
    assert len(originals) == 9 and len(recipients) >= 9
    return first.petition, originals, recipients, person_keys


def test_rotation_re_encrypts_everything_so_the_old_key_can_go(under_old):
    petition, originals, recipients, _ = under_old
    with keys(NEW), pytest.raises(crypto.DecryptionError):
        list(Submitter.objects.all())  # NEW alone cannot read anything yet
    with keys(NEW, OLD):
        assert plain_submitters() == originals  # step 1: both keys decrypt, nothing stops
        assert petition_for_citizen(petition.tracking_code, "0912345678") is None  # stale index
        with pytest.raises(CommandError, match="not finished"):
            call_command("rotate_keys", "--check", verbosity=0)
        out = io.StringIO()
        call_command("rotate_keys", batch_size=2, stdout=out)
        report = out.getvalue()
        assert "petitions_submitter.name: 9 re-encrypted, 0 already under the first key" in report
        assert "petitions_submitter.email: 1 re-encrypted, 0 already under the first key" in report
        assert f"notifications_notification.recipient: {len(recipients)} re-encrypted" in report
        assert "blind indexes: 9 of 9 submitters recomputed" in report
        call_command("rotate_keys", "--check", verbosity=0)
        tokens = raw_tokens("petitions_submitter", SUBMITTER_COLUMNS)
        # Idempotent: a second run finds nothing to do and rewrites nothing.
        out = io.StringIO()
        call_command("rotate_keys", stdout=out)
        assert "0 values re-encrypted" in out.getvalue()
        assert "0 blind indexes recomputed" in out.getvalue()
        assert raw_tokens("petitions_submitter", SUBMITTER_COLUMNS) == tokens

    with keys(NEW):  # step 4: OLD removed
        assert plain_submitters() == originals
        assert dict(Notification.objects.values_list("pk", "recipient")) == recipients
        new_only, old_only = Fernet(NEW), Fernet(OLD)
        for row in tokens:
            for token in row[1:]:
                if token:
                    new_only.decrypt(token)
                    with pytest.raises(InvalidToken):
                        old_only.decrypt(token)
        # Blind indexes are NEW's: the citizen's phone look-up and duplicate detection work.
        assert petition_for_citizen(petition.tracking_code, "0912 345 678") == petition
        assert petition_for_citizen(petition.tracking_code, "0903123456") == petition
        an = Submitter.objects.get(phone_key=crypto.blind_index("0912345678"))
        assert an.person_key == crypto.blind_index("030080001234")
        binh = Submitter.objects.get(phone_key=crypto.blind_index("0903123456"))
        # the same expression as intake's, over what the clerk typed
        assert binh.person_key == crypto.blind_index(f"{NO_ID.name}|{NO_ID.phone}|{NO_ID.address}")
        assert Submitter.objects.values("person_key").distinct().count() == 9


def test_the_blind_index_formula_is_intakes(under_old):
    """rotation.submitter_blind_indexes gives what petition_receive stored (same key)."""
    with keys(OLD):
        for person in Submitter.objects.all():
            assert rotation.submitter_blind_indexes(
                name=person.name,
                id_number=person.id_number,
                phone=person.phone,
                address=person.address,
            ) == (person.person_key, person.phone_key)


def test_an_unreadable_value_stops_with_its_place_not_its_content_and_the_run_resumes(under_old):
    _, originals, recipients, _ = under_old
    victim = sorted(originals)[4]  # the third batch of two
    with keys(STRANGER):
        foreign = crypto.encrypt("0999888777")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE petitions_submitter SET phone = %s WHERE id = %s", [foreign, victim])

    with keys(NEW, OLD):
        with pytest.raises(CommandError) as stopped:
            call_command("rotate_keys", batch_size=2, verbosity=0)
        message = str(stopped.value)
        assert f"petitions_submitter.phone, row id={victim}" in message
        assert "0999888777" not in message and foreign not in message
        for plain in originals[victim]:
            assert not plain or str(plain) not in message
        # Earlier batches are committed, the failing batch is not.
        new_only = Fernet(NEW)
        rows = raw_tokens("petitions_submitter", ["name"])
        done = [pk for pk, token in rows if _opens(new_only, token)]
        assert done == sorted(originals)[:4]
        assert all(
            _opens(new_only, t) for _, t in raw_tokens("notifications_notification", ["recipient"])
        )

    with keys(NEW, OLD, STRANGER):  # the operator puts the missing key back and runs again
        out = io.StringIO()
        call_command("rotate_keys", batch_size=2, stdout=out)
        assert "petitions_submitter.name: 5 re-encrypted, 4 already under the first key" in (
            out.getvalue()
        )
    with keys(NEW):
        people = plain_submitters()
        assert people[victim][2] == "0999888777"
        assert {pk: v for pk, v in people.items() if pk != victim} == {
            pk: v for pk, v in originals.items() if pk != victim
        }
        assert dict(Notification.objects.values_list("pk", "recipient")) == recipients


def _opens(fernet: Fernet, token: str) -> bool:
    try:
        fernet.decrypt(token)
    except InvalidToken:
        return False
    return True


def test_rotation_finds_every_encrypted_column():
    found = {
        (t.model._meta.db_table, column)
        for t in rotation.encrypted_targets()
        for column in t.columns
    }
    assert {
        ("petitions_submitter", "name"),
        ("petitions_submitter", "id_number"),
        ("petitions_submitter", "phone"),
        ("petitions_submitter", "address"),
        ("petitions_submitter", "email"),
        ("notifications_notification", "recipient"),
    } <= found
