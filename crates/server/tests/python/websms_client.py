"""Sends through a running bote with the published websms Python client (PyPI `websms`),
used as published: only its URL is pointed at bote.

Usage: websms_client.py BASE_URL TOKEN CALLBACK_URL
  (or the environment variables BOTE_URL, BOTE_TOKEN, BOTE_CALLBACK_URL)

Prints one JSON object per line on stdout, one per case, each with a "case" key:
  client       the package and version in use
  plain        SMS.send() through the client's public API: two recipients, alphanumeric
               sender, max_sms_per_message=3 (which the client sends as the string "3")
  tracked      two recipients with clientMessageId and notificationCallbackUrl. The client's
               public API has no parameters for these two fields, so this case hands the full
               request body to the client's own request function (SMSService._request: its
               HTTP Basic auth, JSON encoding, error handling and response parsing, unchanged)
  test         send_sms(..., test=True)
  too_long     a long text with max_sms_per_message=1: websms code 4026 in a 200 answer
  bad_credentials
               a wrong password: what the client raises, and what fail_silently returns
A successful case carries statusCode, statusMessage, transferId, smsCount, clientMessageId
(from the client's SMSSendResponse) and "returned" (what the send call returned); a failed one
carries "error" (the exception class), "message", and, when the client kept the HTTP
response (RequestError.original_exception.response), "httpStatus" and "body".
"""

import json
import os
import sys
from importlib.metadata import version

import websms
from websms import SMS, SMSService, send_sms

TIMEOUT = 30
RECIPIENTS = ["4367612345678", "+4367612345679"]
# 200 GSM characters: two SMS segments per recipient.
LONG_TEXT = ("Hallo von bote! " * 13)[:200]


def emit(case, **fields):
    print(json.dumps({"case": case, **fields}), flush=True)


def ok(case, response, returned):
    emit(
        case,
        ok=True,
        returned=returned,
        statusCode=response.status_code,
        statusMessage=response.status_message,
        transferId=response.transfer_id,
        smsCount=response.sms_count,
        clientMessageId=response.get("clientMessageId"),
    )


def failed(case, error):
    fields = {"ok": False, "error": type(error).__name__, "message": str(error)}
    original = getattr(error, "original_exception", None)
    response = getattr(original, "response", None)
    if response is not None:
        fields["httpStatus"] = response.status_code
        try:
            fields["body"] = response.json()
        except ValueError:
            fields["body"] = response.text
    emit(case, **fields)


def main():
    args = sys.argv[1:]
    base = args[0] if len(args) > 0 else os.environ["BOTE_URL"]
    token = args[1] if len(args) > 1 else os.environ["BOTE_TOKEN"]
    callback = args[2] if len(args) > 2 else os.environ["BOTE_CALLBACK_URL"]
    # The one change to the client: its URL (SMSService.SMS_API_URL by default).
    api_url = base.rstrip("/") + "/rest/smsmessaging/text"

    emit("client", package="websms", version=version("websms"), module=websms.__file__)

    service = SMSService(
        api_url=api_url,
        username="websms-python",
        password=token,
        sender_address="bote",
        sender_address_type="alphanumeric",
        max_sms_per_message=3,
        timeout=TIMEOUT,
    )

    try:
        sms = SMS(RECIPIENTS, LONG_TEXT)
        returned = sms.send(service=service)
        ok("plain", sms.post_response, returned)
    except websms.SMSServiceError as e:
        failed("plain", e)

    try:
        data = {
            "recipientAddressList": RECIPIENTS,
            "messageContent": "Ihre Bestellung ist unterwegs.",
            "test": False,
            "senderAddress": "bote",
            "senderAddressType": "alphanumeric",
            "clientMessageId": "py-order-42",
            "notificationCallbackUrl": callback,
        }
        response = service._request(
            url=service.api_url,
            data=data,
            auth=(service.username, service.password),
            timeout=TIMEOUT,
            resource_name="Post SMS",
            fail_silently=False,
        )
        ok("tracked", response, response.transfer_id)
    except websms.SMSServiceError as e:
        failed("tracked", e)

    try:
        sms = SMS(["4367612345678"], "Nur ein Test", test=True)
        returned = sms.send(service=service)
        ok("test", sms.post_response, returned)
    except websms.SMSServiceError as e:
        failed("test", e)

    try:
        returned = send_sms(
            ["4367612345678"],
            "x" * 400,
            max_sms_per_message=1,
            service=service,
        )
        emit("too_long", ok=True, returned=returned)
    except websms.SMSServiceError as e:
        failed("too_long", e)

    wrong = SMSService(api_url=api_url, username="nobody", password="wrong", timeout=TIMEOUT)
    try:
        returned = send_sms(["4367612345678"], "x", service=wrong)
        emit("bad_credentials", ok=True, returned=returned)
    except websms.SMSServiceError as e:
        failed("bad_credentials", e)
    silent = send_sms(["4367612345678"], "x", service=wrong, fail_silently=True)
    emit("bad_credentials_silent", returned=silent)


if __name__ == "__main__":
    main()
