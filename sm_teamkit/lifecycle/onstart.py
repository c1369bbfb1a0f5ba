"""``sm-teamkit lifecycle on-start``: the steps the rendered script hands over to after it
installed sm_teamkit. Settings come from the SM_TEAMKIT_* variables the script exported; the
deadline (SM_TEAMKIT_DEADLINE, epoch seconds) from the script's own start, so the whole run
stays inside total_budget_seconds."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

from . import steps
from .runner import StepRunner
from .team_settings import LifecycleSettings

# What runs after the install, per app type (and notebook-instance phase), in order.
PLANS: dict[str, tuple[str, ...]] = {
    "JupyterLab": ("restart", "kernels", "git", "seed", "apt", "on_start"),
    "JupyterServer": ("restart", "kernels", "git", "seed", "apt", "on_start"),
    "KernelGateway": ("kernels", "git", "seed", "apt", "on_start"),
    "CodeEditor": ("kernels", "git", "seed", "apt", "on_start"),
    "NotebookInstance:create": ("seed",),
    "NotebookInstance:start": ("restart", "efs", "kernels", "git", "seed", "on_start"),
}
STEP_FUNCTIONS: dict[str, Callable[[steps.StepContext], str]] = {
    "restart": steps.restart,
    "efs": steps.efs,
    "kernels": steps.kernels,
    "git": steps.git,
    "seed": steps.seed,
    "apt": steps.apt,
    "on_start": steps.on_start,
}
# Steps that act in the user's home run as its owner, whoever runs the script.
USER_STEPS = {"git", "seed", "on_start"}
GIVE_BACK_SECONDS = 10  # each of the two hand-backs of ~/.sm-teamkit


def plan(app_type: str, phase: str = "") -> tuple[str, ...]:
    return PLANS[f"{app_type}:{phase or 'start'}" if app_type == "NotebookInstance" else app_type]


def run_on_start(
    app_type: str,
    phase: str = "",
    failed: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    stream=None,
) -> int:
    """Run the plan's steps; 0 unless a required step (or ``failed``, from the bootstrap) failed."""
    environ = os.environ if environ is None else environ
    settings = LifecycleSettings.from_environ(environ)
    home = Path(environ.get("HOME") or Path.home())
    teamkit_home = Path(environ.get("SM_TEAMKIT_HOME") or home / ".sm-teamkit")
    log_file = Path(environ.get("SM_TEAMKIT_LOG_FILE") or teamkit_home / "logs" / "on-start.log")
    run_dir = Path(environ.get("SM_TEAMKIT_RUN_DIR") or teamkit_home / "run")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    now = clock()
    try:
        deadline = float(environ.get("SM_TEAMKIT_DEADLINE") or "")
    except ValueError:
        deadline = now + settings.total_budget_seconds
    deadline = min(deadline, now + settings.total_budget_seconds)
    started = deadline - settings.total_budget_seconds
    owner = home.stat() if home.exists() else None
    root = os.geteuid() == 0 and owner is not None and owner.st_uid != 0
    user = (owner.st_uid, owner.st_gid) if root else None
    # The last hand-back of files must fit too: keep its time out of the steps' share.
    give_back_budget = max(1, min(GIVE_BACK_SECONDS, settings.total_budget_seconds // 10)) if root else 0
    runner = StepRunner(
        deadline=deadline,
        total=settings.total_budget_seconds,
        log_file=log_file,
        run_dir=run_dir,
        kill_after=settings.kill_after_seconds,
        reserve=give_back_budget,
        required=frozenset(settings.required_steps.split()),
        clock=clock,
        **({"stream": stream} if stream is not None else {}),
    )
    runner.failed += list(failed)
    ctx = steps.StepContext(settings, app_type, home, teamkit_home, changed=(run_dir / "changed").exists())

    def give_back() -> None:
        if user:
            runner.reserve = 0
            runner.step("give_back", give_back_budget, partial(steps.give_back, ctx, *user), quiet=True)
            runner.reserve = give_back_budget

    give_back()
    for name in plan(app_type, phase):
        as_user = name in USER_STEPS or (name == "kernels" and not steps.kernels_dir(ctx))
        runner.step(name, settings.budget(name), partial(STEP_FUNCTIONS[name], ctx), user=user if as_user else None)
    give_back()
    took = int(clock() - started)
    if runner.failed:
        runner.log(f"done: required step failed: {' '.join(runner.failed)} ({took}s)")
        return 1
    runner.log(f"done: ok ({took}s)")
    return 0
