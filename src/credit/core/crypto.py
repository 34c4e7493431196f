"""Field encryption and the blind index for personal identifiers.

A resident ID number is stored as AES-256-GCM ciphertext (``encrypt``) next to a blind index
(``blind_index``): HMAC-SHA256 of the normalised value under a separate key. The index lets the
platform find a person by ID number with an ordinary unique B-tree look-up without ever
storing the number in clear. Both keys come from settings (``CREDIT_FIELD_KEY``,
``CREDIT_BLIND_INDEX_KEY``); neither is logged nor written to fixtures.

Ciphertext layout: one version byte (1), a 12-byte random nonce, then the GCM ciphertext+tag.
The ``purpose`` string is bound in as associated data / HMAC prefix, so a value encrypted for one
column cannot be replayed into another.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from credit.core.identifiers import normalize_code

_VERSION = b"\x01"


@functools.lru_cache(maxsize=4)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)  # keyed once: bulk loads encrypt a value per row


def encrypt(plaintext: str, *, purpose: str) -> bytes:
    """Encrypt ``plaintext`` for the column named by ``purpose``."""
    nonce = os.urandom(12)
    sealed = _aead(settings.CREDIT_FIELD_KEY).encrypt(
        nonce, plaintext.encode("utf-8"), purpose.encode()
    )
    return _VERSION + nonce + sealed


def decrypt(blob: bytes | memoryview, *, purpose: str) -> str:
    """Decrypt what :func:`encrypt` produced; raises ``InvalidTag`` on tampering or wrong key."""
    data = bytes(blob)
    if data[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    nonce, sealed = data[1:13], data[13:]
    plain = AESGCM(settings.CREDIT_FIELD_KEY).decrypt(nonce, sealed, purpose.encode())
    return plain.decode("utf-8")


def blind_index(value: str, *, purpose: str) -> str:
    """The 64-hex-character HMAC-SHA256 look-up index of an already normalised ``value``."""
    mac = hmac.new(settings.CREDIT_BLIND_INDEX_KEY, digestmod=hashlib.sha256)
    mac.update(purpose.encode() + b"\x00" + value.encode("utf-8"))
    return mac.hexdigest()


#: The blind-index purpose of identity document numbers (natural persons).
ID_PURPOSE = "naturalperson.id_number"


def id_index(id_type: str, number: str) -> str:
    """Blind index of an identity document number (normalised here), per document type: how a
    natural person is found, and how a record's ID number is compared with its subject's."""
    return blind_index(f"{id_type}:{normalize_code(number)}", purpose=ID_PURPOSE)
