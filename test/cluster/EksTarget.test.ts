import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, promiseOf, secretInput, settle } from "../mocks";
import { EksTarget, EksTargetArgs } from "../../components/cluster/EksTarget";
import { InvalidArgsError } from "../../components/common/validation";

const registered = installMocks();

describe("EksTarget", () => {
    it("by default: EKS Auto Mode with the built-in system pool, Dask's two node pools, and the metrics-server add-on", async () => {
        const target = new EksTarget("eks", { tags: { team: "data" } });
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
        assert.deepEqual(cluster.inputs.autoMode, { enabled: true, createNodeRole: true, computeConfig: { nodePools: ["system"] } });
        assert.equal(registered.filter((r) => r.type === "eks:index:ManagedNodeGroup" && r.name.startsWith("eks-")).length, 0, "no node group");
        assert.equal(registered.filter((r) => r.name.startsWith("eks-karpenter")).length, 0, "no Karpenter");

        const addons = registered.filter((r) => r.type === "aws:eks/addon:Addon" && r.name.startsWith("eks-"));
        assert.deepEqual(
            addons.map((a) => a.inputs),
            [
                {
                    clusterName: "dask-eks-1234",
                    addonName: "metrics-server",
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                    tags: { team: "data" },
                },
            ],
            "Auto Mode runs the pod identity agent itself",
        );

        const pools = registered.filter((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool" && r.name.startsWith("eks-"));
        assert.deepEqual(
            pools.map((p) => p.name),
            ["eks-dask-core", "eks-dask-workers"],
        );
        const autoModeClass = { group: "eks.amazonaws.com", kind: "NodeClass", name: "default" };
        const requirements = (capacity: string) => [
            { key: "karpenter.sh/capacity-type", operator: "In", values: [capacity] },
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "eks.amazonaws.com/instance-category", operator: "In", values: ["c", "m", "r"] },
            { key: "eks.amazonaws.com/instance-generation", operator: "Gt", values: ["4"] },
        ];
        const [core, workers] = pools;
        assert.deepEqual(core.inputs.metadata, { name: "dask-core" });
        assert.deepEqual(core.inputs.spec, {
            template: { spec: { nodeClassRef: autoModeClass, requirements: requirements("on-demand") } },
            limits: { cpu: "16", memory: "64Gi" },
            disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "10m" },
        });
        assert.deepEqual(workers.inputs.spec, {
            template: {
                metadata: { labels: { "daskk8s.io/role": "dask-worker" } },
                spec: {
                    nodeClassRef: autoModeClass,
                    requirements: requirements("spot"),
                    taints: [{ key: "daskk8s.io/workers", value: "true", effect: "NoSchedule" }],
                    terminationGracePeriod: "2h",
                },
            },
            limits: { cpu: "64", memory: "256Gi" },
            disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "5m", budgets: [{ nodes: "1" }] },
        });
        assert.ok(workers.provider?.includes("eks-provider"), "on the new cluster");
        assert.ok(workers.dependencies.some((urn) => urn.endsWith("eks-cluster")));

        // Load balancers: the new VPC's subnets say which are public, and LoadBalancer Services ask for an internet-facing one.
        const subnetTags = registered.filter((r) => r.type === "aws:ec2/tag:Tag" && r.name.startsWith("eks-"));
        assert.deepEqual(subnetTags.map((t) => [t.name, t.inputs.resourceId, t.inputs.key, t.inputs.value]).sort(), [
            ["eks-private-subnet-0", "subnet-priv-a", "kubernetes.io/role/internal-elb", "1"],
            ["eks-private-subnet-1", "subnet-priv-b", "kubernetes.io/role/internal-elb", "1"],
            ["eks-public-subnet-0", "subnet-pub-a", "kubernetes.io/role/elb", "1"],
            ["eks-public-subnet-1", "subnet-pub-b", "kubernetes.io/role/elb", "1"],
        ]);
        const transform = (props: object) =>
            target.transforms.reduce<any>(
                (p, t) => (t({ type: "kubernetes:core/v1:Service", name: "s", props: p, opts: {}, custom: true } as any) as any)?.props ?? p,
                props,
            );
        const scheme = "service.beta.kubernetes.io/aws-load-balancer-scheme";
        assert.equal(transform({ metadata: { name: "dask-scheduler" }, spec: { type: "LoadBalancer" } }).metadata.annotations[scheme], "internet-facing");
        assert.equal(
            transform({ metadata: { name: "x", annotations: { [scheme]: "internal" } }, spec: { type: "LoadBalancer" } }).metadata.annotations[scheme],
            "internal",
            "a scheme the Service names is kept",
        );
        assert.equal(transform({ metadata: { name: "x" }, spec: { type: "ClusterIP" } }).metadata.annotations, undefined);

        const provider = find(registered, "pulumi:providers:kubernetes", "eks-provider");
        assert.match(secretInput(provider.inputs.kubeconfig), /eks-token/);
        assert.equal(await pulumi.isSecret(target.kubeconfig), true);
        assert.equal(await promiseOf(target.clusterName), "dask-eks-1234");
        assert.equal(await promiseOf(target.clusterArn), "arn:aws:eks:us-west-2:123456789012:cluster/dask-eks-1234");
        assert.equal(await promiseOf(target.nodeAutoscaling), "auto-mode");
        assert.match(await promiseOf(target.oidcProviderArn), /oidc-provider/);
    });

    it("with nodeLimits and on-demand workers: the pools' limits and capacity follow", async () => {
        new EksTarget("eks-od", { workerCapacity: "on-demand", nodeLimits: { workers: { cpu: 200 }, core: { memoryGiB: 32 } }, metricsServerAddon: false });
        await settle();
        const workers = find(registered, "kubernetes:karpenter.sh/v1:NodePool", "eks-od-dask-workers");
        assert.deepEqual(workers.inputs.spec.limits, { cpu: "200", memory: "256Gi" });
        assert.deepEqual(workers.inputs.spec.template.spec.requirements[0], { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] });
        assert.deepEqual(find(registered, "kubernetes:karpenter.sh/v1:NodePool", "eks-od-dask-core").inputs.spec.limits, { cpu: "16", memory: "32Gi" });
        assert.equal(registered.filter((r) => r.type === "aws:eks/addon:Addon" && r.name.startsWith("eks-od-")).length, 0);
    });

    it("with nodeAutoscaling none: one fixed managed node group, as before, and the pod identity agent", async () => {
        const fixed = new EksTarget("eks-fixed", { nodeAutoscaling: "none", instanceTypes: ["m5.xlarge"], minNodes: 1, desiredNodes: 2, maxNodes: 4 });
        await settle();
        const cluster = find(registered, "eks:index:Cluster", "eks-fixed-cluster");
        assert.equal(cluster.inputs.autoMode, undefined);
        const nodes = find(registered, "eks:index:ManagedNodeGroup", "eks-fixed-nodes");
        assert.deepEqual(nodes.inputs.scalingConfig, { minSize: 1, desiredSize: 2, maxSize: 4 });
        assert.deepEqual(nodes.inputs.instanceTypes, ["m5.xlarge"]);
        assert.equal(nodes.inputs.diskSize, 50);
        assert.deepEqual(nodes.inputs.subnetIds, ["subnet-priv-a", "subnet-priv-b"]);
        const attachments = registered.filter(
            (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.name.startsWith("eks-fixed-node-policy"),
        );
        assert.deepEqual(attachments.map((a) => a.inputs.policyArn).sort(), [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        ]);
        assert.equal(
            JSON.parse(find(registered, "aws:iam/role:Role", "eks-fixed-node-role").inputs.assumeRolePolicy).Statement[0].Principal.Service,
            "ec2.amazonaws.com",
        );
        assert.deepEqual(
            registered.filter((r) => r.type === "aws:eks/addon:Addon" && r.name.startsWith("eks-fixed-")).map((a) => a.inputs.addonName),
            ["eks-pod-identity-agent", "metrics-server"],
        );
        assert.ok(
            find(registered, "aws:eks/addon:Addon", "eks-fixed-metrics-server").dependencies.some((urn) => urn.endsWith("eks-fixed-nodes")),
            "after the nodes",
        );
        assert.equal(registered.filter((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool" && r.name.startsWith("eks-fixed-")).length, 0);
        assert.deepEqual(fixed.transforms, [], "the cluster's own load balancing: internet-facing by default");
    });

    it("with nodeAutoscaling karpenter: the controller's role through Pod Identity, its interruption queue, its nodes' role, chart and node class", async () => {
        new EksTarget("kp", { nodeAutoscaling: "karpenter", nodeDiskSizeGb: 100, tags: { team: "data" } });
        await settle();
        assert.equal(find(registered, "eks:index:Cluster", "kp-cluster").inputs.autoMode, undefined);
        assert.equal(find(registered, "eks:index:ManagedNodeGroup", "kp-nodes").inputs.scalingConfig.desiredSize, 2, "the controller's two replicas");
        const agent = find(registered, "aws:eks/addon:Addon", "kp-eks-pod-identity-agent");
        assert.equal(agent.inputs.addonName, "eks-pod-identity-agent");

        const queue = find(registered, "aws:sqs/queue:Queue", "kp-karpenter-queue");
        assert.deepEqual(queue.inputs, { messageRetentionSeconds: 300, sqsManagedSseEnabled: true, tags: { team: "data" } });
        const queuePolicy = JSON.parse(find(registered, "aws:sqs/queuePolicy:QueuePolicy", "kp-karpenter-queue-policy").inputs.policy);
        assert.deepEqual(queuePolicy.Statement[0].Principal.Service, ["events.amazonaws.com", "sqs.amazonaws.com"]);
        assert.equal(queuePolicy.Statement[1].Effect, "Deny", "TLS only");
        for (const [event, detailType] of [
            ["spot-interruption", "EC2 Spot Instance Interruption Warning"],
            ["rebalance", "EC2 Instance Rebalance Recommendation"],
            ["state-change", "EC2 Instance State-change Notification"],
            ["scheduled-change", "AWS Health Event"],
        ]) {
            const rule = find(registered, "aws:cloudwatch/eventRule:EventRule", `kp-karpenter-${event}`);
            assert.deepEqual(JSON.parse(rule.inputs.eventPattern)["detail-type"], [detailType]);
            const target = find(registered, "aws:cloudwatch/eventTarget:EventTarget", `kp-karpenter-${event}`);
            assert.deepEqual([target.inputs.rule, target.inputs.arn], [`kp-karpenter-${event}-r1`, "arn:aws:sqs:us-west-2:123456789012:kp-karpenter-queue-q1"]);
        }

        const nodeRole = find(registered, "aws:iam/role:Role", "kp-karpenter-node-role");
        assert.equal(JSON.parse(nodeRole.inputs.assumeRolePolicy).Statement[0].Principal.Service, "ec2.amazonaws.com");
        assert.deepEqual(
            registered
                .filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.name.startsWith("kp-karpenter-node-policy"))
                .map((a) => a.inputs.policyArn)
                .sort(),
            [
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
                "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            ],
        );
        const entry = find(registered, "aws:eks/accessEntry:AccessEntry", "kp-karpenter-nodes");
        assert.deepEqual(
            [entry.inputs.clusterName, entry.inputs.principalArn, entry.inputs.type],
            ["dask-eks-1234", "arn:aws:iam::123456789012:role/kp-karpenter-node-role", "EC2_LINUX"],
        );

        const controller = find(registered, "aws:iam/role:Role", "kp-karpenter-controller");
        assert.deepEqual(JSON.parse(controller.inputs.assumeRolePolicy).Statement, [
            { Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] },
        ]);
        const policy = JSON.parse(find(registered, "aws:iam/rolePolicy:RolePolicy", "kp-karpenter-controller").inputs.policy);
        const statement = (sid: string) => policy.Statement.find((st: { Sid: string }) => st.Sid === sid);
        assert.deepEqual(
            policy.Statement.filter((st: { Resource: unknown }) => st.Resource === "*").map((st: { Sid: string }) => st.Sid),
            ["ReadEc2InRegion", "ReadPrices", "ListInstanceProfiles"],
            "only calls that take no resource ARN are unscoped",
        );
        assert.deepEqual(statement("ReadEc2InRegion").Condition, { StringEquals: { "aws:RequestedRegion": "us-west-2" } });
        assert.deepEqual(statement("DeleteOwnInstances").Condition.StringEquals, { "aws:ResourceTag/kubernetes.io/cluster/dask-eks-1234": "owned" });
        // Creating a profile can only be checked against the request's tags (it does not exist yet).
        assert.deepEqual(statement("CreateOwnInstanceProfiles").Condition, {
            StringEquals: {
                "aws:RequestTag/kubernetes.io/cluster/dask-eks-1234": "owned",
                "aws:RequestTag/eks:eks-cluster-name": "dask-eks-1234",
                "aws:RequestTag/topology.kubernetes.io/region": "us-west-2",
            },
            StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        });
        assert.deepEqual(statement("ManageOwnInstanceProfiles").Action, [
            "iam:AddRoleToInstanceProfile",
            "iam:RemoveRoleFromInstanceProfile",
            "iam:DeleteInstanceProfile",
        ]);
        assert.equal(statement("ManageOwnInstanceProfiles").Condition.StringEquals["aws:ResourceTag/kubernetes.io/cluster/dask-eks-1234"], "owned");
        assert.equal(statement("PassNodeRole").Resource, "arn:aws:iam::123456789012:role/kp-karpenter-node-role");
        assert.equal(statement("ReadInterruptionQueue").Resource, "arn:aws:sqs:us-west-2:123456789012:kp-karpenter-queue-q1");
        assert.equal(statement("FindApiServer").Resource, "arn:aws:eks:us-west-2:123456789012:cluster/dask-eks-1234");
        const association = find(registered, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "kp-karpenter");
        assert.deepEqual(
            [association.inputs.clusterName, association.inputs.namespace, association.inputs.serviceAccount, association.inputs.roleArn],
            ["dask-eks-1234", "kube-system", "karpenter", "arn:aws:iam::123456789012:role/kp-karpenter-controller"],
        );
        assert.ok(
            association.dependencies.some((urn) => urn.endsWith("kp-eks-pod-identity-agent")),
            "the agent first",
        );

        const chart = find(registered, "kubernetes:helm.sh/v4:Chart", "kp-karpenter");
        assert.equal(chart.inputs.chart, "oci://public.ecr.aws/karpenter/karpenter");
        assert.equal(chart.inputs.version, "1.11.1");
        assert.equal(chart.inputs.namespace, "kube-system");
        assert.deepEqual(chart.inputs.values.settings, { clusterName: "dask-eks-1234", interruptionQueue: "kp-karpenter-queue-q1" });
        assert.deepEqual(chart.inputs.values.serviceAccount, { name: "karpenter" });
        for (const before of ["kp-nodes", "kp-karpenter", "kp-karpenter-controller", "kp-karpenter-nodes"]) {
            assert.ok(
                chart.dependencies.some((urn) => urn.endsWith(`::${before}`)),
                `the chart waits for ${before}`,
            );
        }

        const nodeClass = find(registered, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "kp-karpenter-node-class");
        assert.deepEqual(nodeClass.inputs.metadata, { name: "dask" });
        assert.deepEqual(nodeClass.inputs.spec, {
            role: "kp-karpenter-node-role-7f3a",
            amiSelectorTerms: [{ alias: "al2023@latest" }],
            subnetSelectorTerms: [{ id: "subnet-priv-a" }, { id: "subnet-priv-b" }],
            securityGroupSelectorTerms: [{ id: "sg-eks-cluster" }],
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: "100Gi", volumeType: "gp3", encrypted: true } }],
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            tags: { team: "data" },
        });
        assert.ok(
            nodeClass.dependencies.some((urn) => urn.endsWith("kubernetes:helm.sh/v4:Chart::kp-karpenter")),
            "after the chart brought its CRDs",
        );
        for (const pool of ["kp-dask-core", "kp-dask-workers"]) {
            const spec = find(registered, "kubernetes:karpenter.sh/v1:NodePool", pool);
            assert.deepEqual(spec.inputs.spec.template.spec.nodeClassRef, { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "dask" });
            assert.deepEqual(spec.inputs.spec.template.spec.requirements[2], {
                key: "karpenter.k8s.aws/instance-category",
                operator: "In",
                values: ["c", "m", "r"],
            });
            assert.ok(spec.dependencies.some((urn) => urn.endsWith("kp-karpenter-node-class")));
        }
    });

    it("takes the Karpenter chart from a local archive", async () => {
        new EksTarget("kp-local", { nodeAutoscaling: "karpenter", karpenterChart: { path: __dirname } });
        await settle();
        assert.equal(find(registered, "kubernetes:helm.sh/v4:Chart", "kp-local-karpenter").inputs.chart, __dirname);
    });

    it("uses given subnets instead of creating a VPC", async () => {
        new EksTarget("eks-byo", { nodeAutoscaling: "none", network: { vpcId: "vpc-9", publicSubnetIds: ["p1", "p2"], privateSubnetIds: ["q1", "q2"] } });
        await settle();
        assert.equal(registered.filter((r) => r.name === "eks-byo-vpc").length, 0);
        assert.equal(registered.filter((r) => r.type === "aws:ec2/tag:Tag" && r.name.startsWith("eks-byo-")).length, 0, "given subnets are not ours to tag");
        const cluster = find(registered, "eks:index:Cluster", "eks-byo-cluster");
        assert.equal(cluster.inputs.vpcId, "vpc-9");
        assert.deepEqual(find(registered, "eks:index:ManagedNodeGroup", "eks-byo-nodes").inputs.subnetIds, ["q1", "q2"]);
    });

    const cases: [string, EksTargetArgs, string][] = [
        ["min above desired", { nodeAutoscaling: "none", minNodes: 3, desiredNodes: 2 }, "minNodes (3) must not exceed desiredNodes (2)"],
        ["desired above max", { nodeAutoscaling: "none", desiredNodes: 5, maxNodes: 4 }, "desiredNodes (5) must not exceed maxNodes (4)"],
        [
            "node group settings with Auto Mode",
            { instanceTypes: ["m5.large"] },
            'instanceTypes (["m5.large"]) only applies with a managed node group: nodeAutoscaling is "auto-mode"',
        ],
        [
            "Spot workers without node autoscaling",
            { nodeAutoscaling: "none", workerCapacity: "spot" },
            'workerCapacity ("spot") needs nodeAutoscaling "auto-mode" or "karpenter"',
        ],
        [
            "node limits without node autoscaling",
            { nodeAutoscaling: "none", nodeLimits: { workers: { cpu: 8 } } },
            'nodeLimits ({"workers":{"cpu":8}}) only applies with nodeAutoscaling',
        ],
        [
            "an unknown node autoscaler",
            { nodeAutoscaling: "cluster-autoscaler" as any },
            'nodeAutoscaling ("cluster-autoscaler") must be one of "auto-mode", "karpenter", "none"',
        ],
        [
            "Karpenter on one node",
            { nodeAutoscaling: "karpenter", minNodes: 1, desiredNodes: 1 },
            'desiredNodes (1) must be at least 2 with nodeAutoscaling "karpenter"',
        ],
        [
            "a Karpenter chart without Karpenter",
            { karpenterChart: { version: "1.12.0" } },
            'karpenterChart ({"version":"1.12.0"}) only applies with nodeAutoscaling "karpenter" (it is "auto-mode")',
        ],
        ["a worker pool of no CPU", { nodeLimits: { workers: { cpu: 0 } } }, "nodeLimits.workers.cpu (0) must be a whole number from 1 to 100000"],
        [
            "a wildcard bucket",
            { s3Access: [{ bucket: "data-*" }] },
            's3Access[0].bucket ("data-*") must be an S3 bucket name such as my-data (no wildcards, no ARN)',
        ],
        ["a bucket ARN", { s3Access: [{ bucket: "arn:aws:s3:::data" }] }, 's3Access[0].bucket ("arn:aws:s3:::data") must be an S3 bucket name'],
        [
            "a wildcard prefix",
            { s3Access: [{ bucket: "data", prefix: "raw/*" }] },
            's3Access[0].prefix ("raw/*") must be a key prefix ending in / such as raw/',
        ],
        [
            "a prefix that is no directory",
            { s3Access: [{ bucket: "data", prefix: "raw" }] },
            's3Access[0].prefix ("raw") must be a key prefix ending in / such as raw/',
        ],
        [
            "an unknown access level",
            { s3Access: [{ bucket: "data", access: "admin" as any }] },
            's3Access[0].access ("admin") must be one of "read", "read-write"',
        ],
        ["a bucket listed twice", { s3Access: [{ bucket: "data" }, { bucket: "data", access: "read-write" }] }, 's3Access[1].bucket ("data") is listed twice'],
        ["a bad version", { kubernetesVersion: "v1.34.2" }, 'kubernetesVersion ("v1.34.2") must be a Kubernetes minor version'],
        ["no instance types", { nodeAutoscaling: "none", instanceTypes: [] }, "instanceTypes ([]) must list at least one EC2 instance type"],
        ["a bad instance type", { nodeAutoscaling: "none", instanceTypes: ["large"] }, 'instanceTypes[0] ("large") must be an EC2 instance type'],
        ["a tiny disk", { nodeAutoscaling: "karpenter", nodeDiskSizeGb: 8 }, "nodeDiskSizeGb (8) must be a whole number from 20 to 16384"],
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
