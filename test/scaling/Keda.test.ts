import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { applyTransforms, find, installMocks, promiseOf, settle } from "../mocks";
import { Keda, KedaArgs } from "../../components/scaling/Keda";
import { InvalidArgsError } from "../../components/common/validation";

const registered = installMocks();
const LOCAL_CHART = path.join(__dirname, "..", "fixtures", "charts", "keda-2.20.2.tgz");
const CHART = "kubernetes:helm.sh/v4:Chart";
const NAMESPACE = "kubernetes:core/v1:Namespace";

describe("Keda", () => {
    it("deploys keda 2.20.2 into its own namespace, marked as the stack's, with images pulled only when missing and no admission webhooks", async () => {
        installMocks("daskk8s", "minikube", registered);
        const keda = new Keda("keda-default", {});
        await settle();
        const chart = find(registered, CHART, "keda-default-chart");
        assert.deepEqual(
            [chart.inputs.chart, chart.inputs.version, chart.inputs.repositoryOpts],
            ["keda", "2.20.2", { repo: "https://kedacore.github.io/charts" }],
        );
        assert.deepEqual([chart.inputs.name, chart.inputs.namespace], ["keda", "keda"]);
        assert.deepEqual(chart.inputs.values, { image: { pullPolicy: "IfNotPresent" }, webhooks: { enabled: false } });
        const namespace = find(registered, NAMESPACE, "keda-default-namespace");
        assert.deepEqual(namespace.inputs.metadata, { name: "keda", annotations: { "daskk8s.io/owner": "organization/daskk8s/minikube" } });
        assert.deepEqual(chart.dependencies, ["urn:pulumi:minikube::daskk8s::daskk8s:index:Keda$kubernetes:core/v1:Namespace::keda-default-namespace"]);
        assert.equal(await promiseOf(keda.mode), "chart");
        assert.equal(await promiseOf(keda.namespace), "keda");
        assert.equal(await promiseOf(keda.ready), true);
    });

    it("marks the external metrics APIService as the stack's and spares its Services the endpoint wait", async () => {
        installMocks("daskk8s", "minikube", registered);
        new Keda("keda-marked", {});
        await settle();
        const chart = find(registered, CHART, "keda-marked-chart");
        const apiService = { apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", metadata: { name: "v1beta1.external.metrics.k8s.io" } };
        assert.deepEqual((await applyTransforms(chart, apiService)).metadata.annotations, { "daskk8s.io/owner": "organization/daskk8s/minikube" });
        const service = { apiVersion: "v1", kind: "Service", metadata: { name: "keda-operator-metrics-apiserver" }, spec: { type: "ClusterIP" } };
        assert.deepEqual((await applyTransforms(chart, service)).metadata.annotations, { "pulumi.com/skipAwait": "true" });
    });

    it("installs a local chart into an existing namespace, merging values over its own", async () => {
        installMocks("daskk8s", "test", registered);
        const before = registered.length;
        new Keda("keda-local", { chart: { path: LOCAL_CHART }, namespace: "autoscalers", createNamespace: false, values: { webhooks: { enabled: true } } });
        await settle();
        const chart = find(registered, CHART, "keda-local-chart");
        assert.equal(chart.inputs.chart, LOCAL_CHART);
        assert.equal(chart.inputs.namespace, "autoscalers");
        assert.deepEqual(chart.inputs.values, { image: { pullPolicy: "IfNotPresent" }, webhooks: { enabled: true } });
        assert.deepEqual(
            registered.slice(before).filter((r) => r.type === NAMESPACE),
            [],
        );
        assert.deepEqual(chart.dependencies, []);
    });

    it("deploys nothing in existing mode, where the cluster runs KEDA already, and is ready at once", async () => {
        const before = registered.length;
        const keda = new Keda("keda-existing", { mode: "existing" });
        await settle();
        assert.deepEqual(
            registered.slice(before).map((r) => r.type),
            ["daskk8s:index:Keda"],
        );
        assert.equal(await promiseOf(keda.ready), true);
        assert.equal(await promiseOf(keda.namespace), undefined);
    });

    it("refuses a second chart-mode KEDA on the same cluster before registering it, and allows one per cluster", () => {
        installMocks("daskk8s", "test", registered);
        const provider = (name: string) => new k8s.Provider(name, { kubeconfig: "{}" });
        const [a, b] = [provider("keda-cluster-a"), provider("keda-cluster-b")];
        new Keda("keda-one", {}, { providers: [a] });
        new Keda("keda-other-cluster", {}, { providers: [b] });
        new Keda("keda-marker", { mode: "existing" }, { providers: [a] });
        const before = registered.length;
        assert.throws(
            () => new Keda("keda-two", { namespace: "keda2" }, { providers: [a] }),
            (err: Error) => {
                assert.ok(err instanceof InvalidArgsError);
                assert.match(
                    err.message,
                    /^Keda "keda-two" has invalid arguments:\n {2}mode \("chart"\) deploys a second KEDA on the cluster where Keda "keda-one" deploys one/,
                );
                return true;
            },
        );
        assert.equal(registered.length, before, "nothing registered");
    });

    const cases: [string, KedaArgs, string][] = [
        ["an unknown mode", { mode: "operator" as never }, 'mode ("operator") must be one of "chart", "existing"'],
        ["a namespace that is no DNS label", { namespace: "KEDA" }, 'namespace ("KEDA") must be a DNS-1123 label'],
        [
            "chart values without the chart",
            { mode: "existing", values: {} },
            'values (set) only applies when mode is "chart" (it is "existing": nothing is deployed)',
        ],
        ["a namespace without the chart", { mode: "existing", createNamespace: false }, 'createNamespace (false) only applies when mode is "chart"'],
        [
            "a missing local chart",
            { chart: { path: "/nonexistent/keda.tgz" } },
            'chart.path ("/nonexistent/keda.tgz") must be an existing chart .tgz file or chart directory',
        ],
        ["a version range", { chart: { version: "^2.20" } }, 'chart.version ("^2.20") must be an exact chart version'],
    ];
    for (const [title, args, message] of cases) {
        it(`rejects ${title}`, () => {
            assert.throws(
                () => new Keda("keda-bad", args),
                (err: Error) => err instanceof InvalidArgsError && err.message.includes(message),
            );
        });
    }
});
