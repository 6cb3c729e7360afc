"""Sitemaps for search engines: live articles, and the topics and authors that have them."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, Greatest

from articles.models import Article, Author, Topic


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
    """Authors with a live article they wrote or reviewed (both are on their page)."""

    model = Author
    relation = "article_versions"

    def items(self):
        live = Article.objects.live().values("live_version__pk")
        wrote = Q(article_versions__in=live)
        reviewed = Q(reviewed_versions__in=live)
        as_author = Max("article_versions__live_from", filter=wrote)
        as_reviewer = Max("reviewed_versions__live_from", filter=reviewed)
        # SQLite's GREATEST is NULL when either is: someone who only reviewed still counts.
        newest = Greatest(Coalesce(as_author, as_reviewer), Coalesce(as_reviewer, as_author))
        return (
            Author.objects.filter(wrote | reviewed).annotate(last_published=newest).order_by("slug")
        )


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "authors": AuthorSitemap}
