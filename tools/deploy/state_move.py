"""What `pulumi state move` does to a stack's resources, as pure functions over plan registrations.

The rules are read from pulumi/pulumi `pkg/cmd/pulumi/state/state_move.go` (and its tests,
`state_move_test.go`); nothing here runs the CLI:

- Arguments are full URNs, matched exactly (`resourceMatches`); every URN named in one command
  moves in that one command, in the order of the source snapshot.
- Children of a named resource are added with `graph.ChildrenOf`, which returns direct children
  only, while the map is being iterated (Go does not promise to visit keys added during a range),
  so grandchildren are not reliably included: a complete move names every URN itself.
- A moved resource whose parent stays behind is re-parented to the destination's root Stack,
  and its URN is rebuilt with `urn.New(stack, project, parent.QualifiedType(), type, name)`, which
  drops the parent's type from the qualified type (`TestMoveRewritesQualifiedTypeWhenReparentingToRoot`).
- Stack and project of every URN are replaced by the destination's (`renameStackAndProject`), so a
  move works across projects.
- Providers are never named (`cannot move providers`); each provider a moved resource uses is
  copied into the destination (it also stays in the source), re-parented to the root Stack like any
  resource whose parent stays behind, keeping its ID; the moved resources' provider references
  are rewritten to the copy. A provider already in the destination with another ID and other
  inputs stops the move (`provider ... already exists in destination stack`).
- Dependencies between moved and remaining resources are dropped on both sides and listed as a
  warning (`breakDependencies`); parents are handled by the re-parenting above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from tools.offline.engine_rules import provider_urn
from tools.offline.runtime import STACK_TYPE, Registration

URN_PREFIX = "urn:pulumi:"
PROVIDER_PREFIX = "pulumi:providers:"


def split_urn(urn: str) -> tuple[str, str, str, str]:
    """`urn:pulumi:<stack>::<project>::<qualified type>::<name>` -> its four parts (a name may hold `::`)."""
    stack, project, qualified_type, name = urn.removeprefix(URN_PREFIX).split("::", 3)
    return stack, project, qualified_type, name


def make_urn(stack: str, project: str, parent_qualified_type: str, type_: str, name: str) -> str:
    """sdk/go/common/resource/urn/urn.go `New`: the parent's qualified type prefixes the type,
    except for no parent or the root Stack."""
    qualified = type_ if parent_qualified_type in ("", STACK_TYPE) else f"{parent_qualified_type}${type_}"
    return f"{URN_PREFIX}{stack}::{project}::{qualified}::{name}"


def rename_stack_and_project(urn: str, stack: str, project: str) -> str:
    """state_move.go `renameStackAndProject`: the same resource, named in another stack and project."""
    _stack, _project, qualified_type, name = split_urn(urn)
    return f"{URN_PREFIX}{stack}::{project}::{qualified_type}::{name}"


def root_stack_urn(stack: str, project: str) -> str:
    """The root Stack resource the engine (or `state move`, `stack.CreateRootStackResource`) gives a stack."""
    return make_urn(stack, project, "", STACK_TYPE, f"{project}-{stack}")


@dataclass(frozen=True)
class MovedResource:
    """A resource as the destination holds it after the move."""

    urn: str
    type: str
    parent: str
    provider: str
    """The provider's URN (without its ID), or '' for a component."""


@dataclass(frozen=True)
class StateMove:
    """One `pulumi state move` of `source` resources into `dest_stack` of `dest_project`."""

    dest_stack: str
    dest_project: str
    source_urns: tuple[str, ...]
    """The URNs to name on the command line, in source order."""
    moved: dict[str, MovedResource]
    """Source URN -> the resource in the destination."""
    copied_providers: dict[str, MovedResource]
    """Source provider URN -> its copy in the destination."""
    broken_in_dest: tuple[tuple[str, str], ...]
    """(moved resource, remaining resource it depended on): dependencies the move drops."""
    broken_in_source: tuple[tuple[str, str], ...]
    """(remaining resource, moved resource it depended on): dependencies the move drops."""

    @property
    def root_stack(self) -> str:
        return root_stack_urn(self.dest_stack, self.dest_project)

    def destination(self) -> dict[str, MovedResource]:
        """Everything the destination stack holds after the move into an empty stack: its root
        Stack, the copied providers and the moved resources, by their new URNs."""
        root = MovedResource(self.root_stack, STACK_TYPE, "", "")
        held = [root, *self.copied_providers.values(), *self.moved.values()]
        return {r.urn: r for r in held}


def _dependencies(reg: Registration) -> Iterable[str]:
    yield from reg.dependencies
    for urns in reg.property_dependencies.values():
        yield from urns


def plan_state_move(source: list[Registration], urns: Iterable[str], dest_stack: str, dest_project: str) -> StateMove:
    """The outcome of `pulumi state move --dest <dest_stack> <urns...>` on a source stack holding
    `source` (in snapshot order), into an empty destination stack."""
    by_urn = {r.urn: r for r in source}
    named = set(urns)
    unknown = sorted(named - by_urn.keys())
    if unknown:
        raise ValueError(f"not in the source stack: {', '.join(unknown)}")
    providers = sorted(u for u in named if by_urn[u].type.startswith(PROVIDER_PREFIX))
    if providers:
        raise ValueError(f"cannot move providers (they are copied): {', '.join(providers)}")
    root = root_stack_urn(dest_stack, dest_project)
    new_urn: dict[str, str] = {}

    def rebuilt(reg: Registration) -> tuple[str, str]:
        """(new URN, new parent) of a moved resource: under its moved parent's new URN, or the root."""
        parent = new_urn.get(reg.parent, root)
        parent_type = split_urn(parent)[2]
        return make_urn(dest_stack, dest_project, parent_type, reg.type, reg.name), parent

    copied: dict[str, MovedResource] = {}
    for reg in source:
        if reg.urn not in named:
            continue
        old_provider = provider_urn(reg.provider)
        if old_provider and old_provider not in copied:
            # Copied before any resource is rewritten (rewriteURNs with a nil map): a parent that
            # moves is only renamed to the destination's stack and project, one that stays is the root.
            provider = by_urn[old_provider]
            parent = rename_stack_and_project(provider.parent, dest_stack, dest_project) \
                if provider.parent in named else root
            urn = make_urn(dest_stack, dest_project, split_urn(parent)[2], provider.type, provider.name)
            copied[old_provider] = MovedResource(urn, provider.type, parent, "")
    moved: dict[str, MovedResource] = {}
    for reg in source:
        if reg.urn not in named:
            continue
        urn, parent = rebuilt(reg)
        new_urn[reg.urn] = urn
        old_provider = provider_urn(reg.provider)
        moved[reg.urn] = MovedResource(urn, reg.type, parent, copied[old_provider].urn if old_provider else "")
    broken_dest = tuple(dict.fromkeys((r.urn, d) for r in source if r.urn in named
                                      for d in _dependencies(r) if d not in named))
    broken_source = tuple(dict.fromkeys((r.urn, d) for r in source if r.urn not in named
                                        for d in _dependencies(r) if d in named))
    return StateMove(dest_stack, dest_project, tuple(r.urn for r in source if r.urn in named), moved, copied,
                     broken_dest, broken_source)


def program_view(registrations: list[Registration]) -> dict[str, MovedResource]:
    """A stack's plan in the same terms as `StateMove.destination` (top-level resources' parent is the root Stack)."""
    roots = [r.urn for r in registrations if r.type == STACK_TYPE and not r.parent]
    root = roots[0] if roots else ""
    return {r.urn: MovedResource(r.urn, r.type, r.parent or ("" if r.type == STACK_TYPE else root), provider_urn(r.provider))
            for r in registrations}


def differences(state: dict[str, MovedResource], program: dict[str, MovedResource], where: str) -> list[str]:
    """What the next `pulumi up` of a stack holding `state` (described by `where`) would change:
    resources the program declares that the state lacks (creates), resources in the state the
    program does not declare (deletes), and resources whose parent, type or provider differ (the
    engine would replace them or need aliases). Empty when there is nothing to create or delete."""
    found = [f"{urn}: the program declares it but it is not in {where}: pulumi up would create it"
             for urn in sorted(program.keys() - state.keys())]
    found += [f"{urn}: it is in {where} but the program does not declare it: pulumi up would delete it"
              for urn in sorted(state.keys() - program.keys())]
    for urn in sorted(state.keys() & program.keys()):
        held, declared = state[urn], program[urn]
        for field in ("type", "parent", "provider"):
            if getattr(held, field) != getattr(declared, field):
                found.append(f"{urn}: {field} is {getattr(held, field) or '(none)'} in {where} but "
                             f"{getattr(declared, field) or '(none)'} in the program")
    return found
