from django.urls import path

from credit.ingest.views import batches, quality

app_name = "ingest"
urlpatterns = [
    path("", batches.upload, name="upload"),
    path("batches/", batches.batch_list, name="batches"),
    path("quality/", quality.quality_ranking, name="quality"),
    path("quality/<str:code>/", quality.quality_department, name="quality_department"),
    path("batches/<id:pk>/", batches.batch_detail, name="batch"),
    path("batches/<id:pk>/progress/", batches.batch_progress, name="progress"),
    path("batches/<id:pk>/reprocess/", batches.batch_reprocess, name="reprocess"),
    path("batches/<id:pk>/feedback.xlsx", batches.batch_feedback_xlsx, name="feedback_xlsx"),
    path("batches/<id:pk>/feedback.json", batches.batch_feedback_json, name="feedback_json"),
]
