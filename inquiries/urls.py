from django.urls import path

from inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("ask/", views.ask, name="ask"),
    path("ask/thanks/", views.ThanksView.as_view(), name="thanks"),
    path("ask/thanks/urgent/", views.ThanksView.as_view(urgent=True), name="thanks_urgent"),
    path("feedback/", views.feedback, name="feedback"),
    path("ask/suggestions/", views.suggestions, name="suggestions"),
    path("ask/suggestions/<int:article_id>/", views.open_suggestion, name="open_suggestion"),
]
