"""``monitor rules``: the registered rules, their basis, parameters and documentation."""

from __future__ import annotations

from typing import Any

import typer

from monitor.cli.common import echo_json, state
from monitor.rulesets import load_ruleset
from rules.api import Rule
from rules.registry import load_rules


def describe(rule: type[Rule], kinds: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """A rule as data: what ``rules show --json`` prints and docs/rules.md is made of."""
    params = []
    for name, info in rule.Params.model_fields.items():
        default = info.get_default(call_default_factory=True)
        if hasattr(default, "model_dump"):
            default = default.model_dump()
        elif isinstance(default, dict):
            default = {
                k: v.model_dump() if hasattr(v, "model_dump") else v for k, v in default.items()
            }
        params.append({"name": name, "type": str(info.annotation), "default": default})
    return {
        "id": rule.id,
        "title": rule.title,
        "basis": rule.basis,
        "severity": str(rule.severity),
        "version": rule.version,
        "applies_to": sorted(rule.applies_to),
        "periods": (kinds or {}).get(rule.id, []),
        "params": params,
        "doc": rule.doc(),
    }


def _ruleset_periods(ctx: typer.Context) -> dict[str, list[str]]:
    ruleset = load_ruleset(state(ctx).settings)
    out: dict[str, set[str]] = {}
    for kind, entries in ruleset.kinds.items():
        for entry in entries:
            if entry.enabled:
                out.setdefault(entry.rule, set()).update(f"{kind}:{p}" for p in entry.periods)
    return {rule: sorted(values) for rule, values in out.items()}


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="List and show the registered rules.", no_args_is_help=True)
    app.add_typer(group, name="rules")

    @group.command("list")
    def list_rules(
        ctx: typer.Context,
        as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    ) -> None:
        """List every registered rule: id, severity, unit kinds and title."""
        loaded = load_rules()
        periods = _ruleset_periods(ctx)
        rows = [describe(rule, periods) for _, rule in sorted(loaded.rules.items())]
        if as_json:
            echo_json({"rules": rows, "errors": loaded.errors})
            return
        for row in rows:
            kinds = ",".join(row["applies_to"])
            typer.echo(f"{row['id']:<40} {row['severity']:<8} {kinds:<40} {row['title']}")
        for error in loaded.errors:
            typer.echo(f"error: {error}", err=True)

    @group.command("show")
    def show_rule(
        ctx: typer.Context,
        rule_id: str = typer.Argument(
            ..., metavar="ID", help="Rule id, e.g. timeliness.publication_lag"
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
    ) -> None:
        """Show one rule: title, basis, severity, unit kinds, parameters and its documentation."""
        rule = load_rules().get(rule_id)
        if rule is None:
            typer.echo(f"no rule {rule_id!r} (see `monitor rules list`)", err=True)
            raise typer.Exit(2)
        row = describe(rule, _ruleset_periods(ctx))
        if as_json:
            echo_json(row)
            return
        typer.echo(f"{row['id']}  (version {row['version']}, severity {row['severity']})")
        typer.echo(row["title"])
        typer.echo(f"Basis: {row['basis']}")
        typer.echo(f"Applies to: {', '.join(row['applies_to'])}")
        if row["periods"]:
            typer.echo(f"Ruleset periods: {', '.join(row['periods'])}")
        typer.echo("Parameters:")
        for param in row["params"]:
            typer.echo(f"  {param['name']} = {param['default']!r}")
        typer.echo("")
        typer.echo(row["doc"])
