import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { applyTransforms, find, installMocks, promiseOf, settle } from "../mocks";
import * as k8s from "@pulumi/kubernetes";
import { MetricsServer, MetricsServerArgs } from "../../components/scaling/MetricsServer";
import { InvalidArgsError } from "../../components/common/validation";

const registered = installMocks();
const LOCAL_CHART = path.join(__dirname, "..", "fixtures", "charts", "metrics-server-3.13.1.tgz");

describe("MetricsServer", () => {
    it("deploys metrics-server 3.13.1 into kube-system with kubelet TLS verified by default", async () => {
        const server = new MetricsServer("ms-default", {});
        await settle();
        const chart = find(registered, "kubernetes:helm.sh/v4:Chart", "ms-default-chart");
        assert.equal(chart.inputs.chart, "metrics-server");
        assert.equal(chart.inputs.version, "3.13.1");
        assert.deepEqual(chart.inputs.repositoryOpts, { repo: "https://kubernetes-sigs.github.io/metrics-server/" });
        assert.equal(chart.inputs.namespace, "kube-system");
        assert.deepEqual(chart.inputs.values, { fullnameOverride: "metrics-server", args: [] });
        assert.equal(await promiseOf(server.mode), "chart");
        assert.equal(await promiseOf(server.apiServiceName), "v1beta1.metrics.k8s.io");
    });

    it("marks the chart's APIService as this stack's, spares its Service the endpoint wait, and leaves its Deployment alone", async () => {
        installMocks("daskk8s", "minikube", registered); // a program of its own: one chart-mode server per cluster
        new MetricsServer("ms-marked", {});
        await settle();
        const chart = find(registered, "kubernetes:helm.sh/v4:Chart", "ms-marked-chart");
        const apiService = { apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", metadata: { name: "v1beta1.metrics.k8s.io", labels: { app: "m" } } };
        assert.deepEqual((await applyTransforms(chart, apiService)).metadata, {
            name: "v1beta1.metrics.k8s.io",
            labels: { app: "m" },
            annotations: { "daskk8s.io/owner": "organization/daskk8s/minikube" },
        });
        const service = { apiVersion: "v1", kind: "Service", metadata: { name: "metrics-server" }, spec: { type: "ClusterIP" } };
        assert.deepEqual((await applyTransforms(chart, service)).metadata, { name: "metrics-server", annotations: { "pulumi.com/skipAwait": "true" } });
        const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "metrics-server" } };
        assert.deepEqual(await applyTransforms(chart, deployment), deployment, "the Deployment keeps its readiness wait");
    });

    it("adds --kubelet-insecure-tls only when asked (minikube) and merges values", async () => {
        installMocks("daskk8s", "test", registered); // a program of its own: one chart-mode server per cluster
        new MetricsServer("ms-minikube", { kubeletInsecureTls: true, chart: { path: LOCAL_CHART }, values: { replicas: 2 } });
        await settle();
        const chart = find(registered, "kubernetes:helm.sh/v4:Chart", "ms-minikube-chart");
        assert.equal(chart.inputs.chart, LOCAL_CHART);
        assert.deepEqual(chart.inputs.values, { fullnameOverride: "metrics-server", args: ["--kubelet-insecure-tls"], replicas: 2 });
    });

    it("deploys nothing in existing mode, where the cluster's own server answers", async () => {
        const before = registered.length;
        const server = new MetricsServer("ms-existing", { mode: "existing" });
        await settle();
        assert.deepEqual(
            registered.slice(before).map((r) => r.type),
            ["daskk8s:index:MetricsServer"],
        );
        assert.equal(await promiseOf(server.mode), "existing");
    });

    it("refuses a second chart-mode server on the same cluster before registering it, and allows one per cluster", () => {
        installMocks("daskk8s", "test", registered);
        const provider = (name: string) => new k8s.Provider(name, { kubeconfig: "{}" });
        const [a, b] = [provider("cluster-a"), provider("cluster-b")];
        new MetricsServer("ms-one", {}, { providers: [a] });
        new MetricsServer("ms-other-cluster", {}, { providers: [b] });
        new MetricsServer("ms-marker", { mode: "existing" }, { providers: [a] });
        const before = registered.length;
        assert.throws(
            () => new MetricsServer("ms-two", { chart: { path: LOCAL_CHART } }, { providers: [a] }),
            (err: Error) => {
                assert.ok(err instanceof InvalidArgsError);
                assert.match(
                    err.message,
                    /^MetricsServer "ms-two" has invalid arguments:\n {2}mode \("chart"\) deploys a second metrics server on the cluster where MetricsServer "ms-one" deploys one/,
                );
                return true;
            },
        );
        assert.equal(registered.length, before, "nothing was registered");
    });

    const cases: [string, MetricsServerArgs, string][] = [
        ["an unknown mode", { mode: "addon" as never }, 'mode ("addon") must be one of "chart", "existing"'],
        ["chart settings in existing mode", { mode: "existing", kubeletInsecureTls: true }, 'kubeletInsecureTls (true) only applies when mode is "chart"'],
        ["a missing local chart", { chart: { path: "/nope/metrics-server.tgz" } }, 'chart.path ("/nope/metrics-server.tgz") must be an existing chart'],
        ["a bad namespace", { namespace: "Kube System" }, 'namespace ("Kube System") must be a DNS-1123 label'],
    ];
    for (const [title, args, message] of cases) {
        it(`rejects ${title}`, () => {
            assert.throws(
                () => new MetricsServer("ms-bad", args),
                (err: Error) => err instanceof InvalidArgsError && err.message.includes(message),
            );
        });
    }
});
