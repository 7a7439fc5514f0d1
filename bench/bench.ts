/**
 * Side-by-side timings on the local kwok control plane (scripts/cluster.sh up),
 * each group's sides run alternately RUNS times; the table gives medians and
 * ratios:
 *   1. from empty to ready: `pulumi up` (generated Jupyter password), the same
 *      with `jupyterPassword` set (nothing generated), and the tutorial's
 *      manual path (`helm install --wait` of the same chart, then `kubectl
 *      autoscale`);
 *   2. previews on the deployed stack: no change, and a one-key config
 *      change (`dask.workers.threads`), against `helm upgrade --dry-run`
 *      without and with the matching `--set`; and Pulumi's own floors, the
 *      no-op preview of an empty program and of a one-ConfigMap program
 *      (bench/floors/), read against the same dry-run, and the one-ConfigMap
 *      program started as this program is (startup/register.js);
 *   3. program start-up: this program started through startup/register.js vs
 *      the SDK's default ts-node start (bench/ts-node-start/: the same program,
 *      stack and state), with warm caches and with none (a fresh CI runner).
 * Usage: npm run bench [-- RUNS]   (writes bench/RESULTS.md)
 */
import * as fs from "fs";
import * as os from "os";
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
import { median, timed } from "./timing";
import { writeSection } from "./results";

const RUNS = Number(process.argv[2] ?? 5);
const STACK = "it-bench";
const FLOOR_STACK = "it-bench-floor";
const DASK_CHART = path.join(CHARTS, "dask-2024.1.1.tgz");
const FLOORS = path.join(REPO, "bench", "floors");
/** A project whose program is this one, started by the SDK's default ts-node start. */
const TS_NODE_START = path.join(REPO, "bench", "ts-node-start");
const NODEPORTS = ["--set", "scheduler.serviceType=NodePort", "--set", "jupyter.serviceType=NodePort"];
/** The one-key change of the previews: `dask.workers.threads`, and the chart value it sets. */
const THREADS = 2;
/** The issue's targets: `up` at most 1.1× the helm path, a no-op preview at most 4× helm's dry-run. */
const TARGETS = { up: 1.1, noOpPreview: 4 };

/** `pulumi ARGS` on a stack of the project in `cwd`, with `env` added for this call. */
function pulumiOn(stack: string, cwd = REPO) {
    return (args: string[], env: NodeJS.ProcessEnv = {}) =>
        run("pulumi", [...args, "--stack", stack, "--non-interactive", "--color", "never"], 900_000, env, cwd);
}
const pulumi = pulumiOn(STACK);
const helm = async (...args: string[]) => run("helm", ["--kubeconfig", (await cluster("kubeconfig")).trim(), ...args], 900_000);

async function manualInstall(): Promise<void> {
    await helm(...helmInstallDask(DASK_CHART, ...NODEPORTS));
    await kubectl("-n", "dask", "autoscale", "deployment", "dask-worker", "--min=1", "--max=3", "--cpu-percent=70");
}

async function manualUninstall(): Promise<void> {
    await kubectl("-n", "dask", "delete", "hpa", "dask-worker", "--ignore-not-found");
    await helm("uninstall", "dask", "--namespace", "dask", "--wait");
    await kubectl("delete", "namespace", "dask", "--ignore-not-found");
    await namespaceGone("dask");
}

async function destroy(): Promise<void> {
    await pulumi(["destroy", "--yes", "--skip-preview"]);
    await namespaceGone("dask");
}

/** The helm release the dry-runs compare with, in its own namespace so it does not collide with the stack's objects. */
const HELM_RELEASE = ["dask", DASK_CHART, "--namespace", "dask-helm"];

interface Side {
    label: string;
    /** Untimed preparation before each run. */
    before?: () => Promise<unknown>;
    /** What is timed. */
    action: () => Promise<unknown>;
    /** Untimed clean-up after each run. */
    after?: () => Promise<unknown>;
}

/** Runs the sides in turn, RUNS times; each side's times, in order. */
async function alternate(group: string, sides: Side[]): Promise<Record<string, number[]>> {
    const times: Record<string, number[]> = Object.fromEntries(sides.map((side) => [side.label, []]));
    for (let i = 0; i < RUNS; i++) {
        for (const side of sides) {
            await side.before?.();
            times[side.label].push(await timed(side.action));
            await side.after?.();
        }
        console.log(`${group}, run ${i + 1}: ${sides.map((side) => `${side.label} ${times[side.label][i].toFixed(1)}s`).join(", ")}`);
    }
    return times;
}

interface Row {
    what: string;
    ours: string;
    theirs: string;
    oursTimes: number[];
    theirsTimes: number[];
}

/** What a `pulumi preview --json` would change, one "op Kind name" per resource. */
function plannedChanges(previewJson: string): string[] {
    const steps = (JSON.parse(previewJson).steps ?? []) as { op: string; urn: string }[];
    return steps
        .filter((step) => step.op !== "same")
        .map((step) => {
            const [type, name] = step.urn.split("::").slice(-2);
            return `${step.op} ${type.split("$").pop()!.split(":").pop()} ${name}`;
        });
}

/** A floor program's stack, deployed so that its preview is a no-op. */
async function floor(program: string, config: Record<string, string>) {
    const dir = path.join(FLOORS, program);
    const on = pulumiOn(FLOOR_STACK, dir);
    await run("pulumi", ["stack", "select", "--create", FLOOR_STACK, "--non-interactive"], 120_000, {}, dir);
    for (const [key, value] of Object.entries(config)) {
        await on(["config", "set", key, value]);
    }
    await on(["up", "--yes", "--skip-preview"]);
    return {
        preview: () => on(["preview", "--expect-no-changes"]),
        remove: async () => {
            await on(["destroy", "--yes", "--skip-preview"]);
            await run("pulumi", ["stack", "rm", "--yes", "--force", FLOOR_STACK, "--non-interactive"], 120_000, {}, dir);
        },
    };
}

async function main(): Promise<void> {
    Object.assign(process.env, toolEnv());
    await cluster("up");
    await removeStack(STACK);
    const config = await minikubeConfigHere();
    await stackWithConfig(STACK, config);
    const rows: Row[] = [];

    // 1. From empty to ready.
    const ups = await alternate("from empty", [
        { label: "pulumi up", action: () => pulumi(["up", "--yes", "--skip-preview"]), after: destroy },
        { label: "helm", action: manualInstall, after: manualUninstall },
        {
            label: "pulumi up, password set",
            before: () => pulumi(["config", "set", "--secret", "jupyterPassword", "a-benchmark-password"]),
            action: () => pulumi(["up", "--yes", "--skip-preview"]),
            after: async () => {
                await destroy();
                await pulumi(["config", "rm", "jupyterPassword"]);
            },
        },
    ]);
    rows.push(
        {
            what: "from empty to ready",
            ours: "`pulumi up`",
            theirs: "`helm install --wait` + `kubectl autoscale`",
            oursTimes: ups["pulumi up"],
            theirsTimes: ups["helm"],
        },
        {
            what: "a generated password's cost (drawn in the program, kept in a Secret)",
            ours: "`pulumi up`, password generated",
            theirs: "`pulumi up` with `jupyterPassword` set",
            oursTimes: ups["pulumi up"],
            theirsTimes: ups["pulumi up, password set"],
        },
    );

    // 2 and 3. Previews of a deployed stack, the helm release's dry-runs, and the floors.
    await pulumi(["up", "--yes", "--skip-preview"]);
    await helm("install", ...HELM_RELEASE, "--create-namespace", "--wait", ...NODEPORTS);
    const kubeconfigPath = config["daskk8s:kubeconfig"].kubeconfigPath as string;
    const empty = await floor("empty", {});
    const configMap = await floor("configmap", { kubeconfigPath });
    const configMapStartup = await floor("configmap-startup", { kubeconfigPath });
    // The ts-node side reads the same stack (project name, stack name, state)
    // from its own directory, so it needs the stack's config file there too.
    const tsNodeConfig = path.join(TS_NODE_START, `Pulumi.${STACK}.yaml`);
    fs.copyFileSync(path.join(REPO, `Pulumi.${STACK}.yaml`), tsNodeConfig);
    const tsNodeStart = pulumiOn(STACK, TS_NODE_START);
    let emptyCache = "";
    const changed = structuredClone(config);
    changed["daskk8s:dask"].workers = { ...changed["daskk8s:dask"].workers, threads: THREADS };
    const changes = new Set<string>();
    // A fresh CI runner (where PR previews run) has neither startup/register.js's
    // cache nor ts-node's.
    const tsNodeCold = { TS_NODE_CACHE: "false" };
    const previews = await alternate("previews", [
        { label: "no-op", action: () => pulumi(["preview", "--expect-no-changes"]) },
        {
            label: "one key",
            before: () => stackWithConfig(STACK, changed),
            action: async () => plannedChanges(await pulumi(["preview", "--json"])).forEach((c) => changes.add(c)),
            after: () => stackWithConfig(STACK, config),
        },
        { label: "empty program", action: empty.preview },
        { label: "ConfigMap program", action: configMap.preview },
        { label: "ConfigMap program, started like this one", action: configMapStartup.preview },
        { label: "helm dry-run", action: () => helm("upgrade", ...HELM_RELEASE, "--dry-run", ...NODEPORTS) },
        {
            label: "helm dry-run, one value",
            action: () => helm("upgrade", ...HELM_RELEASE, "--dry-run", ...NODEPORTS, "--set", `worker.threads_per_worker=${THREADS}`),
        },
        { label: "ts-node start", action: () => tsNodeStart(["preview", "--expect-no-changes"]) },
        {
            label: "empty cache",
            before: async () => (emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-ts-cache-"))),
            action: () => pulumi(["preview", "--expect-no-changes"], { DASKK8S_TS_CACHE: emptyCache }),
            after: async () => fs.rmSync(emptyCache, { recursive: true, force: true }),
        },
        { label: "ts-node start, no cache", action: () => tsNodeStart(["preview", "--expect-no-changes"], tsNodeCold) },
    ]).finally(() => fs.rmSync(tsNodeConfig, { force: true }));
    const dryRun = "`helm upgrade --dry-run`";
    rows.push(
        { what: "no-op change", ours: "`pulumi preview`", theirs: dryRun, oursTimes: previews["no-op"], theirsTimes: previews["helm dry-run"] },
        {
            what: `one-key change (\`dask.workers.threads: ${THREADS}\`)`,
            ours: "`pulumi preview`",
            theirs: `${dryRun} \`--set worker.threads_per_worker=${THREADS}\``,
            oursTimes: previews["one key"],
            theirsTimes: previews["helm dry-run, one value"],
        },
        {
            what: "floor: an empty TypeScript program",
            ours: "no-op `pulumi preview`",
            theirs: dryRun,
            oursTimes: previews["empty program"],
            theirsTimes: previews["helm dry-run"],
        },
        {
            what: "floor: one ConfigMap through the Kubernetes provider",
            ours: "no-op `pulumi preview`",
            theirs: dryRun,
            oursTimes: previews["ConfigMap program"],
            theirsTimes: previews["helm dry-run"],
        },
        {
            what: "floor: one ConfigMap, started as this program is (startup/register.js)",
            ours: "no-op `pulumi preview`",
            theirs: dryRun,
            oursTimes: previews["ConfigMap program, started like this one"],
            theirsTimes: previews["helm dry-run"],
        },
        {
            what: "this program above the Kubernetes floor (both started the same way)",
            ours: "no-op `pulumi preview`",
            theirs: "the one-ConfigMap program's",
            oursTimes: previews["no-op"],
            theirsTimes: previews["ConfigMap program, started like this one"],
        },
        {
            what: "program start-up, warm caches (a developer's machine)",
            ours: "no-op preview, startup/register.js",
            theirs: "no-op preview, the SDK's ts-node start",
            oursTimes: previews["no-op"],
            theirsTimes: previews["ts-node start"],
        },
        {
            what: "program start-up, no caches (a fresh CI runner)",
            ours: "no-op preview, startup/register.js, empty cache",
            theirs: "no-op preview, ts-node start, `TS_NODE_CACHE=false`",
            oursTimes: previews["empty cache"],
            theirsTimes: previews["ts-node start, no cache"],
        },
    );

    await helm("uninstall", "dask", "--namespace", "dask-helm", "--wait");
    await kubectl("delete", "namespace", "dask-helm", "--ignore-not-found");
    await empty.remove();
    await configMap.remove();
    await configMapStartup.remove();
    await destroy();
    await removeStack(STACK);
    writeResults(rows, [...changes].sort());
}

const ratio = (row: Row) => median(row.oursTimes) / median(row.theirsTimes);

function writeResults(rows: Row[], oneKeyChanges: string[]): void {
    const fmt = (times: number[]) => `${median(times).toFixed(1)} s (${times.map((t) => t.toFixed(1)).join(", ")})`;
    const table = [
        "| what | ours | median (runs) | compared with | median (runs) | ratio |",
        "| --- | --- | --- | --- | --- | --- |",
        ...rows.map((r) => `| ${r.what} | ${r.ours} | ${fmt(r.oursTimes)} | ${r.theirs} | ${fmt(r.theirsTimes)} | ${ratio(r).toFixed(2)}× |`),
    ].join("\n");
    const met = (value: number, target: number) => `${value.toFixed(2)}× (target ≤ ${target}×: ${value <= target ? "met" : "missed"})`;
    const text = [
        "# Benchmarks",
        "",
        `Measured by \`npm run bench -- ${RUNS}\` on ${new Date().toISOString().slice(0, 10)}: ${RUNS} alternating runs of each side on the local kwok`,
        "control plane (2 cores). Ratio = ours / compared; below 1 means ours is faster. Pods are simulated by kwok, so",
        '"ready" means the API objects are ready, not that Dask started; image pulls are not part of either side.',
        "The floors are what Pulumi itself costs here, so each preview ratio can be read against them: TypeScript programs",
        "started the SDK's default way (ts-node), and the one-ConfigMap program started as this program is (startup/register.js).",
        "",
        table,
        "",
        `- \`pulumi up\` from empty: ${met(ratio(rows[0]), TARGETS.up)} the helm path.`,
        `- No-op preview: ${met(ratio(rows[2]), TARGETS.noOpPreview)} helm's dry-run.`,
        `- The one-key change's preview changes only: ${oneKeyChanges.map((c) => `\`${c}\``).join(", ") || "nothing"}.`,
        "",
    ].join("\n");
    writeSection("kwok", text);
    console.log(text);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
