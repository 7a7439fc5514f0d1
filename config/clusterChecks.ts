/**
 * The checks that need the cluster itself, run after the stack config is
 * checked and before any resource is registered.
 */
import { ApiEndpoint, KubeApiError, apiEndpoint } from "../components/common/kubeApi";
import { selectedKubeconfig } from "../components/cluster/KubeconfigTarget";
import { METRICS_API_SERVICE, METRICS_SERVER_DEFAULTS } from "../components/scaling/MetricsServer";
import { DASK_CLUSTER_DEFAULTS } from "../components/dask/daskClusterSettings";
import { EXTERNAL_METRICS_API_SERVICE, KEDA_DEFAULTS } from "../components/scaling/Keda";
import { metricsApiTakeoverIssue, namespaceTakeoverIssue } from "../components/common/ownership";
import { ArgIssue, formatIssue } from "../components/common/validation";
import { StackConfigError, StackSettings } from "./stackConfig";

export interface ClusterCheckContext {
    project: string;
    stack: string;
    /** `<organization>/<project>/<stack>`, the owner mark. */
    owner: string;
}

/**
 * On a cluster the stack does not create (kubeconfig targets), refuses to
 * create a Dask namespace that exists and is not this stack's, and to install
 * the metrics-server chart where the cluster already serves the metrics API
 * from an APIService that is not this stack's, and the same for KEDA's
 * namespace and external metrics APIService. On `eks` the cluster and
 * everything in it belong to the stack.
 */
export async function checkCluster(settings: StackSettings, { project, stack, owner }: ClusterCheckContext): Promise<void> {
    if (settings.target.kind !== "kubeconfig") {
        return;
    }
    const checks: [string, (endpoint: ApiEndpoint, where: string) => Promise<ArgIssue | undefined>][] = [];
    if (settings.dask.createNamespace !== false) {
        checks.push(["dask", (e, where) => namespaceTakeoverIssue(e, settings.dask.namespace ?? DASK_CLUSTER_DEFAULTS.namespace, owner, where)]);
    }
    if ((settings.metricsServer.mode ?? METRICS_SERVER_DEFAULTS.mode) === "chart") {
        checks.push(["metricsServer", (e, where) => metricsApiTakeoverIssue(e, METRICS_API_SERVICE, owner, where)]);
    }
    const keda = settings.keda;
    if (keda !== undefined && (keda.mode ?? KEDA_DEFAULTS.mode) === "chart") {
        checks.push(["keda", (e, where) => metricsApiTakeoverIssue(e, EXTERNAL_METRICS_API_SERVICE, owner, where, "external metrics adapter (KEDA's)")]);
        if (keda.createNamespace !== false) {
            checks.push(["keda", (e, where) => namespaceTakeoverIssue(e, keda.namespace ?? KEDA_DEFAULTS.namespace, owner, where)]);
        }
    }
    if (checks.length === 0) {
        return;
    }
    const { content, context } = selectedKubeconfig(settings.target.args);
    const where = `context ${context}`;
    let endpoint: ApiEndpoint;
    try {
        endpoint = apiEndpoint(content, context);
    } catch (err) {
        if (!(err instanceof KubeApiError)) {
            throw err;
        }
        throw new StackConfigError(`Pulumi.${stack}.yaml`, [`${project}:kubeconfig (${where}) cannot be used to check the cluster: ${err.message}`]);
    }
    const problems: string[] = [];
    for (const [setting, check] of checks) {
        const issue = await check(endpoint, where);
        if (issue !== undefined) {
            problems.push(formatIssue(issue, `${project}:${setting}.`));
        }
    }
    if (problems.length > 0) {
        throw new StackConfigError(`Pulumi.${stack}.yaml`, problems);
    }
}
