from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    name = "glossary"
    verbose_name = "Glossary"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from articles.cache import invalidate
        from glossary.models import Term

        # Every article page marks up the terms, so a changed term changes reader pages.
        def clear_reader_pages(sender, **kwargs):
            invalidate()

        post_save.connect(clear_reader_pages, sender=Term, dispatch_uid="pagecache-save-term")
        post_delete.connect(clear_reader_pages, sender=Term, dispatch_uid="pagecache-delete-term")
