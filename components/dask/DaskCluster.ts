import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import { ChartSource, chartLocation } from "../common/chartSource";
import { deepMerge } from "../common/deepMerge";
import { DEFAULT_DASK_IMAGE, DEFAULT_DASK_IMAGE_TAG, DEFAULT_NOTEBOOK_IMAGE, DaskEntrypointsSetting, entrypointsFor } from "./daskImage";
import { SecretRevision, daskObjectTransform } from "./daskTransforms";
import { contentRevision, revisionKey } from "./secretRevision";
import { ContainerResources, ExtraPackages, LOGIN_REVISION_ENV, SECRET_ENV_REVISION_ENV, SecretEnvRef, daskChartValues } from "./daskValues";
import { validateDaskClusterArgs } from "./daskClusterValidation";
import { ServiceEndpoint, ServiceExposure, serviceEndpoint } from "./serviceEndpoint";
import { PodPlacement } from "./podPlacement";
import { workerDisruptionBudget, workerServiceAccount } from "./workerObjects";
import { hashJupyterPassword, jupyterPasswordSalt, passwordProblem } from "./jupyterPassword";
import { throwIfInvalid } from "../common/validation";
import { Claim, claimIssues } from "../common/claims";
import { OWNER_ANNOTATION, stackOwner } from "../common/ownership";
import { keptRandom, randomText } from "./keptRandom";
import { parseQuantity } from "../common/quantity";
import { WorkerAutoscaler, WorkerAutoscalingArgs } from "../scaling/WorkerAutoscaler";
import { DASK_CHART, DASK_CLUSTER_DEFAULTS as D, SIDE_RESOURCES, WORKER_RESOURCES } from "./daskClusterSettings";
import { JUPYTER_SERVICE_ACCOUNT } from "./daskValues";

export { DASK_CHART };

/** The Dask images. One tag for scheduler, workers and notebook. */
export interface DaskImageArgs {
    /** Image for scheduler and workers. @default "ghcr.io/dask/dask" */
    repository?: string;
    /** Image for the Jupyter notebook. @default "ghcr.io/dask/dask-notebook" */
    notebookRepository?: string;
    /** Tag shared by all three images; `latest` is refused. @default "2024.1.0" */
    tag?: string;
    /**
     * How processes start: `legacy` runs `dask-scheduler`/`dask-worker`,
     * `subcommand` runs `dask scheduler`/`dask worker` (the only form in images
     * from 2026.6.0 on). `auto` decides from the tag.
     * @default "auto"
     */
    entrypoints?: DaskEntrypointsSetting;
}

/** The Dask workers. */
export interface DaskWorkersArgs {
    /** Number of workers when `autoscaling` is not set. @default 3 */
    replicas?: number;
    /**
     * An autoscaler for the workers (a WorkerAutoscaler child): on the Dask
     * scheduler's own target through KEDA (`metric: dask`), or on CPU. While
     * set, the worker Deployment is applied without `spec.replicas`, so
     * `pulumi up` never resets what the autoscaler chose.
     * @default no autoscaler: `replicas` workers
     */
    autoscaling?: WorkerAutoscalingArgs;
    /**
     * Requests and limits per worker, merged over the defaults. A CPU request
     * is always set: CPU-based autoscaling cannot work without one.
     * @default { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "1", memory: "4Gi" } }
     */
    resources?: ContainerResources;
    /** Threads per worker (`--nthreads`). @default the whole CPUs of the CPU limit, at least 1 */
    threads?: number;
    /**
     * Seconds a worker that is being removed (scale-down, rollout, node
     * drain) may take to hand its in-memory results to the other workers
     * through the scheduler before it stops; its pod's termination grace
     * period is this plus 30. 0 stops workers at once, losing their results
     * (Dask then recomputes them). Applies to `values.additional_worker_groups` too.
     * @default 120
     */
    retireTimeoutSeconds?: number;
    /**
     * Extra environment variables for the workers, written into the worker
     * Deployment as they are: nothing secret (use `secretEnv`). @default {}
     */
    env?: Record<string, pulumi.Input<string>>;
    /**
     * Secret environment variables for the workers (tokens, keys). Kept as
     * Pulumi secrets, stored in the Kubernetes Secret `<fullname>-worker-env`
     * and read from there by the pods; the Deployment holds only references.
     * A changed value restarts the workers. @default {}
     */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /** Nodes the workers run on (and `values.additional_worker_groups` too). @default {} */
    placement?: PodPlacement;
    /**
     * A ServiceAccount the component creates in the namespace for the worker
     * pods, with no Kubernetes API token mounted: what cloud identities (EKS
     * Pod Identity, IRSA) are bound to. Not `default`, nor the chart's
     * `dask-jupyter`.
     * @default none: the namespace's `default` ServiceAccount
     */
    serviceAccountName?: string;
    /**
     * Most workers a voluntary disruption (node drain, node autoscaler
     * consolidation) may remove at once: a PodDisruptionBudget
     * `<fullname>-worker`, so each worker retires (`retireTimeoutSeconds`)
     * and hands its results over before the next one goes. Autoscaler
     * scale-downs are not limited by it.
     * @default none: no PodDisruptionBudget
     */
    maxUnavailable?: number;
}

/** The Dask scheduler. */
export interface DaskSchedulerArgs {
    /** How the scheduler (port 8786) and dashboard (port 80) are exposed. @default { type: "ClusterIP" } */
    service?: ServiceExposure;
    /** Scheduler requests and limits, merged over the defaults. @default { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "2Gi" } } */
    resources?: ContainerResources;
    /** Nodes the scheduler runs on. @default {} */
    placement?: PodPlacement;
}

/** The bundled Jupyter notebook. */
export interface DaskJupyterArgs {
    /** Deploy the notebook. @default true */
    enabled?: boolean;
    /**
     * Login password (at least 8 characters). Hashed by the program: the
     * notebook reads only the hash. @default a 24-character password drawn
     * on the first run, kept in the Secret `<fullname>-jupyter-password` and
     * exported as the secret output `jupyterPassword`
     */
    password?: pulumi.Input<string>;
    /** How the notebook (port 80) is exposed. @default { type: "ClusterIP" } */
    service?: ServiceExposure;
    /** Notebook requests and limits, merged over the defaults. @default { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "2Gi" } } */
    resources?: ContainerResources;
    /**
     * Secret environment variables for the notebook, kept like
     * `workers.secretEnv` in the Kubernetes Secret `<fullname>-jupyter-env`.
     * @default {}
     */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /** Nodes the notebook runs on. @default {} */
    placement?: PodPlacement;
}

export interface DaskClusterArgs {
    /** Namespace for every Dask object. @default "dask" */
    namespace?: string;
    /**
     * Create the namespace, annotated `daskk8s.io/owner: <org>/<project>/<stack>`;
     * `pulumi destroy` deletes it. Set false to deploy into an existing
     * namespace, which is then neither created nor deleted. The stack program
     * refuses to create a namespace that exists without this stack's
     * annotation (see docs/configuration.md, "Namespaces"). @default true
     */
    createNamespace?: boolean;
    /**
     * Prefix of every object name (the chart's `fullnameOverride`): objects
     * are `<fullname>-scheduler`, `<fullname>-worker`, `<fullname>-jupyter`.
     * @default "dask"
     */
    fullname?: string;
    /** Where the dask chart comes from. @default dask 2024.1.1 from https://helm.dask.org */
    chart?: ChartSource;
    /** Dask images. */
    image?: DaskImageArgs;
    /** The scheduler. */
    scheduler?: DaskSchedulerArgs;
    /** The workers. */
    workers?: DaskWorkersArgs;
    /** Packages installed at start on scheduler, workers and notebook alike. @default none */
    packages?: ExtraPackages;
    /** The Jupyter notebook. */
    jupyter?: DaskJupyterArgs;
    /**
     * Chart values deep-merged over the component's own (objects merge, lists
     * replace). The component's defaults hold unless a key is set here.
     * @default {}
     */
    values?: Record<string, any>;
}

/** Requests and limits with the defaults filled in field by field. */
export function withDefaults(given: ContainerResources | undefined, defaults: ContainerResources): ContainerResources {
    return {
        requests: { ...defaults.requests, ...given?.requests },
        limits: { ...defaults.limits, ...given?.limits },
    };
}

/** Whole CPUs of the limit (or request), at least 1: the chart would pass "500m" to --nthreads. */
export function defaultThreads(resources: ContainerResources): number {
    const cpu = parseQuantity(resources.limits?.cpu ?? resources.requests?.cpu ?? "1") ?? 1;
    return Math.max(1, Math.floor(cpu));
}

/**
 * A Dask cluster (scheduler, workers and optionally a Jupyter notebook) from
 * the official dask Helm chart, with secure defaults: a generated Jupyter
 * password, no public scheduler without source ranges, CPU requests on workers.
 */
export class DaskCluster extends pulumi.ComponentResource {
    /** Namespace holding the Dask objects. */
    public readonly namespace: pulumi.Output<string>;
    /** In-cluster scheduler address for Dask clients: `tcp://<svc>.<ns>.svc.cluster.local:8786`. */
    public readonly schedulerAddress: pulumi.Output<string>;
    /** The dashboard: in-cluster URL, and node port or external URL where exposed. */
    public readonly dashboard: pulumi.Output<ServiceEndpoint>;
    /** The notebook, when enabled. */
    public readonly jupyter: pulumi.Output<ServiceEndpoint | undefined>;
    /** Name of the worker Deployment (what an autoscaler targets). */
    public readonly workerDeploymentName: pulumi.Output<string>;
    /** Name of the workers' HorizontalPodAutoscaler; undefined without `workers.autoscaling`. */
    public readonly workerAutoscalerName: pulumi.Output<string | undefined>;
    /** The Jupyter password (secret); undefined when Jupyter is disabled. */
    public readonly jupyterPassword: pulumi.Output<string | undefined>;
    /** The image tag running everywhere (use the same Dask version in clients). */
    public readonly imageTag: pulumi.Output<string>;
    /** The workers' ServiceAccount (`workers.serviceAccountName`); undefined: the namespace's default. */
    public readonly workerServiceAccountName: pulumi.Output<string | undefined>;
    /** The notebook's ServiceAccount (the chart's, with its RBAC); undefined when Jupyter is disabled. */
    public readonly jupyterServiceAccountName: pulumi.Output<string | undefined>;

    constructor(name: string, args: DaskClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        throwIfInvalid("DaskCluster", name, validateDaskClusterArgs(args));
        const namespaceName = args.namespace ?? D.namespace;
        const fullname = args.fullname ?? D.fullname;
        const claims: Claim[] = [
            {
                what: `dask release ${namespaceName}/${fullname}`,
                path: "fullname",
                value: fullname,
                rule: (earlier) =>
                    `is already used in namespace "${namespaceName}" of the same cluster by ${earlier}: the two would share ` +
                    "their objects (login Secret, Services, autoscaler); give each its own {{namespace}} or {{fullname}}",
            },
        ];
        if (args.createNamespace !== false) {
            // Two Namespace resources for one namespace: destroying either deletes the other's objects.
            claims.push({
                what: `namespace ${namespaceName}`,
                path: "createNamespace",
                value: true,
                rule: (earlier) =>
                    `would create namespace "${namespaceName}", which ${earlier} creates on the same cluster: set {{createNamespace}} ` +
                    "to false on this one (and make it depend on the other), or give it its own {{namespace}}",
            });
        }
        throwIfInvalid("DaskCluster", name, claimIssues(claims, `DaskCluster "${name}"`, opts));
        super("daskk8s:index:DaskCluster", name, {}, opts);

        const tag = args.image?.tag ?? DEFAULT_DASK_IMAGE_TAG;
        // Validation guarantees the entry points are known.
        const entrypoints = entrypointsFor(tag, args.image?.entrypoints ?? D.entrypoints)!;
        const workerResources = withDefaults(args.workers?.resources, WORKER_RESOURCES);
        const schedulerService = args.scheduler?.service ?? {};
        const jupyterEnabled = args.jupyter?.enabled ?? D.jupyterEnabled;
        const jupyterService = args.jupyter?.service ?? {};

        const namespace =
            args.createNamespace === false
                ? undefined
                : new k8s.core.v1.Namespace(
                      `${name}-namespace`,
                      {
                          metadata: { name: namespaceName, annotations: { [OWNER_ANNOTATION]: stackOwner() } },
                      },
                      { parent: this },
                  );
        const namespaceOutput = namespace ? namespace.metadata.name : pulumi.output(namespaceName);

        const loginSecretName = `${fullname}-jupyter-login`;
        let jupyterLogin: { password: pulumi.Output<string>; hash: pulumi.Output<string>; secret: k8s.core.v1.Secret } | undefined;
        if (jupyterEnabled) {
            const password =
                args.jupyter?.password !== undefined
                    ? pulumi.secret(args.jupyter.password)
                    : keptRandom(
                          `${name}-jupyter-password`,
                          { secretName: `${fullname}-jupyter-password`, namespace: namespaceOutput, key: "password", draw: () => randomText(24) },
                          this,
                      );
            const identity = `${pulumi.getProject()}/${pulumi.getStack()}/${name}`;
            const hash = pulumi.secret(
                password.apply((p) => {
                    const problem = passwordProblem(p);
                    if (problem !== undefined) {
                        throw new Error(`DaskCluster "${name}": jupyter.password ${problem}`);
                    }
                    return hashJupyterPassword(p, jupyterPasswordSalt(p, identity));
                }),
            );
            const secret = new k8s.core.v1.Secret(
                `${name}-jupyter-login`,
                {
                    metadata: { name: loginSecretName, namespace: namespaceOutput },
                    stringData: { hash },
                },
                { parent: this },
            );
            jupyterLogin = { password, hash, secret };
        }

        // Pods read Secrets into environment variables only when they start:
        // each container reading one also gets a revision of its contents, so
        // it restarts when they change, and a preview shows that it will.
        const secretRevisions: SecretRevision[] = [];
        let key: pulumi.Output<string> | undefined;
        const revise = (secretName: string, env: string, secret: k8s.core.v1.Secret, contents: pulumi.Input<Record<string, pulumi.Input<string>>>) => {
            key ??= revisionKey(`${name}-revision-key`, `${fullname}-revision-key`, namespaceOutput, this);
            // Through the Secret's id, so the Deployments are applied after it.
            const revision = pulumi.all([contentRevision(key, contents), secret.id]).apply(([r]) => r);
            secretRevisions.push({ secretName, env, revision });
        };
        if (jupyterLogin) {
            revise(loginSecretName, LOGIN_REVISION_ENV, jupyterLogin.secret, { hash: jupyterLogin.hash });
        }
        // One Secret per consumer, so that each pod reads only its own values.
        const envSecret = (role: string, env: Record<string, pulumi.Input<string>> | undefined): SecretEnvRef | undefined => {
            const names = Object.keys(env ?? {}).sort();
            if (names.length === 0) {
                return undefined;
            }
            const secretName = `${fullname}-${role}-env`;
            const contents = pulumi.secret(pulumi.all(Object.fromEntries(names.map((n) => [n, env![n]]))));
            const secret = new k8s.core.v1.Secret(
                `${name}-${role}-env`,
                { metadata: { name: secretName, namespace: namespaceOutput }, stringData: contents },
                { parent: this },
            );
            revise(secretName, SECRET_ENV_REVISION_ENV, secret, contents);
            return { secretName, names };
        };
        const workerSecretEnv = envSecret("worker", args.workers?.secretEnv);
        const jupyterSecretEnv = jupyterEnabled ? envSecret("jupyter", args.jupyter?.secretEnv) : undefined;

        const serviceAccount = workerServiceAccount(name, args.workers?.serviceAccountName, namespaceOutput, this, namespace);
        const values = deepMerge(
            daskChartValues({
                fullname,
                image: {
                    repository: args.image?.repository ?? DEFAULT_DASK_IMAGE,
                    notebookRepository: args.image?.notebookRepository ?? DEFAULT_NOTEBOOK_IMAGE,
                    tag,
                },
                scheduler: {
                    serviceType: schedulerService.type ?? D.serviceType,
                    resources: withDefaults(args.scheduler?.resources, SIDE_RESOURCES),
                },
                workers: {
                    replicas: args.workers?.replicas ?? D.workerReplicas,
                    resources: workerResources,
                    threads: args.workers?.threads ?? defaultThreads(workerResources),
                    env: args.workers?.env ?? {},
                    secretEnv: workerSecretEnv,
                    serviceAccountName: args.workers?.serviceAccountName,
                },
                packages: args.packages ?? {},
                jupyter: jupyterLogin && {
                    serviceType: jupyterService.type ?? D.serviceType,
                    resources: withDefaults(args.jupyter?.resources, SIDE_RESOURCES),
                    passwordSecretName: loginSecretName,
                    secretEnv: jupyterSecretEnv,
                },
            }),
            args.values,
        );

        // The dashboard port serves the scheduler's HTTP API too.
        const webPort = (values.webUI as { servicePort?: number } | undefined)?.servicePort ?? D.schedulerWebPort;
        const retireTimeoutSeconds = args.workers?.retireTimeoutSeconds ?? D.retireTimeoutSeconds;
        const chart = new k8s.helm.v4.Chart(
            `${name}-chart`,
            {
                ...chartLocation(DASK_CHART.name, DASK_CHART, args.chart),
                name: fullname,
                // The name, not the Namespace's output (dependsOn orders them):
                // the chart's inputs are then known in every preview.
                namespace: namespaceName,
                values,
            },
            pulumi.mergeOptions(
                {
                    parent: this,
                    dependsOn: [...(namespace ? [namespace] : []), ...(serviceAccount ? [serviceAccount] : [])],
                    // The caller's dependsOn is added below: children do not inherit it, and the pods are what must wait.
                    transforms: [
                        daskObjectTransform({
                            fullname,
                            entrypoints,
                            omitWorkerReplicas: args.workers?.autoscaling !== undefined,
                            sourceRanges: {
                                scheduler: schedulerService.loadBalancerSourceRanges,
                                jupyter: jupyterService.loadBalancerSourceRanges,
                            },
                            secretRevisions,
                            placement: { scheduler: args.scheduler?.placement, workers: args.workers?.placement, jupyter: args.jupyter?.placement },
                            // Same namespace: the Service's short name, whatever the cluster domain.
                            retirement:
                                retireTimeoutSeconds > 0
                                    ? { schedulerHttpAddress: `http://${fullname}-scheduler:${webPort}`, timeoutSeconds: retireTimeoutSeconds }
                                    : undefined,
                        }),
                    ],
                },
                { dependsOn: opts?.dependsOn },
            ),
        );

        if (args.workers?.maxUnavailable !== undefined) {
            workerDisruptionBudget(name, { fullname, namespace: namespaceOutput, maxUnavailable: args.workers.maxUnavailable }, this, namespace);
        }

        const inCluster = (service: string, port: number, scheme: string) =>
            pulumi.interpolate`${scheme}://${service}.${namespaceOutput}.svc.cluster.local:${port}`;
        this.namespace = namespaceOutput;
        this.schedulerAddress = inCluster(`${fullname}-scheduler`, 8786, "tcp");
        this.dashboard = serviceEndpoint(
            chart.resources,
            `${fullname}-scheduler`,
            `${fullname}-webui`,
            inCluster(`${fullname}-scheduler`, 80, "http"),
            schedulerService.type ?? D.serviceType,
        );
        this.jupyter = jupyterEnabled
            ? serviceEndpoint(
                  chart.resources,
                  `${fullname}-jupyter`,
                  `${fullname}-jupyter`,
                  inCluster(`${fullname}-jupyter`, 80, "http"),
                  jupyterService.type ?? D.serviceType,
              )
            : pulumi.output<ServiceEndpoint | undefined>(undefined);
        // Known at preview time, so a reviewer sees what an autoscaler targets.
        this.workerDeploymentName = pulumi.output(`${fullname}-worker`);
        const autoscaler =
            args.workers?.autoscaling &&
            new WorkerAutoscaler(
                `${name}-workers`,
                {
                    ...args.workers.autoscaling,
                    namespace: namespaceOutput,
                    deploymentName: this.workerDeploymentName,
                    // KEDA runs in another namespace; `.svc` resolves in any cluster domain.
                    schedulerHttpAddress: pulumi.interpolate`http://${fullname}-scheduler.${namespaceOutput}.svc:${webPort}`,
                },
                { parent: this, dependsOn: namespace ? [namespace] : [] },
            );
        this.workerAutoscalerName = autoscaler ? autoscaler.hpaName : pulumi.output<string | undefined>(undefined);
        this.workerServiceAccountName = pulumi.output(args.workers?.serviceAccountName);
        this.jupyterServiceAccountName = pulumi.output(jupyterEnabled ? JUPYTER_SERVICE_ACCOUNT : undefined);
        this.jupyterPassword = jupyterLogin ? pulumi.secret(jupyterLogin.password) : pulumi.output<string | undefined>(undefined);
        this.imageTag = pulumi.output(tag);
        this.registerOutputs({
            namespace: this.namespace,
            schedulerAddress: this.schedulerAddress,
            dashboard: this.dashboard,
            jupyter: this.jupyter,
            workerDeploymentName: this.workerDeploymentName,
            workerAutoscalerName: this.workerAutoscalerName,
            jupyterPassword: this.jupyterPassword,
            imageTag: this.imageTag,
            workerServiceAccountName: this.workerServiceAccountName,
            jupyterServiceAccountName: this.jupyterServiceAccountName,
        });
    }
}
