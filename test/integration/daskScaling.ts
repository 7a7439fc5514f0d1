/**
 * What the real-pod autoscaling suite (daskAutoscaling.test.ts) and its
 * benchmark (bench/scaling.ts) share: the stack's settings on the real node,
 * the Dask client on this host, and waiting for the worker count to settle.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CHARTS, REPO, kubectlJson, minikubeConfigHere, run, waitFor } from "./harness";
import { REAL_NODE_IP, realNodeValues } from "./realNode";

export const DASK_NS = "dask";
/** The Dask version of the cluster's images, and so of the client. */
export const CLIENT_TAG = "2024.1.0";
const CLIENT_SCRIPT = path.join(REPO, "test", "integration", "dask_client.py");

/** A short test-only pace (the committed stacks keep 5 minutes). */
export const FAST_SCALE_DOWN = { stabilizationWindowSeconds: 20, podsPerPeriod: 3, periodSeconds: 15 };

/** Worker autoscaling settings: Dask's target through KEDA, or CPU. */
export function autoscaling(metric: "dask" | "cpu", minReplicas = 1): Record<string, unknown> {
    const common = { minReplicas, maxReplicas: 3, scaleDown: FAST_SCALE_DOWN };
    return metric === "dask" ? { ...common, pollingIntervalSeconds: 5 } : { ...common, metric: "cpu", targetCpuUtilization: 70 };
}

/**
 * The minikube stack's settings placed on the real node, KEDA's chart from
 * the repo's fixtures with the local stack's placement, no notebook (three
 * workers, the scheduler and KEDA fill the node's 2 CPUs), and the given
 * autoscaling and retirement timeout (0: workers stop without retiring).
 */
export async function scalingConfig(metric: "dask" | "cpu", retireTimeoutSeconds: number): Promise<Record<string, any>> {
    const config = await minikubeConfigHere();
    const dask = config["daskk8s:dask"];
    dask.values = realNodeValues();
    dask.jupyter = { enabled: false };
    dask.workers = { ...dask.workers, retireTimeoutSeconds };
    const local = parse(fs.readFileSync(path.join(REPO, "Pulumi.local.yaml"), "utf8")).config;
    config["daskk8s:keda"] = { mode: "chart", chart: { path: path.join(CHARTS, "keda-2.20.2.tgz") }, values: local["daskk8s:keda"].values };
    config["daskk8s:autoscaling"] = autoscaling(metric);
    return config;
}

let python: string | undefined;

/** Runs a command of dask_client.py against the scheduler's NodePort; its JSON answer. */
export async function dask(...args: string[]): Promise<any> {
    python ??= (await run("bash", [path.join(REPO, "scripts", "images.sh"), "client", CLIENT_TAG], 900_000)).trim();
    const svc = await kubectlJson("-n", DASK_NS, "get", "service", "dask-scheduler");
    const port = svc.spec.ports.find((p: { port: number }) => p.port === 8786).nodePort;
    return JSON.parse(await run(python, [CLIENT_SCRIPT, `tcp://${REAL_NODE_IP}:${port}`, ...args], 900_000));
}

/** Waits until the worker Deployment's count and its pods are both `count` (pods gone, not only asked to go). */
export async function workersSettledAt(count: number, timeoutMs: number): Promise<void> {
    await waitFor(
        `${count} worker(s)`,
        async () => {
            const deployment = await kubectlJson("-n", DASK_NS, "get", "deployment", "dask-worker");
            const pods = await kubectlJson("-n", DASK_NS, "get", "pods", "-l", "component=worker");
            return deployment.spec.replicas === count && pods.items.length === count ? true : undefined;
        },
        timeoutMs,
        3000,
    );
}
