"""Sitemaps for search engines: live articles, and the topics and authors that have them."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q

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


class AuthorSitemap(Sitemap):
    """Authors with a live article they wrote or medically reviewed."""

    changefreq = "weekly"
    priority = 0.5

    def items(self):
        live = Article.objects.live()
        wrote = Max("articles__last_published_at", filter=Q(articles__in=live))
        reviewed = Max("reviewed_articles__last_published_at", filter=Q(reviewed_articles__in=live))
        return (
            Author.objects.filter(Q(articles__in=live) | Q(reviewed_articles__in=live))
            .distinct()
            .annotate(wrote=wrote, reviewed=reviewed)
            .order_by("slug")
        )

    def lastmod(self, item):
        return max(filter(None, [item.wrote, item.reviewed]), default=None)


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "authors": AuthorSitemap}
