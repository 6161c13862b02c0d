"""One write lock per tenant id: a tenant's read-modify-write, commit, plan and ref update are one step,
while writes to other tenants go on beside it.

A change touches only its own tenant's file, branch and tracking ref (api/tenant_store.py), and ids are unique
across regions, so the tenant id is the whole scope a write needs to hold. One lock for the server made every
org wait for every other org's writes (issue 22: one org's burst delayed another's writes by up to 16 s).
Locks live only while someone holds or waits for them, so the table does not grow with the number of tenants.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TenantLocks:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, tenant_id: str) -> Iterator[None]:
        """Hold the tenant's write lock for the body (waiting for the tenant's other writers only)."""
        with self._guard:
            lock, users = self._locks.get(tenant_id, (threading.Lock(), 0))
            self._locks[tenant_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[tenant_id]
                if users == 1:
                    del self._locks[tenant_id]
                else:
                    self._locks[tenant_id] = (lock, users - 1)

    def __len__(self) -> int:
        """Tenants with a writer holding or waiting (0 when idle)."""
        with self._guard:
            return len(self._locks)
