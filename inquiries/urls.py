from django.urls import path

from inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("ask/", views.AskView.as_view(), name="ask"),
]
