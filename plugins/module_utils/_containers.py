# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""IBM Cloud Kubernetes Service API (IKS, Red Hat OpenShift on IBM Cloud, Satellite): clusters and KMS."""

from __future__ import annotations

from typing import Any, Callable, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import JsonService, Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import NotFoundError

VIEWER_HINT = "Reading a cluster needs the Viewer platform role on it."
ADMINISTRATOR_HINT = "Enabling KMS on a cluster needs the Administrator platform role on the cluster."
OPERATOR_HINT = "Creating and deleting worker pools needs the Operator platform role on the cluster."
# The list routes per infrastructure provider; /v2/getCluster serves every provider.
LIST_PATHS = (
    ("/v2/vpc/getClusters", {"provider": "vpc-gen2"}),
    ("/v2/classic/getClusters", None),
    ("/v2/satellite/getClusters", None),
)
LIFECYCLE_FIELDS = ("masterStatus", "masterState", "masterHealth", "masterStatusModifiedDate")


def lifecycle(cluster: dict) -> dict:
    """Master lifecycle fields, read from the nested v2 object first and the flat v1 fields second."""
    nested = cluster.get("lifecycle") or {}
    return {name: nested.get(name, cluster.get(name)) for name in LIFECYCLE_FIELDS}


def kms_enabled(cluster: dict) -> bool:
    features = cluster.get("features") or {}
    return bool(features.get("keyProtectEnabled", cluster.get("keyProtectEnabled", False)))


class ContainersClient(JsonService):
    """Calls on the global Kubernetes Service API (``Session.url("containers")`` ends in ``/global``)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, session.url("containers"))

    def get_cluster(self, ref: str) -> Optional[dict]:
        """A cluster by id or name (any provider); None when it does not exist."""
        try:
            return self.request(
                "GET",
                "/v2/getCluster",
                params={"cluster": ref, "v1-compatible": "true"},
                what="get cluster",
                hint=VIEWER_HINT,
            )
        except NotFoundError:
            return None

    def list_clusters(self) -> list:
        """Every VPC, classic and Satellite cluster the caller can see, sorted by name."""
        found: dict = {}
        for path, params in LIST_PATHS:
            for cluster in self.request("GET", path, params=params, what="list clusters", hint=VIEWER_HINT) or []:
                found.setdefault(cluster["id"], cluster)
        return sorted(found.values(), key=lambda c: (c.get("name") or "", c["id"]))

    def cluster_key_owner(self, cluster_id: str) -> dict:
        """``ibmcloud ks api-key info --cluster``: the owner of the API key the cluster's region and resource group
        use, as IKS answers it (bluemix-go ApiKeyInfo: ID, Name, Email; field names read case-insensitively)."""
        answer = self.cluster_key_owner_answer(cluster_id)
        return {str(name).lower(): value for name, value in (answer or {}).items()} if isinstance(answer, dict) else {}

    def cluster_key_owner_answer(self, cluster_id: str) -> Any:
        """The body of GET /v1/logging/{cluster}/clusterkeyowner as IKS sends it (its shape is unpublished)."""
        return self.request(
            "GET", f"/v1/logging/{cluster_id}/clusterkeyowner", what="get the cluster's API key owner", hint=VIEWER_HINT
        )

    def enable_kms(self, request: dict, applied: Callable[[], bool]) -> None:
        """POST /v2/enableKMS once; after an ambiguous failure ``applied`` says whether it took effect."""
        body = {k: v for k, v in request.items() if v is not None}
        self.create(
            "/v2/enableKMS",
            body=body,
            find=lambda: True if applied() else None,
            what=f"enable KMS on {request['cluster']}",
            hint=ADMINISTRATOR_HINT,
        )

    def worker_pools(self, cluster: str) -> list:
        """The worker pools of a VPC cluster (GET /v2/vpc/getWorkerPools)."""
        return (
            self.request(
                "GET", "/v2/vpc/getWorkerPools", params={"cluster": cluster}, what="list worker pools", hint=VIEWER_HINT
            )
            or []
        )

    def create_worker_pool(self, body: dict, find: Callable[[], Optional[dict]]) -> Any:
        """POST /v2/vpc/createWorkerPool once; after an ambiguous failure ``find`` looks for the pool first."""
        return self.create(
            "/v2/vpc/createWorkerPool",
            body=body,
            find=find,
            what=f"create worker pool {body['name']}",
            hint=OPERATOR_HINT,
        )

    def delete_worker_pool(self, cluster: str, pool: str) -> None:
        """DELETE /v1/clusters/{cluster}/workerpools/{pool} (bluemix-go, the Terraform provider)."""
        self.request(
            "DELETE",
            f"/v1/clusters/{cluster}/workerpools/{pool}",
            what=f"delete worker pool {pool}",
            hint=OPERATOR_HINT,
        )
