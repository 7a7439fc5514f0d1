/**
 * What the components of one program claim on one cluster, so that two of
 * them never share Kubernetes objects silently: two DaskClusters with the same
 * namespace and fullname would share the login Secret and the HPA name; two
 * chart-mode MetricsServers share the cluster-wide APIService and RBAC, and
 * removing one deletes the other's.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./kubernetes";
import { ArgIssue } from "./validation";

// One registry per Pulumi run (the engine's resource monitor; a test's mocks
// install a new one), then per Kubernetes provider (one cluster).
const runs = new WeakMap<object, WeakMap<object, Map<string, string>>>();
const NO_MONITOR = {};
const DEFAULT_PROVIDER = {};

/** The Kubernetes provider the options select: explicit, from `providers`, or the parent's. */
function kubernetesProvider(opts: pulumi.ComponentResourceOptions | undefined): object {
    const providers = opts?.providers;
    const listed = Array.isArray(providers)
        ? providers.find((p) => p instanceof k8s.Provider)
        : (providers as Record<string, pulumi.ProviderResource> | undefined)?.kubernetes;
    return listed ?? (opts?.provider instanceof k8s.Provider ? opts.provider : undefined) ?? opts?.parent?.getProvider("kubernetes::") ?? DEFAULT_PROVIDER;
}

/**
 * Records that `owner` (e.g. `DaskCluster "dask"`) uses `what` on the cluster
 * of `opts`; returns the earlier owner if another component has it already.
 */
export function claim(what: string, owner: string, opts: pulumi.ComponentResourceOptions | undefined): string | undefined {
    const monitor = pulumi.runtime.getMonitor() ?? NO_MONITOR;
    let clusters = runs.get(monitor);
    if (clusters === undefined) {
        clusters = new WeakMap();
        runs.set(monitor, clusters);
    }
    const provider = kubernetesProvider(opts);
    let claims = clusters.get(provider);
    if (claims === undefined) {
        claims = new Map();
        clusters.set(provider, claims);
    }
    const earlier = claims.get(what);
    if (earlier === undefined) {
        claims.set(what, owner);
    }
    return earlier;
}

/** One thing a component claims, and the argument to blame when another has it. */
export interface Claim {
    what: string;
    path: string;
    value: unknown;
    /** The rule, given the earlier owner. */
    rule: (earlier: string) => string;
}

/**
 * Claims the things for `owner` in order, stopping at the first one another
 * component has already: then the issue for it, else none.
 */
export function claimIssues(claims: Claim[], owner: string, opts: pulumi.ComponentResourceOptions | undefined): ArgIssue[] {
    for (const { what, path, value, rule } of claims) {
        const earlier = claim(what, owner, opts);
        if (earlier !== undefined) {
            return [{ path, value, rule: rule(earlier) }];
        }
    }
    return [];
}
