"""What the core's writes return (the api layer picks the status code and headers)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeploymentStarted:
    """A write that started a deployment. `created_app_id` is set when the write created the app."""
    deployment_id: str
    version: str
    created_app_id: str | None = None


@dataclass(frozen=True)
class AppCreated:
    """POST /v2/apps: the new app as AppsResource.create renders it, and its deployment."""
    app: dict
    deployment_id: str
    app_id: str


@dataclass(frozen=True)
class DeploymentSteps:
    """PUT /v2/groups?dryRun=true: the steps the plan would have (raml DeploymentSteps); nothing deployed."""
    steps: list
