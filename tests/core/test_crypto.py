"""Field encryption, key rotation and the blind index, without a database."""

import hashlib

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings
from django.utils.translation import gettext_lazy

from townhall.core.crypto import (
    DecryptionError,
    EncryptedTextField,
    blind_index,
    decrypt,
    encrypt,
    rotate,
)

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
OTHER = Fernet.generate_key().decode()
DENOUNCER = "Nguyễn Thị Hồng Nhung, thôn Đông, xã Cổ Dũng, huyện Kim Thành, tỉnh Hải Dương"


def only(*keys: str) -> override_settings:
    return override_settings(FIELD_ENCRYPTION_KEYS=list(keys))


# encrypt / decrypt


def test_vietnamese_text_with_diacritics_survives_a_round_trip():
    assert decrypt(encrypt(DENOUNCER)) == DENOUNCER


def test_a_token_is_ascii_and_reveals_nothing_of_the_plaintext():
    token = encrypt(DENOUNCER)
    assert token.isascii()
    for word in ("Nguyễn", "Nguyen", "Nhung", "Kim Thành", "Kim Thanh", "Dương"):
        assert word not in token


def test_the_same_value_encrypts_to_a_different_token_each_time():
    assert encrypt(DENOUNCER) != encrypt(DENOUNCER)


def test_the_configured_keys_are_used_and_a_changed_setting_is_picked_up():
    with only(OLD):
        token = encrypt(DENOUNCER)
    with only(OTHER), pytest.raises(DecryptionError):
        decrypt(token)
    with only(OLD):
        assert decrypt(token) == DENOUNCER


def test_a_token_under_a_key_no_longer_configured_raises_decryption_error():
    with only(OTHER):
        token = encrypt(DENOUNCER)
    with only(NEW, OLD), pytest.raises(DecryptionError, match="FIELD_ENCRYPTION_KEYS"):
        decrypt(token)


@pytest.mark.parametrize("token", ["", "not a token", "gAAAAAB" + "x" * 80, "Đầm Chợ"])
def test_a_damaged_token_raises_decryption_error(token):
    with pytest.raises(DecryptionError):
        decrypt(token)


def test_a_decryption_error_is_a_value_error_that_does_not_echo_the_token():
    with only(OTHER):
        token = encrypt(DENOUNCER)
    with only(OLD), pytest.raises(ValueError) as caught:
        decrypt(token)
    assert token not in str(caught.value)
    assert caught.value.__cause__ is None


# rotation


def test_after_adding_a_new_key_old_tokens_still_decrypt():
    with only(OLD):
        token = encrypt(DENOUNCER)
    with only(NEW, OLD):
        assert decrypt(token) == DENOUNCER


def test_rotate_re_encrypts_an_old_token_under_the_new_key():
    with only(OLD):
        old_token = encrypt(DENOUNCER)
    with only(NEW, OLD):
        new_token = rotate(old_token)
    assert new_token != old_token
    with only(NEW):
        assert decrypt(new_token) == DENOUNCER
        with pytest.raises(DecryptionError):
            decrypt(old_token)


def test_the_first_key_is_the_one_that_encrypts():
    with only(NEW, OLD):
        token = encrypt(DENOUNCER)
    with only(NEW):
        assert decrypt(token) == DENOUNCER


def test_rotating_a_token_no_key_opens_raises_decryption_error():
    with only(OTHER):
        token = encrypt(DENOUNCER)
    with only(NEW, OLD), pytest.raises(DecryptionError):
        rotate(token)


# configuration


def test_a_malformed_key_is_named_by_position_and_never_echoed():
    with only(NEW, "not-a-fernet-key"), pytest.raises(ImproperlyConfigured) as caught:
        encrypt(DENOUNCER)
    assert "FIELD_ENCRYPTION_KEYS[1]" in str(caught.value)
    assert "not-a-fernet-key" not in str(caught.value)


def test_a_malformed_first_key_is_refused_by_the_blind_index_too():
    with only("bm90LWEta2V5"), pytest.raises(ImproperlyConfigured, match=r"KEYS\[0\]"):
        blind_index("0912345678")


def test_no_keys_at_all_is_a_configuration_error():
    with only(), pytest.raises(ImproperlyConfigured, match="empty"):
        encrypt(DENOUNCER)


# blind index


def test_a_phone_number_with_or_without_spaces_has_the_same_blind_index():
    assert blind_index("0912 345 678") == blind_index("0912345678")
    assert blind_index(" 0912\u00a0345\t678 ") == blind_index("0912345678")


def test_an_id_number_in_either_case_has_the_same_blind_index():
    assert blind_index("ab 012345") == blind_index("AB012345")


def test_different_values_have_different_blind_indexes():
    assert blind_index("0912345678") != blind_index("0912345679")


def test_a_blind_index_is_keyed_and_not_a_bare_hash():
    index = blind_index("0912345678")
    assert len(index) == 64
    assert int(index, 16) >= 0
    assert index != hashlib.sha256(b"0912345678").hexdigest()


def test_the_blind_index_depends_only_on_the_first_key():
    with only(NEW, OLD):
        during_rotation = blind_index("0912345678")
    with only(NEW):
        assert blind_index("0912345678") == during_rotation
    with only(OLD):
        assert blind_index("0912345678") != during_rotation


# the model field


def field() -> EncryptedTextField:
    encrypted = EncryptedTextField(blank=True, null=True)
    encrypted.set_attributes_from_name("denouncer_name")
    return encrypted


def test_the_field_stores_a_token_and_reads_back_the_plaintext():
    stored = field().get_prep_value(DENOUNCER)
    assert stored != DENOUNCER
    assert decrypt(stored) == DENOUNCER
    assert field().from_db_value(stored, None, connection) == DENOUNCER


def test_the_field_encrypts_on_the_database_save_path():
    stored = field().get_db_prep_save(DENOUNCER, connection)
    assert decrypt(stored) == DENOUNCER


@pytest.mark.parametrize("empty", [None, ""])
def test_the_field_keeps_none_and_empty_as_they_are(empty):
    assert field().get_prep_value(empty) == empty
    assert field().from_db_value(empty, None, connection) == empty
    assert field().to_python(empty) == empty


def test_the_field_encrypts_a_lazy_translation_as_its_text():
    stored = field().get_prep_value(gettext_lazy("Đầm Chợ"))
    assert decrypt(stored) == "Đầm Chợ"


def test_the_field_never_decrypts_what_a_form_submits():
    # Otherwise a stolen token pasted into a form would be shown back as plaintext.
    token = encrypt(DENOUNCER)
    assert field().to_python(token) == token
    assert field().to_python(DENOUNCER) == DENOUNCER


def test_the_field_reads_a_row_written_under_the_old_key_during_rotation():
    with only(OLD):
        stored = field().get_prep_value(DENOUNCER)
    with only(NEW, OLD):
        assert field().from_db_value(stored, None, connection) == DENOUNCER


def test_a_row_no_key_opens_fails_loudly_instead_of_showing_a_token():
    with only(OTHER):
        stored = field().get_prep_value(DENOUNCER)
    with only(OLD), pytest.raises(DecryptionError):
        field().from_db_value(stored, None, connection)


def test_the_field_deconstructs_for_migrations():
    name, path, args, kwargs = field().deconstruct()
    assert (name, path, args) == ("denouncer_name", "townhall.core.crypto.EncryptedTextField", [])
    assert kwargs == {"blank": True, "null": True}
    assert isinstance(EncryptedTextField(*args, **kwargs), EncryptedTextField)
