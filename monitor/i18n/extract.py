"""A Babel extractor for rule classes: their ``title``, ``remedy`` and the templates
of their ``messages`` are plain class attributes (rules do not import the monitor's
gettext), so ``make messages`` reads them from the source with this.

babel.cfg: ``[monitor.i18n.extract:extract_rules: rules/**.py]``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import IO, Any

_TEXT_ATTRS = {"title", "remedy"}


def _strings(node: ast.AST) -> Iterator[tuple[int, str]]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        yield node.lineno, node.value
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)


def extract_rules(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    tree = ast.parse(fileobj.read())
    for stmt in tree.body:  # module-level tables of messages (COMMON_MESSAGES)
        if isinstance(stmt, ast.AnnAssign | ast.Assign) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id.endswith("MESSAGES") for t in targets):
                yield from ((ln, "", s, ["module messages"]) for ln, s in _strings(stmt.value))
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for stmt in cls.body:
            if not isinstance(stmt, ast.Assign | ast.AnnAssign) or stmt.value is None:
                continue
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if names & _TEXT_ATTRS and isinstance(stmt.value, ast.Constant):
                yield from (
                    (ln, "", s, [f"{cls.name}.{min(names)}"]) for ln, s in _strings(stmt.value)
                )
            elif "messages" in names:
                yield from ((ln, "", s, [f"{cls.name}.messages"]) for ln, s in _strings(stmt.value))
