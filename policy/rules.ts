/**
 * The guardrails as pure functions over resource types and properties, so
 * that tests can run them without the policy engine. index.ts wires them into
 * the policy pack.
 */
import * as crypto from "crypto";

/** A resource as a stack policy sees it. */
export interface Seen {
    type: string;
    urn: string;
    props: Record<string, any>;
}

export interface Violation {
    urn: string;
    message: string;
}

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const SCHEDULER_PORT = 8786;
/** The password every copy of the dask chart ships with. */
const CHART_DEFAULT_PASSWORD = "dask";

/** No LoadBalancer Service without loadBalancerSourceRanges; worded for the Dask scheduler port. */
export function openLoadBalancer(props: Record<string, any>): string | undefined {
    const spec = props.spec ?? {};
    if (spec.type !== "LoadBalancer" || (spec.loadBalancerSourceRanges ?? []).length > 0) {
        return undefined;
    }
    const name = props.metadata?.name ?? "(unnamed)";
    const ports: { port?: number; targetPort?: number | string }[] = spec.ports ?? [];
    if (ports.some((p) => p.port === SCHEDULER_PORT || p.targetPort === SCHEDULER_PORT)) {
        return (
            `Service ${name} exposes the Dask scheduler (port ${SCHEDULER_PORT}) through a LoadBalancer open to everyone: whoever reaches it ` +
            "can run code on the workers. Set daskk8s:dask.scheduler.service.loadBalancerSourceRanges to your office or VPN CIDRs, or use ClusterIP with kubectl port-forward."
        );
    }
    return (
        `Service ${name} is a LoadBalancer without loadBalancerSourceRanges, open to the whole internet. List the CIDR blocks that may reach it ` +
        "(for Dask services: daskk8s:dask.<scheduler|jupyter>.service.loadBalancerSourceRanges)."
    );
}

const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? "default"}/${name}`;

/** Every Deployment a CPU-utilisation HPA targets has a CPU request on each container. */
export function hpaTargetsWithoutCpuRequests(resources: Seen[]): Violation[] {
    const deployments = new Map(resources.filter((r) => r.type === DEPLOYMENT).map((r) => [keyOf(r.props.metadata?.namespace, r.props.metadata?.name), r]));
    const violations: Violation[] = [];
    for (const hpa of resources.filter((r) => r.type === HPA)) {
        const usesCpu = (hpa.props.spec?.metrics ?? []).some((m: any) => m.type === "Resource" && m.resource?.name === "cpu");
        const target = hpa.props.spec?.scaleTargetRef;
        if (!usesCpu || target?.kind !== "Deployment") {
            continue;
        }
        const deployment = deployments.get(keyOf(hpa.props.metadata?.namespace, target.name));
        if (deployment === undefined) {
            continue; // not in this stack: nothing to check here
        }
        for (const container of deployment.props.spec?.template?.spec?.containers ?? []) {
            if (container.resources?.requests?.cpu === undefined) {
                violations.push({
                    urn: deployment.urn,
                    message:
                        `Deployment ${target.name} is scaled on CPU utilisation by HPA ${hpa.props.metadata?.name}, but its container ${container.name} ` +
                        "has no CPU request, so the HPA shows <unknown> and never scales. Set daskk8s:dask.workers.resources.requests.cpu.",
                });
            }
        }
    }
    return violations;
}

function isDask(resource: Seen): boolean {
    return resource.type === DEPLOYMENT && resource.props.spec?.template?.metadata?.labels?.app === "dask";
}

function tagOf(image: string): string {
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    return colon < 0 ? "" : lastSegment.slice(colon + 1);
}

/** Dask images are pinned, and scheduler, workers and notebook share one tag. */
export function unpinnedDaskImages(resources: Seen[]): Violation[] {
    const violations: Violation[] = [];
    const tags = new Map<string, string>();
    for (const deployment of resources.filter(isDask)) {
        for (const container of deployment.props.spec?.template?.spec?.containers ?? []) {
            const tag = tagOf(container.image ?? "");
            if (tag === "" || tag === "latest") {
                violations.push({
                    urn: deployment.urn,
                    message:
                        `Deployment ${deployment.props.metadata?.name} runs ${container.image}: pin a Dask version tag (daskk8s:dask.image.tag), ` +
                        "never latest or none, so that the cluster does not change under running clients.",
                });
            } else {
                tags.set(deployment.props.metadata?.name, tag);
            }
        }
    }
    if (new Set(tags.values()).size > 1) {
        const listed = [...tags].map(([name, tag]) => `${name}=${tag}`).join(", ");
        violations.push({
            urn: resources.find(isDask)!.urn,
            message:
                `Dask scheduler, workers and notebook run different image tags (${listed}); mismatched Dask versions fail in confusing ways. ` +
                "Use one daskk8s:dask.image.tag for all of them.",
        });
    }
    return violations;
}

const HASH = /sha1:([^:'"\s]+):([0-9a-f]{40})/g;

/** A `sha1:<salt>:<hash>` in the props that is the hash of the chart's default password. */
export function defaultJupyterPassword(props: Record<string, any>): string | undefined {
    for (const [, salt, digest] of JSON.stringify(props).matchAll(HASH)) {
        if (
            crypto
                .createHash("sha1")
                .update(CHART_DEFAULT_PASSWORD + salt)
                .digest("hex") === digest
        ) {
            return (
                `${props.kind ?? "Object"} ${props.metadata?.name} holds the hash of the dask chart's public default Jupyter password ("dask"). ` +
                "Leave daskk8s:jupyterPassword unset to get a generated one, or set your own with `pulumi config set --secret jupyterPassword`."
            );
        }
    }
    return undefined;
}

/** Dask worker Deployments set CPU and memory requests and limits. */
export function workerResourcesMissing(props: Record<string, any>): string | undefined {
    const labels = props.spec?.template?.metadata?.labels ?? {};
    if (labels.app !== "dask" || labels.component !== "worker") {
        return undefined;
    }
    const missing = (props.spec?.template?.spec?.containers ?? []).flatMap((c: any) =>
        ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]
            .filter((path) => path.split(".").reduce((node: any, key) => node?.[key], c.resources) === undefined)
            .map((path) => `${c.name}: ${path}`),
    );
    return missing.length === 0
        ? undefined
        : `Dask workers need requests and limits (Pending or Evicted pods otherwise); missing ${missing.join(", ")}. ` + "Set daskk8s:dask.workers.resources.";
}

/**
 * Dask worker Deployments that an autoscaler (an HPA or a KEDA ScaledObject)
 * scales retire their workers through the scheduler before they stop (a
 * preStop hook): otherwise every scale-down loses the removed workers'
 * in-memory results, and Dask recomputes them.
 */
export function autoscaledWorkersWithoutRetirement(resources: Seen[]): Violation[] {
    const scaled = new Map<string, string>();
    for (const r of resources) {
        const target = r.props.spec?.scaleTargetRef;
        const kind = r.type === HPA ? "HPA" : r.type === SCALED_OBJECT ? "ScaledObject" : undefined;
        if (kind !== undefined && (target?.kind ?? "Deployment") === "Deployment" && target?.name !== undefined) {
            scaled.set(keyOf(r.props.metadata?.namespace, target.name), `${kind} ${r.props.metadata?.name}`);
        }
    }
    return resources
        .filter((r) => isDask(r) && r.props.spec?.template?.metadata?.labels?.component === "worker")
        .flatMap((deployment) => {
            const by = scaled.get(keyOf(deployment.props.metadata?.namespace, deployment.props.metadata?.name));
            const hooked = (deployment.props.spec?.template?.spec?.containers ?? []).every((c: any) => c.lifecycle?.preStop !== undefined);
            return by === undefined || hooked
                ? []
                : [
                      {
                          urn: deployment.urn,
                          message:
                              `Deployment ${deployment.props.metadata?.name} is scaled by ${by}, but its workers stop without retiring: each scale-down ` +
                              "loses the removed workers' in-memory results and Dask recomputes them. Leave daskk8s:dask.workers.retireTimeoutSeconds above 0.",
                      },
                  ];
        });
}

/** Node labels that put a pod on Spot capacity (Karpenter and Auto Mode; managed node groups). */
const SPOT_LABELS: Record<string, string> = { "karpenter.sh/capacity-type": "spot", "eks.amazonaws.com/capacityType": "SPOT" };
/** The taint of this project's Spot-capable worker pool (components/cluster/nodePools.ts). */
const WORKER_POOL_TAINT = "daskk8s.io/workers";

/**
 * The Dask scheduler and the notebook never run where Spot capacity may
 * take their node back: the scheduler holds every result and task state of
 * the cluster, the notebook the users' sessions; neither can hand them over.
 */
export function schedulerOnSpot(props: Record<string, any>): string | undefined {
    const labels = props.spec?.template?.metadata?.labels ?? {};
    if (labels.app !== "dask" || (labels.component !== "scheduler" && labels.component !== "jupyter")) {
        return undefined;
    }
    const pod = props.spec?.template?.spec ?? {};
    const reasons: string[] = [];
    for (const [key, value] of Object.entries(pod.nodeSelector ?? {})) {
        if (SPOT_LABELS[key] === value) {
            reasons.push(`nodeSelector ${key}=${value}`);
        }
    }
    const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    for (const term of terms) {
        for (const expr of term.matchExpressions ?? []) {
            if (SPOT_LABELS[expr.key] !== undefined && expr.operator === "In" && (expr.values ?? []).includes(SPOT_LABELS[expr.key])) {
                reasons.push(`node affinity ${expr.key} In [${expr.values.join(", ")}]`);
            }
        }
    }
    if ((pod.tolerations ?? []).some((t: any) => t.key === WORKER_POOL_TAINT || (t.key === undefined && t.operator === "Exists"))) {
        reasons.push(`a toleration of the worker pool's taint ${WORKER_POOL_TAINT}`);
    }
    if (reasons.length === 0) {
        return undefined;
    }
    const what = labels.component === "scheduler" ? "Dask scheduler (all task state and results)" : "notebook (the users' sessions)";
    return (
        `Deployment ${props.metadata?.name} lets the ${what} run on Spot capacity (${reasons.join("; ")}): AWS may take the node back ` +
        "at two minutes' notice and nothing can move it. Leave daskk8s:dask.scheduler.placement / daskk8s:dask.jupyter.placement to the defaults (on-demand nodes)."
    );
}

const IAM_POLICY_TYPES = ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"];
/** AWS managed policies that reach every bucket of the account. */
const ALL_BUCKET_POLICIES = /:policy\/(AmazonS3FullAccess|AmazonS3ReadOnlyAccess)$/;

const listOf = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/**
 * S3 access is granted bucket by bucket: no IAM policy allows an S3 action
 * on `*` or on a bucket pattern, and no role gets the managed policies that
 * reach every bucket of the account.
 */
export function wildcardBucketAccess(type: string, props: Record<string, any>): string | undefined {
    if (type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && ALL_BUCKET_POLICIES.test(String(props.policyArn ?? ""))) {
        return (
            `Role ${props.role} gets ${props.policyArn}, which reaches every S3 bucket of the account. ` +
            "Grant the buckets the Dask pods need one by one (daskk8s:eks.s3Access), through their ServiceAccounts, never the nodes' role."
        );
    }
    if (!IAM_POLICY_TYPES.includes(type) || typeof props.policy !== "string") {
        return undefined;
    }
    let document: { Statement?: unknown };
    try {
        document = JSON.parse(props.policy);
    } catch {
        return undefined; // not known yet, or not JSON: IAM rejects it anyway
    }
    const statements = (Array.isArray(document.Statement) ? document.Statement : [document.Statement]) as any[];
    const wide = statements.flatMap((st) => {
        if (st?.Effect !== "Allow") {
            return [];
        }
        const s3Actions = listOf(st.Action).filter((a) => a === "*" || a.toLowerCase().startsWith("s3:"));
        if (s3Actions.length === 0) {
            return [];
        }
        return listOf(st.Resource)
            .filter((r) => r === "*" || /^arn:[^:]+:s3:::[^/]*[*?]/.test(r))
            .map((r) => `${s3Actions.join(", ")} on ${r}`);
    });
    if (wide.length === 0) {
        return undefined;
    }
    return (
        `IAM policy ${props.name ?? props.role ?? ""} allows ${wide.join("; ")}: that reaches buckets nobody listed. ` +
        "Name each bucket (daskk8s:eks.s3Access takes a bucket and an optional key prefix)."
    );
}
