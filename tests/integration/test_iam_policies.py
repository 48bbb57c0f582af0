"""Every AWS call a handler makes is allowed by that function's policies in template.yaml.

The handlers run their whole chain under moto while every botocore call is recorded; each call is
then matched against the function's policy templates and inline statements, scoped to the
template's own resources. A call the template does not allow would fail on AWS with AccessDenied.
"""

from __future__ import annotations

import fnmatch
import inspect
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import pytest
import test_subscriptions_moto as mail
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from botocore.stub import Stubber
from test_handlers_moto import NOW, RAW, SITE, TABLE, Stack, leave_out_an_item, stack  # noqa: F401 - the fixture

from ai_news_tracker import summarizers
from ai_news_tracker.delivery import MailDeployment
from ai_news_tracker.invoke import load_template

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(REPO / "template.yaml")

# The SAM policy templates this project uses, as the SAM translator defines them (any other one fails
# grants(): S3WritePolicy and DynamoDBCrudPolicy are not used, they grant more than the code calls).
POLICY_TEMPLATES = {
    "S3ReadPolicy": (
        "BucketName",
        {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion"},
    ),
    "SNSPublishMessagePolicy": ("TopicName", {"sns:Publish"}),
    "SSMParameterReadPolicy": ("ParameterName", {"ssm:GetParameter", "ssm:GetParameters"}),
    "SQSSendMessagePolicy": ("QueueName", {"sqs:SendMessage", "sqs:SendMessageBatch"}),
}
# SSM parameters are named by template parameters, not resources
SSM_PARAMETERS = {
    "ConfigParameterName": "ConfigParameter",
    "TokenKeyParameterName": "TokenKeyParameter",
    "SummarizerKeyParameterName": "SummarizerKeyParameter",
}
# and the configuration object's key (a Resource "${RawBucket.Arn}/${ConfigObjectKey}"), as deployed
CONFIG_OBJECT_KEY = "config/config.toml"
KEY_PARAMETERS = {"${ConfigObjectKey}": CONFIG_OBJECT_KEY}
# so are the Bedrock models (a Resource that is the list parameter itself)
MODEL_PARAMETERS = {"SummarizerModelArns": "SummarizerModels"}
# botocore operation -> IAM action
ACTIONS = {
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("sesv2", "SendEmail"): "ses:SendEmail",
    ("bedrock-runtime", "Converse"): "bedrock:InvokeModel",
}


@dataclass(frozen=True)
class Call:
    action: str
    resource: str  # the template's logical id of the resource the call is about
    key: str = ""  # the object key, for S3

    def __str__(self) -> str:
        return f"{self.action} on {self.resource}{'/' + self.key if self.key else ''}"


@dataclass(frozen=True)
class Grant:
    actions: frozenset[str]
    resource: str
    key_pattern: str = "*"

    def allows(self, call: Call) -> bool:
        return (
            call.action in self.actions
            and call.resource == self.resource
            and fnmatch.fnmatch(call.key, self.key_pattern)
        )


def logical_id(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def grants(function: str) -> list[Grant]:
    """What the function's Policies allow, as (actions, resource logical id, key pattern); a policy
    under a condition counts as granted (its optional parameters set)."""
    found = []
    for entry in TEMPLATE["Resources"][function]["Properties"].get("Policies", []):
        policy = entry["Fn::If"][1] if isinstance(entry, dict) and "Fn::If" in entry else entry
        for name, args in policy.items():
            if name in POLICY_TEMPLATES:
                param, actions = POLICY_TEMPLATES[name]
                resource = (
                    next(v for k, v in SSM_PARAMETERS.items() if k in json.dumps(args))
                    if name == "SSMParameterReadPolicy"
                    else logical_id(args[param])
                )
                assert resource is not None, (
                    f"{function}: {name} is not scoped to a resource of this template"
                )
                found.append(Grant(frozenset(actions), resource))
            elif name == "Statement":
                found += [g for statement in args for g in _statement(statement)]
            else:
                raise AssertionError(f"{function}: the policy template {name} is not modelled here")
    return found


def _statement(statement: dict[str, Any]) -> list[Grant]:
    if statement.get("Effect") != "Allow":
        return []
    actions = statement["Action"]
    actions = frozenset([actions] if isinstance(actions, str) else actions)
    resources = statement["Resource"]
    out = []
    for resource in resources if isinstance(resources, list) else [resources]:
        sub = resource.get("Fn::Sub") if isinstance(resource, dict) else None
        if isinstance(sub, list) and sub[0].endswith(":parameter/${Name}"):  # an SSM parameter's ARN
            named = json.dumps(sub[1])
            out += [Grant(actions, v) for k, v in SSM_PARAMETERS.items() if k in named]
        elif isinstance(sub, str) and ":identity/${SenderAddress}" in sub:
            out.append(Grant(actions, "SenderIdentity"))
        elif isinstance(sub, str) and ":configuration-set/${EmailConfigurationSet}" in sub:
            out.append(Grant(actions, "EmailConfigurationSet"))
        elif isinstance(sub, str) and sub.endswith(":distribution/${SiteDistribution}"):
            out.append(Grant(actions, "SiteDistribution"))
        elif isinstance(sub, str) and sub.startswith("${") and ".Arn}" in sub:
            name, _, rest = sub[2:].partition(".Arn}")
            out.append(Grant(actions, name, KEY_PARAMETERS.get(rest.lstrip("/"), rest.lstrip("/")) or "*"))
        elif logical_id(resource) in MODEL_PARAMETERS:
            out.append(Grant(actions, MODEL_PARAMETERS[str(logical_id(resource))]))
        elif logical_id(resource):
            out.append(Grant(actions, str(logical_id(resource))))
    return out


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    calls: list[tuple[str, str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append((self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    yield calls


def as_calls(recorded: list[tuple[str, str, dict[str, Any]]], names: dict[str, str]) -> set[Call]:
    calls = set()
    for service, operation, params in recorded:
        action = ACTIONS.get((service, operation), f"{service}:{operation}")
        if service == "sesv2":  # IAM checks the sending identity and the configuration set
            calls.add(Call(action, "SenderIdentity"))
            if params.get("ConfigurationSetName"):
                calls.add(Call(action, "EmailConfigurationSet"))
            continue
        target = (
            params.get("Bucket")
            or params.get("TopicArn")
            or params.get("TableName")
            or params.get("Name")
            or params.get("QueueUrl")
            or params.get("modelId")  # bedrock-runtime
            or params.get("DistributionId")  # cloudfront
            or next(iter(params.get("RequestItems") or {}), None)  # BatchGetItem
        )
        resource = names.get(str(target), str(target))
        key = ""
        if service == "s3":
            key = str(params.get("Key", ""))
        elif service == "dynamodb" and params.get("IndexName"):
            key = f"index/{params['IndexName']}"
        calls.add(Call(action, resource, key))
    return calls


def test_each_handler_calls_only_what_its_policies_allow(
    stack: Stack,  # noqa: F811
    recorded: list[tuple[str, str, dict[str, Any]]],
) -> None:
    topic = stack.handlers["render_edition"].deployment().settings.edition_topic_arn
    names = {RAW: "RawBucket", SITE: "SiteBucket", TABLE: "IdempotencyTable", str(topic): "EditionTopic"}
    runs = [
        ("FetchFeedsFunction", "fetch_feeds"),
        ("FetchLeaderboardFunction", "fetch_leaderboard"),
        ("RenderEditionFunction", "render_edition"),
    ]
    for function, handler in runs:
        recorded.clear()
        stack.invoke(handler, {"scheduled_time": NOW})
        calls = as_calls(recorded, names)
        allowed = grants(function)

        denied = [str(c) for c in calls if not any(g.allows(c) for g in allowed)]
        assert calls, f"{function} made no AWS call: the recorder is broken"
        assert denied == [], f"{function} would be denied: {denied}"


MODEL_ID = "deepseek.v3-v1:0"
SUMMARIZER_KEY = "/ai-news-tracker/summarizer-key"


@pytest.mark.parametrize("provider", ["bedrock", "openai"])
def test_the_render_function_may_call_its_configured_summarizer(
    provider: str,
    stack: Stack,  # noqa: F811
    tmp_path: Path,
    recorded: list[tuple[str, str, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the fetches ran, and a configuration that asks a model for the key points
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("fetch_leaderboard", {"scheduled_time": NOW})
    parameters.clear_caches()
    if provider == "bedrock":  # moto has no Bedrock runtime: the model refuses, as an unsubscribed one would
        new_client = summarizers.new_bedrock_client

        def refusing(config: Any) -> Any:
            client = new_client(config)
            stubber = Stubber(client)
            stubber.add_client_error("converse", "AccessDeniedException", http_status_code=403)
            stubber.activate()
            return client

        monkeypatch.setattr(summarizers, "new_bedrock_client", refusing)
        section = f'provider = "bedrock"\nmodel = "{MODEL_ID}"\n'
    else:  # the key from SSM, then an endpoint that refuses the connection (port 9, discard)
        boto3.client("ssm").put_parameter(Name=SUMMARIZER_KEY, Value="sk-test", Type="SecureString")
        section = (
            f'provider = "openai"\nmodel = "deepseek-chat"\nbase_url = "http://127.0.0.1:9/v1"\n'
            f'api_key_parameter = "{SUMMARIZER_KEY}"\ntimeout = 2\n'
        )
    config = tmp_path / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") + "[summarizer]\n" + section, encoding="utf-8")
    topic = stack.handlers["render_edition"].deployment().settings.edition_topic_arn
    names = {
        RAW: "RawBucket",
        SITE: "SiteBucket",
        TABLE: "IdempotencyTable",
        str(topic): "EditionTopic",
        MODEL_ID: "SummarizerModels",
        SUMMARIZER_KEY: "SummarizerKeyParameter",
    }
    recorded.clear()
    # When the edition is rendered
    result = stack.invoke("render_edition", {"scheduled_time": NOW})
    # Then the model's call was made and is allowed (with the parameter set), the edition published
    calls = as_calls(recorded, names)
    expected = (
        Call("bedrock:InvokeModel", "SummarizerModels")
        if provider == "bedrock"
        else Call("ssm:GetParameter", "SummarizerKeyParameter")
    )
    assert expected in calls
    allowed = grants("RenderEditionFunction")
    assert [str(c) for c in calls if not any(g.allows(c) for g in allowed)] == []
    assert result["date"] == "2026-11-20" and result["items"] == 2


def test_only_the_render_function_may_call_a_summarizer_model_or_read_its_key() -> None:
    model, key = (
        Call("bedrock:InvokeModel", "SummarizerModels"),
        Call("ssm:GetParameter", "SummarizerKeyParameter"),
    )
    for function, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        allowed = grants(function)
        may = (any(g.allows(model) for g in allowed), any(g.allows(key) for g in allowed))
        assert may == ((True, True) if function == "RenderEditionFunction" else (False, False)), function
    # nothing streamed, and no other parameter through the key's grant
    render = grants("RenderEditionFunction")
    assert not any(
        g.allows(Call("bedrock:InvokeModelWithResponseStream", "SummarizerModels")) for g in render
    )
    assert not any(g.allows(Call("ssm:GetParameter", "TokenKeyParameter")) for g in render)
    assert not any(g.allows(Call("ssm:GetParameters", "SummarizerKeyParameter")) for g in render)


def test_the_render_function_may_invalidate_the_pages_of_an_edition_it_rebuilt(
    stack: Stack,  # noqa: F811
    tmp_path: Path,
    recorded: list[tuple[str, str, dict[str, Any]]],
) -> None:
    # Given the day's edition, published
    stack.invoke("fetch_feeds", {"scheduled_time": NOW})
    stack.invoke("render_edition", {"scheduled_time": NOW})
    # When it is rebuilt with an item left out (README: runbook)
    stack.handlers["render_edition"] = leave_out_an_item(stack, tmp_path)
    topic = stack.handlers["render_edition"].deployment().settings.edition_topic_arn
    distribution = stack.handlers["render_edition"].deployment().settings.distribution_id
    names = {
        RAW: "RawBucket",
        SITE: "SiteBucket",
        TABLE: "IdempotencyTable",
        str(topic): "EditionTopic",
        str(distribution): "SiteDistribution",
    }
    recorded.clear()
    stack.invoke("render_edition", {"scheduled_time": NOW})
    # Then its invalidation of the site's distribution is allowed, as every other call it made
    calls = as_calls(recorded, names)
    assert Call("cloudfront:CreateInvalidation", "SiteDistribution") in calls
    allowed = grants("RenderEditionFunction")
    assert [str(c) for c in calls if not any(g.allows(c) for g in allowed)] == []


def test_a_call_outside_the_policies_is_caught() -> None:
    # The check itself can fail: the fetch function may not write the site bucket nor publish
    allowed = grants("FetchFeedsFunction")

    assert not any(g.allows(Call("s3:PutObject", "SiteBucket", "reports/x.md")) for g in allowed)
    assert not any(g.allows(Call("sns:Publish", "EditionTopic")) for g in allowed)
    assert not any(g.allows(Call("cloudfront:CreateInvalidation", "SiteDistribution")) for g in allowed)
    assert any(g.allows(Call("s3:PutObject", "RawBucket", "items/x.json")) for g in allowed)


# What each function writes in the raw bucket (repository.RawRepository's keys; the sent log is mail's)
RAW_WRITES = {
    "FetchFeedsFunction": {"items", "seen", "aliases", "sources", "articles"},
    "FetchLeaderboardFunction": {"leaderboard", "sources"},
    "RenderEditionFunction": {"editions"},
    "SendBatchFunction": {"sent"},
}
RAW_PREFIXES = {
    "items",
    "seen",
    "aliases",
    "sources",
    "articles",
    "leaderboard",
    "editions",
    "sent",
    "config",
    "x",
}


@pytest.mark.parametrize("function", sorted(RAW_WRITES))
def test_each_function_writes_only_its_own_prefixes_of_the_raw_bucket(function: str) -> None:
    # The fetch functions parse hostile bytes: they may not replace a stored edition (republished byte
    # for byte) nor the sent log (who gets mail); the render function may not replace items
    allowed = grants(function)
    writable = {
        prefix
        for prefix in RAW_PREFIXES
        if any(g.allows(Call("s3:PutObject", "RawBucket", f"{prefix}/2026-11-20/a.json")) for g in allowed)
    }
    assert writable == RAW_WRITES[function]


def persistence_layer_actions() -> set[str]:
    """The DynamoDB actions Powertools' idempotency layer may call: every ``self.client.<op>(`` of it."""
    source = inspect.getsource(DynamoDBPersistenceLayer)
    operations = set(re.findall(r"self\.client\.(\w+)\(", source))
    assert {"get_item", "put_item"} <= operations, "the persistence layer's calls were not found"
    return {"dynamodb:" + "".join(word.title() for word in op.split("_")) for op in operations}


@pytest.mark.parametrize(
    "function", ["FetchFeedsFunction", "FetchLeaderboardFunction", "RenderEditionFunction"]
)
def test_the_scheduled_functions_may_write_objects_and_idempotency_records_and_nothing_more(
    function: str,
) -> None:
    def allows(call: Call) -> bool:
        return any(g.allows(call) for g in grants(function))

    # every call of the idempotency layer, the ones a successful run never makes (delete_item on a
    # failure) included, and nothing that reads or writes the table in bulk
    actions = persistence_layer_actions()
    assert "dynamodb:DeleteItem" in actions
    for action in actions:
        assert allows(Call(action, "IdempotencyTable")), f"{function} may not {action}"
    for action in ("dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"):
        assert not allows(Call(action, "IdempotencyTable")), f"{function} may {action}"
    # objects, but no ACL (the buckets enforce the owner) and no lifecycle rules
    writes = {"RawBucket": f"{sorted(RAW_WRITES[function])[0]}/y.json"}
    if function == "RenderEditionFunction":
        writes["SiteBucket"] = "reports/y.json"
    for bucket, key in writes.items():
        assert allows(Call("s3:PutObject", bucket, key))
        assert not allows(Call("s3:PutObjectAcl", bucket, key))
        assert not allows(Call("s3:PutLifecycleConfiguration", bucket))
        assert not allows(Call("s3:DeleteObject", bucket, key))


@pytest.fixture
def mail_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[mail.Stack]:
    with mail.mail_stack(tmp_path, monkeypatch) as current:
        yield current


def test_the_email_functions_call_only_what_their_policies_allow(
    mail_stack: mail.Stack,
    recorded: list[tuple[str, str, dict[str, Any]]],
) -> None:
    names = {
        mail.RAW: "RawBucket",
        mail.SITE: "SiteBucket",
        mail.TABLE: "SubscribersTable",
        mail_stack.queue_url: "SendQueue",
        mail.KEY_PARAMETER: "TokenKeyParameter",
    }
    seen: dict[str, set[Call]] = {}

    def check(function: str, action: Any) -> None:
        parameters.clear_caches()  # each function reads the token key itself
        recorded.clear()
        action()
        calls = as_calls(recorded, names)
        allowed = grants(function)
        assert calls, f"{function} made no AWS call: the recorder is broken"
        assert [str(c) for c in calls if not any(g.allows(c) for g in allowed)] == [], function
        seen.setdefault(function, set()).update(calls)

    address = "reader@example.org"
    check("SubscriptionFunction", lambda: mail_stack.subscribe(address))
    link = mail.confirmation_link(mail_stack.mails_to(address)[0])
    check(
        "SubscriptionFunction",
        lambda: mail_stack.http("POST", "/confirm", query={"token": mail.token_of(link)}),
    )
    check("SendEmailFunction", lambda: mail_stack.announce(mail.DAY1))
    messages = mail_stack.receive()  # Lambda's poller does this, with the permissions SAM adds
    check("SendBatchFunction", lambda: mail_stack.deliver(messages))
    edition = mail_stack.editions_to(address)[0]
    _, subject = mail.mailto_of(edition)
    check(
        "UnsubscribeMailFunction",
        lambda: mail_stack.invoke("unsubscribe_mail", mail.received_mail_event(subject, address)),
    )
    check("BounceFunction", lambda: mail_stack.invoke("bounce", mail.bounce_event("Permanent", address)))
    assert len(mail_stack.editions_to(address)) == 1

    assert {
        Call("ses:SendEmail", "SenderIdentity"),
        Call("ses:SendEmail", "EmailConfigurationSet"),
        Call("ssm:GetParameter", "TokenKeyParameter"),
        Call("dynamodb:PutItem", "SubscribersTable"),
    } <= seen["SubscriptionFunction"]
    assert {
        Call("dynamodb:Scan", "SubscribersTable", "index/ActiveIndex"),
        Call("sqs:SendMessageBatch", "SendQueue"),
    } <= seen["SendEmailFunction"]
    assert {
        Call("dynamodb:BatchGetItem", "SubscribersTable"),
        Call("ssm:GetParameter", "TokenKeyParameter"),
        Call("ses:SendEmail", "SenderIdentity"),
        Call("s3:ListBucket", "RawBucket"),
    } <= seen["SendBatchFunction"]
    assert any(c.action == "s3:PutObject" and c.key.startswith("sent/") for c in seen["SendBatchFunction"])
    assert Call("dynamodb:PutItem", "SubscribersTable") in seen["BounceFunction"]
    assert {
        Call("ssm:GetParameter", "TokenKeyParameter"),
        Call("dynamodb:PutItem", "SubscribersTable"),
    } <= seen["UnsubscribeMailFunction"]


def test_the_email_functions_may_do_nothing_more() -> None:
    def allows(function: str, call: Call) -> bool:
        return any(g.allows(call) for g in grants(function))

    # only the batch sender writes the sent log, and nothing else in the raw bucket
    assert allows("SendBatchFunction", Call("s3:PutObject", "RawBucket", "sent/2026-11-20/x/1"))
    assert not allows("SendBatchFunction", Call("s3:PutObject", "RawBucket", "items/x.json"))
    assert not allows("SendEmailFunction", Call("s3:PutObject", "RawBucket", "sent/2026-11-20/x/1"))
    # the fan-out reads ids from the sparse index only; nobody else scans or deletes subscribers
    assert not allows("SendEmailFunction", Call("dynamodb:Scan", "SubscribersTable"))
    assert not allows("SendEmailFunction", Call("dynamodb:GetItem", "SubscribersTable"))
    for function in (
        "SubscriptionFunction",
        "BounceFunction",
        "SendBatchFunction",
        "UnsubscribeMailFunction",
    ):
        assert not allows(function, Call("dynamodb:Scan", "SubscribersTable", "index/ActiveIndex"))
        assert not allows(function, Call("dynamodb:DeleteItem", "SubscribersTable"))
    # the bounce handler and the fan-out send no mail and never see the token key
    for function in ("BounceFunction", "SendEmailFunction"):
        assert not allows(function, Call("ses:SendEmail", "SenderIdentity"))
        assert not allows(function, Call("ssm:GetParameter", "TokenKeyParameter"))
    # the unsubscribe mailbox's function reads the key to check tokens, and sends nothing
    assert not allows("UnsubscribeMailFunction", Call("ses:SendEmail", "SenderIdentity"))
    assert not allows("UnsubscribeMailFunction", Call("s3:GetObject", "RawBucket", "editions/x.json"))
    assert not allows("SubscriptionFunction", Call("sqs:SendMessageBatch", "SendQueue"))
    assert not allows("SubscriptionFunction", Call("s3:GetObject", "RawBucket", "editions/x.json"))


def test_the_functions_that_load_the_configuration_may_read_its_object_and_no_function_may_write_it(
    mail_stack: mail.Stack,
    recorded: list[tuple[str, str, dict[str, Any]]],
) -> None:
    # Given the configuration kept in the raw bucket (README: Deploy), ConfigObjectKey set
    mail_stack.s3.put_object(Bucket=mail.RAW, Key=CONFIG_OBJECT_KEY, Body=b"[email]\nenabled = true\n")
    mail_stack.monkeypatch.setenv("CONFIG_OBJECT_KEY", CONFIG_OBJECT_KEY)
    read = Call("s3:GetObject", "RawBucket", CONFIG_OBJECT_KEY)
    for function in ("SubscriptionFunction", "SendEmailFunction", "SendBatchFunction"):
        # When an email function builds its deployment (a cold start)
        parameters.clear_caches()
        recorded.clear()
        deployment = MailDeployment.from_env(os.environ)
        # Then it read the object, as its policies allow (the endpoints: that object alone)
        assert deployment.config.email.enabled
        calls = as_calls(recorded, {mail.RAW: "RawBucket"})
        assert read in calls, function
        assert [str(c) for c in calls if not any(g.allows(c) for g in grants(function))] == [], function
    # the fetch and render functions read it as the rest of the raw bucket; the others not at all, nor
    # the configuration's parameter (ConfigParameterName)
    for function, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        allowed = grants(function)
        assert any(g.allows(read) for g in allowed) == (function not in READS_NO_CONFIGURATION), function
        parameter = Call("ssm:GetParameter", "ConfigParameter")
        assert any(g.allows(parameter) for g in allowed) == (function not in READS_NO_CONFIGURATION), function
        assert not any(g.allows(Call("s3:PutObject", "RawBucket", CONFIG_OBJECT_KEY)) for g in allowed)
    endpoints = grants("SubscriptionFunction")
    assert not any(g.allows(Call("s3:GetObject", "RawBucket", "editions/2026-11-20.json")) for g in endpoints)


# Their handlers build the subscribers table alone (subscribers.subscriptions_from_env)
READS_NO_CONFIGURATION = {"BounceFunction", "UnsubscribeMailFunction"}
