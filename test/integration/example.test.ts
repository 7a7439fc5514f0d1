/**
 * The components as a package: examples/typescript installs the daskk8s package
 * from its path (a packed copy, not the repository's sources) and deploys it
 * with its own provider.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { CHARTS, REPO, cluster, kubeconfig, kubectlJson, run, toolEnv } from "./harness";

const EXAMPLE = path.join(REPO, "examples", "typescript");
const STACK = "it-example";
let stack: Stack;

describe("the components installed as a package by another stack", { timeout: 15 * 60_000 }, () => {
    before(async () => {
        await cluster("up");
        await run("npm", ["run", "build", "--prefix", path.join(REPO, "components")]);
        await run("npm", ["ci", "--no-audit", "--no-fund", "--prefix", EXAMPLE], 600_000);
        stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir: EXAMPLE }, { envVars: toolEnv() as Record<string, string> });
        const kubeconfigPath = await kubeconfig();
        await stack.setAllConfig({
            kubeconfigPath: { value: kubeconfigPath },
            context: { value: "kwok-daskk8s" },
            daskChartPath: { value: path.join(CHARTS, "dask-2024.1.1.tgz") },
            kedaChartPath: { value: path.join(CHARTS, "keda-2.20.2.tgz") },
        });
    });

    after(async () => {
        await stack?.destroy().catch(() => undefined);
        await stack?.workspace.removeStack(STACK, { force: true }).catch(() => undefined);
    });

    it("uses the package's typed exports, not the repository's sources", async () => {
        const resolved = (await run("node", ["-p", "require.resolve('daskk8s')"], 60_000, {}, EXAMPLE)).trim();
        assert.equal(resolved, path.join(EXAMPLE, "node_modules", "daskk8s", "bin", "index.js"));
        const types = (await run("node", ["-p", "require('daskk8s/package.json').types"], 60_000, {}, EXAMPLE)).trim();
        assert.equal(types, "bin/index.d.ts");
    });

    it("deploys KEDA, a Dask cluster and its ScaledObject (after KEDA's CRDs) with the stack's own provider", async () => {
        const result = await stack.up();
        assert.equal(result.summary.result, "succeeded");
        assert.equal(result.outputs.schedulerAddress.value, "tcp://analytics-scheduler.analytics.svc.cluster.local:8786");
        const worker = await kubectlJson("-n", "analytics", "get", "deployment", "analytics-worker");
        assert.equal(worker.spec.template.spec.containers[0].resources.requests.cpu, "250m");
        // kwok's KEDA pods are simulated: the ScaledObject exists, no operator acts on it (daskAutoscaling.test.ts runs one).
        const scaledObject = await kubectlJson("-n", "analytics", "get", "scaledobject", "analytics-worker");
        assert.deepEqual([scaledObject.spec.minReplicaCount, scaledObject.spec.maxReplicaCount], [0, 4]);
        assert.equal(scaledObject.spec.triggers[0].metadata.url, "http://analytics-scheduler.analytics.svc:80/api/v1/adaptive_target");
        assert.equal(result.outputs.workerAutoscalerName.value, "keda-hpa-analytics-worker");
        const destroyed = await stack.destroy();
        assert.equal(destroyed.summary.result, "succeeded");
    });
});
