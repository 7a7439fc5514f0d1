/**
 * Whose cluster objects are whose, and where secrets may go, on the live
 * control plane: a namespace another team made is refused, deployed into with
 * createNamespace false and left standing by destroy; a namespace a stack
 * made is that stack's on every run and nobody else's; a second metrics
 * server is refused where the cluster serves the metrics API; a secret inside
 * daskk8s:dask is refused before anything is touched.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import { Stack } from "@pulumi/pulumi/automation";
import { cluster, kubectl, kubectlJson, logFile, minikubeConfigHere, namespaceGone, observe, removeStack, stackWithConfig } from "./harness";

const TEAM_NS = "it-team-a";
const OWN_NS = "it-own";
const STACKS = { team: "it-ns-team", own: "it-ns-own", other: "it-ns-other", secret: "it-ns-secret", metrics: "it-ns-metrics" };
const TOKEN = "tok-in-dask-5d1e0c7b";

/** The minikube stack's settings with the Dask objects in `namespace` (no autoscaler: nothing to scale here). */
async function stackIn(name: string, dask: Record<string, unknown>, settings: Record<string, unknown> = {}): Promise<Stack> {
    const config = { ...(await minikubeConfigHere()), ...settings };
    Object.assign(config["daskk8s:dask"], dask);
    config["daskk8s:autoscaling"] = { enabled: false };
    config["daskk8s:dask"].workers = { ...config["daskk8s:dask"].workers, replicas: 1 };
    fs.rmSync(logFile(name), { force: true });
    return stackWithConfig(name, config);
}

/** Resources in the stack's state besides the stack itself. */
async function resourcesIn(stack: Stack): Promise<string[]> {
    const state = await stack.exportStack();
    return (state.deployment.resources ?? []).filter((r: { type: string }) => r.type !== "pulumi:pulumi:Stack").map((r: { urn: string }) => r.urn);
}

async function refusedUp(stack: Stack, name: string, expected: RegExp): Promise<string> {
    let message = "";
    await assert.rejects(stack.up(observe(name)), (err: Error) => {
        message = err.message;
        assert.match(message, expected);
        assert.doesNotMatch(message, /at (loadStackConfig|checkCluster)/, "shown without a stack trace");
        return true;
    });
    assert.deepEqual(await resourcesIn(stack), [], "the refused run left no resource in the state");
    return message;
}

async function teamObjects() {
    const ns = await kubectlJson("get", "namespace", TEAM_NS);
    const data = await kubectlJson("-n", TEAM_NS, "get", "configmap", "team-data");
    return { phase: ns.status.phase, annotations: ns.metadata.annotations ?? {}, data: data.data };
}

describe("namespaces and secrets on a live control plane", { timeout: 20 * 60_000 }, () => {
    const stacks: Partial<Record<keyof typeof STACKS, Stack>> = {};

    before(async () => {
        await cluster("up");
        for (const name of Object.values(STACKS)) {
            await removeStack(name);
        }
        for (const ns of [TEAM_NS, OWN_NS]) {
            await kubectl("delete", "namespace", ns, "--ignore-not-found", "--wait=true");
        }
        await kubectl("create", "namespace", TEAM_NS);
        await kubectl("-n", TEAM_NS, "create", "configmap", "team-data", "--from-literal=owner=team-a");
    });

    after(async () => {
        if (process.env.DASKK8S_KEEP_STACKS === "1") {
            return;
        }
        for (const [key, name] of Object.entries(STACKS)) {
            await stacks[key as keyof typeof STACKS]?.destroy(observe(name)).catch(() => undefined);
            await removeStack(name).catch(() => undefined);
        }
        await kubectl("delete", "namespace", TEAM_NS, OWN_NS, "--ignore-not-found", "--wait=false").catch(() => undefined);
    });

    it("refuses to create a namespace another team made, before touching anything", async () => {
        stacks.team = await stackIn(STACKS.team, { namespace: TEAM_NS });
        await refusedUp(
            stacks.team,
            STACKS.team,
            new RegExp(
                `daskk8s:dask\\.namespace \\("${TEAM_NS}"\\) already exists in context \\S+ and was not created by this stack[\\s\\S]*` +
                    "deploy into it with daskk8s:dask\\.createNamespace false",
            ),
        );
        assert.deepEqual(await teamObjects(), { phase: "Active", annotations: {}, data: { owner: "team-a" } });
    });

    it("deploys into it with createNamespace false, and destroy leaves the namespace and the team's objects", async () => {
        stacks.team = await stackIn(STACKS.team, { namespace: TEAM_NS, createNamespace: false });
        const result = await stacks.team.up(observe(STACKS.team));
        assert.equal(result.summary.result, "succeeded");
        const deployments = await kubectlJson("-n", TEAM_NS, "get", "deployments");
        assert.deepEqual(deployments.items.map((d: any) => d.metadata.name).sort(), ["dask-jupyter", "dask-scheduler", "dask-worker"]);
        const destroyed = await stacks.team.destroy(observe(STACKS.team));
        assert.equal(destroyed.summary.result, "succeeded");
        assert.deepEqual(await teamObjects(), { phase: "Active", annotations: {}, data: { owner: "team-a" } });
        assert.deepEqual((await kubectlJson("-n", TEAM_NS, "get", "deployments")).items, [], "the Dask objects are gone");
    });

    it("creates and marks its own namespace, keeps it on later runs, refuses it to another stack, deletes it on destroy", async () => {
        stacks.own = await stackIn(STACKS.own, { namespace: OWN_NS });
        assert.equal((await stacks.own.up(observe(STACKS.own))).summary.result, "succeeded");
        const ns = await kubectlJson("get", "namespace", OWN_NS);
        assert.equal(ns.metadata.annotations["daskk8s.io/owner"], `organization/daskk8s/${STACKS.own}`);
        const again = await stacks.own.preview({ ...observe(STACKS.own), expectNoChanges: true });
        assert.deepEqual(
            Object.keys(again.changeSummary).filter((op) => op !== "same"),
            [],
            "its own namespace passes the check",
        );

        stacks.other = await stackIn(STACKS.other, { namespace: OWN_NS });
        await refusedUp(
            stacks.other,
            STACKS.other,
            new RegExp(`daskk8s:dask\\.namespace \\("${OWN_NS}"\\) already exists in context \\S+ and belongs to stack organization/daskk8s/${STACKS.own}`),
        );

        assert.equal((await stacks.own.destroy(observe(STACKS.own))).summary.result, "succeeded");
        await namespaceGone(OWN_NS, 120_000);
    });

    it("refuses a second metrics server where the cluster serves the metrics API already, at preview", async () => {
        const apiService = await kubectlJson("get", "apiservice", "v1beta1.metrics.k8s.io");
        stacks.metrics = await stackIn(STACKS.metrics, {}, { "daskk8s:metricsServer": { mode: "chart" } });
        await assert.rejects(stacks.metrics.preview(observe(STACKS.metrics)), (err: Error) => {
            assert.match(
                err.message,
                /daskk8s:metricsServer\.mode \("chart"\) would install a second metrics server: context \S+ already serves v1beta1\.metrics\.k8s\.io from [\s\S]*Set daskk8s:metricsServer\.mode to "existing" to use the cluster's/,
            );
            return true;
        });
        await refusedUp(stacks.metrics, STACKS.metrics, /would install a second metrics server/);
        const after = await kubectlJson("get", "apiservice", "v1beta1.metrics.k8s.io");
        assert.deepEqual(after.spec, apiService.spec, "the cluster's metrics API is untouched");
        assert.equal(after.metadata.resourceVersion, apiService.metadata.resourceVersion);
    });

    it("refuses a secret inside daskk8s:dask before touching anything, naming its key, never showing it", async () => {
        stacks.secret = await stackIn(STACKS.secret, {});
        await stacks.secret.setConfig("dask.workers.env.API_TOKEN", { value: TOKEN, secret: true }, true);
        const message = await refusedUp(
            stacks.secret,
            STACKS.secret,
            new RegExp(
                "daskk8s:dask\\.workers\\.env\\.API_TOKEN \\(secret\\) holds a value set with --secret[\\s\\S]*" +
                    "secrets go in daskk8s:jupyterPassword and daskk8s:secretEnv only[\\s\\S]*" +
                    "pulumi config set --secret --path secretEnv\\.workers\\.API_TOKEN",
            ),
        );
        assert.ok(!message.includes(TOKEN), "the error does not show the value");
        assert.ok(!fs.readFileSync(logFile(STACKS.secret), "utf8").includes(TOKEN), "pulumi's output does not show it");
        await assert.rejects(kubectl("get", "namespace", "dask"), /NotFound/);
    });
});
