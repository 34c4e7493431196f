"""Government integrity (政务诚信): the staff pages under ``/integrity/`` (``urlpatterns``,
namespace ``integrity``) and the public pages under ``/portal/integrity/`` (``portal_patterns``,
namespace ``integrity_portal``, mounted by :mod:`credit.urls` before the portal). Each view
module lists its own routes (``urls``)."""

from credit.integrity.views import archive, collection, government, honour, public, rules

app_name = "integrity"

urlpatterns = [
    *archive.urls,  # 公务员诚信档案: list, one person's archive, distributions
    *rules.urls,  # 评分规则 versions
    *collection.urls,  # 年度归集任务
    *government.urls,  # 政务失信记录 and 统一撤销
    *honour.urls,  # 红黑榜 (staff)
]

portal_patterns = public.urls  # 政务诚信 column, the 红黑榜, one's own archive
