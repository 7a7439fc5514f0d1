/**
 * The checks that need the cluster itself, run after the stack config is
 * checked and before any resource is registered.
 */
import { apiEndpoint, KubeApiError } from "./components/kubeApi";
import { selectedKubeconfig } from "./components/KubeconfigTarget";
import { namespaceTakeoverIssue } from "./components/namespaceOwner";
import { formatIssue } from "./components/validation";
import { StackConfigError, StackSettings } from "./config";

export interface ClusterCheckContext {
    project: string;
    stack: string;
    /** `<organization>/<project>/<stack>`, the namespace owner mark. */
    owner: string;
}

/**
 * On a cluster the stack does not create (kubeconfig targets), refuses to
 * create a Dask namespace that exists and is not this stack's. On `eks` the
 * cluster and every namespace in it belong to the stack.
 */
export async function checkCluster(settings: StackSettings, { project, stack, owner }: ClusterCheckContext): Promise<void> {
    if (settings.target.kind !== "kubeconfig" || settings.dask.createNamespace === false) {
        return;
    }
    const { content, context } = selectedKubeconfig(settings.target.args);
    let issue;
    try {
        issue = await namespaceTakeoverIssue(apiEndpoint(content, context), settings.dask.namespace ?? "dask", owner, `context ${context}`);
    } catch (err) {
        if (!(err instanceof KubeApiError)) {
            throw err;
        }
        issue = { path: "namespace", value: settings.dask.namespace ?? "dask", rule: `could not be checked in context ${context}: ${err.message}` };
    }
    if (issue !== undefined) {
        throw new StackConfigError(`Pulumi.${stack}.yaml`, [formatIssue(issue, `${project}:dask.`)]);
    }
}
