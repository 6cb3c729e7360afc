"""Redis as an accelerator, never a dependency: cache backends that fail soft.

Every request uses the cache (the page cache's lookup, rate limits, the dashboard's figures,
clearing after a save). With Django's own Redis backend a stopped Redis raises in each of them
and a hung one holds every request for as long as the socket waits. This backend gives each
operation a short socket timeout (settings, `LDN_CACHE_TIMEOUT_SECONDS`) and, when Redis does not
answer, behaves as an empty cache: reads miss, writes are dropped. After a failure it does not
try again for `RETRY_AFTER` seconds, so a hung Redis costs one timeout per process and second,
not one per request.

Deletes that fail are remembered and sent again, first thing, once Redis answers (and by a
timer while some are pending); `delete` then returns None (not False: nothing was said about
the key). The keys registered with `forget_after_outage` are deleted too when Redis returns,
by every process that saw it fail. That much lives in one process's memory: another process
or app server that saw no failure (Redis hung and came back with its old entries, or was
unreachable from the publisher only) would go on reading the key until that retry lands, and
not at all if the process that owes it dies. A `DurableClear` closes that for the keys that
must not outlive a change (the page cache's generation): the clear is counted in the
database, in the change's own transaction, and every process reads the count.

With `OPTIONS["LOCAL_FALLBACK"]` (the rate limit's cache), a process-local memory cache takes
over during an outage instead of an empty one: rate limits are then counted per process.

`ResilientFileBasedCache`, the one-box cache without Redis, likewise drops writes to a full or
unwritable disk instead of failing the request.
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import DatabaseError, IntegrityError, InterfaceError, transaction
from django.db.models import F
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
        self._notices_lock = threading.Lock()
        self._notices = None
        self._notices_pid = None
        self._notices_retry_at = 0.0
        self._seen = object()

    # Changes announced to every process ----------------------------------------------------
    @property
    def _notices_channel(self):
        return self.make_key("notices:changes")

    def announce_change(self):
        """Tell every process using this Redis (this one at once) that a key they may hold a
        copy of was deleted: call it after the delete."""
        self._seen = object()
        if self._down_since is not None:
            return  # the reconnection of every subscriber tells them instead
        try:
            self._cache.get_client(write=True).publish(self._notices_channel, b"")
        except CACHE_ERRORS:
            self._failed()

    def changes_seen(self):
        """A token that stays the same object for as long as no change has been announced
        (`announce_change`) by any process since this one got it; None while this process
        cannot know (Redis down, or the subscription to the announcements not made yet).

        No round trip: the announcements are read from this process's own subscription,
        whose socket holds any announcement made before the announcer went on.
        """
        with self._notices_lock:
            if self._notices_pid != os.getpid():
                # A forked worker must not read its parent's socket.
                self._notices, self._notices_pid = None, os.getpid()
            if self._notices is None and not self._subscribe():
                return None
            try:
                while self._notices.get_message(timeout=0.0) is not None:
                    self._seen = object()
            except CACHE_ERRORS:
                self._give_up_notices(self._notices)
                self._notices = None
                return None
            return self._seen

    def _subscribe(self):
        if time.monotonic() < self._notices_retry_at:
            return False
        notices = self._cache.get_client(write=True).pubsub()
        try:
            notices.subscribe(self._notices_channel)
            confirmed = notices.get_message(timeout=settings.CACHE_TIMEOUT_SECONDS)
            if not confirmed or confirmed["type"] != "subscribe":
                raise OSError("no confirmation of the subscription")
        except CACHE_ERRORS:
            self._give_up_notices(notices)
            return False
        # Announcements made while the connection was down are lost: a reconnection, which
        # redis-py makes by itself inside get_message, counts as a change.
        notices.connection.register_connect_callback(self._notices_reconnected)
        self._notices, self._seen = notices, object()
        return True

    def _give_up_notices(self, notices):
        """Close a subscription that failed; subscribe again after RETRY_AFTER."""
        notices.close()
        self._notices_retry_at = time.monotonic() + RETRY_AFTER

    def _notices_reconnected(self, connection):
        self._seen = object()

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
            keys = set(self._pending_deletes)
            if was_down:
                keys |= _forget_after_outage
        if keys:
            try:
                self._cache.delete_many([self.make_and_validate_key(key) for key in keys])
            except CACHE_ERRORS:
                self._failed()
                return
        # Only now: until the owed deletes are in, this process's other threads keep asking
        # (and deleting) first instead of reading what the deletes are about.
        with self._lock:
            self._pending_deletes -= keys
            self._down_since = None
        if keys:
            self.announce_change()
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
        """True or False as Django's backends say; None when Redis did not take the delete
        (it is sent again when Redis answers)."""
        deleted = self._call("delete", None, key, version)
        if deleted is None:
            self._remember_deletes([key])
        return deleted

    def delete_many(self, keys, version=None):
        keys = list(keys)
        done = self._call("delete_many", None, keys, version)
        if done is None and self._down_since is not None:
            self._remember_deletes(keys)

    def clear(self):
        cleared = self._call("clear", False)
        self.announce_change()
        return cleared


class DurableClear:
    """A cache key that must not outlive a change made while the shared cache was unreachable.

    `clear()` deletes the key now and again once the current transaction commits. When Redis
    does not take the delete, the clear is also counted in the database (`CacheClear`), in
    the caller's transaction: it is then as durable as the change, and visible to every
    process and app server exactly when the change is. Whoever creates the key's value stores
    `stamp()` (the count) in it, and whoever reads it treats it as missing when
    `outdated(stamp)`. Each process reads the count at most every CACHE_CLEAR_CHECK_SECONDS
    (one primary-key query, by one thread while the others go on with the count they have);
    so a value from before such a clear is served for at most that long after the change's
    commit, by a process that saw no failure, and never once that process has read the
    count, whatever Redis kept. The publisher's own process replays its delete as before.

    Only the Redis backend is concerned (the file cache is on the app server's own disk, as
    its readers are; a process-local cache is never shared): with any other cache this is a
    plain delete on commit and `outdated` is always False, without a query.
    """

    def __init__(self, key, alias="default"):
        self.key = key
        self.alias = alias
        self._lock = threading.Lock()
        self._known = None
        self._read_at = float("-inf")

    @property
    def _cache(self):
        return caches[self.alias]

    def _concerned(self):
        return isinstance(self._cache, ResilientRedisCache)

    def clear(self):
        """Delete the key: now, and once the current transaction commits (between the write
        and the commit another request could store the value as it was before the write)."""
        if self._delete() is None:
            self._count()
        transaction.on_commit(self._clear_committed)

    def _delete(self):
        deleted = self._cache.delete(self.key)
        if self._concerned():
            self._cache.announce_change()
        return deleted

    def _clear_committed(self):
        if self._delete() is not None:
            return
        try:
            # Redis went away between the write and its commit: counted after the commit
            # (a process killed in between leaves only its own replay, which dies with it).
            self._count()
        except (DatabaseError, InterfaceError):
            logger.exception("Could not count a cache clear: the cache may serve old entries")

    def _count(self):
        from ldn_portal.models import CacheClear

        if CacheClear.objects.filter(key=self.key).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                CacheClear.objects.create(key=self.key, count=1)
        except IntegrityError:  # another process counted the first one meanwhile
            CacheClear.objects.filter(key=self.key).update(count=F("count") + 1)

    def _read(self):
        from ldn_portal.models import CacheClear

        count = CacheClear.objects.filter(key=self.key).values_list("count", flat=True).first()
        self._known, self._read_at = count or 0, time.monotonic()
        return self._known

    def stamp(self):
        """The count to store with a new value of the key: read now (a database error is the
        caller's, as for any query made while creating the value)."""
        return self._read() if self._concerned() else 0

    def outdated(self, stamp):
        """Whether a value stored under `stamp` was cleared since, as far as this process
        knows (the count read less than CACHE_CLEAR_CHECK_SECONDS ago)."""
        if not self._concerned():
            return False
        known = self._known
        due = time.monotonic() - self._read_at >= settings.CACHE_CLEAR_CHECK_SECONDS
        # One thread reads; the others go on with what this process knew (the first read of a
        # process waits for it).
        if (known is None or due) and self._lock.acquire(blocking=known is None):
            try:
                known = self._read()
            except (DatabaseError, InterfaceError):
                # Nothing can be published while the database does not answer: the cache goes
                # on serving (asked again after the interval).
                self._read_at = time.monotonic()
                known = self._known or 0
            finally:
                self._lock.release()
        return stamp < known


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
