"""requirements.lock: the image's runtime dependencies, pinned with hashes (`make lock` writes
it from pyproject.toml for the Lambda's Python 3.12 on x86_64). It must satisfy pyproject.toml,
and the tests must run against the versions it pins (make installs the dev environment
constrained by it), so what was tested is what ships."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
LAMBDA_PYTHON = {"python_version": "3.12", "python_full_version": "3.12.0"}
RELOCK = "run `make lock` and commit requirements.lock"


def pins() -> dict[str, tuple[Version, Marker | None, list[str]]]:
    """name -> (version, marker, sha256 hashes), continuation lines joined."""
    text = LOCK.read_text(encoding="utf-8").replace("\\\n", " ")
    found = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        requirement = Requirement(re.sub(r"\s--hash=\S+", "", line).strip())
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{requirement} is not pinned"
        found[canonicalize_name(requirement.name)] = (
            Version(specifier.version),
            requirement.marker,
            hashes,
        )
    return found


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in project["dependencies"]]


def test_every_pin_is_exact_and_carries_hashes() -> None:
    locked = pins()
    assert len(locked) > 20
    for name, (_, _, hashes) in locked.items():
        assert hashes, f"{name} has no --hash: pip --require-hashes would refuse the lock"


def test_the_lock_satisfies_every_runtime_dependency_of_pyproject() -> None:
    locked = pins()
    for requirement in runtime_requirements():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is in pyproject.toml but not in the lock: {RELOCK}"
        pinned = locked[name][0]
        assert requirement.specifier.contains(pinned, prereleases=True), (
            f"the lock pins {name}=={pinned}, outside pyproject's {requirement.specifier}: {RELOCK}"
        )


def test_no_dev_tool_is_in_the_lock() -> None:
    assert not {"pytest", "moto", "mypy", "ruff", "cfn-lint", "hypothesis", "uv"} & set(pins())


def test_the_tests_run_against_the_versions_the_image_ships() -> None:
    differing = {}
    for name, (pinned, marker, _) in pins().items():
        if marker is not None and not marker.evaluate(LAMBDA_PYTHON):
            continue
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            differing[name] = f"not installed, locked {pinned}"
            continue
        if installed != pinned:
            differing[name] = f"installed {installed}, locked {pinned}"
    assert not differing, f"the test environment differs from the lock ({differing}): make"
