"""The package's structured logger (Powertools). Entry points create the parent logger.

Modules log through a child logger whose level is left unset, so the level the entry point gives
the parent (the CLI's ``-v``, a Lambda's ``POWERTOOLS_LOG_LEVEL``) decides what is written.
"""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger

SERVICE = "ai-news-tracker"


def get_logger() -> Logger:
    """A child of the service logger that the CLI or a Lambda handler sets up."""
    logger = Logger(service=SERVICE, child=True)
    logger.setLevel(logging.NOTSET)
    return logger


def debug_enabled() -> bool:
    """Whether DEBUG is written (the CLI's ``-vv``, ``POWERTOOLS_LOG_LEVEL=DEBUG``): for logs whose data
    costs something to gather."""
    return logging.getLogger(SERVICE).isEnabledFor(logging.DEBUG)


# What the functions' Powertools Tracer patches: the libraries they call AWS and the web with. The
# default patches every library the X-Ray SDK knows, importing each one (about 30 ms of cold start).
# The fetch, render, send_email, bounce and unsubscribe-mail functions: S3, DynamoDB, SNS, SQS and SSM.
# The fetch functions do not patch requests: the X-Ray SDK records Session.request, and HttpClient
# sends prepared requests (Session.send) on worker threads, so it recorded none of their fetches; the
# logs give each one's outcome (http get, http get failed, feed fetched).
TRACED_AWS_ONLY = ("botocore",)
# The functions that send mail through SES (subscription, send_batch) patch nothing: the X-Ray SDK's
# botocore patch records every AWS error with its message, for every client of the process, and SES's
# refusals name their recipient (the sandbox's "failed the check …: <address>"), which the logs and the
# sent log hash (mail.hide_addresses). Their traces keep the handler's subsegment, not one per AWS call.
TRACED_NOTHING: tuple[str, ...] = ()
# The summarizer providers that call their model with requests: the render function patches requests
# only when it is configured with one (importing requests costs ~15 ms of a cold start).
HTTP_SUMMARIZERS = frozenset({"openai"})
