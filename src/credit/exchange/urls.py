"""Exchange (数据交换): the staff pages under ``/exchange/`` (namespace ``exchange``). Each view
module lists its own routes (``urls``)."""

from credit.exchange.views import jobs, partners

app_name = "exchange"

urlpatterns = [
    *jobs.urls,  # 交换作业: channels with next and last run, runs, run now
    *partners.urls,  # 交换伙伴 and 通道, reconciliation and re-send
]
