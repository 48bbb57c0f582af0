"""``ai-news-tracker invoke``: a function of ``template.yaml`` run in this process, like ``sam local invoke``.

The function's ``Handler``, ``CodeUri``, ``Runtime``, ``Timeout``, ``MemorySize``, ``Layers`` and
``Environment`` come from the template, ``Globals.Function`` merged with the function's own
``Properties`` as SAM merges them (the function's scalars win, maps merge, lists add up). Intrinsic
functions resolve to parameter defaults and pseudo parameters where they can, else to "".

Each declared environment variable takes, like ``sam local invoke``, the template's value, overridden
by the shell's variable of the same name, overridden by the env-vars file (``{"Parameters": {...}}``
for every function, then ``{"<LogicalId>": {...}}``). As with sam, the file only overrides variables
the template declares for the function; the one exception is ``AWS_ENDPOINT_URL`` (and
``AWS_ENDPOINT_URL_<SERVICE>``), which points the AWS SDK at a local endpoint such as ``moto_server``.

Unlike Lambda, the handler sees this process's other variables and installed packages (this
repository's layers *are* the installed package, and their files under ``/opt/python/`` are the
checkout's: :func:`layer_paths`), and its Timeout is reported, not enforced.
Nothing here needs PyYAML until a template is read; the package ships in a layer without it.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import importlib.util
import io
import json
import logging
import os
import re
import sys
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TextIO

from .errors import ConfigError, TrackerError
from .log import SERVICE, get_logger
from .store import parse_json

logger = get_logger()

FUNCTION_TYPE = "AWS::Serverless::Function"
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
DEFAULT_TIMEOUT = 3  # seconds: Lambda's defaults
DEFAULT_MEMORY = 128  # MB
DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # the account of sam local
SHORT_TAGS = frozenset(
    {
        *("Ref", "Condition", "GetAtt", "Sub", "If", "Join", "Select", "Split", "Equals", "Not", "And", "Or"),
        *("FindInMap", "ImportValue", "Base64", "Cidr", "GetAZs"),
    }
)
LAYER_ROOT = "/opt/python/"  # where Lambda puts a Python layer's files
SDK_ENDPOINT = re.compile(r"^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$")
_SUB_REF = re.compile(r"\$\{([^}]*)\}")


class InvokeError(ConfigError):
    """The template, the event or the env-vars file cannot be used (the command exits with 2)."""

    status = "invoke_error"

    def __init__(self, message: str) -> None:
        super().__init__("", message)


class FunctionFailed(TrackerError):
    """The handler raised: as with Lambda, its error is the invocation's result (exit code 1)."""

    status = "function_error"

    def __init__(self, logical_id: str, error: BaseException) -> None:
        super().__init__(f"{logical_id} failed: {type(error).__name__}: {_one_line(str(error))}")
        self.error = error


@dataclass(frozen=True)
class Layer:
    name: str  # the logical id of a layer of the template, else its ARN as far as it resolves
    content_dir: Path | None = None  # the ContentUri of a layer of the template
    in_tree: bool = False  # its ContentUri lies in the template's folder: this repository's code


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str  # module.function, e.g. app.lambda_handler
    code_dir: Path
    environment: dict[str, str] = field(default_factory=dict, hash=False)  # declared variables, resolved
    timeout: int = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY
    layers: tuple[Layer, ...] = ()
    function_name: str = ""  # FunctionName when it resolves, else the logical id
    runtime: str = ""


# ------------------------------------------------------------------------------ the template
def _yaml() -> Any:
    try:
        return importlib.import_module("yaml")
    except ImportError as exc:
        raise TrackerError("invoke needs PyYAML: pip install PyYAML") from exc


@cache
def _loader(yaml: Any) -> Any:
    """A SafeLoader that reads CloudFormation's short tags (``!Ref X``) as their long form."""

    def short_tag(loader: Any, suffix: str, node: Any) -> dict[str, Any]:
        if suffix not in SHORT_TAGS:
            raise yaml.constructor.ConstructorError(None, None, f"unknown tag !{suffix}", node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if suffix == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}": value}

    loader: Any = type("CloudFormationLoader", (yaml.SafeLoader,), {})
    loader.add_multi_constructor("!", short_tag)
    return loader


def parse_template(text: str, name: str = "template") -> dict[str, Any]:
    yaml = _yaml()
    try:
        data = yaml.load(text, Loader=_loader(yaml))  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise InvokeError(f"{name} is not a valid template: {_one_line(str(exc))}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise InvokeError(f"{name} has no Resources")
    return data


def load_template(path: str | Path) -> dict[str, Any]:
    _yaml()  # a missing PyYAML is the first thing to say
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvokeError(f"cannot read template {path}: {_reason(exc)}") from exc
    return parse_template(text, str(path))


# ------------------------------------------------------------------------------ intrinsic functions
LOCAL_STACK_NAME = "local"  # AWS::StackName here (the metrics namespace AINewsTracker/local)


def _pseudo(name: str) -> str | None:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    china = region.startswith("cn-")
    return {
        "AWS::Region": region,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::Partition": "aws-cn" if china else "aws",
        "AWS::URLSuffix": "amazonaws.com.cn" if china else "amazonaws.com",
        "AWS::NoValue": "",
        "AWS::StackName": LOCAL_STACK_NAME,
    }.get(name)


def _intrinsic(value: Any) -> tuple[str, Any] | None:
    if isinstance(value, dict) and len(value) == 1:
        key, arg = next(iter(value.items()))
        if key in ("Ref", "Condition") or str(key).startswith("Fn::"):
            return str(key), arg
    return None


def _scalar(value: Any) -> str | None:
    """A plain value as sam passes it: None as "", booleans in lower case; None for a list or a map."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return None
    return str(value)  # numbers, and dates that YAML read from unquoted text


def _pairs(arg: Any, size: int) -> list[Any] | None:
    return arg if isinstance(arg, list) and len(arg) == size else None


class _Resolver:
    """Evaluates what can be known before deployment; None stands for "only known once deployed"."""

    MAX_DEPTH = 20

    def __init__(self, template: Mapping[str, Any]) -> None:
        self.template = template
        self.depth = 0

    def value(self, value: Any) -> str | None:
        plain = _scalar(value)
        if plain is not None:
            return plain
        found = _intrinsic(value)
        method = getattr(self, "fn_" + found[0].removeprefix("Fn::"), None) if found else None
        if found is None or method is None or self.depth > self.MAX_DEPTH:
            return None  # a list, a map, or GetAtt, ImportValue, GetAZs, Cidr...
        self.depth += 1
        try:
            result: str | None = method(found[1])
            return result
        finally:
            self.depth -= 1

    def fn_Ref(self, name: Any) -> str | None:
        if not isinstance(name, str):
            return None
        parameter = (self.template.get("Parameters") or {}).get(name)
        if not isinstance(parameter, dict):
            return _pseudo(name)  # else a resource: no value before it is deployed
        default = parameter.get("Default")
        if isinstance(default, list):  # a List<...> parameter written as a YAML list
            return ",".join(str(x) for x in default)
        return None if default is None else _scalar(default)

    def fn_Sub(self, arg: Any) -> str | None:
        text, variables = _pairs(arg, 2) or (arg, {})
        if not isinstance(text, str) or not isinstance(variables, dict):
            return None
        unresolved = False

        def replace(match: re.Match[str]) -> str:
            nonlocal unresolved
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal}
            value = self.value(variables[name]) if name in variables else self.fn_Ref(name)
            unresolved = unresolved or value is None  # a resource or an attribute: all of it is unknown
            return value or ""

        result = _SUB_REF.sub(replace, text)
        return None if unresolved else result

    def fn_If(self, arg: Any) -> str | None:
        branches = _pairs(arg, 3)
        chosen = self.condition({"Condition": branches[0]}) if branches else None
        return None if branches is None or chosen is None else self.value(branches[1 if chosen else 2])

    def fn_Join(self, arg: Any) -> str | None:
        pair = _pairs(arg, 2)
        parts = self.items(pair[1]) if pair else None
        return pair[0].join(parts) if pair and parts is not None and isinstance(pair[0], str) else None

    def fn_Select(self, arg: Any) -> str | None:
        pair = _pairs(arg, 2)
        index, items = (self.value(pair[0]), self.items(pair[1])) if pair else (None, None)
        if index is None or items is None or not index.isdigit() or int(index) >= len(items):
            return None
        return items[int(index)]

    def fn_FindInMap(self, arg: Any) -> str | None:
        entry: Any = self.template.get("Mappings") or {}
        for key in arg[:3] if isinstance(arg, list) and len(arg) >= 3 else [None]:
            name = self.value(key)
            entry = entry.get(name) if isinstance(entry, dict) and name is not None else None
        return None if entry is None else _scalar(entry)

    def fn_Base64(self, arg: Any) -> str | None:
        text = self.value(arg)
        return None if text is None else base64.b64encode(text.encode()).decode("ascii")

    def items(self, value: Any) -> list[str] | None:
        """A list value: a YAML list, !Split, or a comma-delimited list parameter."""
        found = _intrinsic(value)
        if isinstance(value, list):
            items = [self.value(v) for v in value]
            return None if None in items else [i or "" for i in items]
        if found and found[0] == "Fn::Split" and _pairs(found[1], 2):
            delimiter, source = found[1]
            text = self.value(source)
            return text.split(delimiter) if text is not None and isinstance(delimiter, str) else None
        if found and found[0] == "Ref":
            text = self.fn_Ref(found[1])
            return None if text is None else text.split(",")
        return None

    def condition(self, value: Any) -> bool | None:
        """A condition evaluated with the parameters' defaults; None when it cannot be."""
        found = _intrinsic(value)
        if found is None or self.depth > self.MAX_DEPTH:
            return None
        key, arg = found
        self.depth += 1
        try:
            if key == "Condition":
                return self.condition((self.template.get("Conditions") or {}).get(arg))
            if key == "Fn::Equals" and _pairs(arg, 2):
                left, right = self.value(arg[0]), self.value(arg[1])
                return None if left is None or right is None else left == right
            values = [self.condition(a) for a in arg] if isinstance(arg, list) else [None]
            if None in values or key not in ("Fn::Not", "Fn::And", "Fn::Or"):
                return None
            if key == "Fn::Not":
                return not values[0] if len(values) == 1 else None
            return all(values) if key == "Fn::And" else any(values)
        finally:
            self.depth -= 1


def resolve(value: Any, template: Mapping[str, Any]) -> str:
    """A template value as a string: parameter defaults and pseudo parameters where possible, else ""."""
    return _Resolver(template).value(value) or ""


# ------------------------------------------------------------------------------ the function
def merge_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals merge: the function's scalars win, maps merge key by key, lists add up (globals first).

    An intrinsic function counts as a scalar.
    """
    merged = dict(global_props)
    for key, local in props.items():
        inherited = merged.get(key)
        if (
            isinstance(inherited, dict)
            and isinstance(local, dict)
            and not (_intrinsic(inherited) or _intrinsic(local))
        ):
            merged[key] = merge_globals(inherited, local)
        elif isinstance(inherited, list) and isinstance(local, list):
            merged[key] = inherited + local
        else:
            merged[key] = local
    return merged


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any, template: Mapping[str, Any], default: int) -> int:
    text = resolve(value, template)
    return int(text) if text.isdigit() and int(text) > 0 else default


def function_spec(template: Mapping[str, Any], logical_id: str, template_dir: str | Path) -> FunctionSpec:
    resources = _dict(template.get("Resources"))
    resource = resources.get(logical_id)
    if not isinstance(resource, dict):
        names = sorted(k for k, r in resources.items() if _dict(r).get("Type") == FUNCTION_TYPE)
        raise InvokeError(
            f"no resource {logical_id!r} in the template (functions: {', '.join(names) or 'none'})"
        )
    if resource.get("Type") != FUNCTION_TYPE:
        raise InvokeError(f"{logical_id} is an {resource.get('Type')}, not an {FUNCTION_TYPE}")
    props = merge_globals(
        _dict(_dict(template.get("Globals")).get("Function")), _dict(resource.get("Properties"))
    )
    if props.get("PackageType") == "Image":
        raise InvokeError(f"{logical_id} is a container image function: use sam local invoke")
    runtime = resolve(props.get("Runtime"), template)
    if runtime and not runtime.startswith("python"):
        raise InvokeError(f"{logical_id} runs on {runtime}: only Python functions run in-process")
    handler = resolve(props.get("Handler"), template)
    if not re.fullmatch(r"[\w./]+\.\w+", handler):
        raise InvokeError(f"{logical_id} has no Handler of the form module.function (got {handler!r})")
    code_uri = props.get("CodeUri", ".")
    if not isinstance(code_uri, str):
        raise InvokeError(f"{logical_id}: CodeUri must be a local folder, not {code_uri!r}")
    root = Path(template_dir).resolve()
    variables = _dict(_dict(props.get("Environment")).get("Variables"))
    layers: list[Any] = props["Layers"] if isinstance(props.get("Layers"), list) else []
    return FunctionSpec(
        logical_id=logical_id,
        handler=handler,
        code_dir=(root / code_uri).resolve(),
        environment={str(name): resolve(value, template) for name, value in variables.items()},
        timeout=_int(props.get("Timeout"), template, DEFAULT_TIMEOUT),
        memory=_int(props.get("MemorySize"), template, DEFAULT_MEMORY),
        layers=tuple(_layer(item, template, root) for item in layers),
        function_name=resolve(props.get("FunctionName"), template) or logical_id,
        runtime=runtime,
    )


def _layer(item: Any, template: Mapping[str, Any], root: Path) -> Layer:
    found = _intrinsic(item)
    if found and found[0] == "Ref" and isinstance(found[1], str):
        resource = _dict(_dict(template.get("Resources")).get(found[1]))
        if resource.get("Type") in LAYER_TYPES:
            props = _dict(resource.get("Properties"))
            content = props.get("ContentUri", props.get("Content"))
            if isinstance(content, str):
                content_dir = (root / content).resolve()
                return Layer(found[1], content_dir, content_dir.is_relative_to(root))
            return Layer(found[1])
    return Layer(resolve(item, template) or json.dumps(item))


def merge_env_vars(
    spec: FunctionSpec, env_vars: Mapping[str, Any] | None, shell_env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The function's environment: template < shell < env-vars ``Parameters`` < env-vars ``<LogicalId>``.

    Only declared variables are overridden (as by sam), except the SDK's ``AWS_ENDPOINT_URL*``.
    """
    env = dict(spec.environment)
    for name in env:
        if shell_env is not None and name in shell_env:
            env[name] = shell_env[name]
    ignored: list[str] = []
    names = dict.fromkeys(("Parameters", spec.function_name or spec.logical_id, spec.logical_id))
    for block_name in names:  # the function's own block, by FunctionName then by logical id, wins
        block = (env_vars or {}).get(block_name, {})
        if not isinstance(block, dict):
            raise InvokeError(f"env-vars: {block_name!r} must be an object of variables")
        for name, value in block.items():
            if name in spec.environment or SDK_ENDPOINT.match(name):
                env[name] = _scalar(value) or ""  # sam passes lists and maps as ""
            else:
                ignored.append(name)
    if ignored:
        logger.info(
            "env-vars not declared by the function are ignored", function=spec.logical_id, ignored=ignored
        )
    return env


def layer_paths(spec: FunctionSpec, env: Mapping[str, str], root: Path) -> dict[str, str]:
    """``env``, a value naming a path under ``/opt/python/`` that this machine lacks read from ``root``, the
    template's folder, when a layer of the function is this repository's: CoreLayer's build puts the
    checkout's ``config/`` there, so ``CONFIG_FILE=/opt/python/config/default.toml``, the template's and
    ``events/env.json``'s (sam local invoke's too), is ``config/default.toml`` here."""
    if not any(layer.in_tree for layer in spec.layers):
        return dict(env)
    found = {}
    for name, value in env.items():
        here = root / value.removeprefix(LAYER_ROOT)
        if value.startswith(LAYER_ROOT) and not Path(value).exists() and here.exists():
            logger.info("layer path read from the checkout", variable=name, path=str(here))
            found[name] = str(here)
    return {**env, **found}


# ------------------------------------------------------------------------------ the invocation
@dataclass
class LambdaContext:
    """What the Lambda runtime passes as ``context``."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    log_group_name: str
    log_stream_name: str
    timeout: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    client_context: Any = None
    identity: Any = None
    _deadline: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def lambda_context(spec: FunctionSpec) -> LambdaContext:
    region, name = _region(), spec.function_name or spec.logical_id
    stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
    return LambdaContext(
        function_name=name,
        memory_limit_in_mb=spec.memory,
        invoked_function_arn=f"arn:{_pseudo('AWS::Partition')}:lambda:{region}:{ACCOUNT_ID}:function:{name}",
        log_group_name=f"/aws/lambda/{name}",
        log_stream_name=stream,
        timeout=spec.timeout,
    )


def lambda_variables(spec: FunctionSpec, context: LambdaContext) -> dict[str, str]:
    """The variables the Lambda runtime sets (and AWS_SAM_LOCAL, which keeps Powertools Tracer off)."""
    region = _region()
    return {
        "AWS_LAMBDA_FUNCTION_NAME": context.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
        "AWS_LAMBDA_FUNCTION_VERSION": context.function_version,
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
        "AWS_LAMBDA_LOG_GROUP_NAME": context.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": context.log_stream_name,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_SAM_LOCAL": "true",
        "_HANDLER": spec.handler,
    }


def _module_file(spec: FunctionSpec) -> tuple[str, Path, str]:
    module, _, function = spec.handler.rpartition(".")
    relative = module.replace(".", "/")
    for path in (spec.code_dir / f"{relative}.py", spec.code_dir / relative / "__init__.py"):
        if path.is_file():
            return module, path, function
    raise InvokeError(f"{spec.logical_id}: no module {module!r} in {spec.code_dir} (Handler {spec.handler})")


@contextlib.contextmanager
def _sandbox(code_dir: Path, env: Mapping[str, str], output: TextIO) -> Iterator[None]:
    """os.environ, sys.path, the code's modules and stdout as the function needs them; all restored."""
    saved_env, saved_path, saved_modules = dict(os.environ), list(sys.path), set(sys.modules)
    code_dir = code_dir.resolve()
    os.environ.update(env)
    sys.path.insert(0, str(code_dir))
    try:
        with contextlib.redirect_stdout(output), warnings.catch_warnings():
            warnings.showwarning = _warning_to(output)  # Powertools warns about empty metrics
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if origin and Path(origin).resolve().is_relative_to(code_dir):
                del sys.modules[name]  # the next invocation starts cold, like a new Lambda instance


def _warning_to(output: TextIO) -> Callable[..., None]:
    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, *_: Any) -> None:
        output.write(warnings.formatwarning(message, category, filename, lineno))

    return show


def invoke(
    spec: FunctionSpec, event: Any, extra_env: Mapping[str, str], *, output: TextIO | None = None
) -> Any:
    """Run the function's handler on ``event`` with its environment ``extra_env``; its result.

    The handler's own output (print, logs, metrics) goes to ``output`` (default: stderr), so stdout
    stays the result's. Raises FunctionFailed when the handler (or its module) raises.
    """
    if not spec.code_dir.is_dir():
        raise InvokeError(f"{spec.logical_id}: CodeUri {spec.code_dir} is not a folder")
    module_name, module_file, function_name = _module_file(spec)
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if spec.runtime and spec.runtime != here:
        logger.info("runtime differs from this interpreter", runtime=spec.runtime, interpreter=here)
    for layer in spec.layers:
        if layer.in_tree:
            logger.info("layer of this repository: assumed installed in this environment", layer=layer.name)
        else:
            logger.warning("layer not loaded: assumed installed in this environment", layer=layer.name)
    context = lambda_context(spec)
    env = {**extra_env, **lambda_variables(spec, context)}
    unique = re.sub(r"\W", "_", f"_invoked_{spec.logical_id}_{module_name}")
    with _sandbox(spec.code_dir, env, output or sys.stderr):
        try:
            module_spec = importlib.util.spec_from_file_location(unique, module_file)
            if module_spec is None or module_spec.loader is None:  # pragma: no cover - a .py file has one
                raise InvokeError(f"{spec.logical_id}: cannot import {module_file}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[unique] = module
            module_spec.loader.exec_module(module)
        except InvokeError:
            raise
        except (Exception, SystemExit) as exc:  # Lambda's Runtime.ImportModuleError
            raise FunctionFailed(spec.logical_id, exc) from exc
        handler = getattr(module, function_name, None)
        if not callable(handler):
            raise InvokeError(f"{spec.logical_id}: {module_file} has no function {function_name!r}")
        try:
            return handler(event, context)
        except (Exception, SystemExit) as exc:
            raise FunctionFailed(spec.logical_id, exc) from exc


# ------------------------------------------------------------------------------ the command
def read_json(path: str, what: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvokeError(f"cannot read {what} file {path}: {_reason(exc)}") from exc
    try:
        return parse_json(text)
    except ValueError as exc:  # not JSON, or nested too deeply
        raise InvokeError(f"{what} file {path} is not valid JSON: {exc}") from exc


def run_command(
    logical_id: str, event_file: str, env_vars_file: str | None, template_file: str, *, verbose: int = 0
) -> int:
    """``ai-news-tracker invoke``: the handler's result as JSON on stdout; FunctionFailed when it raises."""
    try:  # the Lambda runtime provides boto3; the package does not depend on it
        import boto3  # noqa: F401
    except ImportError as exc:
        raise InvokeError(
            "invoke needs boto3, which the Lambda runtime provides: make .venv/.installed installs it "
            "with the other development tools (or: pip install -r requirements-dev.txt)"
        ) from exc
    template = load_template(template_file)
    spec = function_spec(template, logical_id, Path(template_file).parent)
    event = read_json(event_file, "event")
    env_vars = read_json(env_vars_file, "env-vars") if env_vars_file else {}
    if not isinstance(env_vars, dict):
        raise InvokeError(f"env-vars file {env_vars_file} must hold an object")
    env = layer_paths(spec, merge_env_vars(spec, env_vars, os.environ), Path(template_file).parent.resolve())
    if verbose == 1:  # -v: the function's logs as its stack writes them, at its POWERTOOLS_LOG_LEVEL
        level = logging.getLevelName(str(env.get("POWERTOOLS_LOG_LEVEL") or "INFO").strip().upper())
        if isinstance(level, int):
            logging.getLogger(SERVICE).setLevel(level)
    started = time.monotonic()
    try:
        result = invoke(spec, event, env, output=sys.stderr if verbose else io.StringIO())
    except FunctionFailed as exc:
        if verbose:
            traceback.print_exception(type(exc.error), exc.error, exc.error.__traceback__, file=sys.stderr)
        raise
    elapsed = time.monotonic() - started
    try:
        text = json.dumps(result, ensure_ascii=False)
    except (TypeError, ValueError) as exc:  # Lambda's Runtime.MarshalError
        raise FunctionFailed(logical_id, exc) from exc
    print(text)
    if elapsed > spec.timeout:
        print(
            f"ai-news-tracker: warning: {logical_id} ran {elapsed:.1f} s, longer than its Timeout of "
            f"{spec.timeout} s: Lambda would have stopped it",
            file=sys.stderr,
        )
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
