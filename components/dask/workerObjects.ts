/**
 * Objects DaskCluster adds around the chart's worker Deployment: the
 * workers' own ServiceAccount and their PodDisruptionBudget.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";

/**
 * The workers' ServiceAccount, when one is named. It mounts no Kubernetes
 * API token: workers never call the API, and cloud identities (EKS Pod
 * Identity, IRSA) bring their own projected token.
 */
export function workerServiceAccount(
    name: string,
    serviceAccountName: string | undefined,
    namespace: pulumi.Input<string>,
    parent: pulumi.Resource,
    namespaceResource: pulumi.Resource | undefined,
): k8s.core.v1.ServiceAccount | undefined {
    if (serviceAccountName === undefined) {
        return undefined;
    }
    return new k8s.core.v1.ServiceAccount(
        `${name}-worker-account`,
        { metadata: { name: serviceAccountName, namespace }, automountServiceAccountToken: false },
        { parent, dependsOn: namespaceResource ? [namespaceResource] : [] },
    );
}

/**
 * At most `maxUnavailable` workers evicted at once (node drains, node
 * autoscaler consolidation): each one retires through the scheduler before
 * the next goes. The selector is the chart's worker selector, which its
 * worker groups (`<fullname>-worker-<group>`) share: one budget for all.
 */
export function workerDisruptionBudget(
    name: string,
    budget: { fullname: string; namespace: pulumi.Input<string>; maxUnavailable: number },
    parent: pulumi.Resource,
    namespaceResource: pulumi.Resource | undefined,
): k8s.policy.v1.PodDisruptionBudget {
    return new k8s.policy.v1.PodDisruptionBudget(
        `${name}-worker-budget`,
        {
            metadata: { name: `${budget.fullname}-worker`, namespace: budget.namespace },
            spec: {
                maxUnavailable: budget.maxUnavailable,
                selector: { matchLabels: { app: "dask", release: budget.fullname, component: "worker" } },
            },
        },
        { parent, dependsOn: namespaceResource ? [namespaceResource] : [] },
    );
}
