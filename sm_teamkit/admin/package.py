"""The Lambda zip: this package's Python files (no labextension), which with the
runtime's own boto3 is all the scheduled job needs."""

from __future__ import annotations

import zipfile
from pathlib import Path

import sm_teamkit

SKIP = {"labextension", "__pycache__"}


def build_zip(output: str) -> dict:
    root = Path(sm_teamkit.__file__).resolve().parent
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not SKIP & set(p.relative_to(root).parts) and p.suffix in {".py", ".json"}
    )
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            zf.write(p, Path("sm_teamkit") / p.relative_to(root))
    return {"path": str(out), "files": len(files), "bytes": out.stat().st_size}
