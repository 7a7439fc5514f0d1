import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import { throwIfInvalid } from "../common/validation";
import { adoptionTransforms, patchForce } from "./adoption";
import { DEFAULT_EKS_VERSION, EKS_TARGET_DEFAULTS as D, EksTargetArgs, validateEksTargetArgs } from "./eksTargetSettings";

export { DEFAULT_EKS_VERSION, EksNetworkArgs, EksTargetArgs } from "./eksTargetSettings";

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

        const network =
            args.network ??
            new awsx.ec2.Vpc(
                `${name}-vpc`,
                {
                    cidrBlock: args.vpcCidr ?? D.vpcCidr,
                    numberOfAvailabilityZones: 2,
                    natGateways: { strategy: awsx.ec2.NatGatewayStrategy.Single },
                    tags,
                },
                { parent: this },
            );

        const nodeRole = new aws.iam.Role(
            `${name}-node-role`,
            {
                assumeRolePolicy: JSON.stringify(aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" })),
                tags,
            },
            { parent: this },
        );
        const nodePolicies = [
            aws.iam.ManagedPolicy.AmazonEKSWorkerNodePolicy,
            aws.iam.ManagedPolicy.AmazonEKS_CNI_Policy,
            aws.iam.ManagedPolicy.AmazonEC2ContainerRegistryReadOnly,
        ];
        const attachments = nodePolicies.map(
            (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-node-policy-${i}`, { role: nodeRole.name, policyArn }, { parent: this }),
        );

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
                tags,
            },
            { parent: this },
        );

        new eks.ManagedNodeGroup(
            `${name}-nodes`,
            {
                cluster,
                nodeRole,
                instanceTypes: args.instanceTypes ?? [...D.instanceTypes],
                diskSize: args.nodeDiskSizeGb ?? D.nodeDiskSizeGb,
                subnetIds: network.privateSubnetIds,
                scalingConfig: {
                    minSize: args.minNodes ?? D.minNodes,
                    desiredSize: args.desiredNodes ?? D.desiredNodes,
                    maxSize: args.maxNodes ?? D.maxNodes,
                },
                tags,
            },
            { parent: this, dependsOn: attachments },
        );

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
