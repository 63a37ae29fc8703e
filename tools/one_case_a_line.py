"""Rewrite the bad-input battery so that every case reads on one line; its meaning is unchanged.

    python tools/one_case_a_line.py tests/reliability_cases.py

Every `Case(...)` and `Accept(...)` call (with the `c.append(...)` around it, if any) that spans
several lines is joined into one, its comments moved to the end of the line, and the formatter
is switched off from the first table on (`# fmt: off`), so `ruff format` keeps it that way. The
file is written only if its syntax tree is exactly the one it had: a pure reformatting.
Use it after merging edits made to the battery in the formatter's multi-line style.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

CASES = ("Case", "Accept")
HEADER = (
    "# The tables below read one case a line, however long: ruff's formatter would spread a case"
    " over\n# up to seven lines, so it leaves this file alone from here on (pyproject.toml lets"
    " its lines be\n# long). `python tools/one_case_a_line.py` joins cases written over several"
    " lines.\n# fmt: off\n"
)
ANCHOR = 'NAN, INF = float("nan"), float("inf")\n'


def _is_case(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) in CASES


def _spans(tree: ast.Module) -> list[tuple[int, int, ast.AST]]:
    """(first line, last line, node) of each multi-line case statement or case call."""
    spans = []
    for node in ast.walk(tree):
        call = node.value if isinstance(node, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "append"
            and len(call.args) == 1
            and _is_case(call.args[0])
        ):
            spans.append((node.lineno, node.end_lineno, node))
    for node in ast.walk(tree):
        inside = (
            any(a <= node.lineno <= node.end_lineno <= b for a, b, _ in spans)
            if _is_case(node)
            else True
        )
        if not inside:
            spans.append((node.lineno, node.end_lineno, node))
    return sorted((s for s in spans if s[0] < s[1]), key=lambda s: -s[0])


def _joined(parts: list[str]) -> str:
    """Physical lines joined as one: no space inside brackets, no trailing comma before one."""
    text = ""
    for part in filter(None, parts):
        if text.endswith(",") and part[0] in ")]}":
            text = text[:-1] + part
        elif not text or text[-1] in "([{" or part[0] in ")]}":
            text += part
        else:
            text += " " + part
    return text


def one_case_a_line(source: str) -> str:
    """`source` with every case on one line (see the module docstring)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    comments = {
        token.start[0]: (token.start[1], token.string[1:].strip())
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    for start, end, node in _spans(tree):
        first = lines[start - 1]
        indent = first[: len(first) - len(first.lstrip())]
        tail = lines[end - 1][node.end_col_offset :].strip()
        if node.col_offset != len(indent) or (tail and tail[0] not in ",#"):
            continue  # not a whole line of its own: left as it is
        parts, notes = [], []
        for number in range(start, end + 1):
            text = lines[number - 1].rstrip("\n")
            if number in comments:
                column, note = comments[number]
                notes.append(note)
                text = text[:column]
            parts.append(text.strip())
        line = indent + _joined(parts) + ("  # " + "; ".join(notes) if notes else "")
        lines[start - 1 : end] = [line + "\n"]
    text = "".join(lines)
    if "# fmt: off" not in text and ANCHOR in text:
        text = text.replace(ANCHOR, ANCHOR + "\n" + HEADER, 1).rstrip("\n") + "\n# fmt: on\n"
    return text


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/reliability_cases.py")
    source = path.read_text(encoding="utf-8")
    rewritten = one_case_a_line(source)
    if ast.dump(ast.parse(rewritten)) != ast.dump(ast.parse(source)):
        print(f"{path}: the rewrite would change the code; nothing written", file=sys.stderr)
        return 1
    path.write_text(rewritten, encoding="utf-8")
    print(f"{path}: {len(source.splitlines())} -> {len(rewritten.splitlines())} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
