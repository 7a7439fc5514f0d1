/**
 * The components as a multi-language package: `pulumi package get-schema`
 * infers the committed schema from the TypeScript sources, and a Pulumi YAML
 * program (examples/yaml) deploys a Dask cluster through it on kwok, the
 * components running in the package's own Node.js plugin process.
 *
 * Both work on a copy of the repository's files, as `pulumi package add` would
 * fetch them: installing the package runs `npm install` in it, and a
 * node_modules in components/ would hand the root program a second
 * @pulumi/pulumi.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { CHARTS, REPO, TOOLS, WORK, cluster, kubeconfig, kubectl, kubectlJson, run, stateFile, toolEnv, waitFor } from "./harness";

const STACK = "it-yaml";
const MIRROR = path.join(WORK, "yaml-consumer");
const PROGRAM = path.join(MIRROR, "examples", "yaml");
const PLUGIN = path.join(MIRROR, "components");
let env: Record<string, string>;
let stack: Stack;

describe("the components as a multi-language package, used from Pulumi YAML", { timeout: 15 * 60_000 }, () => {
    before(async () => {
        await cluster("up");
        env = {
            ...(toolEnv() as Record<string, string>),
            // The plugin cache scripts/toolchain.sh fills: installing a
            // package resolves its Kubernetes dependency there, not on PATH.
            PULUMI_HOME: path.join(TOOLS, "pulumi-home"),
            // KubeconfigTarget's default file, as in a user's shell.
            KUBECONFIG: await kubeconfig(),
            npm_config_prefer_offline: "true",
        };
        fs.rmSync(MIRROR, { recursive: true, force: true });
        fs.mkdirSync(MIRROR, { recursive: true });
        await run("bash", ["-c", `git ls-files -co --exclude-standard components examples/yaml | tar -cf - -T - | tar -xf - -C '${MIRROR}'`]);
        // What `pulumi install` does for the package before linking it into
        // the program; the YAML host built here (pulumi-yaml 1.25.0, the
        // newest the module proxy serves) predates that link step.
        await run("npm", ["install", "--no-audit", "--no-fund"], 600_000, env, PLUGIN);
        stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir: PROGRAM }, { envVars: env });
        await stack.setAllConfig({
            context: { value: "kwok-daskk8s" },
            daskChartPath: { value: path.join(CHARTS, "dask-2024.1.1.tgz") },
        });
    });

    after(async () => {
        await stack?.destroy().catch(() => undefined);
        await stack?.workspace.removeStack(STACK, { force: true }).catch(() => undefined);
    });

    it("has the committed schema, as `pulumi package get-schema` infers it", async () => {
        await run("bash", [path.join(REPO, "scripts", "schema.sh")], 600_000);
        const schema = JSON.parse(fs.readFileSync(path.join(REPO, "components", "schema.json"), "utf8"));
        assert.equal(schema.name, "daskk8s");
        assert.deepEqual(Object.keys(schema.resources).sort(), [
            "daskk8s:index:DaskCluster",
            "daskk8s:index:Keda",
            "daskk8s:index:KubeconfigTarget",
            "daskk8s:index:MetricsServer",
            "daskk8s:index:WorkerAutoscaler",
        ]);
        assert.deepEqual(
            schema.types["daskk8s:index:MetricsServerMode"].enum.map((e: { value: string }) => e.value),
            ["chart", "existing"],
        );
    });

    it("refuses bad input with the component's own message, before anything is created", async () => {
        await stack.setConfig("daskChartPath", { value: "/nonexistent/dask.tgz" });
        await assert.rejects(
            stack.preview(),
            /DaskCluster "dask" has invalid arguments:[\s\S]*chart\.path \("\/nonexistent\/dask\.tgz"\) must be an existing chart/,
        );
        await stack.setConfig("daskChartPath", { value: path.join(CHARTS, "dask-2024.1.1.tgz") });
    });

    it("deploys scheduler, workers, Jupyter and the HPA with the program's own provider", async () => {
        const result = await stack.up({ color: "never" });
        assert.equal(result.summary.result, "succeeded");
        assert.equal(result.outputs.schedulerAddress.value, "tcp://reports-scheduler.reports.svc.cluster.local:8786");
        assert.equal(result.outputs.dashboardUrl.value, "http://reports-scheduler.reports.svc.cluster.local:80");
        assert.equal(result.outputs.hpaName.value, "reports-worker");
        for (const name of ["reports-scheduler", "reports-worker", "reports-jupyter"]) {
            await waitFor(
                `${name} ready`,
                async () => {
                    const d = await kubectlJson("-n", "reports", "get", "deployment", name);
                    return d.status.readyReplicas >= 1 ? true : undefined;
                },
                120_000,
            );
        }
        const worker = await kubectlJson("-n", "reports", "get", "deployment", "reports-worker");
        const container = worker.spec.template.spec.containers[0];
        assert.equal(container.resources.requests.cpu, "250m");
        assert.deepEqual(
            container.env.find((e: { name: string }) => e.name === "EXTRA_PIP_PACKAGES"),
            { name: "EXTRA_PIP_PACKAGES", value: "pyarrow" },
        );
        const hpa = await kubectlJson("-n", "reports", "get", "hpa", "reports-worker");
        assert.deepEqual([hpa.spec.scaleTargetRef.name, hpa.spec.maxReplicas], ["reports-worker", 3]);
    });

    it("generates a password (no dynamic provider, which a YAML program cannot host) and keeps it a secret", async () => {
        const outputs = await stack.outputs();
        assert.equal(outputs.jupyterPassword.secret, true);
        const password = outputs.jupyterPassword.value as string;
        assert.match(password, /^[A-Za-z0-9]{24}$/);
        const hash = Buffer.from(await kubectl("-n", "reports", "get", "secret", "reports-jupyter-login", "-o", "jsonpath={.data.hash}"), "base64").toString();
        const [scheme, salt, digest] = hash.split(":");
        assert.equal(scheme, "sha1");
        assert.equal(
            digest,
            crypto
                .createHash("sha1")
                .update(password + salt)
                .digest("hex"),
        );
        const state = fs.readFileSync(stateFile(STACK, "daskk8s-yaml-example"), "utf8");
        assert.ok(!state.includes(password), "no plaintext password in state");
        assert.ok(!state.includes(digest), "no password hash in state");
        assert.ok(!/pulumi-nodejs/.test(state), "no Node.js dynamic provider");
    });

    it("previews no change on a second run", async () => {
        const preview = await stack.preview({ color: "never" });
        assert.deepEqual(Object.keys(preview.changeSummary), ["same"]);
    });

    it("destroys what it created", async () => {
        const result = await stack.destroy({ color: "never" });
        assert.equal(result.summary.result, "succeeded");
        await waitFor(
            "namespace reports gone",
            async () => {
                try {
                    await kubectl("get", "namespace", "reports");
                    return undefined;
                } catch (err) {
                    return /NotFound/.test(String(err)) ? true : undefined;
                }
            },
            120_000,
        );
    });
});
