/**
 * MetricsServer in chart mode, on a cluster that has no metrics server yet
 * (the lifecycle suite's cluster has one, so the stack uses `existing` mode
 * there and leaves that cluster's APIService alone).
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { KubeconfigTarget } from "../../components/cluster/KubeconfigTarget";
import { MetricsServer } from "../../components/scaling/MetricsServer";
import { CHARTS, bareCluster, run, toolEnv } from "./harness";

const STACK = "it-metrics-chart";
let kubeconfigPath: string;
let stack: Stack;

const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", kubeconfigPath, ...args]);
const kubectlJson = async (...args: string[]) => JSON.parse(await kubectl(...args, "-o", "json"));

describe("MetricsServer chart mode on a cluster without one", { timeout: 15 * 60_000 }, () => {
    before(async () => {
        await bareCluster("up");
        kubeconfigPath = (await bareCluster("kubeconfig")).trim();
        stack = await LocalWorkspace.createOrSelectStack(
            {
                stackName: STACK,
                projectName: "daskk8s-metrics-server",
                program: async () => {
                    const target = new KubeconfigTarget("cluster", { kubeconfigPath });
                    const server = new MetricsServer(
                        "metrics-server",
                        {
                            chart: { path: path.join(CHARTS, "metrics-server-3.13.1.tgz") },
                            kubeletInsecureTls: true,
                        },
                        { providers: [target.provider] },
                    );
                    return { apiServiceName: server.apiServiceName, mode: server.mode };
                },
            },
            { envVars: toolEnv() as Record<string, string> },
        );
    });

    after(async () => {
        await stack?.destroy().catch(() => undefined);
        await stack?.workspace.removeStack(STACK, { force: true }).catch(() => undefined);
        await bareCluster("down");
    });

    it("deploys the chart's objects and registers the metrics API served by them", async () => {
        await assert.rejects(kubectl("get", "apiservice", "v1beta1.metrics.k8s.io"), /NotFound/, "the cluster starts without a metrics API");
        const result = await stack.up();
        assert.equal(result.summary.result, "succeeded");
        assert.equal(result.outputs.apiServiceName.value, "v1beta1.metrics.k8s.io");
        const deployment = await kubectlJson("-n", "kube-system", "get", "deployment", "metrics-server");
        assert.equal(deployment.status.availableReplicas, 1);
        assert.ok(deployment.spec.template.spec.containers[0].args.includes("--kubelet-insecure-tls"));
        const apiService = await kubectlJson("get", "apiservice", "v1beta1.metrics.k8s.io", "--show-managed-fields");
        assert.deepEqual(apiService.spec.service, { name: "metrics-server", namespace: "kube-system", port: 443 });
        assert.ok(
            apiService.metadata.managedFields.some((f: { manager: string }) => /pulumi/.test(f.manager)),
            "applied by Pulumi",
        );
        for (const kind of ["serviceaccount", "service", "clusterrole", "clusterrolebinding"]) {
            assert.match(await kubectl("get", kind, "-A", "-o", "name"), /metrics-server/, `${kind} created`);
        }
    });

    it("removes the metrics API again on destroy", async () => {
        const result = await stack.destroy();
        assert.equal(result.summary.result, "succeeded");
        await assert.rejects(kubectl("get", "apiservice", "v1beta1.metrics.k8s.io"), /NotFound/);
        await assert.rejects(kubectl("-n", "kube-system", "get", "deployment", "metrics-server"), /NotFound/);
    });
});
