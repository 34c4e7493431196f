from django.urls import path

from credit.boards import views

app_name = "boards"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("design/", views.designer, name="designer"),
    path("design/folders/new/", views.folder_add, name="folder_add"),
    path("design/folders/<id:pk>/rename/", views.folder_rename, name="folder_rename"),
    path("design/folders/<id:pk>/move/", views.folder_move, name="folder_move"),
    path("design/folders/<id:pk>/delete/", views.folder_delete, name="folder_delete"),
    path("design/new/", views.board_create, name="board_create"),
    path("<id:pk>/", views.board_view, name="board"),
    path("<id:pk>/design/", views.board_design, name="design"),
    path("<id:pk>/design/save/", views.board_save, name="save"),
    path("<id:pk>/move/", views.board_move, name="move"),
    path("<id:pk>/publish/", views.board_publish, name="publish"),
    path("<id:pk>/unpublish/", views.board_unpublish, name="unpublish"),
    path("<id:pk>/copy/", views.board_copy, name="copy"),
    path("<id:pk>/delete/", views.board_delete, name="delete"),
]
