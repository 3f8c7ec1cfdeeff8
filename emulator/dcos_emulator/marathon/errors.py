"""Domain errors of the Marathon core: what went wrong, never an HTTP status. The api layer
(marathon/responses.py) renders each one as real Marathon answers it."""
from __future__ import annotations


class MarathonError(Exception):
    """Base of the core's errors; `message` is Marathon's own text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(MarathonError):
    """An app, version, task, group, deployment or queue entry that does not exist."""


class Conflict(MarathonError):
    """The object already exists (an app id taken)."""


class Locked(MarathonError):
    """Apps changed by running deployments; `force` overrides."""

    MESSAGE = (
        "App is locked by one or more deployments. Override with the option '?force=true'. "
        "View details at '/v2/deployments/<DEPLOYMENT_ID>'."
    )

    def __init__(self, deployment_ids: list[str]) -> None:
        super().__init__(self.MESSAGE)
        self.deployment_ids = list(deployment_ids)


class BadRequest(MarathonError):
    """A request whose parameters contradict each other or name something malformed."""


class Invalid(MarathonError):
    """Validation failed: (path, message) violations (Marathon's ValidationFailedException)."""

    def __init__(self, violations: list[tuple[str, str]], message: str = "Object is not valid") -> None:
        super().__init__(message)
        self.violations = list(violations)


class InvalidJson(Invalid):
    """The body could not be read as the RAML type (play-json JsResultException)."""

    def __init__(self, violations: list[tuple[str, str]]) -> None:
        super().__init__(violations, "Invalid JSON")


class Unprocessable(MarathonError):
    """A value the core cannot interpret (normalisation failure, unparsable label selector)."""


class TooManyDeployments(MarathonError):
    """--max_running_deployments reached."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Max number ({limit}) of running deployments is achieved. Wait for existing deployments to complete or "
            "cancel oneusing force=true parameter. You can increase max deployment number by using "
            "--max_running_deployments parameter but be advised that this can have negative effects on the "
            "performance.")
        self.limit = limit


def app_not_found(app_id: str, version: str | None = None) -> NotFound:
    if version:
        return NotFound(f"App '{app_id}' does not exist in version {version}")
    return NotFound(f"App '{app_id}' does not exist")
