"""What AWS hands the function when mail comes back: S3 event notifications (an email SES
receiving stored) and SNS notifications carrying SES's bounce and complaint events.

Each shape is AWS's own documented example, trimmed to the fields a reader could care about:

- SES event publishing to SNS, "Examples of event data that Amazon SES publishes to Amazon SNS"
  (docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html);
- SES identity notifications, "Amazon SNS notification examples for Amazon SES"
  (docs.aws.amazon.com/ses/latest/dg/notification-examples.html);
- "Event message structure" of S3 event notifications
  (docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html), version
  2.1, as `ObjectCreated:Put`;
- the SNS event of "Using AWS Lambda with Amazon SNS" (docs.aws.amazon.com/lambda/latest/dg/
  with-sns.html).

The builders put a test's own values (addresses, tags, ids) into copies of them.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote_plus

_MAIL: dict[str, Any] = {
    "timestamp": "2017-08-05T00:40:02.012Z",
    "source": "Sender Name <sender@example.com>",
    "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
    "sendingAccountId": "123456789012",
    "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
    "destination": ["recipient@example.com"],
    "headersTruncated": False,
    "headers": [
        {"name": "From", "value": "Sender Name <sender@example.com>"},
        {"name": "To", "value": "recipient@example.com"},
        {"name": "Subject", "value": "Message sent from Amazon SES"},
        {"name": "MIME-Version", "value": "1.0"},
    ],
    "commonHeaders": {
        "from": ["Sender Name <sender@example.com>"],
        "to": ["recipient@example.com"],
        "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
        "subject": "Message sent from Amazon SES",
    },
    "tags": {
        "ses:configuration-set": ["ConfigSet"],
        "ses:source-ip": ["192.0.2.0"],
        "ses:from-domain": ["example.com"],
        "ses:caller-identity": ["ses_user"],
    },
}

PUBLISHED_BOUNCE: dict[str, Any] = {
    "eventType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {
                "emailAddress": "recipient@example.com",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            }
        ],
        "timestamp": "2017-08-05T00:41:02.669Z",
        "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
        "reportingMTA": "dsn; mta.example.com",
    },
    "mail": _MAIL,
}

PUBLISHED_COMPLAINT: dict[str, Any] = {
    "eventType": "Complaint",
    "complaint": {
        "complainedRecipients": [{"emailAddress": "recipient@example.com"}],
        "timestamp": "2017-08-05T00:41:02.669Z",
        "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
        "complaintFeedbackType": "abuse",
        "arrivalDate": "2017-08-05T00:41:02.669Z",
    },
    "mail": _MAIL,
}

PUBLISHED_DELIVERY: dict[str, Any] = {
    "eventType": "Delivery",
    "mail": _MAIL,
    "delivery": {
        "timestamp": "2016-10-19T23:21:04.133Z",
        "processingTimeMillis": 11893,
        "recipients": ["recipient@example.com"],
        "smtpResponse": "250 2.6.0 Message received",
        "reportingMTA": "mta.example.com",
    },
}

NOTIFIED_BOUNCE: dict[str, Any] = {
    "notificationType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "reportingMTA": "dns; email.example.com",
        "bouncedRecipients": [
            {
                "emailAddress": "jane@example.com",
                "status": "5.1.1",
                "action": "failed",
                "diagnosticCode": "smtp; 550 5.1.1 <jane@example.com>... User",
            }
        ],
        "bounceSubType": "General",
        "timestamp": "2016-01-27T14:59:38.237Z",
        "feedbackId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000",
        "remoteMtaIp": "127.0.2.0",
    },
    "mail": {
        "timestamp": "2016-01-27T14:59:38.237Z",
        "source": "john@example.com",
        "sourceArn": "arn:aws:ses:us-east-1:888888888888:identity/example.com",
        "sourceIp": "127.0.3.0",
        "sendingAccountId": "123456789012",
        "callerIdentity": "IAM_user_or_role_name",
        "messageId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
        "destination": ["jane@example.com", "mary@example.com", "richard@example.com"],
    },
}

NOTIFIED_COMPLAINT: dict[str, Any] = {
    "notificationType": "Complaint",
    "complaint": {
        "userAgent": "AnyCompany Feedback Loop (V0.01)",
        "complainedRecipients": [{"emailAddress": "richard@example.com"}],
        "complaintFeedbackType": "abuse",
        "arrivalDate": "2016-01-27T14:59:38.237Z",
        "timestamp": "2016-01-27T14:59:38.237Z",
        "feedbackId": "000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000",
    },
    "mail": {
        "timestamp": "2016-01-27T14:59:38.237Z",
        "messageId": "000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000",
        "source": "john@example.com",
        "sourceArn": "arn:aws:ses:us-east-1:888888888888:identity/example.com",
        "sourceIp": "127.0.3.0",
        "sendingAccountId": "123456789012",
        "callerIdentity": "IAM_user_or_role_name",
        "destination": ["jane@example.com", "mary@example.com", "richard@example.com"],
    },
}

_S3_RECORD: dict[str, Any] = {
    "eventVersion": "2.1",
    "eventSource": "aws:s3",
    "awsRegion": "us-west-2",
    "eventTime": "1970-01-01T00:00:00.000Z",
    "eventName": "ObjectCreated:Put",
    "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
    "requestParameters": {"sourceIPAddress": "205.255.255.255"},
    "responseElements": {
        "x-amz-request-id": "D82B88E5F771F645",
        "x-amz-id-2": (
            "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo="
        ),
    },
    "s3": {
        "s3SchemaVersion": "1.0",
        "configurationId": "828aa6fc-f7b5-4305-8584-487c791949c1",
        "bucket": {
            "name": "DOC-EXAMPLE-BUCKET",
            "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
            "arn": "arn:aws:s3:::DOC-EXAMPLE-BUCKET",
        },
        "object": {
            "key": "b21b84d653bb07b05b1e6b33684dc11b",
            "size": 1305107,
            "eTag": "b21b84d653bb07b05b1e6b33684dc11b",
            "sequencer": "0C0F6F405D6ED209E1",
        },
    },
}

_SNS_RECORD: dict[str, Any] = {
    "EventVersion": "1.0",
    "EventSubscriptionArn": (
        "arn:aws:sns:us-east-1:123456789012:sns-lambda:21be56ed-a058-49f5-8c98-aedd2564c486"
    ),
    "EventSource": "aws:sns",
    "Sns": {
        "SignatureVersion": "1",
        "Timestamp": "2019-01-02T12:45:07.000Z",
        "Signature": "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==",
        "SigningCertUrl": (
            "https://sns.us-east-1.amazonaws.com/"
            "SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem"
        ),
        "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "Message": "Hello from SNS!",
        "MessageAttributes": {},
        "Type": "Notification",
        "UnsubscribeUrl": (
            "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&amp;SubscriptionArn="
            "arn:aws:sns:us-east-1:123456789012:test-lambda:21be56ed-a058-49f5-8c98-aedd2564c486"
        ),
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:sns-lambda",
        "Subject": None,
    },
}


def ses_event(
    example: dict[str, Any],
    recipient: str,
    *,
    tags: dict[str, str] | None = None,
    message_id: str | None = None,
    **bounce: str,
) -> dict[str, Any]:
    """`example` about `recipient`, with `tags` added as SES publishes them (each a list of
    one string), and fields of its bounce object replaced (`bounceType="Transient"`)."""
    event = copy.deepcopy(example)
    lists = {"bounce": "bouncedRecipients", "complaint": "complainedRecipients"}
    for field, listed in lists.items():
        for entry in event.get(field, {}).get(listed, []):
            entry["emailAddress"] = recipient
    event.get("bounce", {}).update(bounce)
    if tags is not None:
        event["mail"].setdefault("tags", {}).update({k: [v] for k, v in tags.items()})
    if message_id is not None:
        event["mail"]["messageId"] = message_id
    return event


def s3_record(
    bucket: str, key: str, size: int, event_name: str = "ObjectCreated:Put"
) -> dict[str, Any]:
    """S3's record of an object created: its key URL-encoded, as S3 sends it."""
    record = copy.deepcopy(_S3_RECORD)
    record["eventName"] = event_name
    record["s3"]["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    record["s3"]["object"].update(key=quote_plus(key, safe="/"), size=size)
    return record


def sns_record(
    message_id: str, message: str | dict[str, Any], topic_arn: str | None = None
) -> dict[str, Any]:
    """SNS's record of one notification; a dict `message` is sent as its JSON text."""
    record = copy.deepcopy(_SNS_RECORD)
    record["Sns"]["MessageId"] = message_id
    record["Sns"]["Message"] = message if isinstance(message, str) else json.dumps(message)
    if topic_arn is not None:
        record["Sns"]["TopicArn"] = topic_arn
    return record


def records(*each: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(each)}
