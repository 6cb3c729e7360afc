from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from articles.cache import connect_signals

        connect_signals()

        from articles.frontend_cache import connect_frontend_cache_signals

        connect_frontend_cache_signals()
