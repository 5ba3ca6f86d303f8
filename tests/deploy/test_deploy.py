"""The deploy files parse, hold what the design needs, and only run commands the CLI has."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from monitor.cli.main import app
from workers.app import QUEUES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MONITOR_BIN = str(Path(sys.executable).with_name("monitor"))


def check_cli(argv: list[str]) -> None:
    """``argv`` (without the leading ``monitor``) names a real command and real options."""
    # Typer vendors its own click: groups are recognised by their ``commands``.
    command: Any = typer.main.get_command(app)
    rest = list(argv)
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        sub = command.commands.get(name)
        assert sub is not None, f"`monitor {' '.join(argv)}`: no command {name!r}"
        command = sub
    assert not hasattr(command, "commands"), f"`monitor {' '.join(argv)}` is a group"
    options = {opt for param in command.params for opt in param.opts}
    for token in rest:
        if token.startswith("-"):
            flag = token.split("=", 1)[0]
            assert flag in options, f"`monitor {' '.join(argv)}`: no option {flag}"


def monitor_argv(command: Any) -> list[str] | None:
    if isinstance(command, str):
        command = command.split()
    if not command or Path(command[0]).name != "monitor":
        return None
    return [str(part) for part in command[1:]]


# -- compose ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_has_every_service_of_the_design(compose: dict[str, Any]) -> None:
    services = compose["services"]
    needed = {"redis", "postgres", "migrate", "scheduler", "web", "prometheus", "grafana"}
    assert needed <= set(services)
    for queue in QUEUES:
        service = services[f"worker-{queue}"]
        argv = monitor_argv(service["command"])
        assert argv is not None and argv[0] == "worker"
        assert argv[argv.index("--queues") + 1] == queue
    assert monitor_argv(services["migrate"]["command"]) == ["db", "upgrade"]
    # Everything that touches the schema waits for the one-shot migration.
    for name in ("scheduler", "web", *(f"worker-{q}" for q in QUEUES)):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        env = services[name]["environment"]
        assert {"MONITOR_DATABASE_URL", "MONITOR_BROKER_URL"} <= set(env)
    assert services["scheduler"]["deploy"]["replicas"] >= 2


def test_compose_commands_exist_in_the_cli(compose: dict[str, Any]) -> None:
    checked = 0
    for service in compose["services"].values():
        argv = monitor_argv(service.get("command"))
        if argv is not None:
            check_cli(argv)
            checked += 1
    assert checked >= 7


def test_compose_mounted_files_exist(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), source
    prometheus = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"] for job in prometheus["scrape_configs"]}
    assert {"monitor-web", "monitor-workers"} <= jobs


# -- kubernetes ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def _named(manifests: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in manifests if d["kind"] == kind}


def test_manifests_have_required_keys(manifests: list[dict[str, Any]]) -> None:
    for doc in manifests:
        assert {"apiVersion", "kind", "metadata"} <= set(doc), doc
        assert doc["metadata"].get("name")
    deployments = _named(manifests, "Deployment")
    for name, dep in deployments.items():
        spec = dep["spec"]
        assert spec["selector"]["matchLabels"].items() <= (
            spec["template"]["metadata"]["labels"].items()
        ), name
    assert {f"monitor-worker-{q}" for q in QUEUES} | {"monitor-scheduler", "monitor-web"} <= set(
        deployments
    )
    assert deployments["monitor-scheduler"]["spec"]["replicas"] >= 2
    assert "monitor-migrate" in _named(manifests, "Job")


def test_hpa_scales_the_crawl_workers(manifests: list[dict[str, Any]]) -> None:
    hpas = _named(manifests, "HorizontalPodAutoscaler")
    (hpa,) = hpas.values()
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert target["kind"] == "Deployment" and target["name"] == "monitor-worker-crawl"
    assert target["name"] in _named(manifests, "Deployment")
    assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_manifest_commands_exist_in_the_cli(manifests: list[dict[str, Any]]) -> None:
    checked = 0
    for doc in manifests:
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            argv = monitor_argv(container["command"])
            assert argv is not None
            check_cli(argv)
            checked += 1
    assert checked >= 7


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_kustomize_builds() -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(DEPLOY / "k8s")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    kinds = {d["kind"] for d in yaml.safe_load_all(out) if d}
    assert {"Deployment", "Job", "HorizontalPodAutoscaler", "ConfigMap", "Secret"} <= kinds


# -- systemd ---------------------------------------------------------------------------


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """systemd's format: repeated keys allowed, so not configparser."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = []
            continue
        assert current is not None and "=" in line, line
        key, value = line.split("=", 1)
        sections[current].append((key, value))
    return sections


UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def test_every_role_has_a_unit() -> None:
    names = {p.name for p in UNITS}
    assert {
        "monitor-migrate.service",
        "monitor-scheduler.service",
        "monitor-worker@.service",
        "monitor-web.service",
    } <= names


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_unit_runs_a_real_command(path: Path) -> None:
    unit = parse_unit(path.read_text())
    assert {"Unit", "Service", "Install"} <= set(unit)
    service = dict(unit["Service"])
    assert service["EnvironmentFile"] == "/etc/disclosure-monitor/monitor.env"
    argv = monitor_argv(service["ExecStart"])
    assert argv is not None
    # %i and ${VAR} are filled in by systemd: check the command and option names.
    check_cli([re.sub(r"%\w|\$\{\w+\}", "x", a) for a in argv])


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_units_verify(tmp_path: Path) -> None:
    for path in UNITS:
        text = path.read_text().replace("/opt/disclosure-monitor/.venv/bin/monitor", MONITOR_BIN)
        name = path.name.replace("@.", "@crawl.")
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# -- secrets ---------------------------------------------------------------------------


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.strip().startswith("#")}


def test_templates_ship_no_usable_secret_key(compose: dict[str, Any]) -> None:
    """Whoever deploys a template unchanged gets a web that refuses to start, never one
    whose session cookies anyone who read the template can forge."""
    from monitor.web.security import secret_key_problem

    shipped = {}
    k8s = [d for d in yaml.safe_load_all((DEPLOY / "k8s" / "config.yaml").read_text()) if d]
    secret = next(d for d in k8s if d["kind"] == "Secret")
    shipped["k8s"] = secret["stringData"]["MONITOR_SECRET_KEY"]
    env = _env_file(DEPLOY / "systemd" / "monitor.env.example")
    shipped["systemd"] = env["MONITOR_SECRET_KEY"]
    for where, value in shipped.items():
        assert secret_key_problem(value) is not None, where
    # Compose has no value of its own: it demands the operator's.
    value = compose["x-monitor"]["environment"]["MONITOR_SECRET_KEY"]
    assert re.fullmatch(r"\$\{MONITOR_SECRET_KEY:\?[^}]*\}", value), value
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix in {".yaml", ".yml", ".example", ".service", ".toml"}:
            for line in path.read_text().splitlines():
                if "SECRET_KEY" in line and ("=" in line or ":" in line):
                    value = re.split(r"[=:]", line, maxsplit=1)[1].strip().strip("\"'")
                    if value and not value.startswith("${"):
                        assert secret_key_problem(value) is not None, (path, line)
