"""Reader search: PostgreSQL full-text search, with a plain fallback on other databases.

On PostgreSQL each version carries two vectors filled when the version is saved: a weighted
search vector (title and topic words A, summary B, body C) that finds matches anywhere, and a
small rank vector (title and topics A, summary B) that ranks them; GIN indexes serve both.
Every word a reader types is matched as a prefix ("fibro" finds "fibromyalgia"). Other
databases (SQLite in development) match words as substrings. Topic names and synonyms always
count, so "LDN" finds the naltrexone article.

Results are capped at MAX_RESULTS, best match first: articles matching in their title, topics
or summary (ranked), then those matching only in the body (newest first). Each group is read
newest first and stops at the cap, so a word most articles contain costs little more than a
rare one. When more articles match than the cap, what is left out is the oldest title, topic
and summary matches and every body-only match; the page then says "more than".
"""

import re
from collections.abc import Sequence

from django.contrib.postgres.search import SearchQuery, SearchQueryField, SearchVector
from django.db import connection
from django.db.models import Case, ExpressionWrapper, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property
from django.utils.html import strip_tags

SEARCH_CONFIG = "english"
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# More results than anyone pages through (50 pages of 20); beyond it the page says "more than".
MAX_RESULTS = 1000
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
    """Fill `version.search_vector` and `version.rank_vector` from its content (PostgreSQL
    only; a no-op elsewhere)."""
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

    rank_vector = (
        weighted(content.get("title", ""), "A")
        + weighted(topic_text, "A")
        + weighted(content.get("summary", ""), "B")
    )
    type(version).objects.filter(pk=version.pk).update(
        search_vector=rank_vector + weighted(strip_tags(content.get("body", "")), "C"),
        rank_vector=rank_vector,
    )


def _topic_version_ids(terms):
    """Ids of versions on a topic whose name or synonyms contain every term (the synonyms may
    have changed since the version was saved, so they are checked at query time too); the
    live version's topics decide, never the working copy's. The topics table is tiny, so this
    subquery is cheap on its own."""
    from articles.models import ArticleVersion, Topic

    topics = Topic.objects.all()
    for term in terms:
        topics = topics.filter(Q(name__icontains=term) | Q(search_synonyms__icontains=term))
    return (
        ArticleVersion.topics.through.objects.filter(topic__in=topics)
        .order_by()
        .values("articleversion_id")
    )


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


class SearchResults(Sequence):
    """A reader's search results, best match first, as a sequence for Django's Paginator.

    The ranked article ids (at most MAX_RESULTS + 1, to tell whether there are more) are read
    with one query the first time they are needed; each page's articles with one more, from
    `queryset`. `len()` is the number of results shown; `capped` says that there are more.
    """

    def __init__(self, queryset, ranked_ids):
        self.queryset = queryset
        self._ranked_ids = ranked_ids

    @cached_property
    def ids(self):
        return self._ranked_ids()

    @property
    def capped(self):
        return len(self.ids) > MAX_RESULTS

    def __len__(self):
        return min(len(self.ids), MAX_RESULTS)

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1 or None][0]
        ids = self.ids[:MAX_RESULTS][index]
        articles = self.queryset.filter(pk__in=ids).in_bulk()
        # An article that stopped being live since the ids were read is simply left out.
        return [articles[pk] for pk in ids if pk in articles]

    def __iter__(self):
        return iter(self[:])


def search(queryset, q):
    """The articles of `queryset` (live articles) matching `q`, best match first, as
    SearchResults (see the module docstring for the order and the cap)."""
    terms = search_terms(q)
    if not terms:
        return SearchResults(queryset, list)
    ranked_ids = _ranked_ids if is_postgresql() else _ranked_ids_fallback
    return SearchResults(queryset, lambda: ranked_ids(queryset, terms))


# Three groups, each read newest first up to the cap: matches in the title, topics or summary
# (the rank vector), articles on a topic whose current name or synonyms contain every word
# (synonyms an editor added after the version was saved), and matches anywhere, the body too.
# The last two are read only when the first found fewer than the cap (a one-time filter, so
# PostgreSQL does not run them at all otherwise). An article found twice counts once, in its
# best group (DISTINCT ON). Only the first group is ranked, on the small rank vector.
_RANKED_IDS = """
WITH by_words (id, published, rank_vector, query) AS ({by_words}),
by_topic (id, published) AS ({by_topic}),
by_body (id, published) AS ({by_body})
SELECT id FROM (
    SELECT DISTINCT ON (id) id, tier, rank, published FROM (
        SELECT id, 2 AS tier, ts_rank(rank_vector, query) AS rank, published FROM by_words
        UNION ALL
        SELECT id, 2, 0, published FROM by_topic WHERE (SELECT count(*) FROM by_words) < %s
        UNION ALL
        SELECT id, 1, 0, published FROM by_body WHERE (SELECT count(*) FROM by_words) < %s
    ) AS found
    ORDER BY id, tier DESC, rank DESC
) AS best
ORDER BY tier DESC, rank DESC, published DESC, id DESC
LIMIT %s
"""


def ranked_ids_sql(queryset, terms):
    """PostgreSQL: the statement (SQL, params) reading the ids of at most MAX_RESULTS + 1
    articles of `queryset` matching `terms`, best match first.

    For a word most articles contain, PostgreSQL walks the live articles newest first and
    stops at the cap; for a rarer one it reads the matches from a GIN index. The tsquery is
    selected as a column so that the outer query can rank with it (a constant once planned).
    """
    query = _full_text_query(terms)
    limit = MAX_RESULTS + 1
    newest = queryset.order_by("-last_published_at", "-pk")
    groups = {
        "by_words": newest.filter(live_version__rank_vector=query)
        .annotate(query=ExpressionWrapper(query, output_field=SearchQueryField()))
        .values_list("pk", "last_published_at", "live_version__rank_vector", "query"),
        "by_topic": newest.filter(live_version__in=_topic_version_ids(terms)).values_list(
            "pk", "last_published_at"
        ),
        "by_body": newest.filter(live_version__search_vector=query).values_list(
            "pk", "last_published_at"
        ),
    }
    sql, params = {}, []
    for name, group in groups.items():
        sql[name], group_params = group[:limit].query.sql_with_params()
        params += group_params
    return _RANKED_IDS.format(**sql), [*params, limit, limit, limit]


def _ranked_ids(queryset, terms):
    with connection.cursor() as cursor:
        cursor.execute(*ranked_ids_sql(queryset, terms))
        return [row[0] for row in cursor.fetchall()]


def _ranked_ids_fallback(queryset, terms):
    """Other databases: substring matches; title or topic matches first, then summary
    matches, then the rest, each newest first."""
    title_match = Q()
    summary_match = Q()
    text_match = Q()
    for term in terms:
        title_match &= Q(live_version__title__icontains=term)
        summary_match &= Q(live_version__summary__icontains=term)
        text_match &= (
            Q(live_version__title__icontains=term)
            | Q(live_version__summary__icontains=term)
            | Q(live_version__body__icontains=term)
        )
    topic_match = Q(live_version__in=_topic_version_ids(terms))
    matches = queryset.filter(Q(pk__in=queryset.filter(text_match).values("pk")) | topic_match)
    rank = Case(When(title_match | topic_match, then=2), When(summary_match, then=1), default=0)
    return list(
        matches.annotate(rank=rank)
        .order_by("-rank", "-last_published_at", "-pk")
        .values_list("pk", flat=True)[: MAX_RESULTS + 1]
    )


# Words that say nothing about a question's subject; left out when suggesting articles.
_QUESTION_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "get",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "might",
        "more",
        "most",
        "my",
        "no",
        "not",
        "now",
        "of",
        "on",
        "or",
        "our",
        "out",
        "should",
        "so",
        "some",
        "such",
        "take",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "dont",
        "im",
        "ive",
    ]
)


def suggest(queryset, text, limit=3):
    """Up to `limit` articles of `queryset` that best answer a reader's question `text`.

    A question is sentences, not search words: each of its telling words is searched on its
    own (the site's search, so topic names and synonyms count), and the articles found for the
    most words come first, the search's own order breaking ties.
    """
    words = [
        word[:MAX_TERM_LENGTH]
        for word in _WORD.findall((text or "").lower())
        if word not in _QUESTION_WORDS
    ][:MAX_TERMS]
    scores = {}
    for position, word in enumerate(dict.fromkeys(words)):
        for rank, article in enumerate(search(queryset, word)[: limit * 3]):
            hits, first = scores.get(article.pk, (0, (position, rank)))
            scores[article.pk] = (hits + 1, min(first, (position, rank)))
    best = sorted(scores, key=lambda pk: (-scores[pk][0], scores[pk][1]))[:limit]
    articles = queryset.in_bulk(best)
    return [articles[pk] for pk in best if pk in articles]
