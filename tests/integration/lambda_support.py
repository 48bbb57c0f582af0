"""What the handler tests share: a Lambda context, a fresh import of a handler, fake AWS credentials."""

from __future__ import annotations

import importlib.util
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


@dataclass
class Context:
    """The parts of the Lambda context the handlers and Powertools read."""

    function_name: str = "test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/test"
    log_stream_name: str = "stream"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def load_handler(name: str) -> ModuleType:
    """``functions/<name>/app.py`` imported afresh: a cold start, with the environment as it is now."""
    path = REPO / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"handler_{name}_{uuid.uuid4().hex}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """A region and credentials for moto, and no profile that could reach a real account."""
    for key, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def edition_resources(
    monkeypatch: pytest.MonkeyPatch, config: Path, raw: str, site: str, table: str
) -> tuple[Any, Any, str]:
    """Under an active ``mock_aws``: what the fetch and render functions use (the buckets, the edition
    topic with a queue subscribed to read the announcements, the idempotency table, the site's
    distribution) and their environment. Returns the S3 and SQS clients and the queue's URL."""
    s3 = boto3.client("s3", region_name=REGION)
    for bucket in (raw, site):
        s3.create_bucket(Bucket=bucket)
    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="editions")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="editions")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    env = {
        "RAW_BUCKET": raw,
        "SITE_BUCKET": site,
        "SITE_URL": "https://d111111abcdef8.cloudfront.net",
        "DISTRIBUTION_ID": site_distribution(site),
        "CONFIG_FILE": str(config),
        "EDITION_TOPIC_ARN": topic,
        "IDEMPOTENCY_TABLE": table,
        "POWERTOOLS_SERVICE_NAME": "ai-news-tracker",
        "POWERTOOLS_METRICS_NAMESPACE": "AINewsTracker",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return s3, sqs, queue_url


def site_distribution(bucket: str) -> str:
    """Under an active ``mock_aws``: a CloudFront distribution in front of the bucket; its id."""
    answer = boto3.client("cloudfront", region_name=REGION).create_distribution(
        DistributionConfig={
            "CallerReference": bucket,
            "Comment": "site",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site-bucket",
                        "DomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "site-bucket",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }
    )
    return str(answer["Distribution"]["Id"])


def invalidated_paths(distribution_id: str) -> list[list[str]]:
    """Under an active ``mock_aws``: the paths of each invalidation of the distribution, sorted."""
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    listed = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    return [
        sorted(
            cloudfront.get_invalidation(DistributionId=distribution_id, Id=entry["Id"])["Invalidation"][
                "InvalidationBatch"
            ]["Paths"].get("Items", [])
        )
        for entry in listed.get("Items", [])
    ]
