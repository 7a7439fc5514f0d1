/**
 * The committed minikube stack's settings (NodePort services, CPU autoscaling)
 * deployed onto the real node of scripts/realnode.sh: real containers of the
 * look-alike Dask images (scripts/images.sh), used from this host the way a
 * user would, through the NodePorts: a Dask client computes, Jupyter logs in,
 * pip packages install from the node's wheel index, the HPA scales real
 * workers on real CPU. The steps run in order and share one stack.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import {
    REPO,
    kubeconfig,
    kubectl,
    kubectlJson,
    logFile,
    minikubeConfigHere,
    namespaceGone,
    observe,
    removeStack,
    run,
    stackWithConfig,
    stateFile,
    waitFor,
} from "./harness";
import { REAL_NODE_IP, countDrops, jupyterLogin, masqueradeRules, realNodeBaseline, realNodeCluster, realNodeValues } from "./realNode";

const STACK = "it-realpods";
const NS = "dask";
const PIP_PACKAGE = "tabulate";
const PIP_VERSION = "0.9.0";
/** Set with --secret as secretEnv.workers.API_TOKEN; changed for the 2026.7.1 step. */
const TOKENS = ["tok-realpods-7f3a9c21", "tok-realpods-0b8e44d6"];
/** Set with --secret as secretEnv.jupyter.NOTEBOOK_TOKEN. */
const NOTEBOOK_TOKEN = "tok-notebook-5e21b0aa";
const CLIENT_SCRIPT = path.join(REPO, "test", "integration", "dask_client.py");

/** A documentation address (TEST-NET-3): nothing of ours is there, nothing may try to reach it. */
const OUTSIDE = "203.0.113.1";

let stack: Stack;
let config: Record<string, any>;
const clients: Record<string, string> = {};

/** Runs dask_client.py with the host Python that has the tag's Dask. */
async function dask(tag: string, ...args: string[]): Promise<any> {
    clients[tag] ??= (await run("bash", [path.join(REPO, "scripts", "images.sh"), "client", tag], 900_000)).trim();
    return JSON.parse(await run(clients[tag], [CLIENT_SCRIPT, await schedulerAddress(), ...args], 600_000));
}

async function nodePort(service: string, port: number): Promise<number> {
    const svc = await kubectlJson("-n", NS, "get", "service", service);
    return svc.spec.ports.find((p: { port: number }) => p.port === port).nodePort;
}

async function schedulerAddress(): Promise<string> {
    return `tcp://${REAL_NODE_IP}:${await nodePort("dask-scheduler", 8786)}`;
}

async function workerReplicas(): Promise<number> {
    return (await kubectlJson("-n", NS, "get", "deployment", "dask-worker")).spec.replicas;
}

/** Every pod of the release, where it runs and whether its containers run. */
async function pods(): Promise<{ name: string; node: string; ready: boolean }[]> {
    const list = await kubectlJson("-n", NS, "get", "pods", "-l", "release=dask");
    return list.items
        .filter((p: any) => !p.metadata.deletionTimestamp)
        .map((p: any) => ({
            name: p.metadata.name,
            node: p.spec.nodeName,
            ready: (p.status.containerStatuses ?? []).every((c: any) => c.ready && c.state.running),
        }));
}

/**
 * The value is nowhere: not in `pulumi stack export` (the Automation API
 * exports with --show-secrets, so not even as a secret), the state file, the
 * outputs, pulumi's output or the given text.
 */
async function assertNowhereInPlaintext(value: string, ...texts: string[]): Promise<void> {
    const exported = JSON.stringify(await stack.exportStack());
    assert.ok(exported.includes("dask-worker-env"), "the export holds the Secret resource");
    for (const [where, text] of [
        ["pulumi stack export", exported],
        ["the state file", fs.readFileSync(stateFile(STACK), "utf8")],
        ["pulumi's output", fs.readFileSync(logFile(STACK), "utf8")],
        ["the stack outputs", JSON.stringify(await stack.outputs())],
        ...texts.map((t, i) => [`text ${i}`, t]),
    ]) {
        assert.ok(!text.includes(value), `${where} holds the secret in plaintext`);
    }
}

/** The secret environment, set as a user does: `pulumi config set --secret --path ...`. */
async function setSecrets(workerToken: string): Promise<void> {
    await stack.setConfig("secretEnv.workers.API_TOKEN", { value: workerToken, secret: true }, true);
    await stack.setConfig("secretEnv.jupyter.NOTEBOOK_TOKEN", { value: NOTEBOOK_TOKEN, secret: true }, true);
}

async function up() {
    const result = await stack.up(observe(STACK));
    assert.equal(result.summary.result, "succeeded");
}

describe("Dask on real pods (the real node)", { timeout: 30 * 60_000 }, () => {
    let jupyterPassword: string;

    before(async () => {
        await realNodeCluster();
        await removeStack(STACK);
        fs.rmSync(logFile(STACK), { force: true });
        config = await minikubeConfigHere();
        const settings = config["daskk8s:dask"];
        settings.values = realNodeValues();
        settings.packages = { pip: [`${PIP_PACKAGE}==${PIP_VERSION}`] };
        // Short test-only scale-down pace; the committed stack keeps 5 minutes.
        config["daskk8s:autoscaling"].scaleDown = { stabilizationWindowSeconds: 20, podsPerPeriod: 3, periodSeconds: 15 };
        stack = await stackWithConfig(STACK, config);
        await setSecrets(TOKENS[0]);
    });

    after(async () => {
        if (process.env.DASKK8S_KEEP_STACKS !== "1") {
            await stack?.destroy(observe(STACK)).catch(() => undefined);
            await removeStack(STACK).catch(() => undefined);
        }
    });

    it("deploys scheduler, a worker and Jupyter as running containers on the real node", async () => {
        await up();
        const running = await waitFor(
            "3 ready pods on the real node",
            async () => {
                const all = await pods();
                return all.length === 3 && all.every((p) => p.ready && p.node === "real-node") ? all : undefined;
            },
            180_000,
        );
        assert.deepEqual(running.map((p) => p.name.replace(/-[a-z0-9]+-[a-z0-9]+$/, "")).sort(), ["dask-jupyter", "dask-scheduler", "dask-worker"]);
        jupyterPassword = (await stack.outputs()).jupyterPassword.value;
    });

    it("computes from a client on this host through the scheduler's NodePort; the dashboard answers", async () => {
        const result = await dask("2024.1.0", "compute");
        assert.equal(result.array_sum_of_squares, result.array_expected);
        assert.equal(result.task_sum, result.task_expected);
        const dashboardPort = (await stack.outputs()).dashboard.value.nodePort;
        const health = await fetch(`http://${REAL_NODE_IP}:${dashboardPort}/health`);
        assert.equal(await health.text(), "ok");
        const status = await fetch(`http://${REAL_NODE_IP}:${dashboardPort}/status`);
        assert.equal(status.status, 200);
        assert.match(await status.text(), /Dask/);
    });

    it("installs dask.packages.pip on every worker from the node's index; threads as configured", async () => {
        const workers = await dask("2024.1.0", "workers", PIP_PACKAGE);
        const all = Object.values(workers) as any[];
        assert.ok(all.length >= 1);
        for (const w of all) {
            assert.equal(w.module_version, PIP_VERSION, `${w.host} imports ${PIP_PACKAGE}`);
            assert.equal(w.nthreads, 1, "the minikube stack's 1-CPU limit gives one thread");
        }
    });

    it("gives workers the secretEnv value through a Kubernetes Secret; it is nowhere in plaintext", async () => {
        const workers = Object.values(await dask("2024.1.0", "workers", PIP_PACKAGE, "API_TOKEN")) as any[];
        assert.ok(workers.length >= 1);
        assert.deepEqual(
            workers.map((w) => w.env),
            workers.map(() => TOKENS[0]),
            "every worker reads the token",
        );
        const deployment = await kubectlJson("-n", NS, "get", "deployment", "dask-worker");
        const env = deployment.spec.template.spec.containers[0].env;
        assert.deepEqual(
            env.find((e: any) => e.name === "API_TOKEN"),
            { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "dask-worker-env", key: "API_TOKEN" } } },
        );
        const secret = await kubectlJson("-n", NS, "get", "secret", "dask-worker-env");
        assert.equal(Buffer.from(secret.data.API_TOKEN, "base64").toString(), TOKENS[0]);
        await assertNowhereInPlaintext(TOKENS[0], JSON.stringify(deployment));
    });

    it("gives the Jupyter server its secretEnv value through its own Secret, which the workers do not get", async () => {
        const deployment = await kubectlJson("-n", NS, "get", "deployment", "dask-jupyter");
        const env = deployment.spec.template.spec.containers[0].env;
        assert.deepEqual(
            env.find((e: any) => e.name === "NOTEBOOK_TOKEN"),
            { name: "NOTEBOOK_TOKEN", valueFrom: { secretKeyRef: { name: "dask-jupyter-env", key: "NOTEBOOK_TOKEN" } } },
        );
        // Inside the running notebook container on the real node.
        assert.equal((await kubectl("-n", NS, "exec", "deploy/dask-jupyter", "--", "printenv", "NOTEBOOK_TOKEN")).trim(), NOTEBOOK_TOKEN);
        const workers = Object.values(await dask("2024.1.0", "workers", PIP_PACKAGE, "NOTEBOOK_TOKEN")) as any[];
        assert.deepEqual(
            workers.map((w) => w.env),
            workers.map(() => null),
            "the workers do not see the notebook's secret",
        );
        await assertNowhereInPlaintext(NOTEBOOK_TOKEN, JSON.stringify(deployment));
    });

    it("lets the stack's password into Jupyter through its NodePort, and nothing else", async () => {
        const url = `http://${REAL_NODE_IP}:${await nodePort("dask-jupyter", 80)}`;
        await waitFor("Jupyter to serve its login page", async () => ((await fetch(`${url}/login`)).ok ? true : undefined), 120_000);
        const anonymous = await fetch(`${url}/api/contents`, { redirect: "manual" });
        assert.equal(anonymous.status, 403, "no API without logging in");
        assert.equal(await jupyterLogin(url, "dask"), undefined, "the chart's public default password is refused");
        assert.equal(await jupyterLogin(url, `${jupyterPassword}x`), undefined, "a wrong password is refused");
        const cookie = await jupyterLogin(url, jupyterPassword);
        assert.ok(cookie, "the stack's password logs in");
        const contents = await fetch(`${url}/api/contents`, { headers: { cookie } });
        assert.equal(contents.status, 200);
    });

    it("restarts Jupyter when its password changes; then only the new password logs in", async () => {
        const jupyterPods = async () => (await pods()).filter((p) => p.name.startsWith("dask-jupyter-"));
        const [previous] = await jupyterPods();
        const changed = `changed-${crypto.randomBytes(9).toString("hex")}`;
        await stack.setConfig("jupyterPassword", { value: changed, secret: true });
        await up();
        assert.equal((await stack.outputs()).jupyterPassword.value, changed);
        const url = `http://${REAL_NODE_IP}:${await nodePort("dask-jupyter", 80)}`;
        await waitFor("Jupyter to take the changed password", () => jupyterLogin(url, changed), 180_000);
        assert.equal(await jupyterLogin(url, jupyterPassword), undefined, "the old password is refused");
        const now = await jupyterPods();
        assert.ok(
            now.every((p) => p.name !== previous.name),
            `a new notebook pod read the new hash: ${previous.name} then ${now.map((p) => p.name)}`,
        );
        // An output by design (a secret one), so not assertNowhereInPlaintext,
        // whose export (Automation API: --show-secrets) shows secret outputs.
        for (const [where, text] of [
            ["the state file", fs.readFileSync(stateFile(STACK), "utf8")],
            ["pulumi's output", fs.readFileSync(logFile(STACK), "utf8")],
        ]) {
            assert.ok(!text.includes(changed), `${where} holds the password in plaintext`);
        }
        jupyterPassword = changed;
    });

    it("confines pods to this machine: no route out, no outside names, no host services but DNS and the wheel index", async () => {
        // 203.0.113.1 is a documentation address: the guard drops the packet on
        // this host, before any interface could send it. The kubelet's port on
        // the node address is open to this host, closed to pods.
        const { result, drops } = await countDrops(OUTSIDE, () => dask("2024.1.0", "reach", OUTSIDE, "80", "example.com", `${REAL_NODE_IP}:10250`));
        const reach = Object.values(result);
        assert.ok(reach.length >= 1, "at least one worker answered");
        for (const worker of reach as any[]) {
            assert.equal(worker.connect, "failed", `${worker.host}: connect to an outside address`);
            assert.equal(worker.resolve, "failed", `${worker.host}: resolve an outside name`);
            assert.equal(worker.resolve_scheduler, "ok", `${worker.host}: cluster DNS works`);
            assert.equal(worker.host_service, "failed", `${worker.host}: the kubelet on the node address`);
        }
        assert.ok(drops > 0, "the forward guard dropped the attempt to leave");
    });

    it("scales real workers to the maximum under a real computation and back to the minimum", async () => {
        // Pods' start-up (pip installs) may have scaled up briefly: start from the minimum.
        await waitFor("1 worker before the load", async () => ((await workerReplicas()) === 1 ? true : undefined), 300_000, 5000);
        // A worker busy on its one thread uses ~1 CPU: 200% of its 500m request, above the 70% target.
        const load = await dask("2024.1.0", "load", "3", "400");
        assert.deepEqual(load.wrong, [], "every task's result is right");
        assert.equal(load.workers_used, 3, "three workers, two of them added by the HPA, ran tasks");
        assert.equal(await workerReplicas(), 3);
        await waitFor("the HPA to return to 1 worker", async () => ((await workerReplicas()) === 1 ? true : undefined), 300_000, 5000);
        await waitFor("one worker pod", async () => ((await pods()).filter((p) => p.name.startsWith("dask-worker-")).length === 1 ? true : undefined), 120_000);
    });

    it("previews no change after the HPA scaled up and down", async () => {
        const preview = await stack.preview({ ...observe(STACK), expectNoChanges: true });
        assert.deepEqual(
            Object.keys(preview.changeSummary).filter((op) => op !== "same"),
            [],
        );
    });

    it("runs image tag 2026.7.1: scheduler, workers, an additional worker group and Jupyter start and compute", async () => {
        const settings = config["daskk8s:dask"];
        settings.image = { tag: "2026.7.1" };
        settings.values.additional_worker_groups = [{ name: "extra", replicas: 1 }];
        stack = await stackWithConfig(STACK, config);
        await setSecrets(TOKENS[1]);
        await up();
        await waitFor(
            "4 ready pods on the real node",
            async () => {
                const all = await pods();
                return all.length === 4 && all.every((p) => p.ready && p.node === "real-node") ? all : undefined;
            },
            240_000,
        );
        const group = await kubectlJson("-n", NS, "get", "deployment", "dask-worker-extra");
        assert.deepEqual(group.spec.template.spec.containers[0].args.slice(0, 2), ["dask", "worker"]);
        const result = await dask("2026.7.1", "compute");
        assert.equal(result.array_sum_of_squares, result.array_expected);
        // A running pod may still be installing packages or connecting: wait
        // until both Deployments have a worker at the scheduler. The HPA may have
        // added main workers while pods started; the group has its one.
        const groupsOf = (ws: any[]) => ws.map((w) => w.host.replace(/-[a-z0-9]+-[a-z0-9]+$/, ""));
        const workers = await waitFor(
            "a main and a group worker at the scheduler",
            async () => {
                const ws = Object.values(await dask("2026.7.1", "workers", PIP_PACKAGE)) as any[];
                const groups = groupsOf(ws);
                return groups.includes("dask-worker") && groups.includes("dask-worker-extra") ? ws : undefined;
            },
            120_000,
            3000,
        );
        assert.equal(groupsOf(workers).filter((g) => g === "dask-worker-extra").length, 1, `${groupsOf(workers)}`);
        assert.ok(workers.every((w) => w.module_version === PIP_VERSION));
        const mainWorkers = Object.values(await dask("2026.7.1", "workers", PIP_PACKAGE, "API_TOKEN")) as any[];
        assert.deepEqual(groupsOf(mainWorkers).filter((g) => g === "dask-worker").length > 0, true);
        for (const w of mainWorkers.filter((x) => groupsOf([x])[0] === "dask-worker")) {
            assert.equal(w.env, TOKENS[1], `${w.host} restarted with the changed secret value`);
        }
        await assertNowhereInPlaintext(TOKENS[1]);
        // The stack file was rewritten without the changed password: a new one was generated.
        jupyterPassword = (await stack.outputs()).jupyterPassword.value;
        const url = `http://${REAL_NODE_IP}:${await nodePort("dask-jupyter", 80)}`;
        const cookie = await waitFor("Jupyter 2026.7.1 to let the password in", () => jupyterLogin(url, jupyterPassword), 180_000);
        assert.equal((await fetch(`${url}/api/contents`, { headers: { cookie } })).status, 200);
        assert.equal(await jupyterLogin(url, "dask"), undefined);
    });

    it("retires a 2026.7.1 worker through the scheduler before its pod stops", async () => {
        // The worker group's one pod: no autoscaler brings it back or takes it away.
        const list = await kubectlJson("-n", NS, "get", "pods");
        const pod = list.items.find((p: any) => p.metadata.name.startsWith("dask-worker-extra-") && !p.metadata.deletionTimestamp);
        const ip = pod.status.podIP;
        await kubectl("-n", NS, "delete", "pod", pod.metadata.name, "--wait=true", "--timeout=180s");
        // The preStop hook (the image's own Python) asked the scheduler, which says so in its log.
        const log = await kubectl("-n", NS, "logs", "deployment/dask-scheduler");
        assert.match(log, new RegExp(`Retiring worker tcp://${ip.replace(/\./g, "\\.")}:`), "the scheduler retired the pod's worker");
        const again = await waitFor(
            "the group's new worker at the scheduler",
            async () => {
                const ws = Object.values(await dask("2026.7.1", "workers", PIP_PACKAGE)) as any[];
                return ws.find((w) => w.host.startsWith("dask-worker-extra-") && w.host !== pod.metadata.name);
            },
            180_000,
            3000,
        );
        assert.equal(again.module_version, PIP_VERSION);
    });

    it("places workers by dask.workers.placement alone; a drain takes one at a time, each retiring first", async (t) => {
        // The chart values no longer keep the workers on the (tainted) real
        // node: only the placement setting does. Without it, they would go
        // to the fake nodes and never reach the scheduler.
        const settings = config["daskk8s:dask"];
        const toleration = settings.values.worker.tolerations[0];
        delete settings.values.worker.nodeSelector;
        delete settings.values.worker.tolerations;
        settings.workers = {
            ...settings.workers,
            placement: { nodeSelector: { "daskk8s.io/node": "real" }, tolerations: [toleration], annotations: { "daskk8s.test/placed": "by-placement" } },
            maxUnavailable: 1,
        };
        stack = await stackWithConfig(STACK, config);
        await up();
        const budget = await kubectlJson("-n", NS, "get", "poddisruptionbudget", "dask-worker");
        assert.equal(budget.spec.maxUnavailable, 1);
        const placed = await waitFor(
            "every worker re-created by the placement, ready on the real node, none terminating, and the budget allowing one disruption",
            async () => {
                const all = (await kubectlJson("-n", NS, "get", "pods", "-l", "release=dask,component=worker")).items;
                const expected = (await workerReplicas()) + 1; // the main workers and the group's one
                const settled =
                    all.length === expected &&
                    all.every(
                        (p: any) =>
                            !p.metadata.deletionTimestamp &&
                            p.metadata.annotations?.["daskk8s.test/placed"] === "by-placement" &&
                            p.spec.nodeName === "real-node" &&
                            (p.status.containerStatuses ?? []).every((c: any) => c.ready),
                    );
                const status = (await kubectlJson("-n", NS, "get", "poddisruptionbudget", "dask-worker")).status;
                return settled && status.disruptionsAllowed === 1 ? all : undefined;
            },
            300_000,
            3000,
        );
        assert.ok(placed.length >= 2, `${placed.length} workers: a drain needs two`);
        for (const pod of placed) {
            assert.deepEqual(pod.spec.nodeSelector, { "daskk8s.io/node": "real" });
            assert.ok(pod.spec.tolerations.some((t: any) => t.key === toleration.key && t.effect === "NoSchedule"));
        }
        // A ready pod may still be installing packages: a worker not yet at
        // the scheduler has nothing to retire.
        await waitFor(
            "every placed worker at the scheduler",
            async () => {
                const hosts = (Object.values(await dask("2026.7.1", "workers", PIP_PACKAGE)) as any[]).map((w) => w.host);
                return placed.every((p: any) => hosts.includes(p.metadata.name)) ? true : undefined;
            },
            180_000,
            3000,
        );
        const result = await dask("2026.7.1", "compute");
        assert.equal(result.array_sum_of_squares, result.array_expected);

        // A drain evicts through the API, which asks the budget.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-evict-"));
        t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const body = path.join(dir, "eviction.json");
        const evict = async (pod: string): Promise<string> => {
            fs.writeFileSync(body, JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace: NS } }));
            try {
                await kubectl("create", "--raw", `/api/v1/namespaces/${NS}/pods/${pod}/eviction`, "-f", body);
                return "evicted";
            } catch (err) {
                return (err as Error).message;
            }
        };
        const [first, second] = placed;
        assert.equal(await evict(first.metadata.name), "evicted");
        assert.match(await evict(second.metadata.name), /TooManyRequests|disruption budget/, "the budget refuses a second worker while the first is away");
        const retired = (pod: any, which: string) =>
            waitFor(
                `the ${which} worker retired through the scheduler`,
                async () => {
                    const log = await kubectl("-n", NS, "logs", "deployment/dask-scheduler");
                    return new RegExp(`Retiring worker tcp://${pod.status.podIP.replace(/\./g, "\\.")}:`).test(log) ? true : undefined;
                },
                180_000,
            );
        await retired(first, "first");
        // Once its replacement is ready, the budget lets the next one go.
        await waitFor(
            "the budget to let the second worker go",
            async () => ((await evict(second.metadata.name)) === "evicted" ? true : undefined),
            300_000,
            3000,
        );
        await retired(second, "second");
        await waitFor(
            "the workers back at the scheduler",
            async () => {
                const ws = Object.values(await dask("2026.7.1", "workers", PIP_PACKAGE)) as any[];
                const gone = [first.metadata.name, second.metadata.name];
                return ws.length >= 2 && ws.every((w) => !gone.includes(w.host)) ? ws : undefined;
            },
            300_000,
            3000,
        );
    });

    it("destroys everything: no objects, no pods, no containers left on the node", async () => {
        const result = await stack.destroy(observe(STACK));
        assert.equal(result.summary.result, "succeeded");
        await namespaceGone(NS, 120_000);
        await waitFor(
            "no containers on the real node",
            async () => ((await run("bash", [path.join(REPO, "scripts", "realnode.sh"), "containers"])).trim() === "" ? true : undefined),
            120_000,
        );
        await removeStack(STACK);
    });

    it("restores the host exactly when the real node goes down", async () => {
        const baseline = realNodeBaseline();
        assert.deepEqual(await masqueradeRules(), [], "no NAT rule ever let pod traffic leave as this host");
        try {
            await run("bash", [path.join(REPO, "scripts", "realnode.sh"), "down", path.dirname(await kubeconfig())]);
            const after = (await run("bash", [path.join(REPO, "scripts", "realnode.sh"), "snapshot"])).trimEnd().split("\n");
            assert.deepEqual(after, baseline.split("\n"), "iptables, sysctls, addresses, routes, mounts, cgroups and processes are as before `up`");
        } finally {
            await realNodeCluster();
        }
    });
});
