#!/usr/bin/env python3
"""Conformance of the sandbox against AWS's own service models, checked with botocore (the AWS
CLI's library) as an independent client: every operation the sandbox serves is called, its
parsed output is checked against the model's output shape (types, required members), and each
modelled error the sandbox can produce is triggered and its code checked against the
operation's modelled errors (or AWS's common errors).

Usage: sandbox_conformance.py URL ACCESS_KEY SECRET   (run by tests/sandbox/conformance.rs)
"""

import datetime
import importlib.util
import json
import os
import sys
import urllib.request

import botocore.session
import botocore.validate
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "gen", os.path.join(HERE, "..", "scripts", "gen_sandbox_model.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
SERVED = gen.SERVED  # the same list the Rust model tables are generated from

# AWS's common errors (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html and
# the same page of every service), plus each protocol's spelling of them.
COMMON = {
    "AccessDenied", "AccessDeniedException", "IncompleteSignature", "InternalFailure",
    "InvalidAction", "InvalidClientTokenId", "MissingAction", "MissingAuthenticationToken",
    "MissingAuthenticationTokenException", "ExpiredToken", "ExpiredTokenException",
    "UnrecognizedClientException", "NotAuthorized", "RequestExpired", "ServiceUnavailable",
    "Throttling", "ThrottlingException", "ValidationError", "UnknownOperationException",
    "SerializationException",
}
# Errors IAM's model declares on the service but not on every operation that returns them:
# SimulatePrincipalPolicy rejects a PolicyInputList document as PutRolePolicy does.
SERVICE_WIDE = {("iam", "SimulatePrincipalPolicy"): {"MalformedPolicyDocument"}}

URL, KEY, SECRET = sys.argv[1:4]
ROLE = "AWSBackupDefaultServiceRole"
failures = []
called = set()


def client(service, key=KEY):
    return botocore.session.get_session().create_client(
        service, region_name="us-east-1", endpoint_url=URL, aws_access_key_id=key,
        aws_secret_access_key=SECRET,
        config=Config(retries={"max_attempts": 1}, parameter_validation=False))


def check_shape(shape, value, path):
    kind = shape.type_name
    if shape.name == "policyDocumentType" and isinstance(value, dict):
        # botocore's own handler URL-decodes and JSON-parses IAM's policy documents: a dict here
        # proves the document was URL-encoded JSON, as IAM sends it.
        return
    expected = {
        "string": str, "integer": int, "long": int, "boolean": bool, "list": list,
        "map": dict, "structure": dict, "timestamp": datetime.datetime, "blob": bytes,
        "double": float, "float": float,
    }[kind]
    if not isinstance(value, expected) or (kind in ("integer", "long") and isinstance(value, bool)):
        failures.append(f"{path}: {type(value).__name__} where the model has {kind}")
        return
    if kind == "structure":
        for name in shape.required_members:
            if name not in value:
                failures.append(f"{path}: required member {name} missing")
        for name, member in value.items():
            if name == "ResponseMetadata" and path.count(".") == 0:
                continue
            if name not in shape.members:
                failures.append(f"{path}: {name} is not in the model")
                continue
            check_shape(shape.members[name], member, f"{path}.{name}")
    elif kind == "list":
        for i, item in enumerate(value):
            check_shape(shape.member, item, f"{path}[{i}]")
    elif kind == "map":
        for k, v in value.items():
            check_shape(shape.value, v, f"{path}[{k}]")
    elif kind == "string" and shape.enum and value not in shape.enum:
        failures.append(f"{path}: {value!r} is not one of {shape.enum}")


def call(c, operation, **params):
    """A call that must succeed, with model-valid input and model-shaped output."""
    model = c.meta.service_model.operation_model(operation)
    if model.input_shape is not None:
        report = botocore.validate.ParamValidator().validate(params, model.input_shape)
        if report.has_errors():
            failures.append(f"{operation}: the test's own input is invalid: {report.generate_report()}")
    method = getattr(c, botocore.xform_name(operation))
    try:
        out = method(**params)
    except ClientError as e:
        failures.append(f"{operation}: failed: {e}")
        return {}
    except Exception as e:  # a parse failure is a conformance failure
        failures.append(f"{operation}: botocore could not parse the response: {e!r}")
        return {}
    called.add((c.meta.service_model.endpoint_prefix, operation))
    if model.output_shape is not None:
        check_shape(model.output_shape, out, operation)
    return out


def refuse(c, operation, expected, **params):
    """A call that must fail with `expected`, an error the model lists for it (or a common one)."""
    model = c.meta.service_model.operation_model(operation)
    service = c.meta.service_model.service_name
    codes = {e.metadata.get("error", {}).get("code", e.name) for e in model.error_shapes}
    codes |= {e.name for e in model.error_shapes}
    allowed = codes | COMMON | SERVICE_WIDE.get((service, operation), set())
    try:
        getattr(c, botocore.xform_name(operation))(**params)
        failures.append(f"{operation}: expected {expected}, but it succeeded")
    except ClientError as e:
        code = e.response["Error"]["Code"]
        if code != expected:
            failures.append(f"{operation}: expected {expected}, got {code}: {e}")
        if code not in allowed:
            failures.append(f"{operation}: {code} is neither modelled for it nor a common error")


sts, iam, backup = client("sts"), client("iam"), client("backup")

me = call(sts, "GetCallerIdentity")
jobs = call(backup, "ListRestoreJobs", ByStatus="FAILED", MaxResults=1)
job = jobs["RestoreJobs"][0]
token = job["StatusMessage"].rsplit(" ", 1)[-1]
call(sts, "DecodeAuthorizationMessage", EncodedMessage=token)
call(backup, "DescribeRestoreJob", RestoreJobId=job["RestoreJobId"])
metadata = call(backup, "GetRestoreJobMetadata", RestoreJobId=job["RestoreJobId"])["Metadata"]
role = call(iam, "GetRole", RoleName=ROLE)["Role"]
call(iam, "ListRolePolicies", RoleName=ROLE, MaxItems=1)
attached = call(iam, "ListAttachedRolePolicies", RoleName=ROLE)["AttachedPolicies"]
arn = attached[0]["PolicyArn"]
call(iam, "GetPolicy", PolicyArn=arn)
call(iam, "GetPolicyVersion", PolicyArn=arn, VersionId="v1")
document = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "Conformance",
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
    "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}]})
call(iam, "PutRolePolicy", RoleName=ROLE, PolicyName="Conformance", PolicyDocument=document)
call(iam, "GetRolePolicy", RoleName=ROLE, PolicyName="Conformance")
call(iam, "SimulatePrincipalPolicy", PolicySourceArn=role["Arn"],
     ActionNames=["s3:GetObject", "s3:PutObject"], ResourceArns=["arn:aws:s3:::b/k"],
     PolicyInputList=[document], MaxItems=1)
call(iam, "DeleteRolePolicy", RoleName=ROLE, PolicyName="Conformance")
call(iam, "ListUserPolicies", UserName="sandbox-admin")
call(iam, "PutUserPolicy", UserName="sandbox-admin", PolicyName="Conformance", PolicyDocument=document)
call(iam, "GetUserPolicy", UserName="sandbox-admin", PolicyName="Conformance")
call(iam, "DeleteUserPolicy", UserName="sandbox-admin", PolicyName="Conformance")
# A customer-managed policy's whole life: versions (at most five), attachment, deletion.
managed = call(iam, "CreatePolicy", PolicyName="ConformanceFixes", PolicyDocument=document)
managed_arn = managed.get("Policy", {}).get("Arn", "arn:aws:iam::111122223333:policy/ConformanceFixes")
call(iam, "CreatePolicyVersion", PolicyArn=managed_arn, PolicyDocument=document, SetAsDefault=True)
call(iam, "ListPolicyVersions", PolicyArn=managed_arn)
call(iam, "SetDefaultPolicyVersion", PolicyArn=managed_arn, VersionId="v1")
call(iam, "DeletePolicyVersion", PolicyArn=managed_arn, VersionId="v2")
call(iam, "AttachRolePolicy", RoleName=ROLE, PolicyArn=managed_arn)
refuse(iam, "CreatePolicy", "EntityAlreadyExists", PolicyName="ConformanceFixes", PolicyDocument=document)
refuse(iam, "CreatePolicy", "MalformedPolicyDocument", PolicyName="Bad",
       PolicyDocument='{"Statement":{"Effect":"Allow","Action":"s3:GetObject"}}')
refuse(iam, "DeletePolicy", "DeleteConflict", PolicyArn=managed_arn)
refuse(iam, "DeletePolicyVersion", "DeleteConflict", PolicyArn=managed_arn, VersionId="v1")
for _ in range(4):
    call(iam, "CreatePolicyVersion", PolicyArn=managed_arn, PolicyDocument=document)
refuse(iam, "CreatePolicyVersion", "LimitExceeded", PolicyArn=managed_arn, PolicyDocument=document)
for version in ("v3", "v4", "v5", "v6"):
    call(iam, "DeletePolicyVersion", PolicyArn=managed_arn, VersionId=version)
refuse(iam, "SetDefaultPolicyVersion", "NoSuchEntity", PolicyArn=managed_arn, VersionId="v9")
call(iam, "AttachUserPolicy", UserName="sandbox-admin", PolicyArn=managed_arn)
call(iam, "ListAttachedUserPolicies", UserName="sandbox-admin")
call(iam, "DetachUserPolicy", UserName="sandbox-admin", PolicyArn=managed_arn)
refuse(iam, "DetachUserPolicy", "NoSuchEntity", UserName="sandbox-admin", PolicyArn=managed_arn)
refuse(iam, "ListAttachedUserPolicies", "NoSuchEntity", UserName="Nope")
call(iam, "DetachRolePolicy", RoleName=ROLE, PolicyArn=managed_arn)
refuse(iam, "DetachRolePolicy", "NoSuchEntity", RoleName=ROLE, PolicyArn=managed_arn)
call(iam, "DeletePolicy", PolicyArn=managed_arn)
refuse(iam, "DeletePolicy", "NoSuchEntity", PolicyArn=managed_arn)
refuse(iam, "AttachRolePolicy", "NoSuchEntity", RoleName=ROLE, PolicyArn=managed_arn)
call(backup, "StartRestoreJob", RecoveryPointArn=job["RecoveryPointArn"],
     IamRoleArn=job["IamRoleArn"], Metadata=metadata, IdempotencyToken="conformance-1")

# Organizations (awsJson1_1): the tree from the root to this account and its policies.
org, kms = client("organizations"), client("kms")
call(org, "DescribeOrganization")
roots = call(org, "ListRoots").get("Roots") or [{"Id": "r-a1b2"}]
call(org, "ListChildren", ParentId=roots[0]["Id"], ChildType="ORGANIZATIONAL_UNIT")
call(org, "ListParents", ChildId=me.get("Account", "111122223333"))
call(org, "ListPoliciesForTarget", TargetId=roots[0]["Id"], Filter="SERVICE_CONTROL_POLICY")
call(org, "DescribePolicy", PolicyId="p-FullAWSAccess")
call(org, "ListTargetsForPolicy", PolicyId="p-RCPFullAWSAccess")
# KMS (awsJson1_1): a key of this account by ARN and by ID.
KEY_ID = "9f8e7d6c-5b4a-4321-8765-0fedcba98765"
call(kms, "GetKeyPolicy", KeyId=f"arn:aws:kms:us-east-1:111122223333:key/{KEY_ID}", PolicyName="default")
call(kms, "DescribeKey", KeyId=KEY_ID)
call(backup, "GetBackupVaultAccessPolicy", BackupVaultName="LockedVault")
# Access Analyzer (restJson1): findings with locations, and a PASS/FAIL access check.
analyzer = client("accessanalyzer")
passrole = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "Pass", "Effect": "Allow",
    "Action": "iam:PassRole", "Resource": "*"}]})
found = call(analyzer, "ValidatePolicy", policyDocument=passrole, policyType="IDENTITY_POLICY")
if [f["issueCode"] for f in found.get("findings", [])] != ["PASS_ROLE_WITH_STAR_IN_RESOURCE"]:
    failures.append(f"ValidatePolicy: expected PASS_ROLE_WITH_STAR_IN_RESOURCE, got {found.get('findings')}")
checked = call(analyzer, "CheckAccessNotGranted", policyDocument=passrole, policyType="IDENTITY_POLICY",
               access=[{"actions": ["iam:PassRole"], "resources": ["*"]}])
if checked.get("result") != "FAIL":
    failures.append(f"CheckAccessNotGranted: expected FAIL, got {checked}")

# Every modelled error the sandbox produces.
refuse(org, "ListParents", "ChildNotFoundException", ChildId="000000000000")
refuse(org, "ListParents", "InvalidInputException", ChildId="not an id")
refuse(org, "ListChildren", "ParentNotFoundException", ParentId="ou-a1b2-nowhere0", ChildType="ACCOUNT")
refuse(org, "ListPoliciesForTarget", "TargetNotFoundException", TargetId="ou-a1b2-nowhere0",
       Filter="SERVICE_CONTROL_POLICY")
refuse(org, "DescribePolicy", "PolicyNotFoundException", PolicyId="p-nowhere0")
refuse(org, "ListTargetsForPolicy", "PolicyNotFoundException", PolicyId="p-nowhere0")
refuse(kms, "GetKeyPolicy", "NotFoundException", KeyId="00000000-0000-0000-0000-000000000000")
refuse(kms, "DescribeKey", "NotFoundException",
       KeyId="arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000")
refuse(backup, "GetBackupVaultAccessPolicy", "ResourceNotFoundException", BackupVaultName="Default")
refuse(backup, "GetBackupVaultAccessPolicy", "ResourceNotFoundException", BackupVaultName="NoSuchVault")
refuse(analyzer, "ValidatePolicy", "ValidationException", policyDocument=passrole, policyType="NOPE")
refuse(analyzer, "CheckAccessNotGranted", "InvalidParameterException", policyDocument="{",
       policyType="IDENTITY_POLICY", access=[{"actions": ["iam:PassRole"]}])
refuse(sts, "DecodeAuthorizationMessage", "InvalidAuthorizationMessageException", EncodedMessage="garbage")
refuse(sts, "DecodeAuthorizationMessage", "ValidationError", EncodedMessage="x" * 10241)
refuse(iam, "GetRole", "NoSuchEntity", RoleName="Nope")
refuse(iam, "GetRole", "ValidationError", RoleName="bad name")
refuse(iam, "ListRolePolicies", "NoSuchEntity", RoleName="Nope")
refuse(iam, "ListAttachedRolePolicies", "NoSuchEntity", RoleName="Nope")
refuse(iam, "GetRolePolicy", "NoSuchEntity", RoleName=ROLE, PolicyName="Nope")
refuse(iam, "PutRolePolicy", "MalformedPolicyDocument", RoleName=ROLE, PolicyName="P",
       PolicyDocument='{"Statement":{"Effect":"Allow","Action":"s3:GetObject"}}')
big = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + "b" * 11000}]})
refuse(iam, "PutRolePolicy", "LimitExceeded", RoleName=ROLE, PolicyName="P", PolicyDocument=big)
refuse(iam, "PutRolePolicy", "NoSuchEntity", RoleName="Nope", PolicyName="P", PolicyDocument=document)
refuse(iam, "DeleteRolePolicy", "NoSuchEntity", RoleName=ROLE, PolicyName="Nope")
refuse(iam, "GetPolicy", "NoSuchEntity", PolicyArn="arn:aws:iam::111122223333:policy/Nope")
refuse(iam, "GetPolicyVersion", "NoSuchEntity", PolicyArn=arn, VersionId="v9")
refuse(iam, "GetUserPolicy", "NoSuchEntity", UserName="sandbox-admin", PolicyName="Nope")
refuse(iam, "ListUserPolicies", "NoSuchEntity", UserName="Nope")
refuse(iam, "PutUserPolicy", "LimitExceeded", UserName="sandbox-admin", PolicyName="P", PolicyDocument=big)
refuse(iam, "DeleteUserPolicy", "NoSuchEntity", UserName="sandbox-admin", PolicyName="Nope")
refuse(iam, "SimulatePrincipalPolicy", "NoSuchEntity",
       PolicySourceArn="arn:aws:iam::111122223333:role/Nope", ActionNames=["s3:GetObject"])
refuse(iam, "SimulatePrincipalPolicy", "MalformedPolicyDocument", PolicySourceArn=role["Arn"],
       ActionNames=["s3:GetObject"], PolicyInputList=["{}"])
refuse(backup, "DescribeRestoreJob", "ResourceNotFoundException", RestoreJobId="NOPE")
refuse(backup, "GetRestoreJobMetadata", "ResourceNotFoundException", RestoreJobId="NOPE")
refuse(backup, "ListRestoreJobs", "InvalidParameterValueException", MaxResults=0)
refuse(backup, "StartRestoreJob", "MissingParameterValueException", RecoveryPointArn="arn:x")
refuse(backup, "StartRestoreJob", "ResourceNotFoundException", RecoveryPointArn="arn:aws:ec2:us-east-1::image/ami-nope",
       IamRoleArn=job["IamRoleArn"], Metadata={})
# A key the sandbox never issued, on each protocol.
refuse(client("sts", "AKIAIOSFODNN7EXAMPLE"), "GetCallerIdentity", "InvalidClientTokenId")
refuse(client("iam", "AKIAIOSFODNN7EXAMPLE"), "GetRole", "InvalidClientTokenId", RoleName=ROLE)
refuse(client("backup", "AKIAIOSFODNN7EXAMPLE"), "ListRestoreJobs", "UnrecognizedClientException")
refuse(client("kms", "AKIAIOSFODNN7EXAMPLE"), "DescribeKey", "UnrecognizedClientException", KeyId=KEY_ID)

prefixes = {"sts": "sts", "iam": "iam", "backup": "backup", "organizations": "organizations",
            "kms": "kms", "accessanalyzer": "access-analyzer"}
for service, operations in SERVED.items():
    for operation in operations:
        if (prefixes[service], operation) not in called:
            failures.append(f"{service}:{operation} is served but was never called successfully")
with urllib.request.urlopen(URL + "/_sandbox/stats") as response:
    served = json.load(response)["served"]
for operations in SERVED.values():
    for operation in operations:
        if not served.get(operation):
            failures.append(f"{operation}: the sandbox's counters never saw it served")

for failure in failures:
    print("FAIL", failure)
print(f"{len(called)} operations called, {len(failures)} failures")
sys.exit(1 if failures else 0)
