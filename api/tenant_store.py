"""The tenants as the API sees them: the base branch plus each tenant's pending change.

Every accepted change moves a tracking ref, `refs/dbaas/tenants/<id>`, to its commit. While
that commit is not merged into the base branch and its `provision/...` branch still exists,
the change is pending: reads show it, and the tenant's next change is stacked on it, so a
create followed by an add-service reads naturally. Once merged (or the branch is deleted,
as after a squash merge or a closed pull request), the base branch is the truth again.

The tracking ref is also the lock that makes writes safe between processes: it is updated
with its expected old value in the same transaction that creates the branch.
"""

from __future__ import annotations

import secrets

import yaml
import threading
from collections import OrderedDict
from dataclasses import dataclass

from api.errors import Conflict, RepositoryUnavailable
from api.git_store import ZERO_OID, Author, BoundedMemo, GitRepository, RefUpdate, TreeEntry, WrittenCommit
from api.tenant_file import parse_tenant_bytes, render_tenant, tenant_path
from declarations.errors import InputError
from declarations.tenant_model import Tenant

TRACKING_PREFIX = "refs/dbaas/tenants/"
TENANTS_DIR = "tenants"
BRANCH_PREFIX = "provision/"
BRANCH_TRAILER = "Provision-Branch"


@dataclass(frozen=True)
class TenantRecord:
    """One tenant's current declaration and where it comes from."""

    tenant: Tenant
    path: str
    blob: str
    head: str
    """The commit the tenant's next change builds on."""
    pending_branch: str | None

    @property
    def etag(self) -> str:
        return f'"{self.blob}"'


@dataclass(frozen=True)
class DeclaredRevision:
    """One revision of a tenant file in the base branch's history, as YAML (not validated: history is history)."""

    commit: str
    path: str
    document: dict

    @property
    def org(self) -> str | None:
        org = self.document.get("org")
        return org if isinstance(org, str) else None

    @property
    def services(self) -> list[dict]:
        services = self.document.get("services")
        return [s for s in services if isinstance(s, dict) and isinstance(s.get("name"), str)] \
            if isinstance(services, list) else []


@dataclass(frozen=True)
class PreparedChange:
    """A written but unpublished commit: nothing points at it until `publish`."""

    tenant_id: str
    region: str
    base: str
    written: WrittenCommit
    branch: str
    path: str


class TenantStore:
    def __init__(self, repo: GitRepository, base_branch: str):
        self.repo = repo
        self.base_ref = f"refs/heads/{base_branch}"
        self.base_name = base_branch
        self._history = BoundedMemo(1024)
        self._parsed: OrderedDict[str, Tenant] = OrderedDict()
        self._parsed_lock = threading.Lock()

    def base_commit(self) -> str:
        commit = self.repo.resolve(self.base_ref)
        if commit is None:
            raise RepositoryUnavailable(f"the repository has no branch {self.base_ref.removeprefix('refs/heads/')!r}")
        return commit

    def tracking_value(self, tenant_id: str) -> str:
        """Current value of the tenant's tracking ref (ZERO_OID if it has none): the CAS guard."""
        return self.repo.resolve(TRACKING_PREFIX + tenant_id) or ZERO_OID

    def get(self, tenant_id: str) -> TenantRecord | None:
        base = self.base_commit()
        pending = self._pending(base, TRACKING_PREFIX + tenant_id)
        head, branch = pending.get(tenant_id, (base, None))
        entry = _find_tenant_entry(self.repo.ls_tree(head, "tenants"), tenant_id)
        if entry is None:
            return None
        return self._record(entry, self._blobs([entry.oid])[entry.oid], head, branch)

    def at_base(self, tenant_id: str) -> TenantRecord | None:
        """The tenant as merged into the base branch, ignoring any pending change."""
        base = self.base_commit()
        entry = _find_tenant_entry(self.repo.ls_tree(base, "tenants"), tenant_id)
        if entry is None:
            return None
        return self._record(entry, self._blobs([entry.oid])[entry.oid], base, None)

    def all(self) -> list[TenantRecord]:
        """Every tenant, pending changes included, sorted by id; invalid stored files are skipped."""
        base = self.base_commit()
        pending = self._pending(base, TRACKING_PREFIX)
        located: dict[str, tuple[TreeEntry, str, str | None]] = {}
        for entry in self.repo.ls_tree(base, "tenants"):
            if (tenant_id := _tenant_id_of(entry.path)) and tenant_id not in pending:
                located[tenant_id] = (entry, base, None)
        for tenant_id, (head, branch) in pending.items():
            entry = _find_tenant_entry(self.repo.ls_tree(head, "tenants"), tenant_id)
            if entry is not None:
                located[tenant_id] = (entry, head, branch)
        blobs = self._blobs([entry.oid for entry, _, _ in located.values()])
        records = []
        for tenant_id in sorted(located):
            entry, head, branch = located[tenant_id]
            try:
                records.append(self._record(entry, blobs[entry.oid], head, branch))
            except Conflict:
                continue
        return records

    def history_on_base(self, tenant_id: str) -> list[DeclaredRevision]:
        """Every revision of the tenant's file (any region) in the base branch's history, newest first, read
        leniently: an old revision need not pass today's model. Remembered per base commit."""
        base = self.base_commit()
        key = (base, tenant_id)
        cached = self._history.get(key)
        if cached is not None:
            return list(cached)
        revisions = []
        for commit, path, raw in self.repo.path_history(base, f"{TENANTS_DIR}/*/{tenant_id}.yaml"):
            if _tenant_id_of(path) != tenant_id:
                continue
            try:
                document = yaml.safe_load(raw)
            except yaml.YAMLError:
                document = None
            revisions.append(DeclaredRevision(commit, path, document if isinstance(document, dict) else {}))
        self._history.put(key, tuple(revisions))
        return revisions

    def owners_at(self, path: str, commits: list[str]) -> dict[str, str | None]:
        """commit -> the org the tenant file at `path` declared at that commit (None: no such commit or file here,
        or no readable org): who a control-plane record made at that commit belongs to."""
        contents = self.repo.read_at([(c, path) for c in commits])
        owners: dict[str, str | None] = {}
        for (commit, _), raw in contents.items():
            try:
                document = yaml.safe_load(raw) if raw else None
            except yaml.YAMLError:
                document = None
            org = document.get("org") if isinstance(document, dict) else None
            owners[commit] = org if isinstance(org, str) else None
        return owners

    def earlier_service_names(self, tenant: Tenant) -> set[str]:
        """Service names the tenant's file declared in any revision on the base branch (their backups may still be
        in the tenant bucket; the lifecycle guards refuse reusing one), as `dbaas diff` reads them from git."""
        return {s["name"] for rev in self.history_on_base(tenant.id) for s in rev.services}

    def prepare(self, previous: TenantRecord | None, tenant: Tenant, author: Author, committer: Author,
                subject: str, body: str) -> PreparedChange:
        """Write the tenant file as one commit on top of the tenant's head (or the base branch)."""
        base = previous.head if previous else self.base_commit()
        branch = f"{BRANCH_PREFIX}{tenant.id}-{secrets.token_hex(4)}"
        path = tenant_path(tenant)
        message = f"{subject}\n\n{body}\n\nTenant: {tenant.id}\n{BRANCH_TRAILER}: {branch}\n"
        written = self.repo.write_commit(base, path, render_tenant(tenant), author, committer, message)
        return PreparedChange(tenant.id, tenant.data_region, base, written, branch, path)

    def publish(self, change: PreparedChange, tracking_old: str) -> None:
        """Create the branch and move the tracking ref in one transaction (RefConflict if raced)."""
        self.repo.update_refs([
            RefUpdate(f"refs/heads/{change.branch}", change.written.commit, ZERO_OID),
            RefUpdate(TRACKING_PREFIX + change.tenant_id, change.written.commit, tracking_old),
        ])

    def _pending(self, base: str, pattern: str) -> dict[str, tuple[str, str]]:
        """tenant id -> (commit, branch) of changes not merged into base whose branch still exists.
        `pattern` is one tracking ref or the whole TRACKING_PREFIX. Refs are read from their
        files and everything keyed by commit id is remembered, so a read that finds nothing
        new runs no git process (api/git_store.py)."""
        if pattern == TRACKING_PREFIX:
            tips = self.repo.ref_values(TRACKING_PREFIX)
        else:
            tip = self.repo.resolve(pattern)
            tips = {pattern: tip} if tip else {}
        if not tips:
            return {}
        merged = self.repo.merged_into(base, tips, pattern)
        pending = {}
        for refname, commit in tips.items():
            if merged[refname]:
                continue
            branch = self.repo.commit_trailer(commit, BRANCH_TRAILER)
            if branch.startswith(BRANCH_PREFIX) and self.repo.resolve(f"refs/heads/{branch}") is not None:
                pending[refname.removeprefix(TRACKING_PREFIX)] = (commit, branch)
        return pending

    def _blobs(self, oids: list[str]) -> dict[str, bytes]:
        return self.repo.read_blobs(sorted(set(oids)))

    def _record(self, entry: TreeEntry, raw: bytes, head: str, branch: str | None) -> TenantRecord:
        return TenantRecord(self._parse(entry, raw), entry.path, entry.oid, head, branch)

    def _parse(self, entry: TreeEntry, raw: bytes) -> Tenant:
        """Parse a stored file (cached by blob id, which makes the cache content-addressed)."""
        with self._parsed_lock:
            if entry.oid in self._parsed:
                self._parsed.move_to_end(entry.oid)
                return self._parsed[entry.oid]
        try:
            tenant = parse_tenant_bytes(raw, entry.path)
        except InputError as exc:
            raise Conflict(f"the stored file is invalid, fix it first: {exc.problems[0]}") from None
        if tenant_path(tenant) != entry.path:
            raise Conflict(f"the stored file {entry.path} declares id {tenant.id!r} in region {tenant.data_region!r}")
        with self._parsed_lock:
            self._parsed[entry.oid] = tenant
            while len(self._parsed) > 4096:
                self._parsed.popitem(last=False)
        return tenant


def _tenant_id_of(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) == 3 and parts[2].endswith(".yaml"):
        return parts[2].removesuffix(".yaml")
    return None


def _find_tenant_entry(entries: list[TreeEntry], tenant_id: str) -> TreeEntry | None:
    """The tenant's file in any region folder (ids are unique across regions)."""
    for entry in entries:
        if _tenant_id_of(entry.path) == tenant_id:
            return entry
    return None
