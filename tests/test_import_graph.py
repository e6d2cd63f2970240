"""The packages' modules import each other without a circle: every import
statement of every module (those inside functions too, which a circle hides
behind) read with ``ast``, resolved to the module it loads, and the graph
searched for a cycle. A package's ``__init__`` counts as the module
``package``; the parent packages Python runs first are not edges (every
module would otherwise depend on its package's ``__init__``)."""

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ('xview_data', 'xview_plugins')


def module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob('*.py')):
            parts = path.relative_to(ROOT).with_suffix('').parts
            if parts[-1] == '__init__':
                parts = parts[:-1]
            modules['.'.join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict) -> set[str]:
    """The package modules ``name`` imports, wherever the statement is."""
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[: len(base) - node.level + 1]
                origin = '.'.join(
                    base + ([node.module] if node.module else [])
                )
            else:
                origin = node.module
            # `from pkg import sub` loads the submodule `pkg.sub`
            targets = [
                f'{origin}.{alias.name}'
                if f'{origin}.{alias.name}' in modules
                else origin
                for alias in node.names
            ]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as a path of module names, or ``[]``."""
    state = {}
    stack = []

    def visit(node):
        state[node] = 'open'
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 'open':
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        state[node] = 'done'
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return []


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {
        name: imports_of(name, path, modules) for name, path in modules.items()
    }


def test_no_module_imports_itself_through_others():
    graph = import_graph()
    assert len(graph) > 100  # the walk found the packages
    cycle = find_cycle(graph)
    assert not cycle, 'import cycle: ' + ' -> '.join(cycle)


def test_the_library_never_imports_its_command_lines():
    # the command lines sit on top: parsers and exit codes are theirs
    graph = import_graph()
    for name, targets in graph.items():
        if '.cli' not in name:
            assert not {t for t in targets if '.cli' in t}, name


@pytest.mark.parametrize(
    'graph, cycle',
    [
        ({'a': {'b'}, 'b': {'c'}, 'c': set()}, []),
        ({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}, ['a', 'b', 'c', 'a']),
        ({'a': {'b'}, 'b': {'b2'}, 'b2': {'b'}}, ['b', 'b2', 'b']),
    ],
)
def test_the_search_finds_a_cycle_where_there_is_one(graph, cycle):
    assert find_cycle(graph) == cycle


def test_lazy_imports_inside_functions_count(tmp_path):
    module = tmp_path / 'mod.py'
    module.write_text(
        'def f():\n    from .other import thing\n    import pkg.deep\n'
    )
    modules = {'pkg.mod': module, 'pkg.other': None, 'pkg.deep': None}
    assert imports_of('pkg.mod', module, modules) == {'pkg.other', 'pkg.deep'}
