"""One cold start, in the fresh process that runs this file (started by ``bench/cold_start.py``).

    _cold_child.py boto3                      time ``import boto3`` alone
    _cold_child.py sdk SERVICE...             time ``import boto3`` and one client per service
    _cold_child.py sdk-call SERVICE...        the same, and one read call with each client (s3: RAW_BUCKET,
                                              dynamodb: IDEMPOTENCY_TABLE, sns: EDITION_TOPIC_ARN, sesv2:
                                              SENDER_ADDRESS, sqs: SEND_QUEUE_URL, ssm: TOKEN_KEY_PARAMETER)
    _cold_child.py import NAME                time the import of functions/NAME/app.py alone
    _cold_child.py import-without-tracer NAME the same with Powertools' Tracer stubbed out (no X-Ray SDK)
    _cold_child.py init NAME                  time the import of functions/NAME/app.py and building its
                                              Deployment (the function's INIT phase; no AWS call)
    _cold_child.py handler NAME EVENT_FILE    time the import of functions/NAME/app.py, building its
                                              Deployment, and its first invocation with the event; then
                                              (with WARM_RAW_BUCKET set) time the same event again, the
                                              same deployment retargeted at the WARM_* resources (a warm
                                              container's second invocation)

Prints one JSON object: the phases in seconds, the handler's answers and the peak RSS in KB. Nothing but
``time`` is imported before the clock starts. Between the cold and the warm invocation, a request to
``AWS_ENDPOINT_URL``/__bench__/mark lets ``bench/_fake_aws.py`` count the AWS calls of each apart.
"""

import time

T0 = time.perf_counter()

import importlib.util  # noqa: E402 - after the clock starts: the import is part of the cold start
import json  # noqa: E402
import os  # noqa: E402
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

    def capture(self: Any, f: Any = None, **kwargs: Any) -> Any:
        """``@tracer.capture_lambda_handler`` and ``@tracer.capture_lambda_handler(...)`` alike."""
        return f if f is not None else (lambda handler: handler)

    tracing.Tracer.__init__ = lambda self, *args, **kwargs: None  # type: ignore[method-assign]
    tracing.Tracer.capture_lambda_handler = capture  # type: ignore[method-assign,assignment]


def peak_rss_kb() -> int:
    """This process's peak RSS: VmHWM, which starts afresh at exec. Not ru_maxrss: Linux carries it over
    exec from the forked parent, so it would report the bench's own RSS (moto's backends) instead."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def first_call(service: str, client: Any) -> None:
    """One read call, as the function's first call of that service would make (signing, endpoint
    resolution, a connection): what any function that calls AWS pays on a cold start."""
    if service == "s3":
        client.list_objects_v2(Bucket=os.environ["RAW_BUCKET"], MaxKeys=1)
    elif service == "dynamodb":
        client.get_item(TableName=os.environ["IDEMPOTENCY_TABLE"], Key={"id": {"S": "floor"}})
    elif service == "sns":
        client.get_topic_attributes(TopicArn=os.environ["EDITION_TOPIC_ARN"])
    elif service == "sesv2":  # the sender identity (moto has no GetAccount)
        client.get_email_identity(EmailIdentity=os.environ["SENDER_ADDRESS"])
    elif service == "sqs":
        client.get_queue_attributes(QueueUrl=os.environ["SEND_QUEUE_URL"], AttributeNames=["QueueArn"])
    elif service == "ssm":  # the token key, as the email functions read it (a SecureString, decrypted)
        client.get_parameter(Name=os.environ["TOKEN_KEY_PARAMETER"], WithDecryption=True)
    else:
        raise ValueError(f"no first call for {service}")


def without_waits(module: Any) -> None:
    """The subscribe endpoint answers no sooner than MIN_SUBSCRIBE_SECONDS (1 s, so that the time taken
    tells nothing about the address): a deliberate wait, not start-up work, that would hide the first
    invocation's cost in the cold run and the warm one alike. Set to 0, as the tests do."""
    if hasattr(module, "MIN_SUBSCRIBE_SECONDS"):
        module.MIN_SUBSCRIBE_SECONDS = 0.0


def mark() -> None:
    """Tell fake AWS that the cold invocation ended (after its clock stopped; http.client is loaded
    already, by urllib3), so that it counts the calls of the cold and the warm run apart."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(os.environ["AWS_ENDPOINT_URL"])
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        connection.request("GET", "/__bench__/mark")
        connection.getresponse().read()
    finally:
        connection.close()


def retarget(deployment: Any) -> None:
    """Point a deployment at the ``WARM_*`` resources in place, keeping its objects (clients, connections,
    compiled templates, cached edition and token key): what a warm container has, with other names."""
    import dataclasses  # loaded already, by the package

    env = os.environ
    if isinstance(deployment, tuple):  # unsubscribe_mail's: (Subscriptions, Tokens)
        for part in deployment:
            retarget(part)
        return
    built = vars(deployment)  # what exists already (the cached properties the cold invocation used)
    if "base" in built:  # MailDeployment (send_email, send_batch, subscription): a Deployment inside
        retarget(deployment.base)
        if "subscriptions" in built:
            retarget(deployment.subscriptions)
        if "queue" in built:
            deployment.queue.url = env["WARM_SEND_QUEUE_URL"]
        # what the cold invocation did not build is built from the settings: a frozen dataclass, so a
        # new one with the warm names
        deployment.settings = dataclasses.replace(
            deployment.settings,
            subscribers_table=env["WARM_SUBSCRIBERS_TABLE"],
            send_queue_url=env["WARM_SEND_QUEUE_URL"],
        )
    elif "store" in built:  # Subscriptions (bounce's deployment, and the email functions')
        deployment.store.table = env["WARM_SUBSCRIBERS_TABLE"]
    elif "_keys" in built:  # Tokens (unsubscribe_mail's): the same key parameter, its key cached already
        pass
    else:  # service.Deployment (the fetch and render functions)
        deployment.pipeline.repo.store.bucket = env["WARM_RAW_BUCKET"]  # the email functions' sent log too
        deployment.pipeline.site.bucket = env["WARM_SITE_BUCKET"]
        if deployment.persistence is not None:
            deployment.persistence.table_name = env["WARM_IDEMPOTENCY_TABLE"]


def record_errors(module: Any) -> list[str]:
    """Why a batch handler reported records as failed (Powertools' BatchProcessor keeps their exceptions
    until the next invocation, and logs them at DEBUG only): for the bench's check of the job."""
    processor = getattr(module, "processor", None)
    return [f"{info[0].__name__}: {info[1]}" for info in getattr(processor, "exceptions", None) or []]


def warm_invocation(module: Any, event: dict[str, Any]) -> tuple[float, Any]:
    """The same job again in the same process, as a warm container runs it: the same deployment (its
    clients, connections, compiled templates and caches), retargeted at resources in the state the cold
    invocation found (``WARM_*``: a second set of buckets, tables and queue that the parent filled the
    same way). Cold start = cold total - this."""
    retarget(module.deployment())
    t = time.perf_counter()
    result = module.lambda_handler(event, Context())
    return time.perf_counter() - t, result


def profiled(label: str) -> Any:
    """With BENCH_PROFILE=DIR (``cold_start.py --profile DIR``): a started cProfile whose stop() writes
    DIR/<label>.prof; else None. Where a cold start goes, not how long it takes (profiling slows it)."""
    folder = os.environ.get("BENCH_PROFILE")
    if not folder:
        return None
    import cProfile

    profile = cProfile.Profile()

    def stop() -> None:
        profile.disable()
        profile.dump_stats(str(Path(folder) / f"{label}.prof"))

    profile.stop = stop  # type: ignore[attr-defined]
    profile.enable()
    return profile


def handler(name: str, event_file: str, out: dict[str, object]) -> None:
    """Import, deployment and the first invocation, timed; then the warm one (with WARM_* set)."""
    event = json.loads(Path(event_file).read_text(encoding="utf-8"))
    if os.environ.get("BENCH_WITHOUT_TRACER"):
        without_tracer()
    profile = profiled(name)
    t = time.perf_counter()
    module: Any = load(name)
    out["import"] = time.perf_counter() - t
    without_waits(module)
    t = time.perf_counter()
    module.deployment()  # settings, configuration, the pipeline: no AWS call yet
    out["deployment"] = time.perf_counter() - t
    t = time.perf_counter()
    result = module.lambda_handler(event, Context())
    out["invoke"] = time.perf_counter() - t
    out["total"] = time.perf_counter() - T0
    if profile is not None:
        profile.stop()
    out["result"] = result
    out["modules"] = len(sys.modules)
    out["package"] = sys.modules["ai_news_tracker"].__file__  # the emulated layer's copy (PYTHONPATH)
    errors = record_errors(module)
    if os.environ.get("WARM_RAW_BUCKET"):
        mark()
        profile = profiled(f"{name}-warm")
        out["warm"], out["warm_result"] = warm_invocation(module, event)
        if profile is not None:
            profile.stop()
        errors += [f"warm: {error}" for error in record_errors(module)]
    out["errors"] = errors


def main() -> None:
    mode = sys.argv[1]
    out: dict[str, object] = {"mode": mode}
    if mode == "boto3":
        import boto3

        out["total"] = time.perf_counter() - T0
    elif mode in ("sdk", "sdk-call"):
        profile = profiled(f"floor-{'-'.join(sys.argv[2:])}")
        import boto3

        out["import"] = time.perf_counter() - T0
        for service in sys.argv[2:]:
            client = boto3.client(service)  # type: ignore[call-overload]
            if mode == "sdk-call":
                first_call(service, client)
        out["total"] = time.perf_counter() - T0
        if profile is not None:
            profile.stop()
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
        handler(sys.argv[2], sys.argv[3], out)

    out["maxrss_kb"] = peak_rss_kb()
    print(json.dumps(out, default=str))


main()
