"""RSS and Atom feeds of live articles, from their live versions."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from articles.models import Article

FEED_SIZE = 20
# XML 1.0 forbids most control characters; text pasted into the admin (from PDFs, say) can
# hold them, and one would make the whole feed fail to render.
_XML_ILLEGAL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


def _xml_text(text):
    return text.translate(_XML_ILLEGAL) if text else text


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
        return _xml_text(item.live_version.title)

    def item_description(self, item):
        return _xml_text(item.live_version.summary)

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.live_version.live_from

    def item_author_name(self, item):
        names = [author["name"] for author in item.live_version.content.get("authors", [])]
        return _xml_text(", ".join(names)) or None

    def item_categories(self, item):
        return [_xml_text(topic["name"]) for topic in item.live_version.content.get("topics", [])]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed

    def subtitle(self):
        return self.description()
