"""Reader pages. Every page asks `Article.objects.live()` what readers may see and renders
the live version's snapshot, never the working copy: addresses, topics, bylines and
reviewers are looked up on the live version too, so an unpublished edit changes no reader
page. Each page runs a fixed number of queries whatever the amount of content
(tests/articles/test_queries.py)."""

from django.db.models import Exists, Max, OuterRef, Q
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView, TemplateView

from articles.cache import kept_in_generation, page_generation
from articles.models import Article, ArticleVersion, Author, SearchGap, Topic
from ldn_portal.security import client_ip_address

PAGE_SIZE = 20
HOME_FEATURED = 3
HOME_LATEST = 6
RELATED_COUNT = 3
MAX_QUERY_LENGTH = 200


def live_articles():
    """Live articles with what a list card needs (the live version) in the same query."""
    return Article.objects.live().with_live_snapshot().order_by("-last_published_at", "-pk")


def live_version_ids():
    """The versions readers see now, as a subquery."""
    return Article.objects.live().values("live_version__pk")


def topics_with_live_articles():
    return (
        Topic.objects.filter(article_versions__in=live_version_ids())
        .annotate(last_published_at=Max("article_versions__article__last_published_at"))
        .order_by("name")
    )


def topics_to_suggest():
    """Topics with at least one live article, by name: one cheap probe per topic, where
    topics_with_live_articles() reads every live article for its dates."""
    has_live_article = Article.objects.live().filter(live_version__topics=OuterRef("pk"))
    return Topic.objects.filter(Exists(has_live_article)).order_by("name")


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        featured = list(live_articles().filter(featured=True)[:HOME_FEATURED])
        latest = live_articles().exclude(pk__in=[a.pk for a in featured])[:HOME_LATEST]
        return super().get_context_data(
            featured=featured, latest=latest, topics=topics_with_live_articles(), **kwargs
        )


class ArticleListView(ListView):
    """All live articles, newest first; with ?q= the search results, best match first."""

    template_name = "articles/list.html"
    context_object_name = "articles"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
        if self.query:
            return live_articles().search(self.query)
        return live_articles()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        if self.query and not context["page_obj"].object_list:
            context["suggested_topics"] = topics_to_suggest()
            if context["page_obj"].number == 1:
                # A content-gap signal for the demand dashboard; only the words are counted.
                SearchGap.objects.record(self.query, client=client_ip_address(self.request))
        return context


class TopicView(ListView):
    template_name = "articles/topic.html"
    context_object_name = "articles"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return live_articles().filter(live_version__topics=self.topic)

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


class AuthorView(ListView):
    template_name = "articles/author.html"
    context_object_name = "articles"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return (
            live_articles()
            .filter(
                Q(live_version__authors=self.author) | Q(live_version__medical_reviewer=self.author)
            )
            .distinct()
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class ArticleDetailView(DetailView):
    template_name = "articles/detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.live().with_live_snapshot()

    def get_object(self, queryset=None):
        # The address readers know is the live version's, not the working copy's.
        slug = self.kwargs["slug"]
        # Kept for the page cache generation, as the article's drawing is (get_context_data);
        # only live articles are kept (None is not), so unknown addresses add no entries.
        article = kept_in_generation(
            page_generation(self.request),
            ["article", slug],
            lambda: self.get_queryset().filter_live_version(slug=slug).first(),
        )
        if article is None:
            raise Http404("No live article at this address.")
        return article

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            slug = kwargs.get("slug")
            # An earlier address of a live article (printed handouts carry them): moved for good.
            moved = (
                Article.objects.live()
                .select_related("live_version")
                .filter(versions__slug=slug, versions__live_from__lte=timezone.now())
                .first()
            )
            if moved is not None:
                return HttpResponsePermanentRedirect(moved.get_absolute_url())
            # Readers once had this page: say it is gone (410), not that it never existed.
            gone = Article.objects.trashed().filter(
                versions__slug=slug, versions__live_from__isnull=False
            )
            if gone.exists():
                return render(request, "articles/gone.html", status=410)
            raise

    def get_context_data(self, **kwargs):
        article = self.object
        content = article.live_version.content
        topic_ids = [topic["id"] for topic in content.get("topics", [])]
        # Ids from the link table, not a join: a join needs DISTINCT over whole rows.
        on_same_topics = ArticleVersion.topics.through.objects.filter(topic__in=topic_ids)
        related = (
            live_articles()
            .filter_live_version(pk__in=on_same_topics.values("articleversion_id"))
            .exclude(pk=article.pk)
            if topic_ids
            else Article.objects.none()
        )
        # The article and its related articles change only with what readers see, which
        # starts a new page cache generation: drawn once per generation (and host), they are
        # read from the cache when the page is drawn again within it (its form token's bucket
        # ended, or a query string). The forms, with their token, are drawn each time.
        return super().get_context_data(
            content=content,
            related=related[:RELATED_COUNT],
            page_generation=page_generation(self.request),
            change_notes=article.live_version.reader_change_notes(),
            **kwargs,
        )


@require_GET
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("articles:sitemap"))
    # Disallow first: Python's robotparser (and other first-match parsers) stops at the first
    # rule that matches, so "Allow: /" before it would let them into /admin/.
    lines = ["User-agent: *", "Disallow: /admin/", "Allow: /", "", f"Sitemap: {sitemap}", ""]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={60 * 60 * 24}"
    return response
