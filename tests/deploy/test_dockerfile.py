"""deploy/Dockerfile and its entrypoint: the services they name are the workspace's packages."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "docker-entrypoint.sh"
SERVICES = {
    "contacts": ROOT / "services" / "contacts",
    "events": ROOT / "services" / "events",
    "partnerships": ROOT / "services" / "partnerships",
    "gateway": ROOT / "gateway",
}
DEFAULT_PORTS = {"contacts": 8101, "events": 8102, "partnerships": 8103, "gateway": 8000}


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    result = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        instruction, _, arguments = stripped.partition(" ")
        result.append((instruction.upper(), arguments.strip()))
    return result


def _stages() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Stage name -> (base, instructions of that stage)."""
    stages: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    current: list[tuple[str, str]] | None = None
    for instruction, arguments in _instructions():
        if instruction == "FROM":
            match = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", arguments, re.IGNORECASE)
            assert match, arguments
            current = []
            stages[match.group(2) or f"stage{len(stages)}"] = (match.group(1), current)
        elif current is not None:
            current.append((instruction, arguments))
    return stages


def _entrypoint_services() -> set[str]:
    text = ENTRYPOINT.read_text(encoding="utf-8")
    match = re.search(r"^\s+([a-z|]+)\)\n\s+service=\"\$1\"", text, re.MULTILINE)
    assert match, "the case arm naming the services"
    return set(match.group(1).split("|"))


def test_service_targets_are_the_workspace_packages() -> None:
    stages = _stages()
    targets = {name for name, (base, _) in stages.items() if base == "runtime"}
    assert targets == set(SERVICES)
    for name in targets:
        commands = [args for instruction, args in stages[name][1] if instruction == "CMD"]
        assert commands == [f'["{name}"]'], name


def test_entrypoint_runs_the_named_package() -> None:
    assert _entrypoint_services() == set(SERVICES)
    assert 'exec python -m "punte_${service}"' in ENTRYPOINT.read_text(encoding="utf-8")
    for name, directory in SERVICES.items():
        project = tomllib.loads((directory / "pyproject.toml").read_text(encoding="utf-8"))
        assert project["project"]["name"] == f"punte-{name}"
        assert (directory / "src" / f"punte_{name}" / "__init__.py").is_file()
        scripts = project["project"].get("scripts", {})
        assert scripts.get(f"punte-{name}", "").startswith(f"punte_{name}.__main__:")


def test_every_workspace_member_manifest_is_copied_before_the_first_sync() -> None:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    members = [
        path.parent.relative_to(ROOT).as_posix()
        for pattern in root["tool"]["uv"]["workspace"]["members"]
        for path in sorted(ROOT.glob(f"{pattern}/pyproject.toml"))
    ]
    assert members
    _, build = _stages()["build"]
    first_sync = next(i for i, (ins, args) in enumerate(build) if "uv sync" in args)
    copies = [args for ins, args in build[:first_sync] if ins == "COPY"]
    for member in members:
        assert f"{member}/pyproject.toml {member}/" in copies, member
    assert "pyproject.toml uv.lock ./" in copies
    syncs = [args for ins, args in build if ins == "RUN" and "uv sync" in args]
    assert all("--frozen" in s and "--no-dev" in s for s in syncs)


def test_runtime_is_slim_python_and_not_root() -> None:
    instructions = _instructions()
    args = dict(a.split("=", 1) for i, a in instructions if i == "ARG" and "=" in a)
    assert args["PYTHON_IMAGE"] == "python:3.11-slim"
    stages = _stages()
    base, runtime = stages["runtime"]
    assert base == "${PYTHON_IMAGE}"
    users = [a for i, a in runtime if i == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("0", "root")
    (expose,) = [a for i, a in runtime if i == "EXPOSE"]
    assert {int(p) for p in expose.split()} == set(DEFAULT_PORTS.values())
    (entrypoint,) = [a for i, a in runtime if i == "ENTRYPOINT"]
    assert entrypoint == '["punte-entrypoint"]'


def test_compose_builds_the_dockerfile_targets() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    stages = _stages()
    for name in SERVICES:
        build = compose["services"][name]["build"]
        assert (ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
        assert build["target"] in stages


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
def test_entrypoint_script_usage() -> None:
    syntax = subprocess.run(["sh", "-n", str(ENTRYPOINT)], capture_output=True, check=False)
    assert syntax.returncode == 0, syntax.stderr
    bare = subprocess.run(["sh", str(ENTRYPOINT)], capture_output=True, text=True, check=False)
    assert bare.returncode == 64
    assert "contacts|events|partnerships|gateway" in bare.stderr
    helped = subprocess.run(
        ["sh", str(ENTRYPOINT), "--help"], capture_output=True, text=True, check=False
    )
    assert helped.returncode == 0
    passthrough = subprocess.run(
        ["sh", str(ENTRYPOINT), "echo", "hello"], capture_output=True, text=True, check=False
    )
    assert passthrough.stdout == "hello\n"


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    ignored = (ROOT / "deploy" / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    patterns = {line.strip() for line in ignored.splitlines() if line and not line.startswith("#")}
    assert {"**/.venv", "**/var", ".git"} <= patterns
