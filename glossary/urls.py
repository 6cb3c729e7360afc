from django.urls import path

from articles.cache import reader_page_cache
from glossary import views

app_name = "glossary"

urlpatterns = [
    path("glossary/", reader_page_cache(views.GlossaryView.as_view()), name="index"),
]
