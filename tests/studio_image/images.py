"""The SageMaker Distribution image lines the Studio layer reproduces (issue 12), from
aws/sagemaker-distribution's build artifacts, and AWS's Studio extensions installed beside
sm_teamkit. Ranges for AWS's extensions: pip picks the newest that fits the image's pins
(which are constraints, so no extension can move them); the chosen versions are printed."""

from __future__ import annotations

from dataclasses import dataclass

# The packages the image owns: installing sm_teamkit must leave them at these versions.
IMAGE_PACKAGES = ("jupyterlab", "jupyter-server", "jupyter-server-proxy", "boto3", "mlflow")


@dataclass(frozen=True)
class ImageLine:
    name: str
    python: str  # major.minor; found under ~/.pyenv/versions or on PATH
    pins: dict[str, str]
    extensions: tuple[str, ...]
    # Versions the image has that pip would otherwise choose newer: installed into the cached
    # venv at the start of every run (quick when satisfied), not part of the venv's key.
    fixes: tuple[str, ...] = ()


AWS_EXTENSIONS = (
    "sagemaker-jupyterlab-extension>=0.6,<0.7",
    "sagemaker-jupyterlab-extension-common>=0.5,<0.6",
    "sagemaker-jupyterlab-emr-extension>=0.5,<0.6",
    "sagemaker-studio-analytics-extension",
    "amazon-sagemaker-jupyter-scheduler",
    "sagemaker-mlflow",
    "jupyter-activity-monitor-extension",
    "jupyterlab-git",
    # extension-common needs the shared module @jupyter/chat; the image gets it from jupyter-ai.
    "jupyterlab-chat",
)

# SMD 2.x/3.x ship SQLAlchemy 2.0; mlflow 2.22's store does not import with SQLAlchemy 2.1
# (FallbackAsyncAdaptedQueuePool is gone), which pip picks for a fresh venv.
MLFLOW_2_FIXES = ("sqlalchemy>=2.0,<2.1",)

LINES = {
    "2.14.10": ImageLine(
        "2.14.10",
        "3.11",
        {
            "jupyterlab": "4.5.10",
            "jupyter-server": "2.20.0",
            "jupyter-server-proxy": "4.4.0",
            "boto3": "1.40.70",
            "mlflow": "2.22.0",
        },
        AWS_EXTENSIONS,
        MLFLOW_2_FIXES,
    ),
    "3.9.10": ImageLine(
        "3.9.10",
        "3.12",
        {
            "jupyterlab": "4.4.10",
            "jupyter-server": "2.20.0",
            "jupyter-server-proxy": "4.4.0",
            "boto3": "1.37.3",
            "mlflow": "2.22.0",
        },
        AWS_EXTENSIONS,
        MLFLOW_2_FIXES,
    ),
    "4.4.1": ImageLine(
        "4.4.1",
        "3.12",
        {
            "jupyterlab": "4.5.10",
            "jupyter-server": "2.20.0",
            "jupyter-server-proxy": "4.5.0",
            "boto3": "1.43.56",
            "mlflow": "3.15.1",
        },
        AWS_EXTENSIONS,
    ),
}
