import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { applyTransforms, find, installMocks, promiseOf, secretInput, settle } from "../mocks";
import { RETIRE_SCRIPT } from "../../components/dask/workerRetirement";
import { DaskCluster, DaskClusterArgs } from "../../components/dask/DaskCluster";
import { InvalidArgsError } from "../../components/common/validation";
import { jupyterPasswordSalt } from "../../components/dask/jupyterPassword";
import { contentRevision } from "../../components/dask/secretRevision";

const registered = installMocks();
const CHART = "kubernetes:helm.sh/v4:Chart";
const LOCAL_DASK_CHART = path.join(__dirname, "..", "fixtures", "charts", "dask-2024.1.1.tgz");

const ROUTES =
    "['distributed.http.scheduler.prometheus', 'distributed.http.scheduler.info', 'distributed.http.scheduler.json', " +
    "'distributed.http.health', 'distributed.http.proxy', 'distributed.http.statics', 'distributed.http.scheduler.api']";

/** Each cluster as its own program run: most share the default namespace and fullname. */
function fresh(): void {
    installMocks("daskk8s", "test", registered);
}

async function deploy(name: string, args: DaskClusterArgs = {}) {
    fresh();
    const cluster = new DaskCluster(name, args);
    await settle();
    return { cluster, chart: find(registered, CHART, `${name}-chart`) };
}

/** A worker Deployment as the dask chart 2024.1.1 renders it (trimmed); `group` for additional_worker_groups. */
function renderedWorker(fullname: string, group?: string) {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: group === undefined ? `${fullname}-worker` : `${fullname}-worker-${group}` },
        spec: {
            replicas: 3,
            template: {
                spec: {
                    containers: [{ name: `${fullname}-worker`, args: ["dask-worker", `${fullname}-scheduler:8786`, "--nthreads", "1", "--no-dashboard"] }],
                },
            },
        },
    };
}

function renderedScheduler(fullname: string) {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: `${fullname}-scheduler` },
        spec: {
            replicas: 1,
            template: { spec: { containers: [{ name: `${fullname}-scheduler`, args: ["dask-scheduler", "--port=8786", "--dashboard-address=:8787"] }] } },
        },
    };
}

/** A Deployment with one container whose environment is `env` (as the chart renders values' env lists). */
function renderedDeployment(name: string, env: unknown[]) {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name },
        spec: { template: { spec: { containers: [{ name, env: structuredClone(env) }] } } },
    };
}

/**
 * The revision of `contents` under the cluster's revision key, as its
 * Deployments must carry it; the key Secret is drawn once, and kept.
 */
async function revisionOf(cluster: string, contents: Record<string, string>): Promise<string> {
    const keySecret = find(registered, "kubernetes:core/v1:Secret", `${cluster}-revision-key`);
    assert.deepEqual(keySecret.ignoreChanges, ["data"], "later runs keep the first key");
    const key = Buffer.from(secretInput(keySecret.inputs.data).key as string, "base64").toString();
    return promiseOf(contentRevision(pulumi.output(key), contents));
}

/** The object with every output in it resolved. */
function resolved(object: Record<string, unknown>): Promise<any> {
    return promiseOf(pulumi.output(object));
}

function renderedService(name: string, type: string) {
    return { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { type, ports: [{ port: 8786 }] } };
}

describe("DaskCluster chart and values", () => {
    it("deploys dask 2024.1.1 from helm.dask.org with the component's exact defaults", async () => {
        const { cluster, chart } = await deploy("defaults");
        assert.equal(chart.inputs.chart, "dask");
        assert.equal(chart.inputs.version, "2024.1.1");
        assert.deepEqual(chart.inputs.repositoryOpts, { repo: "https://helm.dask.org" });
        assert.equal(chart.inputs.name, "dask");
        assert.equal(chart.inputs.namespace, "dask");
        const v = chart.inputs.values;
        assert.equal(v.fullnameOverride, "dask");
        assert.deepEqual(v.scheduler.image, { repository: "ghcr.io/dask/dask", tag: "2024.1.0", pullPolicy: "IfNotPresent" });
        assert.deepEqual(v.worker.image, { repository: "ghcr.io/dask/dask", tag: "2024.1.0", pullPolicy: "IfNotPresent", dask_worker: "dask-worker" });
        assert.deepEqual(v.jupyter.image, { repository: "ghcr.io/dask/dask-notebook", tag: "2024.1.0", pullPolicy: "IfNotPresent" });
        assert.equal(v.scheduler.serviceType, "ClusterIP");
        assert.equal(v.jupyter.serviceType, "ClusterIP");
        assert.deepEqual(v.scheduler.env, [{ name: "DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES", value: ROUTES }]);
        assert.equal(v.worker.replicas, 3);
        assert.deepEqual(v.worker.resources, { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "1", memory: "4Gi" } });
        assert.equal(v.worker.threads_per_worker, 1);
        assert.deepEqual(v.worker.env, []);
        assert.deepEqual(v.scheduler.resources, { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "2Gi" } });
        assert.equal(find(registered, "kubernetes:core/v1:Namespace", "defaults-namespace").inputs.metadata.name, "dask");
        assert.equal(await promiseOf(cluster.schedulerAddress), "tcp://dask-scheduler.dask.svc.cluster.local:8786");
        assert.equal(await promiseOf(cluster.workerDeploymentName), "dask-worker");
        assert.deepEqual(await promiseOf(cluster.dashboard), { type: "ClusterIP", inClusterUrl: "http://dask-scheduler.dask.svc.cluster.local:80" });
    });

    it("enables the scheduler HTTP API next to Dask's default routes", async () => {
        const { chart } = await deploy("routes");
        const env = chart.inputs.values.scheduler.env.find((e: { name: string }) => e.name === "DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES");
        assert.equal(env.value, ROUTES);
    });

    it("uses one image tag and repository everywhere", async () => {
        const { chart } = await deploy("image", {
            image: { repository: "registry.example.com/dask", notebookRepository: "registry.example.com/nb", tag: "2024.8.0" },
        });
        const v = chart.inputs.values;
        assert.equal(v.scheduler.image.repository, "registry.example.com/dask");
        assert.equal(v.worker.image.repository, "registry.example.com/dask");
        assert.equal(v.jupyter.image.repository, "registry.example.com/nb");
        assert.deepEqual([v.scheduler.image.tag, v.worker.image.tag, v.jupyter.image.tag], ["2024.8.0", "2024.8.0", "2024.8.0"]);
    });

    it("renders the extra packages on scheduler, workers and notebook alike", async () => {
        const { chart } = await deploy("packages", {
            packages: { pip: ["dask-ml==2024.4.4", "s3fs"], conda: ["numba", "xarray>=2024.1"], condaChannels: ["conda-forge"], apt: ["graphviz"] },
            workers: { env: { OMP_NUM_THREADS: "1" } },
        });
        const expected = [
            { name: "EXTRA_PIP_PACKAGES", value: "dask-ml==2024.4.4 s3fs" },
            { name: "EXTRA_CONDA_PACKAGES", value: "numba xarray>=2024.1 -c conda-forge" },
            { name: "EXTRA_APT_PACKAGES", value: "graphviz" },
        ];
        const v = chart.inputs.values;
        assert.deepEqual(v.scheduler.env.slice(0, 3), expected);
        assert.deepEqual(v.worker.env, [...expected, { name: "OMP_NUM_THREADS", value: "1" }]);
        assert.deepEqual(v.jupyter.env.slice(0, 3), expected);
    });

    it("sets worker resources field by field over the defaults and derives --nthreads from whole CPUs", async () => {
        const { chart } = await deploy("resources", {
            workers: { replicas: 5, resources: { requests: { cpu: "500m" }, limits: { cpu: "2500m", memory: "6Gi" } } },
        });
        const w = chart.inputs.values.worker;
        assert.deepEqual(w.resources, { requests: { cpu: "500m", memory: "4Gi" }, limits: { cpu: "2500m", memory: "6Gi" } });
        assert.equal(w.threads_per_worker, 2);
        assert.equal(w.replicas, 5);
    });

    it("deep-merges the values escape hatch over its own values", async () => {
        const { chart } = await deploy("merge", {
            values: { worker: { nodeSelector: { pool: "dask" }, image: { pullPolicy: "Always" } }, scheduler: { env: [] } },
        });
        const v = chart.inputs.values;
        assert.deepEqual(v.worker.nodeSelector, { pool: "dask" });
        assert.equal(v.worker.image.pullPolicy, "Always");
        assert.equal(v.worker.image.tag, "2024.1.0", "keys the user did not set keep the component's value");
        assert.deepEqual(v.scheduler.env, [], "lists are replaced, as in Helm");
        assert.deepEqual(v.worker.resources.requests, { cpu: "1", memory: "4Gi" });
    });

    it("takes a local chart archive instead of the repository", async () => {
        const { chart } = await deploy("local", { chart: { path: LOCAL_DASK_CHART } });
        assert.equal(chart.inputs.chart, LOCAL_DASK_CHART);
        assert.equal(chart.inputs.repositoryOpts, undefined);
        assert.equal(chart.inputs.version, undefined);
    });

    it("uses an existing namespace when createNamespace is false", async () => {
        const { chart } = await deploy("nons", { namespace: "analytics", createNamespace: false, fullname: "team-dask" });
        assert.equal(registered.filter((r) => r.name === "nons-namespace").length, 0);
        assert.equal(chart.inputs.namespace, "analytics");
        assert.equal(chart.inputs.values.fullnameOverride, "team-dask");
    });

    it("deploys into a cluster's own namespace only without creating it, so nothing ever deletes it", async () => {
        const { chart } = await deploy("indefault", { namespace: "default", createNamespace: false });
        assert.equal(registered.filter((r) => r.type === "kubernetes:core/v1:Namespace" && r.name.startsWith("indefault-")).length, 0);
        assert.equal(chart.inputs.namespace, "default");
    });
});

describe("DaskCluster Jupyter login", () => {
    it("generates a password, keeps it secret, and stores only its salted sha1 hash in a Secret", async () => {
        const { cluster, chart } = await deploy("genpw");
        // Drawn in the program and kept in a Secret of its own: no provider
        // plugin to launch, and later runs keep the first one (ignoreChanges).
        const kept = find(registered, "kubernetes:core/v1:Secret", "genpw-jupyter-password");
        assert.deepEqual(kept.inputs.metadata, { name: "dask-jupyter-password", namespace: "dask" });
        assert.deepEqual(kept.ignoreChanges, ["data"]);
        const drawn = Buffer.from(secretInput(kept.inputs.data).password, "base64").toString();
        assert.match(drawn, /^[A-Za-z0-9]{24}$/);
        const password = await promiseOf(cluster.jupyterPassword);
        assert.equal(password, drawn);
        assert.equal(await pulumi.isSecret(cluster.jupyterPassword), true);
        assert.deepEqual(
            registered.filter((r) => r.type.startsWith("pulumi-nodejs") || r.type.startsWith("pulumi:providers:")).map((r) => r.name),
            [],
            "no provider but the cluster's",
        );
        const secret = find(registered, "kubernetes:core/v1:Secret", "genpw-jupyter-login");
        // Jupyter's own check of a `sha1:<salt>:<digest>` hash: sha1(password + salt).
        const [algorithm, salt, digest] = secretInput(secret.inputs.stringData).hash.split(":");
        assert.equal(algorithm, "sha1");
        assert.match(salt, /^[0-9a-f]{12}$/);
        assert.equal(digest, crypto.createHash("sha1").update(`${password}${salt}`).digest("hex"));
        const jupyter = chart.inputs.values.jupyter;
        assert.equal(jupyter.password, "", "the chart's default hash (password 'dask') is never left in place");
        assert.ok(!JSON.stringify(chart.inputs.values).includes(digest), "the hash is not in the chart values");
        assert.ok(!JSON.stringify(chart.inputs.values).includes(salt), "nor the salt, which is derived from the password");
        assert.equal(
            jupyter.extraConfig,
            [
                // --config makes Jupyter skip the image's own server config, which sets these.
                'c.ServerApp.ip = ""',
                "c.ServerApp.port = 8888",
                "c.ServerApp.open_browser = False",
                "import os",
                '_hash = os.environ["JUPYTER_PASSWORD_HASH"]',
                "c.NotebookApp.password = _hash",
                "c.ServerApp.password = _hash",
                "c.PasswordIdentityProvider.hashed_password = _hash",
            ].join("\n"),
        );
        const loginRef = { name: "JUPYTER_PASSWORD_HASH", valueFrom: { secretKeyRef: { name: "dask-jupyter-login", key: "hash" } } };
        assert.deepEqual(jupyter.env, [{ name: "JUPYTERLAB_ARGS", value: "--config /usr/local/etc/jupyter/jupyter_notebook_config.py" }, loginRef]);
        // The login Secret's resourceVersion restarts the notebook pod when the
        // hash changes. The transform adds it, not the values, which then hold
        // no output and render in a new stack's first preview.
        const deployment = await resolved(await applyTransforms(chart, renderedDeployment("dask-jupyter", jupyter.env)));
        const loginRevision = await revisionOf("genpw", { hash: secretInput(secret.inputs.stringData).hash });
        assert.deepEqual(deployment.spec.template.spec.containers[0].env.slice(1), [loginRef, { name: "JUPYTER_LOGIN_REVISION", value: loginRevision }]);
    });

    it("renders the chart without waiting for the login or environment Secrets: only the Deployments reading them wait", async () => {
        const { chart } = await deploy("nowait", { workers: { secretEnv: { API_TOKEN: pulumi.secret("tok-123456") } } });
        // Dependencies the chart's inputs carry: only its namespace, so the
        // chart renders (also in a new stack's first preview) while the
        // password and Secrets are still being made.
        assert.deepEqual(
            chart.dependencies.map((urn) => urn.split("$").pop()),
            ["kubernetes:core/v1:Namespace::nowait-namespace"],
        );
        assert.ok(find(registered, "kubernetes:core/v1:Secret", "nowait-worker-env"));
        assert.ok(find(registered, "kubernetes:core/v1:Secret", "nowait-jupyter-login"));
    });

    it("hashes a given password and generates nothing", async () => {
        const { cluster } = await deploy("givenpw", { jupyter: { password: pulumi.secret("correct horse battery") } });
        assert.deepEqual(
            registered.filter((r) => r.name === "givenpw-jupyter-password").map((r) => r.name),
            [],
            "nothing generated",
        );
        const hash = secretInput(find(registered, "kubernetes:core/v1:Secret", "givenpw-jupyter-login").inputs.stringData).hash as string;
        const [, salt, digest] = hash.split(":");
        assert.match(salt, /^[0-9a-f]{12}$/);
        assert.equal(digest, crypto.createHash("sha1").update(`correct horse battery${salt}`).digest("hex"));
        assert.equal(await promiseOf(cluster.jupyterPassword), "correct horse battery");
        assert.equal(await pulumi.isSecret(cluster.jupyterPassword), true);
    });

    it("salts per deployment and per password, the same on every run", () => {
        const salts = [
            jupyterPasswordSalt("correct horse battery", "p/dev/dask"),
            jupyterPasswordSalt("correct horse battery", "p/dev/dask"),
            jupyterPasswordSalt("correct horse battery", "p/prod/dask"),
            jupyterPasswordSalt("correct horse staple", "p/dev/dask"),
        ];
        assert.equal(salts[0], salts[1]);
        assert.equal(new Set(salts).size, 3);
    });

    it("deploys no notebook and no login when Jupyter is disabled", async () => {
        const { cluster, chart } = await deploy("nojupyter", { jupyter: { enabled: false } });
        assert.deepEqual(chart.inputs.values.jupyter, { enabled: false, rbac: false });
        assert.equal(registered.filter((r) => r.name.startsWith("nojupyter-jupyter")).length, 0);
        assert.equal(await promiseOf(cluster.jupyter), undefined);
        assert.equal(await promiseOf(cluster.jupyterPassword), undefined);
    });
});

describe("DaskCluster transforms of rendered objects", () => {
    it("keeps dask-scheduler/dask-worker for images before 2026.6.0", async () => {
        const { chart } = await deploy("legacy", { image: { tag: "2026.5.1" } });
        assert.deepEqual((await applyTransforms(chart, renderedScheduler("dask"))).spec.template.spec.containers[0].args, [
            "dask-scheduler",
            "--port=8786",
            "--dashboard-address=:8787",
        ]);
        assert.deepEqual((await applyTransforms(chart, renderedWorker("dask"))).spec.template.spec.containers[0].args[0], "dask-worker");
    });

    it("rewrites the commands to `dask scheduler` / `dask worker` for 2026.6.0 and later", async () => {
        const { chart } = await deploy("modern", { image: { tag: "2026.6.0" } });
        assert.deepEqual((await applyTransforms(chart, renderedScheduler("dask"))).spec.template.spec.containers[0].args, [
            "dask",
            "scheduler",
            "--port=8786",
            "--dashboard-address=:8787",
        ]);
        assert.deepEqual((await applyTransforms(chart, renderedWorker("dask"))).spec.template.spec.containers[0].args, [
            "dask",
            "worker",
            "dask-scheduler:8786",
            "--nthreads",
            "1",
            "--no-dashboard",
        ]);
    });

    it("rewrites the additional worker groups' `dask-worker` too, and leaves their replicas alone", async () => {
        const { chart } = await deploy("groups", { fullname: "grp", image: { tag: "2026.7.1" }, workers: { autoscaling: {} } });
        const group = await applyTransforms(chart, renderedWorker("grp", "highmem"));
        assert.deepEqual(group.spec.template.spec.containers[0].args, ["dask", "worker", "grp-scheduler:8786", "--nthreads", "1", "--no-dashboard"]);
        assert.equal(group.spec.replicas, 3, "the autoscaler targets grp-worker only; a group keeps its own count");
        const legacy = (await deploy("groups-legacy", { fullname: "grp" })).chart;
        assert.equal((await applyTransforms(legacy, renderedWorker("grp", "highmem"))).spec.template.spec.containers[0].args[0], "dask-worker");
    });

    it("retires workers through the scheduler before they stop: a preStop hook and a grace period on every worker Deployment", async () => {
        const { chart } = await deploy("retire", { fullname: "rt", values: { webUI: { servicePort: 8080 } } });
        for (const deployment of [renderedWorker("rt"), renderedWorker("rt", "highmem")]) {
            const pod = (await applyTransforms(chart, deployment)).spec.template.spec;
            const [command, flag, script, address, timeout] = pod.containers[0].lifecycle.preStop.exec.command;
            assert.deepEqual([command, flag, address, timeout], ["python", "-c", "http://rt-scheduler:8080", "120"]);
            assert.equal(script, RETIRE_SCRIPT);
            assert.deepEqual(pod.containers[0].env, [{ name: "DASKK8S_POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } }]);
            assert.equal(pod.terminationGracePeriodSeconds, 150, "the retirement timeout and 30 s to stop");
        }
        for (const other of [renderedScheduler("rt"), renderedDeployment("rt-jupyter", [])]) {
            const pod = ((await applyTransforms(chart, other)) ?? other).spec.template.spec;
            assert.equal(pod.containers[0].lifecycle, undefined, `${other.metadata.name} has no retirement hook`);
            assert.equal(pod.terminationGracePeriodSeconds, undefined);
        }
        const longer = (await deploy("retire-long", { workers: { retireTimeoutSeconds: 600 } })).chart;
        const pod = (await applyTransforms(longer, renderedWorker("dask"))).spec.template.spec;
        assert.equal(pod.containers[0].lifecycle.preStop.exec.command[4], "600");
        assert.equal(pod.terminationGracePeriodSeconds, 630);
        const off = (await deploy("retire-off", { workers: { retireTimeoutSeconds: 0 } })).chart;
        const plain = (await applyTransforms(off, renderedWorker("dask"))).spec.template.spec;
        assert.equal(plain.containers[0].lifecycle, undefined, "0: workers stop at once");
        assert.equal(plain.terminationGracePeriodSeconds, undefined);
    });

    it("places each kind of pod: node selectors, tolerations and annotations, under what the chart rendered", async () => {
        const spot = { key: "daskk8s.io/workers", operator: "Equal" as const, value: "true", effect: "NoSchedule" as const };
        const { chart } = await deploy("placed", {
            fullname: "pl",
            scheduler: { placement: { nodeSelector: { "karpenter.sh/capacity-type": "on-demand" }, annotations: { "karpenter.sh/do-not-disrupt": "true" } } },
            workers: { placement: { nodeSelector: { "karpenter.sh/nodepool": "dask-workers" }, tolerations: [spot] } },
            jupyter: { placement: { nodeSelector: { "karpenter.sh/capacity-type": "on-demand" } } },
        });
        const scheduler = (await applyTransforms(chart, renderedScheduler("pl"))).spec.template;
        assert.deepEqual(scheduler.spec.nodeSelector, { "karpenter.sh/capacity-type": "on-demand" });
        assert.deepEqual(scheduler.metadata.annotations, { "karpenter.sh/do-not-disrupt": "true" });
        assert.equal(scheduler.spec.tolerations, undefined);
        for (const deployment of [renderedWorker("pl"), renderedWorker("pl", "highmem")]) {
            const worker = (await applyTransforms(chart, deployment)).spec.template;
            assert.deepEqual(worker.spec.nodeSelector, { "karpenter.sh/nodepool": "dask-workers" });
            assert.deepEqual(worker.spec.tolerations, [spot]);
            assert.equal(worker.metadata, undefined, "no annotations asked for");
        }
        const jupyter = (await applyTransforms(chart, renderedDeployment("pl-jupyter", []))).spec.template.spec;
        assert.deepEqual(jupyter.nodeSelector, { "karpenter.sh/capacity-type": "on-demand" });

        // A node selector from the chart values (the escape hatch) wins on its key; a toleration already there is not repeated.
        const rendered = renderedWorker("pl") as any;
        rendered.spec.template.spec.nodeSelector = { "karpenter.sh/nodepool": "gpu" };
        rendered.spec.template.spec.tolerations = [spot];
        const overridden = (await applyTransforms(chart, rendered)).spec.template.spec;
        assert.deepEqual(overridden.nodeSelector, { "karpenter.sh/nodepool": "gpu" });
        assert.deepEqual(overridden.tolerations, [spot]);

        const plain = (await deploy("unplaced", { fullname: "up" })).chart;
        const unplaced = (await applyTransforms(plain, renderedScheduler("up"))).spec.template;
        assert.equal(unplaced.spec.nodeSelector, undefined);
        assert.equal(unplaced.metadata, undefined);
        assert.equal((await applyTransforms(plain, renderedDeployment("up-jupyter", []))).spec.template.spec.nodeSelector, undefined);
    });

    it("creates the workers' own ServiceAccount, without an API token, before the chart, and names it in the chart values", async () => {
        const { cluster, chart } = await deploy("account", { fullname: "acc", workers: { serviceAccountName: "dask-worker" } });
        const account = find(registered, "kubernetes:core/v1:ServiceAccount", "account-worker-account");
        assert.deepEqual(account.inputs, {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "dask-worker", namespace: "dask" },
            automountServiceAccountToken: false,
        });
        assert.equal(chart.inputs.values.worker.serviceAccountName, "dask-worker");
        assert.ok(
            chart.dependencies.some((urn) => urn.endsWith("account-worker-account")),
            "pods never start before their ServiceAccount exists",
        );
        assert.equal(await promiseOf(cluster.workerServiceAccountName), "dask-worker");
        assert.equal(await promiseOf(cluster.jupyterServiceAccountName), "dask-jupyter");
        const none = await deploy("no-account", { fullname: "noacc", jupyter: { enabled: false } });
        assert.equal(none.chart.inputs.values.worker.serviceAccountName, undefined);
        assert.equal(registered.filter((r) => r.name === "no-account-worker-account").length, 0);
        assert.equal(await promiseOf(none.cluster.workerServiceAccountName), undefined);
        assert.equal(await promiseOf(none.cluster.jupyterServiceAccountName), undefined);
    });

    it("limits voluntary worker disruptions with a PodDisruptionBudget on the chart's worker selector", async () => {
        await deploy("budget", { fullname: "bud", workers: { maxUnavailable: 1 } });
        const budget = find(registered, "kubernetes:policy/v1:PodDisruptionBudget", "budget-worker-budget");
        assert.deepEqual(budget.inputs.metadata, { name: "bud-worker", namespace: "dask" });
        assert.deepEqual(budget.inputs.spec, { maxUnavailable: 1, selector: { matchLabels: { app: "dask", release: "bud", component: "worker" } } });
        await deploy("no-budget", { fullname: "nobud" });
        assert.equal(registered.filter((r) => r.name === "no-budget-worker-budget").length, 0);
    });

    it("follows an explicit entrypoints setting for tags without a version", async () => {
        const { chart } = await deploy("custom", { image: { tag: "nightly-abc123", entrypoints: "subcommand" } });
        assert.deepEqual((await applyTransforms(chart, renderedWorker("dask"))).spec.template.spec.containers[0].args.slice(0, 2), ["dask", "worker"]);
    });

    it("with workers.autoscaling: a ScaledObject (or a CPU HPA) on its own worker Deployment, which it applies without spec.replicas", async () => {
        const manual = (await deploy("manual", { workers: { replicas: 2 } })).chart;
        assert.equal(manual.inputs.values.worker.replicas, 2, "the chart gets the configured count");
        const rendered = renderedWorker("dask");
        assert.equal((await applyTransforms(manual, rendered)).spec.replicas, rendered.spec.replicas, "and the transform leaves it alone");
        assert.equal(
            registered.filter((r) => r.type === "daskk8s:index:WorkerAutoscaler" && r.name === "manual-workers").length,
            0,
            "no autoscaler without autoscaling",
        );
        const { chart: auto, cluster } = await deploy("auto", {
            namespace: "team",
            fullname: "tw",
            workers: { autoscaling: { minReplicas: 2, maxReplicas: 6 } },
        });
        const worker = await applyTransforms(auto, renderedWorker("tw"));
        assert.equal("replicas" in worker.spec, false);
        assert.equal((await applyTransforms(auto, renderedScheduler("tw"))).spec.replicas, 1, "the scheduler keeps its single replica");
        const autoscaler = find(registered, "daskk8s:index:WorkerAutoscaler", "auto-workers");
        assert.match(autoscaler.parent, /daskk8s:index:DaskCluster::auto$/);
        // The default metric: the scheduler's adaptive target, through KEDA, from its Service in the cluster's namespace.
        const scaledObject = find(registered, "kubernetes:keda.sh/v1alpha1:ScaledObject", "auto-workers-scaler");
        assert.deepEqual(scaledObject.inputs.metadata, { name: "tw-worker", namespace: "team" });
        assert.deepEqual(scaledObject.inputs.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "tw-worker" });
        assert.deepEqual([scaledObject.inputs.spec.minReplicaCount, scaledObject.inputs.spec.maxReplicaCount], [2, 6]);
        assert.equal(scaledObject.inputs.spec.triggers[0].metadata.url, "http://tw-scheduler.team.svc:80/api/v1/adaptive_target");
        assert.equal(await promiseOf(cluster.workerAutoscalerName), "keda-hpa-tw-worker");
        const { cluster: onCpu } = await deploy("cpu", { namespace: "cpu", workers: { autoscaling: { metric: "cpu", minReplicas: 2, maxReplicas: 6 } } });
        const hpa = find(registered, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "cpu-workers-hpa");
        assert.deepEqual(hpa.inputs.metadata, { name: "dask-worker", namespace: "cpu" });
        assert.deepEqual([hpa.inputs.spec.minReplicas, hpa.inputs.spec.maxReplicas], [2, 6]);
        assert.equal(await promiseOf(onCpu.workerAutoscalerName), "dask-worker");
        assert.equal(await promiseOf((await deploy("manual2", { fullname: "m2", namespace: "m2" })).cluster.workerAutoscalerName), undefined);
    });

    it("adds loadBalancerSourceRanges to LoadBalancer Services, which the chart cannot", async () => {
        const { chart, cluster } = await deploy("lb", {
            fullname: "lbdask",
            scheduler: { service: { type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.0/24"] } },
            jupyter: { service: { type: "LoadBalancer", loadBalancerSourceRanges: ["198.51.100.7/32"] } },
        });
        assert.equal(chart.inputs.values.scheduler.serviceType, "LoadBalancer");
        assert.deepEqual((await applyTransforms(chart, renderedService("lbdask-scheduler", "LoadBalancer"))).spec.loadBalancerSourceRanges, ["203.0.113.0/24"]);
        assert.deepEqual((await applyTransforms(chart, renderedService("lbdask-jupyter", "LoadBalancer"))).spec.loadBalancerSourceRanges, ["198.51.100.7/32"]);
        assert.equal((await applyTransforms(chart, renderedService("other", "LoadBalancer"))).spec.loadBalancerSourceRanges, undefined);
        assert.equal((await promiseOf(cluster.dashboard)).type, "LoadBalancer");
        const lb = await applyTransforms(chart, renderedService("lbdask-scheduler", "LoadBalancer"));
        assert.equal(lb.metadata.annotations, undefined, "a LoadBalancer keeps the wait for its address");
    });

    it("spares ClusterIP and NodePort Services the provider's endpoint wait; Deployments keep their readiness wait", async () => {
        const { chart } = await deploy("waits", { fullname: "wt" });
        for (const type of ["ClusterIP", "NodePort"]) {
            const service = await applyTransforms(chart, renderedService("wt-scheduler", type));
            assert.deepEqual(service.metadata, { name: "wt-scheduler", annotations: { "pulumi.com/skipAwait": "true" } }, type);
        }
        const worker = await applyTransforms(chart, renderedWorker("wt"));
        assert.equal(worker.metadata.annotations?.["pulumi.com/skipAwait"], undefined);
    });
});

describe("DaskCluster secret environment", () => {
    it("keeps secret variables in one Kubernetes Secret per consumer and only references them from the chart values", async () => {
        const { chart } = await deploy("senv", {
            workers: { env: { MODE: "batch" }, secretEnv: { API_TOKEN: pulumi.secret("tok-123456"), DB_PASSWORD: "pw-abcdef" } },
            jupyter: { password: pulumi.secret("correct horse battery"), secretEnv: { NOTEBOOK_TOKEN: "nb-987654" } },
        });
        const workerSecret = find(registered, "kubernetes:core/v1:Secret", "senv-worker-env");
        assert.deepEqual(workerSecret.inputs.metadata, { name: "dask-worker-env", namespace: "dask" });
        assert.deepEqual(secretInput(workerSecret.inputs.stringData), { API_TOKEN: "tok-123456", DB_PASSWORD: "pw-abcdef" });
        const jupyterSecret = find(registered, "kubernetes:core/v1:Secret", "senv-jupyter-env");
        assert.deepEqual(secretInput(jupyterSecret.inputs.stringData), { NOTEBOOK_TOKEN: "nb-987654" });
        const values = chart.inputs.values;
        for (const plain of ["tok-123456", "pw-abcdef", "nb-987654"]) {
            assert.ok(!JSON.stringify(values).includes(plain), `${plain} is not in the chart values`);
        }
        const ref = (secret: string, key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: secret, key } } });
        const workerRefs = [ref("dask-worker-env", "API_TOKEN"), ref("dask-worker-env", "DB_PASSWORD")];
        assert.deepEqual(values.worker.env, [{ name: "MODE", value: "batch" }, ...workerRefs]);
        assert.deepEqual(values.jupyter.env.slice(-1), [ref("dask-jupyter-env", "NOTEBOOK_TOKEN")]);
        // Each Secret's resourceVersion, right after the variables read from
        // it (where earlier versions had it in the values: no pod restarts on upgrade).
        const revision = { name: "DASKK8S_SECRET_ENV_REVISION", value: await revisionOf("senv", { API_TOKEN: "tok-123456", DB_PASSWORD: "pw-abcdef" }) };
        const jupyterRevision = { name: "DASKK8S_SECRET_ENV_REVISION", value: await revisionOf("senv", { NOTEBOOK_TOKEN: "nb-987654" }) };
        const worker = await resolved(await applyTransforms(chart, renderedDeployment("dask-worker", values.worker.env)));
        // The pod address for the retirement hook comes last (workerRetirement.ts).
        const podIp = { name: "DASKK8S_POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } };
        assert.deepEqual(worker.spec.template.spec.containers[0].env, [{ name: "MODE", value: "batch" }, ...workerRefs, revision, podIp]);
        const jupyter = await resolved(await applyTransforms(chart, renderedDeployment("dask-jupyter", values.jupyter.env)));
        assert.deepEqual(jupyter.spec.template.spec.containers[0].env.slice(-4), [
            { name: "JUPYTER_PASSWORD_HASH", valueFrom: { secretKeyRef: { name: "dask-jupyter-login", key: "hash" } } },
            {
                name: "JUPYTER_LOGIN_REVISION",
                value: await revisionOf("senv", {
                    hash: secretInput(find(registered, "kubernetes:core/v1:Secret", "senv-jupyter-login").inputs.stringData).hash,
                }),
            },
            ref("dask-jupyter-env", "NOTEBOOK_TOKEN"),
            jupyterRevision,
        ]);
        const scheduler = await applyTransforms(chart, renderedDeployment("dask-scheduler", values.scheduler.env));
        assert.ok(!JSON.stringify(scheduler).includes("REVISION"), "the scheduler reads no Secret and gets no revision");
        assert.ok(!values.scheduler.env.some((e: { name: string }) => e.name === "API_TOKEN"), "the scheduler gets none of them");
    });

    it("creates no Secret without secret variables", async () => {
        await deploy("nosenv", { jupyter: { password: pulumi.secret("correct horse battery") } });
        assert.deepEqual(
            registered.filter((r) => r.name.startsWith("nosenv-") && r.name.endsWith("-env")).map((r) => r.name),
            [],
        );
    });

    const cases: [string, DaskClusterArgs, string][] = [
        [
            "a name that is no variable",
            { workers: { secretEnv: { "API-TOKEN": "x" } } },
            'workers.secretEnv.API-TOKEN ("API-TOKEN") must be an environment variable name',
        ],
        [
            "a variable in env and secretEnv",
            { workers: { env: { TOKEN: "a" }, secretEnv: { TOKEN: "b" } } },
            "workers.secretEnv.TOKEN (secret) is also set in workers.env.TOKEN",
        ],
        [
            "a variable the component sets",
            { jupyter: { secretEnv: { JUPYTER_PASSWORD_HASH: "x" } } },
            "jupyter.secretEnv.JUPYTER_PASSWORD_HASH (secret) is set by the component itself",
        ],
        ["a package variable", { workers: { secretEnv: { EXTRA_PIP_PACKAGES: "x" } } }, "workers.secretEnv.EXTRA_PIP_PACKAGES (secret) is set from packages"],
        [
            "Jupyter variables with Jupyter off",
            { jupyter: { enabled: false, secretEnv: { T: "x" } } },
            "jupyter.enabled (false) is false, yet jupyter.password, jupyter.service or jupyter.secretEnv is set",
        ],
    ];
    for (const [title, args, message] of cases) {
        it(`rejects ${title}, never echoing the value`, () => {
            const before = registered.length;
            assert.throws(
                () => new DaskCluster(`bad-senv-${title.replace(/\W+/g, "-")}`, args),
                (err: unknown) => {
                    assert.ok(err instanceof InvalidArgsError);
                    assert.ok(err.message.includes(message), `expected "${message}" in:\n${err.message}`);
                    assert.ok(!/"(x|b)"/.test(err.message), err.message);
                    return true;
                },
            );
            assert.equal(registered.length, before, "nothing was registered");
        });
    }
});

describe("DaskCluster argument errors (thrown before anything is registered)", () => {
    const cases: [string, DaskClusterArgs, string][] = [
        [
            "negative replicas",
            { workers: { replicas: -1 } },
            "workers.replicas (-1) must be a whole number from 0 to 2147483647 (the largest Kubernetes accepts)",
        ],
        ["empty tag", { image: { tag: "" } }, 'image.tag ("") must be a non-empty image tag'],
        [
            "the namespace's default ServiceAccount for the workers",
            { workers: { serviceAccountName: "default" } },
            'workers.serviceAccountName ("default") names a ServiceAccount that exists already',
        ],
        [
            "a ServiceAccount name with capitals",
            { workers: { serviceAccountName: "Dask" } },
            'workers.serviceAccountName ("Dask") must be a DNS-1123 subdomain',
        ],
        ["a disruption budget of no worker", { workers: { maxUnavailable: 0 } }, "workers.maxUnavailable (0) must be a whole number from 1"],
        [
            "a node selector key with spaces",
            { workers: { placement: { nodeSelector: { "capacity type": "spot" } } } },
            'workers.placement.nodeSelector.capacity type ("capacity type") must be a label key',
        ],
        [
            "a toleration with a value and operator Exists",
            { scheduler: { placement: { tolerations: [{ key: "a", operator: "Exists", value: "b" }] } } },
            'scheduler.placement.tolerations[0] ({"key":"a","operator":"Exists","value":"b"}) must not set value with operator Exists',
        ],
        [
            "an unknown toleration effect",
            { jupyter: { placement: { tolerations: [{ key: "a", effect: "NoRun" as any }] } } },
            'jupyter.placement.tolerations[0].effect ("NoRun") must be one of "NoSchedule", "PreferNoSchedule", "NoExecute"',
        ],
        ["latest tag", { image: { tag: "latest" } }, 'image.tag ("latest") must be a pinned version'],
        ["tag without version", { image: { tag: "nightly" } }, "set image.entrypoints"],
        [
            "public scheduler without ranges",
            { scheduler: { service: { type: "LoadBalancer" } } },
            "scheduler.service.loadBalancerSourceRanges (unset) must list the CIDR blocks",
        ],
        [
            "a cluster's own namespace, to be created",
            { namespace: "default" },
            'namespace ("default") is a namespace every cluster has: set createNamespace to false',
        ],
        ["kube-system, to be created", { namespace: "kube-system", createNamespace: true }, 'namespace ("kube-system") is a namespace every cluster has'],
        [
            "bad CIDR",
            { scheduler: { service: { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/33"] } } },
            'scheduler.service.loadBalancerSourceRanges[0] ("10.0.0.0/33") must be a CIDR block',
        ],
        [
            "an IPv6 range that is no address",
            { jupyter: { service: { type: "LoadBalancer", loadBalancerSourceRanges: ["2001:db8::/32", "::::/999"] } } },
            'jupyter.service.loadBalancerSourceRanges[1] ("::::/999") must be a CIDR block',
        ],
        [
            "an IPv6 prefix beyond 128 bits",
            { jupyter: { service: { type: "LoadBalancer", loadBalancerSourceRanges: ["2001:db8::/129"] } } },
            'jupyter.service.loadBalancerSourceRanges[0] ("2001:db8::/129") must be a CIDR block',
        ],
        [
            "ranges without LoadBalancer",
            { jupyter: { service: { type: "NodePort", loadBalancerSourceRanges: ["10.0.0.0/8"] } } },
            "only applies when jupyter.service.type is LoadBalancer",
        ],
        [
            "unknown service type",
            { scheduler: { service: { type: "Ingress" as never } } },
            'scheduler.service.type ("Ingress") must be one of "ClusterIP", "NodePort", "LoadBalancer"',
        ],
        ["pip spec with a space", { packages: { pip: ["dask-ml; rm -rf /"] } }, 'packages.pip[0] ("dask-ml; rm -rf /") must be a pip requirement'],
        ["pip option", { packages: { pip: ["--upgrade"] } }, 'packages.pip[0] ("--upgrade") must be a pip requirement'],
        ["conda list not a list", { packages: { conda: "numba" as never } }, 'packages.conda ("numba") must be a list'],
        ["apt uppercase", { packages: { apt: ["GraphViz"] } }, 'packages.apt[0] ("GraphViz") must be a Debian package name'],
        ["channels without packages", { packages: { condaChannels: ["conda-forge"] } }, "only applies with packages.conda"],
        [
            "request above limit",
            { workers: { resources: { requests: { memory: "8Gi" }, limits: { memory: "4Gi" } } } },
            'workers.resources.requests.memory ("8Gi") must not exceed workers.resources.limits.memory (4Gi)',
        ],
        ["zero CPU request", { workers: { resources: { requests: { cpu: "0" } } } }, 'workers.resources.requests.cpu ("0") must be above 0'],
        ["bad quantity", { workers: { resources: { limits: { cpu: "two" } } } }, 'workers.resources.limits.cpu ("two") must be a Kubernetes quantity'],
        ["package env by hand", { workers: { env: { EXTRA_PIP_PACKAGES: "x" } } }, 'workers.env.EXTRA_PIP_PACKAGES ("x") is set from packages'],
        ["chart default password", { jupyter: { password: "dask" } }, "jupyter.password (secret) must not be the chart's public default password"],
        ["short password", { jupyter: { password: "abc" } }, "must be at least 8 characters"],
        ["bad namespace", { namespace: "Dask_NS" }, 'namespace ("Dask_NS") must be a DNS-1123 label'],
        ["missing local chart", { chart: { path: "/nonexistent/dask.tgz" } }, 'chart.path ("/nonexistent/dask.tgz") must be an existing chart'],
        ["path with version", { chart: { path: LOCAL_DASK_CHART, version: "2024.1.1" } }, "cannot be combined with chart.repository or chart.version"],
        ["version range", { chart: { version: "^2024.1.0" } }, 'chart.version ("^2024.1.0") must be an exact chart version'],
        ["replicas while autoscaled", { workers: { autoscaling: {}, replicas: 2 } }, "workers.replicas (2) has no effect while workers.autoscaling is on"],
        [
            "autoscaling min above max",
            { workers: { autoscaling: { minReplicas: 4 } } },
            "workers.autoscaling.minReplicas (4) must not exceed workers.autoscaling.maxReplicas (3)",
        ],
        ["disabled Jupyter with password", { jupyter: { enabled: false, password: "long enough pw" } }, "jupyter.enabled (false) is false"],
    ];
    for (const [title, args, message] of cases) {
        it(`rejects ${title}`, () => {
            const before = registered.length;
            assert.throws(
                () => new DaskCluster(`bad-${title.replace(/\W+/g, "-")}`, args),
                (err: unknown) => {
                    assert.ok(err instanceof InvalidArgsError);
                    assert.ok(err.message.includes(message), `expected "${message}" in:\n${err.message}`);
                    return true;
                },
            );
            assert.equal(registered.length, before, "nothing was registered");
        });
    }

    it("refuses a second cluster with the same namespace and fullname on one Kubernetes cluster, before registering it", async () => {
        fresh();
        new DaskCluster("first", { jupyter: { enabled: false } });
        new DaskCluster("other-fullname", { fullname: "dask2", createNamespace: false, jupyter: { enabled: false } });
        new DaskCluster("other-namespace", { namespace: "analytics", jupyter: { enabled: false } });
        const before = registered.length;
        assert.throws(
            () => new DaskCluster("second", { jupyter: { enabled: false } }),
            (err: Error) => {
                assert.ok(err instanceof InvalidArgsError);
                assert.equal(
                    err.message,
                    'DaskCluster "second" has invalid arguments:\n  fullname ("dask") is already used in namespace "dask" of the same cluster by ' +
                        'DaskCluster "first": the two would share their objects (login Secret, Services, autoscaler); give each its own namespace or fullname',
                );
                return true;
            },
        );
        assert.equal(registered.length, before, "nothing was registered");
        const elsewhere = new k8s.Provider("elsewhere", { kubeconfig: "{}" });
        new DaskCluster("same-names-other-cluster", { jupyter: { enabled: false } }, { providers: [elsewhere] });
        await settle();
    });

    it("refuses a second cluster that would create the same namespace, and lets it deploy into it instead", async () => {
        fresh();
        new DaskCluster("ns-owner", { namespace: "shared", jupyter: { enabled: false } });
        assert.throws(
            () => new DaskCluster("ns-second", { namespace: "shared", fullname: "other", jupyter: { enabled: false } }),
            (err: Error) =>
                err.message.includes(
                    'createNamespace (true) would create namespace "shared", which DaskCluster "ns-owner" creates on the same cluster: set createNamespace to false on this one',
                ),
        );
        new DaskCluster("ns-guest", { namespace: "shared", fullname: "guest", createNamespace: false, jupyter: { enabled: false } });
        await settle();
    });

    it("never echoes a rejected password", () => {
        assert.throws(
            () => new DaskCluster("pwleak", { jupyter: { password: "short" } }),
            (err: Error) => !err.message.includes('short"'),
        );
    });

    it("lists every problem at once", () => {
        assert.throws(
            () => new DaskCluster("many", { workers: { replicas: -2, threads: 0 }, image: { tag: "" } }),
            (err: InvalidArgsError) => err.issues.length === 3,
        );
    });
});
