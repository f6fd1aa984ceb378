"""Celery's settings (the CELERY_ namespace of bookstore.celery), split from settings.py to keep it short.

``celery_settings`` returns them for settings.py to take in, from the same environment.
"""

from pathlib import Path

import environ


def celery_settings(env: environ.Env, *, redis_url: str, var_dir: Path) -> dict:
    """The CELERY_ settings: the broker from the environment, else a folder that needs no server."""
    # With no broker configured, kombu's filesystem transport needs no server.
    # (With "localhost" named, kombu does not warn that it supplied the host itself.)
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=redis_url or "filesystem://localhost/")
    # The folder and the default queue can be moved so that tests (or two checkouts) never share them.
    CELERY_QUEUE_FOLDER = Path(env("CELERY_QUEUE_FOLDER", default=str(var_dir / "celery")))
    if CELERY_BROKER_URL.startswith("filesystem://"):
        for sub in ("queue", "processed", "control"):
            (CELERY_QUEUE_FOLDER / sub).mkdir(parents=True, exist_ok=True)
        CELERY_BROKER_TRANSPORT_OPTIONS = {
            "data_folder_in": str(CELERY_QUEUE_FOLDER / "queue"),
            "data_folder_out": str(CELERY_QUEUE_FOLDER / "queue"),
            "processed_folder": str(CELERY_QUEUE_FOLDER / "processed"),
            "control_folder": str(CELERY_QUEUE_FOLDER / "control"),  # else "control/" in the working directory
            "store_processed": False,
            # Look for new messages ten times a second, not once (the default): a folder listing is cheap.
            "polling_interval": 0.1,
        }
    CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
    CELERY_TASK_IGNORE_RESULT = True
    CELERY_TASK_ACKS_LATE = True
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    # Print statements in tasks (the console SMS backend's one line, R21) reach stdout as they are.
    CELERY_WORKER_REDIRECT_STDOUTS = False
    CELERY_TIMEZONE = "UTC"
    CELERY_ACCEPT_CONTENT = ["json"]
    CELERY_TASK_SERIALIZER = "json"
    return {name: value for name, value in locals().items() if name.startswith("CELERY_")}
