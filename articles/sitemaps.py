"""Sitemaps for search engines: live articles, and the topics and authors that have them."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, OuterRef, Q, Subquery

from articles.models import Article, Author, Topic


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8
    # Pages of the articles section (sitemap-articles.xml?p=N): small enough to render fast.
    limit = 2000

    def items(self):
        return (
            Article.objects.live()
            .order_by("-last_published_at", "pk")
            .only("slug", "last_published_at")
        )

    def lastmod(self, item):
        return item.last_published_at

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
        live = Article.objects.live()
        return (
            self.model.objects.filter(**{f"{self.relation}__in": live})
            .annotate(last_published=Max(f"{self.relation}__last_published_at"))
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.last_published


class TopicSitemap(_WithLiveArticles):
    model = Topic
    relation = "articles"


class AuthorSitemap(_WithLiveArticles):
    """Authors with a live article they wrote or reviewed (both are on their page)."""

    model = Author

    def items(self):
        theirs = Article.objects.live().filter(
            Q(article_authors__author=OuterRef("pk")) | Q(medical_reviewer=OuterRef("pk"))
        )
        newest = theirs.order_by("-last_published_at").values("last_published_at")[:1]
        return (
            Author.objects.annotate(last_published=Subquery(newest))
            .filter(last_published__isnull=False)
            .order_by("slug")
        )


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "authors": AuthorSitemap}
