"""An S3 endpoint on loopback for drills: moto's threaded server, throwaway credentials.

The credentials are random per run and accepted by nothing but this server; they reach the
barman-cloud processes as the usual AWS_* environment, in the place of the web identity a pod gets
through IRSA (boto3 reads either from the environment). They are never printed.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator


@dataclass(frozen=True)
class LoopbackS3:
    endpoint_url: str
    region: str
    env: dict[str, str]
    """AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION: throwaway, for this server only."""

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region,
                            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"])


@contextmanager
def loopback_s3(region: str) -> Iterator[LoopbackS3]:
    """moto's S3 on 127.0.0.1 at a free port, for the duration of the block."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log lines on our stderr
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env = {"AWS_ACCESS_KEY_ID": f"DRILL{secrets.token_hex(8).upper()}",
               "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30), "AWS_DEFAULT_REGION": region}
        yield LoopbackS3(endpoint_url=f"http://{host}:{port}", region=region, env=env)
    finally:
        server.stop()
