import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { find, installMocks, promiseOf, settle } from "../mocks";
import { S3Access, S3AccessArgs, s3AccessPolicy } from "../../components/cluster/S3Access";
import { InvalidArgsError } from "../../components/common/validation";

const registered = installMocks();
const CLUSTER = { clusterName: "dask-eks-1234", clusterArn: "arn:aws:eks:us-west-2:123456789012:cluster/dask-eks-1234", namespace: "dask" };

describe("S3Access", () => {
    it("binds one Pod Identity role to each ServiceAccount, with exactly the listed buckets in its policy", async () => {
        const access = new S3Access("s3", {
            ...CLUSTER,
            serviceAccounts: ["dask-worker", "dask-jupyter"],
            buckets: [{ bucket: "raw-data" }, { bucket: "results", access: "read-write", prefix: "team-a/" }],
            tags: { team: "data" },
        });
        await settle();
        const role = find(registered, "aws:iam/role:Role", "s3-role");
        assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
            { Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] },
        ]);
        const policy = JSON.parse(find(registered, "aws:iam/rolePolicy:RolePolicy", "s3-buckets").inputs.policy);
        assert.deepEqual(policy.Statement, [
            { Sid: "List0", Effect: "Allow", Action: ["s3:ListBucket"], Resource: "arn:aws:s3:::raw-data" },
            { Sid: "Bucket0", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: "arn:aws:s3:::raw-data" },
            { Sid: "Objects0", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::raw-data/*" },
            {
                Sid: "List1",
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: "arn:aws:s3:::results",
                Condition: { StringLike: { "s3:prefix": ["team-a/*"] } },
            },
            // Not under the prefix condition: these requests carry no prefix, and would be denied.
            { Sid: "Bucket1", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], Resource: "arn:aws:s3:::results" },
            {
                Sid: "Objects1",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                Resource: "arn:aws:s3:::results/team-a/*",
            },
        ]);
        for (const serviceAccount of ["dask-worker", "dask-jupyter"]) {
            const association = find(registered, "aws:eks/podIdentityAssociation:PodIdentityAssociation", `s3-${serviceAccount}`);
            assert.deepEqual(association.inputs, {
                clusterName: "dask-eks-1234",
                namespace: "dask",
                serviceAccount,
                roleArn: "arn:aws:iam::123456789012:role/s3-role",
                tags: { team: "data" },
            });
            assert.ok(
                association.dependencies.some((urn) => urn.endsWith("::s3-buckets")),
                "credentials work from the first pod on",
            );
        }
        assert.equal(registered.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.name.startsWith("s3")).length, 0);
        assert.equal(await promiseOf(access.roleArn), "arn:aws:iam::123456789012:role/s3-role");
        assert.deepEqual(await promiseOf(access.boundServiceAccounts), ["dask/dask-worker", "dask/dask-jupyter"]);
    });

    it("names buckets in the cluster's partition", () => {
        const policy = JSON.parse(s3AccessPolicy("aws-cn", [{ bucket: "data" }]));
        assert.equal(policy.Statement[0].Resource, "arn:aws-cn:s3:::data");
    });

    const cases: [string, Partial<S3AccessArgs>, string][] = [
        ["no bucket", { buckets: [] }, "buckets ([]) must list at least one bucket"],
        ["no ServiceAccount", { serviceAccounts: [] }, "serviceAccounts ([]) must list at least one ServiceAccount"],
        ["a wildcard bucket", { buckets: [{ bucket: "*" }] }, 'buckets[0].bucket ("*") must be an S3 bucket name'],
        ["a ServiceAccount name with capitals", { serviceAccounts: ["Workers"] }, 'serviceAccounts[0] ("Workers") must be a ServiceAccount name'],
    ];
    for (const [title, args, message] of cases) {
        it(`rejects ${title}, before registering anything`, () => {
            const before = registered.length;
            assert.throws(
                () => new S3Access("s3-bad", { ...CLUSTER, serviceAccounts: ["dask-worker"], buckets: [{ bucket: "data" }], ...args }),
                (err: Error) => err instanceof InvalidArgsError && err.message.includes(message),
            );
            assert.equal(registered.length, before);
        });
    }
});
