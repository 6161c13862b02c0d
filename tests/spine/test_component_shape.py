"""Every component has one shape (STYLE.md "One shape for every component"), checked here instead of in review.

- `Thing(name, args, opts)`: `__init__(self, name: str, args: <class from an args module>, opts:
  pulumi.ResourceOptions | None = None)`, and `name` goes to `super().__init__` as given, never derived;
- `register_outputs` is called exactly once per component, as the last statement of `__init__`;
- nothing under components/ imports the stack config (stacks/platform/args.py maps it);
- args models in components/**/args.py are frozen, `extra="forbid"`, and describe every field;
- children get `parent=self`: in the shipped plans only providers and components sit at the stack root.

The checkers are tried on synthetic bad sources too, so a checker that accepts everything fails.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

PROJECT_DIR = Path(__file__).resolve().parents[2]
COMPONENTS_DIR = PROJECT_DIR / "components"
COMPONENT_BASES = {"ComponentResource"}
"""Base classes that make a class a component (`pulumi.ComponentResource`); subclasses of a
component found in components/ (the engine instances) are components too."""


def _base_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _args_imports(tree: ast.Module, module_is_args: bool) -> set[str]:
    """Names this module may annotate `args` with: imported from an `args` module, or its own classes if it is one."""
    names = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and (node.module or "").split(".")[-1] == "args" for alias in node.names}
    if module_is_args:
        names |= {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    return names


def _is_call_to(node: ast.AST, owner: str, attr: str) -> bool:
    """`owner.attr(...)`, with owner `self` or `super()`."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attr):
        return False
    target = node.func.value
    if owner == "super()":
        return isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "super"
    return isinstance(target, ast.Name) and target.id == owner


def _check_init(where: str, init: ast.FunctionDef, args_names: set[str]) -> list[str]:
    problems = []
    a = init.args
    params = [p.arg for p in a.args]
    if params != ["self", "name", "args", "opts"] or a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
        problems.append(f"{where}: signature must be (self, name, args, opts=None), got ({', '.join(params)})")
        return problems
    defaults = a.defaults
    if len(defaults) != 1 or not (isinstance(defaults[0], ast.Constant) and defaults[0].value is None):
        problems.append(f"{where}: only opts has a default, and it is None")
    name_ann, args_ann, opts_ann = (ast.unparse(p.annotation) if p.annotation else "" for p in a.args[1:])
    if name_ann != "str":
        problems.append(f"{where}: name must be annotated str, got {name_ann or 'nothing'}")
    if opts_ann != "pulumi.ResourceOptions | None":
        problems.append(f"{where}: opts must be annotated pulumi.ResourceOptions | None, got {opts_ann or 'nothing'}")
    if args_ann not in args_names:
        problems.append(f"{where}: args must be annotated with a class from an args module, got {args_ann or 'nothing'}")
    supers = [n for n in ast.walk(init) if _is_call_to(n, "super()", "__init__")]
    if not any(isinstance(arg, ast.Name) and arg.id == "name"
               for call in supers for arg in [*call.args, *(k.value for k in call.keywords)]):
        problems.append(f"{where}: pass name to super().__init__ as given (never derive it)")
    if any(isinstance(n, ast.Name) and n.id == "name" and isinstance(n.ctx, ast.Store) for n in ast.walk(init)):
        problems.append(f"{where}: name is reassigned")
    last = init.body[-1]
    if not (isinstance(last, ast.Expr) and _is_call_to(last.value, "self", "register_outputs")):
        problems.append(f"{where}: the last statement must be self.register_outputs(...)")
    return problems


def shape_problems(sources: dict[str, str]) -> list[str]:
    """Problems of every component class in `sources` (path relative to the project -> source)."""
    trees = {path: ast.parse(source, filename=path) for path, source in sources.items()}
    components = set(COMPONENT_BASES)
    grew = True
    while grew:  # a subclass of a component is a component, in whatever module order
        found = {node.name for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                 and any(_base_name(b) in components for b in node.bases)}
        grew = not found <= components
        components |= found
    problems = []
    for path, tree in sorted(trees.items()):
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                if any(m.split(".")[-1] == "stack_config" for m in modules) or (
                        isinstance(node, ast.ImportFrom) and any(a.name == "stack_config" for a in node.names)):
                    problems.append(f"{path}:{node.lineno}: imports the stack config; map it to args in stacks/")
        args_names = _args_imports(tree, Path(path).name == "args.py")
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            if not any(_base_name(b) in components for b in cls.bases):
                continue
            calls = [n for n in ast.walk(cls) if _is_call_to(n, "self", "register_outputs")]
            inits = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
            if len(calls) > 1:
                problems.append(f"{path}:{cls.lineno}: {cls.name}: register_outputs is called {len(calls)} times")
            for init in inits:
                problems += _check_init(f"{path}:{init.lineno}: {cls.name}.__init__", init, args_names)
    return problems


def _component_sources() -> dict[str, str]:
    return {str(p.relative_to(PROJECT_DIR)): p.read_text() for p in sorted(COMPONENTS_DIR.rglob("*.py"))}


def test_every_component_has_the_one_shape():
    assert shape_problems(_component_sources()) == []


def test_the_checker_finds_the_components_it_should():
    """Guard against a checker that silently checks nothing: it must see every shipped component."""
    sources = _component_sources()
    broken = {path: source.replace("self.register_outputs(", "self.register_outputs_(") for path, source in sources.items()}
    complaints = {p.split(": ")[1].split(".")[0] for p in shape_problems(broken)}
    assert complaints == {
        "CloudNativePGOperator", "ControlPlaneDatabase", "EngineInstance", "EngineOperators", "EventBackbone",
        "PlatformBaseline", "PlatformBucket", "PlatformKey", "PopCluster", "RegionalObservability", "SignalStore",
        "TenantEnvironment", "TenantObservability", "TenantStreams",
    }


BAD_COMPONENT = '''
import pulumi
from declarations.stack_config import StackConfig
from components.widget.args import WidgetArgs
from components.widget.settings import GadgetArgs


class Widget(pulumi.ComponentResource):
    def __init__(self, args: WidgetArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dbaas:widget:Widget", args.tenant.id, None, opts)
        self.register_outputs({})


class Gadget(pulumi.ComponentResource):
    def __init__(self, name: str, args: GadgetArgs, opts=None):
        name = name + "-gadget"
        super().__init__("dbaas:widget:Gadget", name, None, opts)
        self.register_outputs({})
        self.ready = True

    def finish(self):
        self.register_outputs({"ready": True})


class Sprocket(Gadget):
    def __init__(self, name: str, args: WidgetArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{name}-sprocket", args, opts)
        self.register_outputs({})
'''


def test_the_checker_refuses_a_component_of_another_shape():
    assert shape_problems({"components/widget/widget.py": BAD_COMPONENT}) == [
        "components/widget/widget.py:3: imports the stack config; map it to args in stacks/",
        "components/widget/widget.py:9: Widget.__init__: signature must be (self, name, args, opts=None), got (self, args, opts)",
        "components/widget/widget.py:14: Gadget: register_outputs is called 2 times",
        "components/widget/widget.py:15: Gadget.__init__: opts must be annotated pulumi.ResourceOptions | None, got nothing",
        "components/widget/widget.py:15: Gadget.__init__: args must be annotated with a class from an args module, "
        "got GadgetArgs",
        "components/widget/widget.py:15: Gadget.__init__: name is reassigned",
        "components/widget/widget.py:15: Gadget.__init__: the last statement must be self.register_outputs(...)",
        "components/widget/widget.py:26: Sprocket.__init__: pass name to super().__init__ as given (never derive it)",
    ]


def test_the_checker_accepts_the_shape():
    good = '''
import pulumi
from components.widget.args import WidgetArgs


class Widget(pulumi.ComponentResource):
    def __init__(self, name: str, args: WidgetArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dbaas:widget:Widget", name, None, opts)
        self.register_outputs({})
'''
    assert shape_problems({"components/widget/widget.py": good}) == []


# --- args models -------------------------------------------------------------------------------

def args_model_problems(module_name: str, models: list[type[BaseModel]]) -> list[str]:
    problems = []
    for model in models:
        where = f"{module_name}.{model.__name__}"
        if model.model_config.get("frozen") is not True:
            problems.append(f"{where}: not frozen")
        if model.model_config.get("extra") != "forbid":
            problems.append(f"{where}: extra is not 'forbid'")
        problems += [f"{where}.{field}: no description" for field, info in model.model_fields.items()
                     if not (info.description or "").strip()]
    return problems


def _args_modules() -> list[str]:
    return sorted(".".join(p.relative_to(PROJECT_DIR).with_suffix("").parts) for p in COMPONENTS_DIR.rglob("args.py"))


def _models_of(module_name: str) -> list[type[BaseModel]]:
    module = importlib.import_module(module_name)
    return [obj for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, BaseModel) and obj.__module__ == module_name]


def test_every_area_with_a_component_has_an_args_module():
    assert _args_modules() == [
        "components.controlplane_db.args", "components.engines.args", "components.kafka.args",
        "components.observability.args", "components.pop.args", "components.storage.args", "components.tenant.args",
    ]


@pytest.mark.parametrize("module_name", _args_modules())
def test_args_models_are_frozen_closed_and_described(module_name):
    models = _models_of(module_name)
    assert models, f"{module_name} defines no args model"
    assert args_model_problems(module_name, models) == []


def test_the_args_checker_refuses_an_open_undescribed_model():
    class Loose(BaseModel):
        model_config = ConfigDict(extra="ignore")
        region: str = Field(description="Platform region.")
        size: int = Field(default=3)
        blank: str = Field(description="  ")

    assert args_model_problems("components.widget.args", [Loose]) == [
        "components.widget.args.Loose: not frozen",
        "components.widget.args.Loose: extra is not 'forbid'",
        "components.widget.args.Loose.size: no description",
        "components.widget.args.Loose.blank: no description",
    ]


# --- children get parent=self, seen in the plans -------------------------------------------------

def _at_root(registration) -> bool:
    """Parented to the stack resource (`...::pulumi:pulumi:Stack::<project>-<stack>`)."""
    return registration.parent.rsplit("::", 2)[-2:-1] == ["pulumi:pulumi:Stack"]


def root_children_problems(registrations) -> list[str]:
    """A resource at the stack root must be a provider or a component (`dbaas:`): anything else was
    created without `parent=self` inside a component, or by a stack outside any component."""
    return sorted(f"{r.urn}: at the stack root" for r in registrations
                  if _at_root(r) and not (r.type.startswith("pulumi:providers:") or r.type.startswith("dbaas:")))


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_only_providers_and_components_sit_at_the_stack_root(stack, request):
    plan = request.getfixturevalue(f"{stack}_plan")
    assert root_children_problems(plan.registrations) == []
    at_root = {r.type for r in plan.registrations if _at_root(r)}
    assert "dbaas:tenant:TenantEnvironment" in at_root and "dbaas:pop:PopCluster" in at_root


def test_the_root_check_refuses_an_orphaned_child():
    from tools.offline.runtime import Registration

    root = "urn:pulumi:lagos::dbaas-platform::pulumi:pulumi:Stack::dbaas-platform-lagos"
    orphan = Registration(urn="urn:pulumi:lagos::dbaas-platform::kubernetes:core/v1:Secret::stray", type="kubernetes:core/v1:Secret",
                          name="stray", custom=True, parent=root, provider="", inputs={}, protect=False,
                          retain_on_delete=False, dependencies=())
    assert root_children_problems([orphan]) == ["urn:pulumi:lagos::dbaas-platform::kubernetes:core/v1:Secret::stray: at the stack root"]
