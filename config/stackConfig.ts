/**
 * The stack configuration: its shape, and the checks that run before any
 * resource is registered. Pure: index.ts hands it the raw config.
 */
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { DaskClusterArgs } from "../components/dask/DaskCluster";
import type { KubeconfigTargetArgs } from "../components/cluster/KubeconfigTarget";
import type { MetricsServerArgs } from "../components/scaling/MetricsServer";
import { KedaArgs, kedaSettings, validateKedaArgs } from "../components/scaling/Keda";
import { BucketAccess, EKS_TARGET_DEFAULTS, EksTargetArgs, eksTargetSettings, validateEksTargetArgs } from "../components/cluster/eksTargetSettings";
import { daskPlacementFor } from "../components/cluster/nodePools";
import { mergePlacement } from "../components/dask/podPlacement";
import { DASK_CLUSTER_DEFAULTS } from "../components/dask/daskClusterSettings";
import { JUPYTER_SERVICE_ACCOUNT } from "../components/dask/daskValues";
import { kubeconfigTargetSettings, validateKubeconfigTargetArgs } from "../components/cluster/KubeconfigTarget";
import { metricsServerSettings, validateMetricsServerArgs } from "../components/scaling/MetricsServer";
import { WORKER_AUTOSCALING_DEFAULTS, validateWorkerAutoscalingArgs, workerAutoscalingSettings } from "../components/scaling/WorkerAutoscaler";
import { validateDaskClusterArgs } from "../components/dask/daskClusterValidation";
import { daskClusterSettings, daskJupyterSettings, daskWorkersSettings } from "../components/dask/daskClusterSettings";
import { anyText, envMap, flag, group, schemaIssues } from "../components/common/settings";
import { ArgIssue, SECRET, formatRule, show } from "../components/common/validation";
import { SECRET_SETTINGS, StackFileValues, secretConfigKeys, secretProblems } from "./secrets";

/** The stack's targets: a new EKS cluster, or a kubeconfig context. */
export const TARGETS = ["eks", "minikube", "existing"] as const;

/**
 * Every stack setting: the components' own settings, without what the stack
 * sets elsewhere (secrets at their own keys, autoscaling at the top).
 */
export const stackSchema = z.strictObject({
    target: z
        .enum(TARGETS)
        .meta({ description: "`eks` (create an EKS cluster), `minikube` or `existing` (use a kubeconfig context).", defaultText: "(required)" }),
    kubeconfig: kubeconfigTargetSettings.optional().meta({ description: "The kubeconfig context (targets `minikube` and `existing`)." }),
    eks: eksTargetSettings.optional().meta({ description: "The EKS cluster (target `eks`; needs `aws:region`)." }),
    dask: daskClusterSettings
        .extend({
            workers: daskWorkersSettings.omit({ autoscaling: true, secretEnv: true }).optional(),
            jupyter: daskJupyterSettings.omit({ password: true, secretEnv: true }).optional(),
        })
        .optional()
        .meta({ description: "The Dask cluster." }),
    jupyterPassword: anyText({
        description: "Jupyter password, at least 8 characters, not `dask`; set it with `pulumi config set --secret jupyterPassword` (plaintext is refused).",
        defaultText: "generated (24 characters), output `jupyterPassword`",
    }),
    secretEnv: group({
        workers: envMap({
            description:
                "Secret environment variables for the workers: `pulumi config set --secret --path secretEnv.workers.<NAME> <value>` (plaintext is refused).",
        }),
        jupyter: envMap({ description: "Secret environment variables for the notebook, set like those of the workers." }),
    }),
    metricsServer: metricsServerSettings.optional().meta({ description: "The metrics server (`kubectl top`, and the autoscaler with `metric: cpu`)." }),
    keda: kedaSettings.optional().meta({
        description: "KEDA, which the autoscaler with `metric: dask` (the default) needs: deployed when set, or with its defaults when that autoscaler is on.",
    }),
    autoscaling: workerAutoscalingSettings
        // The program wires KEDA itself.
        .omit({ kedaReady: true })
        .extend({
            enabled: flag({
                description:
                    "Autoscale the workers (on the scheduler's target, or on CPU: `metric`); while on, the worker Deployment is applied without `spec.replicas`.",
                default: true,
            }),
        })
        .optional()
        .meta({ description: "The worker autoscaler." }),
});

type StackShape = z.infer<typeof stackSchema>;

/** Everything index.ts needs to build the stack, fully checked: the components' args. */
export interface StackSettings {
    target: { kind: "eks"; args: EksTargetArgs } | { kind: "kubeconfig"; args: KubeconfigTargetArgs };
    /** DaskCluster args; the Jupyter password and secret environment values are Pulumi secrets. */
    dask: DaskClusterArgs;
    metricsServer: MetricsServerArgs;
    /** Keda args: as configured, else the defaults when the workers autoscale with `metric: dask`; undefined when neither. */
    keda: KedaArgs | undefined;
    /** S3 access for the Dask pods (target `eks` with `eks.s3Access`): the S3Access args the stack adds. */
    s3Access: { namespace: string; serviceAccounts: string[]; buckets: BucketAccess[] } | undefined;
}

/** Raw stack config as Pulumi hands it over: `project:key` to string. */
export interface RawStackConfig {
    project: string;
    stack: string;
    values: Record<string, string>;
    /**
     * The stack file's values, encrypted and plain (stackFileValues), which
     * tell which settings hold secrets. @default none
     */
    stackFile?: StackFileValues;
    /** Environment for locating a kubeconfig. @default process.env */
    env?: NodeJS.ProcessEnv;
}

/**
 * Thrown for bad stack config; the message names the stack file and keys.
 * A RunError, so Pulumi shows the message without a stack trace.
 */
export class StackConfigError extends pulumi.RunError {
    constructor(
        readonly file: string,
        readonly lines: string[],
    ) {
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

/**
 * Where a DaskCluster argument comes from in the stack config: secrets and
 * autoscaling have their own top-level keys.
 */
function daskConfigPath(argPath: string): string {
    const secretEnv = /^(workers|jupyter)\.secretEnv(\..*)?$/.exec(argPath);
    if (secretEnv !== null) {
        return `secretEnv.${secretEnv[1]}${secretEnv[2] ?? ""}`;
    }
    if (argPath === "jupyter.password") {
        return "jupyterPassword";
    }
    if (argPath === "workers.autoscaling") {
        return "autoscaling.enabled";
    }
    if (argPath.startsWith("workers.autoscaling.")) {
        return `autoscaling.${argPath.slice("workers.autoscaling.".length)}`;
    }
    return `dask.${argPath}`;
}

/** An issue of a component's args, as a line naming full config keys. */
function configLine(issue: ArgIssue, project: string, toConfigPath: (argPath: string) => string): string {
    const rule = issue.rule.replace(/\{\{([^}]+)\}\}/g, (_, path: string) => `${project}:${toConfigPath(path)}`);
    return `${project}:${toConfigPath(issue.path)} (${show(issue.value)}) ${formatRule(rule)}`;
}

/** The DaskCluster args of a stack: `dask`, with the secrets and the autoscaler from their own keys. */
function daskArgs(config: StackShape, secret: (value: string) => pulumi.Input<string>): DaskClusterArgs {
    const enabled = config.autoscaling?.enabled !== false;
    const autoscaling = withoutEnabled(config.autoscaling ?? {});
    const secretEnv = (env: Record<string, string> | undefined) =>
        env === undefined ? {} : { secretEnv: Object.fromEntries(Object.entries(env).map(([name, value]) => [name, secret(value)])) };
    const jupyterSecrets = {
        ...(config.jupyterPassword !== undefined ? { password: secret(config.jupyterPassword) } : {}),
        ...secretEnv(config.secretEnv?.jupyter),
    };
    return {
        ...config.dask,
        workers: { ...config.dask?.workers, ...(enabled ? { autoscaling } : {}), ...secretEnv(config.secretEnv?.workers) },
        ...(config.dask?.jupyter !== undefined || Object.keys(jupyterSecrets).length > 0 ? { jupyter: { ...config.dask?.jupyter, ...jupyterSecrets } } : {}),
    } as DaskClusterArgs;
}

/** Whether the workers autoscale on the scheduler's target, through KEDA. */
function usesKeda(config: StackShape): boolean {
    return config.autoscaling?.enabled !== false && (config.autoscaling?.metric ?? WORKER_AUTOSCALING_DEFAULTS.metric) === "dask";
}

function withoutEnabled<T extends { enabled?: boolean }>(autoscaling: T): Omit<T, "enabled"> {
    const { enabled: _enabled, ...rest } = autoscaling;
    return rest;
}

/** The problems only the stack as a whole has; the components check the rest. */
function stackProblems(config: StackShape, project: string): string[] {
    const problems: string[] = [];
    const key = (k: string) => `${project}:${k}`;
    if (config.target === "eks" && config.kubeconfig !== undefined) {
        problems.push(`${key("kubeconfig")} (set) only applies to targets minikube and existing; target is eks`);
    }
    if (config.target !== "eks" && config.eks !== undefined) {
        problems.push(`${key("eks")} (set) only applies to target eks; target is ${config.target}`);
    }
    return problems;
}

/**
 * What the EKS target changes in the Dask args: on autoscaled nodes, the
 * scheduler and notebook on the on-demand pool (never consolidated away), the
 * workers on theirs and evicted one at a time; with S3 access, the workers'
 * own ServiceAccount. What the stack sets itself wins.
 */
function onEks(dask: DaskClusterArgs, eksArgs: EksTargetArgs): DaskClusterArgs {
    const placement = daskPlacementFor(eksArgs.nodeAutoscaling ?? EKS_TARGET_DEFAULTS.nodeAutoscaling);
    const s3 = (eksArgs.s3Access ?? []).length > 0;
    const fullname = dask.fullname ?? DASK_CLUSTER_DEFAULTS.fullname;
    const jupyterEnabled = dask.jupyter?.enabled ?? DASK_CLUSTER_DEFAULTS.jupyterEnabled;
    return {
        ...dask,
        scheduler: { ...dask.scheduler, placement: mergePlacement(placement?.scheduler, dask.scheduler?.placement) },
        workers: {
            ...dask.workers,
            placement: mergePlacement(placement?.workers, dask.workers?.placement),
            ...(placement !== undefined && dask.workers?.maxUnavailable === undefined ? { maxUnavailable: 1 } : {}),
            ...(s3 && dask.workers?.serviceAccountName === undefined ? { serviceAccountName: `${fullname}-worker` } : {}),
        },
        ...(jupyterEnabled ? { jupyter: { ...dask.jupyter, placement: mergePlacement(placement?.jupyter, dask.jupyter?.placement) } } : {}),
    };
}

/** The S3Access args of an EKS stack with `eks.s3Access`. */
function s3AccessFor(dask: DaskClusterArgs, eksArgs: EksTargetArgs): StackSettings["s3Access"] {
    const buckets = eksArgs.s3Access ?? [];
    if (buckets.length === 0) {
        return undefined;
    }
    const jupyterEnabled = dask.jupyter?.enabled ?? DASK_CLUSTER_DEFAULTS.jupyterEnabled;
    return {
        namespace: dask.namespace ?? DASK_CLUSTER_DEFAULTS.namespace,
        serviceAccounts: [dask.workers!.serviceAccountName!, ...(jupyterEnabled ? [JUPYTER_SERVICE_ACCOUNT] : [])],
        buckets,
    };
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
function expandHome(file: string, env: NodeJS.ProcessEnv): string {
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
            return [
                `${fullKey} is not read: the program makes its own Kubernetes provider from ${project}:kubeconfig ` +
                    `(or ${project}:eks); set ${project}:kubeconfig.kubeconfigPath / ${project}:kubeconfig.context instead`,
            ];
        }
        return [
            `${fullKey} is not read by anything: this project's settings are ${project}:<key>` +
                (stackSchema.shape[key as keyof typeof stackSchema.shape] !== undefined ? ` (did you mean ${project}:${key}?)` : ""),
        ];
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
    const stackFile = raw.stackFile ?? { secure: [], plain: [] };
    const secretKeys = secretConfigKeys(stackFile);
    const secrets = secretProblems(raw.project, stackFile);
    if (secrets.misplaced.length > 0) {
        // Stop here: other checks would show the misplaced secret as a bad value.
        throw new StackConfigError(file, [...early, ...secrets.misplaced]);
    }
    early.push(...secrets.plaintext);
    const describe = (path: readonly PropertyKey[], value: unknown) =>
        // A value under a key that holds a secret, or under a setting that is
        // secret by definition (also when it comes from an ESC environment), is described, never shown.
        secretKeys.includes(`${raw.project}:${String(path[0])}`) || (SECRET_SETTINGS as readonly PropertyKey[]).includes(path[0]) ? SECRET : value;
    const shape = schemaIssues(stackSchema, input, { describe, noun: "setting" });
    if (shape.length > 0) {
        throw new StackConfigError(file, [...early, ...shape.map((issue) => configLine(issue, raw.project, (p) => p))]);
    }
    const config = stackSchema.parse(input);
    const env = raw.env ?? process.env;
    const plain = (value: string) => value;
    const target: StackSettings["target"] =
        config.target === "eks" ? { kind: "eks", args: config.eks ?? {} } : { kind: "kubeconfig", args: kubeconfigArgs(config, env) };
    const eksAddon = target.kind === "eks" && (target.args.metricsServerAddon ?? EKS_TARGET_DEFAULTS.metricsServerAddon);
    // With the EKS add-on there is a metrics server already: a second one would take its APIService over.
    const metricsServer = eksAddon ? { mode: "existing" as const, ...config.metricsServer } : (config.metricsServer ?? {});
    // Settings that only the chart reads, or mode chart itself, beside the add-on.
    const chartBesideAddon =
        eksAddon && config.metricsServer?.mode !== "existing" ? Object.keys(config.metricsServer ?? {}).sort((a) => (a === "mode" ? -1 : 0)) : [];
    // As set (like the metrics server: turning autoscaling off leaves it be), else only where the autoscaler needs it.
    const keda = config.keda ?? (usesKeda(config) ? {} : undefined);
    // Each component's own checks, on the args it will get (with the secrets still plain, to check them).
    const problems = [
        ...early,
        ...stackProblems(config, raw.project),
        ...(target.kind === "eks"
            ? validateEksTargetArgs(target.args).map((i) => configLine(i, raw.project, (p) => `eks.${p}`))
            : validateKubeconfigTargetArgs(target.args, env).map((i) => configLine(i, raw.project, (p) => `kubeconfig.${p}`))),
        ...validateDaskClusterArgs(
            (target.kind === "eks" ? (d: DaskClusterArgs) => onEks(d, target.args) : (d: DaskClusterArgs) => d)(daskArgs(config, plain)),
        ).map((i) => configLine(i, raw.project, daskConfigPath)),
        // Beside the add-on, the settings are checked as the chart's they are.
        ...validateMetricsServerArgs(chartBesideAddon.length > 0 ? { mode: "chart", ...config.metricsServer } : metricsServer).map((i) =>
            configLine(i, raw.project, (p) => `metricsServer.${p}`),
        ),
        ...(config.keda !== undefined ? validateKedaArgs(config.keda) : []).map((i) => configLine(i, raw.project, (p) => `keda.${p}`)),
        // A disabled block is checked too: turning it back on must not meet a bad value.
        ...(config.autoscaling?.enabled === false ? validateWorkerAutoscalingArgs(withoutEnabled(config.autoscaling)) : []).map((i) =>
            configLine(i, raw.project, (p) => `autoscaling.${p}`),
        ),
    ];
    if (chartBesideAddon.length > 0) {
        problems.push(
            `${raw.project}:metricsServer.${chartBesideAddon[0]} (${show(config.metricsServer![chartBesideAddon[0] as keyof typeof config.metricsServer])}) ` +
                `would deploy a second metrics server next to the EKS add-on (${raw.project}:eks.metricsServerAddon is on): ` +
                "drop the metricsServer settings, or turn the add-on off",
        );
    }
    if (config.target === "eks" && raw.values["aws:region"] === undefined) {
        problems.push("aws:region (unset) is required for target eks: `pulumi config set aws:region us-west-2`");
    }
    if (problems.length > 0) {
        throw new StackConfigError(file, problems);
    }
    const withTarget = (dask: DaskClusterArgs) => (target.kind === "eks" ? onEks(dask, target.args) : dask);
    const dask = withTarget(daskArgs(config, (value) => pulumi.secret(value)));
    return { target, dask, metricsServer, keda, s3Access: target.kind === "eks" ? s3AccessFor(dask, target.args) : undefined };
}
