"""Locate the transition guards' findings in the proposed tenant files, for `dbaas diff` and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from declarations.errors import InputError, Problem
from declarations.lifecycle.restore import name_reuse_finding, restore_findings
from declarations.lifecycle.transitions import Finding, new_service_restart, service_findings, tenant_findings
from declarations.safe_yaml import LocatedDocument, format_loc, load_file
from declarations.tenant_model import Tenant


@dataclass
class TransitionReview:
    refused: list[Problem] = field(default_factory=list)
    """Changes the engines cannot carry out or that lose data: the diff exits 1."""
    attention: list[Problem] = field(default_factory=list)
    """Allowed but risky changes, for the reviewer."""


def _tenant_path(tenant: Tenant) -> str:
    return f"tenants/{tenant.data_region}/{tenant.id}.yaml"


def _document(head_tree: Path | None, tenant: Tenant) -> LocatedDocument | None:
    if head_tree is None:
        return None
    path = head_tree / tenant.data_region / f"{tenant.id}.yaml"
    try:
        return load_file(path, _tenant_path(tenant))
    except InputError:
        return None  # loading already validated this file; without it, problems point at line 1


def _locate(doc: LocatedDocument | None, tenant: Tenant, prefix: tuple, finding: Finding) -> Problem:
    loc = prefix + finding.loc
    if doc is None:
        return Problem(_tenant_path(tenant), 1, 1, format_loc(loc), finding.message)
    return doc.problem(loc, finding.message, prefer_key=_is_block(doc.data, loc))


def _is_block(data: object, loc: tuple) -> bool:
    """Point at the key of a mapping or list field (its value starts on the next line), at the value otherwise."""
    for part in loc:
        try:
            data = data[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(data, (dict, list))


def transition_review(base_tenants: Iterable[Tenant], head_tenants: Iterable[Tenant], head_tree: Path | None,
                      now: dt.datetime, earlier_names: Callable[[Tenant], set[str]] | None = None) -> TransitionReview:
    """Every refusal and attention item of the change from `base_tenants` to `head_tenants`.

    A service is compared when both sides declare it with the same engine (a removal, rename or engine
    change is the decommission rules' concern); a service only `head` declares gets the restore guards.
    `earlier_names(tenant)` gives the service names the tenant declared in earlier revisions (asked only
    when a service is new).
    """
    base = {t.id: t for t in base_tenants}
    review = TransitionReview()
    for tenant in sorted(head_tenants, key=lambda t: t.id):
        old = base.get(tenant.id)
        if old is not None and old.data_region != tenant.data_region:
            old = None  # a move is a removal (declarations.decommission)
        findings: list[tuple[tuple, Finding]] = []
        if old is not None:
            findings += [((), f) for f in tenant_findings(old, tenant)]
        old_services = {s.name: s for s in old.services} if old else {}
        for index, service in enumerate(tenant.services):
            prefix = ("services", index)
            before = old_services.get(service.name)
            if before is None:
                findings += [(prefix, f) for f in restore_findings(service, old, now)]
                restart = new_service_restart(service)
                if restart:
                    findings.append((prefix, restart))
                earlier = earlier_names(tenant) - set(old_services) if earlier_names else set()
                reuse = name_reuse_finding(service, earlier)
                if reuse:
                    findings.append((prefix, reuse))
            elif before.engine == service.engine:
                findings += [(prefix, f) for f in service_findings(before, service)]
        if not findings:
            continue
        doc = _document(head_tree, tenant)
        for prefix, finding in findings:
            (review.refused if finding.refused else review.attention).append(_locate(doc, tenant, prefix, finding))
    review.refused.sort()
    review.attention.sort()
    return review
