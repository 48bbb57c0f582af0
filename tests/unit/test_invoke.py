"""``ai-news-tracker invoke``: the template's short tags, intrinsic functions, Globals, env-vars, the call."""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from ai_news_tracker import invoke as inv
from ai_news_tracker.errors import TrackerError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "invoke"


def parse(text: str) -> dict[str, Any]:
    return inv.parse_template("Resources: {}\n" + text)


# ------------------------------------------------------------------------------ YAML short tags
@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("!Ref Bucket", {"Ref": "Bucket"}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
        ("!GetAtt Bucket.Arn", {"Fn::GetAtt": ["Bucket", "Arn"]}),
        ("!GetAtt Stack.Outputs.Name", {"Fn::GetAtt": ["Stack", "Outputs.Name"]}),
        ("!GetAtt [Bucket, Arn]", {"Fn::GetAtt": ["Bucket", "Arn"]}),
        ("!Sub ${Bucket}-x", {"Fn::Sub": "${Bucket}-x"}),
        ("!Sub ['a-${X}', {X: !Ref P}]", {"Fn::Sub": ["a-${X}", {"X": {"Ref": "P"}}]}),
        ("!If [C, a, !Ref AWS::NoValue]", {"Fn::If": ["C", "a", {"Ref": "AWS::NoValue"}]}),
        ("!Join [',', [a, !Ref B]]", {"Fn::Join": [",", ["a", {"Ref": "B"}]]}),
        ("!Select [0, !Split [',', 'a,b']]", {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}),
        ("!Equals [!Ref P, '']", {"Fn::Equals": [{"Ref": "P"}, ""]}),
        ("!Not [!Condition C]", {"Fn::Not": [{"Condition": "C"}]}),
        ("!And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!FindInMap [M, k1, k2]", {"Fn::FindInMap": ["M", "k1", "k2"]}),
        ("!ImportValue shared-vpc", {"Fn::ImportValue": "shared-vpc"}),
        ("!Base64 hello", {"Fn::Base64": "hello"}),
        ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
        ("!GetAZs ''", {"Fn::GetAZs": ""}),
    ],
)
def test_short_tags_become_the_long_form(yaml: str, expected: dict[str, Any]) -> None:
    assert parse(f"Value: {yaml}\n")["Value"] == expected


def test_short_tags_nest_in_blocks() -> None:
    template = parse(
        "Value: !Sub\n"
        "  - arn:${AWS::Partition}:s3:::${Name}\n"
        "  - Name: !Select [1, !Split ['@', !Ref Sender]]\n"
    )
    assert template["Value"] == {
        "Fn::Sub": [
            "arn:${AWS::Partition}:s3:::${Name}",
            {"Name": {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "Sender"}]}]}},
        ]
    }


def test_an_unknown_tag_or_bad_yaml_or_no_resources_is_an_invoke_error(tmp_path: Path) -> None:
    with pytest.raises(inv.InvokeError, match="unknown tag !Frob"):
        parse("Value: !Frob x\n")
    with pytest.raises(inv.InvokeError, match="not a valid template"):
        inv.parse_template("Resources: [unclosed\n")
    with pytest.raises(inv.InvokeError, match="no Resources"):
        inv.parse_template("Parameters: {}\n")
    with pytest.raises(inv.InvokeError, match="cannot read template"):
        inv.load_template(tmp_path / "missing.yaml")


def test_the_fixture_and_the_real_template_load() -> None:
    assert "EchoFunction" in inv.load_template(FIXTURES / "template.yaml")["Resources"]


def test_without_pyyaml_invoke_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now raises ImportError

    with pytest.raises(TrackerError, match=r"invoke needs PyYAML: pip install PyYAML"):
        inv.load_template(FIXTURES / "template.yaml")


# ------------------------------------------------------------------------------ intrinsic functions
TEMPLATE = parse(
    """
Parameters:
  Stage: {Type: String, Default: prod}
  Empty: {Type: String, Default: ""}
  Size: {Type: Number, Default: 256}
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
  Required: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  HasEmpty: !Not [!Equals [!Ref Empty, ""]]
  Both: !And [!Condition IsProd, !Condition HasEmpty]
  Either: !Or [!Condition IsProd, !Condition HasEmpty]
  Unknown: !Equals [!Ref Bucket, x]
Mappings:
  Sizes:
    prod: {Memory: 1024}
Resources:
  Bucket: {Type: AWS::S3::Bucket}
"""
)


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("plain", "plain"),
        ("42", "42"),
        ("true", "true"),
        ("2026-11-20", "2026-11-20"),
        ("null", ""),
        ("[a, b]", ""),
        ("!Ref Stage", "prod"),
        ("!Ref Size", "256"),
        ("!Ref Empty", ""),
        ("!Ref Required", ""),
        ("!Ref Bucket", ""),
        ("!Ref AWS::AccountId", "123456789012"),
        ("!Ref AWS::Partition", "aws"),
        ("!Ref AWS::NoValue", ""),
        ("!Sub ${Stage}-${AWS::AccountId}", "prod-123456789012"),
        ("!Sub ${Bucket}-x", ""),
        ("!Sub ${Bucket.Arn}/*", ""),
        ("!Sub ${!Literal}-${Stage}", "${Literal}-prod"),
        ("!Sub ['x-${Y}', {Y: !Ref Stage}]", "x-prod"),
        ("!Sub ['x-${Y}', {Y: !GetAtt Bucket.Arn}]", ""),
        ("!Join [-, [a, !Ref Stage]]", "a-prod"),
        ("!Join [-, [a, !Ref Bucket]]", ""),
        ("!Join [-, !Ref Names]", "a-b-c"),
        ("!Select [1, !Ref Names]", "b"),
        ("!Select [1, !Split ['@', me@example.com]]", "example.com"),
        ("!Select [5, !Split ['@', me@example.com]]", ""),
        ("!If [IsProd, live, test]", "live"),
        ("!If [HasEmpty, set, unset]", "unset"),
        ("!If [Both, set, unset]", "unset"),
        ("!If [Either, set, unset]", "set"),
        ("!If [Unknown, set, unset]", ""),
        ("yes", "true"),  # YAML 1.1, as PyYAML (and so sam) reads it
        ("!If [IsProd, !Sub '${Stage}.example.com', !GetAtt Bucket.DomainName]", "prod.example.com"),
        ("!FindInMap [Sizes, !Ref Stage, Memory]", "1024"),
        ("!FindInMap [Sizes, dev, Memory]", ""),
        ("!Base64 {Ref: Stage}", "cHJvZA=="),
        ("!GetAtt Bucket.Arn", ""),
        ("!ImportValue shared", ""),
        ("!GetAZs ''", ""),
    ],
)
def test_resolve(yaml: str, expected: str) -> None:
    value = parse(f"Value: {yaml}\n")["Value"]
    assert inv.resolve(value, TEMPLATE) == expected


def test_pseudo_region_comes_from_the_environment_else_us_east_1(monkeypatch: pytest.MonkeyPatch) -> None:
    value = {"Fn::Sub": "${AWS::Region}/${AWS::Partition}"}
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert inv.resolve(value, TEMPLATE) == "us-east-1/aws"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    assert inv.resolve(value, TEMPLATE) == "ap-northeast-1/aws"
    monkeypatch.setenv("AWS_REGION", "cn-north-1")
    assert inv.resolve(value, TEMPLATE) == "cn-north-1/aws-cn"


def test_the_stack_name_is_local_so_a_namespace_built_on_it_is_never_empty() -> None:
    assert inv.resolve({"Fn::Sub": "AINewsTracker/${AWS::StackName}"}, TEMPLATE) == "AINewsTracker/local"


def test_a_condition_that_refers_to_itself_does_not_recurse_forever() -> None:
    template = parse("Conditions:\n  Loop: !Not [!Condition Loop]\n")
    assert inv.resolve({"Fn::If": ["Loop", "a", "b"]}, template) == ""


# ------------------------------------------------------------------------------ Globals and the spec
def test_globals_merge_scalars_maps_and_lists() -> None:
    merged = inv.merge_globals(
        {
            "Timeout": 30,
            "Layers": ["a"],
            "Environment": {"Variables": {"A": "g", "B": "g"}},
            "Tracing": "Active",
        },
        {"Timeout": 60, "Layers": ["b"], "Environment": {"Variables": {"B": "f", "C": "f"}}},
    )
    assert merged == {
        "Timeout": 60,
        "Layers": ["a", "b"],
        "Environment": {"Variables": {"A": "g", "B": "f", "C": "f"}},
        "Tracing": "Active",
    }


def test_an_intrinsic_function_is_merged_as_a_scalar() -> None:
    merged = inv.merge_globals({"Role": {"Fn::GetAtt": ["R", "Arn"]}}, {"Role": {"Ref": "Other"}})
    assert merged == {"Role": {"Ref": "Other"}}


def fixture_spec(logical_id: str = "EchoFunction") -> inv.FunctionSpec:
    template = inv.load_template(FIXTURES / "template.yaml")
    return inv.function_spec(template, logical_id, FIXTURES)


def test_function_spec_merges_globals_with_the_function(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)

    spec = fixture_spec()

    assert spec.handler == "app.lambda_handler"  # from Globals
    assert spec.code_dir == FIXTURES / "echo"  # relative to the template's folder
    assert (spec.timeout, spec.memory) == (30, 512)  # Globals' Timeout, the function's MemorySize
    assert spec.function_name == "EchoFunction"
    assert spec.environment == {
        "STAGE": "test",
        "GREETING": "你好 from us-east-1",
        "BUCKET": "",  # a resource: only known once deployed
        "SHARED": "from-globals",
        "OVERRIDDEN": "from-function",
        "MODE": "dry-run",
        "TOPIC_NAME": "",
        "SECRET": "",  # a parameter without a default
        "FROM_FILE": "",
    }
    assert [layer.name for layer in spec.layers] == [
        "FixtureLayer",  # Globals' layers come first
        "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:7",
    ]
    assert spec.layers[0].in_tree and spec.layers[0].content_dir == FIXTURES / "layer"
    assert not spec.layers[1].in_tree


def test_function_spec_defaults_and_a_function_handler() -> None:
    spec = fixture_spec("BoomFunction")
    assert (spec.handler, spec.code_dir.name, spec.memory) == ("app.handler", "boom", 128)
    bare = inv.function_spec(
        parse("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: m.h}\n"),
        "F",
        "/x",
    )
    assert (bare.timeout, bare.memory, bare.code_dir, bare.environment) == (3, 128, Path("/x"), {})


@pytest.mark.parametrize(
    ("logical_id", "message"),
    [
        ("Nope", r"no resource 'Nope' in the template \(functions: BoomFunction, EchoFunction\)"),
        ("Bucket", "Bucket is an AWS::S3::Bucket, not an AWS::Serverless::Function"),
    ],
)
def test_function_spec_names_a_wrong_logical_id(logical_id: str, message: str) -> None:
    with pytest.raises(inv.InvokeError, match=message):
        fixture_spec(logical_id)


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ("{Handler: index.handler, Runtime: nodejs20.x}", "only Python functions"),
        ("{PackageType: Image}", "container image"),
        ("{Handler: nodot}", "module.function"),
        ("{Handler: a.b, CodeUri: {Bucket: b, Key: k}}", "CodeUri must be a local folder"),
    ],
)
def test_function_spec_refuses_what_cannot_run_in_process(properties: str, message: str) -> None:
    template = parse(f"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {properties}\n")
    with pytest.raises(inv.InvokeError, match=message):
        inv.function_spec(template, "F", ".")


# ------------------------------------------------------------------------------ env-vars
def test_env_vars_precedence_template_shell_parameters_function() -> None:
    spec = inv.FunctionSpec("Fn", "app.h", Path("."), environment={"A": "t", "B": "t", "C": "t", "D": "t"})
    env_vars = {"Parameters": {"B": "params", "C": "params"}, "Fn": {"C": "function"}, "Other": {"D": "x"}}

    env = inv.merge_env_vars(spec, env_vars, shell_env={"A": "shell", "B": "shell", "C": "shell"})

    assert env == {"A": "shell", "B": "params", "C": "function", "D": "t"}


def test_env_vars_block_by_function_name_yields_to_the_logical_id() -> None:
    spec = inv.FunctionSpec("Fn", "app.h", Path("."), environment={"A": "t", "B": "t"}, function_name="my-fn")
    env = inv.merge_env_vars(spec, {"my-fn": {"A": "name", "B": "name"}, "Fn": {"B": "id"}})
    assert env == {"A": "name", "B": "id"}


def test_env_vars_only_override_declared_variables_but_the_sdk_endpoint() -> None:
    spec = inv.FunctionSpec("Fn", "app.h", Path("."), environment={"A": "t"})
    env_vars = {
        "Parameters": {"UNDECLARED": "x", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"},
        "Fn": {"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:5001", "AWS_REGION": "eu-west-1"},
    }

    env = inv.merge_env_vars(spec, env_vars, shell_env={"UNDECLARED": "shell"})

    assert env == {
        "A": "t",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:5001",
    }


def test_env_vars_values_are_stringified_as_sam_does() -> None:
    spec = inv.FunctionSpec("Fn", "app.h", Path("."), environment=dict.fromkeys("ABCDE", "t"))
    env = inv.merge_env_vars(spec, {"Fn": {"A": 3, "B": True, "C": None, "D": [1], "E": {"k": 1}}})
    assert env == {"A": "3", "B": "true", "C": "", "D": "", "E": ""}


def test_an_env_vars_block_that_is_not_an_object_is_an_invoke_error() -> None:
    spec = inv.FunctionSpec("Fn", "app.h", Path("."))
    with pytest.raises(inv.InvokeError, match="'Parameters' must be an object"):
        inv.merge_env_vars(spec, {"Parameters": ["A=1"]})


def test_the_layer_s_config_file_in_events_env_json_is_the_checkout_s_for_invoke() -> None:
    # Given the render function of template.yaml and events/env.json, whose CONFIG_FILE is where the
    # configuration is in Lambda (CoreLayer's /opt/python/config/default.toml), as sam local invoke needs
    repo = FIXTURES.parents[2]
    spec = inv.function_spec(inv.load_template(repo / "template.yaml"), "RenderEditionFunction", repo)
    env_vars = json.loads((repo / "events" / "env.json").read_text(encoding="utf-8"))
    # When invoke gives the function its environment on this machine, which has no /opt/python
    env = inv.layer_paths(spec, inv.merge_env_vars(spec, env_vars), repo)
    # Then the file is the checkout's, as the layer is (a copy of events/env.json with config/default.toml,
    # as it had, made sam's functions fail: "cannot read config file")
    assert env_vars["Parameters"]["CONFIG_FILE"] == "/opt/python/config/default.toml"
    assert env["CONFIG_FILE"] == str(repo / "config" / "default.toml")


@pytest.mark.parametrize(
    ("layers", "value"),
    [
        ((inv.Layer("arn:aws:lambda:us-east-1:1:layer:other:1"),), "/opt/python/config/default.toml"),
        ((inv.Layer("CoreLayer", FIXTURES / "layer", in_tree=True),), "/opt/python/absent.toml"),
        ((inv.Layer("CoreLayer", FIXTURES / "layer", in_tree=True),), "config/default.toml"),
    ],
    ids=["no-layer-of-this-repository", "not-in-the-checkout", "not-under-opt-python"],
)
def test_other_paths_are_left_as_given(layers: tuple[inv.Layer, ...], value: str) -> None:
    spec = inv.FunctionSpec(
        "Fn", "app.h", FIXTURES / "echo", environment={"CONFIG_FILE": value}, layers=layers
    )
    assert inv.layer_paths(spec, {"CONFIG_FILE": value}, FIXTURES.parents[2]) == {"CONFIG_FILE": value}


# ------------------------------------------------------------------------------ the invocation
def test_invoke_runs_the_handler_with_its_environment_and_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    spec = fixture_spec()
    env = inv.merge_env_vars(
        spec, {"Parameters": {"FROM_FILE": "file", "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}}
    )
    environ_before, path_before = dict(os.environ), list(sys.path)

    result = inv.invoke(spec, {"names": ["FROM_FILE", "GREETING"]}, env)

    assert result["env"] == {
        "FROM_FILE": "file",
        "GREETING": "你好 from us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "EchoFunction",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        "_HANDLER": "app.lambda_handler",
        "UNDECLARED": None,
    }
    context = result["context"]
    assert context["function_name"] == "EchoFunction" and context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:EchoFunction"
    assert context["memory_limit_in_mb"] == 512
    assert uuid.UUID(context["aws_request_id"]).version == 4
    assert context["log_group_name"] == "/aws/lambda/EchoFunction"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", context["log_stream_name"])
    assert 0 < context["remaining_ms"] <= 30_000
    assert result["path0"] == str(FIXTURES / "echo") and result["helper"] == "echo helper"
    # and everything is as it was
    assert dict(os.environ) == environ_before and sys.path == path_before
    assert result["module"] not in sys.modules and "helper" not in sys.modules


def test_two_functions_with_the_same_module_names_do_not_clash() -> None:
    echo = inv.invoke(fixture_spec(), {}, {})
    with pytest.raises(inv.FunctionFailed) as failed:
        inv.invoke(fixture_spec("BoomFunction"), {}, {})
    again = inv.invoke(fixture_spec(), {}, {})

    assert echo["helper"] == again["helper"] == "echo helper"
    assert str(failed.value) == "BoomFunction failed: ValueError: boom helper second line"
    assert echo["module"] == "_invoked_EchoFunction_app"


def test_the_handlers_output_goes_to_the_output_stream(capsys: pytest.CaptureFixture[str]) -> None:
    class Sink:
        text = ""

        def write(self, data: str) -> int:
            Sink.text += data
            return len(data)

        def flush(self) -> None:
            pass

    inv.invoke(fixture_spec(), {}, {}, output=Sink())  # type: ignore[arg-type]

    assert Sink.text == "echo: imported\necho: called\n"
    assert capsys.readouterr().out == ""


def test_an_exiting_handler_fails_and_a_missing_module_or_function_is_an_invoke_error(tmp_path: Path) -> None:
    with pytest.raises(inv.FunctionFailed, match="BoomFunction failed: SystemExit: 3"):
        inv.invoke(fixture_spec("BoomFunction"), {"exit": True}, {})
    spec = fixture_spec()
    with pytest.raises(inv.InvokeError, match="no module 'nowhere'"):
        inv.invoke(inv.FunctionSpec("F", "nowhere.h", spec.code_dir), {}, {})
    with pytest.raises(inv.InvokeError, match="has no function 'missing'"):
        inv.invoke(inv.FunctionSpec("F", "app.missing", spec.code_dir), {}, {})
    with pytest.raises(inv.InvokeError, match="is not a folder"):
        inv.invoke(inv.FunctionSpec("F", "app.h", tmp_path / "none"), {}, {})


def test_a_module_that_raises_on_import_fails_like_lambda(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import not_installed_anywhere\n", encoding="utf-8")

    with pytest.raises(inv.FunctionFailed, match="F failed: ModuleNotFoundError: No module named"):
        inv.invoke(inv.FunctionSpec("F", "app.h", tmp_path), {}, {})
    assert "_invoked_F_app" not in sys.modules
