"""The shape of the package: no import cycle among sm_teamkit modules (tests/test_wheel.py checks
that the product never imports its test double, the emulator package)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sm_teamkit"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Every sm_teamkit module and the sm_teamkit modules it imports, at any depth of its code
    (function-level imports count: a cycle hidden in a function is still a cycle)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "labextension" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                # the longest known module the name points into (``from .x import func``)
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_cycle_among_sm_teamkit_modules():
    assert find_cycle(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_cli_table_names_what_each_command_group_registers():
    """main.COMMAND_GROUPS decides which group a command imports: it must match what the groups
    really register, and every command must still parse when only its group is loaded."""
    import argparse

    from sm_teamkit.cli import main as cli

    for group, commands in cli.COMMAND_GROUPS.items():
        sub = argparse.ArgumentParser().add_subparsers()
        (register,) = cli.command_groups(commands[0])
        assert register.__module__ == f"sm_teamkit.{group}.cli"
        register(sub)
        assert tuple(sub.choices) == commands, group
    full = cli.build_parser()
    every = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert set(every) == {c for cs in cli.COMMAND_GROUPS.values() for c in cs} | set(cli.OWN_COMMANDS)


def test_a_storage_command_loads_no_aws_lifecycle_or_admin_code():
    import subprocess
    import sys

    code = (
        "import sys\nfrom sm_teamkit.cli.main import build_parser\n"
        "build_parser('usage').parse_args(['usage', '--json'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('boto', 'sm_teamkit.lifecycle', "
        "'sm_teamkit.admin', 'sm_teamkit.remote'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- the house's signage (issue 23) ---------------------------------------------------------
def _settings_classes() -> list[type]:
    """Every settings dataclass of sm_teamkit that takes c.SmTeamkit traits (``trait(...)``)."""
    import dataclasses
    import importlib

    from sm_teamkit.config_fields import trait_of

    found = {}
    for name in sorted(n for n in import_graph() if not n.endswith(".__main__")):
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and dataclasses.is_dataclass(obj)
                and obj.__module__ == name
                and any(trait_of(f) for f in dataclasses.fields(obj))
            ):
                found[f"{name}.{obj.__qualname__}"] = obj
    return list(found.values())


def trait_map() -> dict[str, list[str]]:
    """trait -> the settings fields (module.Class.field) that take it."""
    import dataclasses

    from sm_teamkit.config_fields import trait_of

    consumers: dict[str, list[str]] = {}
    for cls in _settings_classes():
        for f in dataclasses.fields(cls):
            if trait_of(f):
                consumers.setdefault(trait_of(f), []).append(f"{cls.__module__}.{cls.__qualname__}.{f.name}")
    return consumers


def test_every_setting_is_taken_by_a_settings_field_that_names_it():
    from sm_teamkit.config import SmTeamkit

    traits = set(SmTeamkit.class_traits(config=True))
    consumers = trait_map()
    assert sorted(traits - set(consumers)) == [], "settings no service takes"
    assert sorted(set(consumers) - traits) == [], "fields naming settings that do not exist"


def test_no_module_reads_a_setting_off_the_config_object():
    """Settings reach services through their settings dataclass only: no ``config.<trait>``
    (or ``c.``, ``kit.config.``) read outside config.py; the CLI's target overrides are writes."""
    from sm_teamkit.config import SmTeamkit

    traits = set(SmTeamkit.class_traits(config=True))
    reads = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "config.py" or "labextension" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in traits
                and isinstance(node.ctx, ast.Load)
                and ast.unparse(node.value).split(".")[-1] in {"config", "c", "cfg"}
            ):
                reads.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {ast.unparse(node)}")
    assert reads == []


def test_a_settings_field_with_a_default_has_its_traits_default():
    """Only AwsSettings carries defaults on trait fields (the Lambda job builds it without the
    config); they must equal the traits' so that a default is still decided in one place."""
    import dataclasses

    from sm_teamkit.config import SmTeamkit
    from sm_teamkit.config_fields import trait_of

    fresh = SmTeamkit()
    with_defaults = {}
    for cls in _settings_classes():
        for f in dataclasses.fields(cls):
            if trait_of(f) and f.default is not dataclasses.MISSING:
                with_defaults[f"{cls.__name__}.{f.name}"] = (f.default, getattr(fresh, trait_of(f)))
    assert {k.split(".")[0] for k in with_defaults} <= {"AwsSettings"}
    assert all(default == trait for default, trait in with_defaults.values()), with_defaults


def test_only_the_kernels_package_has_a_module_named_settings():
    """Four settings.py meant four things; the kernels' settings dataclass keeps the name."""
    named = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("settings.py") if "labextension" not in p.parts)
    assert named == ["kernels/settings.py"]


def test_the_studio_package_holds_what_studio_says_about_here_and_no_apps_code():
    studio = sorted(p.name for p in (PACKAGE / "studio").glob("*.py"))
    assert studio == ["__init__.py", "activity.py", "identity.py"]
    assert (PACKAGE / "apps" / "service.py").is_file()


def test_every_file_architecture_md_names_exists():
    """A newcomer follows ARCHITECTURE.md's paths: each one it names must be there."""
    import re

    root = PACKAGE.parent
    text = (root / "ARCHITECTURE.md").read_text()
    tops = ("sm_teamkit/", "src/", "tests/", "lifecycle/", "emulator/", "benchmarks/", "docs/", "schema/", "style/")
    named = {m for m in re.findall(r"`([^`\s]+)`", text) if m.startswith(tops) or m in ("pyproject.toml", "Makefile")}
    for folder, inside in re.findall(r"`([\w/]+/)` \(([^)]*)\)", text):  # `pkg/` (`a.py`, `b.py`)
        named |= {folder + name for name in re.findall(r"`([\w.]+)`", inside)}
    assert len(named) > 40  # the table and the traces name files, not only folders
    assert sorted(p for p in named if not (root / p).exists()) == []
