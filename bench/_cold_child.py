"""One cold start, in the fresh process that runs this file (started by ``bench/cold_start.py``).

    _cold_child.py boto3                      time ``import boto3`` alone
    _cold_child.py sdk SERVICE...             time ``import boto3`` and one client per service
    _cold_child.py sdk-call SERVICE...        the same, and one read call with each client (RAW_BUCKET,
                                              IDEMPOTENCY_TABLE, EDITION_TOPIC_ARN)
    _cold_child.py import NAME                time the import of functions/NAME/app.py alone
    _cold_child.py import-without-tracer NAME the same with Powertools' Tracer stubbed out (no X-Ray SDK)
    _cold_child.py init NAME                  time the import of functions/NAME/app.py and building its
                                              Deployment (the function's INIT phase; no AWS call)
    _cold_child.py handler NAME EVENT_FILE    time the import of functions/NAME/app.py, building its
                                              Deployment, and its first invocation with the event

Prints one JSON object: the phases in seconds and the peak RSS in KB. Nothing but ``time`` is imported
before the clock starts.
"""

import time

T0 = time.perf_counter()

import importlib.util  # noqa: E402 - after the clock starts: the import is part of the cold start
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


class Context:
    """What Lambda passes as ``context`` (the attributes Powertools reads)."""

    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "00000000-0000-0000-0000-000000000001"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "stream"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def load(name: str) -> object:
    """functions/NAME/app.py, imported as Lambda imports a handler module."""
    path = Path(__file__).resolve().parents[1] / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"app_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def without_tracer() -> None:
    """What a handler without Powertools' Tracer would cost: the Tracer made a no-op."""
    import aws_lambda_powertools.tracing.tracer as tracing

    tracing.Tracer.__init__ = lambda self, *args, **kwargs: None  # type: ignore[method-assign]
    tracing.Tracer.capture_lambda_handler = lambda self, f=None, **kwargs: f  # type: ignore


def first_call(service: str, client: Any) -> None:
    """One read call, as the function's first call of that service would make (signing, endpoint
    resolution, a connection): what any function that calls AWS pays on a cold start."""
    if service == "s3":
        client.list_objects_v2(Bucket=os.environ["RAW_BUCKET"], MaxKeys=1)
    elif service == "dynamodb":
        client.get_item(TableName=os.environ["IDEMPOTENCY_TABLE"], Key={"id": {"S": "floor"}})
    elif service == "sns":
        client.get_topic_attributes(TopicArn=os.environ["EDITION_TOPIC_ARN"])
    else:
        raise ValueError(f"no first call for {service}")


def warm_invocation(module: Any, event: dict[str, Any]) -> tuple[float, Any]:
    """The same job again in the same process, as a warm container runs it: the same clients and
    connections, against resources in the state the cold invocation found (``WARM_*``: a second set of
    buckets and table that the parent filled the same way). Cold start = cold total - this."""
    from ai_news_tracker import service

    cold = module.deployment()
    os.environ.update(
        RAW_BUCKET=os.environ["WARM_RAW_BUCKET"],
        SITE_BUCKET=os.environ["WARM_SITE_BUCKET"],
        IDEMPOTENCY_TABLE=os.environ["WARM_IDEMPOTENCY_TABLE"],
    )
    warm = service.Deployment.from_env(
        os.environ,
        s3_client=cold.pipeline.repo.store.client,
        sns_client=cold.announcer.client if cold.announcer else None,
        dynamodb_client=cold.persistence.client if cold.persistence else None,
        http=cold.pipeline.http,
    )
    module.deployment = lambda: warm
    t = time.perf_counter()
    result = module.lambda_handler(event, Context())
    return time.perf_counter() - t, result


def main() -> None:
    mode = sys.argv[1]
    out: dict[str, object] = {"mode": mode}
    if mode == "boto3":
        import boto3

        out["total"] = time.perf_counter() - T0
    elif mode in ("sdk", "sdk-call"):
        import boto3

        out["import"] = time.perf_counter() - T0
        for service in sys.argv[2:]:
            client = boto3.client(service)  # type: ignore[call-overload]
            if mode == "sdk-call":
                first_call(service, client)
        out["total"] = time.perf_counter() - T0
    elif mode in ("import", "import-without-tracer"):
        name = sys.argv[2]
        if mode == "import-without-tracer":
            without_tracer()
        load(name)
        out["import"] = out["total"] = time.perf_counter() - T0
        out["modules"] = len(sys.modules)
    elif mode == "init":
        module: Any = load(sys.argv[2])
        out["import"] = time.perf_counter() - T0
        t = time.perf_counter()
        module.deployment()
        out["deployment"] = time.perf_counter() - t
        out["total"] = time.perf_counter() - T0
        out["modules"] = len(sys.modules)
    else:
        name, event_file = sys.argv[2], sys.argv[3]
        event = json.loads(Path(event_file).read_text(encoding="utf-8"))
        if os.environ.get("BENCH_WITHOUT_TRACER"):
            without_tracer()
        t = time.perf_counter()
        module = load(name)
        out["import"] = time.perf_counter() - t
        t = time.perf_counter()
        module.deployment()  # settings, configuration, the pipeline: no AWS call yet
        out["deployment"] = time.perf_counter() - t
        t = time.perf_counter()
        result = module.lambda_handler(event, Context())
        out["invoke"] = time.perf_counter() - t
        out["total"] = time.perf_counter() - T0
        out["result"] = result
        out["modules"] = len(sys.modules)
        if os.environ.get("WARM_RAW_BUCKET"):
            out["warm"], out["warm_result"] = warm_invocation(module, event)

    out["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out, default=str))


main()
