/**
 * Upgrading a stack across a change of its resource layout: the worker
 * autoscaler moved from a top-level WorkerAutoscaler "workers" into
 * DaskCluster (`workers.autoscaling`). The stack program's aliases must keep
 * the live HPA: no create, delete or replacement, the same object afterwards.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { CHARTS, cluster, kubeconfig, kubectlJson, namespaceGone, observe, removeStack, stackWithConfig, toolEnv, writeStackConfig } from "./harness";

const STACK = "it-upgrade";
const NAMESPACE = "it-upgrade";
const PREVIOUS_LAYOUT = path.join(__dirname, "upgrade-program");

describe("upgrading a stack whose autoscaler was a top-level WorkerAutoscaler", { timeout: 15 * 60_000 }, () => {
    let config: Record<string, unknown>;
    let current: Stack;

    before(async () => {
        await cluster("up");
        await removeStack(STACK);
        const kubeconfigPath = await kubeconfig();
        const context = (parse(fs.readFileSync(kubeconfigPath, "utf8")) as { "current-context": string })["current-context"];
        config = {
            "daskk8s:target": "existing",
            "daskk8s:kubeconfig": { kubeconfigPath, context },
            "daskk8s:dask": { namespace: NAMESPACE, chart: { path: path.join(CHARTS, "dask-2024.1.1.tgz") }, jupyter: { enabled: false } },
            "daskk8s:metricsServer": { mode: "existing" },
            // The earlier layout scaled on CPU; a stack upgrading from it keeps that metric.
            "daskk8s:autoscaling": { metric: "cpu", targetCpuUtilization: 70 },
        };
        writeStackConfig(STACK, config);
    });

    after(async () => {
        await current?.destroy(observe(STACK)).catch(() => undefined);
        await removeStack(STACK).catch(() => undefined);
        await namespaceGone(NAMESPACE).catch(() => undefined);
        fs.rmSync(path.join(PREVIOUS_LAYOUT, `Pulumi.${STACK}.yaml`), { force: true });
    });

    it("keeps the HPA the earlier layout created: the preview changes no resource's existence, the update keeps the object", async () => {
        const previous = await LocalWorkspace.createOrSelectStack(
            { stackName: STACK, workDir: PREVIOUS_LAYOUT },
            { envVars: toolEnv() as Record<string, string> },
        );
        await previous.setAllConfig({
            kubeconfig: { value: JSON.stringify(config["daskk8s:kubeconfig"]) },
            dask: { value: JSON.stringify({ namespace: NAMESPACE, chart: { path: path.join(CHARTS, "dask-2024.1.1.tgz") } }) },
        });
        const up = await previous.up(observe(STACK));
        assert.equal(up.summary.result, "succeeded");
        const before = await kubectlJson("-n", NAMESPACE, "get", "hpa", "dask-worker");

        current = await stackWithConfig(STACK, config);
        const events: EngineEvent[] = [];
        await current.preview({ ...observe(STACK, events), diff: true });
        const steps = events.flatMap((e) => (e.resourcePreEvent ? [e.resourcePreEvent.metadata] : []));
        const hpaSteps = steps.filter((s) => s.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
        assert.deepEqual(
            hpaSteps.map((s) => [s.op, s.urn.split("::").slice(-1)[0]]),
            [["same", "dask-workers-hpa"]],
        );
        const existenceChanges = steps.filter((s) => !["same", "update", "refresh"].includes(s.op));
        assert.deepEqual(
            existenceChanges.map((s) => `${s.op} ${s.urn}`),
            [],
            "nothing created, deleted or replaced",
        );

        const update = await current.up(observe(STACK));
        assert.equal(update.summary.result, "succeeded");
        assert.equal(update.summary.resourceChanges?.create ?? 0, 0);
        assert.equal(update.summary.resourceChanges?.delete ?? 0, 0);
        const after = await kubectlJson("-n", NAMESPACE, "get", "hpa", "dask-worker");
        assert.equal(after.metadata.uid, before.metadata.uid, "the same HPA object");
        await current.preview({ ...observe(STACK), expectNoChanges: true });
    });
});
