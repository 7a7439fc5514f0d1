import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import { ArgIssue, IssueList, throwIfInvalid } from "../common/validation";
import { parseCidr } from "../common/cidr";
import { AdoptionArgs, adoptionTransforms, patchForce } from "./adoption";

/**
 * Kubernetes version of new clusters: in EKS standard support on the date it
 * was chosen (2026-11). Bump it deliberately: EKS upgrades one minor at a time.
 */
export const DEFAULT_EKS_VERSION = "1.34";

/** An existing network to place the cluster in instead of a new VPC. */
export interface EksNetworkArgs {
    /** VPC id. */
    vpcId: pulumi.Input<string>;
    /** Public subnets (for internet-facing load balancers), at least two AZs. */
    publicSubnetIds: pulumi.Input<string>[];
    /** Private subnets for the nodes, at least two AZs. */
    privateSubnetIds: pulumi.Input<string>[];
}

export interface EksTargetArgs extends AdoptionArgs {
    /** Kubernetes version, `major.minor`. @default "1.34" */
    kubernetesVersion?: string;
    /** EC2 instance types of the managed node group. @default ["t3.xlarge"] (4 vCPU, 16 GiB) */
    instanceTypes?: string[];
    /** Fewest nodes. @default 1 */
    minNodes?: number;
    /** Nodes at creation (later changes are kept by the node group). @default 2 */
    desiredNodes?: number;
    /** Most nodes. @default 4 */
    maxNodes?: number;
    /** Root disk per node, GiB. @default 50 */
    nodeDiskSizeGb?: number;
    /** CIDR of the new VPC (two AZs, public and private subnets, one NAT gateway). Ignored with `network`. @default "10.0.0.0/16" */
    vpcCidr?: string;
    /** Use these subnets instead of creating a VPC. */
    network?: EksNetworkArgs;
    /** CIDR blocks that may reach the public Kubernetes API endpoint. @default ["0.0.0.0/0"] (AWS's default; tighten it) */
    apiAccessCidrs?: string[];
    /** Tags for every AWS resource created. @default {} */
    tags?: Record<string, string>;
}

/** AWS accepts VPC CIDR blocks from /16 to /28. */
const VPC_PREFIX = { min: 16, max: 28 };

function ipv4Cidr(text: string, prefix = { min: 0, max: 32 }): boolean {
    const cidr = parseCidr(text);
    return cidr?.family === 4 && cidr.prefixLength >= prefix.min && cidr.prefixLength <= prefix.max;
}

/** Every problem with EksTarget args. */
export function validateEksTargetArgs(args: EksTargetArgs): ArgIssue[] {
    const issues = new IssueList();
    issues.matches("kubernetesVersion", args.kubernetesVersion, /^1\.[0-9]{2}$/, "a Kubernetes minor version such as 1.34");
    if (args.instanceTypes !== undefined) {
        if (args.instanceTypes.length === 0) {
            issues.add("instanceTypes", args.instanceTypes, "must list at least one EC2 instance type");
        }
        args.instanceTypes.forEach((t, i) => issues.matches(`instanceTypes[${i}]`, t, /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an EC2 instance type such as t3.xlarge"));
    }
    issues.wholeNumber("minNodes", args.minNodes, 0);
    issues.wholeNumber("desiredNodes", args.desiredNodes, 0);
    issues.wholeNumber("maxNodes", args.maxNodes, 1);
    issues.notAbove("minNodes", args.minNodes ?? 1, "desiredNodes", args.desiredNodes ?? 2);
    issues.notAbove("desiredNodes", args.desiredNodes ?? 2, "maxNodes", args.maxNodes ?? 4);
    issues.wholeNumber("nodeDiskSizeGb", args.nodeDiskSizeGb, 20, 16384);
    if (args.vpcCidr !== undefined && !ipv4Cidr(args.vpcCidr, VPC_PREFIX)) {
        issues.add("vpcCidr", args.vpcCidr, `must be an IPv4 CIDR block from /${VPC_PREFIX.min} to /${VPC_PREFIX.max}, such as 10.0.0.0/16`);
    }
    if (args.network !== undefined) {
        if (args.vpcCidr !== undefined) {
            issues.add("vpcCidr", args.vpcCidr, "cannot be combined with {{network}} (the VPC exists already)");
        }
        for (const key of ["publicSubnetIds", "privateSubnetIds"] as const) {
            if ((args.network[key]?.length ?? 0) < 2) {
                issues.add(`network.${key}`, args.network[key], "must list subnets in at least two availability zones");
            }
        }
    }
    (args.apiAccessCidrs ?? []).forEach((c, i) => {
        if (!ipv4Cidr(c)) {
            issues.add(`apiAccessCidrs[${i}]`, c, "must be an IPv4 CIDR block such as 203.0.113.0/24");
        }
    });
    return issues.issues;
}

/**
 * An Amazon EKS cluster with a managed node group, in a new VPC or given
 * subnets, with an OIDC provider for pod IAM roles.
 */
export class EksTarget extends pulumi.ComponentResource {
    /** Provider for every Kubernetes resource on this cluster. */
    public readonly provider: k8s.Provider;
    /** Transforms for what is deployed on the cluster (see KubeconfigTarget.transforms). */
    public readonly transforms: pulumi.ResourceTransform[];
    /** Kubeconfig (secret); it runs `aws eks get-token`, so it needs AWS credentials. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** EKS cluster name. */
    public readonly clusterName: pulumi.Output<string>;
    /** ARN of the cluster's IAM OIDC provider (for IAM roles for service accounts). */
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** Issuer URL of the OIDC provider, without `https://`. */
    public readonly oidcProviderUrl: pulumi.Output<string>;

    constructor(name: string, args: EksTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        throwIfInvalid("EksTarget", name, validateEksTargetArgs(args));
        super("daskk8s:index:EksTarget", name, {}, opts);
        const tags = args.tags ?? {};

        const network = args.network ?? new awsx.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.vpcCidr ?? "10.0.0.0/16",
            numberOfAvailabilityZones: 2,
            natGateways: { strategy: awsx.ec2.NatGatewayStrategy.Single },
            tags,
        }, { parent: this });

        const nodeRole = new aws.iam.Role(`${name}-node-role`, {
            assumeRolePolicy: JSON.stringify(aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" })),
            tags,
        }, { parent: this });
        const nodePolicies = [
            aws.iam.ManagedPolicy.AmazonEKSWorkerNodePolicy,
            aws.iam.ManagedPolicy.AmazonEKS_CNI_Policy,
            aws.iam.ManagedPolicy.AmazonEC2ContainerRegistryReadOnly,
        ];
        const attachments = nodePolicies.map((policyArn, i) =>
            new aws.iam.RolePolicyAttachment(`${name}-node-policy-${i}`, { role: nodeRole.name, policyArn }, { parent: this }));

        const cluster = new eks.Cluster(`${name}-cluster`, {
            version: args.kubernetesVersion ?? DEFAULT_EKS_VERSION,
            vpcId: network.vpcId,
            publicSubnetIds: network.publicSubnetIds,
            privateSubnetIds: network.privateSubnetIds,
            authenticationMode: eks.AuthenticationMode.Api,
            skipDefaultNodeGroup: true,
            createOidcProvider: true,
            publicAccessCidrs: args.apiAccessCidrs,
            tags,
        }, { parent: this });

        new eks.ManagedNodeGroup(`${name}-nodes`, {
            cluster,
            nodeRole,
            instanceTypes: args.instanceTypes ?? ["t3.xlarge"],
            diskSize: args.nodeDiskSizeGb ?? 50,
            subnetIds: network.privateSubnetIds,
            scalingConfig: {
                minSize: args.minNodes ?? 1,
                desiredSize: args.desiredNodes ?? 2,
                maxSize: args.maxNodes ?? 4,
            },
            tags,
        }, { parent: this, dependsOn: attachments });

        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.clusterName = cluster.eksCluster.apply((c) => c.name);
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcProviderUrl = cluster.oidcProviderUrl;
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig, ...patchForce(args) }, { parent: this });
        this.transforms = adoptionTransforms(args);
        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            clusterName: this.clusterName,
            oidcProviderArn: this.oidcProviderArn,
            oidcProviderUrl: this.oidcProviderUrl,
        });
    }
}
