"""Node bootstrap user data for managed node groups (Amazon Linux 2023, nodeadm).

Database nodes assemble their local NVMe instance-store disks into one RAID0 array that the
kubelet and containerd use, so database volumes on local storage get the whole NVMe bandwidth.
EKS merges this MIME part with its own bootstrap, which is why it must be multipart.
"""

from __future__ import annotations

import base64

_BOUNDARY = "DBAAS-NODECONFIG"

NVME_NODE_CONFIG = """apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  instance:
    localStorage:
      strategy: RAID0
"""


def nvme_user_data() -> str:
    """Base64 MIME multipart user data carrying the RAID0 NodeConfig (launch templates take base64)."""
    mime = (
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/mixed; boundary="{_BOUNDARY}"\n\n'
        f"--{_BOUNDARY}\n"
        "Content-Type: application/node.eks.aws\n\n"
        f"{NVME_NODE_CONFIG}\n"
        f"--{_BOUNDARY}--\n"
    )
    return base64.b64encode(mime.encode()).decode()
