"""Render a diff report as terminal text, a pull-request comment (Markdown) or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from declarations.errors import Problem
from tools.offline.diff import ABSENT, PlanDiff, PropertyChange, ResourceChange
from tools.offline.diff_transitions import TransitionProblem
from tools.policy.runner import PolicyReport

GITHUB_COMMENT_LIMIT = 65_000
"""GitHub rejects comments over 65,536 characters; keep room for the truncation note."""
SYMBOL = {"create": "+", "delete": "-", "update": "~", "replace": "+-"}


@dataclass
class DiffReport:
    stack: str
    base: str
    """The revision as the user named it, and the commit it resolved to."""
    diff: PlanDiff
    policy: PolicyReport
    rendered_tenants: tuple[str, ...] | None
    """The tenants rendered when only tenant files changed; None when both sides were rendered fully."""
    full_render_reasons: tuple[str, ...] = ()
    removal_problems: list[Problem] = field(default_factory=list)
    crd_transition_problems: list[TransitionProblem] = field(default_factory=list)
    """Updates the API server refuses by a CRD transition rule (e.g. an immutable field)."""
    transition_problems: list[Problem] = field(default_factory=list)
    """Service changes the engines cannot carry out or that lose data (dbaas/lifecycle)."""
    attention: list[Problem] = field(default_factory=list)
    """Allowed but risky service changes (upgrade, scale-in, storage growth)."""

    @property
    def blocking(self) -> bool:
        """A removal the tenant files forbid, a delete the engine would refuse (protect), or a change
        the API server or the engines would refuse."""
        return bool(self.removal_problems or self.diff.refused or self.crd_transition_problems
                    or self.transition_problems)


def _value(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def _scope_line(report: DiffReport) -> str:
    if report.rendered_tenants is not None:
        names = ", ".join(report.rendered_tenants) or "none in this stack"
        return f"Only tenant files changed; rendered the changed tenants only: {names}."
    shown = list(report.full_render_reasons[:5])
    more = len(report.full_render_reasons) - len(shown)
    return "Rendered both sides fully because " + "; ".join(shown) + (f" (and {more} more)" if more > 0 else "") + "."


def _destructive_line(change: ResourceChange) -> str:
    why = f" (replace because {', '.join(change.replace_because)})" if change.op == "replace" else ""
    return f"{change.op.upper()} {change.stateful} {change.urn}{why}"


RETAINED_HEADING = "leave(s) the stack but stay retained in AWS or the cluster (retainOnDelete): no data is lost"
DECOMMISSIONED_HEADING = "deleted as decommissioned (the deployed decommission marker took the final backup)"
REFUSED_HEADING = "protected: `pulumi up` would refuse to delete"


def _kind(change: ResourceChange) -> str:
    return change.stateful or change.type


def _property_line(change: PropertyChange) -> str:
    return f"{change.path}: {_value(change.old)} -> {_value(change.new)}"


CREATE_INPUT_LINES = 40
"""Inputs shown per created resource (all of them when only a few more remain); the JSON report has all."""


def _detail_lines(change: ResourceChange) -> list[str]:
    """Property lines of one resource: a create's inputs (as `pulumi preview --diff` shows them), else old -> new."""
    if change.op != "create":
        return [_property_line(p) for p in change.changes]
    shown = CREATE_INPUT_LINES if len(change.changes) > CREATE_INPUT_LINES + 5 else len(change.changes)
    lines = [f"{p.path}: {_value(p.new)}" for p in change.changes[:shown]]
    more = len(change.changes) - shown
    if more > 0:
        lines.append(f"... and {more} more input(s) (all of them in the JSON report)")
    return lines


def _blocking_lines(report: DiffReport) -> list[str]:
    """One line per reason the diff blocks (`DiffReport.blocking`), as the text report prints them."""
    lines = [f"removal blocked: {problem}" for problem in report.removal_problems]
    lines += [f"removal refused: {_kind(change)} {change.urn} is protected; `pulumi up` would refuse to delete it"
              for change in report.diff.refused]
    lines += [f"update refused by the API server: {refused}" for refused in report.crd_transition_problems]
    lines += [f"refused: {problem}" for problem in report.transition_problems]
    return lines


def refusal_lines(report: DiffReport, fail_on_destroy: bool) -> list[str]:
    """Every reason `dbaas diff` exits 1 (with `--fail-on-destroy`: destroyed data too), in its own words: what the
    provisioning API answers when it refuses a change (api/branch_review.py)."""
    lines = [f"!!! {_destructive_line(c)}" for c in report.diff.destructive] if fail_on_destroy else []
    lines += _blocking_lines(report)
    lines += [str(v) for v in report.policy.mandatory]
    return lines


def render_text(report: DiffReport) -> str:
    s = report.diff.summary
    lines = [f"dbaas diff {report.stack} against {report.base}", _scope_line(report),
             f"{s.create} to create, {s.update} to update, {s.replace} to replace, {s.delete} to delete, {s.same} unchanged", ""]
    if report.diff.destructive:
        lines.append(f"!!! {len(report.diff.destructive)} DESTRUCTIVE change(s): data would be lost !!!")
        lines.extend(f"!!! {_destructive_line(c)}" for c in report.diff.destructive)
        lines.append("")
    for title, found, word in ((RETAINED_HEADING, report.diff.retained, "RETAINED"),
                               (DECOMMISSIONED_HEADING, report.diff.decommissioned, "DECOMMISSIONED")):
        if found:
            lines.append(f"{len(found)} {title}:")
            lines.extend(f"  {word} {_kind(c)} {c.urn}" for c in found)
            lines.append("")
    for change in report.diff.changes:
        lines.append(f"{SYMBOL[change.op]:>2} {change.urn}")
        lines.extend(f"      {line}" for line in _detail_lines(change))
    lines.extend(_blocking_lines(report))
    if report.attention:
        lines += ["", f"Needs attention ({len(report.attention)}):"] + [f"  {p}" for p in report.attention]
    lines.append("")
    lines.append(report.policy.render_text().rstrip())
    return "\n".join(lines) + "\n"


def _callout(kind: str, heading: str, items: list[str]) -> list[str]:
    """A GitHub alert block (`heading` is markdown) listing `items`, or nothing when there are none."""
    if not items:
        return []
    return [f"> [!{kind}]", f"> {heading}", *[f"> - {item}" for item in items], ""]


def render_markdown(report: DiffReport) -> str:
    s = report.diff.summary
    out = [f"### dbaas diff: `{report.stack}` against `{report.base}`", "", _scope_line(report), "",
           "| create | update | replace | delete | unchanged |", "|---:|---:|---:|---:|---:|",
           f"| {s.create} | {s.update} | {s.replace} | {s.delete} | {s.same} |", ""]
    if report.diff.destructive:
        out += ["> [!CAUTION]", f"> **{len(report.diff.destructive)} destructive change(s): data would be lost.**"]
        out += [f"> - **{_destructive_line(c)}**" for c in report.diff.destructive]
        out.append("")
    located = lambda p: f"`{p.path}:{p.line}:{p.col}` {p.field}: {p.message}"  # noqa: E731
    out += _callout("WARNING", "**Removal of protected services is blocked:**",
                    [f"`{p.path}:{p.line}` {p.field}: {p.message}" for p in report.removal_problems])
    out += _callout("WARNING", "**The API server would refuse these updates (CRD transition rules):**",
                    [f"`{t.urn}` {t.violation}" for t in report.crd_transition_problems])
    out += _callout("WARNING", "**Refused changes** (the engine cannot carry them out, or data would be lost):",
                    [located(p) for p in report.transition_problems])
    out += _callout("NOTE", "**Needs attention** (allowed, risky):", [located(p) for p in report.attention])
    out += _callout("WARNING", f"**{len(report.diff.refused)} {REFUSED_HEADING}:**",
                    [f"{_kind(c)} `{c.urn}`" for c in report.diff.refused])
    for title, found in ((RETAINED_HEADING, report.diff.retained), (DECOMMISSIONED_HEADING, report.diff.decommissioned)):
        out += _callout("NOTE", f"**{len(found)} {title}:**", [f"{_kind(c)} `{c.urn}`" for c in found])
    if report.diff.changes:
        out += ["<details><summary>Changed resources</summary>", "", "```diff"]
        for change in report.diff.changes:
            marker = {"create": "+", "delete": "-", "update": "!", "replace": "-"}[change.op]
            out.append(f"{marker} {change.op}: {change.urn}")
            out.extend(f"#     {line}" for line in _detail_lines(change))
        out += ["```", "", "</details>", ""]
    policy = report.policy
    if policy.violations:
        out += [f"**Policy:** {len(policy.mandatory)} mandatory, {len(policy.violations) - len(policy.mandatory)} "
                "advisory violation(s) in the new state", "", "| policy | level | resource | message |", "|---|---|---|---|"]
        out += [f"| `{v.policy}` | {v.enforcement} | `{v.urn.rsplit('::', 1)[-1]}` | {v.message} |" for v in policy.violations]
    else:
        out.append(f"**Policy:** all {len(policy.rules_run)} policies pass on the new state.")
    body = "\n".join(out) + "\n"
    if len(body) > GITHUB_COMMENT_LIMIT:
        body = body[:GITHUB_COMMENT_LIMIT] + "\n\n_Truncated; run `dbaas diff` locally or read the JSON artifact._\n"
    return body


def to_json(report: DiffReport) -> dict[str, Any]:
    s = report.diff.summary
    return {
        "stack": report.stack,
        "base": report.base,
        "renderedTenants": list(report.rendered_tenants) if report.rendered_tenants is not None else None,
        "fullRenderReasons": list(report.full_render_reasons),
        "summary": {"create": s.create, "update": s.update, "replace": s.replace, "delete": s.delete, "same": s.same},
        "destructive": [c.urn for c in report.diff.destructive],
        "retained": [c.urn for c in report.diff.retained],
        "decommissioned": [c.urn for c in report.diff.decommissioned],
        "refused": [c.urn for c in report.diff.refused],
        "changes": [
            {"urn": c.urn, "type": c.type, "op": c.op, "stateful": c.stateful, "replaceBecause": list(c.replace_because),
             "disposition": c.disposition, "protected": c.protected,
             "properties": [{"path": p.path, "kind": p.kind,
                             "old": None if p.old is ABSENT else p.old, "new": None if p.new is ABSENT else p.new}
                            for p in c.changes]}
            for c in report.diff.changes
        ],
        "removalProblems": [str(p) for p in report.removal_problems],
        "crdTransitionProblems": [t.to_json() for t in report.crd_transition_problems],
        "transitionProblems": [str(p) for p in report.transition_problems],
        "attention": [str(p) for p in report.attention],
        "policy": report.policy.to_json(),
    }
