"""template.yaml keeps the contract of DEVELOPERS.md ("On AWS (SAM)") and stays locked down.

Read as YAML with the CloudFormation short-form tags (``!Ref``, ``!GetAtt``, ``!Sub``, …) turned into
their long forms, so no SAM CLI is needed here; ``make sam-check`` runs cfn-lint, ``sam validate
--lint`` and ``sam build`` on the same file.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SERVERLESS_FUNCTION = "AWS::Serverless::Function"
LAYER = "AWS::Serverless::LayerVersion"
SCOPED_TEMPLATE_PREFIXES = ("S3", "SNS", "SQS", "DynamoDB")


class CfnLoader(yaml.SafeLoader):
    """A safe loader that reads ``!Tag value`` as CloudFormation's long form ``{"Fn::Tag": value}``."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


CfnLoader.add_multi_constructor("!", _construct_tag)


@cache
def template() -> dict[str, Any]:
    loaded = yaml.load((REPO / "template.yaml").read_text(encoding="utf-8"), Loader=CfnLoader)  # noqa: S506
    assert isinstance(loaded, dict)
    return loaded


def resources(kind: str | None = None) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template()["Resources"]
    return {name: r for name, r in found.items() if kind is None or r["Type"] == kind}


def functions() -> dict[str, dict[str, Any]]:
    return resources(SERVERLESS_FUNCTION)


def globals_function() -> dict[str, Any]:
    found: dict[str, Any] = template()["Globals"]["Function"]
    return found


def variables(function: str) -> dict[str, Any]:
    """The environment of a function: the Globals' merged with its own, as SAM merges them."""
    own = functions()[function]["Properties"].get("Environment", {}).get("Variables", {})
    return {**globals_function()["Environment"]["Variables"], **own}


def referenced(value: Any) -> str | None:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` points at, else None."""
    if isinstance(value, dict) and len(value) == 1:
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def policies(function: str) -> Iterator[Any]:
    """Every policy of a function, both branches of an ``Fn::If`` included, ``AWS::NoValue`` left out."""
    for policy in functions()[function]["Properties"].get("Policies", []):
        branches = policy["Fn::If"][1:] if isinstance(policy, dict) and "Fn::If" in policy else [policy]
        yield from (b for b in branches if referenced(b) != "AWS::NoValue")


def developers_rows(after: str) -> list[list[str]]:
    """The rows of the first Markdown table after the line starting with ``after`` in DEVELOPERS.md."""
    lines = (REPO / "DEVELOPERS.md").read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(after))
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if not set(cells[0]) <= set("-: "):  # not the header rule
            rows.append(cells)
    return rows[1:]  # without the header


def contract() -> dict[str, str]:
    """Logical id -> code path, from the table of "On AWS (SAM)"."""
    rows = developers_rows("## On AWS (SAM)")
    return {row[0].strip("`"): row[1] for row in rows}


def documented_variables() -> list[str]:
    names: list[str] = []
    for row in developers_rows("Environment (read once"):
        names += re.findall(r"`([A-Z][A-Z0-9_]+)`", row[0])
    return names


# ---------------------------------------------------------------- shape


def test_the_template_is_a_sam_application_with_the_documented_resources() -> None:
    assert template()["Transform"] == "AWS::Serverless-2016-10-31"
    expected = contract()
    assert len(expected) == 10
    for name in expected:
        assert name in resources(), f"{name} is in DEVELOPERS.md but not in template.yaml"
        assert resources()[name]["Type"] in (SERVERLESS_FUNCTION, LAYER)
    assert set(functions()) == {name for name in expected if name.endswith("Function")}


def dependencies(value: Any) -> set[str]:
    """The names a value refers to: ``Ref``, ``Fn::GetAtt`` and the ``${Name.Attr}`` of ``Fn::Sub``."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= dependencies(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0])
            elif key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                named = {m.split(".", 1)[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                found |= (named - set(variables)) | dependencies(variables)
            else:
                found |= dependencies(arg)
    return found


def dependency_graph(tpl: dict[str, Any]) -> dict[str, set[str]]:
    """Logical id -> the resources it depends on, once SAM has expanded the template.

    A function takes the Globals' properties (its environment among them); an ``Api``/``HttpApi``
    event makes SAM write the function's ARN into that API's body, so the API depends on the function.
    """
    found = tpl["Resources"]
    glob = tpl.get("Globals", {}).get("Function", {})
    graph: dict[str, set[str]] = {name: set() for name in found}
    for name, resource in found.items():
        needs = dependencies(resource.get("Properties", {}))
        depends_on = resource.get("DependsOn", [])
        needs |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
        if resource["Type"] == SERVERLESS_FUNCTION:
            needs |= dependencies(glob)
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] in ("Api", "HttpApi"):
                    for api in dependencies(event["Properties"]) & set(found):
                        graph[api].add(name)
        graph[name] |= needs & set(found)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """A circular dependency of the graph (``[a, b, …, a]``), else ``[]``."""
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return []
        path.append(name)
        for needed in sorted(graph[name]):
            if found := visit(needed):
                return found
        path.pop()
        done.add(name)
        return []

    for name in sorted(graph):
        if found := visit(name):
            return found
    return []


def test_no_resource_depends_on_itself_through_others() -> None:
    """CloudFormation refuses a circular dependency, at the first deployment (E3004 in cfn-lint).

    The one that happened: every function's SITE_URL (Globals) names the distribution, whose CSP
    names the subscription API, whose SAM-generated body named the subscription function.
    ``make sam-lint`` checks the translated template too (tools/sam_translate_lint.py).
    """
    assert cycle(dependency_graph(template())) == []
    # the check itself sees that loop when the API is SAM's and the function an event of it
    looped = json.loads(json.dumps(template()))
    looped["Resources"]["SubscriptionFunction"]["Properties"]["Events"] = {
        "Subscribe": {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "SubscriptionApi"}}}
    }
    assert set(cycle(dependency_graph(looped))) >= {
        "SubscriptionFunction",
        "SiteDistribution",
        "SiteResponseHeadersPolicy",
        "SubscriptionApi",
    }


def test_functions_run_python_3_12_on_one_architecture_with_both_layers() -> None:
    glob = globals_function()
    assert glob["Runtime"] == "python3.12"
    assert glob["Architectures"] == ["arm64"]
    assert glob["Handler"] == "app.lambda_handler"
    assert [referenced(layer) for layer in glob["Layers"]] == ["CoreLayer", "DepsLayer"]
    assert glob["Tracing"] == "Active"
    for name, function in functions().items():
        props = function["Properties"]
        assert props.get("Runtime", "python3.12") == "python3.12", name
        assert props.get("Architectures", ["arm64"]) == ["arm64"], name
        assert props.get("Handler", "app.lambda_handler") == "app.lambda_handler", name
        assert "Layers" not in props, f"{name} would replace the Globals' layers"


def test_each_function_s_code_is_where_developers_md_says() -> None:
    for name, function in functions().items():
        code_uri = function["Properties"]["CodeUri"]
        assert f"{code_uri.rstrip('/')}/app.py" == contract()[name].strip("`")


@pytest.mark.parametrize("name", sorted(functions()))
def test_each_handler_defines_lambda_handler(name: str) -> None:
    app = REPO / functions()[name]["Properties"]["CodeUri"] / "app.py"
    if not app.exists():
        pytest.skip(f"{app.relative_to(REPO)} not written yet (the handlers come in a parallel change)")
    tree = ast.parse(app.read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    assigned = {
        t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
    }
    assert "lambda_handler" in defined | assigned


def test_layers_are_built_by_their_makefiles_in_source() -> None:
    for name, target in (("CoreLayer", "layers/core/"), ("DepsLayer", "layers/deps/")):
        layer = resources(LAYER)[name]
        assert layer["Properties"]["ContentUri"] == target
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
        assert layer["Properties"]["CompatibleArchitectures"] == globals_function()["Architectures"]
        assert layer["Metadata"]["BuildMethod"] == "makefile"
        assert layer["Metadata"]["BuildArchitecture"] == "arm64"
        makefile = (REPO / target / "Makefile").read_text(encoding="utf-8")
        assert re.search(rf"^build-{name}:", makefile, re.MULTILINE), f"no build-{name} target"
    assert (REPO / "layers/deps/requirements.txt").exists()
    assert re.search(r"^LAMBDA_ARCH\s*:?=\s*aarch64$", (REPO / "layers/deps/Makefile").read_text(), re.M)
    # CoreLayer copies ../../templates and ../../config: only a build in source can see them.
    samconfig = tomllib.loads((REPO / "samconfig.toml").read_text(encoding="utf-8"))
    for env in ("default", "prod"):
        assert samconfig[env]["build"]["parameters"]["build_in_source"] is True
        assert samconfig[env]["build"]["parameters"].get("cached") is not True


# ---------------------------------------------------------------- environment


def test_every_documented_environment_variable_is_set() -> None:
    documented = documented_variables()
    assert "RAW_BUCKET" in documented
    assert "POWERTOOLS_LOG_LEVEL" in documented
    for name in functions():
        missing = set(documented) - set(variables(name))
        assert not missing, f"{name} lacks {sorted(missing)}"


def test_environment_points_at_this_stack_and_the_shipped_config() -> None:
    env = globals_function()["Environment"]["Variables"]
    assert referenced(env["RAW_BUCKET"]) == "RawBucket"
    assert referenced(env["SITE_BUCKET"]) == "SiteBucket"
    assert referenced(env["EDITION_TOPIC_ARN"]) == "EditionTopic"
    assert referenced(env["IDEMPOTENCY_TABLE"]) == "IdempotencyTable"
    assert referenced(env["SES_CONFIGURATION_SET"]) == "EmailConfigurationSet"
    assert referenced(env["CONFIG_PARAMETER"]) == "ConfigParameterName"
    assert referenced(env["CONFIG_OBJECT_KEY"]) == "ConfigObjectKey"  # a key of RAW_BUCKET
    # CoreLayer puts config/ under /opt/python (layers/core/Makefile)
    assert env["CONFIG_FILE"] == "/opt/python/config/default.toml"
    assert (REPO / "config" / "default.toml").exists()
    # The package's child loggers are named after log.SERVICE: under a handler logger of another
    # service name their records would not reach the handler's (they would be lost).
    from ai_news_tracker.log import SERVICE

    assert env["POWERTOOLS_SERVICE_NAME"] == SERVICE
    # Two stacks in one account keep their metrics (and alarms) apart by the namespace
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == {"Fn::Sub": "AINewsTracker/${AWS::StackName}"}


def test_each_function_logs_to_a_group_of_its_own_with_a_retention() -> None:
    retention = template()["Parameters"]["LogRetentionInDays"]
    assert retention["Type"] == "Number" and retention["Default"] == 90
    assert 90 in retention["AllowedValues"]
    groups = resources("AWS::Logs::LogGroup")
    used = []
    for name, function in functions().items():
        group = str(referenced(function["Properties"]["LoggingConfig"]["LogGroup"]))
        assert group in groups, name
        assert referenced(groups[group]["Properties"]["RetentionInDays"]) == "LogRetentionInDays"
        assert groups[group]["Properties"]["LogGroupName"] == {
            "Fn::Sub": f"/aws/lambda/${{AWS::StackName}}/{name}"
        }
        used.append(group)
    assert sorted(used) == sorted(groups)  # one each, and no group nobody writes to
    assert "LoggingConfig" not in globals_function()


# ---------------------------------------------------------------- storage


def test_both_buckets_are_private_encrypted_and_tls_only() -> None:
    buckets = resources("AWS::S3::Bucket")
    assert set(buckets) == {"RawBucket", "SiteBucket"}
    bucket_policies = {
        referenced(p["Properties"]["Bucket"]): p for p in resources("AWS::S3::BucketPolicy").values()
    }
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, name
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms", "aws:kms:dsse")
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        statements = bucket_policies[name]["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        ), f"{name} accepts plain HTTP"


def test_the_raw_bucket_is_versioned_with_lifecycle_rules() -> None:
    props = resources()["RawBucket"]["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = props["LifecycleConfiguration"]["Rules"]
    assert any(r.get("Prefix") == "seen/" and r.get("ExpirationInDays") for r in rules)
    assert any("NoncurrentVersionExpiration" in r for r in rules)
    assert any("AbortIncompleteMultipartUpload" in r for r in rules)


def test_only_the_distribution_reads_the_site_bucket_over_https() -> None:
    statements = resources()["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert "${SiteDistribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]

    config = resources()["SiteDistribution"]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert referenced(origin["OriginAccessControlId"]) == "SiteOriginAccessControl"
    assert referenced(origin["DomainName"]) == "SiteBucket"
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    # a missing key (403 through OAC, which may not list the bucket) reads the site's 404 page
    errors = {e["ErrorCode"]: e for e in config["CustomErrorResponses"]}
    assert set(errors) == {403, 404}
    assert {(e["ResponseCode"], e["ResponsePagePath"]) for e in errors.values()} == {(404, "/404.html")}
    assert referenced(behaviour["ResponseHeadersPolicyId"]) == "SiteResponseHeadersPolicy"
    oac = resources()["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["SigningBehavior"], oac["SigningProtocol"]) == ("always", "sigv4")
    headers = resources()["SiteResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = headers["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    assert csp.startswith("default-src 'none';")
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp  # default-src 'none': no scripts
    # no inline style and no data: image: the pages use neither (the browser test sees no violation)
    assert "style-src 'self';" in csp and "img-src 'self';" in csp
    assert "unsafe-inline" not in csp and "data:" not in csp
    # Forms may post to the subscription API alone: the origin the render function gives the pages' form
    (form_action,) = re.findall(r"form-action ([^;]+);", csp)
    api = variables("RenderEditionFunction")["SUBSCRIPTION_API_URL"]["Fn::Sub"]
    assert form_action == api == "https://${SubscriptionApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"


def test_cloudfront_names_are_unique_per_stack_and_region_and_fit_cloudfront_s_limits() -> None:
    """OAC and response headers policy names are global to the account: two stacks, or one stack name
    in two regions, must not collide; and CloudFront refuses an OAC name over 64 characters."""
    oac = resources()["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]["Name"]
    policy = resources()["SiteResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["Name"]
    stack_uuid = {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}
    for name, limit in ((oac, 64), (policy, 128)):
        text, variables = name["Fn::Sub"]
        assert variables == {"StackUuid": stack_uuid}
        assert "${AWS::Region}" in text and "${StackUuid}" in text
        longest = text.replace("${AWS::Region}", "ap-southeast-5").replace("${StackUuid}", "f" * 36)
        assert re.fullmatch(r"[A-Za-z0-9-]+", longest) and len(longest) <= limit, longest
    assert oac != policy


def test_the_idempotency_table_has_the_powertools_shape() -> None:
    props = resources()["IdempotencyTable"]["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"


# ---------------------------------------------------------------- triggers


def scheduled() -> dict[str, dict[str, Any]]:
    return {
        name: event
        for name, function in functions().items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] in ("Schedule", "ScheduleV2")
    }


def test_schedules_run_in_the_report_s_timezone_with_the_scheduled_time_and_a_dead_letter_queue() -> None:
    assert set(scheduled()) == {"FetchFeedsFunction", "FetchLeaderboardFunction", "RenderEditionFunction"}
    parameters = {
        "FetchFeedsFunction": "FeedSchedule",
        "FetchLeaderboardFunction": "LeaderboardSchedule",
        "RenderEditionFunction": "EditionSchedule",
    }
    for name, event in scheduled().items():
        props = event["Properties"]
        assert event["Type"] == "ScheduleV2", name
        assert referenced(props["ScheduleExpressionTimezone"]) == "ScheduleTimezone", name
        assert referenced(props["ScheduleExpression"]) == parameters[name]
        assert json.loads(props["Input"]) == {"scheduled_time": "<aws.scheduler.scheduled-time>"}
        assert props["RetryPolicy"]["MaximumRetryAttempts"] == 2
        assert resources()[str(referenced(props["DeadLetterConfig"]["Arn"]))]["Type"] == "AWS::SQS::Queue"
    assert template()["Parameters"]["FeedSchedule"]["Default"] == "cron(0 0/2 * * ? *)"
    # the zone they fire in is by default the shipped configuration's report timezone, and the render
    # function knows it (it warns when the configuration's is another)
    shipped = tomllib.loads((REPO / "config" / "default.toml").read_text(encoding="utf-8"))
    zone = template()["Parameters"]["ScheduleTimezone"]
    assert zone["Default"] == shipped["report"]["timezone"]
    # an IANA name, checked at the deployment rather than by Scheduler halfway through it
    for name in ("Asia/Shanghai", "America/Argentina/Buenos_Aires", "Etc/GMT+8", "UTC", "PRC"):
        assert re.fullmatch(zone["AllowedPattern"], name), name
    for name in ("", "Asia/Shanghai ", "+08:00", "Asia//Shanghai", "/Asia", "Asia/Shang hai"):
        assert not re.fullmatch(zone["AllowedPattern"], name), name
    render = resources()["RenderEditionFunction"]["Properties"]["Environment"]["Variables"]
    assert referenced(render["SCHEDULE_TIMEZONE"]) == "ScheduleTimezone"


def cron_minutes(expression: str) -> set[int]:
    """The minutes of the day a daily ``cron(m h * * ? *)`` fires at (lists, ranges, steps, ``*``)."""
    fields = expression.removeprefix("cron(").removesuffix(")").split()
    assert fields[2:] == ["*", "*", "?", "*"], f"not a daily expression: {expression}"

    def values(field: str, size: int) -> set[int]:
        found: set[int] = set()
        for part in field.split(","):
            span, _, step = part.partition("/")
            first, _, last = span.partition("-")
            start = 0 if span == "*" else int(first)
            end = size - 1 if span == "*" or (step and not last) else int(last or first)
            found |= set(range(start, end + 1, int(step or 1)))
        return found

    return {60 * hour + minute for hour in values(fields[1], 24) for minute in values(fields[0], 60)}


def test_the_edition_is_cut_once_the_fetches_before_it_have_stored_their_items() -> None:
    """A fetch stamps its new items first seen at its scheduled time: an edition cut at that same
    time races with it. The default edition comes after the last fetch before it has timed out."""
    defaults = {name: p.get("Default") for name, p in template()["Parameters"].items()}
    assert cron_minutes("cron(0 0/2 * * ? *)") == {120 * n for n in range(12)}
    assert cron_minutes("cron(5,35 7-8 * * ? *)") == {425, 455, 485, 515}
    (edition,) = cron_minutes(defaults["EditionSchedule"])
    (leaderboard,) = cron_minutes(defaults["LeaderboardSchedule"])
    feeds = cron_minutes(defaults["FeedSchedule"])
    assert edition == 8 * 60 + 10  # 08:10 in Shanghai
    for fetches, function in ((feeds, "FetchFeedsFunction"), ({leaderboard}, "FetchLeaderboardFunction")):
        timeout = functions()[function]["Properties"]["Timeout"]
        last = max(minute for minute in fetches if minute <= edition)
        assert (edition - last) * 60 > timeout, f"the edition may be cut before {function} has finished"


def test_the_email_function_listens_to_the_edition_topic() -> None:
    events = functions()["SendEmailFunction"]["Properties"]["Events"]
    (event,) = events.values()
    assert event["Type"] == "SNS"
    assert referenced(event["Properties"]["Topic"]) == "EditionTopic"


def test_asynchronous_invocations_fail_into_a_queue() -> None:
    config = globals_function()["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] <= 2
    on_failure = config["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "SQS"
    assert resources()[str(referenced(on_failure["Destination"]))]["Type"] == "AWS::SQS::Queue"


# ---------------------------------------------------------------- permissions


def test_policy_templates_are_scoped_to_resources_of_this_template() -> None:
    for name in functions():
        for policy in policies(name):
            assert isinstance(policy, dict), f"{name}: a managed policy ({policy}) is not least privilege"
            if "Statement" in policy:
                for statement in policy["Statement"]:
                    assert statement["Resource"] != "*" and "*" not in statement["Resource"], name
                    actions = (
                        statement["Action"]
                        if isinstance(statement["Action"], list)
                        else [statement["Action"]]
                    )
                    assert not any(action.endswith(":*") for action in actions), name
                continue
            ((kind, arguments),) = policy.items()
            if kind.startswith(SCOPED_TEMPLATE_PREFIXES):
                for value in arguments.values():
                    target = referenced(value)
                    assert target in resources(), f"{name}: {kind} is not scoped to a resource here"
            else:
                assert kind == "SSMParameterReadPolicy", f"{name}: unexpected policy template {kind}"
                named = json.dumps(arguments)
                assert "ConfigParameterName" in named or "TokenKeyParameterName" in named, name


def statements(function: str) -> dict[str, tuple[Any, Any]]:
    """Sid -> (Action, Resource) of a function's inline statements."""
    return {
        s["Sid"]: (s["Action"], s["Resource"])
        for p in policies(function)
        if "Statement" in p
        for s in p["Statement"]
    }


def test_each_function_may_do_what_its_use_case_needs_and_no_more() -> None:
    def grants(name: str) -> set[tuple[str, str | None]]:
        found = set()
        for policy in policies(name):
            if "Statement" not in policy:
                ((kind, arguments),) = policy.items()
                found.add((kind, referenced(next(iter(arguments.values())))))
        return found

    fetch = {("S3ReadPolicy", "RawBucket"), ("SSMParameterReadPolicy", None)}
    assert grants("FetchFeedsFunction") == fetch
    assert grants("FetchLeaderboardFunction") == fetch
    assert grants("RenderEditionFunction") == fetch | {
        ("S3ReadPolicy", "SiteBucket"),
        ("SNSPublishMessagePolicy", "EditionTopic"),
    }
    # objects only (S3WritePolicy adds ACLs and lifecycle rules), and what Powertools' idempotency
    # layer calls (DynamoDBCrudPolicy adds Scan, Query and the batch calls)
    idempotency = (
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        {"Fn::GetAtt": ["IdempotencyTable", "Arn"]},
    )

    # each writes only the raw bucket's prefixes its use case writes (repository.RawRepository's keys)
    def writes_raw(*prefixes: str) -> tuple[str, Any]:
        resources = [{"Fn::Sub": f"${{RawBucket.Arn}}/{prefix}/*"} for prefix in prefixes]
        return ("s3:PutObject", resources if len(resources) > 1 else resources[0])

    # the feed parsers read the raw bucket but for the sent log (who was mailed): denied, listed or read
    not_the_sent_log = {
        "NotTheSentLog": (["s3:GetObject", "s3:GetObjectVersion"], {"Fn::Sub": "${RawBucket.Arn}/sent/*"}),
        "NotTheSentLogListed": ("s3:ListBucket", {"Fn::GetAtt": ["RawBucket", "Arn"]}),
    }
    assert statements("FetchFeedsFunction") == {
        "WriteTheRawBucket": writes_raw("items", "seen", "aliases", "sources", "articles"),
        "UseTheIdempotencyTable": idempotency,
        **not_the_sent_log,
    }
    assert statements("FetchLeaderboardFunction") == {
        "WriteTheRawBucket": writes_raw("leaderboard", "sources"),
        "UseTheIdempotencyTable": idempotency,
        **not_the_sent_log,
    }
    for name in ("FetchFeedsFunction", "FetchLeaderboardFunction"):
        denied = {s["Sid"]: s for p in policies(name) if "Statement" in p for s in p["Statement"]}
        assert {denied[sid]["Effect"] for sid in not_the_sent_log} == {"Deny"}
        assert denied["NotTheSentLogListed"]["Condition"] == {"StringLike": {"s3:prefix": "sent/*"}}
    render = statements("RenderEditionFunction")
    # the model summarizers' grants, each under its own condition (test_the_model_summarizers_…)
    assert {sid: render.pop(sid)[0] for sid in ("InvokeTheSummarizerModels", "ReadTheSummarizerKey")} == {
        "InvokeTheSummarizerModels": "bedrock:InvokeModel",
        "ReadTheSummarizerKey": "ssm:GetParameter",
    }
    assert render == {
        "WriteTheRawBucket": writes_raw("editions"),
        "WriteTheSiteBucket": ("s3:PutObject", {"Fn::Sub": "${SiteBucket.Arn}/*"}),
        "UseTheIdempotencyTable": idempotency,
        # the pages of a rebuilt edition, at this stack's distribution only
        "InvalidateTheSite": (
            "cloudfront:CreateInvalidation",
            {
                "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/"
                "${SiteDistribution}"
            },
        ),
    }
    # the fan-out reads the edition and the active ids, and enqueues
    assert grants("SendEmailFunction") == {
        ("S3ReadPolicy", "RawBucket"),
        ("SQSSendMessagePolicy", "SendQueue"),
        ("SSMParameterReadPolicy", None),
    }
    assert statements("SendEmailFunction") == {
        "ListTheActiveSubscribers": (
            "dynamodb:Scan",
            {"Fn::Sub": "${SubscribersTable.Arn}/index/ActiveIndex"},
        )
    }
    # the batch sender writes only its sent log in the raw bucket, and sends only as the sender
    assert grants("SendBatchFunction") == {("S3ReadPolicy", "RawBucket"), ("SSMParameterReadPolicy", None)}
    batch = statements("SendBatchFunction")
    assert batch["WriteTheSentLog"] == ("s3:PutObject", {"Fn::Sub": "${RawBucket.Arn}/sent/*"})
    assert batch["ReadTheBatchSubscribers"] == (
        "dynamodb:BatchGetItem",
        {"Fn::GetAtt": ["SubscribersTable", "Arn"]},
    )
    assert sorted(batch["SendTheEmailEdition"][0]) == ["ses:SendEmail", "ses:SendRawEmail"]
    assert set(batch) == {"WriteTheSentLog", "ReadTheBatchSubscribers", "SendTheEmailEdition"}
    # the endpoints read and write one subscriber at a time and send the confirmation mail
    assert grants("SubscriptionFunction") == {("SSMParameterReadPolicy", None)}
    endpoints = statements("SubscriptionFunction")
    assert endpoints["ReadAndWriteSubscribers"] == (
        ["dynamodb:GetItem", "dynamodb:PutItem"],
        {"Fn::GetAtt": ["SubscribersTable", "Arn"]},
    )
    # (and the configuration object, when there is one: test_only_the_configuration_s_readers_…)
    assert set(endpoints) == {"ReadAndWriteSubscribers", "SendTheConfirmationMail", "ReadTheConfigObject"}
    assert endpoints["SendTheConfirmationMail"][1] == batch["SendTheEmailEdition"][1]
    # the bounce handler only suppresses (it reads no configuration, no parameter at all)
    assert grants("BounceFunction") == set()
    assert statements("BounceFunction") == {
        "SuppressSubscribers": (
            ["dynamodb:GetItem", "dynamodb:PutItem"],
            {"Fn::GetAtt": ["SubscribersTable", "Arn"]},
        )
    }
    # the unsubscribe mailbox's function unsubscribes one subscriber at a time, and sends nothing (its
    # one parameter is the token key)
    assert grants("UnsubscribeMailFunction") == {("SSMParameterReadPolicy", None)}
    assert statements("UnsubscribeMailFunction") == {
        "UnsubscribeSubscribers": (
            ["dynamodb:GetItem", "dynamodb:PutItem"],
            {"Fn::GetAtt": ["SubscribersTable", "Arn"]},
        )
    }
    # the token key: only the functions that sign or check links may read it
    readers = {
        name
        for name in functions()
        for policy in policies(name)
        if "SSMParameterReadPolicy" in policy and "TokenKeyParameterName" in json.dumps(policy)
    }
    assert readers == {"SubscriptionFunction", "SendBatchFunction", "UnsubscribeMailFunction"}


def test_no_function_may_write_the_whole_raw_bucket() -> None:
    # The fetch functions parse hostile feed bytes: written anywhere, they could replace a stored
    # edition (republished byte for byte) or the sent log (who gets mail). Each write names a prefix.
    writers = set()
    for name in functions():
        for policy in policies(name):
            for statement in policy.get("Statement", []):
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                targets = (
                    statement["Resource"]
                    if isinstance(statement["Resource"], list)
                    else [statement["Resource"]]
                )
                for target in targets:
                    if "${RawBucket.Arn}/" not in json.dumps(target) or not any(
                        a.startswith("s3:Put") for a in actions
                    ):
                        continue
                    writers.add(name)
                    prefix = target["Fn::Sub"].removeprefix("${RawBucket.Arn}/")
                    assert re.fullmatch(r"[a-z]+/\*", prefix), f"{name} may write {prefix} in the raw bucket"
                    assert prefix != "config/*", f"{name} may replace the configuration (ConfigObjectKey)"
    assert writers == {
        "FetchFeedsFunction",
        "FetchLeaderboardFunction",
        "RenderEditionFunction",
        "SendBatchFunction",
    }


def test_only_the_render_function_knows_the_distribution_it_invalidates() -> None:
    for name in functions():
        distribution = variables(name).get("DISTRIBUTION_ID")
        if name == "RenderEditionFunction":
            assert referenced(distribution) == "SiteDistribution"
        else:
            assert distribution is None, name
            assert "cloudfront:" not in json.dumps(list(policies(name))), name


# ---------------------------------------------------------------- the configuration object

CONFIG_OBJECT = {"ConfigObjectKey": "config/config.toml"}
# the functions whose deployment loads the configuration (service.Deployment, delivery.MailDeployment)
CONFIG_READERS = {
    "FetchFeedsFunction",
    "FetchLeaderboardFunction",
    "RenderEditionFunction",
    "SendEmailFunction",
    "SendBatchFunction",
    "SubscriptionFunction",
}


def test_only_the_configuration_s_readers_may_read_the_configuration_object() -> None:
    for name in functions():
        code = (REPO / functions()[name]["Properties"]["CodeUri"] / "app.py").read_text(encoding="utf-8")
        assert ("Deployment.from_env" in code) == (name in CONFIG_READERS), name
        policies = deployed_policies(name, **CONFIG_OBJECT)
        reads_raw = {"S3ReadPolicy": {"BucketName": {"Ref": "RawBucket"}}} in policies
        statements = deployed_statements(name, **CONFIG_OBJECT)
        if name == "SubscriptionFunction":  # the one object alone: the endpoints read nothing else there
            assert not reads_raw
            assert statements["ReadTheConfigObject"] == (
                "s3:GetObject",
                "${RawBucket.Arn}/config/config.toml",
            )
        else:  # the others read the whole raw bucket already (S3ReadPolicy); the rest not at all
            assert reads_raw == (name in CONFIG_READERS), name
            assert "ReadTheConfigObject" not in statements, name
    # without the parameter, no such statement
    assert "ReadTheConfigObject" not in deployed_statements("SubscriptionFunction")


def test_only_the_configuration_s_readers_may_read_the_configuration_parameter() -> None:
    # the bounce and unsubscribe-mail functions build the subscribers table alone: no configuration
    parameter = {"ConfigParameterName": "/ai-news-tracker/config"}
    for name in functions():
        reads = mentions(deployed_policies(name, **parameter), "ai-news-tracker/config")
        assert reads == (name in CONFIG_READERS), name
        assert not mentions(deployed_policies(name), "ai-news-tracker/config"), name  # none without it


def test_the_configuration_object_is_a_key_under_config_which_nothing_writes_or_expires() -> None:
    parameter = template()["Parameters"]["ConfigObjectKey"]
    assert (parameter["Type"], parameter["Default"]) == ("String", "")
    for key in ("", "config/config.toml", "config/prod/ai-news-tracker.toml"):
        assert re.fullmatch(parameter["AllowedPattern"], key), key
    for key in (
        "config/",
        "config/*",
        "config/a?.toml",
        "config/../items/x",
        "items/x.json",
        "/config/c",
        "c",
    ):
        assert not re.fullmatch(parameter["AllowedPattern"], key), key
    # the lifecycle rules expire other prefixes (the versions replaced expire after 30 days)
    rules = resources()["RawBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert all(not "config/".startswith(rule.get("Prefix", "-")) for rule in rules)
    operations = next(
        g
        for g in template()["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
        if "ConfigParameterName" in g["Parameters"]
    )
    assert "ConfigObjectKey" in operations["Parameters"]


def test_the_configuration_is_taken_from_one_place_only() -> None:
    (assertion,) = template()["Rules"]["ConfigInOnePlace"]["Assertions"]
    condition = template()["Rules"]["ConfigInOnePlace"]["RuleCondition"]

    def refused(**values: str) -> bool:
        resolved = parameter_values(**values)
        return bool(resolve(condition, resolved)) and not resolve(assertion["Assert"], resolved)

    both = {"ConfigParameterName": "/ai-news-tracker/config", **CONFIG_OBJECT}
    assert refused(**both)
    assert not refused(**CONFIG_OBJECT)
    assert not refused(ConfigParameterName="/ai-news-tracker/config")
    assert not refused()
    assert "ConfigObjectKey" in assertion["AssertDescription"]


# ---------------------------------------------------------------- the model summarizers' permissions

PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "ap-northeast-1", "AWS::AccountId": "123456789012"}
MODEL = "arn:aws:bedrock:ap-northeast-1::foundation-model/deepseek.v3-v1:0"
PROFILE = "arn:aws:bedrock:ap-northeast-1:123456789012:inference-profile/apac.amazon.nova-lite-v1:0"
NO_VALUE = object()


def parameter_values(**overrides: str) -> dict[str, Any]:
    """The stack's parameter values as CloudFormation sees them: defaults, overrides, lists split."""
    values: dict[str, Any] = {}
    for name, parameter in template()["Parameters"].items():
        value = str(overrides.get(name, parameter.get("Default", "")))
        values[name] = value.split(",") if parameter["Type"] == "CommaDelimitedList" else value
    return {**values, **PSEUDO}


def resolve(value: Any, values: dict[str, Any]) -> Any:
    """``value`` with the intrinsic functions the policies and conditions use evaluated; a ``Ref`` or
    ``${…}`` of a resource is left as it is. ``Fn::If`` drops ``AWS::NoValue`` (:data:`NO_VALUE`)."""
    if isinstance(value, list):
        return [r for r in (resolve(v, values) for v in value) if r is not NO_VALUE]
    if isinstance(value, dict) and len(value) == 1:
        ((name, argument),) = value.items()
        return _intrinsic(name, argument, values)
    if isinstance(value, dict):
        return {k: r for k, r in ((k, resolve(v, values)) for k, v in value.items()) if r is not NO_VALUE}
    return value


_OPERATIONS = {
    "Fn::Join": lambda a: a[0].join(a[1]),
    "Fn::Split": lambda a: a[1].split(a[0]),
    "Fn::Select": lambda a: a[1][int(a[0])],
    "Fn::Equals": lambda a: a[0] == a[1],
    "Fn::Not": lambda a: not a[0],
    "Fn::And": all,
    "Fn::Or": any,
}


def _intrinsic(name: str, argument: Any, values: dict[str, Any]) -> Any:
    if name == "Ref":
        return NO_VALUE if argument == "AWS::NoValue" else values.get(argument, {name: argument})
    if name in ("Condition", "Fn::If"):
        condition, *branches = [argument] if name == "Condition" else argument
        holds = resolve(template()["Conditions"][condition], values)
        return holds if not branches else resolve(branches[0] if holds else branches[1], values)
    if name == "Fn::Sub":
        text, names = (argument, {}) if isinstance(argument, str) else argument
        scope = {**values, **{k: resolve(v, values) for k, v in names.items()}}
        return re.sub(r"\$\{([\w:]+)\}", lambda m: str(scope.get(m[1], m[0])), text)
    args = resolve(argument, values)
    return _OPERATIONS[name](args) if name in _OPERATIONS else {name: args}


def deployed_policies(function: str, **overrides: str) -> list[Any]:
    """A function's policies as a stack with these parameter values deploys them."""
    values = parameter_values(**overrides)
    return [
        p
        for p in (resolve(p, values) for p in functions()[function]["Properties"].get("Policies", []))
        if p is not NO_VALUE
    ]


def deployed_statements(function: str, **overrides: str) -> dict[str, tuple[Any, Any]]:
    """Sid -> (Action, Resource) of a function's inline statements, deployed with these values."""
    return {
        s["Sid"]: (s["Action"], s["Resource"])
        for p in deployed_policies(function, **overrides)
        if "Statement" in p
        for s in p["Statement"]
    }


def mentions(policies: list[Any], *words: str) -> bool:
    return any(word in json.dumps(policies) for word in words)


SUMMARIZERS_ON = {
    "SummarizerModelArns": f"{MODEL},{PROFILE}",
    "SummarizerKeyParameterName": "/ai-news-tracker/deepseek-key",
}


def test_the_resolver_evaluates_the_template_s_conditions() -> None:
    # the trap the condition avoids: a CommaDelimitedList's default "" is [""], which is not ""
    assert parameter_values()["SummarizerModelArns"] == [""]
    assert resolve({"Condition": "HasSummarizerModels"}, parameter_values()) is False
    assert resolve({"Condition": "HasSummarizerModels"}, parameter_values(**SUMMARIZERS_ON)) is True
    assert resolve({"Condition": "HasSummarizerKeyParameter"}, parameter_values()) is False
    assert resolve({"Condition": "HasSummarizerKeyParameter"}, parameter_values(**SUMMARIZERS_ON)) is True
    # and it resolves the template's other SSM parameter ARNs the way SAM's policy template gets them
    (config,) = [
        p["SSMParameterReadPolicy"]["ParameterName"]
        for p in deployed_policies("RenderEditionFunction", ConfigParameterName="/ai-news-tracker/config")
        if "SSMParameterReadPolicy" in p
    ]
    assert config == "ai-news-tracker/config"


def test_by_default_no_function_may_call_a_model_or_read_a_summarizer_key() -> None:
    for name in functions():
        policies = deployed_policies(name)
        assert not mentions(policies, "bedrock:", "Summarizer"), name
    # the render function reads no SSM parameter at all, and with a configuration parameter only that one
    assert not mentions(deployed_policies("RenderEditionFunction"), "ssm:", "SSMParameterReadPolicy")
    assert set(deployed_statements("RenderEditionFunction")) == {
        "WriteTheRawBucket",
        "WriteTheSiteBucket",
        "UseTheIdempotencyTable",
        "InvalidateTheSite",
    }
    with_config = deployed_policies("RenderEditionFunction", ConfigParameterName="/ai-news-tracker/config")
    assert [p for p in with_config if mentions([p], "ssm:", "SSMParameterReadPolicy")] == [
        {"SSMParameterReadPolicy": {"ParameterName": "ai-news-tracker/config"}}
    ]


def test_with_the_parameters_set_only_the_render_function_may_invoke_the_models_and_read_the_key() -> None:
    render = deployed_statements("RenderEditionFunction", **SUMMARIZERS_ON)
    # Converse, not streamed (summarizers.py never calls converse_stream): InvokeModel on these ARNs alone
    assert render["InvokeTheSummarizerModels"] == ("bedrock:InvokeModel", [MODEL, PROFILE])
    # what Powertools' get_parameter calls, on exactly that parameter (decrypted under aws/ssm: no KMS)
    assert render["ReadTheSummarizerKey"] == (
        "ssm:GetParameter",
        "arn:aws:ssm:ap-northeast-1:123456789012:parameter/ai-news-tracker/deepseek-key",
    )
    policies = deployed_policies("RenderEditionFunction", **SUMMARIZERS_ON)
    assert not mentions(policies, "kms:", "InvokeModelWithResponseStream", "ssm:GetParameters")
    # each parameter alone adds its own statement only
    alone = deployed_statements("RenderEditionFunction", SummarizerModelArns=MODEL)
    assert alone["InvokeTheSummarizerModels"] == ("bedrock:InvokeModel", [MODEL])
    assert "ReadTheSummarizerKey" not in alone
    alone = deployed_statements("RenderEditionFunction", SummarizerKeyParameterName="deepseek-key")
    assert "InvokeTheSummarizerModels" not in alone
    # a name without the leading "/" (not hierarchical) has the same ARN form
    assert alone["ReadTheSummarizerKey"][1] == (
        "arn:aws:ssm:ap-northeast-1:123456789012:parameter/deepseek-key"
    )
    for name in set(functions()) - {"RenderEditionFunction"}:
        policies = deployed_policies(name, **SUMMARIZERS_ON)
        assert not mentions(policies, "bedrock:", "Summarizer", "deepseek"), name


def test_the_summarizer_parameters_are_optional_checked_and_grouped() -> None:
    parameters = template()["Parameters"]
    models, key = parameters["SummarizerModelArns"], parameters["SummarizerKeyParameterName"]
    assert (models["Type"], models["Default"]) == ("CommaDelimitedList", "")
    assert (key["Type"], key["Default"]) == ("String", "")
    # CloudFormation applies a CommaDelimitedList's pattern to each value
    for arn in ("", MODEL, PROFILE, "arn:aws:bedrock:::foundation-model/x.y-v1:0"):
        assert re.match(models["AllowedPattern"], arn), arn
    for arn in ("*", "arn:aws:s3:::bucket", "arn:aws:bedrock:*::foundation-model/x", MODEL + " x"):
        assert not re.match(models["AllowedPattern"], arn), arn
    for name in ("", "/ai-news-tracker/deepseek-key", "deepseek-key"):
        assert re.match(key["AllowedPattern"], name), name
    for name in ("ai-news-tracker/deepseek-key", "/a//b", "/a b", "arn:aws:ssm:x"):
        assert not re.match(key["AllowedPattern"], name), name
    groups = template()["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    grouped = [name for group in groups for name in group["Parameters"]]
    assert sorted(grouped) == sorted(parameters)
    # the code calls Converse and nothing streamed: bedrock:InvokeModel is the whole grant
    source = (REPO / "layers" / "core" / "ai_news_tracker" / "summarizers.py").read_text(encoding="utf-8")
    assert ".converse(" in source and "converse_stream" not in source


# ---------------------------------------------------------------- alarms and outputs


def alarms() -> list[dict[str, Any]]:
    return [a["Properties"] for a in resources("AWS::CloudWatch::Alarm").values()]


def test_alarms_go_to_the_ops_topic() -> None:
    assert alarms()
    for alarm in alarms():
        assert [referenced(action) for action in alarm["AlarmActions"]] == ["OpsTopic"]
    errors = {referenced(a["Dimensions"][0]["Value"]) for a in alarms() if a["MetricName"] == "Errors"}
    assert errors == set(functions())
    assert any(a["MetricName"] == "ApproximateNumberOfMessagesVisible" for a in alarms())


def test_the_edition_and_source_alarms_watch_what_powertools_emits() -> None:
    env = globals_function()["Environment"]["Variables"]
    service = [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    (edition,) = [a for a in alarms() if a["MetricName"] == "EditionPublished"]
    assert edition["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert edition["Dimensions"] == service
    # 26 hours without one, hour by hour: a single 24-hour period slides, and held no edition whenever
    # a day's render ended later than the day before's (a false alarm every other day)
    assert (edition["Statistic"], edition["Period"], edition["Threshold"]) == ("Sum", 3600, 1)
    assert edition["EvaluationPeriods"] == edition["DatapointsToAlarm"] == 26
    assert edition["ComparisonOperator"] == "LessThanThreshold"
    assert edition["TreatMissingData"] == "breaching"
    (source,) = [a for a in alarms() if a["MetricName"] == "MaxConsecutiveFailures"]
    assert source["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert source["Dimensions"] == service
    assert (source["Statistic"], source["Threshold"]) == ("Maximum", 3)
    # a window longer than the fetch interval (2 hours) holds a run's value at every evaluation: with one
    # as long, it fell between two runs, and a failing source's alarm went OK and back each run
    feed_interval = 2 * 3600
    assert "0/2 " in template()["Parameters"]["FeedSchedule"]["Default"]
    for alarm in alarms():
        if alarm["MetricName"] in ("MaxConsecutiveFailures", "MaxQuietHours"):
            assert alarm["Period"] > feed_interval and alarm["EvaluationPeriods"] == 1
    assert source["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    # every alarm on a metric of ours reads this stack's namespace, with the dimension Powertools adds
    ours = [a for a in alarms() if not str(a["Namespace"]).startswith("AWS/")]
    assert {a["MetricName"] for a in ours} == {
        "EditionPublished",
        "EditionItems",
        "MaxConsecutiveFailures",
        "MaxQuietHours",
        "ConfirmationsFailed",
        "SubscribeOverBudget",
        "InvalidationsFailed",
        "ConfigurationFailed",
        "SubscriberStoreFailed",
        "EmailBatchErrors",
        "LeaderboardStaleDays",
        "SummarizerFallback",
    }
    for alarm in ours:
        assert (alarm["Namespace"], alarm["Dimensions"]) == (env["POWERTOOLS_METRICS_NAMESPACE"], service)
    # a feed answering for three days with nothing new; an edition without items
    (quiet,) = [a for a in alarms() if a["MetricName"] == "MaxQuietHours"]
    assert (quiet["Statistic"], quiet["Threshold"], quiet["ComparisonOperator"]) == (
        "Maximum",
        72,
        "GreaterThanOrEqualToThreshold",
    )
    (empty,) = [a for a in alarms() if a["MetricName"] == "EditionItems"]
    assert (empty["Statistic"], empty["Threshold"], empty["ComparisonOperator"]) == (
        "Minimum",
        1,
        "LessThanThreshold",
    )
    # an edition whose leaderboard is older than max_age_days (0 while it is not): a publisher that
    # stopped updating its file fails no fetch
    (stale,) = [a for a in alarms() if a["MetricName"] == "LeaderboardStaleDays"]
    assert (stale["Statistic"], stale["Threshold"], stale["ComparisonOperator"]) == (
        "Maximum",
        1,
        "GreaterThanOrEqualToThreshold",
    )
    # an edition whose key points are the extractive ones for a model that failed (or was not asked)
    (fallback,) = [a for a in alarms() if a["MetricName"] == "SummarizerFallback"]
    assert (fallback["Statistic"], fallback["Threshold"], fallback["ComparisonOperator"]) == (
        "Maximum",
        1,
        "GreaterThanOrEqualToThreshold",
    )
    # all measured once a day: in alarm while the edition of any of the last 26 hours was so, hour by
    # hour (a single 24-hour period slides: OK, then a second alarm, whenever a render ended later)
    for daily in (stale, empty, fallback):
        assert (daily["Period"], daily["EvaluationPeriods"], daily["DatapointsToAlarm"]) == (3600, 26, 1)
        assert daily["TreatMissingData"] == "notBreaching"
    # a render whose CloudFront invalidation failed (it succeeds: the pages stay cached up to a day)
    (cdn,) = [a for a in alarms() if a["MetricName"] == "InvalidationsFailed"]
    assert (cdn["Statistic"], cdn["Threshold"], cdn["ComparisonOperator"], cdn["TreatMissingData"]) == (
        "Sum",
        0,
        "GreaterThanThreshold",
        "notBreaching",
    )
    # failures that are no Lambda error, rung within minutes: the subscription endpoints answering 503 (a
    # configuration or the table unusable), a send batch failing for no fault of SES
    for metric in ("ConfigurationFailed", "SubscriberStoreFailed", "EmailBatchErrors"):
        (down,) = [a for a in alarms() if a["MetricName"] == metric]
        assert (down["Statistic"], down["Period"], down["Threshold"], down["ComparisonOperator"]) == (
            "Sum",
            300,
            0,
            "GreaterThanThreshold",
        )
        assert down["TreatMissingData"] == "notBreaching"


def test_the_ses_reputation_alarms_ring_before_ses_reviews_the_account() -> None:
    ses = {a["MetricName"]: a for a in alarms() if a["Namespace"] == "AWS/SES"}
    assert set(ses) == {"Reputation.BounceRate", "Reputation.ComplaintRate"}
    assert 0 < ses["Reputation.BounceRate"]["Threshold"] < 0.05  # SES reviews an account at 5 %
    assert 0 < ses["Reputation.ComplaintRate"]["Threshold"] < 0.001  # and at 0.1 %
    for alarm in ses.values():
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"  # no mail sent, no rate


def test_parameters_and_outputs() -> None:
    parameters = template()["Parameters"]
    for name in (
        "EditionSchedule",
        "FeedSchedule",
        "LeaderboardSchedule",
        "SenderAddress",
        "CustomDomainName",
        "CertificateArn",
        "ConfigParameterName",
        "ConfigObjectKey",
        "LogLevel",
        "AlarmEmail",
    ):
        assert name in parameters
    for optional in (
        "CustomDomainName",
        "CertificateArn",
        "ConfigParameterName",
        "ConfigObjectKey",
        "AlarmEmail",
    ):
        assert parameters[optional]["Default"] == ""
    outputs = template()["Outputs"]
    for name in (
        "ReportUrl",
        "SiteUrl",
        "RawBucketName",
        "SiteBucketName",
        "EditionTopicArn",
        "OpsTopicArn",
        "DistributionId",
    ):
        assert name in outputs
    # a page that exists (the site bucket has no object at reports/, and the root object serves / only)
    assert outputs["ReportUrl"]["Value"]["Fn::If"][1:] == [
        {"Fn::Sub": "https://${CustomDomainName}/latest.html"},
        {"Fn::Sub": "https://${SiteDistribution.DomainName}/latest.html"},
    ]
    assert "latest.html" in outputs["ReportUrl"]["Description"]


# ---------------------------------------------------------------- email subscriptions


def test_the_subscribers_table_has_a_sparse_active_index_and_expires_pending_records() -> None:
    table = resources()["SubscribersTable"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    (index,) = props["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "ActiveIndex"  # subscribers.ACTIVE_INDEX
    assert index["KeySchema"] == [{"AttributeName": "active_id", "KeyType": "HASH"}]
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}  # no address in the index
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_the_send_queue_retries_three_times_into_an_alarmed_dead_letter_queue() -> None:
    queue = resources()["SendQueue"]["Properties"]
    redrive = queue["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == 3
    assert referenced(redrive["deadLetterTargetArn"]) == "EmailDeadLetterQueue"
    assert queue["SqsManagedSseEnabled"] is True
    sender = functions()["SendBatchFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * sender["Timeout"]
    (event,) = sender["Events"].values()
    assert event["Type"] == "SQS" and referenced(event["Properties"]["Queue"]) == "SendQueue"
    props = event["Properties"]
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= props["BatchSize"] <= 5
    # the senders share the SES rate: their number is what each one divides it by
    concurrency = props["ScalingConfig"]["MaximumConcurrency"]
    assert variables("SendBatchFunction")["SEND_CONCURRENCY"] == str(concurrency)
    assert referenced(variables("SendBatchFunction")["MAX_SEND_RATE"]) == "EmailSendRate"
    watched = {
        referenced(a["Dimensions"][0]["Value"])
        for a in alarms()
        if a["MetricName"] == "ApproximateNumberOfMessagesVisible"
    }
    assert watched == {"DeadLetterQueue", "EmailDeadLetterQueue"}
    policy = resources()["EmailQueuesPolicy"]["Properties"]
    assert {referenced(q) for q in policy["Queues"]} == {"SendQueue", "EmailDeadLetterQueue"}
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["PolicyDocument"]["Statement"]
    )


def test_the_fan_out_listens_to_the_edition_topic_and_feeds_the_send_queue() -> None:
    env = variables("SendEmailFunction")
    assert referenced(env["SEND_QUEUE_URL"]) == "SendQueue"
    assert referenced(env["SUBSCRIBERS_TABLE"]) == "SubscribersTable"
    assert "TOKEN_KEY_PARAMETER" not in env  # it signs nothing


def test_the_subscription_api_has_cors_from_a_parameter_throttling_and_five_routes() -> None:
    # Plain API Gateway resources: a SAM HttpApi's body names the function, a circular dependency
    # here (test_no_resource_depends_on_itself_through_others)
    api = resources()["SubscriptionApi"]
    assert api["Type"] == "AWS::ApiGatewayV2::Api"
    assert api["Properties"]["ProtocolType"] == "HTTP"
    assert "SubscriptionFunction" not in dependencies(api)
    cors = api["Properties"]["CorsConfiguration"]
    assert referenced(cors["AllowOrigins"]) == "SubscriptionAllowedOrigins"
    assert cors["AllowMethods"] == ["GET", "POST"]
    assert "Events" not in functions()["SubscriptionFunction"]["Properties"]
    # one stage, deployed with every change, each route throttled, POST /subscribe (it sends mail) more
    (stage,) = resources("AWS::ApiGatewayV2::Stage").values()
    assert referenced(stage["Properties"]["ApiId"]) == "SubscriptionApi"
    assert stage["Properties"]["StageName"] == "$default" and stage["Properties"]["AutoDeploy"] is True
    assert sorted(stage["DependsOn"]) == sorted(resources("AWS::ApiGatewayV2::Route"))
    throttle = stage["Properties"]["DefaultRouteSettings"]
    assert 0 < throttle["ThrottlingRateLimit"] <= throttle["ThrottlingBurstLimit"] <= 100
    routes = {r["Properties"]["RouteKey"] for r in resources("AWS::ApiGatewayV2::Route").values()}
    (subscribe,) = stage["Properties"]["RouteSettings"].items()
    assert subscribe[0] == "POST /subscribe" and subscribe[0] in routes
    assert 0 < subscribe[1]["ThrottlingRateLimit"] < throttle["ThrottlingRateLimit"]
    assert subscribe[1]["ThrottlingBurstLimit"] < throttle["ThrottlingBurstLimit"]
    # one Lambda proxy integration of the function, with the payload (2.0) APIGatewayHttpResolver reads
    integrations = resources("AWS::ApiGatewayV2::Integration")
    assert list(integrations) == ["SubscriptionIntegration"]
    integration = integrations["SubscriptionIntegration"]["Properties"]
    assert referenced(integration["ApiId"]) == "SubscriptionApi"
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": ["SubscriptionFunction", "Arn"]}
    assert integration["PayloadFormatVersion"] == "2.0"
    # the five routes of functions/subscription/app.py, each to that integration
    routes = [r["Properties"] for r in resources("AWS::ApiGatewayV2::Route").values()]
    assert {referenced(r["ApiId"]) for r in routes} == {"SubscriptionApi"}
    assert all(r["Target"] == {"Fn::Sub": "integrations/${SubscriptionIntegration}"} for r in routes)
    route_keys = sorted(r["RouteKey"] for r in routes)
    assert route_keys == sorted(
        ["POST /subscribe", "GET /confirm", "POST /confirm", "GET /unsubscribe", "POST /unsubscribe"]
    )
    handler = (REPO / "functions/subscription/app.py").read_text(encoding="utf-8")
    declared = re.findall(r'^@app\.(get|post)\("([^"]+)"\)', handler, re.MULTILINE)
    assert sorted(f"{method.upper()} {path}" for method, path in declared) == route_keys
    # only API Gateway, for this API of this account, may invoke the function
    (permission,) = [
        r["Properties"]
        for r in resources("AWS::Lambda::Permission").values()
        if r["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert referenced(permission["FunctionName"]) == "SubscriptionFunction"
    assert permission["Action"] == "lambda:InvokeFunction"
    assert referenced(permission["SourceAccount"]) == "AWS::AccountId"
    source_arn = permission["SourceArn"]["Fn::Sub"]
    assert source_arn == "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:" + (
        "${SubscriptionApi}/*/*/*"
    )
    env = variables("SubscriptionFunction")
    assert env["ALLOWED_ORIGINS"] == {"Fn::Join": [",", {"Ref": "SubscriptionAllowedOrigins"}]}
    assert referenced(env["TOKEN_KEY_PARAMETER"]) == "TokenKeyParameterName"
    # the links of the editions point at this API
    assert "${SubscriptionApi}" in variables("SendBatchFunction")["SUBSCRIPTION_API_URL"]["Fn::Sub"]
    api_url = template()["Outputs"]["SubscriptionApiUrl"]["Value"]
    assert api_url == {"Fn::Sub": "https://${SubscriptionApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}


def test_bounces_and_complaints_go_from_the_configuration_set_to_the_bounce_function() -> None:
    destination = resources()["EmailEventDestination"]["Properties"]
    assert referenced(destination["ConfigurationSetName"]) == "EmailConfigurationSet"
    event_destination = destination["EventDestination"]
    assert event_destination["Enabled"] is True
    assert sorted(event_destination["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert referenced(event_destination["SnsDestination"]["TopicARN"]) == "EmailEventsTopic"
    (statement,) = resources()["EmailEventsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"} and statement["Action"] == "sns:Publish"
    condition = statement["Condition"]["StringEquals"]
    assert "configuration-set/${EmailConfigurationSet}" in condition["AWS:SourceArn"]["Fn::Sub"]
    (event,) = functions()["BounceFunction"]["Properties"]["Events"].values()
    assert event["Type"] == "SNS" and referenced(event["Properties"]["Topic"]) == "EmailEventsTopic"
    assert referenced(event["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]) == "EmailDeadLetterQueue"


def test_mail_to_the_unsubscribe_mailbox_reaches_its_function_only_when_configured() -> None:
    # Given both parameters: an own mailbox and the account's active receipt rule set
    conditions = template()["Conditions"]
    assert conditions["ReceivesUnsubscribeMail"] == {
        "Fn::And": [
            {"Condition": "HasUnsubscribeMailbox"},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "UnsubscribeReceiptRuleSet"}, ""]}]},
        ]
    }
    assert template()["Parameters"]["UnsubscribeReceiptRuleSet"]["Default"] == ""
    rule = resources()["UnsubscribeMailRule"]
    permission = resources()["UnsubscribeMailPermission"]
    assert rule["Condition"] == permission["Condition"] == "ReceivesUnsubscribeMail"
    # the rule joins that set, takes mail to the mailbox alone, scanned, and invokes asynchronously
    properties = rule["Properties"]
    assert referenced(properties["RuleSetName"]) == "UnsubscribeReceiptRuleSet"
    assert [referenced(r) for r in properties["Rule"]["Recipients"]] == ["UnsubscribeMailbox"]
    assert properties["Rule"]["ScanEnabled"] is True and properties["Rule"]["Enabled"] is True
    ((action,),) = [[a["LambdaAction"] for a in properties["Rule"]["Actions"]]]
    assert referenced(action["FunctionArn"]) == "UnsubscribeMailFunction"
    assert action["InvocationType"] == "Event"
    assert rule["DependsOn"] == "UnsubscribeMailPermission"  # SES checks it may invoke when the rule is made
    # and only SES, for this account and this rule, may invoke the function
    grant = permission["Properties"]
    assert grant["Principal"] == "ses.amazonaws.com" and grant["Action"] == "lambda:InvokeFunction"
    assert referenced(grant["FunctionName"]) == "UnsubscribeMailFunction"
    assert referenced(grant["SourceAccount"]) == "AWS::AccountId"
    assert grant["SourceArn"]["Fn::Sub"].endswith(
        ":receipt-rule-set/${UnsubscribeReceiptRuleSet}:receipt-rule/${AWS::StackName}-unsubscribe"
    )
    assert properties["Rule"]["Name"] == {"Fn::Sub": "${AWS::StackName}-unsubscribe"}
    # and the mails offer a mailto: link only then: one nobody processes would lose the request
    offered = {name: variables(name).get("UNSUBSCRIBE_MAILTO") for name in functions()}
    offered = {name: value for name, value in offered.items() if value is not None}
    assert offered and all(
        value == {"Fn::If": ["ReceivesUnsubscribeMail", {"Ref": "UnsubscribeMailbox"}, ""]}
        for value in offered.values()
    )


def test_the_subscription_parameters_and_outputs() -> None:
    parameters = template()["Parameters"]
    assert parameters["TokenKeyParameterName"]["Default"].startswith("/")
    assert parameters["SubscriptionAllowedOrigins"]["Type"] == "CommaDelimitedList"
    assert parameters["EmailSendRate"]["Type"] == "Number"
    assert parameters["UnsubscribeMailbox"]["Default"] == ""
    outputs = template()["Outputs"]
    for name in ("SubscriptionApiUrl", "SubscribersTableName", "SendQueueUrl", "EmailDeadLetterQueueUrl"):
        assert name in outputs


# ---------------------------------------------------------------- sample events


def snake(logical_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", logical_id.removesuffix("Function")).lower()


def test_every_function_has_a_sample_event() -> None:
    for name in functions():
        event = json.loads((REPO / "events" / f"{snake(name)}.json").read_text(encoding="utf-8"))
        if name in scheduled():
            assert datetime.fromisoformat(event["scheduled_time"]).tzinfo is not None
    render = json.loads((REPO / "events" / "render_edition.json").read_text(encoding="utf-8"))
    assert render == {"scheduled_time": "2026-11-20T00:10:00Z"}  # 08:10 in Shanghai: EditionSchedule


def test_the_email_sample_event_is_an_sns_record_of_an_announcement() -> None:
    event = json.loads((REPO / "events" / "send_email.json").read_text(encoding="utf-8"))
    (record,) = event["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["Sns"]["Subject"].isascii()  # SNS refuses other subjects
    message = json.loads(record["Sns"]["Message"])
    assert message["date"] == "2026-11-20"
    assert message["url"].endswith("/reports/2026-11-20.md")
    assert message["key_points"]


def test_the_sample_events_of_the_email_functions_are_what_they_expect() -> None:
    from ai_news_tracker.delivery import parse_batch
    from ai_news_tracker.subscribers import suppressions

    def event(name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((REPO / "events" / f"{name}.json").read_text(encoding="utf-8"))
        return loaded

    (record,) = event("send_batch")["Records"]
    assert record["eventSource"] == "aws:sqs"
    assert parse_batch(record["body"]).date.isoformat() == "2026-11-20"
    (record,) = event("bounce")["Records"]
    assert suppressions(json.loads(record["Sns"]["Message"])) == [
        ("reader@example.com", "bounce:Permanent/General")
    ]
    request = event("subscription")
    assert request["version"] == "2.0" and request["routeKey"] == "POST /subscribe"
    assert json.loads(request["body"]) == {"email": "reader@example.com"}


def test_env_json_sets_only_variables_the_template_declares() -> None:
    """`sam local invoke --env-vars` silently ignores variables that the template does not declare.

    The one exception is AWS_ENDPOINT_URL: `ai-news-tracker invoke` takes it from the file to reach
    a local moto server (sam ignores it; a Lambda container cannot reach that server anyway).
    """
    env = json.loads((REPO / "events" / "env.json").read_text(encoding="utf-8"))
    assert set(env) - {"Parameters"} <= set(functions())
    for name in functions():
        declared = set(variables(name)) | {"AWS_ENDPOINT_URL"}
        given = set(env["Parameters"]) | set(env.get(name, {}))
        assert given <= declared, f"{name}: {sorted(given - declared)} would be ignored"


def stack_resources_named(value: Any) -> set[str]:
    """The logical ids of the stack's resources a template value refers to (Ref, GetAtt, ${…} of Sub)."""
    names = set(resources())
    if isinstance(value, list):
        return set().union(*(stack_resources_named(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, arg in value.items():
        if key == "Ref" and arg in names:
            found.add(arg)
        elif key == "Fn::GetAtt" and isinstance(arg, list) and arg[0] in names:
            found.add(arg[0])
        elif key == "Fn::Sub":
            text, given = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)} & (names - set(given))
            found |= stack_resources_named(list(given.values()))
        else:
            found |= stack_resources_named(arg)
    return found


def test_env_json_gives_every_variable_that_names_a_stack_resource() -> None:
    # Given the README's model for sam local invoke's --env-vars file ("a file of the same shape as
    # events/env.json", with a deployed stack's names): sam resolves a resource's !Ref to its logical id
    env = json.loads((REPO / "events" / "env.json").read_text(encoding="utf-8"))
    # When a function declares a variable whose value is one of the stack's resources
    missing = {
        f"{function}.{name} ({', '.join(sorted(named))})"
        for function in functions()
        for name, value in variables(function).items()
        if (named := stack_resources_named(value))
        and name not in env["Parameters"]
        and name not in env.get(function, {})
    }
    # Then the sample sets it, else sam local invoke hands the function the text of the logical id
    # (RenderEditionFunction: DISTRIBUTION_ID=SiteDistribution, SUBSCRIPTION_API_URL=
    # https://SubscriptionApi.execute-api…: every page published gets a form posting there)
    assert not missing, f"not in events/env.json: {sorted(missing)}"


def test_the_sample_sqs_record_and_http_request_are_consistent_as_aws_delivers_them() -> None:
    # Given the SQS record of a send batch and the HTTP API request of a subscription
    (record,) = json.loads((REPO / "events" / "send_batch.json").read_text(encoding="utf-8"))["Records"]
    request = json.loads((REPO / "events" / "subscription.json").read_text(encoding="utf-8"))[
        "requestContext"
    ]
    # When their derived fields are computed from what they carry
    md5 = hashlib.md5(record["body"].encode("utf-8"), usedforsecurity=False).hexdigest()
    epoch = datetime.strptime(request["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp() * 1000
    # Then they agree, as SQS (md5OfBody) and API Gateway (timeEpoch is time) would have them
    assert record["md5OfBody"] == md5
    assert request["timeEpoch"] == epoch, datetime.fromtimestamp(request["timeEpoch"] / 1000, UTC)


def test_the_email_sent_log_expires_and_the_archive_does_not() -> None:
    rules = resources()["RawBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = {rule.get("Prefix"): rule["ExpirationInDays"] for rule in rules if "ExpirationInDays" in rule}
    # the sent log names recipients by their address's hash: kept a quarter, long after any retry
    assert 30 <= expiring.pop("sent/") <= 400
    # items, sources, leaderboard snapshots and editions (the archive) never expire
    assert set(expiring) == {"seen/"}
