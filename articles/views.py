from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView, TemplateView

from articles.models import Article, Author, Topic


class HomeView(TemplateView):
    template_name = "articles/home.html"


class ArticleListView(ListView):
    template_name = "articles/list.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        return Article.objects.live().select_related("live_version")


class ArticleDetailView(DetailView):
    template_name = "articles/detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.live().select_related("live_version")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["content"] = self.object.live_version.content
        return context


class TopicView(ListView):
    template_name = "articles/list.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return Article.objects.live().filter(topics=self.topic).select_related("live_version")


class AuthorView(DetailView):
    model = Author
    template_name = "articles/author.html"
    context_object_name = "author"
