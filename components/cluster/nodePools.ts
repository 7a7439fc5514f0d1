/**
 * The node pools of an autoscaled EKS cluster, and where the Dask pods go on
 * them. Pure (no AWS package): the stack config places the Dask pods from
 * the same names, and the tests read the specs directly.
 *
 * Two pools, whichever node autoscaler runs them (EKS Auto Mode or
 * Karpenter, both Karpenter's NodePool API):
 * - `dask-core`: on-demand, untainted. The scheduler and the notebook (which
 *   lose every result and session when their node goes), KEDA, the metrics
 *   server, anything else.
 * - `dask-workers`: Spot or on-demand (`workerCapacity`), tainted so only
 *   the workers land there, one node disrupted at a time.
 */
import type * as pulumi from "@pulumi/pulumi";
import { withAnnotation } from "../common/annotations";
import type { PodPlacement, Toleration } from "../dask/podPlacement";

/** Node pool names (NodePool objects and the `karpenter.sh/nodepool` node label). */
export const CORE_POOL = "dask-core";
export const WORKER_POOL = "dask-workers";

/** The taint on worker nodes, which only the Dask workers tolerate. */
export const WORKER_TAINT = { key: "daskk8s.io/workers", value: "true", effect: "NoSchedule" } as const;

/** The label every Karpenter-made node carries: `spot` or `on-demand`. */
export const CAPACITY_TYPE_LABEL = "karpenter.sh/capacity-type";
/** The label naming a node's pool. */
export const NODE_POOL_LABEL = "karpenter.sh/nodepool";
/** Pod annotation: the node autoscaler never removes the pod's node to consolidate. */
export const DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt";

export type NodeAutoscaling = "auto-mode" | "karpenter" | "none";
export type WorkerCapacity = "spot" | "on-demand";

/** Most CPU and memory a pool may hold in all its nodes together. */
export interface NodeLimit {
    /** vCPUs. */
    cpu?: number;
    /** Memory, GiB. */
    memoryGiB?: number;
}

/**
 * Instance families both pools choose from: compute, general purpose and
 * memory optimised (Dask workers are memory-hungry), generation 5 or newer,
 * x86 (the Dask images' extra pip and conda packages may lack arm64 builds).
 * Many families keep Spot capacity available.
 */
const INSTANCE_CATEGORIES = ["c", "m", "r"];
const OLDEST_GENERATION = 5;

/** The instance label prefix: Auto Mode and Karpenter label the same facts under their own names. */
function instanceLabel(autoscaling: NodeAutoscaling, fact: "instance-category" | "instance-generation"): string {
    return `${autoscaling === "auto-mode" ? "eks.amazonaws.com" : "karpenter.k8s.aws"}/${fact}`;
}

/** The node class a pool's nodes are made from. */
export function nodeClassRef(autoscaling: NodeAutoscaling, karpenterNodeClass: string): { group: string; kind: string; name: string } {
    return autoscaling === "auto-mode"
        ? // Auto Mode's built-in node class (it exists while a built-in pool is enabled: `system` is).
          { group: "eks.amazonaws.com", kind: "NodeClass", name: "default" }
        : { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: karpenterNodeClass };
}

export interface NodePoolInput {
    autoscaling: Exclude<NodeAutoscaling, "none">;
    /** Name of the Karpenter EC2NodeClass (unused with Auto Mode). */
    karpenterNodeClass: string;
    workerCapacity: WorkerCapacity;
    coreLimit: Required<NodeLimit>;
    workerLimit: Required<NodeLimit>;
}

/**
 * The longest a worker node's drain may take before its pods are deleted
 * regardless: above the longest worker retirement (`retireTimeoutSeconds`
 * up to an hour, plus 30 s), with room for the disruption budget letting
 * workers go one by one. A Spot reclaim does not wait for it.
 */
export const WORKER_DRAIN_LIMIT = "2h";

/** The two NodePool specs (karpenter.sh/v1), by pool name. */
export function nodePoolSpecs(input: NodePoolInput): Record<string, Record<string, unknown>> {
    const requirements = (capacity: string[]) => [
        { key: CAPACITY_TYPE_LABEL, operator: "In", values: capacity },
        { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
        { key: instanceLabel(input.autoscaling, "instance-category"), operator: "In", values: INSTANCE_CATEGORIES },
        { key: instanceLabel(input.autoscaling, "instance-generation"), operator: "Gt", values: [String(OLDEST_GENERATION - 1)] },
    ];
    const limits = (limit: Required<NodeLimit>) => ({ cpu: String(limit.cpu), memory: `${limit.memoryGiB}Gi` });
    const classRef = nodeClassRef(input.autoscaling, input.karpenterNodeClass);
    return {
        [CORE_POOL]: {
            template: { spec: { nodeClassRef: classRef, requirements: requirements(["on-demand"]) } },
            limits: limits(input.coreLimit),
            // The scheduler and notebook pods carry do-not-disrupt: only empty or
            // underused nodes without them are consolidated.
            disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "10m" },
        },
        [WORKER_POOL]: {
            template: {
                metadata: { labels: { "daskk8s.io/role": "dask-worker" } },
                spec: {
                    nodeClassRef: classRef,
                    requirements: requirements([input.workerCapacity]),
                    taints: [WORKER_TAINT],
                    terminationGracePeriod: WORKER_DRAIN_LIMIT,
                },
            },
            limits: limits(input.workerLimit),
            // One node at a time, and only once the autoscaler's own scale-down
            // (which retires workers through Dask) has left it empty or underused.
            disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "5m", budgets: [{ nodes: "1" }] },
        },
    };
}

/** Where the Dask pods go on an autoscaled cluster; undefined without one. */
export function daskPlacementFor(autoscaling: NodeAutoscaling): { scheduler: PodPlacement; workers: PodPlacement; jupyter: PodPlacement } | undefined {
    if (autoscaling === "none") {
        return undefined;
    }
    const core: PodPlacement = { nodeSelector: { [NODE_POOL_LABEL]: CORE_POOL }, annotations: { [DO_NOT_DISRUPT]: "true" } };
    const toleration: Toleration = { ...WORKER_TAINT, operator: "Equal" };
    return {
        scheduler: core,
        jupyter: core,
        workers: { nodeSelector: { [NODE_POOL_LABEL]: WORKER_POOL }, tolerations: [toleration] },
    };
}

/**
 * The annotation that makes the AWS load balancer of a `LoadBalancer`
 * Service internet-facing. Auto Mode's built-in load balancing makes
 * internal ones unless told otherwise; who may reach them is still
 * `loadBalancerSourceRanges` (required by DaskCluster).
 */
export const LOAD_BALANCER_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme";

/**
 * Subnet tags AWS load balancing reads to tell public subnets (internet-facing
 * load balancers) from private ones (internal).
 */
export const SUBNET_ROLE_TAGS = { public: "kubernetes.io/role/elb", private: "kubernetes.io/role/internal-elb" } as const;

/** Makes `LoadBalancer` Services internet-facing, unless they name a scheme (Auto Mode's load balancing). */
export const internetFacingTransform: pulumi.ResourceTransform = (args) => {
    const props = args.props as { spec?: { type?: string }; metadata?: { annotations?: Record<string, unknown> } };
    if (
        args.type !== "kubernetes:core/v1:Service" ||
        props.spec?.type !== "LoadBalancer" ||
        props.metadata?.annotations?.[LOAD_BALANCER_SCHEME] !== undefined
    ) {
        return undefined;
    }
    return { props: withAnnotation(props, LOAD_BALANCER_SCHEME, "internet-facing"), opts: args.opts };
};
