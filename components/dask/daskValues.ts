import * as pulumi from "@pulumi/pulumi";
import { jupyterPasswordConfig } from "./jupyterPassword";

/** The notebook's ServiceAccount: the chart creates it (with RBAC to list pods) under this fixed name. */
export const JUPYTER_SERVICE_ACCOUNT = "dask-jupyter";

/** The port the notebook images serve on; the chart's Service targets it. */
export const JUPYTER_PORT = 8888;

/**
 * What the notebook image's own `/etc/jupyter/jupyter_server_config.py` sets.
 * `--config` (see {@link JUPYTER_CONFIG_FILE}) makes Jupyter read the chart's
 * file instead of that one, so without these lines the server listens on
 * 127.0.0.1 only and nothing reaches it through its Service. `""` is every
 * interface, IPv4 and IPv6, as current images set it (older ones: 0.0.0.0).
 */
export const JUPYTER_SERVER_SETTINGS = [`c.ServerApp.ip = ""`, `c.ServerApp.port = ${JUPYTER_PORT}`, "c.ServerApp.open_browser = False"];

/** CPU and memory as Kubernetes quantities. */
export interface ResourceQuantities {
    /** CPU, e.g. `"500m"` or `"2"`. */
    cpu?: string;
    /** Memory, e.g. `"4Gi"`. */
    memory?: string;
}

/** Container requests and limits. */
export interface ContainerResources {
    /** What the scheduler reserves for the container. */
    requests?: ResourceQuantities;
    /** The most the container may use. */
    limits?: ResourceQuantities;
}

/** Extra packages installed by the Dask images' start script on every pod. */
export interface ExtraPackages {
    /**
     * pip requirement specs, e.g. `["dask-ml==2024.4.4", "s3fs"]`, installed at
     * start on scheduler, workers and notebook (`EXTRA_PIP_PACKAGES`).
     * @default []
     */
    pip?: string[];
    /** conda package specs, e.g. `["numba", "xarray>=2024"]` (`EXTRA_CONDA_PACKAGES`). @default [] */
    conda?: string[];
    /** conda channels searched for `conda` packages, e.g. `["conda-forge"]`. @default [] */
    condaChannels?: string[];
    /** Debian packages, e.g. `["graphviz"]` (`EXTRA_APT_PACKAGES`). @default [] */
    apt?: string[];
}

/** Environment variable names the component owns. */
export const PACKAGE_ENV = ["EXTRA_PIP_PACKAGES", "EXTRA_CONDA_PACKAGES", "EXTRA_APT_PACKAGES"] as const;
export const PASSWORD_HASH_ENV = "JUPYTER_PASSWORD_HASH";
export const LOGIN_REVISION_ENV = "JUPYTER_LOGIN_REVISION";
export const SCHEDULER_ROUTES_ENV = "DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES";
export const SECRET_ENV_REVISION_ENV = "DASKK8S_SECRET_ENV_REVISION";

/**
 * The scheduler's default HTTP routes plus `distributed.http.scheduler.api`,
 * which Dask leaves off by default (dask/distributed#6407) and which serves
 * `/api/v1/adaptive_target` for Dask-aware autoscaling.
 */
export const SCHEDULER_HTTP_ROUTES = [
    "distributed.http.scheduler.prometheus",
    "distributed.http.scheduler.info",
    "distributed.http.scheduler.json",
    "distributed.http.health",
    "distributed.http.proxy",
    "distributed.http.statics",
    "distributed.http.scheduler.api",
];

/**
 * The config file the chart mounts. Current JupyterLab images do not read it
 * unless told to (dask/helm-chart#512), hence JUPYTERLAB_ARGS.
 */
export const JUPYTER_CONFIG_FILE = "/usr/local/etc/jupyter/jupyter_notebook_config.py";

type EnvVar = { name: string; value?: pulumi.Input<string>; valueFrom?: unknown };

/** Environment variables read from a Kubernetes Secret (one key per variable). */
export interface SecretEnvRef {
    /** The Secret, in the Dask namespace. */
    secretName: string;
    /** Variable names; each is also the Secret's key. */
    names: string[];
}

/**
 * References only. What makes the pods restart when the Secret changes is
 * added by the chart transform (`secretRevisions` in daskTransforms.ts).
 */
function secretEnv(ref: SecretEnvRef | undefined): EnvVar[] {
    return (ref?.names ?? []).map((name) => ({ name, valueFrom: { secretKeyRef: { name: ref!.secretName, key: name } } }));
}

/** `EXTRA_*_PACKAGES` variables for the non-empty package lists. */
export function packageEnv(packages: ExtraPackages): EnvVar[] {
    const env: EnvVar[] = [];
    if (packages.pip?.length) {
        env.push({ name: "EXTRA_PIP_PACKAGES", value: packages.pip.join(" ") });
    }
    if (packages.conda?.length) {
        const channels = (packages.condaChannels ?? []).flatMap((c) => ["-c", c]);
        env.push({ name: "EXTRA_CONDA_PACKAGES", value: [...packages.conda, ...channels].join(" ") });
    }
    if (packages.apt?.length) {
        env.push({ name: "EXTRA_APT_PACKAGES", value: packages.apt.join(" ") });
    }
    return env;
}

/**
 * Everything the chart values depend on, with defaults applied. Nothing here
 * is an output of the component's own resources, so a preview renders the
 * chart even on a new stack.
 */
export interface DaskValuesInput {
    fullname: string;
    image: { repository: string; notebookRepository: string; tag: string };
    scheduler: { serviceType: string; resources: ContainerResources };
    workers: {
        replicas: number;
        resources: ContainerResources;
        threads: number;
        env: Record<string, pulumi.Input<string>>;
        secretEnv?: SecretEnvRef;
        /** ServiceAccount of the worker pods; unset: the namespace's default. */
        serviceAccountName?: string;
    };
    packages: ExtraPackages;
    jupyter?: {
        serviceType: string;
        resources: ContainerResources;
        /** Kubernetes Secret holding the password hash under key `hash`. */
        passwordSecretName: string;
        secretEnv?: SecretEnvRef;
    };
}

/** The dask chart values the component sets (before the user's `values`). */
export function daskChartValues(input: DaskValuesInput): Record<string, unknown> {
    const common = packageEnv(input.packages);
    const image = (repository: string) => ({ repository, tag: input.image.tag, pullPolicy: "IfNotPresent" });
    const userEnv = Object.entries(input.workers.env).map(([name, value]) => ({ name, value }));
    const values: Record<string, unknown> = {
        fullnameOverride: input.fullname,
        scheduler: {
            image: image(input.image.repository),
            serviceType: input.scheduler.serviceType,
            resources: input.scheduler.resources,
            env: [...common, { name: SCHEDULER_ROUTES_ENV, value: `[${SCHEDULER_HTTP_ROUTES.map((r) => `'${r}'`).join(", ")}]` }],
        },
        worker: {
            image: { ...image(input.image.repository), dask_worker: "dask-worker" },
            replicas: input.workers.replicas,
            resources: input.workers.resources,
            threads_per_worker: input.workers.threads,
            env: [...common, ...userEnv, ...secretEnv(input.workers.secretEnv)],
            ...(input.workers.serviceAccountName !== undefined ? { serviceAccountName: input.workers.serviceAccountName } : {}),
        },
    };
    if (input.jupyter === undefined) {
        values.jupyter = { enabled: false, rbac: false };
        return values;
    }
    values.jupyter = {
        enabled: true,
        image: image(input.image.notebookRepository),
        serviceType: input.jupyter.serviceType,
        resources: input.jupyter.resources,
        // The chart writes this into its ConfigMap; the real hash is read from
        // the Secret by extraConfig below, so the ConfigMap holds no hash.
        password: "",
        passwordHint: "set by Pulumi: see the jupyterPassword stack output",
        extraConfig: [...JUPYTER_SERVER_SETTINGS, jupyterPasswordConfig(PASSWORD_HASH_ENV)].join("\n"),
        env: [
            ...common,
            { name: "JUPYTERLAB_ARGS", value: `--config ${JUPYTER_CONFIG_FILE}` },
            { name: PASSWORD_HASH_ENV, valueFrom: { secretKeyRef: { name: input.jupyter.passwordSecretName, key: "hash" } } },
            ...secretEnv(input.jupyter.secretEnv),
        ],
    };
    return values;
}
