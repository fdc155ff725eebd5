"""The Lambda image (`Dockerfile`, `.dockerignore`), checked without Docker: there is no Docker
engine where the tests run, so the structure is read instead, the build context is worked out
from `.dockerignore` as Docker matches it, and the project's wheel is built from exactly that
context, as the image's first stage builds it."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
BASE_IMAGE = "public.ecr.aws/lambda/python:3.12"
HANDLER = "bot.aws_lambda.handler"
PACKAGES = {"bot", "engine", "listeners", "modals"}
LOCK = "requirements.lock"
CONTEXT_ROOTS = PACKAGES | {LOCK, "pyproject.toml", "README.md"}
"""All the build context may hold: pyproject.toml names README.md as the project's readme."""


Instruction = tuple[str, str]


def instructions() -> list[Instruction]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    result = []
    for text in logical:
        keyword, _, arguments = text.partition(" ")
        result.append((keyword.upper(), arguments.strip()))
    return result


def stages() -> list[list[Instruction]]:
    found: list[list[Instruction]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            found.append([])
        assert found, "the Dockerfile must start with FROM"
        found[-1].append(instruction)
    return found


# --- .dockerignore, matched as Docker matches it ----------------------------------------------


def _pattern(glob: str) -> re.Pattern[str]:
    """Docker's (Go's filepath.Match plus `**`): `*` and `?` stay within one path segment."""
    out, i = "", 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif glob.startswith("**", i):
            out, i = out + ".*", i + 2
        elif glob[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif glob[i] == "?":
            out, i = out + "[^/]", i + 1
        elif glob[i] == "[":
            end = glob.index("]", i)
            out, i = out + glob[i : end + 1], end + 1
        else:
            out, i = out + re.escape(glob[i]), i + 1
    return re.compile(out)


def ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        negated = text.startswith("!")
        glob = text.lstrip("!").strip().strip("/")
        rules.append((negated, _pattern(glob)))
    return rules


def excluded(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves `path` out: the last rule matching it, or any of its parent
    folders, decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for negated, pattern in rules:
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            verdict = not negated
    return verdict


def context_files() -> list[str]:
    """The files `docker build .` would send: everything under the context roots that
    .dockerignore does not leave out."""
    rules = ignore_rules()
    found = []
    for root in sorted(CONTEXT_ROOTS):
        top = ROOT / root
        paths = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in paths:
            relative = path.relative_to(ROOT).as_posix()
            if not excluded(relative, rules):
                found.append(relative)
    return found


# --- the Dockerfile -----------------------------------------------------------------------


def test_every_stage_starts_from_the_aws_python_312_lambda_image_by_tag_or_digest() -> None:
    froms = [arguments.split() for keyword, arguments in instructions() if keyword == "FROM"]
    assert len(froms) >= 2, "a build stage and a clean final stage"
    pinned = re.compile(re.escape(BASE_IMAGE) + r"(@sha256:[0-9a-f]{64})?")
    for words in froms:
        assert pinned.fullmatch(words[0]), words
    assert len({words[0] for words in froms}) == 1, "both stages on the same image"
    final = stages()[-1][0][1].split()
    assert len(final) == 1, "the final stage is the image itself, not a named builder"


def test_the_final_stage_only_copies_the_built_packages_and_names_the_handler() -> None:
    final = stages()[-1]
    builder = stages()[0][0][1].split()[-1]
    keywords = [keyword for keyword, _ in final]
    assert keywords == ["FROM", "COPY", "CMD"], "nothing is built or installed in the image"
    copy = final[1][1].split()
    assert copy[0] == f"--from={builder}"
    assert copy[-1] == "${LAMBDA_TASK_ROOT}"
    assert json.loads(final[2][1]) == [HANDLER]
    module, _, attribute = HANDLER.rpartition(".")
    assert callable(getattr(importlib.import_module(module), attribute))


def test_the_build_copies_only_the_project_and_installs_no_extras() -> None:
    copied = set()
    for keyword, arguments in instructions():
        if keyword in ("COPY", "ADD"):
            assert keyword == "COPY", "ADD fetches and unpacks; COPY is enough"
            words = [w for w in arguments.split() if not w.startswith("--")]
            if not arguments.startswith("--from="):
                copied |= {w.rstrip("/") for w in words[:-1]}
    assert copied == CONTEXT_ROOTS
    runs = " ".join(arguments for keyword, arguments in instructions() if keyword == "RUN")
    assert "[dev]" not in runs and ".[" not in runs, "the dev extra stays out"
    for command in re.findall(r"pip (?:install|wheel)[^&]*", runs):
        assert "--no-cache-dir" in command, command


def test_the_dependencies_come_from_the_lock_checked_by_hash_and_the_wheel_adds_none() -> None:
    build = stages()[0]
    runs = [arguments for keyword, arguments in build if keyword == "RUN"]
    (from_lock,) = [r for r in runs if f"-r {LOCK}" in r]
    assert "--require-hashes" in from_lock.split()
    assert "--no-deps" in from_lock.split(), "the lock is complete: pip resolves nothing"
    (wheel_install,) = [c for c in re.findall(r"pip install[^&]*", " ".join(runs)) if ".whl" in c]
    assert "--no-deps" in wheel_install.split(), "everything the wheel needs came from the lock"
    # The lock's layer comes before the sources', so a code change reuses it.
    order = [arguments.split()[0] for keyword, arguments in build if keyword == "COPY"]
    assert order[0] == LOCK and order.index(LOCK) < order.index("pyproject.toml")


# --- the build context ---------------------------------------------------------------------


def test_dockerignore_lets_in_only_the_project() -> None:
    rules = ignore_rules()
    for path in [
        "tests/aws/test_template.py",
        "tests/conftest.py",
        ".venv/bin/python",
        ".cache/dynamodb-local/emulator/DynamoDBLocal.jar",
        "benchmarks/tick.py",
        "docs/deploy.md",
        "demo-workspace/roster.csv",
        "build/lib/bot/cli.py",
        "onboarding_guide.egg-info/PKG-INFO",
        ".git/HEAD",
        ".pytest_cache/README.md",
        ".mypy_cache/3.11/bot/cli.data.json",
        "og.db",
        "outbox/1.eml",
        "template.yaml",
        "Makefile",
        ".env",
        "bot/__pycache__/cli.cpython-311.pyc",
        "engine/adapters/__pycache__/ses_mailer.cpython-312.pyc",
    ]:
        assert excluded(path, rules), path
    for path in [
        LOCK,
        "pyproject.toml",
        "README.md",
        "bot/aws_lambda.py",
        "bot/demo/rules.md",
        "engine/adapters/dynamodb_tables.py",
        "listeners/__init__.py",
        "modals/__init__.py",
    ]:
        assert not excluded(path, rules), path


def test_the_tracked_files_in_the_context_are_the_project_and_nothing_else() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    rules = ignore_rules()
    sent = {path for path in listed.split("\0") if path and not excluded(path, rules)}
    assert {path.split("/")[0] for path in sent} <= CONTEXT_ROOTS
    for package in PACKAGES:
        tracked = {p for p in listed.split("\0") if p.startswith(f"{package}/")}
        assert tracked <= sent, tracked - sent


def test_the_wheel_built_from_the_context_holds_the_four_packages_and_no_tests(
    tmp_path: Path,
) -> None:
    context = tmp_path / "context"
    for relative in context_files():
        target = context / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / relative, target)
    wheels = tmp_path / "wheels"
    # What the image's first stage runs (pip fetches setuptools for the isolated build).
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, "."],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, f"pip wheel failed:\n{built.stdout}\n{built.stderr}"
    (wheel,) = wheels.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        requirements = [
            line.removeprefix("Requires-Dist: ")
            for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist: ")
        ]
    tops = {name.split("/")[0] for name in names}
    assert tops - PACKAGES == {metadata.split("/")[0]}
    assert tops >= PACKAGES
    assert "bot/aws_lambda.py" in names
    assert "bot/demo/rules.md" in names  # package data the demo reads
    assert not [n for n in names if re.search(r"(^|/)(tests?/|test_|conftest\.py)", n)]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # Installing the wheel without extras installs none of the dev tools.
    dev = [r for r in requirements if re.match(r"(pytest|moto|mypy|ruff|cfn-lint|hypothesis)", r)]
    assert dev and all('extra == "dev"' in r for r in dev), dev
    runtime = {re.split(r"[<>=!~;\[ ]", r)[0] for r in requirements if "extra ==" not in r}
    assert {"boto3", "slack-bolt", "pydantic-settings"} <= runtime
