"""The Volumes page: a read-only page for people, served on the Marathon port (see `routes.register`).

The page is static HTML, CSS and plain JavaScript shipped in `static/` (package data: no build step, no CDN,
nothing fetched from the internet). It draws everything from the public JSON APIs the emulator serves:
Marathon's `/v2/apps`, `/v2/deployments` and `/v2/events`, the Mesos master's `/master/slaves` through the
same-origin read-only path `/mesos/master/slaves` (as DC/OS's Admin Router offers it), and the admin
`GET /emulator/volumes` for external volumes.
"""
