"""Count the import statements inside functions under ``src/bulletin_nlp`` (issue 17:
imports belong at module top unless something measured keeps them lazy).

    python scripts/count_function_imports.py [ROOT] [--files]
"""

import ast
import sys
from pathlib import Path

args = [a for a in sys.argv[1:] if a != "--files"]
root = Path(args[0] if args else ".") / "src" / "bulletin_nlp"
total = 0
files = 0
per = {}
for p in sorted(root.rglob("*.py")):
    tree = ast.parse(p.read_text(encoding="utf-8"))
    n = 0
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    n += 1
    if n:
        files += 1
        per[str(p.relative_to(root))] = n
    total += n
print(total, "imports inside functions in", files, "files")
if "--files" in sys.argv:
    for k, v in sorted(per.items(), key=lambda kv: -kv[1]):
        print(f"  {v:3d} {k}")
