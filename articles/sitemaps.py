"""Sitemaps for search engines: live articles, and the topics and authors that have them."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from articles.models import Article, Author, Topic


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return (
            Article.objects.live()
            .order_by("-last_published_at", "pk")
            .only("slug", "last_published_at")
        )

    def lastmod(self, item):
        return item.last_published_at


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
    model = Author
    relation = "articles"


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "authors": AuthorSitemap}
