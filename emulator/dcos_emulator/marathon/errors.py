"""Errors the Marathon core raises; http/marathon_routes.py renders them unchanged."""
from __future__ import annotations


class ApiError(Exception):
    """An HTTP answer of real Marathon: status + JSON body (+ headers)."""

    def __init__(self, status: int, body, headers: dict | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def group_details(violations: list[tuple[str, str]]) -> list[dict]:
    """Validation.failureWrites: messages with the same path share one entry."""
    grouped: dict[str, list[str]] = {}
    for path, message in violations:
        msgs = grouped.setdefault(path or "/", [])
        if message not in msgs:
            msgs.append(message)
    return [{"path": p, "errors": e} for p, e in grouped.items()]


def invalid_json(violations: list[tuple[str, str]]) -> ApiError:
    """RAML reading failed (play-json JsResultException): 422 on 1.5+."""
    return ApiError(422, {"message": "Invalid JSON", "details": group_details(violations)})


def not_valid(violations: list[tuple[str, str]]) -> ApiError:
    return ApiError(422, {"message": "Object is not valid", "details": group_details(violations)})


def malformed_json(parser_message: str) -> ApiError:
    return ApiError(400, {"message": "Invalid JSON", "details": parser_message})


def app_not_found(app_id: str, version: str | None = None) -> ApiError:
    if version:
        return ApiError(404, {"message": f"App '{app_id}' does not exist in version {version}"})
    return ApiError(404, {"message": f"App '{app_id}' does not exist"})


LOCKED_MESSAGE = (
    "App is locked by one or more deployments. Override with the option '?force=true'. "
    "View details at '/v2/deployments/<DEPLOYMENT_ID>'."
)


def app_locked(deployment_ids: list[str]) -> ApiError:
    return ApiError(409, {"message": LOCKED_MESSAGE, "deployments": [{"id": d} for d in deployment_ids]})
