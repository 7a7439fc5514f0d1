import type { DaskClusterArgs } from "./DaskCluster";
import { checkChartSource } from "../common/chartSource";
import { parseCidr } from "../common/cidr";
import { DEFAULT_DASK_IMAGE_TAG, entrypointsFor } from "./daskImage";
import { ContainerResources, LOGIN_REVISION_ENV, PACKAGE_ENV, PASSWORD_HASH_ENV, SECRET_ENV_REVISION_ENV } from "./daskValues";
import { dynamicProviderHostAvailable } from "./GeneratedText";
import { passwordProblem } from "./jupyterPassword";
import { QUANTITY_TEXT, compareQuantities, isZeroQuantity, parseQuantity } from "../common/quantity";
import { SERVICE_TYPES, ServiceExposure } from "./serviceEndpoint";
import { ArgIssue, DNS_LABEL, DNS_LABEL_TEXT, IssueList, SECRET, known } from "../common/validation";

// Package specs reach the images' start script unquoted: no whitespace, quotes
// or shell syntax, and no leading "-" (an option, not a package).
const PIP_SPEC = /^[A-Za-z0-9_][A-Za-z0-9._\-[\],<>=!~*+:/@#%]*$/;
const CONDA_SPEC = /^[A-Za-z0-9_][A-Za-z0-9._\-<>=!*:/,+]*$/;
const CONDA_CHANNEL = /^[A-Za-z0-9_][A-Za-z0-9._\-:/]*$/;
const APT_SPEC = /^[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+:~-]+)?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// A registry host (with an optional port) only before a path: "dask:2024" is a name and a tag.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE_REPOSITORY = new RegExp(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\\/)?${PATH_COMPONENT}(?:\\/${PATH_COMPONENT})*$`);
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Namespaces Kubernetes itself creates and owns. */
const CLUSTER_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

function isCidr(text: string): boolean {
    return parseCidr(text) !== undefined;
}

function checkList(issues: IssueList, path: string, list: string[] | undefined, accept: RegExp | ((item: string) => boolean), what: string): void {
    const ok = typeof accept === "function" ? accept : (item: string) => accept.test(item);
    if (list === undefined) {
        return;
    }
    if (!Array.isArray(list)) {
        issues.add(path, list, "must be a list of strings");
        return;
    }
    list.forEach((item, i) => {
        if (typeof item !== "string" || !ok(item)) {
            issues.add(`${path}[${i}]`, item, `must be ${what}`);
        }
    });
}

function checkExposure(issues: IssueList, path: string, exposure: ServiceExposure | undefined, role: string): void {
    if (exposure === undefined) {
        return;
    }
    issues.oneOf(`${path}.type`, exposure.type, SERVICE_TYPES);
    const ranges = exposure.loadBalancerSourceRanges;
    checkList(issues, `${path}.loadBalancerSourceRanges`, ranges, isCidr, "a CIDR block such as 203.0.113.0/24");
    if (exposure.type === "LoadBalancer" && (ranges === undefined || ranges.length === 0)) {
        issues.add(`${path}.loadBalancerSourceRanges`, ranges,
            `must list the CIDR blocks allowed to reach the ${role} when {{${path}.type}} is LoadBalancer ` +
            "(anyone who reaches the Dask scheduler can run code on the workers; write [\"0.0.0.0/0\"] only if you mean it)");
    }
    if (exposure.type !== "LoadBalancer" && ranges !== undefined) {
        issues.add(`${path}.loadBalancerSourceRanges`, ranges, `only applies when {{${path}.type}} is LoadBalancer (it is ${exposure.type ?? "ClusterIP"})`);
    }
}

/** Checks requests and limits; `requireCpuRequest` for workers (autoscaling needs it). */
export function checkResources(issues: IssueList, path: string, resources: ContainerResources | undefined, requireCpuRequest: boolean): void {
    for (const kind of ["requests", "limits"] as const) {
        for (const name of ["cpu", "memory"] as const) {
            const value = resources?.[kind]?.[name];
            if (value !== undefined && parseQuantity(value) === undefined) {
                issues.add(`${path}.${kind}.${name}`, value, `must be ${QUANTITY_TEXT}`);
            }
        }
    }
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

/**
 * Every problem with DaskCluster args, as argument paths (`workers.replicas`).
 * `programDir` is where the program runs (for a multi-language consumer, its
 * YAML or Python project).
 */
export function validateDaskClusterArgs(args: DaskClusterArgs, programDir: string = process.cwd()): ArgIssue[] {
    const issues = new IssueList();
    issues.matches("namespace", args.namespace, DNS_LABEL, DNS_LABEL_TEXT);
    // Creating one of these "takes it over": `pulumi destroy` would then try
    // to delete it (and everything in it).
    if (args.namespace !== undefined && CLUSTER_NAMESPACES.includes(args.namespace) && args.createNamespace !== false) {
        issues.add("namespace", args.namespace, "is a namespace every cluster has: set {{createNamespace}} to false to deploy into it (it is then never deleted)");
    }
    // "-scheduler" (10 characters) is appended to it.
    issues.matches("fullname", args.fullname, /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/, "a DNS-1123 label of at most 53 characters");
    checkChartSource(issues, "chart", args.chart);

    const image = args.image ?? {};
    issues.matches("image.repository", image.repository, IMAGE_REPOSITORY, "an image repository such as ghcr.io/dask/dask (no tag)");
    issues.matches("image.notebookRepository", image.notebookRepository, IMAGE_REPOSITORY, "an image repository such as ghcr.io/dask/dask-notebook (no tag)");
    issues.oneOf("image.entrypoints", image.entrypoints, ["auto", "legacy", "subcommand"]);
    const tag = image.tag ?? DEFAULT_DASK_IMAGE_TAG;
    if (!IMAGE_TAG.test(tag)) {
        issues.add("image.tag", tag, "must be a non-empty image tag such as 2024.1.0");
    } else if (tag === "latest") {
        issues.add("image.tag", tag, "must be a pinned version such as 2024.1.0: `latest` changes under a running cluster and mismatches clients");
    } else if (entrypointsFor(tag, image.entrypoints ?? "auto") === undefined) {
        issues.add("image.tag", tag, "has no calendar version (YYYY.M.P) to choose the entry points from: set {{image.entrypoints}} to \"legacy\" or \"subcommand\"");
    }

    checkExposure(issues, "scheduler.service", args.scheduler?.service, "scheduler (port 8786) and dashboard");
    checkResources(issues, "scheduler.resources", args.scheduler?.resources, false);

    const workers = args.workers ?? {};
    issues.wholeNumber("workers.replicas", workers.replicas, 0);
    if (workers.autoscaled && workers.replicas !== undefined) {
        issues.add("workers.replicas", workers.replicas, "has no effect while {{workers.autoscaled}} is true: the autoscaler owns the worker count");
    }
    issues.wholeNumber("workers.threads", workers.threads, 1);
    checkResources(issues, "workers.resources", workers.resources, true);
    checkEnv(issues, "workers.env", workers.env, false);
    checkEnv(issues, "workers.secretEnv", workers.secretEnv, true);
    for (const name of Object.keys(workers.secretEnv ?? {})) {
        if (workers.env?.[name] !== undefined) {
            issues.add(`workers.secretEnv.${name}`, SECRET, `is also set in {{workers.env.${name}}}: set it in one place`);
        }
    }

    const packages = args.packages ?? {};
    checkList(issues, "packages.pip", packages.pip, PIP_SPEC, "a pip requirement such as dask-ml==2024.4.4 (no spaces, quotes or options)");
    checkList(issues, "packages.conda", packages.conda, CONDA_SPEC, "a conda spec such as numba or xarray>=2024.1 (no spaces, quotes or options)");
    checkList(issues, "packages.condaChannels", packages.condaChannels, CONDA_CHANNEL, "a conda channel name or URL such as conda-forge");
    checkList(issues, "packages.apt", packages.apt, APT_SPEC, "a Debian package name such as graphviz or graphviz=2.42.2-7");
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
        issues.add("jupyter.enabled", false, "is false, yet {{jupyter.password}}, {{jupyter.service}} or {{jupyter.secretEnv}} is set: enable Jupyter or drop them");
    }
    if (jupyter.enabled !== false && jupyter.password === undefined && !dynamicProviderHostAvailable(programDir)) {
        issues.add("jupyter.password", undefined, "must be set (as a secret) in this program: generating one needs Pulumi's Node.js " +
            `dynamic provider, which cannot start without @pulumi/pulumi installed in ${programDir} (pulumi/pulumi#5455); ` +
            "or set {{jupyter.enabled}} to false");
    }
    return issues.issues;
}
