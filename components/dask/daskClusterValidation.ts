import type { DaskClusterArgs } from "./DaskCluster";
import { checkChartSource } from "../common/chartSource";
import { DEFAULT_DASK_IMAGE_TAG, entrypointsFor } from "./daskImage";
import { ContainerResources, JUPYTER_SERVICE_ACCOUNT, LOGIN_REVISION_ENV, PACKAGE_ENV, PASSWORD_HASH_ENV, SECRET_ENV_REVISION_ENV } from "./daskValues";
import { passwordProblem } from "./jupyterPassword";
import { compareQuantities, isZeroQuantity } from "../common/quantity";
import { ServiceExposure } from "./serviceEndpoint";
import { schemaIssues } from "../common/settings";
import { ArgIssue, IssueList, SECRET, known } from "../common/validation";
import { validateWorkerAutoscalingArgs } from "../scaling/WorkerAutoscaler";
import { DASK_CLUSTER_DEFAULTS, IMAGE_TAG, daskClusterSettings } from "./daskClusterSettings";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Namespaces Kubernetes itself creates and owns. */
export const CLUSTER_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

function checkExposure(issues: IssueList, path: string, exposure: ServiceExposure | undefined, role: string): void {
    if (exposure === undefined) {
        return;
    }
    const ranges = exposure.loadBalancerSourceRanges;
    if (exposure.type === "LoadBalancer" && (ranges === undefined || ranges.length === 0)) {
        issues.add(
            `${path}.loadBalancerSourceRanges`,
            ranges,
            `must list the CIDR blocks allowed to reach the ${role} when {{${path}.type}} is LoadBalancer ` +
                '(anyone who reaches the Dask scheduler can run code on the workers; write ["0.0.0.0/0"] only if you mean it)',
        );
    }
    if (exposure.type !== "LoadBalancer" && ranges !== undefined) {
        issues.add(
            `${path}.loadBalancerSourceRanges`,
            ranges,
            `only applies when {{${path}.type}} is LoadBalancer (it is ${exposure.type ?? DASK_CLUSTER_DEFAULTS.serviceType})`,
        );
    }
}

/** Checks requests against limits; `requireCpuRequest` for workers (autoscaling needs it). */
export function checkResources(issues: IssueList, path: string, resources: ContainerResources | undefined, requireCpuRequest: boolean): void {
    if (requireCpuRequest && resources?.requests?.cpu !== undefined && isZeroQuantity(resources.requests.cpu) === true) {
        issues.add(`${path}.requests.cpu`, resources.requests.cpu, "must be above 0: CPU-utilisation autoscaling divides by it");
    }
    for (const name of ["cpu", "memory"] as const) {
        const request = resources?.requests?.[name];
        const limit = resources?.limits?.[name];
        if (request !== undefined && limit !== undefined && compareQuantities(request, limit) === 1) {
            issues.add(`${path}.requests.${name}`, resources!.requests![name], `must not exceed {{${path}.limits.${name}}} (${resources!.limits![name]})`);
        }
    }
}

/** Variables the component sets itself on some Dask container. */
const OWNED_ENV: readonly string[] = [PASSWORD_HASH_ENV, LOGIN_REVISION_ENV, SECRET_ENV_REVISION_ENV, "JUPYTERLAB_ARGS"];

/** Environment variable names; secret values are never echoed. */
function checkEnv(issues: IssueList, path: string, env: Record<string, unknown> | undefined, secret: boolean): void {
    for (const name of Object.keys(env ?? {})) {
        const value = secret ? SECRET : known(env![name] as string);
        if (!ENV_NAME.test(name)) {
            issues.add(`${path}.${name}`, name, "must be an environment variable name (letters, digits, _)");
        } else if ((PACKAGE_ENV as readonly string[]).includes(name)) {
            issues.add(`${path}.${name}`, value, "is set from {{packages}}: list the packages there instead");
        } else if (OWNED_ENV.includes(name)) {
            issues.add(`${path}.${name}`, value, "is set by the component itself: choose another name");
        }
    }
}

/** Secret values are described, never shown. */
function describeSecrets(path: readonly PropertyKey[], value: unknown): unknown {
    return path.includes("secretEnv") || (path[0] === "jupyter" && path[1] === "password") ? SECRET : value;
}

/** Every problem with DaskCluster args, as argument paths (`workers.replicas`). */
export function validateDaskClusterArgs(args: DaskClusterArgs): ArgIssue[] {
    const settingIssues = schemaIssues(daskClusterSettings, args, { describe: describeSecrets });
    if (settingIssues.length > 0) {
        // The rules below assume well-formed values.
        return settingIssues;
    }
    const issues = new IssueList();
    // Creating one of these "takes it over": `pulumi destroy` would then try
    // to delete it (and everything in it).
    if (args.namespace !== undefined && CLUSTER_NAMESPACES.includes(args.namespace) && args.createNamespace !== false) {
        issues.add(
            "namespace",
            args.namespace,
            "is a namespace every cluster has: set {{createNamespace}} to false to deploy into it (it is then never deleted)",
        );
    }
    checkChartSource(issues, "chart", args.chart);

    const image = args.image ?? {};
    const tag = image.tag ?? DEFAULT_DASK_IMAGE_TAG;
    if (tag === "latest") {
        issues.add("image.tag", tag, "must be a pinned version such as 2024.1.0: `latest` changes under a running cluster and mismatches clients");
    } else if (IMAGE_TAG.test(tag) && entrypointsFor(tag, image.entrypoints ?? DASK_CLUSTER_DEFAULTS.entrypoints) === undefined) {
        issues.add(
            "image.tag",
            tag,
            'has no calendar version (YYYY.M.P) to choose the entry points from: set {{image.entrypoints}} to "legacy" or "subcommand"',
        );
    }

    checkExposure(issues, "scheduler.service", args.scheduler?.service, "scheduler (port 8786) and dashboard");
    checkResources(issues, "scheduler.resources", args.scheduler?.resources, false);

    const workers = args.workers ?? {};
    if (workers.autoscaling !== undefined) {
        if (workers.replicas !== undefined) {
            issues.add(
                "workers.replicas",
                workers.replicas,
                "has no effect while {{workers.autoscaling}} is on: the autoscaler owns the worker count; " +
                    "bound it with {{workers.autoscaling.minReplicas}} and {{workers.autoscaling.maxReplicas}}, or turn autoscaling off",
            );
        }
        for (const issue of validateWorkerAutoscalingArgs(workers.autoscaling)) {
            issues.add(`workers.autoscaling.${issue.path}`, issue.value, issue.rule.replace(/\{\{([^}]+)\}\}/g, "{{workers.autoscaling.$1}}"));
        }
    }
    checkResources(issues, "workers.resources", workers.resources, true);
    checkEnv(issues, "workers.env", workers.env, false);
    checkEnv(issues, "workers.secretEnv", workers.secretEnv, true);
    for (const name of Object.keys(workers.secretEnv ?? {})) {
        if (workers.env?.[name] !== undefined) {
            issues.add(`workers.secretEnv.${name}`, SECRET, `is also set in {{workers.env.${name}}}: set it in one place`);
        }
    }

    if (workers.serviceAccountName === "default" || workers.serviceAccountName === JUPYTER_SERVICE_ACCOUNT) {
        issues.add(
            "workers.serviceAccountName",
            workers.serviceAccountName,
            "names a ServiceAccount that exists already (the namespace's own, or the chart's notebook one): choose another name",
        );
    }

    const packages = args.packages ?? {};
    if (packages.condaChannels?.length && !packages.conda?.length) {
        issues.add("packages.condaChannels", packages.condaChannels, "only applies with {{packages.conda}}, which is empty");
    }

    const jupyter = args.jupyter ?? {};
    const password = known(jupyter.password);
    if (password !== undefined && passwordProblem(password) !== undefined) {
        // The value is a secret: name the rule, never echo the password.
        issues.add("jupyter.password", SECRET, passwordProblem(password)!);
    }
    checkExposure(issues, "jupyter.service", jupyter.service, "notebook");
    checkResources(issues, "jupyter.resources", jupyter.resources, false);
    checkEnv(issues, "jupyter.secretEnv", jupyter.secretEnv, true);
    if (jupyter.enabled === false && (jupyter.password !== undefined || jupyter.service !== undefined || jupyter.secretEnv !== undefined)) {
        issues.add(
            "jupyter.enabled",
            false,
            "is false, yet {{jupyter.password}}, {{jupyter.service}} or {{jupyter.secretEnv}} is set: enable Jupyter or drop them",
        );
    }
    return issues.issues;
}
