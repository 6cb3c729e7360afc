"""Reader search: PostgreSQL full-text search, with a plain fallback on other databases.

On PostgreSQL each version carries a weighted search vector (title and topic words A,
summary B, body C) filled when the version is saved; the GIN index from migration 0002
serves it. Every word a reader types is matched as a prefix ("fibro" finds
"fibromyalgia"). Other databases (SQLite in development) match words as substrings.
Topic names and synonyms always count, so "LDN" finds the naltrexone article.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import strip_tags

SEARCH_CONFIG = "english"
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def search_terms(q):
    """The words of a reader's query, lower-cased, with every operator character dropped."""
    words = _WORD.findall((q or "").lower())
    return [word[:MAX_TERM_LENGTH] for word in words][:MAX_TERMS]


def is_postgresql():
    return connection.vendor == "postgresql"


def _topic_words(content):
    return " ".join(topic.get("name", "") for topic in content.get("topics", []))


def update_search_vector(version):
    """Fill `version.search_vector` from its content (PostgreSQL only; a no-op elsewhere)."""
    if not is_postgresql():
        return
    from articles.models import Topic

    content = version.content
    topic_ids = [topic["id"] for topic in content.get("topics", [])]
    synonyms = Topic.objects.filter(pk__in=topic_ids).values_list("search_synonyms", flat=True)
    topic_text = " ".join([_topic_words(content), *synonyms]).replace(",", " ")

    def weighted(text, weight):
        # English stems ("trials" finds "trial") plus the words as written, because a stemmed
        # prefix misses some words ("hydroxy" stems to "hydroxi", no prefix of the drug name).
        return SearchVector(Value(text), weight=weight, config=SEARCH_CONFIG) + SearchVector(
            Value(text), weight=weight, config="simple"
        )

    vector = (
        weighted(content.get("title", ""), "A")
        + weighted(topic_text, "A")
        + weighted(content.get("summary", ""), "B")
        + weighted(strip_tags(content.get("body", "")), "C")
    )
    type(version).objects.filter(pk=version.pk).update(search_vector=vector)


def _topic_article_ids(terms):
    """Ids of articles whose topic name or synonyms contain every term (the synonyms may have
    changed since the version was saved, so they are checked at query time too). The topics
    table is tiny, so this subquery is cheap on its own."""
    from articles.models import Article, Topic

    topics = Topic.objects.all()
    for term in terms:
        topics = topics.filter(Q(name__icontains=term) | Q(search_synonyms__icontains=term))
    return Article.topics.through.objects.filter(topic__in=topics).order_by().values("article_id")


# The term's prefix on its English stem, and on the word as written only when the stem is not
# a prefix of it. Built in SQL from immutable functions, so PostgreSQL folds it to a constant
# when planning (no extra query) and estimates the match from its statistics.
_TERM_PREFIXES = (
    "CASE WHEN starts_with(%s::text, COALESCE((ts_lexize('english_stem', %s::text))[1], %s::text))"
    " THEN COALESCE((ts_lexize('english_stem', %s::text))[1], %s::text) || ':*'"
    " ELSE (ts_lexize('english_stem', %s::text))[1] || ':* | ' || %s::text || ':*' END"
)


def _full_text_query(terms):
    """Every term as a prefix, as written and as its English stem ("hydroxy" stems to
    "hydroxi", no prefix of the drug name). When the stem is a prefix of the word, the stem
    alone covers both: ORing in the word would double the planner's estimate of the matches
    and tip it from the GIN index to a scan that reads every vector."""
    query = None
    for term in terms:
        params = [term] * _TERM_PREFIXES.count("%s")
        prefixes = RawSQL(_TERM_PREFIXES, params)  # noqa: S611 (constant SQL; the term is a parameter)
        term_query = SearchQuery(prefixes, search_type="raw", config="simple")
        query = term_query if query is None else query & term_query
    return query


def search(queryset, q):
    """Filter `queryset` (articles) to those matching `q`, best match first.

    The text match and the topic match are computed as two separate id subqueries and only
    their ids are ORed: an OR across the version join would keep PostgreSQL from using the GIN
    index and make it rank every live version. Only the matching articles are ranked.
    """
    terms = search_terms(q)
    if not terms:
        return queryset.none()
    by_topic = _topic_article_ids(terms)
    if is_postgresql():
        from articles.models import ArticleVersion

        query = _full_text_query(terms)
        by_text = (
            ArticleVersion.objects.filter(search_vector=query, article__live_version=F("pk"))
            .order_by()
            .values("article_id")
        )
        return (
            queryset.filter(pk__in=by_text.union(by_topic))
            .annotate(rank=SearchRank(F("live_version__search_vector"), query))
            .order_by("-rank", "-last_published_at", "-pk")
        )
    text_match = Q()
    title_match = Q()
    for term in terms:
        title_match &= Q(live_version__title__icontains=term)
        text_match &= (
            Q(live_version__title__icontains=term)
            | Q(live_version__summary__icontains=term)
            | Q(live_version__body__icontains=term)
        )
    ids = queryset.filter(text_match).values("pk")
    return (
        queryset.filter(Q(pk__in=ids) | Q(pk__in=by_topic))
        .annotate(rank=Case(When(title_match, then=Value(1.0)), default=Value(0.0)))
        .order_by("-rank", "-last_published_at", "-pk")
    )
