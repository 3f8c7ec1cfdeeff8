"""Marathon's answers for the core's results and errors: status codes, JSON bodies and headers exactly as
Marathon 1.10 sends them (MarathonExceptionMapper, AppsResource, DeploymentsResource). Returns
(status, body, headers); http/marathon_routes.py turns that into a Response."""
from __future__ import annotations

from ..errors import (BadRequest, Conflict, Invalid, Locked, MarathonError, NotFound, TooManyDeployments,
                     Unprocessable)
from ..results import AppCreated, DeploymentStarted, DeploymentSteps


def group_details(violations: list[tuple[str, str]]) -> list[dict]:
    """Validation.failureWrites: messages with the same path share one entry."""
    grouped: dict[str, list[str]] = {}
    for path, message in violations:
        msgs = grouped.setdefault(path or "/", [])
        if message not in msgs:
            msgs.append(message)
    return [{"path": p, "errors": e} for p, e in grouped.items()]


# status of each error kind (MarathonExceptionMapper 1.10)
_STATUS = ((NotFound, 404), (Locked, 409), (Conflict, 409), (BadRequest, 400), (Invalid, 422),
           (Unprocessable, 422), (TooManyDeployments, 403))


def error_answer(exc: MarathonError) -> tuple[int, dict, dict]:
    status = next(code for kind, code in _STATUS if isinstance(exc, kind))
    body: dict = {"message": exc.message}
    if isinstance(exc, Locked):
        body["deployments"] = [{"id": d} for d in exc.deployment_ids]
    elif isinstance(exc, Invalid):
        body["details"] = group_details(exc.violations)
    return status, body, {}


def deployment_answer(result: DeploymentStarted, leader: str) -> tuple[int, dict, dict]:
    """200 {version, deploymentId} with Marathon-Deployment-Id; 201 with Location when the app was created."""
    headers = {"Marathon-Deployment-Id": result.deployment_id}
    body = {"version": result.version, "deploymentId": result.deployment_id}
    if result.created_app_id is not None:
        # JAX-RS Response.created(new URI(app.id)): the absolute path resolved against the base URI
        return 201, body, {**headers, "Location": f"http://{leader}{result.created_app_id}"}
    return 200, body, headers


def created_answer(result: AppCreated, leader: str) -> tuple[int, dict, dict]:
    headers = {"Location": f"http://{leader}{result.app_id}", "Marathon-Deployment-Id": result.deployment_id}
    return 201, result.app, headers


def steps_answer(result: DeploymentSteps) -> tuple[int, dict, dict]:
    """PUT /v2/groups?dryRun=true: 200 raml DeploymentSteps, no deployment id (none was started)."""
    return 200, {"steps": result.steps}, {}
