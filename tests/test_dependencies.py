"""Every import is a declared dependency, and every declared runtime dependency is imported.

The audit reads ``pyproject.toml`` (the source of truth for what is declared) and the
source of the five packages as they are installed (found with ``importlib``, so an
installed wheel is audited the same way as the editable checkout). Each ``import`` and
``from ... import`` of a module, functions and ``TYPE_CHECKING`` blocks included, names a
top-level module; that module must be in the standard library
(``sys.stdlib_module_names``), one of the project's own packages, or provided by a declared
distribution (``importlib.metadata.packages_distributions()`` maps installed distributions
to the modules they provide). The packages may only use the runtime dependencies; the tests
may use the runtime and the ``test`` extra.

The lock (``requirements/*.txt``, written by ``make lock``) must pin every declared
dependency within its range: a dependency added to pyproject.toml without refreshing the
lock fails here, by name.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
# The packages the wheel ships, as pyproject.toml names them (``planwatch*``, ``web*``, ...).
PACKAGES = tuple(
    pattern.rstrip("*")
    for pattern in tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"][
        "find"]["include"]
)

# Runtime dependencies no module of ours imports by name, and why they are declared anyway.
NEEDED_INDIRECTLY = {
    # storage.db hands SQLAlchemy "postgresql+psycopg" URLs; the dialect imports psycopg, and the
    # [binary] extra brings libpq with it, so PostgreSQL works without a compiler or libpq-dev.
    "psycopg": "SQLAlchemy's postgresql+psycopg dialect",
    # jusText (used by trafilatura) imports lxml.html.clean, which lxml 5.2 moved into its own
    # distribution; jusText's `lxml[html_clean]` extra is not resolved by older pips (23.x).
    "lxml-html-clean": "jusText, through trafilatura",
    # FastAPI parses the web desk's HTML forms (subscribe, manage) with it; it refuses Form
    # parameters without it.
    "python-multipart": "FastAPI's form parsing",
}

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them: ``Jinja2`` and ``lxml_html_clean`` alike."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: Iterable[str]) -> set[str]:
    names = set()
    for requirement in requirements:
        found = _REQUIREMENT_NAME.match(requirement)
        assert found, f"pyproject.toml: cannot read the requirement {requirement!r}"
        names.add(canonical(found.group(1)))
    return names


def requirements(group: str) -> list[str]:
    """The requirements pyproject.toml declares: ``runtime`` or the name of an extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    if group == "runtime":
        return list(project["dependencies"])
    return list(project["optional-dependencies"][group])


def declared(group: str) -> set[str]:
    return requirement_names(requirements(group))


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def pins(lock: Path) -> dict[str, set[str]]:
    return pins_in(lock.read_text(encoding="utf-8"))


def pins_in(text: str) -> dict[str, set[str]]:
    """Distribution → the versions a lock pins (a universal lock may pin two, per Python version)."""
    pinned: dict[str, set[str]] = {}
    for name, version in _PIN.findall(text):
        pinned.setdefault(canonical(name), set()).add(version)
    return pinned


def out_of_lock(declared_requirements: list[str], pinned: dict[str, set[str]]) -> list[str]:
    """One line per declared requirement the lock does not pin, or pins outside its range."""
    problems = []
    for line in declared_requirements:
        requirement = Requirement(line)
        versions = pinned.get(canonical(requirement.name))
        if not versions:
            problems.append(f"{requirement.name}: not in the lock")
            continue
        outside = sorted(v for v in versions if Version(v) not in requirement.specifier)
        if outside:
            problems.append(f"{requirement.name}: the lock pins {', '.join(outside)}, outside {requirement.specifier}")
    return problems


def modules_by_distribution() -> dict[str, set[str]]:
    """Installed distribution (canonical name) → the top-level modules it provides."""
    provided: dict[str, set[str]] = {}
    for module, distributions in importlib.metadata.packages_distributions().items():
        for distribution in distributions:
            provided.setdefault(canonical(distribution), set()).add(module)
    return provided


def provided_modules(distributions: set[str]) -> set[str]:
    provided = modules_by_distribution()
    missing = sorted(d for d in distributions if d not in provided)
    assert not missing, f"declared but not installed: {', '.join(missing)} (run `make test`, which installs the lock)"
    return set().union(*(provided[d] for d in distributions))


def imports_of(source: str, filename: str) -> set[str]:
    """The top-level modules one file imports (absolute imports only; relative ones are our own)."""
    found = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def imports_under(directories: Iterable[Path]) -> dict[str, list[str]]:
    """Top-level module → the files (relative names) that import it, over every .py file."""
    users: dict[str, list[str]] = {}
    for directory in directories:
        for path in sorted(directory.rglob("*.py")):
            for module in imports_of(path.read_text(encoding="utf-8"), str(path)):
                users.setdefault(module, []).append(f"{directory.name}/{path.relative_to(directory)}")
    return users


def undeclared(users: dict[str, list[str]], first_party: set[str], allowed: set[str]) -> list[str]:
    """One line per imported module that is neither standard library, ours, nor allowed."""
    return [
        f"{module} (imported by {', '.join(files[:3])}{' …' if len(files) > 3 else ''})"
        for module, files in sorted(users.items())
        if module not in sys.stdlib_module_names and module not in first_party and module not in allowed
    ]


def unimported(distributions: set[str], imported: set[str], indirect: dict[str, str]) -> list[str]:
    """The declared distributions none of whose modules is imported, the documented exceptions aside."""
    provided = modules_by_distribution()
    return sorted(d for d in distributions if d not in indirect and not provided.get(d, set()) & imported)


def package_directories() -> list[Path]:
    directories = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations, f"package {name} is not installed"
        directories.extend(Path(p) for p in spec.submodule_search_locations)
    return directories


def test_every_import_of_the_packages_is_a_runtime_dependency() -> None:
    users = imports_under(package_directories())
    problems = undeclared(users, set(PACKAGES), provided_modules(declared("runtime")))
    assert not problems, "imported but not a runtime dependency in pyproject.toml:\n" + "\n".join(problems)


def test_every_runtime_dependency_is_imported() -> None:
    imported = set(imports_under(package_directories()))
    unused = unimported(declared("runtime"), imported, NEEDED_INDIRECTLY)
    assert not unused, (f"declared in pyproject.toml but imported by no module: {', '.join(unused)} "
                        "(drop it, or say in NEEDED_INDIRECTLY who needs it)")


def test_the_indirect_exceptions_are_declared() -> None:
    stale = sorted(set(NEEDED_INDIRECTLY) - declared("runtime"))
    assert not stale, f"NEEDED_INDIRECTLY names what pyproject.toml no longer declares: {', '.join(stale)}"


def test_every_import_of_the_tests_is_declared() -> None:
    own = {p.stem for p in TESTS.glob("*.py")} | {p.name for p in TESTS.iterdir() if p.is_dir()}
    first_party = set(PACKAGES) | own | {"tests", "benchmarks"}
    allowed = provided_modules(declared("runtime") | declared("test"))
    problems = undeclared(imports_under([TESTS]), first_party, allowed)
    assert not problems, "imported by the tests but declared nowhere:\n" + "\n".join(problems)


def test_the_lock_pins_every_declared_dependency_within_its_range() -> None:
    runtime = requirements("runtime")
    problems = [f"requirements/test.txt: {p}" for p in out_of_lock(runtime + requirements("test"),
                                                                    pins(ROOT / "requirements" / "test.txt"))]
    problems += [f"requirements/runtime.txt: {p}" for p in out_of_lock(runtime, pins(ROOT / "requirements" / "runtime.txt"))]
    assert not problems, "the lock is stale; run `make lock`:\n" + "\n".join(problems)


def test_the_runtime_lock_pins_what_the_tests_ran_with() -> None:
    tested = pins(ROOT / "requirements" / "test.txt")
    differ = sorted(f"{name} {', '.join(sorted(versions))} (tested: {', '.join(sorted(tested.get(name, {'none'})))})"
                    for name, versions in pins(ROOT / "requirements" / "runtime.txt").items()
                    if versions != tested.get(name))
    assert not differ, "requirements/runtime.txt differs from requirements/test.txt; run `make lock`: " + "; ".join(differ)


def test_a_stale_lock_is_named() -> None:
    pinned = pins_in("scrapy==2.13.3 \\\n    --hash=sha256:00\nnumpy==2.2.6 ; python_full_version < '3.12' \\\n"
                          "numpy==2.3.1 ; python_full_version >= '3.12'\n")
    assert pinned == {"scrapy": {"2.13.3"}, "numpy": {"2.2.6", "2.3.1"}}
    assert out_of_lock(["scrapy>=2.11,<2.20", "numpy>=1.24,<3"], pinned) == []
    assert out_of_lock(["Scrapy>=2.14", "fastapi>=0.110", "numpy<2.3"], pinned) == [
        "Scrapy: the lock pins 2.13.3, outside >=2.14", "fastapi: not in the lock",
        "numpy: the lock pins 2.3.1, outside <2.3"]


# The audit itself, on a package written here: it must see what it is there to see.

@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("import os\nfrom . import sub\n", encoding="utf-8")
    (root / "sub" / "__init__.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import click\n"
        "def late():\n    import jinja2.sandbox\n    from demo.sub import x\n",
        encoding="utf-8",
    )
    return root


def test_the_audit_finds_imports_in_functions_and_type_checking_blocks(package: Path) -> None:
    users = imports_under([package])
    assert set(users) == {"os", "typing", "click", "jinja2", "demo"}
    assert undeclared(users, {"demo"}, {"click"}) == ["jinja2 (imported by demo/sub/__init__.py)"]
    assert undeclared(users, {"demo"}, {"click", "jinja2"}) == []


def test_the_audit_names_a_dependency_nothing_imports(package: Path) -> None:
    imported = set(imports_under([package]))
    assert unimported({"click", "jinja2", "rich"}, imported, {}) == ["rich"]
    assert unimported({"click", "rich"}, imported, {"rich": "a reason"}) == []


def test_distribution_names_are_compared_canonically() -> None:
    assert requirement_names(["Jinja2>=3.1", "lxml_html_clean>=0.4", "psycopg[binary]>=3.1", "zope.interface"]) == {
        "jinja2", "lxml-html-clean", "psycopg", "zope-interface"}
    assert "lxml_html_clean" in modules_by_distribution()["lxml-html-clean"]
