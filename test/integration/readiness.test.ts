/**
 * What the provider's readiness wait still guards now that ClusterIP and
 * NodePort Services skip theirs: a Dask cluster whose pods never become ready
 * (an image that cannot be pulled) fails `pulumi up` on its Deployments, with
 * a message that names them and the reason.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { CHARTS, kubeconfig, kubectl, namespaceGone, observe, toolEnv } from "./harness";
import { realNodeCluster, realNodeValues } from "./realNode";

const STACK = "it-readiness";
const NAMESPACE = "it-readiness";
const PROGRAM = path.join(__dirname, "readiness-program");

describe("a Dask cluster whose pods never become ready", { timeout: 15 * 60_000 }, () => {
    let stack: Stack;

    before(async () => {
        await realNodeCluster();
        await kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true");
        stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir: PROGRAM }, { envVars: toolEnv() as Record<string, string> });
        await stack.setAllConfig({
            kubeconfigPath: { value: await kubeconfig() },
            namespace: { value: NAMESPACE },
            chartPath: { value: path.join(CHARTS, "dask-2024.1.1.tgz") },
            // Nothing serves it: the node's pull fails at once.
            imageRepository: { value: "localhost/daskk8s-missing/dask" },
            values: { value: JSON.stringify(realNodeValues()) },
            waitSeconds: { value: "90" },
        });
    });

    after(async () => {
        await stack?.destroy(observe(STACK)).catch(() => undefined);
        await stack?.workspace.removeStack(STACK, { force: true }).catch(() => undefined);
        await namespaceGone(NAMESPACE).catch(() => undefined);
    });

    it("fails pulumi up on the Deployments' readiness, naming them and why", async () => {
        const error = await stack.up(observe(STACK)).then(
            () => undefined,
            (err: Error) => err,
        );
        assert.ok(error, "pulumi up must fail");
        assert.match(error.message, /dask-scheduler|dask-worker/);
        assert.match(error.message, /ErrImagePull|ImagePullBackOff|failed to pull|Minimum number of live Pods was not attained/i);
        const services = await kubectl("-n", NAMESPACE, "get", "service", "-o", "name");
        assert.match(services, /service\/dask-scheduler/, "the Services were created without waiting");
    });
});
