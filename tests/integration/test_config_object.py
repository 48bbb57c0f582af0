"""The configuration kept in the raw bucket (``CONFIG_OBJECT_KEY``, the stack's ``ConfigObjectKey``).

An SSM parameter holds at most 4,096 characters (8 KB in the Advanced tier) and ``config/default.toml``
is more than twice that; moto stores any size, so only the README's own instructions, checked against
those limits, show the documented way fails. The object is read through a Powertools Parameters
provider of ours, with the SSM path's cache (test_config_refresh.py runs its tests on both) and the
same ConfigError on a missing, unreadable or malformed configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import yaml
from aws_lambda_powertools.utilities import parameters
from botocore.stub import Stubber
from lambda_support import REGION, REPO, fake_credentials
from moto import mock_aws

from ai_news_tracker.aws import Settings, load_deployed_config, parse_deployed_config
from ai_news_tracker.config import load_config
from ai_news_tracker.errors import ConfigError
from ai_news_tracker.service import Deployment

RAW = "cfg-object-raw"
KEY = "config/config.toml"
# What put-parameter takes (botocore's PutParameter.Value: "Standard parameters have a value limit of
# 4 KB. Advanced parameters have a value limit of 8 KB"; AWS counts characters)
SSM_STANDARD, SSM_ADVANCED = 4096, 8192


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake_credentials(monkeypatch)
    parameters.clear_caches()  # the provider (and its values) outlive a test otherwise
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=RAW)
        yield client
    parameters.clear_caches()


def settings(key: str = KEY) -> Settings:
    return Settings.from_env({"RAW_BUCKET": RAW, "SITE_BUCKET": "site", "CONFIG_OBJECT_KEY": key})


def test_the_configuration_comes_from_the_raw_bucket_when_a_key_is_named(s3: Any) -> None:
    # Given the shipped configuration copied into the raw bucket, comments and all
    shipped = REPO / "config" / "default.toml"
    s3.put_object(Bucket=RAW, Key=KEY, Body=shipped.read_bytes())
    # When a function loads its configuration
    config = load_deployed_config(settings())
    # Then it is that file's, not the layer's (an empty CONFIG_FILE default would not even exist here)
    assert config.sources == load_config(shipped).sources and len(config.sources) > 1


def test_a_missing_or_unreadable_object_is_a_config_error_naming_the_key_and_the_object(s3: Any) -> None:
    with pytest.raises(ConfigError, match=rf"CONFIG_OBJECT_KEY.*s3://{RAW}/config/absent.toml: NoSuchKey"):
        load_deployed_config(settings("config/absent.toml"))
    # an object the function may not read (AccessDenied on AWS)
    denied = boto3.client("s3", region_name=REGION)
    stubber = Stubber(denied)
    stubber.add_client_error("get_object", "AccessDenied", http_status_code=403)
    with stubber, pytest.raises(ConfigError, match=rf"CONFIG_OBJECT_KEY.*s3://{RAW}/{KEY}: AccessDenied"):
        load_deployed_config(settings(), s3_client=denied)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[report", "not valid TOML"),
        ('title = "日报"'.encode("gb18030"), "not valid TOML: not UTF-8"),
        (b"x = " + b"[" * 2000 + b"]" * 2000, "not valid TOML: values nested too deeply"),
    ],
)
def test_an_object_that_is_not_toml_is_a_config_error_naming_the_key(
    s3: Any, body: bytes, reason: str
) -> None:
    s3.put_object(Bucket=RAW, Key=KEY, Body=body)
    with pytest.raises(ConfigError, match=rf"CONFIG_OBJECT_KEY.*s3://{RAW}/{KEY} is {reason}") as raised:
        load_deployed_config(settings())
    assert raised.value.key == "CONFIG_OBJECT_KEY"


WITH_BOM = '\ufeff[report]\ntitle = "日报"\n'


@pytest.mark.parametrize("text", [WITH_BOM, WITH_BOM.encode()], ids=["ssm", "s3"])
def test_a_configuration_saved_with_a_byte_order_mark_is_read(text: str | bytes) -> None:
    # Given a configuration saved as "UTF-8 with BOM" on Windows, put in SSM (text) or in S3 (bytes)
    # When a function parses it, Then the mark is read as nothing, as in a configuration file
    assert parse_deployed_config(settings(), text).report.title == "日报"


def test_a_parameter_and_an_object_together_are_refused_naming_both() -> None:
    env = {"RAW_BUCKET": RAW, "SITE_BUCKET": "s", "CONFIG_PARAMETER": "/c", "CONFIG_OBJECT_KEY": KEY}
    with pytest.raises(ConfigError, match=r"CONFIG_PARAMETER.*CONFIG_OBJECT_KEY"):
        Settings.from_env(env)
    # empty is unset, as CloudFormation passes an unused parameter
    assert Settings.from_env(env | {"CONFIG_PARAMETER": ""}).config_object == f"s3://{RAW}/{KEY}"
    assert Settings.from_env(env | {"CONFIG_OBJECT_KEY": " "}).config_parameter == "/c"


# ---------------------------------------------------------------- the README's way, on the shipped file


def deploy_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Deploy\n")
    return text[start : text.index("\n## ", start + 1)]


def test_the_readme_s_way_to_configure_the_stack_takes_the_shipped_configuration(s3: Any) -> None:
    # Given what the README's Deploy section says to run for the configuration
    deploy = deploy_section()
    (copy,) = re.findall(r"aws s3 cp (\S+) s3://<RawBucketName>/(\S+)", deploy)
    (override,) = set(re.findall(r"ConfigObjectKey=([^\s`]+)", deploy))
    source, key = copy
    assert source == "config/default.toml" and override == key
    # And the template takes that key
    assert re.fullmatch(template_parameters()["ConfigObjectKey"]["AllowedPattern"], key)
    # When the operator follows it (the stack's functions read RAW_BUCKET)
    s3.put_object(Bucket=RAW, Key=key, Body=(REPO / source).read_bytes())
    deployment = Deployment.from_env({"RAW_BUCKET": RAW, "SITE_BUCKET": "site", "CONFIG_OBJECT_KEY": key})
    # Then the functions run on that configuration
    assert deployment.config.sources == load_config(REPO / source).sources


def test_every_put_parameter_the_readme_documents_fits_ssm() -> None:
    # The README said `aws ssm put-parameter --type String --value file://config/default.toml`: 8,636
    # characters, which AWS refuses (ValidationException: at most 4096 characters) and moto took
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in re.findall(r"aws ssm put-parameter[^`\n]*(?:\\\n[^`\n]*)*", readme):
        for path in re.findall(r"file://(\S+)", command):
            limit = SSM_ADVANCED if "--tier Advanced" in command else SSM_STANDARD
            size = len((REPO / path).read_text(encoding="utf-8"))
            assert size <= limit, f"the README puts {path} ({size} characters) in a parameter of {limit}"


def test_the_readme_gives_ssm_s_limits_where_it_offers_the_parameter() -> None:
    deploy = deploy_section()
    (row,) = [line for line in deploy.splitlines() if line.startswith("| `ConfigParameterName`")]
    paragraph = deploy[deploy.index("To change the sources without a deployment") :].split("\n\n")[0]
    for text in (row, paragraph):
        assert "4 KB" in text and "8 KB" in text and "Advanced" in text
    # and the template's description of the parameter
    assert "4 KB" in template_parameters()["ConfigParameterName"]["Description"]


class _Untagged(yaml.SafeLoader):
    """The template read with its CloudFormation tags (!Ref, !Sub…) as nulls: its plain values alone."""


_Untagged.add_multi_constructor("!", lambda loader, suffix, node: None)


def template_parameters() -> dict[str, Any]:
    loaded = yaml.load((REPO / "template.yaml").read_text(encoding="utf-8"), Loader=_Untagged)  # noqa: S506
    found: dict[str, Any] = loaded["Parameters"]
    return found
