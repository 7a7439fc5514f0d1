/**
 * EksTarget's arguments: types, ranges, defaults, descriptions and checks.
 * Apart from EksTarget.ts so that checking a stack loads no AWS package.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseCidr } from "../common/cidr";
import { accepted, group, listOf, matching, schemaIssues, wholeNumber } from "../common/settings";
import { ArgIssue, IssueList } from "../common/validation";
import { AdoptionArgs, adoptExistingSetting } from "./adoption";

/**
 * Kubernetes version of new clusters: in EKS standard support on the date it
 * was chosen (2026-11). Bump it deliberately: EKS upgrades one minor at a time.
 */
export const DEFAULT_EKS_VERSION = "1.34";

/** The defaults of EksTarget, in one place. */
export const EKS_TARGET_DEFAULTS = {
    kubernetesVersion: DEFAULT_EKS_VERSION,
    instanceTypes: ["t3.xlarge"],
    minNodes: 1,
    desiredNodes: 2,
    maxNodes: 4,
    nodeDiskSizeGb: 50,
    vpcCidr: "10.0.0.0/16",
} as const;
const D = EKS_TARGET_DEFAULTS;

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
    /** Fewest nodes; min ≤ desired ≤ max. @default 1 */
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
    /** CIDR blocks that may reach the public Kubernetes API endpoint. @default AWS's default: everyone (0.0.0.0/0); tighten it */
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

/** Every EksTarget argument. */
export const eksTargetSettings = z.strictObject({
    kubernetesVersion: matching(/^1\.[0-9]{2}$/, "a Kubernetes minor version such as 1.34", {
        default: D.kubernetesVersion,
    }),
    instanceTypes: listOf(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an EC2 instance type such as t3.xlarge", {
        default: D.instanceTypes,
    }),
    minNodes: wholeNumber({ min: 0 }, { default: D.minNodes }),
    desiredNodes: wholeNumber({ min: 0 }, { default: D.desiredNodes }),
    maxNodes: wholeNumber({ min: 1 }, { default: D.maxNodes }),
    nodeDiskSizeGb: wholeNumber({ min: 20, max: 16384 }, { default: D.nodeDiskSizeGb }),
    vpcCidr: accepted((c) => ipv4Cidr(c, VPC_PREFIX), `an IPv4 CIDR block from /${VPC_PREFIX.min} to /${VPC_PREFIX.max}, such as 10.0.0.0/16`, {
        default: D.vpcCidr,
    }),
    network: group(
        {
            vpcId: z.string(),
            publicSubnetIds: z.array(z.string()),
            privateSubnetIds: z.array(z.string()),
        },
        {},
    ),
    apiAccessCidrs: listOf((c) => ipv4Cidr(c), "an IPv4 CIDR block such as 203.0.113.0/24", {
        defaultText: "AWS's default: everyone (`0.0.0.0/0`)",
    }),
    tags: z.record(z.string(), z.string()).optional().meta({ default: {} }),
    adoptExisting: adoptExistingSetting,
});

/** Every problem with EksTarget args. */
export function validateEksTargetArgs(args: EksTargetArgs): ArgIssue[] {
    const settingIssues = schemaIssues(eksTargetSettings, args);
    if (settingIssues.length > 0) {
        return settingIssues;
    }
    const issues = new IssueList();
    if (args.instanceTypes !== undefined && args.instanceTypes.length === 0) {
        issues.add("instanceTypes", args.instanceTypes, "must list at least one EC2 instance type");
    }
    issues.notAbove("minNodes", args.minNodes ?? D.minNodes, "desiredNodes", args.desiredNodes ?? D.desiredNodes);
    issues.notAbove("desiredNodes", args.desiredNodes ?? D.desiredNodes, "maxNodes", args.maxNodes ?? D.maxNodes);
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
    return issues.issues;
}
