"""The workspace's shape: import boundaries hold and every service lays out the same."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    result = subprocess.run(
        [Path(sys.executable).parent / "lint-imports", ROOT / "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_contracts_depend_on_pydantic_alone() -> None:
    project = tomllib.loads((ROOT / "shared/contracts/pyproject.toml").read_text())["project"]
    assert [d.split(">")[0] for d in project["dependencies"]] == ["pydantic"]


def test_every_service_has_its_own_migrations() -> None:
    for service in ("contacts", "events", "partnerships"):
        folder = ROOT / "services" / service
        assert (folder / "migrations" / "env.py").exists()
        assert list((folder / "migrations" / "versions").glob("*.py"))
    assert list((ROOT / "gateway" / "migrations" / "versions").glob("*.py"))


def test_every_service_has_a_single_migration_head() -> None:
    from alembic.script import ScriptDirectory
    from punte_platform.migrations import alembic_config

    for folder in ("services/contacts", "services/events", "services/partnerships", "gateway"):
        script = ScriptDirectory.from_config(alembic_config(ROOT / folder / "migrations"))
        assert len(script.get_heads()) == 1, f"{folder} has several heads: add a merge revision"
