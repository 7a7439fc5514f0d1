import { after, describe, it, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Registered, applyTransforms, find, installMocks, promiseOf, secretInput, settle } from "./mocks";
import { stackFileConfig, writeKubeconfig } from "./stackConfig";
import { FakeApiServer, startFakeApiServer } from "./fakeApiServer";
import { stringify } from "yaml";

type Program = Record<string, pulumi.Output<any> | undefined>;

/**
 * Runs `run` while the stack file of `stack` (which no committed stack uses)
 * stores the given values encrypted: the program reads which values are
 * secret from there. The decrypted values go to setAllConfig as usual.
 */
async function withSecureValues<T>(stack: string, securePaths: string[], run: () => Promise<T>): Promise<T> {
    // Under mocks the program's root directory is the placeholder "rootDirectory" (relative to the test's directory).
    installMocks("daskk8s", stack);
    const dir = path.resolve(pulumi.getRootDirectory());
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    assert.ok(!fs.existsSync(dir), `${dir} must not exist`);
    fs.mkdirSync(dir);
    const nest = (keyPath: string) =>
        keyPath
            .split(".")
            .reverse()
            .reduce<unknown>((inner, key) => ({ [key]: inner }), { secure: "v1:test" });
    fs.writeFileSync(file, stringify({ config: Object.assign({}, ...securePaths.map(nest)) }));
    try {
        return await run();
    } finally {
        fs.rmSync(dir, { recursive: true });
    }
}
const METRICS_API_PATH = "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io";
const EXTERNAL_METRICS_API_PATH = "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.external.metrics.k8s.io";

/** Runs index.ts as `pulumi up --stack <stack>` would, against mocks. */
async function runProgram(stack: string, config: Record<string, string>): Promise<{ registered: Registered[]; outputs: Program }> {
    pulumi.runtime.setAllConfig(config);
    const registered = installMocks("daskk8s", stack);
    const entry = require.resolve("../index");
    delete require.cache[entry];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const outputs = await (require(entry) as () => Promise<Program>)();
    await settle();
    return { registered, outputs };
}

/** Runs index.ts expecting it to fail; returns the error and what was registered before it. */
async function runFailing(stack: string, config: Record<string, string>): Promise<{ error: Error; registered: Registered[] }> {
    pulumi.runtime.setAllConfig(config);
    const registered = installMocks("daskk8s", stack);
    const entry = require.resolve("../index");
    delete require.cache[entry];
    let error: Error | undefined;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        await (require(entry) as () => Promise<Program>)();
    } catch (err) {
        error = err as Error;
    }
    await settle();
    assert.ok(error, "the program failed");
    return { error, registered };
}

function renderedWorker() {
    return { kind: "Deployment", metadata: { name: "dask-worker" }, spec: { replicas: 3, template: { spec: { containers: [{ args: ["dask-worker"] }] } } } };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-program-"));
let api: FakeApiServer;
before(async () => {
    api = await startFakeApiServer();
    process.env.KUBECONFIG = writeKubeconfig(dir, ["minikube", "kwok-daskk8s"], api.url);
});
after(() => api.close());

describe("the program under Pulumi.minikube.yaml", () => {
    let registered: Registered[];
    let outputs: Program;
    before(async () => ({ registered, outputs } = await runProgram("minikube", stackFileConfig("minikube"))));

    it("targets the minikube context with a secret kubeconfig, and every Kubernetes object uses that provider", () => {
        const provider = find(registered, "pulumi:providers:kubernetes", "cluster-provider");
        assert.equal(provider.inputs.context, "minikube");
        const kubernetesObjects = registered.filter((r) => r.type.startsWith("kubernetes:"));
        assert.ok(kubernetesObjects.length >= 5);
        for (const r of kubernetesObjects) {
            assert.match(r.provider ?? "", /::cluster-provider::/, `${r.type} ${r.name} uses the target's provider`);
        }
    });

    it("exposes scheduler and Jupyter as NodePort with the stack's worker resources", () => {
        const values = find(registered, "kubernetes:helm.sh/v4:Chart", "dask-chart").inputs.values;
        assert.equal(values.scheduler.serviceType, "NodePort");
        assert.equal(values.jupyter.serviceType, "NodePort");
        assert.deepEqual(values.worker.resources, { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } });
    });

    it("deploys KEDA 2.20.2 into its own marked namespace, pulling images only when missing, without admission webhooks", () => {
        const chart = find(registered, "kubernetes:helm.sh/v4:Chart", "keda-chart");
        assert.deepEqual([chart.inputs.chart, chart.inputs.version, chart.inputs.repositoryOpts.repo], ["keda", "2.20.2", "https://kedacore.github.io/charts"]);
        assert.equal(chart.inputs.namespace, "keda");
        assert.deepEqual(chart.inputs.values, { image: { pullPolicy: "IfNotPresent" }, webhooks: { enabled: false } });
        const namespace = find(registered, "kubernetes:core/v1:Namespace", "keda-namespace");
        assert.deepEqual(namespace.inputs.metadata, { name: "keda", annotations: { "daskk8s.io/owner": "organization/daskk8s/minikube" } });
        assert.deepEqual(chart.dependencies, ["urn:pulumi:minikube::daskk8s::daskk8s:index:Keda$kubernetes:core/v1:Namespace::keda-namespace"]);
        assert.equal(namespace.inputs.metadata.name, "keda");
    });

    it("deploys metrics-server with --kubelet-insecure-tls", () => {
        assert.deepEqual(find(registered, "kubernetes:helm.sh/v4:Chart", "metrics-server-chart").inputs.values.args, ["--kubelet-insecure-tls"]);
    });

    it("autoscales the chart's worker Deployment 1-3 on the scheduler's target through DaskCluster and KEDA, without writing replicas", async () => {
        const autoscaler = find(registered, "daskk8s:index:WorkerAutoscaler", "dask-workers");
        assert.match(autoscaler.parent, /::daskk8s:index:DaskCluster::dask$/);
        // The engine runs the stack's transforms; here they run by hand.
        let opts: pulumi.ResourceOptions = {};
        for (const transform of find(registered, "daskk8s:index:DaskCluster", "dask").transforms) {
            opts = (await transform({ custom: false, type: "daskk8s:index:WorkerAutoscaler", name: "dask-workers", props: {}, opts }))?.opts ?? opts;
        }
        assert.deepEqual(opts.aliases, [{ name: "workers", parent: pulumi.rootStackResource }]);
        const scaledObject = find(registered, "kubernetes:keda.sh/v1alpha1:ScaledObject", "dask-workers-scaler");
        assert.deepEqual(scaledObject.inputs.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "dask-worker" });
        assert.deepEqual([scaledObject.inputs.spec.minReplicaCount, scaledObject.inputs.spec.maxReplicaCount], [1, 3]);
        assert.equal(scaledObject.inputs.spec.triggers[0].metadata.url, "http://dask-scheduler.dask.svc:80/api/v1/adaptive_target");
        // Only the ScaledObject waits for KEDA's chart, not the Dask chart.
        const daskNamespace = "urn:pulumi:minikube::daskk8s::daskk8s:index:DaskCluster$kubernetes:core/v1:Namespace::dask-namespace";
        assert.deepEqual(scaledObject.dependencies, [
            daskNamespace,
            "urn:pulumi:minikube::daskk8s::daskk8s:index:Keda$kubernetes:helm.sh/v4:Chart::keda-chart",
        ]);
        assert.deepEqual(find(registered, "kubernetes:helm.sh/v4:Chart", "dask-chart").dependencies, [daskNamespace]);
        const chart = find(registered, "kubernetes:helm.sh/v4:Chart", "dask-chart");
        assert.equal("replicas" in (await applyTransforms(chart, renderedWorker())).spec, false);
    });

    it("exports the in-cluster scheduler address, endpoints and a secret Jupyter password", async () => {
        assert.equal(await promiseOf(outputs.schedulerAddress!), "tcp://dask-scheduler.dask.svc.cluster.local:8786");
        assert.equal(await promiseOf(outputs.workerDeploymentName!), "dask-worker");
        assert.equal((await promiseOf(outputs.dashboard!)).type, "NodePort");
        assert.equal(await pulumi.isSecret(outputs.jupyterPassword!), true);
        assert.equal(await promiseOf(outputs.autoscalerName!), "keda-hpa-dask-worker");
        assert.equal(await promiseOf(outputs.kedaMode!), "chart");
        assert.equal(await pulumi.isSecret(outputs.kubeconfig!), true);
        assert.deepEqual(await promiseOf(outputs.cluster!), { type: "kubeconfig", context: "minikube" });
    });
});

describe("the program under Pulumi.local.yaml", () => {
    let registered: Registered[];
    before(async () => ({ registered } = await runProgram("local", stackFileConfig("local"))));

    it("targets the local cluster's context and uses its metrics server instead of deploying one", () => {
        assert.equal(find(registered, "pulumi:providers:kubernetes", "cluster-provider").inputs.context, "kwok-daskk8s");
        assert.deepEqual(
            registered
                .filter((r) => r.type === "kubernetes:helm.sh/v4:Chart")
                .map((r) => r.name)
                .sort(),
            ["dask-chart", "keda-chart"],
            "no metrics-server chart",
        );
        assert.ok(find(registered, "kubernetes:keda.sh/v1alpha1:ScaledObject", "dask-workers-scaler"));
    });

    it("runs KEDA on the real node too", () => {
        const values = find(registered, "kubernetes:helm.sh/v4:Chart", "keda-chart").inputs.values;
        assert.deepEqual(values.nodeSelector, { "daskk8s.io/node": "real" });
        assert.deepEqual(values.tolerations, [{ key: "daskk8s.io/real-node", operator: "Equal", value: "true", effect: "NoSchedule" }]);
        assert.equal(values.image.pullPolicy, "IfNotPresent", "the component's own values stay");
    });

    it("places scheduler, workers and Jupyter on the real node (its label, tolerating its taint) as NodePorts", () => {
        const values = find(registered, "kubernetes:helm.sh/v4:Chart", "dask-chart").inputs.values;
        for (const part of ["scheduler", "worker", "jupyter"]) {
            assert.deepEqual(values[part].nodeSelector, { "daskk8s.io/node": "real" }, part);
            assert.deepEqual(values[part].tolerations, [{ key: "daskk8s.io/real-node", operator: "Equal", value: "true", effect: "NoSchedule" }], part);
        }
        assert.equal(values.scheduler.serviceType, "NodePort");
        assert.equal(values.jupyter.serviceType, "NodePort");
        assert.equal(values.worker.image.repository, "ghcr.io/dask/dask", "the values escape hatch keeps the component's own values");
    });
});

describe("the program under Pulumi.dev.yaml", () => {
    let registered: Registered[];
    let outputs: Program;
    before(async () => ({ registered, outputs } = await runProgram("dev", stackFileConfig("dev"))));

    it("creates an EKS Auto Mode cluster with Dask's node pools and uses its provider", async () => {
        assert.equal(find(registered, "eks:index:Cluster", "cluster-cluster").inputs.autoMode.enabled, true);
        assert.equal(registered.filter((r) => r.type === "eks:index:ManagedNodeGroup").length, 0);
        const workers = find(registered, "kubernetes:karpenter.sh/v1:NodePool", "cluster-dask-workers");
        assert.deepEqual(workers.inputs.spec.template.spec.requirements[0].values, ["spot"]);
        assert.deepEqual(workers.inputs.spec.limits, { cpu: "64", memory: "256Gi" });
        assert.match(find(registered, "kubernetes:helm.sh/v4:Chart", "dask-chart").provider ?? "", /::cluster-provider::/);
        assert.equal((await promiseOf(outputs.cluster!)).nodeAutoscaling, "auto-mode");
    });

    it("places the rendered Dask pods on the pools: scheduler and notebook on-demand and undisrupted, workers on Spot one at a time", async () => {
        const chart = find(registered, "kubernetes:helm.sh/v4:Chart", "dask-chart");
        const deployment = (name: string) => ({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name },
            spec: { template: { metadata: { labels: { app: "dask" } }, spec: { containers: [{ name, args: [] }] } } },
        });
        const scheduler = (await applyTransforms(chart, deployment("dask-scheduler"))).spec.template;
        assert.deepEqual(scheduler.spec.nodeSelector, { "karpenter.sh/nodepool": "dask-core" });
        assert.equal(scheduler.metadata.annotations["karpenter.sh/do-not-disrupt"], "true");
        const jupyter = (await applyTransforms(chart, deployment("dask-jupyter"))).spec.template;
        assert.deepEqual(jupyter.spec.nodeSelector, { "karpenter.sh/nodepool": "dask-core" });
        const worker = (await applyTransforms(chart, deployment("dask-worker"))).spec.template.spec;
        assert.deepEqual(worker.nodeSelector, { "karpenter.sh/nodepool": "dask-workers" });
        assert.deepEqual(worker.tolerations, [{ key: "daskk8s.io/workers", value: "true", effect: "NoSchedule", operator: "Equal" }]);
        assert.equal(find(registered, "kubernetes:policy/v1:PodDisruptionBudget", "dask-worker-budget").inputs.spec.maxUnavailable, 1);
        assert.equal(find(registered, "aws:eks/addon:Addon", "cluster-metrics-server").inputs.addonName, "metrics-server");
        assert.equal(registered.filter((r) => r.name === "metrics-server-chart").length, 0, "the add-on is the metrics server");
    });

    it("puts scheduler and Jupyter behind LoadBalancers limited to the configured ranges", async () => {
        const chart = find(registered, "kubernetes:helm.sh/v4:Chart", "dask-chart");
        assert.equal(chart.inputs.values.scheduler.serviceType, "LoadBalancer");
        const service = await applyTransforms(chart, { kind: "Service", metadata: { name: "dask-scheduler" }, spec: { type: "LoadBalancer" } });
        assert.deepEqual(service.spec.loadBalancerSourceRanges, ["203.0.113.0/24"]);
    });

    it("exports a secret kubeconfig and the cluster's identity", async () => {
        assert.equal(await pulumi.isSecret(outputs.kubeconfig!), true);
        const cluster = await promiseOf(outputs.cluster!);
        assert.equal(cluster.type, "eks");
        assert.equal(cluster.name, "dask-eks-1234");
        assert.match(cluster.oidcProviderArn, /oidc-provider/);
    });
});

describe("the program on EKS with S3 access", () => {
    it("binds the workers' own ServiceAccount and the notebook's to the buckets before any Dask pod starts", async () => {
        const config = { ...stackFileConfig("dev"), "daskk8s:eks": JSON.stringify({ s3Access: [{ bucket: "raw-data" }] }) };
        const { registered, outputs } = await runProgram("dev-s3", config);
        const associations = registered.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation");
        assert.deepEqual(
            associations.map((a) => [a.inputs.namespace, a.inputs.serviceAccount]),
            [
                ["dask", "dask-worker"],
                ["dask", "dask-jupyter"],
            ],
        );
        const chart = find(registered, "kubernetes:helm.sh/v4:Chart", "dask-chart");
        assert.equal(chart.inputs.values.worker.serviceAccountName, "dask-worker");
        for (const link of ["s3-access-buckets", "s3-access-dask-worker", "s3-access-dask-jupyter"]) {
            assert.ok(
                chart.dependencies.some((urn) => urn.endsWith(`::${link}`)),
                `the chart, so every Dask pod, waits for ${link}: ${chart.dependencies.join(", ")}`,
            );
        }
        assert.equal((await promiseOf(outputs.cluster!)).s3AccessRoleArn, "arn:aws:iam::123456789012:role/s3-access-role");
    });
});

describe("the program with bad config", () => {
    it("fails before registering any resource", async () => {
        const config = { ...stackFileConfig("minikube"), "daskk8s:autoscaling": JSON.stringify({ minReplicas: 4, maxReplicas: 2 }) };
        const { error, registered } = await runFailing("minikube", config);
        assert.match(
            error.message,
            /Pulumi\.minikube\.yaml[\s\S]*daskk8s:autoscaling\.minReplicas \(4\) must not exceed daskk8s:autoscaling\.maxReplicas \(2\)/,
        );
        assert.deepEqual(
            registered.map((r) => r.name),
            [],
        );
    });

    it("refuses a secret inside daskk8s:dask before registering any resource, never echoing it", async () => {
        const config = { ...stackFileConfig("minikube"), "daskk8s:dask": JSON.stringify({ workers: { env: { API_TOKEN: "tok-in-dask-1" } } }) };
        const { error, registered } = await withSecureValues("unit-secrets", ["daskk8s:dask.workers.env.API_TOKEN"], () => runFailing("unit-secrets", config));
        assert.match(
            error.message,
            /daskk8s:dask\.workers\.env\.API_TOKEN \(secret\) holds a value set with --secret[\s\S]*secrets go in daskk8s:jupyterPassword and daskk8s:secretEnv only/,
        );
        assert.ok(!error.message.includes("tok-in-dask-1"));
        assert.deepEqual(
            registered.map((r) => r.name),
            [],
        );
    });

    it("refuses to create a namespace that exists and is not this stack's, before registering any resource", async () => {
        api.namespaces.set("team-a", { metadata: { name: "team-a" } });
        const config = { ...stackFileConfig("minikube"), "daskk8s:dask": JSON.stringify({ namespace: "team-a" }) };
        const { error, registered } = await runFailing("minikube", config);
        assert.match(
            error.message,
            /Pulumi\.minikube\.yaml[\s\S]*daskk8s:dask\.namespace \("team-a"\) already exists in context minikube and was not created by this stack[\s\S]*deploy into it with daskk8s:dask\.createNamespace false/,
        );
        assert.deepEqual(
            registered.map((r) => r.name),
            [],
        );
    });

    it("refuses to install metrics-server where the cluster serves the metrics API already, before registering any resource", async () => {
        api.objects.set(METRICS_API_PATH, {
            metadata: { name: "v1beta1.metrics.k8s.io" },
            spec: { service: { namespace: "kube-system", name: "metrics-server" } },
        });
        try {
            const { error, registered } = await runFailing("minikube", stackFileConfig("minikube"));
            assert.match(
                error.message,
                /daskk8s:metricsServer\.mode \("chart"\) would install a second metrics server: context minikube already serves v1beta1\.metrics\.k8s\.io from the Service kube-system\/metrics-server, not marked as this stack's \(.*kubectl annotate apiservice v1beta1\.metrics\.k8s\.io daskk8s\.io\/owner=organization\/daskk8s\/minikube.*\); .* Set daskk8s:metricsServer\.mode to "existing" to use the cluster's/,
            );
            assert.deepEqual(
                registered.map((r) => r.name),
                [],
            );
            // Installed by this stack: its own, kept on every run.
            api.objects.set(METRICS_API_PATH, { metadata: { annotations: { "daskk8s.io/owner": "organization/daskk8s/minikube" } }, spec: {} });
            await runProgram("minikube", stackFileConfig("minikube"));
        } finally {
            api.objects.delete(METRICS_API_PATH);
        }
    });
});

describe("the program where KEDA's cluster-wide objects belong to someone else", () => {
    it("refuses to install KEDA where another adapter serves the external metrics API, or its namespace is not the stack's", async () => {
        api.objects.set(EXTERNAL_METRICS_API_PATH, {
            metadata: { name: "v1beta1.external.metrics.k8s.io" },
            spec: { service: { namespace: "monitoring", name: "prometheus-adapter" } },
        });
        api.namespaces.set("keda", { metadata: { name: "keda" } });
        try {
            const { error, registered } = await runFailing("minikube", stackFileConfig("minikube"));
            assert.match(
                error.message,
                /daskk8s:keda\.mode \("chart"\) would install a second external metrics adapter \(KEDA's\): context minikube already serves v1beta1\.external\.metrics\.k8s\.io from the Service monitoring\/prometheus-adapter, not marked as this stack's .* Set daskk8s:keda\.mode to "existing" to use the cluster's/,
            );
            assert.match(
                error.message,
                /daskk8s:keda\.namespace \("keda"\) already exists in context minikube and was not created by this stack[\s\S]*daskk8s:keda\.createNamespace false/,
            );
            assert.deepEqual(
                registered.map((r) => r.name),
                [],
            );
            // Marked as this stack's: its own, kept on every run; with the CPU metric nothing of KEDA is checked or deployed.
            const mine = { "daskk8s.io/owner": "organization/daskk8s/minikube" };
            api.objects.set(EXTERNAL_METRICS_API_PATH, { metadata: { annotations: mine }, spec: {} });
            api.namespaces.set("keda", { metadata: { name: "keda", annotations: mine } });
            await runProgram("minikube", stackFileConfig("minikube"));
            api.objects.delete(EXTERNAL_METRICS_API_PATH);
            api.namespaces.delete("keda");
            const values = stackFileConfig("minikube");
            delete values["daskk8s:keda"];
            const before = api.requests.length;
            const cpu = await runProgram("minikube", { ...values, "daskk8s:autoscaling": JSON.stringify({ metric: "cpu", maxReplicas: 3 }) });
            assert.ok(!api.requests.slice(before).some((r) => r.path.includes("external.metrics") || r.path.endsWith("/keda")));
            assert.deepEqual(
                cpu.registered.filter((r) => r.type.startsWith("daskk8s:index:Keda") || r.name.startsWith("keda")),
                [],
            );
            assert.ok(find(cpu.registered, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "dask-workers-hpa"));
            // KEDA set in the stack file stays deployed with the CPU metric, and the HPA does not wait for it.
            const both = await runProgram("minikube", { ...stackFileConfig("minikube"), "daskk8s:autoscaling": JSON.stringify({ metric: "cpu" }) });
            assert.ok(find(both.registered, "kubernetes:helm.sh/v4:Chart", "keda-chart"));
            const hpa = find(both.registered, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "dask-workers-hpa");
            assert.ok(!hpa.dependencies.some((urn) => urn.includes("Keda")), hpa.dependencies.join(", "));
        } finally {
            api.objects.delete(EXTERNAL_METRICS_API_PATH);
            api.namespaces.delete("keda");
        }
    });
});

describe("the program with other settings", () => {
    it("deploys into an existing namespace with createNamespace false, without asking the cluster about it, and creates no namespace", async () => {
        const before = api.requests.length;
        const config = { ...stackFileConfig("minikube"), "daskk8s:dask": JSON.stringify({ namespace: "team-a", createNamespace: false }) };
        const { registered } = await runProgram("minikube", config);
        assert.deepEqual(
            api.requests.slice(before).map((r) => r.path),
            [METRICS_API_PATH, EXTERNAL_METRICS_API_PATH, "/api/v1/namespaces/keda"],
        );
        assert.deepEqual(
            registered.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.name),
            ["keda-namespace"],
        );
    });

    it("marks the namespace it creates with the stack, after checking it is free", async () => {
        const before = api.requests.length;
        const { registered } = await runProgram("minikube", stackFileConfig("minikube"));
        assert.deepEqual(
            api.requests.slice(before).map((r) => r.path),
            ["/api/v1/namespaces/dask", METRICS_API_PATH, EXTERNAL_METRICS_API_PATH, "/api/v1/namespaces/keda"],
        );
        const namespace = find(registered, "kubernetes:core/v1:Namespace", "dask-namespace");
        assert.deepEqual(namespace.inputs.metadata, { name: "dask", annotations: { "daskk8s.io/owner": "organization/daskk8s/minikube" } });
    });

    it("hands kubeconfig.adoptExisting to everything on the cluster: each object is applied with force", async () => {
        const kubeconfig = JSON.parse(stackFileConfig("minikube")["daskk8s:kubeconfig"] ?? "{}");
        const config = { ...stackFileConfig("minikube"), "daskk8s:kubeconfig": JSON.stringify({ ...kubeconfig, adoptExisting: true }) };
        const { registered } = await runProgram("minikube", config);
        const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "dask-worker", annotations: { a: "b" } } };
        // Transforms of a component apply to everything below it (the charts' objects too).
        for (const [type, name] of [
            ["daskk8s:index:DaskCluster", "dask"],
            ["daskk8s:index:MetricsServer", "metrics-server"],
        ]) {
            const component = find(registered, type, name);
            assert.deepEqual((await applyTransforms(component, deployment)).metadata.annotations, { a: "b", "pulumi.com/patchForce": "true" }, name);
        }
        const plain = await runProgram("minikube", stackFileConfig("minikube"));
        assert.deepEqual(find(plain.registered, "daskk8s:index:MetricsServer", "metrics-server").transforms, [], "off by default");
    });

    it("carries daskk8s:secretEnv into a Kubernetes Secret the workers reference", async () => {
        const config = { ...stackFileConfig("minikube"), "daskk8s:secretEnv": JSON.stringify({ workers: { API_TOKEN: "tok-env-1" } }) };
        const { registered } = await withSecureValues("unit-secrets", ["daskk8s:secretEnv.workers.API_TOKEN"], () => runProgram("unit-secrets", config));
        const secret = find(registered, "kubernetes:core/v1:Secret", "dask-worker-env");
        assert.deepEqual(secretInput(secret.inputs.stringData), { API_TOKEN: "tok-env-1" });
        const chart = find(registered, "kubernetes:helm.sh/v4:Chart", "dask-chart");
        assert.ok(!JSON.stringify(chart.inputs.values).includes("tok-env-1"));
        assert.ok(chart.inputs.values.worker.env.some((e: { name: string; valueFrom?: unknown }) => e.name === "API_TOKEN" && e.valueFrom !== undefined));
    });

    it("uses a secret Jupyter password from config", async () => {
        const config = { ...stackFileConfig("minikube"), "daskk8s:jupyterPassword": "correct horse battery" };
        const { registered, outputs } = await withSecureValues("unit-secrets", ["daskk8s:jupyterPassword"], () => runProgram("unit-secrets", config));
        assert.equal(registered.filter((r) => r.name === "dask-jupyter-password").length, 0);
        assert.equal(await promiseOf(outputs.jupyterPassword!), "correct horse battery");
        assert.equal(await pulumi.isSecret(outputs.jupyterPassword!), true);
    });
});
