/**
 * Whose cluster objects are whose. The components mark what they create and
 * what others could collide with (the Dask namespace, the metrics-server
 * APIService) with the stack that created it; the stack program refuses to
 * "create" such an object when it exists without that mark, because Pulumi
 * would adopt it and `pulumi destroy` would then delete it.
 */
import * as pulumi from "@pulumi/pulumi";
import { ApiEndpoint, KubeApiError, kubeGet } from "./kubeApi";
import { ArgIssue } from "./validation";

/** The annotation naming the stack that created an object. */
export const OWNER_ANNOTATION = "daskk8s.io/owner";

/** This stack, as written into {@link OWNER_ANNOTATION}: `<organization>/<project>/<stack>`. */
export function stackOwner(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

type Found = { exists: false } | { exists: true; object: { metadata?: { annotations?: Record<string, string> }; spec?: Record<string, any> } };

/** GETs one object; a problem (as a rule text) when the cluster cannot say. */
async function lookUp(endpoint: ApiEndpoint, apiPath: string, where: string): Promise<Found | { problem: string }> {
    let answer: { status: number; body: unknown };
    try {
        answer = await kubeGet(endpoint, apiPath);
    } catch (err) {
        if (!(err instanceof KubeApiError)) {
            throw err;
        }
        return { problem: `could not be checked in ${where}: ${err.message}` };
    }
    // Only the API server's own NotFound means "no such object"; a proxy's 404 means nothing.
    if (answer.status === 404 && (answer.body as { kind?: string; reason?: string } | undefined)?.reason === "NotFound") {
        return { exists: false };
    }
    if (answer.status !== 200) {
        const message = (answer.body as { message?: string } | undefined)?.message ?? String(answer.body).slice(0, 200);
        return { problem: `could not be checked in ${where}: the API server answered ${answer.status} (${message})` };
    }
    return { exists: true, object: answer.body as Found extends { object: infer O } ? O : never };
}

function markedBy(found: Found): string | undefined {
    return found.exists ? found.object.metadata?.annotations?.[OWNER_ANNOTATION] : undefined;
}

/**
 * The problem with creating `namespace` on the cluster, if any: it exists and
 * was not created by `owner`, or it cannot be checked. Reported against the
 * DaskCluster argument `namespace`.
 */
export async function namespaceTakeoverIssue(endpoint: ApiEndpoint, namespace: string, owner: string, where: string): Promise<ArgIssue | undefined> {
    const found = await lookUp(endpoint, `/api/v1/namespaces/${encodeURIComponent(namespace)}`, where);
    if ("problem" in found) {
        return { path: "namespace", value: namespace, rule: found.problem };
    }
    if (!found.exists || markedBy(found) === owner) {
        return undefined;
    }
    const mark = markedBy(found);
    const whose =
        mark === undefined
            ? `was not created by this stack (it has no ${OWNER_ANNOTATION} annotation; if an earlier version of this program created it, ` +
              `run \`kubectl annotate namespace ${namespace} ${OWNER_ANNOTATION}=${owner}\`)`
            : `belongs to stack ${mark}`;
    return {
        path: "namespace",
        value: namespace,
        rule:
            `already exists in ${where} and ${whose}. The program never takes over a namespace, as \`pulumi destroy\` would delete it ` +
            "with everything in it: deploy into it with {{createNamespace}} false (it is then neither created nor deleted by the program), " +
            "or choose a namespace that does not exist",
    };
}

/**
 * The problem with installing a chart that serves a metrics API (the
 * metrics-server chart, KEDA's), if any: the cluster already serves
 * `apiService` from an APIService this stack did not create. Reported
 * against the component's argument `mode`; `what` names the chart's server.
 */
export async function metricsApiTakeoverIssue(
    endpoint: ApiEndpoint,
    apiService: string,
    owner: string,
    where: string,
    what = "metrics server",
): Promise<ArgIssue | undefined> {
    const found = await lookUp(endpoint, `/apis/apiregistration.k8s.io/v1/apiservices/${encodeURIComponent(apiService)}`, where);
    if ("problem" in found) {
        return { path: "mode", value: "chart", rule: `(the ${apiService} APIService) ${found.problem}` };
    }
    if (!found.exists || markedBy(found) === owner) {
        return undefined;
    }
    const service = found.object.spec?.service;
    const from = service ? `the Service ${service.namespace}/${service.name}` : "the API server itself";
    const mark = markedBy(found);
    const whose =
        mark === undefined
            ? "not marked as this stack's (if this stack installed it with an earlier version of this program, mark it: " +
              `\`kubectl annotate apiservice ${apiService} ${OWNER_ANNOTATION}=${owner}\`, as setting {{mode}} "existing" would then remove it)`
            : `installed by stack ${mark}`;
    return {
        path: "mode",
        value: "chart",
        rule:
            `would install a second ${what}: ${where} already serves ${apiService} from ${from}, ${whose}; ` +
            'two would take the APIService and RBAC objects from each other. Set {{mode}} to "existing" to use the cluster\'s',
    };
}
