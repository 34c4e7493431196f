"""Credit commitments (信用承诺): the staff pages under ``/commitments/`` (``urlpatterns``,
namespace ``commitments``) and the public pages under ``/portal/commitments/``
(``portal_patterns``, namespace ``commitments_portal``, mounted by :mod:`credit.urls` before
the portal). Each view module lists its own routes (``urls``)."""

from credit.commitments.views import commitments, coverage, items, public

app_name = "commitments"

urlpatterns = [
    *commitments.urls,  # the list, one commitment, review, fulfilment/breach, entry, suspicions
    *items.urls,  # 承诺事项 and their template versions
    *coverage.urls,  # coverage against the targets
]

portal_patterns = public.urls  # 信用承诺 column, export, signing a commitment online
