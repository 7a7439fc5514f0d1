/**
 * Dask-aware autoscaling on real pods (the real node): KEDA's operator and
 * metrics adapter (look-alike images built from KEDA's Go module) read the
 * scheduler's adaptive target, and the worker HPA KEDA makes follows it. A
 * large computation brings workers up; idle, they go back to the minimum or
 * to zero; workers being removed hand their results to the others, so a
 * persisted dataset survives the scale-down without recomputation, where
 * workers stopped without retirement lose it. The steps run in order and
 * share one stack.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import { Stack } from "@pulumi/pulumi/automation";
import { kubectl, kubectlJson, logFile, namespaceGone, observe, removeStack, stackWithConfig, waitFor } from "./harness";
import { realNodeCluster } from "./realNode";
import { DASK_NS as NS, autoscaling, dask, scalingConfig, workersSettledAt as settledAt } from "./daskScaling";

const STACK = "it-daskscaling";

let stack: Stack;
let config: Record<string, any>;
let metricName: string;
/** What the steps measured, printed at the end (docs/operations.md quotes them). */
const measured: Record<string, unknown> = {};

/** The workers the scheduler wants, as the API server serves it to the HPA (through KEDA's adapter). */
async function externalMetric(): Promise<string> {
    const query = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/${metricName}?labelSelector=scaledobject.keda.sh%2Fname%3Ddask-worker`;
    const answer = await waitFor("the external metrics API to answer", async () => JSON.parse(await kubectl("get", "--raw", query)), 120_000);
    return answer.items[0].value;
}

async function up(): Promise<void> {
    const result = await stack.up(observe(STACK));
    assert.equal(result.summary.result, "succeeded");
}

describe("Dask-aware autoscaling on real pods (KEDA, the real node)", { timeout: 45 * 60_000 }, () => {
    before(async () => {
        await realNodeCluster();
        await removeStack(STACK);
        fs.rmSync(logFile(STACK), { force: true });
        // The default metric (dask), workers retired through the scheduler (the default timeout).
        config = await scalingConfig("dask", 120);
        stack = await stackWithConfig(STACK, config);
    });

    after(async () => {
        console.log(`measured: ${JSON.stringify(measured)}`);
        if (process.env.DASKK8S_KEEP_STACKS !== "1") {
            await stack?.destroy(observe(STACK)).catch(() => undefined);
            await removeStack(STACK).catch(() => undefined);
        }
    });

    it("runs KEDA on the real node, which reaches the API server as on a real cluster and serves the scheduler's target to the HPA", async () => {
        await up();
        const keda = await kubectlJson("-n", "keda", "get", "pods");
        assert.deepEqual(keda.items.map((p: any) => p.metadata.name.replace(/-[a-z0-9]+-[a-z0-9]+$/, "")).sort(), [
            "keda-operator",
            "keda-operator-metrics-apiserver",
        ]);
        for (const pod of keda.items) {
            assert.equal(pod.spec.nodeName, "real-node");
        }
        // The operator read the ScaledObject and made the HPA through the API server.
        const scaledObject = await waitFor(
            "the ScaledObject to be Ready",
            async () => {
                const so = await kubectlJson("-n", NS, "get", "scaledobject", "dask-worker");
                return so.status?.conditions?.find((c: any) => c.type === "Ready")?.status === "True" ? so : undefined;
            },
            180_000,
        );
        const hpa = await kubectlJson("-n", NS, "get", "hpa", "keda-hpa-dask-worker");
        assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [1, 3]);
        assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "dask-worker" });
        // The API server asks KEDA's adapter, which asks the operator, which asks the scheduler: idle, it wants 0.
        metricName = scaledObject.status.externalMetricNames[0];
        assert.equal(await externalMetric(), "0");
        await settledAt(1, 180_000);
    });

    it("adds workers for a large computation, up to the maximum, and computes it right", async () => {
        const burst = await dask("burst", "720", "900");
        assert.deepEqual(burst.wrong, [], "every task's result is right");
        assert.equal(burst.most_workers, 3, `workers seen: ${JSON.stringify(burst.seconds_to_workers)}`);
        assert.equal(burst.workers_used, 3, "all three ran tasks");
        measured.secondsTo3WorkersFrom1 = burst.seconds_to_workers["3"];
        // Idle again, the scheduler wants none: back to the minimum.
        await settledAt(1, 300_000);
    });

    it("keeps a dataset persisted across the workers in memory while it scales down: retired workers hand it over, nothing is recomputed", async () => {
        const persisted = await dask("persist", "kept", "3", "3000");
        assert.equal(persisted.in_memory, persisted.keys);
        const holders = Object.keys(persisted.per_worker).length;
        assert.ok(holders >= 2, `spread over the workers: ${JSON.stringify(persisted.per_worker)}`);
        await settledAt(1, 300_000);
        const after = await dask("persisted", "kept");
        assert.equal(after.in_memory, after.keys, "every key is still in memory");
        assert.equal(Object.keys(after.per_worker).length, 1, "on the one worker left");
        assert.equal(after.recomputed, 0, "no key was computed again");
        assert.ok(Math.abs(after.sum - persisted.sum) < 1e-6 * Math.abs(persisted.sum));
        measured.keysRecomputedWithRetirement = after.recomputed;
    });

    it("previews no change after KEDA scaled up and down", async () => {
        const preview = await stack.preview({ ...observe(STACK), expectNoChanges: true });
        assert.deepEqual(
            Object.keys(preview.changeSummary).filter((op) => op !== "same"),
            [],
        );
    });

    it("scales to zero when idle, and starts workers again when work arrives", async () => {
        config["daskk8s:autoscaling"] = autoscaling("dask", 0);
        stack = await stackWithConfig(STACK, config);
        await up();
        assert.equal((await kubectlJson("-n", NS, "get", "scaledobject", "dask-worker")).spec.minReplicaCount, 0);
        // Dask never lets go of the last copy of data: while the dataset is kept, it wants its one worker.
        assert.equal(await externalMetric(), "1");
        await dask("forget", "kept");
        await settledAt(0, 300_000);
        const burst = await dask("burst", "60", "600");
        assert.deepEqual(burst.wrong, []);
        assert.equal(burst.seconds_to_workers["0"], 0, "no worker when the work arrived");
        assert.ok(burst.most_workers >= 1);
        measured.secondsToFirstWorkerFromZero = burst.seconds_to_workers["1"];
        measured.secondsForBurstFromZero = burst.seconds;
    });

    it("loses a persisted dataset's keys on a CPU scale-down without retirement: Dask recomputes them", async () => {
        config = await scalingConfig("cpu", 0);
        stack = await stackWithConfig(STACK, config);
        await up();
        const pod = (await kubectlJson("-n", NS, "get", "deployment", "dask-worker")).spec.template.spec;
        assert.equal(pod.containers[0].lifecycle, undefined, "no retirement hook");
        await waitFor(
            "KEDA's HPA to be gone",
            async () => ((await kubectl("-n", NS, "get", "hpa", "-o", "name")).includes("keda-hpa") ? undefined : true),
            120_000,
        );
        await settledAt(1, 300_000);
        const persisted = await dask("persist", "lost", "3", "3000");
        const holders = Object.keys(persisted.per_worker).length;
        assert.ok(holders >= 2, `spread over the workers: ${JSON.stringify(persisted.per_worker)}`);
        await settledAt(1, 300_000);
        const after = await dask("persisted", "lost");
        assert.equal(after.in_memory, after.keys, "all in memory again");
        // Lost: every copy of the key was on a stopped worker (summing the chunks copies some to one worker).
        const lost = Object.values(persisted.holders as Record<string, string[]>).filter((holders) =>
            holders.every((worker) => !(worker in after.per_worker)),
        ).length;
        assert.ok(lost > 0, `some keys were only on the stopped workers: ${JSON.stringify({ persisted: persisted.holders, after: after.per_worker })}`);
        assert.equal(after.recomputed, lost, "exactly the keys held only by the stopped workers were computed again");
        assert.ok(Math.abs(after.sum - persisted.sum) < 1e-6 * Math.abs(persisted.sum), "to the same values");
        measured.keysRecomputedWithoutRetirement = after.recomputed;
    });

    it("destroys everything, KEDA's cluster-wide objects too", async () => {
        const result = await stack.destroy(observe(STACK));
        assert.equal(result.summary.result, "succeeded");
        await namespaceGone(NS, 180_000);
        await namespaceGone("keda", 180_000);
        for (const gone of [
            ["apiservice", "v1beta1.external.metrics.k8s.io"],
            ["crd", "scaledobjects.keda.sh"],
        ]) {
            await assert.rejects(kubectl("get", ...gone), /NotFound/, `${gone.join(" ")} is gone`);
        }
        await removeStack(STACK);
    });
});
