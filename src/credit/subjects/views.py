"""Staff pages of the base libraries: search, a legal person's file, a natural person's file."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.http import found
from credit.records.selectors import records_of_subject
from credit.subjects import selectors


@perm_required(Perm.SUBJECT_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    """The search form posts, so an ID number typed here never lands in a URL, an access log
    or the browser history."""
    q = (request.POST.get("q") or "").strip() if request.method == "POST" else ""
    results = selectors.search(request.user, q) if q else None
    return render(request, "subjects/search.html", {"q": q, "results": results})


@perm_required(Perm.SUBJECT_VIEW)
def legal_person(request: HttpRequest, pk: int) -> HttpResponse:
    subject = found(selectors.legal_person_detail(pk))
    records = Paginator(records_of_subject(request.user, legal_person=subject), 20)
    return render(
        request,
        "subjects/legal_person.html",
        {
            "subject": subject,
            "identifiers": selectors.identifiers_of(subject),
            "page": records.get_page(request.GET.get("page")),
            "tenant_label": principal_of(request.user).tenant_label,
        },
    )


@perm_required(Perm.SUBJECT_VIEW)
def natural_person(request: HttpRequest, pk: int) -> HttpResponse:
    person = found(selectors.natural_person_for(request.user, pk))
    records = Paginator(records_of_subject(request.user, natural_person=person), 20)
    return render(
        request,
        "subjects/natural_person.html",
        {
            "person": person,
            "page": records.get_page(request.GET.get("page")),
            "tenant_label": principal_of(request.user).tenant_label,
        },
    )
