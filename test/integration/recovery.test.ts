/**
 * A `pulumi up` killed while the chart's objects are being created (as a
 * closed laptop or a cancelled CI job kills it), then the recovery in docs/operations.md:
 * scripts/recover.sh (which scripts/up.sh runs first) and a rerun. Also what
 * the recovery must never do: take a lock from a live run, or from another
 * machine's.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import {
    REPO,
    STATE_DIR,
    cluster,
    kubectl,
    kubectlJson,
    logFile,
    minikubeConfigHere,
    namespaceGone,
    observe,
    removeStack,
    run,
    stackWithConfig,
    toolEnv,
    waitFor,
} from "./harness";

const STACK = "it-recovery";
const NS = "dask";
const LOCK_DIR = path.join(STATE_DIR, ".pulumi", "locks", "organization", "daskk8s", STACK);
const ATTRS = path.join(STATE_DIR, ".pulumi", "stacks", "daskk8s", `${STACK}.json.attrs`);

let stack: Stack;
let config: Record<string, any>;

/** scripts/recover.sh: exit code and everything it printed. */
async function recover(): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
        const child = spawn("bash", [path.join(REPO, "scripts", "recover.sh"), STACK], { cwd: REPO, env: toolEnv() });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.on("close", (code) => resolve({ code: code ?? -1, output }));
    });
}

/** Every process below `pid`, deepest first. */
async function descendants(pid: number): Promise<number[]> {
    const children = (await run("ps", ["-e", "-o", "pid=,ppid="]))
        .trim()
        .split("\n")
        .map((l) => l.trim().split(/\s+/).map(Number))
        .filter(([, parent]) => parent === pid)
        .map(([child]) => child);
    const below = await Promise.all(children.map(descendants));
    return [...below.flat(), ...children];
}

/**
 * Starts `pulumi up` and kills it, with the language host and the providers
 * it started, as soon as the chart's `deployment` exists.
 */
async function killedUp(deployment = "dask-scheduler"): Promise<void> {
    const up = spawn("pulumi", ["up", "--yes", "--skip-preview", "--stack", STACK], { cwd: REPO, env: toolEnv(), detached: true, stdio: "ignore" });
    let killed = false;
    const exited = new Promise((resolve) => up.on("exit", resolve));
    try {
        await waitFor(
            `the chart's ${deployment} Deployment to be created`,
            async () =>
                await kubectl("-n", NS, "get", "deployment", deployment).then(
                    () => true,
                    () => undefined,
                ),
            180_000,
            200,
        );
        // Everything at once, as when the machine goes away.
        for (const pid of [up.pid!, ...(await descendants(up.pid!))]) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
        killed = true;
    } finally {
        if (!killed) {
            up.kill("SIGKILL");
        }
    }
    await exited;
}

async function pendingOperations(): Promise<{ type: string; resource: { type: string } }[]> {
    const state = JSON.parse(await run("pulumi", ["stack", "export", "--stack", STACK], 120_000));
    return state.deployment.pending_operations ?? [];
}

async function daskObjects(): Promise<string[]> {
    const list = await kubectlJson("-n", NS, "get", "deployments,services");
    return list.items.map((o: any) => `${o.kind}/${o.metadata.name}`).sort();
}

describe("an interrupted run, recovered in one command", { timeout: 20 * 60_000 }, () => {
    before(async () => {
        await cluster("up");
        await removeStack(STACK);
        fs.rmSync(logFile(STACK), { force: true });
        await kubectl("delete", "namespace", NS, "--ignore-not-found", "--wait=true");
        config = await minikubeConfigHere();
        stack = await stackWithConfig(STACK, config);
    });

    after(async () => {
        if (process.env.DASKK8S_KEEP_STACKS !== "1") {
            await recover().catch(() => undefined);
            await stack?.destroy(observe(STACK)).catch(() => undefined);
            await removeStack(STACK).catch(() => undefined);
        }
    });

    it("a killed `pulumi up` leaves a lock, pending creates and objects in the cluster", async () => {
        // No pod can be scheduled while the run is under way, so its
        // Deployments are still being awaited (pending creates) when it is
        // killed, however fast the rest of the run is. The stack's config is
        // the one the rerun converges with.
        await kubectl("taint", "nodes", "--all", "daskk8s.io/test-hold=recovery:NoSchedule", "--overwrite");
        try {
            await killedUp();
        } finally {
            await kubectl("taint", "nodes", "--all", "daskk8s.io/test-hold-");
        }
        assert.equal(fs.readdirSync(LOCK_DIR).filter((f) => f.endsWith(".json")).length, 1, "the killed run's lock stays");
        await assert.rejects(stack.up(observe(STACK)), /the stack is currently locked/);
        const pending = await pendingOperations();
        assert.ok(pending.length > 0 && pending.every((op) => op.type === "creating"), JSON.stringify(pending.map((op) => op.type)));
        assert.ok((await daskObjects()).includes("Deployment/dask-scheduler"), "the orphans are in the cluster");
    });

    it("scripts/recover.sh clears the stale lock and the pending creates, saying what it did", async () => {
        const { code, output } = await recover();
        assert.equal(code, 0, output);
        assert.match(output, /recover: cleared the stack's lock: the run that took it is gone \(pid \d+, since /);
        assert.match(output, /recover: the last run was cut short while these operations were under way:\n(    creating kubernetes:\S+ \S+\n)+/);
        assert.match(
            output,
            /recover: cleared \d+ pending create\(s\) and refreshed the state; objects they left in the cluster are adopted by the next `pulumi up`/,
        );
        assert.deepEqual(await pendingOperations(), []);
        assert.equal(fs.existsSync(LOCK_DIR) ? fs.readdirSync(LOCK_DIR).length : 0, 0);
        const again = await recover();
        assert.deepEqual([again.code, again.output], [0, ""], "a second run finds nothing to do");
    });

    it("the rerun converges: up adopts what the killed run left, then preview and refresh show no changes", async () => {
        const result = await stack.up(observe(STACK));
        assert.equal(result.summary.result, "succeeded");
        assert.deepEqual(
            await daskObjects(),
            ["Deployment/dask-jupyter", "Deployment/dask-scheduler", "Deployment/dask-worker", "Service/dask-jupyter", "Service/dask-scheduler"],
            "one of each object, none left over",
        );
        const preview = await stack.preview({ ...observe(STACK), expectNoChanges: true });
        assert.deepEqual(
            Object.keys(preview.changeSummary).filter((op) => op !== "same"),
            [],
        );
        const refresh = await stack.refresh({ ...observe(STACK), expectNoChanges: true });
        assert.deepEqual(
            Object.keys(refresh.summary.resourceChanges ?? {}).filter((op) => op !== "same"),
            [],
        );
        assert.deepEqual(await pendingOperations(), []);
    });

    it("never takes a lock held by a live run, or one taken on another machine", async () => {
        const live = spawn("sleep", ["600"], { stdio: "ignore" });
        fs.mkdirSync(LOCK_DIR, { recursive: true });
        const lock = path.join(LOCK_DIR, "00000000-test-lock.json");
        try {
            for (const [who, content] of [
                ["a live process here", { pid: live.pid, username: "root", hostname: os.hostname(), timestamp: new Date().toISOString() }],
                ["another machine", { pid: 1, username: "ci", hostname: "runner-elsewhere", timestamp: new Date().toISOString() }],
            ] as const) {
                fs.writeFileSync(lock, JSON.stringify(content));
                const { code, output } = await recover();
                assert.equal(code, 3, `${who}: ${output}`);
                assert.match(
                    output,
                    who === "another machine"
                        ? /locked by process 1 on runner-elsewhere since .*: not this machine, .* left alone/
                        : new RegExp(`locked by process ${live.pid} \\(sleep\\), running since .*: let it finish; left alone`),
                );
                assert.ok(fs.existsSync(lock), `${who}: the lock is still there`);
            }
        } finally {
            live.kill();
            fs.rmSync(lock, { force: true });
        }
    });

    it("repairs the empty .attrs file a cut-short write leaves, which fails every command", async () => {
        fs.writeFileSync(ATTRS, "");
        await assert.rejects(run("pulumi", ["stack", "export", "--stack", STACK]), /failed to load checkpoint: EOF/);
        const { code, output } = await recover();
        assert.equal(code, 0, output);
        assert.match(output, /recover: removed the empty \.pulumi\/stacks\/daskk8s\/it-recovery\.json\.attrs/);
        const preview = await stack.preview({ ...observe(STACK), expectNoChanges: true });
        assert.deepEqual(
            Object.keys(preview.changeSummary).filter((op) => op !== "same"),
            [],
        );
    });

    it("destroys cleanly afterwards", async () => {
        assert.equal((await stack.destroy(observe(STACK))).summary.result, "succeeded");
        await namespaceGone(NS, 120_000);
    });

    it("after a killed run and a config change, adopts the left objects through one run with adoptExisting", async () => {
        // Workers no node can take: their Deployment never becomes ready, so
        // the run is surely killed while it is being created (a pending create).
        const workers = config["daskk8s:dask"].workers.resources;
        const fitting = structuredClone(workers);
        workers.requests.cpu = workers.limits.cpu = "1000";
        stack = await stackWithConfig(STACK, config);
        await killedUp("dask-worker");
        assert.equal((await recover()).code, 0);
        // The killed run's worker Deployment carries its values under its field manager.
        config["daskk8s:dask"].workers.resources = { ...fitting, limits: { ...fitting.limits, memory: "3Gi" } };
        stack = await stackWithConfig(STACK, config);
        await assert.rejects(stack.up(observe(STACK)), /Server-Side Apply field conflict/);
        assert.equal((await recover()).code, 0, "the failed run left nothing to recover from");

        config["daskk8s:kubeconfig"].adoptExisting = true;
        stack = await stackWithConfig(STACK, config);
        assert.equal((await stack.up(observe(STACK))).summary.result, "succeeded");
        const worker = await kubectlJson("-n", NS, "get", "deployment", "dask-worker");
        assert.equal(worker.spec.template.spec.containers[0].resources.limits.memory, "3Gi");

        delete config["daskk8s:kubeconfig"].adoptExisting;
        stack = await stackWithConfig(STACK, config);
        assert.equal((await stack.up(observe(STACK))).summary.result, "succeeded");
        const preview = await stack.preview({ ...observe(STACK), expectNoChanges: true });
        assert.deepEqual(
            Object.keys(preview.changeSummary).filter((op) => op !== "same"),
            [],
        );
        assert.deepEqual(await daskObjects(), [
            "Deployment/dask-jupyter",
            "Deployment/dask-scheduler",
            "Deployment/dask-worker",
            "Service/dask-jupyter",
            "Service/dask-scheduler",
        ]);
        assert.equal((await stack.destroy(observe(STACK))).summary.result, "succeeded");
        await namespaceGone(NS, 120_000);
    });
});
