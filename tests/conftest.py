import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads made by tests never touch the developer's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _cache_per_test_process(settings):
    """Local memory, not the one-box file cache: test processes must not share entries. The
    page cache stays off unless a test turns it on (tests/performance/conftest.py)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _clear_cache(_cache_per_test_process):
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
