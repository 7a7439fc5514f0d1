/**
 * Side-by-side timings on the local kwok control plane (scripts/cluster.sh up):
 *   1. `pulumi up` from empty to ready vs the tutorial's manual path
 *      (`helm install --wait` of the same chart, then `kubectl autoscale`);
 *   2. a no-op `pulumi preview` vs `helm upgrade --dry-run` of that release;
 *   3. program start-up: the no-op preview transpile-only (the project's
 *      default, tsconfig noCheck) vs ts-node type checking on every run.
 * Each pair runs alternately RUNS times; the table gives medians and ratios.
 * Usage: npm run bench [-- RUNS]   (writes bench/RESULTS.md)
 */
import * as fs from "fs";
import * as path from "path";
import {
    CHARTS,
    REPO,
    cluster,
    helmInstallDask,
    kubectl,
    minikubeConfigHere,
    namespaceGone,
    removeStack,
    run,
    stackWithConfig,
    toolEnv,
} from "../test/integration/harness";

const RUNS = Number(process.argv[2] ?? 5);
const STACK = "it-bench";
const DASK_CHART = path.join(CHARTS, "dask-2024.1.1.tgz");

async function timed(action: () => Promise<unknown>): Promise<number> {
    const start = process.hrtime.bigint();
    await action();
    return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const pulumi = (...args: string[]) => run("pulumi", [...args, "--stack", STACK, "--non-interactive", "--color", "never"], 900_000);
const helm = async (...args: string[]) => run("helm", ["--kubeconfig", (await cluster("kubeconfig")).trim(), ...args], 900_000);

async function manualInstall(): Promise<void> {
    await helm(...helmInstallDask(DASK_CHART, "--set", "scheduler.serviceType=NodePort", "--set", "jupyter.serviceType=NodePort"));
    await kubectl("-n", "dask", "autoscale", "deployment", "dask-worker", "--min=1", "--max=3", "--cpu-percent=70");
}

async function manualUninstall(): Promise<void> {
    await kubectl("-n", "dask", "delete", "hpa", "dask-worker", "--ignore-not-found");
    await helm("uninstall", "dask", "--namespace", "dask", "--wait");
    await kubectl("delete", "namespace", "dask", "--ignore-not-found");
    await namespaceGone("dask");
}

interface Row {
    what: string;
    ours: string;
    theirs: string;
    oursTimes: number[];
    theirsTimes: number[];
}

function row(what: string, ours: string, theirs: string, oursTimes: number[], theirsTimes: number[]): Row {
    return { what, ours, theirs, oursTimes, theirsTimes };
}

async function main(): Promise<void> {
    Object.assign(process.env, toolEnv());
    await cluster("up");
    await removeStack(STACK);
    const config = await minikubeConfigHere();
    await stackWithConfig(STACK, config);
    const rows: Row[] = [];

    // 1. From empty to ready.
    const upTimes: number[] = [];
    const helmTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        upTimes.push(await timed(() => pulumi("up", "--yes", "--skip-preview")));
        await pulumi("destroy", "--yes", "--skip-preview");
        await namespaceGone("dask");
        helmTimes.push(await timed(manualInstall));
        await manualUninstall();
        console.log(`run ${i + 1}: pulumi up ${upTimes[i].toFixed(1)}s, helm install + autoscale ${helmTimes[i].toFixed(1)}s`);
    }
    rows.push(row("from empty to ready", "`pulumi up`", "`helm install --wait` + `kubectl autoscale`", upTimes, helmTimes));

    // 2 and 3. No-op changes on a deployed release / stack.
    await pulumi("up", "--yes", "--skip-preview");
    await manualInstallElsewhere();
    const checked: number[] = [];
    const transpiled: number[] = [];
    const transpiledCold: number[] = [];
    const dryRuns: number[] = [];
    const preview = () => run("pulumi", ["preview", "--expect-no-changes", "--stack", STACK, "--non-interactive"], 900_000);
    // ts-node keeps compiled files in a temp cache; a fresh CI runner (where PR
    // previews run) has none, so the start-up row runs without it.
    const cold = { TS_NODE_CACHE: "false" };
    for (let i = 0; i < RUNS; i++) {
        // The project default (tsconfig noCheck) is transpile-only; the env var
        // turns ts-node's type check back on for the comparison.
        checked.push(await timed(() => withEnv({ ...cold, PULUMI_NODEJS_TRANSPILE_ONLY: "false" }, preview)));
        transpiledCold.push(await timed(() => withEnv(cold, preview)));
        transpiled.push(await timed(preview));
        dryRuns.push(
            await timed(() =>
                helm(
                    "upgrade",
                    "dask",
                    DASK_CHART,
                    "--namespace",
                    "dask-helm",
                    "--dry-run",
                    "--set",
                    "scheduler.serviceType=NodePort",
                    "--set",
                    "jupyter.serviceType=NodePort",
                ),
            ),
        );
        console.log(
            `run ${i + 1}: cold preview type-checked ${checked[i].toFixed(1)}s / transpile-only ${transpiledCold[i].toFixed(1)}s, ` +
                `warm preview ${transpiled[i].toFixed(1)}s, helm --dry-run ${dryRuns[i].toFixed(1)}s`,
        );
    }
    rows.push(row("no-op change", "`pulumi preview` (transpile-only start-up)", "`helm upgrade --dry-run`", transpiled, dryRuns));
    rows.push(
        row(
            "program start-up (no ts-node cache, as on a fresh CI runner)",
            "no-op preview, transpile-only",
            "no-op preview, type-checked by ts-node",
            transpiledCold,
            checked,
        ),
    );

    await helm("uninstall", "dask", "--namespace", "dask-helm", "--wait");
    await kubectl("delete", "namespace", "dask-helm", "--ignore-not-found");
    await pulumi("destroy", "--yes", "--skip-preview");
    await removeStack(STACK);
    writeResults(rows);
}

async function manualInstallElsewhere(): Promise<void> {
    // The helm release for the dry-run comparison, in its own namespace so it
    // does not collide with the stack's objects.
    await helm(
        "install",
        "dask",
        DASK_CHART,
        "--namespace",
        "dask-helm",
        "--create-namespace",
        "--wait",
        "--set",
        "scheduler.serviceType=NodePort",
        "--set",
        "jupyter.serviceType=NodePort",
    );
}

async function withEnv<T>(vars: Record<string, string>, action: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    try {
        return await action();
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) {
                delete process.env[k];
            } else {
                process.env[k] = v;
            }
        }
    }
}

function writeResults(rows: Row[]): void {
    const fmt = (times: number[]) => `${median(times).toFixed(1)} s (${times.map((t) => t.toFixed(1)).join(", ")})`;
    const table = [
        "| what | ours | median (runs) | compared with | median (runs) | ratio |",
        "| --- | --- | --- | --- | --- | --- |",
        ...rows.map(
            (r) =>
                `| ${r.what} | ${r.ours} | ${fmt(r.oursTimes)} | ${r.theirs} | ${fmt(r.theirsTimes)} | ${(median(r.oursTimes) / median(r.theirsTimes)).toFixed(2)}× |`,
        ),
    ].join("\n");
    const text = [
        "# Benchmarks",
        "",
        `Measured by \`npm run bench -- ${RUNS}\` on ${new Date().toISOString().slice(0, 10)}: ${RUNS} alternating runs of each side on the local kwok`,
        "control plane (2 cores). Ratio = ours / compared; below 1 means ours is faster. Pods are simulated by kwok, so",
        '"ready" means the API objects are ready, not that Dask started; image pulls are not part of either side.',
        "",
        table,
        "",
    ].join("\n");
    fs.writeFileSync(path.join(REPO, "bench", "RESULTS.md"), text);
    console.log(text);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
