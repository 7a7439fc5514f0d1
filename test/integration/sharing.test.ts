/**
 * Components that would share a cluster's objects, in one program run by the
 * real engine against the live control plane: refused before anything is
 * registered. Two Dask clusters in two namespaces of one program work.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { CHARTS, cluster, kubeconfig, kubectl, kubectlJson, namespaceGone, observe, toolEnv } from "./harness";

/** A program of its own (sharing-program/index.ts), run by the real engine. */
const PROGRAM = path.join(__dirname, "sharing-program");

async function programStack(stackName: string, scenario: string): Promise<Stack> {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: PROGRAM }, { envVars: toolEnv() as Record<string, string> });
    await stack.setAllConfig({
        scenario: { value: scenario },
        kubeconfigPath: { value: await kubeconfig() },
        chartPath: { value: path.join(CHARTS, "dask-2024.1.1.tgz") },
    });
    return stack;
}

describe("components that would share a cluster's objects", { timeout: 15 * 60_000 }, () => {
    const stacks: Stack[] = [];

    before(async () => {
        await cluster("up");
        for (const ns of ["it-share-a", "it-share-b"]) {
            await kubectl("delete", "namespace", ns, "--ignore-not-found", "--wait=true");
        }
    });

    after(async () => {
        for (const stack of stacks) {
            await stack.destroy(observe(stack.name)).catch(() => undefined);
            await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
        }
    });

    it("refuses a second DaskCluster with the same namespace and fullname when the program runs", async () => {
        const stack = await programStack("it-share-dask", "same-dask-names");
        stacks.push(stack);
        await assert.rejects(
            stack.preview(observe(stack.name)),
            /DaskCluster "second" has invalid arguments:\s+fullname \("dask"\) is already used in namespace "it-share-a" of the same cluster by DaskCluster "first"/,
        );
    });

    it("refuses a second chart-mode MetricsServer on the same cluster when the program runs", async () => {
        const stack = await programStack("it-share-metrics", "two-metrics-servers");
        stacks.push(stack);
        await assert.rejects(
            stack.preview(observe(stack.name)),
            /MetricsServer "three" has invalid arguments:\s+mode \("chart"\) deploys a second metrics server on the cluster where MetricsServer "two" deploys one/,
        );
    });

    it("deploys two Dask clusters in two namespaces of one program, each with its own objects", async () => {
        const stack = await programStack("it-share-two", "two-namespaces");
        stacks.push(stack);
        assert.equal((await stack.up(observe(stack.name))).summary.result, "succeeded");
        for (const ns of ["it-share-a", "it-share-b"]) {
            const deployments = await kubectlJson("-n", ns, "get", "deployments");
            assert.deepEqual(deployments.items.map((d: any) => d.metadata.name).sort(), ["dask-scheduler", "dask-worker"], ns);
        }
        assert.equal((await stack.destroy(observe(stack.name))).summary.result, "succeeded");
        await namespaceGone("it-share-a", 120_000);
        await namespaceGone("it-share-b", 120_000);
    });
});
