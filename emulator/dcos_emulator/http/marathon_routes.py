"""Marathon v2 routes: parse the request, call the Marathon core, render its answer.

Registered with `register(router, marathon)`. Every handler takes (request, **path params) and returns a
Response / StreamResponse; ApiError from the core becomes the same status and JSON body.
"""
from __future__ import annotations

from dcos_emulator.http.router import HttpError, Response, StreamResponse
from dcos_emulator.marathon.errors import ApiError


def _flag(request, name: str, default: bool) -> bool:
    """JAX-RS boolean query parameters: "true" (any case) is true, anything else false."""
    values = request.query.get(name)
    if not values:
        return default
    return values[0].strip().lower() == "true"


def _body(request):
    # 400 {"message": "Invalid JSON", "details": ...} for an empty, malformed or too deeply nested body
    return request.json()


def _answer(result) -> Response:
    status, body, headers = result
    if body is None:
        return Response(status, None, headers)
    return Response(status, body, headers)


def _call(fn, *args, **kwargs) -> Response:
    try:
        return _answer(fn(*args, **kwargs))
    except ApiError as exc:
        raise HttpError(exc.status, exc.body, exc.headers or None) from None


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


def register(router, marathon) -> None:
    m = marathon
    router.not_found = _not_found
    router.method_not_allowed = _method_not_allowed
    router.bad_message = _bad_message

    @router.route("GET", "/ping")
    def ping(request, **_):
        accept = (request.headers.get("Accept") or "").lower()
        if "application/json" in accept and "text/plain" not in accept:
            return Response(200, "pong")
        return Response(200, b"pong", content_type="text/plain")

    @router.route("GET", "/v2/info")
    def info(request, **_):
        return _call(m.info)

    @router.route("GET", "/v2/leader")
    def leader(request, **_):
        return _call(m.leader)

    @router.route("GET", "/metrics")
    def metrics(request, **_):
        return _call(m.metrics)

    # Pods are not emulated; the listing exists (empty) so that clients probing HEAD /v2/pods see a 1.10
    @router.route("GET", "/v2/pods")
    def pods(request, **_):
        return Response(200, [])

    @router.route("GET", "/v2/pods/::status")
    def pods_status(request, **_):
        return Response(200, [])

    @router.route("GET", "/v2/plugins")
    def plugins(request, **_):
        # PluginsResource: the emulated Marathon runs without plugins
        return Response(200, {"plugins": []})

    @router.route("DELETE", "/v2/leader")
    def abdicate(request, **_):
        # Real Marathon abdicates and another master takes over; the emulator stays leader.
        return Response(200, {"message": "Leadership abdicated"})

    # -- apps ---------------------------------------------------------------------------------
    @router.route("GET", "/v2/apps")
    def list_apps(request, **_):
        try:
            return Response(200, m.list_apps(request.query))
        except ApiError as exc:  # an unparsable label selector (422)
            raise HttpError(exc.status, exc.body, exc.headers or None) from None

    @router.route("POST", "/v2/apps")
    def create_app(request, **_):
        return _call(m.create_app, _body(request), _flag(request, "force", False))

    @router.route("PUT", "/v2/apps")
    def put_apps(request, **_):
        return _call(m.put_apps, _body(request), _flag(request, "force", False),
                     _flag(request, "partialUpdate", True))

    @router.route("PATCH", "/v2/apps")
    def patch_apps(request, **_):
        return _call(m.put_apps, _body(request), _flag(request, "force", False), True, patch=True)

    @router.route("GET", "/v2/apps/{app_id:path}")
    def get_app(request, app_id, **_):
        # sub-resources: .../versions, .../versions/{v}, .../tasks
        parts = app_id.rstrip("/").split("/")
        if parts[-1] == "tasks" and len(parts) > 1:
            return _call(m.app_tasks, "/".join(parts[:-1]))
        if parts[-1] == "versions" and len(parts) > 1:
            return _call(m.app_versions, "/".join(parts[:-1]))
        if len(parts) > 2 and parts[-2] == "versions":
            return _call(m.app_version, "/".join(parts[:-2]), parts[-1])
        return _call(m.get_app, app_id, request.query)

    @router.route("PUT", "/v2/apps/{app_id:path}")
    def put_app(request, app_id, **_):
        return _call(m.put_app, app_id, _body(request), _flag(request, "force", False),
                     _flag(request, "partialUpdate", True))

    @router.route("PATCH", "/v2/apps/{app_id:path}")
    def patch_app(request, app_id, **_):
        return _call(m.put_app, app_id, _body(request), _flag(request, "force", False), True, patch=True)

    @router.route("POST", "/v2/apps/{app_id:path}")
    def post_app_sub(request, app_id, **_):
        parts = app_id.rstrip("/").split("/")
        if parts[-1] == "restart" and len(parts) > 1:
            return _call(m.restart_app, "/".join(parts[:-1]), _flag(request, "force", False))
        raise HttpError(405, {"message": "Method Not Allowed"}, {"Allow": "DELETE, GET, PATCH, PUT"})

    @router.route("DELETE", "/v2/apps/{app_id:path}")
    def delete_app(request, app_id, **_):
        parts = app_id.rstrip("/").split("/")
        scale, wipe = _flag(request, "scale", False), _flag(request, "wipe", False)
        force = _flag(request, "force", False)
        if parts[-1] == "tasks" and len(parts) > 1:
            host = (request.query.get("host") or [None])[0]
            return _call(m.kill_app_tasks, "/".join(parts[:-1]), host, scale, wipe, force)
        if len(parts) > 2 and parts[-2] == "tasks":
            return _call(m.kill_app_task, "/".join(parts[:-2]), parts[-1], scale, wipe, force)
        # DELETE /v2/apps/{id}: force defaults to true
        return _call(m.delete_app, app_id, _flag(request, "force", True))

    # -- groups (read-only) ---------------------------------------------------------------------
    @router.route("GET", "/v2/groups")
    def root_group(request, **_):
        return _call(m.get_group, "/", request.query)

    @router.route("GET", "/v2/groups/{group_id:path}")
    def group(request, group_id, **_):
        return _call(m.get_group, group_id, request.query)

    # -- tasks --------------------------------------------------------------------------------
    @router.route("GET", "/v2/tasks")
    def list_tasks(request, **_):
        return _call(m.list_tasks, request.query)

    @router.route("POST", "/v2/tasks/delete")
    def delete_tasks(request, **_):
        return _call(m.delete_tasks, _body(request), _flag(request, "scale", False), _flag(request, "wipe", False),
                     _flag(request, "force", False))

    # -- deployments --------------------------------------------------------------------------
    @router.route("GET", "/v2/deployments")
    def deployments(request, **_):
        return _call(m.list_deployments)

    @router.route("DELETE", "/v2/deployments/{dep_id}")
    def delete_deployment(request, dep_id, **_):
        return _call(m.delete_deployment, dep_id, _flag(request, "force", False))

    # -- queue --------------------------------------------------------------------------------
    @router.route("GET", "/v2/queue")
    def queue(request, **_):
        return _call(m.queue, request.query)

    @router.route("DELETE", "/v2/queue/{app_id:path}")
    def queue_delay(request, app_id, **_):
        parts = app_id.rstrip("/").split("/")
        if parts[-1] != "delay" or len(parts) < 2:
            raise HttpError(404, {"message": "URI not found"})
        return _call(m.reset_queue_delay, "/".join(parts[:-1]))

    # -- events -------------------------------------------------------------------------------
    @router.route("GET", "/v2/events")
    def events(request, **_):
        types = set(request.query.get("event_type", []))
        sub = m.events.subscribe(types or None, remote=request.headers.get("X-Forwarded-For") or "127.0.0.1")

        def chunks():
            try:
                yield b""   # flush headers at once
                yield from sub
            finally:
                sub.close()
        return StreamResponse(200, {}, chunks())   # the server sets text/event-stream and Cache-Control
