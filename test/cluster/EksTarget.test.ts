import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, promiseOf, secretInput, settle } from "../mocks";
import { EksTarget, EksTargetArgs } from "../../components/cluster/EksTarget";
import { InvalidArgsError } from "../../components/common/validation";

const registered = installMocks();

describe("EksTarget", () => {
    it("creates a VPC, an EKS cluster with OIDC and a managed node group", async () => {
        const target = new EksTarget("eks", { instanceTypes: ["m5.xlarge"], minNodes: 1, desiredNodes: 2, maxNodes: 4, tags: { team: "data" } });
        await settle();
        const vpc = find(registered, "awsx:ec2:Vpc", "eks-vpc");
        assert.deepEqual(vpc.inputs, { cidrBlock: "10.0.0.0/16", numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" }, tags: { team: "data" } });
        const cluster = find(registered, "eks:index:Cluster", "eks-cluster");
        assert.equal(cluster.inputs.version, "1.34");
        assert.equal(cluster.inputs.vpcId, "vpc-123");
        assert.deepEqual(cluster.inputs.privateSubnetIds, ["subnet-priv-a", "subnet-priv-b"]);
        assert.deepEqual(cluster.inputs.publicSubnetIds, ["subnet-pub-a", "subnet-pub-b"]);
        assert.equal(cluster.inputs.skipDefaultNodeGroup, true);
        assert.equal(cluster.inputs.createOidcProvider, true);
        assert.equal(cluster.inputs.authenticationMode, "API");
        const nodes = find(registered, "eks:index:ManagedNodeGroup", "eks-nodes");
        assert.deepEqual(nodes.inputs.scalingConfig, { minSize: 1, desiredSize: 2, maxSize: 4 });
        assert.deepEqual(nodes.inputs.instanceTypes, ["m5.xlarge"]);
        assert.equal(nodes.inputs.diskSize, 50);
        assert.deepEqual(nodes.inputs.subnetIds, ["subnet-priv-a", "subnet-priv-b"]);
        const attachments = registered.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.name.startsWith("eks-node-policy"));
        assert.deepEqual(attachments.map((a) => a.inputs.policyArn).sort(), [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        ]);
        assert.ok(
            JSON.parse(find(registered, "aws:iam/role:Role", "eks-node-role").inputs.assumeRolePolicy).Statement[0].Principal.Service === "ec2.amazonaws.com",
        );
        const provider = find(registered, "pulumi:providers:kubernetes", "eks-provider");
        assert.match(secretInput(provider.inputs.kubeconfig), /eks-token/);
        assert.equal(await pulumi.isSecret(target.kubeconfig), true);
        assert.equal(await promiseOf(target.clusterName), "dask-eks-1234");
        assert.match(await promiseOf(target.oidcProviderArn), /oidc-provider/);
    });

    it("uses given subnets instead of creating a VPC", async () => {
        new EksTarget("eks-byo", { network: { vpcId: "vpc-9", publicSubnetIds: ["p1", "p2"], privateSubnetIds: ["q1", "q2"] } });
        await settle();
        assert.equal(registered.filter((r) => r.name === "eks-byo-vpc").length, 0);
        const cluster = find(registered, "eks:index:Cluster", "eks-byo-cluster");
        assert.equal(cluster.inputs.vpcId, "vpc-9");
        assert.deepEqual(find(registered, "eks:index:ManagedNodeGroup", "eks-byo-nodes").inputs.subnetIds, ["q1", "q2"]);
    });

    const cases: [string, EksTargetArgs, string][] = [
        ["min above desired", { minNodes: 3, desiredNodes: 2 }, "minNodes (3) must not exceed desiredNodes (2)"],
        ["desired above max", { desiredNodes: 5, maxNodes: 4 }, "desiredNodes (5) must not exceed maxNodes (4)"],
        ["a bad version", { kubernetesVersion: "v1.34.2" }, 'kubernetesVersion ("v1.34.2") must be a Kubernetes minor version'],
        ["no instance types", { instanceTypes: [] }, "instanceTypes ([]) must list at least one EC2 instance type"],
        ["a bad instance type", { instanceTypes: ["large"] }, 'instanceTypes[0] ("large") must be an EC2 instance type'],
        ["a tiny disk", { nodeDiskSizeGb: 8 }, "nodeDiskSizeGb (8) must be a whole number from 20 to 16384"],
        [
            "one private subnet",
            { network: { vpcId: "v", publicSubnetIds: ["a", "b"], privateSubnetIds: ["c"] } },
            'network.privateSubnetIds (["c"]) must list subnets in at least two availability zones',
        ],
        ["a VPC prefix beyond 32 bits", { vpcCidr: "10.0.0.0/33" }, 'vpcCidr ("10.0.0.0/33") must be an IPv4 CIDR block from /16 to /28'],
        ["a VPC address that is no address", { vpcCidr: "300.0.0.0/16" }, 'vpcCidr ("300.0.0.0/16") must be an IPv4 CIDR block from /16 to /28'],
        ["a VPC larger than AWS allows", { vpcCidr: "10.0.0.0/8" }, 'vpcCidr ("10.0.0.0/8") must be an IPv4 CIDR block from /16 to /28'],
        [
            "an API range with a 40-bit prefix",
            { apiAccessCidrs: ["203.0.113.0/24", "203.0.113.0/40"] },
            'apiAccessCidrs[1] ("203.0.113.0/40") must be an IPv4 CIDR block',
        ],
        [
            "a CIDR with a given network",
            { vpcCidr: "10.1.0.0/16", network: { vpcId: "v", publicSubnetIds: ["a", "b"], privateSubnetIds: ["c", "d"] } },
            'vpcCidr ("10.1.0.0/16") cannot be combined with network',
        ],
    ];
    for (const [title, args, message] of cases) {
        it(`rejects ${title}`, () => {
            assert.throws(
                () => new EksTarget("eks-bad", args),
                (err: Error) => err instanceof InvalidArgsError && err.message.includes(message),
            );
        });
    }
});
