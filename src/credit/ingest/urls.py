from django.urls import path

from credit.ingest.views import batches, feedback, quality

app_name = "ingest"
urlpatterns = [
    path("", batches.upload, name="upload"),
    path("batches/", batches.batch_list, name="batches"),
    path("batches/export.xlsx", batches.batch_export, name="batches_xlsx"),
    path("quality/", quality.quality_ranking, name="quality"),
    path("quality/<str:code>/", quality.quality_department, name="quality_department"),
    path("batches/<id:pk>/", batches.batch_detail, name="batch"),
    path("batches/<id:pk>/progress/", batches.batch_progress, name="progress"),
    path("batches/<id:pk>/reprocess/", batches.batch_reprocess, name="reprocess"),
    path("batches/<id:pk>/feedback.xlsx", feedback.batch_feedback_xlsx, name="feedback_xlsx"),
    path("batches/<id:pk>/feedback.json", feedback.batch_feedback_json, name="feedback_json"),
    path("batches/<id:pk>/rejected.xlsx", feedback.batch_rejected_xlsx, name="rejected_xlsx"),
]
