"""Runs moto in server mode on loopback, with two additions that make it closer to AWS.

1. AssumeRole is refused with AccessDenied when the role does not exist in the target
   account, or when the role's trust policy asks for an sts:ExternalId that does not match
   (moto accepts any role ARN).
2. An admin route, POST /_keywarden/backdate, sets a user's or an access key's creation date
   and a key's last use. AWS never lets a caller do this; the sandbox needs realistic key ages.
3. With authorization on (POST /moto-api/reset-auth), IAM user, group and MFA calls and Secrets
   Manager calls are authorized against the ARN they act on, as AWS does. moto itself checks
   them against "*", so a policy scoped to ARNs would deny everything. moto answers a refusal
   as an XML document even for JSON services (Secrets Manager, Organizations); it is rewritten
   as the JSON error AWS sends, so SDKs read AccessDeniedException and its message.

Prints "READY <port>" on stdout once it serves requests.
"""

import argparse
import html
import io
import json
import re
import signal
import sys
import threading
from datetime import datetime
from urllib.parse import parse_qs

from moto.iam.models import AccessKeyLastUsed, iam_backends
from moto.iam.responses import IamResponse
from moto.secretsmanager.models import secretsmanager_backends
from moto.secretsmanager.responses import SecretsManagerResponse
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


IAM_GROUP_ACTIONS = {"AddUserToGroup", "RemoveUserFromGroup"}


def first(query, name):
    values = query.get(name) or [None]
    return values[0]


def iam_resource(response):
    """The ARN an IAM user, group or MFA call acts on, or None to keep moto's own answer."""
    query = response.querystring
    action = response._get_action()
    account = response.current_account
    backend = iam_backend(account)
    if action in IAM_GROUP_ACTIONS:
        return f"arn:{PARTITION}:iam::{account}:group/{first(query, 'GroupName')}"
    if action == "DeleteVirtualMFADevice":
        return first(query, "SerialNumber")
    user_name = first(query, "UserName")
    if user_name is None and action == "GetAccessKeyLastUsed":
        user = backend.get_user_from_access_key_id(first(query, "AccessKeyId"))
        return user.arn if user is not None else None
    if user_name is None:
        return None
    user = backend.users.get(user_name)
    return user.arn if user is not None else f"arn:{PARTITION}:iam::{account}:user/{user_name}"


def secret_resource(response):
    """The ARN of the secret a Secrets Manager call names (by name or ARN), or None."""
    body = json.loads(response.body or "{}")
    secret_id = body.get("SecretId") or body.get("Name")
    if not isinstance(secret_id, str):
        return None
    account, region = response.current_account, response.region
    secret = secretsmanager_backends[account][region].secrets.get(secret_id)
    if secret is not None:
        return secret.arn
    if secret_id.startswith("arn:"):
        return secret_id
    return f"arn:{PARTITION}:secretsmanager:{region}:{account}:secret:{secret_id}"


def authorize_on_arns():
    """Makes moto's authorization (when on) check these calls against their resource ARN."""
    moto_iam_resource = IamResponse._determine_resource

    def determine_iam_resource(self):
        try:
            resource = iam_resource(self)
        except Exception:  # noqa: BLE001 - fall back to moto's own answer
            resource = None
        return resource if resource is not None else moto_iam_resource(self)

    def determine_secret_resource(self):
        try:
            resource = secret_resource(self)
        except Exception:  # noqa: BLE001 - an unreadable request is authorized against "*"
            resource = None
        return resource if resource is not None else "*"

    IamResponse._determine_resource = determine_iam_resource
    SecretsManagerResponse._determine_resource = determine_secret_resource


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
        if environ.get("HTTP_X_AMZ_TARGET"):
            return self.json_protocol(environ, start_response)
        return self.app(environ, start_response)

    def json_protocol(self, environ, start_response):
        """Serves a JSON-protocol call, turning moto's XML authorization errors into AWS's JSON ones."""
        answer = {}

        def capture(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers
            return lambda _data: None

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status, headers = answer["status"], answer["headers"]
        code = re.search(rb"<Code>([^<]+)</Code>", body) if body.lstrip().startswith(b"<") else None
        if status.startswith(("401", "403")) and code is not None:
            error_type = code.group(1).decode()
            if error_type == "AccessDenied":
                error_type = "AccessDeniedException"
            message = re.search(rb"<Message>([^<]*)</Message>", body)
            payload = {
                "__type": error_type,
                "message": html.unescape(message.group(1).decode()) if message else error_type,
            }
            data = json.dumps(payload).encode()
            start_response(
                status,
                [
                    ("Content-Type", "application/x-amz-json-1.1"),
                    ("x-amzn-ErrorType", error_type),
                    ("Content-Length", str(len(data))),
                ],
            )
            return [data]
        start_response(status, headers)
        return [body]

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

    authorize_on_arns()
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
