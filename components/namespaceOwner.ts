/**
 * Whose a namespace is. DaskCluster marks the namespace it creates with the
 * stack that created it; the program refuses to "create" a namespace that
 * already exists without that mark, because Pulumi would adopt it and
 * `pulumi destroy` would then delete it with everything in it.
 */
import * as pulumi from "@pulumi/pulumi";
import { ApiEndpoint, KubeApiError, kubeGet } from "./kubeApi";
import { ArgIssue } from "./validation";

/** The annotation naming the stack that created a namespace. */
export const OWNER_ANNOTATION = "daskk8s.io/owner";

/** This stack, as written into {@link OWNER_ANNOTATION}: `<organization>/<project>/<stack>`. */
export function stackOwner(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * The problem with creating `namespace` on the cluster, if any: it exists and
 * was not created by `owner`, or it cannot be checked. Reported against the
 * DaskCluster argument `namespace`.
 */
export async function namespaceTakeoverIssue(endpoint: ApiEndpoint, namespace: string, owner: string, where: string): Promise<ArgIssue | undefined> {
    const fix = "deploy into it with {{createNamespace}} false (it is then neither created nor deleted by the program), or choose a namespace that does not exist";
    let answer: { status: number; body: unknown };
    try {
        answer = await kubeGet(endpoint, `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
    } catch (err) {
        if (!(err instanceof KubeApiError)) {
            throw err;
        }
        return { path: "namespace", value: namespace, rule: `could not be checked in ${where}: ${err.message}` };
    }
    if (answer.status === 404) {
        return undefined;
    }
    if (answer.status !== 200) {
        const message = (answer.body as { message?: string } | undefined)?.message ?? String(answer.body).slice(0, 200);
        return { path: "namespace", value: namespace, rule: `could not be checked in ${where}: the API server answered ${answer.status} (${message})` };
    }
    const metadata = (answer.body as { metadata?: { annotations?: Record<string, string> } }).metadata;
    const markedBy = metadata?.annotations?.[OWNER_ANNOTATION];
    if (markedBy === owner) {
        return undefined;
    }
    const whose = markedBy === undefined
        ? `was not created by this stack (it has no ${OWNER_ANNOTATION} annotation; if an earlier version of this program created it, ` +
          `run \`kubectl annotate namespace ${namespace} ${OWNER_ANNOTATION}=${owner}\`)`
        : `belongs to stack ${markedBy}`;
    return {
        path: "namespace",
        value: namespace,
        rule: `already exists in ${where} and ${whose}. The program never takes over a namespace, as \`pulumi destroy\` would delete it ` +
            `with everything in it: ${fix}`,
    };
}
