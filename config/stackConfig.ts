/**
 * The stack configuration: its shape, and the checks that run before any
 * resource is registered. Pure: index.ts hands it the raw config.
 */
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { DaskClusterArgs } from "../components/dask/DaskCluster";
import type { EksTargetArgs } from "../components/cluster/EksTarget";
import type { KubeconfigTargetArgs } from "../components/cluster/KubeconfigTarget";
import type { MetricsServerArgs } from "../components/scaling/MetricsServer";
import type { WorkerAutoscalerArgs } from "../components/scaling/WorkerAutoscaler";
import { validateDaskClusterArgs } from "../components/dask/daskClusterValidation";
import { validateEksTargetArgs } from "../components/cluster/EksTarget";
import { validateKubeconfigTargetArgs } from "../components/cluster/KubeconfigTarget";
import { validateMetricsServerArgs } from "../components/scaling/MetricsServer";
import { validateWorkerAutoscalerArgs } from "../components/scaling/WorkerAutoscaler";
import { ArgIssue, SECRET, formatIssue, formatRule, show } from "../components/common/validation";
import { passwordProblem } from "../components/dask/jupyterPassword";
import { secretProblems } from "./secrets";

const strings = z.array(z.string());
// Environment values: `pulumi config set --path ...env.N 4` stores a number.
const envValue = z.preprocess((v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v), z.string());
const envMap = z.record(z.string(), envValue);
// `pulumi config set --path ...cpu 2` stores a number; Kubernetes takes it as "2".
const quantity = z.preprocess((v) => (typeof v === "number" ? String(v) : v), z.string());
const quantities = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });
const resources = z.strictObject({ requests: quantities.optional(), limits: quantities.optional() });
const exposure = z.strictObject({
    type: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).optional(),
    loadBalancerSourceRanges: strings.optional(),
});
const chart = z.strictObject({ repository: z.string().optional(), version: z.string().optional(), path: z.string().optional() });
const int = z.number().int();

const daskSchema = z.strictObject({
    namespace: z.string().optional(),
    createNamespace: z.boolean().optional(),
    fullname: z.string().optional(),
    chart: chart.optional(),
    image: z.strictObject({
        repository: z.string().optional(),
        notebookRepository: z.string().optional(),
        tag: z.string().optional(),
        entrypoints: z.enum(["auto", "legacy", "subcommand"]).optional(),
    }).optional(),
    scheduler: z.strictObject({ service: exposure.optional(), resources: resources.optional() }).optional(),
    workers: z.strictObject({
        replicas: int.optional(),
        resources: resources.optional(),
        threads: int.optional(),
        env: envMap.optional(),
    }).optional(),
    packages: z.strictObject({
        pip: strings.optional(),
        conda: strings.optional(),
        condaChannels: strings.optional(),
        apt: strings.optional(),
    }).optional(),
    jupyter: z.strictObject({ enabled: z.boolean().optional(), service: exposure.optional(), resources: resources.optional() }).optional(),
    values: z.record(z.string(), z.unknown()).optional(),
});

const eksSchema = z.strictObject({
    kubernetesVersion: z.string().optional(),
    instanceTypes: strings.optional(),
    minNodes: int.optional(),
    desiredNodes: int.optional(),
    maxNodes: int.optional(),
    nodeDiskSizeGb: int.optional(),
    vpcCidr: z.string().optional(),
    network: z.strictObject({ vpcId: z.string(), publicSubnetIds: strings, privateSubnetIds: strings }).optional(),
    apiAccessCidrs: strings.optional(),
    tags: z.record(z.string(), z.string()).optional(),
    adoptExisting: z.boolean().optional(),
});

const autoscalingSchema = z.strictObject({
    enabled: z.boolean().optional(),
    minReplicas: int.optional(),
    maxReplicas: int.optional(),
    targetCpuUtilization: int.optional(),
    scaleDown: z.strictObject({
        stabilizationWindowSeconds: int.optional(),
        podsPerPeriod: int.optional(),
        periodSeconds: int.optional(),
    }).optional(),
});

const stackSchema = z.strictObject({
    target: z.enum(["eks", "minikube", "existing"]),
    kubeconfig: z.strictObject({ kubeconfigPath: z.string().optional(), context: z.string().optional(), adoptExisting: z.boolean().optional() }).optional(),
    eks: eksSchema.optional(),
    dask: daskSchema.optional(),
    jupyterPassword: z.string().optional(),
    secretEnv: z.strictObject({ workers: envMap.optional(), jupyter: envMap.optional() }).optional(),
    metricsServer: z.strictObject({
        mode: z.enum(["chart", "existing"]).optional(),
        namespace: z.string().optional(),
        kubeletInsecureTls: z.boolean().optional(),
        chart: chart.optional(),
        values: z.record(z.string(), z.unknown()).optional(),
    }).optional(),
    autoscaling: autoscalingSchema.optional(),
});

type StackShape = z.infer<typeof stackSchema>;

/** Everything index.ts needs to build the stack, fully checked. */
export interface StackSettings {
    target:
        | { kind: "eks"; args: EksTargetArgs }
        | { kind: "kubeconfig"; args: KubeconfigTargetArgs };
    /** DaskCluster args, without the Jupyter password (index.ts adds it as a secret). */
    dask: DaskClusterArgs;
    /** The Jupyter password from config, if any. */
    jupyterPassword?: string;
    metricsServer: MetricsServerArgs;
    /** Autoscaler args without namespace and deployment name, or undefined when off. */
    autoscaling?: Omit<WorkerAutoscalerArgs, "namespace" | "deploymentName">;
}

/** Raw stack config as Pulumi hands it over: `project:key` to string. */
export interface RawStackConfig {
    project: string;
    stack: string;
    values: Record<string, string>;
    /** Full top-level keys (`project:key`) that hold a value set with `--secret`. */
    secretKeys: string[];
    /**
     * Dotted paths of the values the stack file stores encrypted
     * (see secureValuePaths), to name the exact key in messages. @default []
     */
    securePaths?: string[];
    /** Environment for locating a kubeconfig. @default process.env */
    env?: NodeJS.ProcessEnv;
}

/**
 * Thrown for bad stack config; the message names the stack file and keys.
 * A RunError, so Pulumi shows the message without a stack trace.
 */
export class StackConfigError extends pulumi.RunError {
    constructor(readonly file: string, readonly lines: string[]) {
        super(`Invalid stack configuration in ${file}; fix these keys and run again (nothing was changed):\n${lines.map((l) => `  ${l}`).join("\n")}`);
        this.name = "StackConfigError";
    }
}

function parseValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    return path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown> | undefined)?.[key], root);
}

function dotted(path: PropertyKey[]): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function shapeProblems(issues: z.core.$ZodIssue[], input: unknown, project: string, secretKeys: string[]): string[] {
    return issues.flatMap((issue) => {
        const key = `${project}:${dotted(issue.path)}`;
        // A value under a key that holds a secret is described, never shown.
        const value = secretKeys.includes(`${project}:${String(issue.path[0])}`) ? SECRET : valueAt(input, issue.path);
        switch (issue.code) {
            case "unrecognized_keys":
                return issue.keys.map((k) => {
                    const known = Object.keys(shapeAt(issue.path)).join(", ");
                    return `${issue.path.length ? `${key}.` : `${project}:`}${k} is not a known setting (known here: ${known})`;
                });
            case "invalid_type":
                return [`${key} (${show(value)}) must be ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`];
            case "invalid_value":
                return [`${key} (${show(value)}) must be one of ${issue.values.map((v) => show(v)).join(", ")}`];
            default:
                return [`${key} (${show(value)}) ${issue.message}`];
        }
    });
}

function shapeAt(path: PropertyKey[]): Record<string, unknown> {
    let schema: z.ZodType = stackSchema;
    for (const key of path) {
        while (schema instanceof z.ZodOptional) {
            schema = schema.unwrap() as z.ZodType;
        }
        schema = (schema as z.ZodObject).shape[key as string] as z.ZodType;
    }
    while (schema instanceof z.ZodOptional) {
        schema = schema.unwrap() as z.ZodType;
    }
    return (schema as z.ZodObject).shape;
}

function prefixed(issues: ArgIssue[], configKey: string): string[] {
    return issues.map((issue) => formatIssue(issue, `${configKey}.`));
}

function crossChecks(config: StackShape, project: string, env: NodeJS.ProcessEnv): string[] {
    const problems: string[] = [];
    const key = (k: string) => `${project}:${k}`;
    if (config.target === "eks") {
        if (config.kubeconfig !== undefined) {
            problems.push(`${key("kubeconfig")} (set) only applies to targets minikube and existing; target is eks`);
        }
        problems.push(...prefixed(validateEksTargetArgs(config.eks ?? {}), key("eks")));
    } else {
        if (config.eks !== undefined) {
            problems.push(`${key("eks")} (set) only applies to target eks; target is ${config.target}`);
        }
        problems.push(...prefixed(validateKubeconfigTargetArgs(kubeconfigArgs(config, env), env), key("kubeconfig")));
    }
    const autoscaling = config.autoscaling?.enabled !== false;
    if (autoscaling && config.dask?.workers?.replicas !== undefined) {
        problems.push(`${key("dask.workers.replicas")} (${config.dask.workers.replicas}) has no effect while ${key("autoscaling.enabled")} is true ` +
            `(the autoscaler owns the worker count): set ${key("autoscaling.minReplicas")}/${key("autoscaling.maxReplicas")}, or turn autoscaling off`);
    }
    const daskIssues = validateDaskClusterArgs(withSecretEnv({ ...config.dask, workers: { ...config.dask?.workers, autoscaled: autoscaling } }, config.secretEnv))
        .filter((issue) => !(autoscaling && issue.path === "workers.replicas"));
    problems.push(...daskIssues.map((issue) => {
        // The component's `workers.secretEnv.X` is the stack's `secretEnv.workers.X`.
        const secret = /^(workers|jupyter)\.secretEnv\.(.*)$/.exec(issue.path);
        if (secret === null) {
            return formatIssue(issue, `${key("dask")}.`);
        }
        return `${key(`secretEnv.${secret[1]}.${secret[2]}`)} (${show(issue.value)}) ${formatRule(issue.rule, `${key("dask")}.`)}`;
    }));
    problems.push(...prefixed(validateMetricsServerArgs(config.metricsServer ?? {}), key("metricsServer")));
    // Checked when disabled too: turning it back on must not meet a bad value.
    const { enabled: _enabled, ...autoscaler } = config.autoscaling ?? {};
    problems.push(...prefixed(validateWorkerAutoscalerArgs({ namespace: "", deploymentName: "", ...autoscaler }), key("autoscaling")));
    if (config.jupyterPassword !== undefined) {
        const problem = passwordProblem(config.jupyterPassword);
        if (problem !== undefined) {
            problems.push(`${key("jupyterPassword")} (secret) ${problem}`);
        }
        if (config.dask?.jupyter?.enabled === false) {
            problems.push(`${key("jupyterPassword")} (secret) is set but ${key("dask.jupyter.enabled")} is false`);
        }
    }
    if (config.secretEnv?.jupyter !== undefined && config.dask?.jupyter?.enabled === false) {
        problems.push(`${key("secretEnv.jupyter")} (secret) is set but ${key("dask.jupyter.enabled")} is false`);
    }
    return problems;
}

function kubeconfigArgs(config: StackShape, env: NodeJS.ProcessEnv): KubeconfigTargetArgs {
    const context = config.kubeconfig?.context ?? (config.target === "minikube" ? "minikube" : undefined);
    const kubeconfigPath = config.kubeconfig?.kubeconfigPath;
    return {
        ...config.kubeconfig,
        // Stack files are not read by a shell: `~` would otherwise be a directory named "~".
        ...(kubeconfigPath !== undefined ? { kubeconfigPath: expandHome(kubeconfigPath, env) } : {}),
        ...(context !== undefined ? { context } : {}),
    };
}

/** `~` or `~/...` resolved against $HOME (else the user's home directory). */
export function expandHome(file: string, env: NodeJS.ProcessEnv): string {
    if (file !== "~" && !file.startsWith("~/")) {
        return file;
    }
    return path.join(env.HOME ?? os.homedir(), file.slice(1));
}

/**
 * Config namespaces other programs in this stack read: Pulumi's own, and the
 * AWS providers the `eks` target builds on. Anything else outside the
 * project's namespace would be silently ignored.
 */
const FOREIGN_NAMESPACES = ["pulumi", "aws", "awsx", "eks"];

/** Keys outside the project's namespace that nothing reads: a wrong prefix, or a provider setting the program overrides. */
function strayKeys(keys: string[], project: string): string[] {
    return keys.flatMap((fullKey) => {
        const [namespace, ...rest] = fullKey.split(":");
        const key = rest.join(":");
        if (namespace === project || FOREIGN_NAMESPACES.includes(namespace) || rest.length === 0) {
            return [];
        }
        if (namespace === "kubernetes") {
            return [`${fullKey} is not read: the program makes its own Kubernetes provider from ${project}:kubeconfig ` +
                `(or ${project}:eks); set ${project}:kubeconfig.kubeconfigPath / ${project}:kubeconfig.context instead`];
        }
        return [`${fullKey} is not read by anything: this project's settings are ${project}:<key>` +
            (stackSchema.shape[key as keyof typeof stackSchema.shape] !== undefined ? ` (did you mean ${project}:${key}?)` : "")];
    });
}

/**
 * Reads and checks the stack config. Throws StackConfigError listing every
 * problem, each as `<project>:<key> (<value>) <what is allowed>`.
 */
export function loadStackConfig(raw: RawStackConfig): StackSettings {
    const file = `Pulumi.${raw.stack}.yaml`;
    const prefix = `${raw.project}:`;
    // No prototype: a key named `__proto__` is then a key like any other (and unknown).
    const input: Record<string, unknown> = Object.create(null);
    const early: string[] = strayKeys(Object.keys(raw.values), raw.project);
    for (const [fullKey, text] of Object.entries(raw.values)) {
        if (!fullKey.startsWith(prefix)) {
            continue; // provider settings such as aws:region belong to their providers
        }
        const key = fullKey.slice(prefix.length);
        input[key] = key === "jupyterPassword" ? text : parseValue(text);
    }
    const secrets = secretProblems({ project: raw.project, input, secretKeys: raw.secretKeys, securePaths: raw.securePaths ?? [] });
    if (secrets.misplaced.length > 0) {
        // Stop here: other checks would show the misplaced secret as a bad value.
        throw new StackConfigError(file, [...early, ...secrets.misplaced]);
    }
    early.push(...secrets.plaintext);
    const parsed = stackSchema.safeParse(input);
    if (!parsed.success) {
        throw new StackConfigError(file, [...early, ...shapeProblems(parsed.error.issues, input, raw.project, raw.secretKeys)]);
    }
    const config = parsed.data;
    const problems = [...early, ...crossChecks(config, raw.project, raw.env ?? process.env)];
    if (config.target === "eks" && raw.values["aws:region"] === undefined) {
        problems.push("aws:region (unset) is required for target eks: `pulumi config set aws:region us-west-2`");
    }
    if (problems.length > 0) {
        throw new StackConfigError(file, problems);
    }

    const autoscalingOn = config.autoscaling?.enabled !== false;
    const { enabled: _enabled, ...autoscaler } = config.autoscaling ?? {};
    return {
        target: config.target === "eks"
            ? { kind: "eks", args: config.eks ?? {} }
            : { kind: "kubeconfig", args: kubeconfigArgs(config, raw.env ?? process.env) },
        dask: withSecretEnv({ ...config.dask, workers: { ...config.dask?.workers, autoscaled: autoscalingOn } }, config.secretEnv),
        jupyterPassword: config.jupyterPassword,
        metricsServer: config.metricsServer ?? {},
        autoscaling: autoscalingOn ? autoscaler : undefined,
    };
}

/** The DaskCluster args with the secret environment added where it goes. */
function withSecretEnv(dask: DaskClusterArgs, secretEnv: StackShape["secretEnv"]): DaskClusterArgs {
    return {
        ...dask,
        workers: { ...dask.workers, ...(secretEnv?.workers !== undefined ? { secretEnv: secretEnv.workers } : {}) },
        // With Jupyter off, the stack check reports secretEnv.jupyter under its own key.
        ...(secretEnv?.jupyter !== undefined && dask.jupyter?.enabled !== false ? { jupyter: { ...dask.jupyter, secretEnv: secretEnv.jupyter } } : {}),
    };
}
