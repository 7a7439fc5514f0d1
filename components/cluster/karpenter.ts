/**
 * Karpenter on an EKS cluster (nodeAutoscaling `karpenter`): its controller's
 * IAM role through EKS Pod Identity, the queue of Spot interruption and
 * instance events it drains nodes ahead of, its nodes' IAM role and access
 * entry, the chart, and the EC2NodeClass its node pools launch from.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "../common/kubernetes";
import { ChartSource, chartLocation } from "../common/chartSource";
import { KARPENTER_CHART_VERSION } from "./eksTargetSettings";
import { POD_IDENTITY_TRUST } from "./podIdentity";

/**
 * The Karpenter chart: 1.11.1 supports Kubernetes 1.29 to 1.35 (the default
 * 1.34 included). Its CRDs come with the chart on the first install only:
 * read Karpenter's upgrade guide before raising it.
 */
export const KARPENTER_CHART = { name: "karpenter", repository: "oci://public.ecr.aws/karpenter", version: KARPENTER_CHART_VERSION };
/** Where the controller runs, and the ServiceAccount its IAM role is bound to. */
export const KARPENTER_NAMESPACE = "kube-system";
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";
/** The EC2NodeClass of the Dask node pools. */
export const KARPENTER_NODE_CLASS = "dask";

/** The EC2 events Karpenter acts on ahead of time (AWS Health and EC2, through EventBridge). */
export const INTERRUPTION_EVENTS: Record<string, { source: string[]; "detail-type": string[] }> = {
    "spot-interruption": { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
    rebalance: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
    "state-change": { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
    "scheduled-change": { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
};

export interface KarpenterInput {
    cluster: { name: pulumi.Input<string>; arn: pulumi.Input<string>; securityGroupId: pulumi.Input<string> };
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    nodeDiskSizeGb: number;
    chart?: ChartSource;
    provider: k8s.Provider;
    /** The pod identity agent add-on: the controller's credentials need it. */
    podIdentityAgent: pulumi.Resource;
    /** What must run before the chart (a node group for the controller). */
    dependsOn: pulumi.Resource[];
    tags: Record<string, string>;
}

/** The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
function arnParts(arn: string): { partition: string; region: string; account: string } {
    const [, partition, , region, account] = arn.split(":");
    return { partition, region, account };
}

/**
 * The controller's permissions, scoped to this cluster: it launches and
 * tags instances, and deletes only what it tagged as its own.
 */
export function karpenterControllerPolicy(clusterArn: string, clusterName: string, queueArn: string, nodeRoleArn: string): string {
    const { partition, region, account } = arnParts(clusterArn);
    const ec2 = (resource: string) => `arn:${partition}:ec2:${region}:*:${resource}`;
    const owned = { [`aws:RequestTag/kubernetes.io/cluster/${clusterName}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": clusterName };
    const ownedResource = { [`aws:ResourceTag/kubernetes.io/cluster/${clusterName}`]: "owned" };
    const profiles = `arn:${partition}:iam::${account}:instance-profile/*`;
    const profileTags = (kind: "Request" | "Resource") => ({
        [`aws:${kind}Tag/kubernetes.io/cluster/${clusterName}`]: "owned",
        [`aws:${kind}Tag/eks:eks-cluster-name`]: clusterName,
        [`aws:${kind}Tag/topology.kubernetes.io/region`]: region,
    });
    const requestProfileTags = profileTags("Request");
    const resourceProfileTags = profileTags("Resource");
    const launched = ["fleet/*", "instance/*", "volume/*", "network-interface/*", "launch-template/*", "spot-instances-request/*"].map(ec2);
    const statements = [
        {
            Sid: "LaunchFromSharedResources",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Resource: [
                `arn:${partition}:ec2:${region}::image/*`,
                `arn:${partition}:ec2:${region}::snapshot/*`,
                ...["security-group/*", "subnet/*", "capacity-reservation/*"].map(ec2),
            ],
        },
        {
            Sid: "LaunchFromOwnTemplates",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Resource: ec2("launch-template/*"),
            Condition: { StringEquals: ownedResource, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "CreateOwnedInstances",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            Resource: launched,
            Condition: { StringEquals: owned, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "TagWhatItCreates",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: launched,
            Condition: {
                StringEquals: { ...owned, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
                StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
            },
        },
        {
            Sid: "TagOwnInstances",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: ec2("instance/*"),
            Condition: {
                StringEquals: ownedResource,
                StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
                "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
            },
        },
        {
            Sid: "DeleteOwnInstances",
            Effect: "Allow",
            Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            Resource: [ec2("instance/*"), ec2("launch-template/*")],
            Condition: { StringEquals: ownedResource, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "ReadEc2InRegion",
            Effect: "Allow",
            Action: [
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            // Describe calls take no resource ARNs.
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": region } },
        },
        { Sid: "ReadAmiParameters", Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:${partition}:ssm:${region}::parameter/aws/service/*` },
        // The Pricing API has no resource ARNs either.
        { Sid: "ReadPrices", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
        { Sid: "ReadInterruptionQueue", Effect: "Allow", Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], Resource: queueArn },
        {
            Sid: "PassNodeRole",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: nodeRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
        },
        {
            // The profile does not exist yet: only the tags of the request can be checked.
            Sid: "CreateOwnInstanceProfiles",
            Effect: "Allow",
            Action: "iam:CreateInstanceProfile",
            Resource: profiles,
            Condition: { StringEquals: { ...requestProfileTags }, StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" } },
        },
        {
            Sid: "TagOwnInstanceProfiles",
            Effect: "Allow",
            Action: "iam:TagInstanceProfile",
            Resource: profiles,
            Condition: {
                StringEquals: { ...resourceProfileTags, ...requestProfileTags },
                StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        {
            Sid: "ManageOwnInstanceProfiles",
            Effect: "Allow",
            Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
            Resource: profiles,
            Condition: { StringEquals: resourceProfileTags, StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" } },
        },
        { Sid: "ReadInstanceProfile", Effect: "Allow", Action: "iam:GetInstanceProfile", Resource: profiles },
        // Listing takes no resource ARN.
        { Sid: "ListInstanceProfiles", Effect: "Allow", Action: "iam:ListInstanceProfiles", Resource: "*" },
        { Sid: "FindApiServer", Effect: "Allow", Action: "eks:DescribeCluster", Resource: clusterArn },
    ];
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** Creates Karpenter and its node class; returns what the node pools wait for. */
export function karpenter(name: string, input: KarpenterInput, parent: pulumi.Resource): { nodeClass: k8s.apiextensions.CustomResource } {
    const opts = { parent };
    const tags = input.tags;
    const queue = new aws.sqs.Queue(`${name}-karpenter-queue`, { messageRetentionSeconds: 300, sqsManagedSseEnabled: true, tags }, opts);
    new aws.sqs.QueuePolicy(
        `${name}-karpenter-queue-policy`,
        {
            queueUrl: queue.url,
            policy: queue.arn.apply((arn) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "EventsSend",
                            Effect: "Allow",
                            Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
                            Action: "sqs:SendMessage",
                            Resource: arn,
                        },
                        {
                            Sid: "TlsOnly",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "sqs:*",
                            Resource: arn,
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            ),
        },
        opts,
    );
    for (const [event, pattern] of Object.entries(INTERRUPTION_EVENTS)) {
        const rule = new aws.cloudwatch.EventRule(`${name}-karpenter-${event}`, { eventPattern: JSON.stringify(pattern), tags }, opts);
        new aws.cloudwatch.EventTarget(`${name}-karpenter-${event}`, { rule: rule.name, arn: queue.arn }, opts);
    }

    const nodeRole = new aws.iam.Role(
        `${name}-karpenter-node-role`,
        { assumeRolePolicy: JSON.stringify(aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" })), tags },
        opts,
    );
    const nodePolicies = [
        aws.iam.ManagedPolicy.AmazonEKSWorkerNodePolicy,
        aws.iam.ManagedPolicy.AmazonEKS_CNI_Policy,
        aws.iam.ManagedPolicy.AmazonEC2ContainerRegistryReadOnly,
        aws.iam.ManagedPolicy.AmazonSSMManagedInstanceCore,
    ];
    const nodeAttachments = nodePolicies.map(
        (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-karpenter-node-policy-${i}`, { role: nodeRole.name, policyArn }, opts),
    );
    // Lets nodes launched with the role join the cluster.
    const accessEntry = new aws.eks.AccessEntry(
        `${name}-karpenter-nodes`,
        { clusterName: input.cluster.name, principalArn: nodeRole.arn, type: "EC2_LINUX", tags },
        opts,
    );

    const controllerRole = new aws.iam.Role(`${name}-karpenter-controller`, { assumeRolePolicy: POD_IDENTITY_TRUST, tags }, opts);
    const controllerPolicy = new aws.iam.RolePolicy(
        `${name}-karpenter-controller`,
        {
            role: controllerRole.name,
            policy: pulumi
                .all([input.cluster.arn, input.cluster.name, queue.arn, nodeRole.arn])
                .apply(([clusterArn, clusterName, queueArn, nodeRoleArn]) => karpenterControllerPolicy(clusterArn, clusterName, queueArn, nodeRoleArn)),
        },
        opts,
    );
    const association = new aws.eks.PodIdentityAssociation(
        `${name}-karpenter`,
        { clusterName: input.cluster.name, namespace: KARPENTER_NAMESPACE, serviceAccount: KARPENTER_SERVICE_ACCOUNT, roleArn: controllerRole.arn, tags },
        { parent, dependsOn: [input.podIdentityAgent] },
    );

    const chart = new k8s.helm.v4.Chart(
        `${name}-karpenter`,
        {
            ...chartLocation(KARPENTER_CHART.name, KARPENTER_CHART, input.chart),
            name: "karpenter",
            namespace: KARPENTER_NAMESPACE,
            values: {
                settings: { clusterName: input.cluster.name, interruptionQueue: queue.name },
                serviceAccount: { name: KARPENTER_SERVICE_ACCOUNT },
                // Cluster DNS may itself wait for nodes Karpenter has to make.
                dnsPolicy: "Default",
                controller: { resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } } },
            },
        },
        { parent, provider: input.provider, dependsOn: [...input.dependsOn, association, controllerPolicy, accessEntry, ...nodeAttachments] },
    );

    const nodeClass = new k8s.apiextensions.CustomResource(
        `${name}-karpenter-node-class`,
        {
            apiVersion: "karpenter.k8s.aws/v1",
            kind: "EC2NodeClass",
            metadata: { name: KARPENTER_NODE_CLASS },
            spec: {
                role: nodeRole.name,
                amiSelectorTerms: [{ alias: "al2023@latest" }],
                subnetSelectorTerms: pulumi.output(input.privateSubnetIds).apply((ids) => ids.map((id) => ({ id }))),
                securityGroupSelectorTerms: [{ id: input.cluster.securityGroupId }],
                blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: `${input.nodeDiskSizeGb}Gi`, volumeType: "gp3", encrypted: true } }],
                // Pods cannot reach the instance metadata service, so never the node role's credentials.
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
                tags,
            },
        },
        { parent, provider: input.provider, dependsOn: [chart] },
    );
    return { nodeClass };
}
