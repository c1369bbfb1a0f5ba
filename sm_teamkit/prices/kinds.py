"""SageMaker's billing kinds: what the Price List calls each (``platoinstancetype``), and which
kind an app type or a job is billed as. A kind's rate is never used for another kind.

The ``platoinstancetype`` values are AWS's (see the notes in the emulator's pricing_ops.py:
vantage-sh/ec2instances.info's sagemaker.py, which reads the AmazonSageMaker offer file, and
public GetProducts clients filtering on ``platoinstancetype`` "Hosting" and
"Studio-JupyterLab"). The offer file has three RStudio kinds, RStudio:RServer, RStudio:RSessionGateway
and RStudio:RSession (Free Tier usage types RStudio:RSessionGateway-ml.t3.medium and
Rstudio:Rsession-ml.t3.medium): the two app types are priced at the kind of their own name.
Canvas is billed per session hour, not per instance type: its price
is kept under the pseudo type ``session``."""

from __future__ import annotations

# kind -> the Price List's platoinstancetype
PLATO = {
    "studio-jupyterlab": "Studio-JupyterLab",
    "studio-codeeditor": "studio-codeeditor",
    "studio-notebook": "Studio-Notebook",  # KernelGateway (and Classic JupyterServer) apps
    "notebook-instance": "Notebook",
    "training": "Training",
    "processing": "Processing",
    "transform": "BatchTransform",
    "endpoint": "Hosting",
    "rstudio-server": "RStudio:RServer",  # the RStudioServerPro app
    "rstudio": "RStudio:RSessionGateway",  # RSessionGateway apps (where R sessions run)
    "tensorboard": "TensorBoard",
    "canvas": "Canvas",
}
KIND_OF_PLATO = {v.lower(): k for k, v in PLATO.items()}
KINDS = tuple(PLATO)
SESSION = "session"  # Canvas's one rate

LABELS = {
    "studio-jupyterlab": "Studio JupyterLab",
    "studio-codeeditor": "Studio Code Editor",
    "studio-notebook": "Studio notebooks (KernelGateway)",
    "notebook-instance": "notebook instances",
    "training": "training jobs",
    "processing": "processing jobs",
    "transform": "batch transform jobs",
    "endpoint": "real-time endpoints (hosting)",
    "rstudio-server": "RStudio Server",
    "rstudio": "RStudio sessions",
    "tensorboard": "TensorBoard",
    "canvas": "Canvas sessions",
}

APP_KINDS = {
    "JupyterLab": "studio-jupyterlab",
    "CodeEditor": "studio-codeeditor",
    "KernelGateway": "studio-notebook",
    "JupyterServer": "studio-notebook",
    "Canvas": "canvas",
    "RStudioServerPro": "rstudio-server",
    "RSessionGateway": "rstudio",
    "TensorBoard": "tensorboard",
}
JOB_KINDS = {"training": "training", "processing": "processing", "transform": "transform", "endpoint": "endpoint"}

# The shipped table's figures are the pricing page's "Studio notebooks" tab, which its source
# says applies to these kinds (and to no other).
SHIPPED_KINDS = ("studio-jupyterlab", "studio-codeeditor", "studio-notebook")


def app_kind(app_type: str) -> str | None:
    """The billing kind of a Studio app type (None: not known, e.g. DetailedProfiler)."""
    return APP_KINDS.get(app_type)


def lookup_type(kind: str, instance_type: str) -> str:
    """The key a kind's price is kept under: the instance type, or ``session`` for Canvas."""
    return SESSION if kind == "canvas" else instance_type
