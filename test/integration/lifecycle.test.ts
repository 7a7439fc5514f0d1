/**
 * The committed minikube stack on a real engine, the real Kubernetes provider
 * and a real (kwok) control plane: create, autoscale, change, destroy.
 * The steps run in order and share one stack.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import {
    REPO,
    cluster,
    kubeconfig,
    kubectl,
    toolEnv,
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

const STACK = "it-minikube";
const POLICY_PACK = path.join(REPO, "policy");
const NS = "dask";
const WORKERS = "component=worker";

let stack: Stack;
let config: Record<string, any>;

async function up(events: EngineEvent[] = []) {
    const result = await stack.up(observe(STACK, events));
    assert.equal(result.summary.result, "succeeded");
    return result;
}

async function deployment(name: string) {
    return kubectlJson("-n", NS, "get", "deployment", name);
}

async function workerReplicas(): Promise<number> {
    return (await deployment("dask-worker")).spec.replicas;
}

async function hpaCpu(): Promise<number | undefined> {
    const hpa = await kubectlJson("-n", NS, "get", "hpa", "dask-worker");
    return hpa.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization;
}

/** Resources the engine planned to change, with the property paths it diffs. */
function plannedChanges(events: EngineEvent[]) {
    return events
        .filter((e) => e.resourcePreEvent && e.resourcePreEvent.metadata.op !== "same" && e.resourcePreEvent.metadata.op !== "read")
        .map((e) => {
            const m = e.resourcePreEvent!.metadata;
            // The Kubernetes provider reports changed paths in detailedDiff.
            return { urn: m.urn, op: m.op, diffs: Object.keys(m.detailedDiff ?? {}).sort() };
        });
}

/** `pulumi refresh --expect-no-changes`: every resource as the state has it. */
async function refreshWithoutChanges() {
    const result = await stack.refresh({ ...observe(STACK), expectNoChanges: true });
    assert.equal(result.summary.result, "succeeded");
    assert.deepEqual(
        Object.keys(result.summary.resourceChanges ?? {}).filter((op) => op !== "same"),
        [],
    );
}

async function withConfig(change: (c: Record<string, any>) => void) {
    change(config);
    stack = await stackWithConfig(STACK, config);
}

describe("minikube stack on a live control plane", { timeout: 40 * 60_000 }, () => {
    before(async () => {
        await cluster("up");
        await cluster("usage", "reset");
        await removeStack(STACK);
        fs.rmSync(logFile(STACK), { force: true });
        config = await minikubeConfigHere();
        // A short, test-only scale-down pace; the committed stack keeps 5 minutes.
        config["daskk8s:autoscaling"].scaleDown = { stabilizationWindowSeconds: 15, podsPerPeriod: 3, periodSeconds: 15 };
        stack = await stackWithConfig(STACK, config);
    });

    after(async () => {
        await cluster("usage", "reset").catch(() => undefined);
    });

    it("refuses bad config before touching anything", async () => {
        const bad = structuredClone(config);
        bad["daskk8s:autoscaling"].minReplicas = 5;
        const badStack = await stackWithConfig(STACK, bad);
        try {
            await assert.rejects(badStack.up(observe(STACK)), (err: Error) => {
                assert.match(
                    err.message,
                    /Invalid stack configuration in Pulumi\.it-minikube\.yaml[\s\S]*daskk8s:autoscaling\.minReplicas \(5\) must not exceed daskk8s:autoscaling\.maxReplicas \(3\)/,
                );
                assert.doesNotMatch(err.message, /at loadStackConfig/, "shown without a stack trace");
                return true;
            });
            const state = await badStack.exportStack();
            const ours = (state.deployment.resources ?? []).filter((r: { type: string }) => r.type !== "pulumi:pulumi:Stack");
            assert.deepEqual(ours, [], "the failed run left no resource in the state");
            await assert.rejects(kubectl("get", "namespace", NS), /NotFound/);
        } finally {
            stack = await stackWithConfig(STACK, config);
        }
    });

    it("previews a new stack in full: every Deployment and Service the chart will create", async () => {
        const events: EngineEvent[] = [];
        await stack.preview(observe(STACK, events));
        const creates = events
            .flatMap((e) => (e.resourcePreEvent?.metadata.op === "create" ? [e.resourcePreEvent.metadata] : []))
            .filter((m) => m.type === "kubernetes:apps/v1:Deployment" || m.type === "kubernetes:core/v1:Service")
            .map((m) => `${m.type.split(":").pop()} ${m.urn.split("::").pop()}`)
            .sort();
        assert.deepEqual(creates, [
            "Deployment dask-chart:dask/dask-jupyter",
            "Deployment dask-chart:dask/dask-scheduler",
            "Deployment dask-chart:dask/dask-worker",
            "Service dask-chart:dask/dask-jupyter",
            "Service dask-chart:dask/dask-scheduler",
        ]);
    });

    it("creates scheduler, workers, Jupyter, services and the HPA, all ready", async () => {
        await up();
        for (const name of ["dask-scheduler", "dask-worker", "dask-jupyter"]) {
            const d = await deployment(name);
            const available = d.status.conditions.find((c: { type: string }) => c.type === "Available");
            assert.equal(available?.status, "True", `${name} is available`);
        }
        const services = await kubectlJson("-n", NS, "get", "services");
        assert.deepEqual(services.items.map((s: any) => `${s.metadata.name}:${s.spec.type}`).sort(), ["dask-jupyter:NodePort", "dask-scheduler:NodePort"]);
        const hpa = await kubectlJson("-n", NS, "get", "hpa", "dask-worker");
        assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "dask-worker" });
        assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [1, 3]);
        assert.equal(await workerReplicas(), 1, "no replica count was written; the HPA's minimum holds");
        const metricsApi = await kubectlJson("get", "apiservice", "v1beta1.metrics.k8s.io", "--show-managed-fields");
        assert.ok(
            !metricsApi.metadata.managedFields.some((f: { manager: string }) => /pulumi/.test(f.manager)),
            "metricsServer.mode existing leaves the cluster's own metrics API alone (no second server, no takeover)",
        );
        const outputs = await stack.outputs();
        assert.equal(outputs.schedulerAddress.value, "tcp://dask-scheduler.dask.svc.cluster.local:8786");
        assert.equal(outputs.jupyterPassword.secret, true);
        assert.equal(typeof outputs.dashboard.value.nodePort, "number", "the dashboard's NodePort is read from the live Service");
    });

    it("refreshes with no changes right after up: the state matches the cluster", async () => {
        await refreshWithoutChanges();
    });

    it("runs the chart's images with the legacy commands, the scheduler API on, Jupyter reading its config", async () => {
        const scheduler = (await deployment("dask-scheduler")).spec.template.spec.containers[0];
        assert.equal(scheduler.args[0], "dask-scheduler");
        assert.match(scheduler.env.find((e: any) => e.name === "DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES").value, /distributed\.http\.scheduler\.api/);
        const jupyter = (await deployment("dask-jupyter")).spec.template.spec.containers[0];
        assert.equal(jupyter.env.find((e: any) => e.name === "JUPYTERLAB_ARGS").value, "--config /usr/local/etc/jupyter/jupyter_notebook_config.py");
        const config = await kubectlJson("-n", NS, "get", "configmap", "dask-jupyter-config");
        assert.doesNotMatch(config.data["jupyter_notebook_config.py"], /sha1:/, "no password hash in the ConfigMap");
        const secret = await kubectlJson("-n", NS, "get", "secret", "dask-jupyter-login");
        assert.match(Buffer.from(secret.data.hash, "base64").toString(), /^sha1:[a-z0-9]{12}:[0-9a-f]{40}$/);
    });

    it("passes the policy pack as committed", async () => {
        const preview = await stack.preview({ ...observe(STACK), policyPacks: [POLICY_PACK] });
        assert.match(preview.stdout, /daskk8s-guardrails/);
        assert.doesNotMatch(preview.stdout, /\[mandatory\]/);
    });

    it("blocks, through the policy pack, what the values escape hatch lets past the program's checks", async () => {
        const bad = structuredClone(config);
        bad["daskk8s:dask"].values = {
            scheduler: { serviceType: "LoadBalancer", nodeSelector: { "karpenter.sh/capacity-type": "spot" } },
            worker: { image: { tag: "latest" } },
        };
        const badStack = await stackWithConfig(STACK, bad);
        try {
            await assert.rejects(badStack.preview({ ...observe(STACK), policyPacks: [POLICY_PACK] }), (err: Error) => {
                assert.match(err.message, /\[mandatory\]\s+no-open-load-balancer[\s\S]*exposes the Dask scheduler \(port 8786\)/);
                assert.match(err.message, /\[mandatory\]\s+pinned-dask-images[\s\S]*runs ghcr\.io\/dask\/dask:latest/);
                assert.match(err.message, /\[mandatory\]\s+no-scheduler-on-spot[\s\S]*lets the Dask scheduler[\s\S]*run on Spot capacity/);
                return true;
            });
        } finally {
            stack = await stackWithConfig(STACK, config);
        }
    });

    it("feeds the HPA a current CPU metric, not <unknown>", async () => {
        const cpu = await waitFor("the HPA's CPU metric", hpaCpu, 180_000);
        assert.ok(cpu >= 0 && cpu < 70, `idle workers are below target (${cpu}%)`);
        assert.match(await kubectl("-n", NS, "top", "pods"), /dask-worker/);
    });

    it("scales workers to the maximum under load (the tutorial's demo)", async () => {
        await cluster("usage", "900m", WORKERS); // 180% of the 500m request
        await waitFor("3 workers", async () => ((await workerReplicas()) === 3 ? true : undefined), 300_000);
    });

    it("previews no change after the HPA changed the replica count", async () => {
        assert.equal(await workerReplicas(), 3);
        const preview = await stack.preview({ ...observe(STACK), expectNoChanges: true });
        assert.deepEqual(
            Object.keys(preview.changeSummary).filter((op) => op !== "same"),
            [],
        );
    });

    it("refreshes with no changes after the HPA changed the replica count", async () => {
        assert.equal(await workerReplicas(), 3);
        await refreshWithoutChanges();
        const preview = await stack.preview({ ...observe(STACK), expectNoChanges: true });
        assert.deepEqual(
            Object.keys(preview.changeSummary).filter((op) => op !== "same"),
            [],
            "and previews none after the refresh",
        );
    });

    it("returns to the minimum once load drops and the window passes", async () => {
        await cluster("usage", "reset");
        await waitFor("1 worker", async () => ((await workerReplicas()) === 1 ? true : undefined), 300_000);
    });

    it("adds a pip package as an env change of the Dask Deployments only", async () => {
        await withConfig((c) => {
            c["daskk8s:dask"].packages = { pip: ["dask-ml"] };
        });
        const events: EngineEvent[] = [];
        await stack.preview({ ...observe(STACK, events), diff: true });
        // Nothing else: no provider but the cluster's, which config changes
        // to the Dask settings do not touch.
        const changes = plannedChanges(events);
        assert.deepEqual(changes.map((c) => `${c.op} ${c.urn.split("::").slice(-2).join(" ")}`).sort(), [
            "update daskk8s:index:DaskCluster$kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:Deployment dask-chart:dask/dask-jupyter",
            "update daskk8s:index:DaskCluster$kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:Deployment dask-chart:dask/dask-scheduler",
            "update daskk8s:index:DaskCluster$kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:Deployment dask-chart:dask/dask-worker",
        ]);
        for (const change of changes) {
            assert.ok(
                change.diffs.length > 0 && change.diffs.every((d: string) => /^spec\.template\.spec\.containers\[0\]\.env/.test(d)),
                `${change.urn}: ${change.diffs}`,
            );
        }
        await up();
        for (const name of ["dask-scheduler", "dask-worker", "dask-jupyter"]) {
            const env = (await deployment(name)).spec.template.spec.containers[0].env;
            assert.equal(env.find((e: any) => e.name === "EXTRA_PIP_PACKAGES")?.value, "dask-ml", name);
        }
    });

    it("previews a changed secret as a restart of exactly the Deployments that read it", async () => {
        const plan = async () => {
            const events: EngineEvent[] = [];
            await stack.preview({ ...observe(STACK, events), diff: true });
            return plannedChanges(events).map((c) => ({ ...c, name: `${c.op} ${c.urn.split("::").pop()}` }));
        };
        const revision = async (name: string, variable: string) =>
            (await deployment(name)).spec.template.spec.containers[0].env.find((e: any) => e.name === variable)?.value;
        await stack.setConfig("secretEnv.workers.API_TOKEN", { value: "tok-first-1234", secret: true }, true);
        await up();
        const first = await revision("dask-worker", "DASKK8S_SECRET_ENV_REVISION");
        assert.match(first, /^[0-9a-f]{16}$/);

        await stack.setConfig("secretEnv.workers.API_TOKEN", { value: "tok-second-5678", secret: true }, true);
        const tokenChange = await plan();
        // The Kubernetes provider replaces a Secret whose data changes.
        const replaced = (name: string) => [`create-replacement ${name}`, `delete-replaced ${name}`, `replace ${name}`];
        assert.deepEqual(tokenChange.map((c) => c.name).sort(), [...replaced("dask-worker-env"), "update dask-chart:dask/dask-worker"]);
        const workerDiffs = tokenChange.find((c) => c.name === "update dask-chart:dask/dask-worker")!.diffs;
        assert.equal(workerDiffs.length, 1, `${workerDiffs}`);
        assert.match(workerDiffs[0], /^spec\.template\.spec\.containers\[0\]\.env\[\d+\]\.value$/, "only the revision");
        await up();
        assert.notEqual(await revision("dask-worker", "DASKK8S_SECRET_ENV_REVISION"), first);

        const login = await revision("dask-jupyter", "JUPYTER_LOGIN_REVISION");
        await stack.setConfig("jupyterPassword", { value: "a-chosen-password", secret: true });
        const passwordChange = await plan();
        assert.deepEqual(
            passwordChange.map((c) => c.name).sort(),
            [...replaced("dask-jupyter-login"), "delete dask-jupyter-password", "update dask-chart:dask/dask-jupyter"].sort(),
        );
        await up();
        assert.notEqual(await revision("dask-jupyter", "JUPYTER_LOGIN_REVISION"), login);

        await stack.removeConfig("jupyterPassword");
        await stack.removeConfig("secretEnv", true);
        await up();
    });

    it("runs `dask scheduler` / `dask worker` for images from 2026.6.0 on", async () => {
        await withConfig((c) => {
            c["daskk8s:dask"].image = { tag: "2026.6.0" };
        });
        await up();
        const scheduler = (await deployment("dask-scheduler")).spec.template.spec.containers[0];
        const worker = (await deployment("dask-worker")).spec.template.spec.containers[0];
        assert.equal(scheduler.image, "ghcr.io/dask/dask:2026.6.0");
        assert.deepEqual(scheduler.args.slice(0, 2), ["dask", "scheduler"]);
        assert.deepEqual(worker.args.slice(0, 3), ["dask", "worker", "dask-scheduler:8786"]);
    });

    it("scales by hand through config when autoscaling is off", async () => {
        await withConfig((c) => {
            c["daskk8s:autoscaling"] = { enabled: false };
            c["daskk8s:dask"].workers.replicas = 2;
        });
        await up();
        assert.equal(await workerReplicas(), 2);
        await assert.rejects(kubectl("-n", NS, "get", "hpa", "dask-worker"), /NotFound/);
    });

    it("previews more workers as a change of the worker Deployment's replicas only", async () => {
        await withConfig((c) => {
            c["daskk8s:dask"].workers.replicas = 4;
        });
        const events: EngineEvent[] = [];
        await stack.preview({ ...observe(STACK, events), diff: true });
        const changes = plannedChanges(events);
        assert.deepEqual(
            changes.map((c) => [c.op, c.urn.split("::").pop(), c.diffs]),
            [["update", "dask-chart:dask/dask-worker", ["spec.replicas"]]],
        );
        await up();
        assert.equal(await workerReplicas(), 4);
    });

    it("keeps the Jupyter password and the kubeconfig out of state, outputs and logs", async () => {
        const outputs = await stack.outputs();
        const password = outputs.jupyterPassword.value as string;
        assert.equal(password.length, 24);
        // What would give the kubeconfig away: its user section (inline
        // credentials or the paths of key files) and the private key itself.
        const kubeconfigText = fs.readFileSync(await kubeconfig(), "utf8");
        const credentials = [...kubeconfigText.matchAll(/^ *(client-key-data|client-certificate-data|token|client-key|client-certificate): *(\S+)$/gm)].flatMap(
            ([line, key, value]) =>
                key === "client-key"
                    ? [
                          line.trim(),
                          ...fs
                              .readFileSync(value, "utf8")
                              .split("\n")
                              .filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l)),
                      ]
                    : [line.trim()],
        );
        assert.ok(credentials.length > 2, "the kwok kubeconfig carries credentials to look for");
        const state = fs.readFileSync(stateFile(STACK), "utf8");
        const logs = fs.readFileSync(logFile(STACK), "utf8");
        // The CLI as a user runs it, without --show-secrets (the Automation API's
        // exportStack and outputs() decrypt on purpose).
        const exported = await run("pulumi", ["stack", "export", "--stack", STACK]);
        const outputsJson = await run("pulumi", ["stack", "output", "--json", "--stack", STACK]);
        assert.equal(JSON.parse(outputsJson).jupyterPassword, "[secret]");
        for (const [where, text] of [
            ["state file", state],
            ["exported state", exported],
            ["stack outputs", outputsJson],
            ["logs", logs],
        ]) {
            assert.ok(!text.includes(password), `the Jupyter password is not in the ${where}`);
            for (const credential of credentials) {
                assert.ok(!text.includes(credential), `kubeconfig credentials are not in the ${where}`);
            }
        }
        assert.match(state, /"ciphertext"/, "secrets are stored encrypted");
    });

    it("serves its outputs to other stacks through a StackReference", async () => {
        const consumer = await LocalWorkspace.createOrSelectStack(
            {
                stackName: "it-consumer",
                projectName: "daskk8s-consumer",
                program: async () => {
                    const dask = new pulumi.StackReference(`organization/daskk8s/${STACK}`);
                    return {
                        scheduler: dask.requireOutput("schedulerAddress"),
                        dashboardUrl: dask.requireOutput("dashboard").apply((d: { inClusterUrl: string }) => d.inClusterUrl),
                    };
                },
            },
            { envVars: toolEnv() as Record<string, string> },
        );
        try {
            const result = await consumer.up(observe(STACK));
            assert.equal(result.outputs.scheduler.value, "tcp://dask-scheduler.dask.svc.cluster.local:8786");
            assert.equal(result.outputs.dashboardUrl.value, "http://dask-scheduler.dask.svc.cluster.local:80");
        } finally {
            await consumer.destroy().catch(() => undefined);
            await consumer.workspace.removeStack("it-consumer", { force: true });
        }
    });

    it("destroys every object it created", async () => {
        const result = await stack.destroy(observe(STACK));
        assert.equal(result.summary.result, "succeeded");
        await namespaceGone(NS, 120_000);
        const leftovers = await kubectl(
            "get",
            "deployments,services,hpa,secrets,configmaps,serviceaccounts,roles,rolebindings",
            "-A",
            "-l",
            "release=dask",
            "-o",
            "name",
        );
        assert.equal(leftovers.trim(), "");
        await removeStack(STACK);
    });
});
