"""RSS and Atom feeds of live articles, from their live versions."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from articles.models import Article

FEED_SIZE = 20


class LatestArticlesFeed(Feed):
    link = reverse_lazy("articles:list")

    def title(self):
        return f"{settings.SITE_NAME}: latest articles"

    def description(self):
        return f"New and updated articles from {settings.ORGANIZATION_NAME}."

    def items(self):
        return (
            Article.objects.live()
            .select_related("live_version")
            .order_by("-last_published_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item):
        return item.live_version.title

    def item_description(self, item):
        return item.live_version.summary

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_author_name(self, item):
        names = [author["name"] for author in item.live_version.content.get("authors", [])]
        return ", ".join(names) or None

    def item_categories(self, item):
        return [topic["name"] for topic in item.live_version.content.get("topics", [])]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed

    def subtitle(self):
        return self.description()
