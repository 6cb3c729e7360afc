from django.urls import path

from inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("ask/", views.ask, name="ask"),
    path("ask/thanks/", views.ThanksView.as_view(), name="thanks"),
    path("feedback/", views.feedback, name="feedback"),
]
