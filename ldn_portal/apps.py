from django.apps import AppConfig


class LdnPortalConfig(AppConfig):
    name = "ldn_portal"
    verbose_name = "LDN Portal"
