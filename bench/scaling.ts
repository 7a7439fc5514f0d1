/**
 * Worker autoscaling on real pods (the real node, KEDA from the repo's
 * fixtures), side by side, the modes alternating within each run:
 *   dask:          `metric: dask` (KEDA, the scheduler's adaptive target),
 *                  workers retired through the scheduler (the defaults);
 *   cpu:           `metric: cpu` (the HPA at 70% CPU), workers stopped
 *                  without retirement (the tutorial's `kubectl autoscale`);
 *   cpu + retire:  `metric: cpu`, workers retired through the scheduler.
 * Each mode, from one idle worker: seconds from submitting 720 CPU-bound
 * tasks to 2 and to 3 workers, seconds for the whole computation and for the
 * workers to be back at one once idle; then a 4000x4000 array persisted
 * across three workers, the scale-down to one, and how many of its 64 keys
 * Dask had to compute again. Last, `metric: dask` with `minReplicas: 0`:
 * seconds from submitting work to an empty cluster to its first worker.
 * All modes share the scale-down pace (20 s window, 15 s periods).
 * Usage: npm run bench:scaling [-- RUNS]   (root; writes the "scaling"
 * section of bench/RESULTS.md)
 */
import { Stack } from "@pulumi/pulumi/automation";
import { removeStack, stackWithConfig, toolEnv } from "../test/integration/harness";
import { realNodeCluster } from "../test/integration/realNode";
import { autoscaling, dask, scalingConfig, workersSettledAt } from "../test/integration/daskScaling";
import { median, timed } from "./timing";
import { writeSection } from "./results";

const RUNS = Number(process.argv[2] ?? 2);
const STACK = "it-bench-scaling";
const SETTLE_MS = 600_000;

interface Mode {
    label: string;
    metric: "dask" | "cpu";
    retireTimeoutSeconds: number;
}
const MODES: Mode[] = [
    { label: "`metric: dask`, retirement on", metric: "dask", retireTimeoutSeconds: 120 },
    { label: "`metric: cpu`, no retirement", metric: "cpu", retireTimeoutSeconds: 0 },
    { label: "`metric: cpu`, retirement on", metric: "cpu", retireTimeoutSeconds: 120 },
];

interface Sample {
    to2: number;
    to3: number;
    burst: number;
    backTo1: number;
    recomputed: number;
}

async function deploy(config: Record<string, any>): Promise<Stack> {
    const stack = await stackWithConfig(STACK, config);
    const result = await stack.up({ color: "never" });
    if (result.summary.result !== "succeeded") {
        throw new Error(`pulumi up: ${result.summary.result}`);
    }
    return stack;
}

async function measure(mode: Mode): Promise<Sample> {
    await deploy(await scalingConfig(mode.metric, mode.retireTimeoutSeconds));
    await workersSettledAt(1, SETTLE_MS);
    const burst = await dask("burst", "720", "900");
    if (burst.wrong.length > 0 || burst.most_workers !== 3) {
        throw new Error(`${mode.label}: ${JSON.stringify(burst)}`);
    }
    const backTo1 = await timed(() => workersSettledAt(1, SETTLE_MS));
    const kept = await dask("persist", "bench", "3", "3000");
    await workersSettledAt(1, SETTLE_MS);
    const after = await dask("persisted", "bench");
    await dask("forget", "bench");
    if (after.in_memory !== after.keys || Math.abs(after.sum - kept.sum) > 1e-6 * Math.abs(kept.sum)) {
        throw new Error(`${mode.label}: the dataset came back wrong: ${JSON.stringify(after)}`);
    }
    return { to2: burst.seconds_to_workers["2"], to3: burst.seconds_to_workers["3"], burst: burst.seconds, backTo1, recomputed: after.recomputed };
}

async function fromZero(): Promise<number> {
    const config = await scalingConfig("dask", 120);
    config["daskk8s:autoscaling"] = autoscaling("dask", 0);
    await deploy(config);
    await workersSettledAt(0, SETTLE_MS);
    const burst = await dask("burst", "60", "600");
    if (burst.wrong.length > 0 || burst.seconds_to_workers["0"] !== 0) {
        throw new Error(`from zero: ${JSON.stringify(burst)}`);
    }
    return burst.seconds_to_workers["1"];
}

async function main(): Promise<void> {
    Object.assign(process.env, toolEnv());
    await realNodeCluster();
    await removeStack(STACK);
    const samples = new Map<Mode, Sample[]>(MODES.map((m) => [m, []]));
    const zero: number[] = [];
    try {
        for (let i = 0; i < RUNS; i++) {
            for (const mode of MODES) {
                const sample = await measure(mode);
                samples.get(mode)!.push(sample);
                console.log(`run ${i + 1}, ${mode.label}: ${JSON.stringify(sample)}`);
            }
            zero.push(await fromZero());
            console.log(`run ${i + 1}, from zero: ${zero[i]} s`);
        }
    } finally {
        const stack = await stackWithConfig(STACK, await scalingConfig("dask", 120));
        await stack.destroy({ color: "never" });
        await removeStack(STACK);
    }

    const cell = (values: number[], digits = 1) => `${median(values).toFixed(digits)} (${values.map((v) => v.toFixed(digits)).join(", ")})`;
    const base = samples.get(MODES[0])!;
    const ratio = (values: number[], of: (s: Sample) => number) => (median(values) / median(base.map(of))).toFixed(2);
    const rows = MODES.map((mode) => {
        const s = samples.get(mode)!;
        const to3 = s.map((x) => x.to3);
        return `| ${mode.label} | ${cell(s.map((x) => x.to2))} | ${cell(to3)} | ${ratio(to3, (x) => x.to3)}× | ${cell(s.map((x) => x.burst))} | ${cell(s.map((x) => x.backTo1))} | ${cell(
            s.map((x) => x.recomputed),
            0,
        )} of 64 |`;
    });
    const text = [
        "# Benchmark: worker autoscaling on real pods",
        "",
        `Measured by \`npm run bench:scaling -- ${RUNS}\` on ${new Date().toISOString().slice(0, 10)}: ${RUNS} runs on the local real node`,
        "(2 cores shared with the control plane; three 500m workers at most), the modes alternating within each run, medians",
        "with every run in brackets. From one idle worker, 720 tasks of about 0.2 s each are submitted at once; seconds to",
        "2 and 3 workers and for the whole computation are counted from the submission, and the ratio compares the time to 3",
        "workers with `metric: dask`'s. Then a 4000x4000 array is persisted across the three workers and the cluster idles",
        "back to one worker: the last column is how many of its 64 keys Dask had to compute again.",
        "",
        "| mode | s to 2 workers | s to 3 workers | ratio | s for the computation | s back to 1 worker | keys recomputed |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        ...rows,
        "",
        `Scale to zero (\`metric: dask\`, \`minReplicas: 0\`): ${cell(zero)} s from submitting work to an empty cluster to its`,
        "first worker (KEDA polls the scheduler every 5 s here; the default is 15 s).",
        "",
    ].join("\n");
    writeSection("scaling", text);
    console.log(text);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
