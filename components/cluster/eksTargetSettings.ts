/**
 * EksTarget's arguments: types, ranges, defaults, descriptions and checks.
 * Apart from EksTarget.ts so that checking a stack loads no AWS package.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseCidr } from "../common/cidr";
import { ChartSource, chartSourceSettings, checkChartSource } from "../common/chartSource";
import { accepted, flag, group, listOf, matching, oneOf, schemaIssues, wholeNumber } from "../common/settings";
import { ArgIssue, IssueList } from "../common/validation";
import { AdoptionArgs, adoptExistingSetting } from "./adoption";
import { NodeAutoscaling, NodeLimit, WorkerCapacity } from "./nodePools";

export { NodeAutoscaling, NodeLimit, WorkerCapacity } from "./nodePools";

/**
 * Kubernetes version of new clusters: in EKS standard support on the date it
 * was chosen (2026-11). Bump it deliberately: EKS upgrades one minor at a time.
 */
export const DEFAULT_EKS_VERSION = "1.34";

/** The Karpenter chart version (karpenter.ts has why). */
export const KARPENTER_CHART_VERSION = "1.11.1";

/** The defaults of EksTarget, in one place. */
export const EKS_TARGET_DEFAULTS = {
    kubernetesVersion: DEFAULT_EKS_VERSION,
    instanceTypes: ["t3.xlarge"],
    minNodes: 1,
    desiredNodes: 2,
    maxNodes: 4,
    nodeDiskSizeGb: 50,
    vpcCidr: "10.0.0.0/16",
    nodeAutoscaling: "auto-mode",
    workerCapacity: "spot",
    workerNodeLimit: { cpu: 64, memoryGiB: 256 },
    coreNodeLimit: { cpu: 16, memoryGiB: 64 },
    metricsServerAddon: true,
} as const;
const D = EKS_TARGET_DEFAULTS;

/** Access of the Dask workers and notebook to one S3 bucket. */
export interface BucketAccess {
    /** Bucket name (no wildcards, no ARN). */
    bucket: string;
    /** `read` (get and list) or `read-write` (also put and delete). @default "read" */
    access?: "read" | "read-write";
    /** Only keys under this prefix, which ends in `/`, e.g. `raw/`. @default the whole bucket */
    prefix?: string;
}

/** Most CPU and memory of each node pool (autoscaled clusters). */
export interface EksNodeLimits {
    /** The Dask workers' pool. @default { cpu: 64, memoryGiB: 256 } */
    workers?: NodeLimit;
    /** The on-demand pool of the scheduler, notebook and cluster add-ons. @default { cpu: 16, memoryGiB: 64 } */
    core?: NodeLimit;
}

/** An existing network to place the cluster in instead of a new VPC. */
export interface EksNetworkArgs {
    /** VPC id. */
    vpcId: pulumi.Input<string>;
    /** Public subnets (for internet-facing load balancers), at least two AZs, tagged `kubernetes.io/role/elb=1`. */
    publicSubnetIds: pulumi.Input<string>[];
    /** Private subnets for the nodes, at least two AZs, tagged `kubernetes.io/role/internal-elb=1`. */
    privateSubnetIds: pulumi.Input<string>[];
}

export interface EksTargetArgs extends AdoptionArgs {
    /** Kubernetes version, `major.minor`. @default "1.34" */
    kubernetesVersion?: string;
    /**
     * What adds and removes nodes. `auto-mode`: EKS Auto Mode (AWS runs
     * Karpenter, and patches and replaces the nodes; no managed node group).
     * `karpenter`: Karpenter 1.11.1 from its chart on a small managed node
     * group, with its IAM role, Spot interruption queue and event rules.
     * `none`: only the managed node group, whose size is fixed (`desiredNodes`):
     * workers beyond its room stay Pending.
     * @default "auto-mode"
     */
    nodeAutoscaling?: NodeAutoscaling;
    /**
     * Capacity of the workers' nodes: `spot` (up to ~70% cheaper; AWS may take
     * a node back with two minutes' notice, and its workers retire first) or
     * `on-demand`. The scheduler and notebook always run on on-demand nodes.
     * `spot` needs node autoscaling.
     * @default "spot" ("on-demand" with nodeAutoscaling none)
     */
    workerCapacity?: WorkerCapacity;
    /** Most vCPUs and memory per node pool: what the node autoscaler may buy at most. */
    nodeLimits?: EksNodeLimits;
    /**
     * S3 buckets the workers and the notebook may use, through EKS Pod
     * Identity: an IAM role for their ServiceAccounts, nothing on the nodes.
     * Each item: `bucket` (a bucket name, no wildcards), `access` (`read`, the
     * default, or `read-write`), `prefix` (only keys under it, e.g. `raw/`).
     * @default [] (no AWS access)
     */
    s3Access?: BucketAccess[];
    /**
     * Install the metrics server as the EKS add-on (`metrics-server`), so the
     * stack's `metricsServer` deploys none (`mode: existing`).
     * @default true
     */
    metricsServerAddon?: boolean;
    /** Where the Karpenter chart comes from (`nodeAutoscaling: karpenter`). @default karpenter 1.11.1 from its public OCI registry */
    karpenterChart?: ChartSource;
    /**
     * EC2 instance types of the managed node group (`none`: every pod;
     * `karpenter`: Karpenter itself and the cluster add-ons). Not with `auto-mode`.
     * @default ["t3.xlarge"] (4 vCPU, 16 GiB)
     */
    instanceTypes?: string[];
    /** Fewest nodes of the managed node group; min ≤ desired ≤ max. Not with `auto-mode`. @default 1 */
    minNodes?: number;
    /** Nodes of the managed node group at creation (later changes are kept by the node group). Not with `auto-mode`. @default 2 */
    desiredNodes?: number;
    /** Most nodes of the managed node group. Not with `auto-mode`. @default 4 */
    maxNodes?: number;
    /** Root disk per node of the managed node group and of Karpenter's nodes, GiB. Not with `auto-mode` (80 GiB). @default 50 */
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

/**
 * S3 bucket names as AWS accepts them: 3 to 63 lowercase letters, digits,
 * dots and hyphens, a letter or digit at each end. No wildcard: access is
 * granted bucket by bucket.
 */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/**
 * A key prefix: a "directory", ending in `/` (`raw` would also grant
 * `raw-secret/`), no wildcard (it would widen the grant), no leading slash.
 */
export const KEY_PREFIX = /^[^/*?][^*?]*\/$/;

const nodeLimit = (defaults: Required<NodeLimit>) =>
    group(
        {
            cpu: wholeNumber({ min: 1, max: 100000 }, { default: defaults.cpu }),
            memoryGiB: wholeNumber({ min: 1, max: 1000000 }, { default: defaults.memoryGiB }),
        },
        { default: defaults },
    );

/** Every EksTarget argument. */
export const eksTargetSettings = z.strictObject({
    kubernetesVersion: matching(/^1\.[0-9]{2}$/, "a Kubernetes minor version such as 1.34", {
        default: D.kubernetesVersion,
    }),
    nodeAutoscaling: oneOf(["auto-mode", "karpenter", "none"], { default: D.nodeAutoscaling }),
    workerCapacity: oneOf(["spot", "on-demand"], { default: D.workerCapacity, defaultText: '"spot" ("on-demand" with nodeAutoscaling none)' }),
    nodeLimits: group({ workers: nodeLimit(D.workerNodeLimit), core: nodeLimit(D.coreNodeLimit) }, {}),
    s3Access: z
        .array(
            z.strictObject({
                bucket: z.string().regex(BUCKET_NAME, { error: "must be an S3 bucket name such as my-data (no wildcards, no ARN)" }),
                access: z.enum(["read", "read-write"]).optional(),
                prefix: z.string().regex(KEY_PREFIX, { error: "must be a key prefix ending in / such as raw/ (no wildcards, no leading /)" }).optional(),
            }),
        )
        .optional()
        .meta({ default: [] }),
    metricsServerAddon: flag({ default: D.metricsServerAddon }),
    karpenterChart: chartSourceSettings(`karpenter ${KARPENTER_CHART_VERSION} from its public OCI registry`),
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
    const autoscaling = args.nodeAutoscaling ?? D.nodeAutoscaling;
    if (autoscaling === "auto-mode") {
        for (const key of ["instanceTypes", "minNodes", "desiredNodes", "maxNodes", "nodeDiskSizeGb"] as const) {
            if (args[key] !== undefined) {
                issues.add(key, args[key], 'only applies with a managed node group: {{nodeAutoscaling}} is "auto-mode", whose nodes AWS chooses');
            }
        }
    }
    if (autoscaling === "none" && args.workerCapacity === "spot") {
        issues.add("workerCapacity", "spot", 'needs {{nodeAutoscaling}} "auto-mode" or "karpenter": the one managed node group also runs the scheduler');
    }
    if (autoscaling === "none" && args.nodeLimits !== undefined) {
        issues.add("nodeLimits", args.nodeLimits, 'only applies with {{nodeAutoscaling}} "auto-mode" or "karpenter"');
    }
    if (autoscaling === "karpenter" && (args.desiredNodes ?? D.desiredNodes) < 2) {
        issues.add(
            "desiredNodes",
            args.desiredNodes,
            'must be at least 2 with {{nodeAutoscaling}} "karpenter": its two controller replicas run on separate nodes',
        );
    }
    checkChartSource(issues, "karpenterChart", args.karpenterChart);
    if (args.karpenterChart !== undefined && autoscaling !== "karpenter") {
        issues.add("karpenterChart", args.karpenterChart, `only applies with {{nodeAutoscaling}} "karpenter" (it is "${autoscaling}")`);
    }
    const buckets = new Set<string>();
    (args.s3Access ?? []).forEach((grant, i) => {
        const id = `${grant.bucket}/${grant.prefix ?? ""}`;
        if (buckets.has(id)) {
            issues.add(`s3Access[${i}].bucket`, grant.bucket, "is listed twice with the same prefix: list each bucket (and prefix) once");
        }
        buckets.add(id);
    });
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
