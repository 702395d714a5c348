"""Seed loading for accounts, identities, API keys, access policies and resource groups."""

from __future__ import annotations

from .auth import role_crn
from .seed import stable_id
from .world import World, seed_loader


@seed_loader
def load_accounts(world: World, seed: dict) -> None:
    data = world.data
    now = world.now_iso()
    for account in seed.get("accounts", []):
        data["accounts"][account["id"]] = dict(account)
    for identity in seed.get("identities", []):
        data["identities"][identity["iam_id"]] = dict(identity)
    for group in seed.get("resource_groups", []):
        gid = stable_id("resource-group", group["account_id"], group["name"])
        data["resource_groups"][gid] = {
            "id": gid,
            "crn": f"crn:v1:bluemix:public:resource-controller::a/{group['account_id']}::resource-group:{gid}",
            "account_id": group["account_id"],
            "name": group["name"],
            "state": "ACTIVE",
            "default": bool(group.get("default")),
            "enable_reclamation": False,
            "quota_id": stable_id("quota", gid),
            "quota_url": f"/v2/quota_definitions/{stable_id('quota', gid)}",
            "payment_methods_url": f"/v2/resource_groups/{gid}/payment_methods",
            "resource_linkages": [],
            "teams_url": f"/v2/resource_groups/{gid}/teams",
            "created_at": now,
            "updated_at": now,
        }
    for key in seed.get("api_keys", []):
        identity = data["identities"][key["iam_id"]]
        record = dict(key)
        record["id"] = "ApiKey-" + stable_id("apikey", key["apikey"], length=24)
        record["account_id"] = identity["account_id"]
        record["created_at"] = now
        if key.get("resource_group"):
            group = world.resource_group_by_name(identity["account_id"], key["resource_group"])
            record["resource_group_id"] = group["id"] if group else key["resource_group"]
            record.setdefault(
                "description",
                f"Kubernetes Service API key for region {key.get('region', '')} and resource group "
                f"{record['resource_group_id']}",
            )
        data["api_keys"][key["apikey"]] = record
    groups_by_name = {}
    for group in seed.get("access_groups", []):
        gid = "AccessGroupId-" + stable_id("access-group", group["account_id"], group["name"])
        groups_by_name[group["name"]] = gid
        data["access_groups"][gid] = {
            "id": gid,
            "name": group["name"],
            "description": group.get("description", ""),
            "account_id": group["account_id"],
            "members": list(group.get("members", [])),
            "created_at": now,
            "created_by_id": "IBMid-emulator",
            "last_modified_at": now,
            "last_modified_by_id": "IBMid-emulator",
            "is_federated": False,
        }
    for index, grant in enumerate(seed.get("access_policies", [])):
        # A grant names its subject by iam_id, or by access_group (a seeded group's name).
        group_id = groups_by_name.get(grant.get("access_group", ""))
        subject = (
            {"name": "access_group_id", "value": group_id} if group_id else {"name": "iam_id", "value": grant["iam_id"]}
        )
        pid = stable_id("access-policy", str(index), subject["value"], length=32)
        account_id = grant["resource"].get("accountId") or data["identities"][grant["iam_id"]]["account_id"]
        data["policies"][pid] = {
            "id": pid,
            "type": "access",
            "description": grant.get("description", "seeded access policy"),
            "subjects": [{"attributes": [subject]}],
            "roles": [{"role_id": role_crn(r), "display_name": r} for r in grant["roles"]],
            "resources": [
                {
                    "attributes": [
                        {"name": name, "value": value, "operator": "stringEquals"}
                        for name, value in sorted(grant["resource"].items())
                    ]
                }
            ],
            "href": f"/v1/policies/{pid}",
            "created_at": now,
            "created_by_id": "IBMid-emulator",
            "last_modified_at": now,
            "last_modified_by_id": "IBMid-emulator",
            "state": "active",
            "_account_id": account_id,
        }
