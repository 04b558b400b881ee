"""Start a Ray cluster on this machine, print its address, and stop it when stdin closes.

Run by the ``ray_cluster`` fixture in a process of its own: Ray's threads and signal handlers then
stay out of the test process (a process forked from one that holds them hangs in them).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

from ray.cluster_utils import Cluster  # noqa: E402

cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2, "object_store_memory": 80 * 1024**2,
                                                        "include_dashboard": False})
try:
    print(cluster.address, flush=True)
    sys.stdin.read()   # until the test session closes the pipe
finally:
    cluster.shutdown()
