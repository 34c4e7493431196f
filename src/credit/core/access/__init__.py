"""Access control (权限) in the kernel: the permission vocabulary and the one principal contract
that staff users and API clients both satisfy (see :mod:`credit.core.access.principal`).

Services and selectors ask ``principal_of(actor)`` — never the kind of account — which
department and region it acts for, which permissions it holds, which data it manages and
which it may use.
"""

from credit.core.access.permissions import PERM_LABELS, Perm
from credit.core.access.principal import (
    ANONYMOUS,
    EVERYTHING,
    NOTHING,
    SYSTEM,
    Kind,
    Principal,
    data_scope,
    has_perm,
    perms_of,
    principal_of,
    principal_or_system,
    require,
)

__all__ = [
    "ANONYMOUS",
    "EVERYTHING",
    "NOTHING",
    "PERM_LABELS",
    "SYSTEM",
    "Kind",
    "Perm",
    "Principal",
    "data_scope",
    "has_perm",
    "perms_of",
    "principal_of",
    "principal_or_system",
    "require",
]
