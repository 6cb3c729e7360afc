"""Broken source links as content checks and as a staff-home panel."""

from django.urls import reverse

from articles.content_checks import WARN, Check
from articles.models import Article
from sourcecheck.models import SourceLinkCheck

PANEL_LIMIT = 20


def broken_sources_check(content):
    """A warning per source of this snapshot whose link failed its last check."""
    urls = [source["url"] for source in content.get("sources", []) if source.get("url")]
    if not urls:
        return []
    broken = {check.url: check for check in SourceLinkCheck.objects.broken().filter(url__in=urls)}
    return [
        Check(
            WARN,
            f"Source {number} ({source['title']}) {broken[source['url']].problem} when it was "
            f"checked on {broken[source['url']].checked_at:%d %b %Y}: replace or remove the link.",
            field="sources",
        )
        for number, source in enumerate(content.get("sources", []), start=1)
        if source.get("url") in broken
    ]


def broken_source_links(request):
    """Staff-home panel: live articles citing a link that failed its last check."""
    if not request.user.has_perm("articles.change_article"):
        return None
    broken = {check.url: check for check in SourceLinkCheck.objects.broken()}
    items = []
    if broken:
        # The working title, as staff know the article.
        articles = Article.objects.live().select_related("live_version").order_by("title")
        for article in articles:
            for source in article.live_version.content.get("sources", []):
                check = broken.get(source.get("url"))
                if check:
                    items.append(
                        {
                            "label": article.title,
                            "url": reverse("admin:articles_article_change", args=[article.pk]),
                            "detail": f"{source['title']}: {check.problem}",
                        }
                    )
    return {
        "title": "Broken source links",
        "items": items[:PANEL_LIMIT],
        "empty_text": "Every source link answered at the last check.",
    }
