"""Redis as an accelerator, never a dependency: cache backends that fail soft.

Every request uses the cache (the page cache's lookup, rate limits, the dashboard's figures,
clearing after a save). With Django's own Redis backend a stopped Redis raises in each of them
and a hung one holds every request for as long as the socket waits. This backend gives each
operation a short socket timeout (settings, `LDN_CACHE_TIMEOUT_SECONDS`) and, when Redis does not
answer, behaves as an empty cache: reads miss, writes are dropped. After a failure it does not
try again for `RETRY_AFTER` seconds, so a hung Redis costs one timeout per process and second,
not one per request.

Deletes that fail are remembered and sent again, first thing, once Redis answers (and by a
timer while some are pending), so a page cleared during an outage is not served after it. The
keys registered with `forget_after_outage` (the page cache's generation) are deleted too when
Redis returns, by every process that saw it fail.

With `OPTIONS["LOCAL_FALLBACK"]` (the rate limit's cache), a process-local memory cache takes
over during an outage instead of an empty one: rate limits are then counted per process.

`ResilientFileBasedCache`, the one-box cache without Redis, likewise drops writes to a full or
unwritable disk instead of failing the request.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 1.0
CACHE_ERRORS = (RedisError, OSError)

_forget_after_outage = set()
_UNAVAILABLE = object()


def forget_after_outage(key):
    """Delete `key` whenever Redis comes back after this process saw it fail."""
    _forget_after_outage.add(key)


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, keeping one `redis.Redis` per connection pool.

    Django's makes a new one for every operation, which cost more than the MGET itself on a
    page cache hit (docs/performance.md); a `redis.Redis` is safe to share between threads.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS", {}))
        local_fallback = options.pop("LOCAL_FALLBACK", False)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
        self._fallback = (
            LocMemCache(f"ldn-fallback-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
            if local_fallback
            else None
        )
        self._lock = threading.Lock()
        self._down_since = None
        self._retry_at = 0.0
        self._pending_deletes = set()
        self._timer = None

    # State -------------------------------------------------------------------------------
    def ping(self):
        """Ask Redis now, whatever the last failure: True when it answers."""
        try:
            self._cache.get_client(write=True).ping()
        except CACHE_ERRORS:
            self._failed()
            return False
        self._recovered()
        return True

    def _failed(self):
        with self._lock:
            now = time.monotonic()
            if self._down_since is None:
                self._down_since = now
                logger.warning("Cache unavailable: serving without it until it answers again")
            self._retry_at = now + RETRY_AFTER

    def _recovered(self):
        if self._down_since is None and not self._pending_deletes:
            return
        with self._lock:
            was_down = self._down_since is not None
            self._down_since = None
            keys = set(self._pending_deletes)
            if was_down:
                keys |= _forget_after_outage
        if keys:
            try:
                self._cache.delete_many([self.make_and_validate_key(key) for key in keys])
            except CACHE_ERRORS:
                self._failed()
                return
            with self._lock:
                self._pending_deletes -= keys
        if was_down:
            logger.warning("Cache available again")

    def _call(self, name, default, *args, **kwargs):
        if self._down_since is not None and time.monotonic() < self._retry_at:
            return self._use_fallback(name, default, *args, **kwargs)
        try:
            if self._down_since is not None or self._pending_deletes:
                self._cache.get_client(write=True).ping()
                self._recovered()
                if self._down_since is not None:
                    return self._use_fallback(name, default, *args, **kwargs)
            return getattr(super(), name)(*args, **kwargs)
        except CACHE_ERRORS:
            self._failed()
            return self._use_fallback(name, default, *args, **kwargs)

    def _use_fallback(self, name, default, *args, **kwargs):
        if self._fallback is not None:
            return getattr(self._fallback, name)(*args, **kwargs)
        return default

    def _remember_deletes(self, keys):
        with self._lock:
            self._pending_deletes.update(keys)
            if self._timer is None or not self._timer.is_alive():
                self._timer = threading.Timer(RETRY_AFTER, self._retry_deletes)
                self._timer.daemon = True
                self._timer.start()

    def _retry_deletes(self):
        # Off the request path: keep trying until the cache takes the deletes.
        while self._pending_deletes:
            self.ping()
            if self._pending_deletes:
                time.sleep(RETRY_AFTER)

    # Django's cache API ----------------------------------------------------------------------
    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        value = self._call("incr", _UNAVAILABLE, key, delta, version)
        if value is _UNAVAILABLE:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return value

    def delete(self, key, version=None):
        deleted = self._call("delete", None, key, version)
        if deleted is None:
            self._remember_deletes([key])
            return False
        return deleted

    def delete_many(self, keys, version=None):
        keys = list(keys)
        done = self._call("delete_many", None, keys, version)
        if done is None and self._down_since is not None:
            self._remember_deletes(keys)

    def clear(self):
        return self._call("clear", False)


class ResilientFileBasedCache(FileBasedCache):
    """The one-box cache (files every worker on the machine shares), failing soft like the
    Redis one: a full or unwritable disk drops the write instead of failing the request."""

    def __init__(self, dir, params):
        try:
            super().__init__(dir, params)
        except OSError as error:
            # The folder is made on first use too; until then every read misses.
            logger.warning("File cache folder unusable (%s)", error.strerror)

    def _soft(self, name, default, *args, **kwargs):
        try:
            return getattr(super(), name)(*args, **kwargs)
        except OSError as error:
            logger.warning("File cache unavailable (%s): going on without it", error.strerror)
            return default

    def get(self, key, default=None, version=None):
        return self._soft("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("add", False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._soft("delete", False, key, version)
