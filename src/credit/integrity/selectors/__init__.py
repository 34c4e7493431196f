"""Scoped reads of government integrity.

Who may read a civil servant's archive is decided here once, for every principal alike
(:func:`archive_q`): the credit office of the city (city-wide principals) every archive; a
district's principal (its administrator) the archives of its district; a principal acting for
an organisation or HR department (组织部, 人社局: codes in
:data:`~credit.integrity.constants.OVERSEEING_CODES`, or ``<区>-ZZB``) or a credit office
(department kind ``credit_office``, or a district's ``<区>-FG``) the archives of that
department's region — the whole city
for the city's; any other department's principal (its 组织人事 officers, its system) the
archives of its own unit. Each needs the permission 查阅公务员诚信档案. Topics: ``honour``
(红黑榜), ``government`` (政务失信记录), ``stats`` (grade distributions).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from credit.core.access import EVERYTHING, NOTHING, Perm, principal_of
from credit.core.models import Department
from credit.integrity.constants import OVERSEEING_CODES
from credit.integrity.models import CivilServant


def oversees_region(department: Department) -> bool:
    """Whether ``department`` oversees the civil servants of its whole region."""
    if department.kind == Department.Kind.CREDIT_OFFICE:
        return True
    code = department.code.upper()
    return any(code == c or code.endswith(f"-{c}") for c in OVERSEEING_CODES)


def archive_q(actor: Any, *, region: str = "region_id", unit: str = "unit_id") -> Q:
    """The archives ``actor`` may read, as a filter on a model whose civil servant's region is
    ``region`` and unit ``unit`` (``civil_servant__region_id`` … from a related model)."""
    p = principal_of(actor)
    if not p.has_perm(Perm.INTEGRITY_VIEW):
        return NOTHING
    if p.city_wide:
        return EVERYTHING
    if p.department_id is not None:
        dept = Department.objects.filter(pk=p.department_id).select_related("region").first()
        if dept is None:
            return NOTHING
        if oversees_region(dept):
            if dept.region.level == "city":
                return EVERYTHING
            return Q(**{region: dept.region_id})
        return Q(**{unit: dept.pk})
    if p.departments is None and p.region_id:
        return Q(**{region: p.region_id})
    return NOTHING


def may_read(actor: Any, civil_servant: CivilServant) -> bool:
    """Whether ``actor`` may read ``civil_servant``'s archive (the rule of :func:`archive_q`)."""
    return CivilServant.objects.filter(archive_q(actor), pk=civil_servant.pk).exists()


def civil_servants_for(actor: Any) -> QuerySet[CivilServant]:
    """The civil servants whose archives ``actor`` may read."""
    return CivilServant.objects.filter(archive_q(actor)).select_related(
        "natural_person", "unit", "region"
    )


def civil_servant_for(actor: Any, pk: int) -> CivilServant | None:
    """One civil servant ``actor`` may read, else None (missing and forbidden alike)."""
    return civil_servants_for(actor).filter(pk=pk).first()
