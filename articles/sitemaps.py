"""Sitemaps for search engines: live articles, and the topics and authors that have them."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from articles.models import Article, ArticleVersion, Author, Topic


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8
    # Pages of the articles section (sitemap-articles.xml?p=N): small enough to render fast.
    limit = 2000

    def items(self):
        return (
            Article.objects.live()
            .select_related("live_version")
            .order_by("-last_published_at", "pk")
            # Only the address and the date are shown (only() cannot name a FilteredRelation).
            .defer(*(f"live_version__{name}" for name in ("body", "content", "search_vector")))
        )

    def lastmod(self, item):
        return item.live_version.live_from

    def get_latest_lastmod(self):
        # For the sitemap index: one aggregate, not a walk over every article.
        return self.items().aggregate(latest=Max("last_published_at"))["latest"]


class _WithLiveArticles(Sitemap):
    """Pages that list live articles; lastmod is the newest publication among them."""

    changefreq = "weekly"
    priority = 0.5
    model = None
    relation = ""

    def items(self):
        # Through the versions readers see now: the live version's topics and byline.
        live = Article.objects.live().values("live_version__pk")
        return (
            self.model.objects.filter(**{f"{self.relation}__in": live})
            .annotate(last_published=Max(f"{self.relation}__live_from"))
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.last_published


class TopicSitemap(_WithLiveArticles):
    model = Topic
    relation = "article_versions"


class AuthorSitemap(_WithLiveArticles):
    """Authors named by a live version, in its byline or as its medical reviewer (both are
    on the author's page)."""

    model = Author

    def items(self):
        live = Article.objects.live().values("live_version__pk")

        def newest(**role):
            versions = ArticleVersion.objects.filter(pk__in=live, **role)
            return Subquery(versions.order_by("-live_from").values("live_from")[:1])

        wrote, reviewed = newest(authors=OuterRef("pk")), newest(medical_reviewer=OuterRef("pk"))
        # Coalesce both ways: SQLite's two-argument MAX() is NULL when either side is.
        return (
            Author.objects.annotate(
                last_published=Greatest(Coalesce(wrote, reviewed), Coalesce(reviewed, wrote))
            )
            .filter(last_published__isnull=False)
            .order_by("slug")
        )


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "authors": AuthorSitemap}
