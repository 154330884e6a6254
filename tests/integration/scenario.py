#!/usr/bin/env python3
"""A scripted, seeded company story for lineaged's real-broker tests.

Writes <out>/{cloudtrail,okta,github,bedrock}.jsonl: people are created in
Okta; each creates IAM users, access keys, a GitHub token and sometimes a
Bedrock agent (CloudTrail, through an IAM Identity Center session); their keys
and agents are used (one key use in twenty is a denied call); some people
leave (Okta deactivation) and their keys and agents keep being used.
CloudTrail creation records of some people arrive
late (after their departure and after their keys' use), some records are
delivered twice, and usage is shuffled. The story avoids conditions that
later data would contradict, so the set of derived events does not depend on
how the input is split into batches: two correct runs must announce exactly
the same set.

usage: scenario.py OUTDIR [--people N] [--uses N] [--seed S]
"""
import argparse
import json
import os
import random
import uuid
from datetime import datetime, timedelta, timezone

ACCT = "210987654321"
T0 = datetime(2025, 6, 2, 8, 0, 0, tzinfo=timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--people", type=int, default=40)
    ap.add_argument("--uses", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    ids = random.Random(a.seed + 1)

    def uid():
        return str(uuid.UUID(int=ids.getrandbits(128)))

    def key(prefix):
        return prefix + "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))

    ct, okta, gh, br = [], [], [], []
    late = []  # CloudTrail creation records delivered after everything else
    keys = []  # (access key id, user arn, owner index)
    agents = []  # (agent id, role name, owner index)
    people = [f"user{i:03d}@corp.example" for i in range(a.people)]
    departed = {}
    for i, email in enumerate(people):
        okta.append({
            "uuid": uid(), "published": iso(T0 + timedelta(minutes=i)),
            "eventType": "user.lifecycle.create", "outcome": {"result": "SUCCESS"},
            "actor": {"id": "00uadmin", "type": "User", "alternateId": "admin@corp.example"},
            "target": [{"id": f"00u{i:05d}", "type": "User", "alternateId": email}],
        })
    for i, email in enumerate(people):
        sess = key("ASIA")
        who = {
            "type": "AssumedRole", "principalId": f"AROAXAMPLE:{email}",
            "arn": f"arn:aws:sts::{ACCT}:assumed-role/AWSReservedSSO_Admin_0a1b2c/{email}",
            "accountId": ACCT, "accessKeyId": sess,
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "userName": "AWSReservedSSO_Admin_0a1b2c",
                "arn": f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/"
                       "AWSReservedSSO_Admin_0a1b2c"}},
        }
        group = []
        t = T0 + timedelta(hours=2, minutes=i)
        for u in range(2):
            name = f"svc-{i:03d}-{u}"
            arn = f"arn:aws:iam::{ACCT}:user/{name}"
            group.append(ct_rec(uid(), t, "CreateUser", who, {"userName": name},
                                {"user": {"userName": name, "arn": arn, "userId": key("AIDA")}}))
            if u == 0 and i % 3 == 0:
                group.append(ct_rec(uid(), t + timedelta(seconds=1), "AttachUserPolicy", who,
                                    {"userName": name,
                                     "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
                                    None))
            k = key("AKIA")
            group.append(ct_rec(uid(), t + timedelta(seconds=2), "CreateAccessKey", who,
                                {"userName": name},
                                {"accessKey": {"accessKeyId": k, "userName": name,
                                               "status": "Active",
                                               "createDate": "Jun 2, 2025 10:00:00 AM"}}))
            keys.append((k, name, i))
        if i % 4 == 1:
            role = f"agent-exec-{i:03d}"
            agent = f"AG{i:08d}"
            group.append(ct_rec(uid(), t + timedelta(seconds=3), "CreateRole", who,
                                {"roleName": role, "assumeRolePolicyDocument": "{}"},
                                {"role": {"roleName": role,
                                          "arn": f"arn:aws:iam::{ACCT}:role/{role}"}}))
            group.append(ct_rec(uid(), t + timedelta(seconds=4), "CreateAgent", who,
                                {"agentName": f"helper-{i}",
                                 "agentResourceRoleArn": f"arn:aws:iam::{ACCT}:role/{role}"},
                                {"agent": {"agentId": agent, "agentName": f"helper-{i}",
                                           "agentResourceRoleArn":
                                               f"arn:aws:iam::{ACCT}:role/{role}"}},
                                source="bedrock.amazonaws.com"))
            agents.append((agent, role, i))
        # every fifth person's creation records arrive late (after all else)
        (late if i % 5 == 2 else ct).extend(group)
        gh.append({
            "@timestamp": int((t + timedelta(minutes=30)).timestamp() * 1000),
            "_document_id": uid(), "action": "personal_access_token.create",
            "actor": f"gh-{i:03d}", "user": f"gh-{i:03d}", "org": "corp",
            "external_identity_nameid": email,
            "hashed_token": f"tok{i:05d}+hash=", "programmatic_access_type":
                "Fine-grained personal access token",
            "user_programmatic_access_name": f"ci-{i}",
        })
    # an IAM user with no human behind it creates an admin with a key
    robot = {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCT}:user/robot",
             "userName": "robot", "accountId": ACCT, "accessKeyId": key("AKIA")}
    t = T0 + timedelta(hours=5)
    ct.append(ct_rec(uid(), t, "CreateUser", robot, {"userName": "break-glass"},
                     {"user": {"userName": "break-glass",
                               "arn": f"arn:aws:iam::{ACCT}:user/break-glass"}}))
    ct.append(ct_rec(uid(), t + timedelta(seconds=1), "AttachUserPolicy", robot,
                     {"userName": "break-glass",
                      "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, None))
    ct.append(ct_rec(uid(), t + timedelta(seconds=2), "CreateAccessKey", robot,
                     {"userName": "break-glass"},
                     {"accessKey": {"accessKeyId": key("AKIA"), "userName": "break-glass",
                                    "status": "Active"}}))
    # departures: every third person leaves on day 3
    for i, email in enumerate(people):
        if i % 3 == 1:
            when = T0 + timedelta(days=2, minutes=i)
            departed[i] = when
            okta.append({
                "uuid": uid(), "published": iso(when), "eventType": "user.lifecycle.deactivate",
                "outcome": {"result": "SUCCESS"},
                "actor": {"id": "00uadmin", "type": "User", "alternateId": "admin@corp.example"},
                "target": [{"id": f"00u{i:05d}", "type": "User", "alternateId": email}],
            })
    # usage, spread over five days, shuffled
    uses = []
    for n in range(a.uses):
        t = T0 + timedelta(hours=3) + timedelta(seconds=rnd.randrange(5 * 86400))
        if agents and rnd.random() < 0.1:
            agent, role, owner = rnd.choice(agents)
            if rnd.random() < 0.5:
                br.append({
                    "schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
                    "timestamp": iso(t), "accountId": ACCT, "region": "us-east-1",
                    "requestId": uid(), "operation": "Converse",
                    "modelId": "anthropic.claude-3-haiku",
                    "identity": {"arn": f"arn:aws:sts::{ACCT}:assumed-role/{role}/s{n}"},
                    "input": {"inputTokenCount": 10}, "output": {"outputTokenCount": 20},
                })
            else:
                who = {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCT}:assumed-role/{role}/s",
                       "accountId": ACCT, "accessKeyId": f"ASIAAGENT{owner:011d}",
                       "sessionContext": {"sessionIssuer": {
                           "type": "Role", "arn": f"arn:aws:iam::{ACCT}:role/{role}"}}}
                uses.append(ct_rec(uid(), t, "InvokeModel", who, {"modelId": "m"}, None,
                                   source="bedrock.amazonaws.com"))
            continue
        k, name, owner = rnd.choice(keys)
        who = {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCT}:user/{name}",
               "userName": name, "accountId": ACCT, "accessKeyId": k}
        use = ct_rec(uid(), t, rnd.choice(["ListBuckets", "GetObject", "DescribeInstances",
                                           "GetCallerIdentity"]), who, {}, None,
                     source="s3.amazonaws.com")
        if n % 20 == 7:  # a denied call: a use all the same, counted as a failed call
            use["errorCode"] = "AccessDenied"
            use["errorMessage"] = "User is not authorized to perform this action"
        uses.append(use)
    rnd.shuffle(uses)
    ct.extend(uses)
    ct.extend(late)
    # re-deliveries
    for lst in (ct, okta, gh):
        for r in rnd.sample(lst, max(1, len(lst) // 50)):
            lst.append(r)
    # one poison message in the middle of the stream: truncated JSON
    ct.insert(len(ct) // 2, '{"eventVersion":"1.09","eventID":"poison-1","eventTime":"2025-06-0')
    os.makedirs(a.out, exist_ok=True)
    for name, lst in (("cloudtrail", ct), ("okta", okta), ("github", gh), ("bedrock", br)):
        with open(os.path.join(a.out, name + ".jsonl"), "w") as f:
            for r in lst:
                f.write((r if isinstance(r, str) else json.dumps(r, separators=(",", ":"))) + "\n")
    print(json.dumps({"cloudtrail": len(ct), "okta": len(okta), "github": len(gh),
                      "bedrock": len(br), "departed": len(departed)}))


def ct_rec(eid, t, name, who, req, resp, source="iam.amazonaws.com"):
    return {
        "eventVersion": "1.09", "eventID": eid, "eventTime": iso(t), "eventName": name,
        "eventSource": source, "awsRegion": "us-east-1", "recipientAccountId": ACCT,
        "userIdentity": who, "requestParameters": req, "responseElements": resp,
        "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15",
        "readOnly": name.startswith(("List", "Get", "Describe")),
    }


if __name__ == "__main__":
    main()
