"""The package's structured logger (Powertools). Entry points create the parent logger."""

from __future__ import annotations

from aws_lambda_powertools import Logger

SERVICE = "ai-news-tracker"


def get_logger() -> Logger:
    """A child of the service logger that the CLI or a Lambda handler sets up."""
    return Logger(service=SERVICE, child=True)
