"""The MSP tests reuse the real moto server of the AWS collector tests."""

from tests.aws.conftest import aws, imaging_standin, moto_url  # noqa: F401  (pytest fixtures)
