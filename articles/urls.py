from django.urls import path

from articles import feeds, sitemap_views, views
from articles.cache import reader_page_cache

app_name = "articles"

urlpatterns = [
    path("", reader_page_cache(views.HomeView.as_view()), name="home"),
    path("articles/", reader_page_cache(views.ArticleListView.as_view()), name="list"),
    path(
        "articles/<slug:slug>/",
        reader_page_cache(views.ArticleDetailView.as_view()),
        name="detail",
    ),
    path("topics/<slug:slug>/", reader_page_cache(views.TopicView.as_view()), name="topic"),
    path("authors/<slug:slug>/", reader_page_cache(views.AuthorView.as_view()), name="author"),
    path("feeds/articles/", reader_page_cache(feeds.LatestArticlesFeed()), name="feed"),
    path(
        "feeds/articles/atom/",
        reader_page_cache(feeds.LatestArticlesAtomFeed()),
        name="feed-atom",
    ),
    path("sitemap.xml", reader_page_cache(sitemap_views.index), name="sitemap"),
    path(
        "sitemap-<slug:section>.xml",
        reader_page_cache(sitemap_views.section),
        name="sitemap-section",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
]
