"""A client that resets its connection (a browser leaving a page drops its idle keep-alive connections) is
closed quietly: no traceback from the server thread on stderr."""

from __future__ import annotations

import socket
import struct
import time


def reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST
    sock.close()


def test_reset_between_requests_is_quiet(cluster, capfd):
    host, port = cluster.marathon_url.replace("http://", "").split(":")
    for partial in (b"", b"GET /v2/ap"):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        if partial:
            sock.sendall(partial)
        time.sleep(0.1)  # the handler thread is blocked reading the next request
        reset(sock)
    time.sleep(0.3)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err
