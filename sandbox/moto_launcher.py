"""Runs moto in server mode on loopback, with two additions that make it closer to AWS.

1. AssumeRole is refused with AccessDenied when the role does not exist in the target
   account, or when the role's trust policy asks for an sts:ExternalId that does not match
   (moto accepts any role ARN).
2. An admin route, POST /_keywarden/backdate, sets a user's or an access key's creation date
   and a key's last use. AWS never lets a caller do this; the sandbox needs realistic key ages.

Prints "READY <port>" on stdout once it serves requests.
"""

import argparse
import io
import json
import re
import signal
import sys
import threading
from datetime import datetime
from urllib.parse import parse_qs

from moto.iam.models import AccessKeyLastUsed, iam_backends
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

PARTITION = "aws"
ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")


def iam_backend(account_id):
    return iam_backends[account_id][PARTITION]


def required_external_id(role):
    try:
        document = json.loads(role.assume_role_policy_document)
    except (TypeError, ValueError):
        return None
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        for operator in ("StringEquals", "StringLike"):
            value = statement.get("Condition", {}).get(operator, {}).get("sts:ExternalId")
            if value is not None:
                return value if isinstance(value, str) else value[0]
    return None


def assume_role_refusal(params):
    role_arn = (params.get("RoleArn") or [""])[0]
    match = ROLE_ARN.match(role_arn)
    if not match:
        return None
    account_id, role_name = match.groups()
    role = next((r for r in iam_backend(account_id).roles.values() if r.name == role_name), None)
    if role is None:
        return f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    wanted = required_external_id(role)
    if wanted is not None and (params.get("ExternalId") or [None])[0] != wanted:
        return f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn} (ExternalId)"
    return None


def xml_error(start_response, status, code, message):
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    ).encode()
    start_response(status, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
    return [body]


def json_response(start_response, status, payload):
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def parse_time(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)


def backdate(payload):
    user = iam_backend(payload["accountId"]).get_user(payload["userName"])
    if "userCreateDate" in payload:
        user.create_date = parse_time(payload["userCreateDate"])
    key_id = payload.get("accessKeyId")
    if key_id:
        key = next((k for k in user.access_keys if k.access_key_id == key_id), None)
        if key is None:
            raise KeyError(f"access key {key_id} not found for {payload['userName']}")
        if "keyCreateDate" in payload:
            key.create_date = parse_time(payload["keyCreateDate"])
        last_used = payload.get("lastUsed")
        if last_used:
            key.last_used = AccessKeyLastUsed(
                timestamp=parse_time(last_used["date"]),
                service=last_used.get("service", "iam"),
                region=last_used.get("region", "us-east-1"),
            )


class KeywardenMoto:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_keywarden/health":
            return json_response(start_response, "200 OK", {"status": "ok"})
        if path == "/_keywarden/backdate" and environ["REQUEST_METHOD"] == "POST":
            try:
                backdate(json.loads(self.read_body(environ)))
            except Exception as error:  # noqa: BLE001 - reported to the caller as a 400
                return json_response(start_response, "400 Bad Request", {"error": str(error)})
            return json_response(start_response, "200 OK", {"status": "ok"})
        if environ["REQUEST_METHOD"] == "POST" and "/sts/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
            params = parse_qs(self.read_body(environ).decode("utf-8", "replace"))
            if params.get("Action") == ["AssumeRole"]:
                refusal = assume_role_refusal(params)
                if refusal:
                    return xml_error(start_response, "403 Forbidden", "AccessDenied", refusal)
        return self.app(environ, start_response)

    @staticmethod
    def read_body(environ):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body


def main():
    parser = argparse.ArgumentParser(description="moto server for keywarden's sandbox and tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    app = KeywardenMoto(DomainDispatcherApplication(create_backend_app))
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
