"""The kube-apiserver stand-in on the control-plane node: it accepts and answers.

A real apiserver completes the TCP (and TLS) handshake and answers an
anonymous request for ``/`` with ``403 Forbidden`` and a ``Status`` object
(kubeadm clusters keep ``--anonymous-auth`` on and grant anonymous users no
path but the health and version ones). The stand-in answers every request
head that way (TLS is not simulated: the request travels as plain bytes), so
``wget https://kubernetes`` from a pod no policy isolates ends with
``wget: server returned error: HTTP/1.1 403 Forbidden`` at once, never with a
time-out that would read as a policy drop.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netsim.sim.sockets import TcpConn, TcpEvent


def forbidden_body(path: str) -> bytes:
    """The ``Status`` object the apiserver sends an anonymous request for ``path``."""
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f'forbidden: User "system:anonymous" cannot get path "{path}"',
        "reason": "Forbidden",
        "details": {},
        "code": 403,
    }
    return json.dumps(status, indent=2).encode() + b"\n"


def apiserver(conn: TcpConn) -> None:
    """Serve one accepted connection: ``403 Forbidden`` to each request head, then close."""
    buffer = bytearray()

    def on_event(kind: TcpEvent, data: bytes) -> None:
        if kind == "data":
            buffer.extend(data)
            if b"\r\n\r\n" not in buffer:
                return
            request_line = bytes(buffer).split(b"\r\n", 1)[0].decode("latin-1").split()
            path = request_line[1] if len(request_line) > 1 else "/"
            buffer.clear()
            body = forbidden_body(path)
            head = (
                "HTTP/1.1 403 Forbidden\r\nCache-Control: no-cache, private\r\n"
                "Content-Type: application/json\r\n"
                f"X-Content-Type-Options: nosniff\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            conn.send(head.encode("latin-1") + body)
            conn.close()
        elif kind == "eof":
            conn.close()

    conn.on_event = on_event
