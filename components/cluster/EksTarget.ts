import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as eks from "@pulumi/eks";
import * as k8s from "../common/kubernetes";
import { throwIfInvalid } from "../common/validation";
import { adoptionTransforms, patchForce } from "./adoption";
import { DEFAULT_EKS_VERSION, EKS_TARGET_DEFAULTS as D, EksTargetArgs, validateEksTargetArgs } from "./eksTargetSettings";
import { KARPENTER_NODE_CLASS, karpenter } from "./karpenter";
import { NodeAutoscaling, SUBNET_ROLE_TAGS, internetFacingTransform, nodePoolSpecs } from "./nodePools";

export { DEFAULT_EKS_VERSION, EksNetworkArgs, EksTargetArgs } from "./eksTargetSettings";

/** Availability zones of a new VPC: one public and one private subnet in each. */
const VPC_ZONES = 2;

/** The managed node group (nodeAutoscaling `none`, or the nodes Karpenter itself runs on). */
function managedNodeGroup(
    name: string,
    args: EksTargetArgs,
    cluster: eks.Cluster,
    subnetIds: pulumi.Input<pulumi.Input<string>[]>,
    tags: Record<string, string>,
    parent: pulumi.Resource,
): eks.ManagedNodeGroup {
    const nodeRole = new aws.iam.Role(
        `${name}-node-role`,
        { assumeRolePolicy: JSON.stringify(aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" })), tags },
        { parent },
    );
    const nodePolicies = [
        aws.iam.ManagedPolicy.AmazonEKSWorkerNodePolicy,
        aws.iam.ManagedPolicy.AmazonEKS_CNI_Policy,
        aws.iam.ManagedPolicy.AmazonEC2ContainerRegistryReadOnly,
    ];
    const attachments = nodePolicies.map(
        (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-node-policy-${i}`, { role: nodeRole.name, policyArn }, { parent }),
    );
    return new eks.ManagedNodeGroup(
        `${name}-nodes`,
        {
            cluster,
            nodeRole,
            instanceTypes: args.instanceTypes ?? [...D.instanceTypes],
            diskSize: args.nodeDiskSizeGb ?? D.nodeDiskSizeGb,
            subnetIds,
            scalingConfig: {
                minSize: args.minNodes ?? D.minNodes,
                desiredSize: args.desiredNodes ?? D.desiredNodes,
                maxSize: args.maxNodes ?? D.maxNodes,
            },
            tags,
        },
        { parent, dependsOn: attachments },
    );
}

/**
 * An Amazon EKS cluster in a new VPC or given subnets, with an OIDC
 * provider, whose nodes follow the pods: EKS Auto Mode (the default) or
 * Karpenter, each with an on-demand pool for the scheduler and notebook and
 * a Spot (or on-demand) pool for the Dask workers; or a fixed managed node
 * group.
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
    /** EKS cluster ARN. */
    public readonly clusterArn: pulumi.Output<string>;
    /** What adds and removes nodes: `auto-mode`, `karpenter` or `none`. */
    public readonly nodeAutoscaling: pulumi.Output<NodeAutoscaling>;
    /** ARN of the cluster's IAM OIDC provider (for IAM roles for service accounts). */
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** Issuer URL of the OIDC provider, without `https://`. */
    public readonly oidcProviderUrl: pulumi.Output<string>;

    constructor(name: string, args: EksTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        throwIfInvalid("EksTarget", name, validateEksTargetArgs(args));
        super("daskk8s:index:EksTarget", name, {}, opts);
        const tags = args.tags ?? {};

        const newVpc =
            args.network === undefined &&
            new awsx.ec2.Vpc(
                `${name}-vpc`,
                {
                    cidrBlock: args.vpcCidr ?? D.vpcCidr,
                    numberOfAvailabilityZones: VPC_ZONES,
                    natGateways: { strategy: awsx.ec2.NatGatewayStrategy.Single },
                    tags,
                },
                { parent: this },
            );
        const network = args.network ?? (newVpc as awsx.ec2.Vpc);
        if (newVpc) {
            // Which subnets AWS load balancing puts public and internal load balancers in
            // (given subnets are the network owner's to tag: docs/configuration.md).
            for (const [role, ids] of [
                ["public", newVpc.publicSubnetIds],
                ["private", newVpc.privateSubnetIds],
            ] as const) {
                for (let i = 0; i < VPC_ZONES; i++) {
                    new aws.ec2.Tag(
                        `${name}-${role}-subnet-${i}`,
                        { resourceId: ids.apply((list) => list[i]), key: SUBNET_ROLE_TAGS[role], value: "1" },
                        { parent: this },
                    );
                }
            }
        }

        const autoscaling = args.nodeAutoscaling ?? D.nodeAutoscaling;
        const autoMode = autoscaling === "auto-mode";
        const cluster = new eks.Cluster(
            `${name}-cluster`,
            {
                version: args.kubernetesVersion ?? DEFAULT_EKS_VERSION,
                vpcId: network.vpcId,
                publicSubnetIds: network.publicSubnetIds,
                privateSubnetIds: network.privateSubnetIds,
                authenticationMode: eks.AuthenticationMode.Api,
                skipDefaultNodeGroup: true,
                createOidcProvider: true,
                publicAccessCidrs: args.apiAccessCidrs,
                // Only the built-in `system` pool (its node class is the one the Dask pools use): the Dask pools replace `general-purpose`.
                ...(autoMode ? { autoMode: { enabled: true, createNodeRole: true, computeConfig: { nodePools: ["system"] } } } : {}),
                tags,
            },
            { parent: this },
        );
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: pulumi.secret(cluster.kubeconfigJson), ...patchForce(args) }, { parent: this });
        const clusterName = cluster.eksCluster.apply((c) => c.name);

        const nodeGroup = autoMode ? undefined : managedNodeGroup(name, args, cluster, network.privateSubnetIds, tags, this);
        const addon = (addonName: string) =>
            new aws.eks.Addon(
                `${name}-${addonName}`,
                { clusterName, addonName, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE", tags },
                // Add-on pods need nodes to become active.
                { parent: this, dependsOn: nodeGroup ? [nodeGroup] : [cluster] },
            );
        // Auto Mode runs the pod identity agent itself.
        const podIdentityAgent = autoMode ? undefined : addon("eks-pod-identity-agent");
        if (args.metricsServerAddon ?? D.metricsServerAddon) {
            addon("metrics-server");
        }

        if (autoscaling !== "none") {
            const nodeClass =
                autoscaling === "karpenter"
                    ? karpenter(
                          name,
                          {
                              cluster: {
                                  name: clusterName,
                                  arn: cluster.eksCluster.apply((c) => c.arn),
                                  // The cluster security group EKS made: the one managed nodes get.
                                  securityGroupId: cluster.eksCluster.apply((c) => c.vpcConfig.clusterSecurityGroupId),
                              },
                              privateSubnetIds: network.privateSubnetIds,
                              nodeDiskSizeGb: args.nodeDiskSizeGb ?? D.nodeDiskSizeGb,
                              chart: args.karpenterChart,
                              provider: this.provider,
                              podIdentityAgent: podIdentityAgent!,
                              dependsOn: nodeGroup ? [nodeGroup] : [],
                              tags,
                          },
                          this,
                      ).nodeClass
                    : cluster;
            const specs = nodePoolSpecs({
                autoscaling,
                karpenterNodeClass: KARPENTER_NODE_CLASS,
                workerCapacity: args.workerCapacity ?? D.workerCapacity,
                workerLimit: { ...D.workerNodeLimit, ...args.nodeLimits?.workers },
                coreLimit: { ...D.coreNodeLimit, ...args.nodeLimits?.core },
            });
            for (const [pool, spec] of Object.entries(specs)) {
                new k8s.apiextensions.CustomResource(
                    `${name}-${pool}`,
                    { apiVersion: "karpenter.sh/v1", kind: "NodePool", metadata: { name: pool }, spec },
                    { parent: this, provider: this.provider, dependsOn: [nodeClass] },
                );
            }
        }

        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.clusterName = clusterName;
        this.clusterArn = cluster.eksCluster.apply((c) => c.arn);
        this.nodeAutoscaling = pulumi.output(autoscaling);
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcProviderUrl = cluster.oidcProviderUrl;
        this.transforms = [...adoptionTransforms(args), ...(autoMode ? [internetFacingTransform] : [])];
        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            clusterName: this.clusterName,
            clusterArn: this.clusterArn,
            nodeAutoscaling: this.nodeAutoscaling,
            oidcProviderArn: this.oidcProviderArn,
            oidcProviderUrl: this.oidcProviderUrl,
        });
    }
}
