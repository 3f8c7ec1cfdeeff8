"""Marathon v2 routes: parse the request, call the Marathon core, render its answer.

`ROUTES` is the table of (method, path pattern, handler); `register(router, marathon)` adds it. Every
handler takes (marathon core, request, **path params), calls the core and renders its result as Marathon
does (marathon/responses.py); a domain error of the core becomes Marathon's status and JSON body for it.
Handlers never take the cluster lock: the core's public methods do.
"""
from __future__ import annotations

from dcos_emulator.http.router import HttpError, Response, StreamResponse
from dcos_emulator.marathon.api import responses
from dcos_emulator.marathon.errors import MarathonError
from dcos_emulator.marathon.results import DeploymentStarted, DeploymentSteps


def _flag(request, name: str, default: bool) -> bool:
    """JAX-RS boolean query parameters: "true" (any case) is true, anything else false."""
    values = request.query.get(name)
    if not values:
        return default
    return values[0].strip().lower() == "true"


def _body(request):
    # 400 {"message": "Invalid JSON", "details": ...} for an empty, malformed or too deeply nested body
    return request.json()


def _call(fn, *args, **kwargs):
    """The core's result; a domain error becomes Marathon's answer for it."""
    try:
        return fn(*args, **kwargs)
    except MarathonError as exc:
        raise HttpError(*responses.error_answer(exc)) from None


def _ok(body) -> Response:
    return Response(200, body)


def _deployment(m, result: DeploymentStarted) -> Response:
    return Response(*responses.deployment_answer(result, m.config.leader))


def _sub_resource(path_id: str) -> tuple[list[str], str]:
    """The segments of a `{app_id:path}` parameter (trailing slashes dropped) and the last one."""
    parts = path_id.rstrip("/").split("/")
    return parts, parts[-1]


def _not_found(request) -> Response:
    # MarathonExceptionMapper (1.10): JAX-RS NotFoundException (no such route) -> 500 {"message": "URI not found"}
    return Response(500, {"message": "URI not found"})


def _bad_message(status: int, reason: str) -> Response:
    # Jetty 9.4 (ErrorHandler.badMessageError) for a request it cannot read: bad chunking, too large, too slow
    return Response(status, f"<h1>Bad Message {status}</h1><pre>reason: {reason}</pre>", None,
                    "text/html;charset=iso-8859-1")


def _method_not_allowed(request, allowed) -> Response:
    # WebApplicationException -> its status with the reason phrase as message
    return Response(405, {"message": "Method Not Allowed"}, {"Allow": ", ".join(allowed)})


# -- info, leader, metrics, stubs ---------------------------------------------------------------------
def ping(m, request, **_):
    accept = (request.headers.get("Accept") or "").lower()
    if "application/json" in accept and "text/plain" not in accept:
        return Response(200, "pong")
    return Response(200, b"pong", content_type="text/plain")


def info(m, request, **_):
    return _ok(m.about.info())


def leader(m, request, **_):
    return _ok(m.about.leader())


def abdicate(m, request, **_):
    # Real Marathon abdicates and another master takes over; the emulator stays leader.
    return Response(200, {"message": "Leadership abdicated"})


def metrics(m, request, **_):
    return _ok(m.about.metrics())


def empty_list(m, request, **_):
    # Pods are not emulated; the listing exists (empty) so that clients probing HEAD /v2/pods see a 1.10
    return Response(200, [])


def plugins(m, request, **_):
    # PluginsResource: the emulated Marathon runs without plugins
    return Response(200, {"plugins": []})


# -- apps ---------------------------------------------------------------------------------------------
def list_apps(m, request, **_):
    return _ok(_call(m.list_apps, request.query))   # 422 for an unparsable label selector


def create_app(m, request, **_):
    created = _call(m.create_app, _body(request), _flag(request, "force", False))
    return Response(*responses.created_answer(created, m.config.leader))


def put_apps(m, request, **_):
    return _deployment(m, _call(m.put_apps, _body(request), _flag(request, "force", False),
                                _flag(request, "partialUpdate", True)))


def patch_apps(m, request, **_):
    return _deployment(m, _call(m.put_apps, _body(request), _flag(request, "force", False), True, patch=True))


def get_app(m, request, app_id, **_):
    """GET /v2/apps/{id} and its sub-resources .../versions, .../versions/{v}, .../tasks."""
    parts, last = _sub_resource(app_id)
    if last == "tasks" and len(parts) > 1:
        return _ok({"tasks": _call(m.app_tasks, "/".join(parts[:-1]))})
    if last == "versions" and len(parts) > 1:
        return _ok({"versions": _call(m.app_versions, "/".join(parts[:-1]))})
    if len(parts) > 2 and parts[-2] == "versions":
        return _ok(_call(m.app_version, "/".join(parts[:-2]), last))
    return _ok(_call(m.get_app, app_id, request.query))


def put_app(m, request, app_id, **_):
    return _deployment(m, _call(m.put_app, app_id, _body(request), _flag(request, "force", False),
                                _flag(request, "partialUpdate", True)))


def patch_app(m, request, app_id, **_):
    return _deployment(m, _call(m.put_app, app_id, _body(request), _flag(request, "force", False), True,
                                patch=True))


def post_app_sub(m, request, app_id, **_):
    """POST /v2/apps/{id}/restart; any other POST below an app is a 405."""
    parts, last = _sub_resource(app_id)
    if last == "restart" and len(parts) > 1:
        return _deployment(m, _call(m.restart_app, "/".join(parts[:-1]), _flag(request, "force", False)))
    raise HttpError(405, {"message": "Method Not Allowed"}, {"Allow": "DELETE, GET, PATCH, PUT"})


def delete_app(m, request, app_id, **_):
    """DELETE /v2/apps/{id}, .../tasks and .../tasks/{taskId}."""
    parts, last = _sub_resource(app_id)
    scale, wipe = _flag(request, "scale", False), _flag(request, "wipe", False)
    force = _flag(request, "force", False)
    if last == "tasks" and len(parts) > 1:
        host = (request.query.get("host") or [None])[0]
        return _killed(m, "tasks", _call(m.kill_app_tasks, "/".join(parts[:-1]), host, scale, wipe, force))
    if len(parts) > 2 and parts[-2] == "tasks":
        return _killed(m, "task", _call(m.kill_app_task, "/".join(parts[:-2]), last, scale, wipe, force))
    # DELETE /v2/apps/{id}: force defaults to true
    return _deployment(m, _call(m.delete_app, app_id, _flag(request, "force", True)))


def _killed(m, key: str, result) -> Response:
    """A kill answers the killed task(s); a kill with scale answers the deployment it started."""
    if isinstance(result, DeploymentStarted):
        return _deployment(m, result)
    return _ok({key: result})


# -- groups ---------------------------------------------------------------------------------------------
def group(m, request, group_id="/", **_):
    """GET /v2/groups[/{id}], .../versions and .../versions/{version} (GroupsResource's path regexes)."""
    parts = group_id.strip("/").split("/") if group_id.strip("/") else []
    if parts and parts[-1] == "versions":
        return _ok(_call(m.groups.versions, "/".join(parts[:-1]) or "/"))
    if len(parts) >= 2 and parts[-2] == "versions":
        return _ok(_call(m.groups.version, "/".join(parts[:-2]) or "/", parts[-1]))
    return _ok(_call(m.groups.get, group_id, request.query))


def create_group(m, request, group_id="/", **_):
    result = _call(m.groups.create, group_id, _body(request), _flag(request, "force", False))
    return _deployment(m, result)   # 201 with Location (the group's path) and Marathon-Deployment-Id


def update_group(m, request, group_id="/", **_):
    result = _call(m.groups.update, group_id, _body(request), _flag(request, "force", False),
                   _flag(request, "dryRun", False))
    if isinstance(result, DeploymentSteps):
        return Response(*responses.steps_answer(result))
    return _deployment(m, result)


def patch_group(m, request, group_id, **_):
    # GroupsResource.patchGroup: 200 with no entity (JAX-RS Response.ok().build(): no Content-Type either)
    _call(m.groups.patch, group_id, _body(request))
    return Response(200, None, {}, content_type=None)


def delete_group(m, request, group_id="/", **_):
    # GroupsResource.delete: force defaults to false (unlike DELETE /v2/apps/{id})
    return _deployment(m, _call(m.groups.delete, group_id, _flag(request, "force", False)))


# -- tasks, deployments, queue --------------------------------------------------------------------------
def list_tasks(m, request, **_):
    return _ok({"tasks": _call(m.list_tasks, request.query)})


def delete_tasks(m, request, **_):
    return _killed(m, "tasks", _call(m.delete_tasks, _body(request), _flag(request, "scale", False),
                                     _flag(request, "wipe", False), _flag(request, "force", False)))


def deployments(m, request, **_):
    return _ok(_call(m.list_deployments))


def delete_deployment(m, request, dep_id, **_):
    rollback = _call(m.delete_deployment, dep_id, _flag(request, "force", False))
    if rollback is None:   # force: cancelled without a rollback
        return Response(202, None, {})
    return _deployment(m, rollback)


def queue(m, request, **_):
    return _ok({"queue": _call(m.queue, request.query)})


def queue_delay(m, request, app_id, **_):
    parts, last = _sub_resource(app_id)
    if last != "delay" or len(parts) < 2:
        raise HttpError(404, {"message": "URI not found"})
    _call(m.reset_queue_delay, "/".join(parts[:-1]))
    return Response(204, None, {})


# -- events -------------------------------------------------------------------------------------------
def events(m, request, **_):
    types = set(request.query.get("event_type", []))
    sub = m.events.subscribe(types or None, remote=request.headers.get("X-Forwarded-For") or "127.0.0.1")

    def chunks():
        try:
            yield b""   # flush headers at once
            yield from sub
        finally:
            sub.close()
    return StreamResponse(200, {}, chunks())   # the server sets text/event-stream and Cache-Control


ROUTES = (
    ("GET", "/ping", ping),
    ("GET", "/v2/info", info),
    ("GET", "/v2/leader", leader),
    ("DELETE", "/v2/leader", abdicate),
    ("GET", "/metrics", metrics),
    ("GET", "/v2/pods", empty_list),
    ("GET", "/v2/pods/::status", empty_list),
    ("GET", "/v2/plugins", plugins),
    ("GET", "/v2/apps", list_apps),
    ("POST", "/v2/apps", create_app),
    ("PUT", "/v2/apps", put_apps),
    ("PATCH", "/v2/apps", patch_apps),
    ("GET", "/v2/apps/{app_id:path}", get_app),
    ("PUT", "/v2/apps/{app_id:path}", put_app),
    ("PATCH", "/v2/apps/{app_id:path}", patch_app),
    ("POST", "/v2/apps/{app_id:path}", post_app_sub),
    ("DELETE", "/v2/apps/{app_id:path}", delete_app),
    ("GET", "/v2/groups", group),
    ("GET", "/v2/groups/{group_id:path}", group),
    ("POST", "/v2/groups", create_group),
    ("POST", "/v2/groups/{group_id:path}", create_group),
    ("PUT", "/v2/groups", update_group),
    ("PUT", "/v2/groups/{group_id:path}", update_group),
    ("PATCH", "/v2/groups/{group_id:path}", patch_group),
    ("DELETE", "/v2/groups", delete_group),
    ("DELETE", "/v2/groups/{group_id:path}", delete_group),
    ("GET", "/v2/tasks", list_tasks),
    ("POST", "/v2/tasks/delete", delete_tasks),
    ("GET", "/v2/deployments", deployments),
    ("DELETE", "/v2/deployments/{dep_id}", delete_deployment),
    ("GET", "/v2/queue", queue),
    ("DELETE", "/v2/queue/{app_id:path}", queue_delay),
    ("GET", "/v2/events", events),
)


def _bind(handler, marathon):
    def route(request, **params):
        return handler(marathon, request, **params)
    route.__name__ = handler.__name__
    return route


def register(router, marathon) -> None:
    router.not_found = _not_found
    router.method_not_allowed = _method_not_allowed
    router.bad_message = _bad_message
    for method, pattern, handler in ROUTES:
        router.add(method, pattern, _bind(handler, marathon))
