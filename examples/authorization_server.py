"""A minimal CIBA backchannel authentication endpoint on Authlete, to test with ``relay-test``.

It relays Authlete's answers the way the vendor documents: ``action`` picks the
status, ``responseContent`` is the body, ``Cache-Control: no-store`` on every
answer. Run it against the stand-in that ``relay-test`` starts::

    python examples/authorization_server.py --port 9000 --authlete http://127.0.0.1:8081
    ciba-contracts relay-test --as-url http://127.0.0.1:9000/bc-authorize \\
        --client-id 1234 --client-secret s3cret --login-hint alice --authlete-port 8081

``fault`` (``--fault NAME``) breaks the relay in one named way, to show that
``relay-test`` catches it; see FAULTS.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
from typing import Any
from urllib.parse import unquote

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

FAULTS = {
    "ok-status-201": "OK is answered 201",
    "error-status-200": "every error action is answered 200",
    "no-cache-control": "no Cache-Control header",
    "text-html": "answers are labelled text/html",
    "double-encoded": "responseContent is JSON-encoded a second time",
    "rebuilt-body": "the OK body is rebuilt by hand and drops interval",
    "invalid-ticket-not-oauth": "INVALID_TICKET gets a body that is no OAuth error",
    "auth-errors-as-500": "every error of the authentication API is answered 500",
    "no-challenge": "UNAUTHORIZED has no WWW-Authenticate",
    "skip-issue": "USER_IDENTIFICATION is answered without calling /issue",
    "ignore-action": "the issue API's action is not read: responseContent with 200",
    "hang-on-error": "an INTERNAL_SERVER_ERROR of the issue API is never answered",
}
_ERROR_STATUS = {"BAD_REQUEST": 400, "UNAUTHORIZED": 401, "INTERNAL_SERVER_ERROR": 500}


def create_app(
    authlete_url: str, service_id: str = "1", token: str = "reference-token", fault: str = ""
) -> Starlette:
    """The AS: one endpoint, ``POST /bc-authorize``, calling Authlete's v3 API with ``token``."""
    api = f"{authlete_url.rstrip('/')}/api/{service_id}/backchannel/authentication"
    auth = {"Authorization": f"Bearer {token}"}

    def answer(status: int, content: str, extra: dict[str, str] | None = None) -> Response:
        if fault == "error-status-200" and status != 200:
            status = 200
        if fault == "double-encoded":
            content = json.dumps(content)
        headers = {} if fault == "no-cache-control" else {"Cache-Control": "no-store"}
        headers.update({"Pragma": "no-cache", **(extra or {})})
        media = "text/html" if fault == "text-html" else "application/json"
        return Response(content, status, headers=headers, media_type=media)

    async def backchannel(request: Request) -> Response:
        form = (await request.body()).decode()
        call: dict[str, Any] = {"parameters": form}
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            pair = base64.b64decode(header[6:]).decode()
            client_id, _, secret = pair.partition(":")
            call |= {"clientId": unquote(client_id), "clientSecret": unquote(secret)}
        # The trace context travels on, so a recording of both legs can pair them.
        parent = request.headers.get("traceparent")
        trace = {"traceparent": parent} if parent else {}
        async with httpx.AsyncClient(headers=auth | trace, timeout=10) as authlete:
            data = (await authlete.post(api, json=call)).json()
            action = data.get("action")
            if action == "USER_IDENTIFICATION":
                # A real AS finds the end-user named by the hint here (and may call /fail).
                if fault == "skip-issue":
                    return answer(200, json.dumps({"auth_req_id": "made-up", "expires_in": 600}))
                issued = await authlete.post(f"{api}/issue", json={"ticket": data["ticket"]})
                return await relay_issue(issued.json())
        status = _ERROR_STATUS.get(str(action), 500)
        if fault == "auth-errors-as-500":
            status = 500
        extra = {}
        if action == "UNAUTHORIZED" and header and fault != "no-challenge":
            extra["WWW-Authenticate"] = 'Basic realm="ciba"'
        content = data.get("responseContent") or json.dumps({"error": "server_error"})
        return answer(status, content, extra)

    async def relay_issue(data: dict[str, Any]) -> Response:
        action = data.get("action")
        if fault == "ignore-action":
            return answer(200, data.get("responseContent", "{}"))
        if action == "OK":
            content = data["responseContent"]
            if fault == "rebuilt-body":
                content = json.dumps({"auth_req_id": data["authReqId"], "expires_in": 600})
            return answer(201 if fault == "ok-status-201" else 200, content)
        if action == "INVALID_TICKET":
            # The client must not learn why the AS's own ticket was bad: the AS writes the error.
            own = {"error": "server_error", "error_description": "Try again later."}
            if fault == "invalid-ticket-not-oauth":
                own = {"message": "ticket problem"}
            return answer(500, json.dumps(own))
        if fault == "hang-on-error":
            await asyncio.sleep(3600)
        return answer(500, data.get("responseContent") or json.dumps({"error": "server_error"}))

    return Starlette(routes=[Route("/bc-authorize", backchannel, methods=["POST"])])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--authlete", default="http://127.0.0.1:8080")
    parser.add_argument("--service-id", default="1")
    parser.add_argument("--token", default="reference-token")
    parser.add_argument("--fault", choices=sorted(FAULTS), default="")
    args = parser.parse_args()
    app = create_app(args.authlete, args.service_id, args.token, args.fault)
    uvicorn.run(app, host="127.0.0.1", port=args.port)
