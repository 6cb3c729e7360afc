import pytest


@pytest.fixture
def page_cache(settings):
    """The page cache on, as with a shared cache in production (tests use local memory)."""
    settings.PAGE_CACHE = True
    settings.PAGE_CACHE_SECONDS = 600
