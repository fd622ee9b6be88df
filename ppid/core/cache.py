"""A small per-process cache: least recently used first out, bounded by the total size of
its values (a count, when each value has size 1), optionally with a lifetime."""
import threading
import time
from collections import OrderedDict


class BoundedCache:
    """Thread-safe. ``get`` gives None for a missing (or expired) key."""

    def __init__(self, limit, lifetime=None):
        self.limit, self.lifetime = limit, lifetime
        self._items = OrderedDict()   # key -> (value, size, made at)
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if self.lifetime is not None and time.monotonic() - item[2] > self.lifetime:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key, value, size=1):
        """Keep ``value`` (unless it alone is larger than the limit); returns it."""
        if size > self.limit:
            return value
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (value, size, time.monotonic())
            self._size += size
            while self._size > self.limit:
                self._drop(next(iter(self._items)))
        return value

    def clear(self):
        with self._lock:
            self._items.clear()
            self._size = 0

    def __len__(self):
        return len(self._items)

    def _drop(self, key):
        self._size -= self._items.pop(key)[1]
