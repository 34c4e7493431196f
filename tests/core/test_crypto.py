"""Field encryption and the blind index."""

import base64

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from credit.core import crypto


@given(st.text(max_size=64))
def test_encrypt_then_decrypt_returns_the_plaintext(text):
    assert crypto.decrypt(crypto.encrypt(text, purpose="p"), purpose="p") == text


def test_ciphertexts_of_the_same_value_differ_and_do_not_contain_it():
    a = crypto.encrypt("320402198005170011", purpose="p")
    b = crypto.encrypt("320402198005170011", purpose="p")
    assert a != b
    assert b"320402198005170011" not in a


def test_a_ciphertext_cannot_be_read_for_another_purpose_or_after_tampering():
    blob = crypto.encrypt("secret", purpose="column-a")
    with pytest.raises(InvalidTag):
        crypto.decrypt(blob, purpose="column-b")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(InvalidTag):
        crypto.decrypt(tampered, purpose="column-a")


def test_the_blind_index_is_stable_per_key_and_purpose(settings):
    first = crypto.blind_index("320402198005170011", purpose="id")
    assert first == crypto.blind_index("320402198005170011", purpose="id")
    assert len(first) == 64
    assert first != crypto.blind_index("320402198005170011", purpose="other")
    assert first != crypto.blind_index("320402198005170012", purpose="id")
    settings.CREDIT_BLIND_INDEX_KEY = base64.b64decode(base64.b64encode(b"k" * 32))
    assert first != crypto.blind_index("320402198005170011", purpose="id")
