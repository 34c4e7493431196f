from django.urls import path

from credit.ingest import views

app_name = "ingest"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("batches/", views.batch_list, name="batches"),
    path("quality/", views.quality_ranking, name="quality"),
    path("quality/<str:code>/", views.quality_department, name="quality_department"),
    path("batches/<id:pk>/", views.batch_detail, name="batch"),
    path("batches/<id:pk>/progress/", views.batch_progress, name="progress"),
    path("batches/<id:pk>/reprocess/", views.batch_reprocess, name="reprocess"),
    path("batches/<id:pk>/feedback.xlsx", views.batch_feedback_xlsx, name="feedback_xlsx"),
    path("batches/<id:pk>/feedback.json", views.batch_feedback_json, name="feedback_json"),
]
