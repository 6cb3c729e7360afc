from django.apps import AppConfig


class SourcecheckConfig(AppConfig):
    name = "sourcecheck"
    verbose_name = "Source link checks"

    def ready(self):
        from articles import content_checks
        from ldn_portal.staff_home import register
        from sourcecheck.checks import broken_source_links, broken_sources_check

        content_checks.register(broken_sources_check)
        register(broken_source_links)
