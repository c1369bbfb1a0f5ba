"""``sm-teamkit clean CATEGORY [--root PATH] [--yes]``: empty a recognised category (trash, a
cache) from a terminal, with the panel's rules (``cleanup.py``): a fresh scan of the root finds
the category's folders, each is checked again, and what is inside goes; the folder stays.
Made for Studio's recovery mode (``recovery.py``), where the panel is not loaded; works anywhere."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..cli.kit import add_command, teamkit
from ..cli.output import printed_json
from ..formats import size


def cmd_clean(args) -> int:
    from .categories import BY_ID
    from .cleanup import resolve_targets
    from .recovery import user_home
    from .roots import real_folder
    from .scan import RootSpec
    from .service import StorageService, StorageSettings

    root = real_folder(args.root or user_home())
    # The root is the home the categories are found in (~/.cache/pip, ~/.local/share/Trash...).
    settings = dataclasses.replace(
        StorageSettings.from_config(teamkit().config),
        home=root,
        roots=(),
        detect_efs=False,
        publish_metrics=False,
        persist=False,
    )
    service = StorageService(settings)
    report = service.scan_now([RootSpec(root, "home")], save=False)["report"]
    targets = resolve_targets(report, [root], root, args.category, None)
    found = next(c for c in report["categories"] if c["id"] == args.category)
    label = BY_ID[args.category].label
    if not args.yes:
        answer = {"category": args.category, "dry_run": True, "paths": found["paths"]}
        if printed_json(args, answer):
            return 0
        print(f"{label}: {size(found['allocated_bytes'])} in {len(targets)} folder(s):")
        for entry in found["paths"]:
            print(f"  {size(entry['allocated_bytes']):>10}  {entry['path']}")
        print("Nothing emptied: add --yes to empty them (the folders stay, what is inside goes).")
        return 0
    result = service.clean(args.category)["cleanup"]
    if printed_json(args, result):
        return 0 if not result["errors"] else 1
    for freed in result["freed"]:
        print(f"emptied {freed['path']}: {size(freed['allocated_bytes'])} freed, {freed['files']:,} files")
    print(f"{label}: {size(result['freed_allocated_bytes'])} freed in all.")
    for error in result["errors"][:10]:
        print(f"  not removed: {error['path']}: {error['message']}", file=sys.stderr)
    return 0 if not result["errors"] else 1


# fmt: off
def register_clean(sub: argparse._SubParsersAction) -> None:
    """Add `clean` to the sm-teamkit command line."""
    p = add_command(sub, "clean", cmd_clean, "empty a storage category (trash, a cache) the panel can empty",
                    json="print what was (or, without --yes, would be) emptied as JSON")
    p.add_argument("category", metavar="CATEGORY", help="trash, pip, uv, conda, virtualenv, ... (see `sm-teamkit usage`)")
    p.add_argument("--root", default="", help="the home to look in (default: yours; /home/sagemaker-user in "
                   "Studio's recovery mode)")
    p.add_argument("--yes", action="store_true", help="empty it (without: show what would be emptied)")
# fmt: on
