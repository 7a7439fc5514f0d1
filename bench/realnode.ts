/**
 * From nothing to a first computation on the real node (scripts/realnode.sh),
 * side by side, alternately:
 *   ours:   `pulumi up` of the minikube stack's settings placed on the real
 *           node, then a Dask computation from this host through the
 *           scheduler's NodePort;
 *   theirs: the tutorial's path on the same node: `helm install --wait` of
 *           the same chart with the same placement, Services and worker
 *           resources, `kubectl autoscale`, then the same computation.
 * Images are already on the node for both. Writes bench/RESULTS-realnode.md.
 * Usage: npm run bench:realnode [-- RUNS]   (root; builds nothing)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
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
import { REAL_NODE_IP, realNodeCluster, realNodeValues } from "../test/integration/realNode";
import { median, timed } from "./timing";

const RUNS = Number(process.argv[2] ?? 3);
const STACK = "it-bench-realnode";
const TAG = "2024.1.0";

const pulumi = (...args: string[]) => run("pulumi", [...args, "--stack", STACK, "--non-interactive", "--color", "never"], 900_000);

async function firstComputation(python: string): Promise<void> {
    const svc = JSON.parse(await kubectl("-n", "dask", "get", "service", "dask-scheduler", "-o", "json"));
    const port = svc.spec.ports.find((p: { port: number }) => p.port === 8786).nodePort;
    const out = JSON.parse(await run(python, [path.join(REPO, "test", "integration", "dask_client.py"), `tcp://${REAL_NODE_IP}:${port}`, "compute"], 300_000));
    if (out.array_sum_of_squares !== out.array_expected) {
        throw new Error(`wrong result: ${JSON.stringify(out)}`);
    }
}

async function main(): Promise<void> {
    Object.assign(process.env, toolEnv());
    await realNodeCluster();
    const python = (await run("bash", [path.join(REPO, "scripts", "images.sh"), "client", TAG], 900_000)).trim();
    const kubeconfigPath = (await cluster("kubeconfig")).trim();
    const helm = (...args: string[]) => run("helm", ["--kubeconfig", kubeconfigPath, ...args], 900_000);

    await removeStack(STACK);
    const config = await minikubeConfigHere();
    config["daskk8s:dask"].values = realNodeValues();
    await stackWithConfig(STACK, config);

    // The same chart inputs the tutorial reader would write in values.yaml.
    const dask = config["daskk8s:dask"];
    const values = {
        ...realNodeValues(),
        scheduler: { ...realNodeValues().scheduler, serviceType: "NodePort" },
        jupyter: { ...realNodeValues().jupyter, serviceType: "NodePort" },
        worker: { ...realNodeValues().worker, replicas: 1, resources: dask.workers.resources },
    };
    const valuesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-")), "values.yaml");
    fs.writeFileSync(valuesFile, stringify(values));

    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        ours.push(
            await timed(async () => {
                await pulumi("up", "--yes", "--skip-preview");
                await firstComputation(python);
            }),
        );
        await pulumi("destroy", "--yes", "--skip-preview");
        await namespaceGone("dask");

        theirs.push(
            await timed(async () => {
                await helm(...helmInstallDask(path.join(CHARTS, "dask-2024.1.1.tgz"), "-f", valuesFile));
                await kubectl("-n", "dask", "autoscale", "deployment", "dask-worker", "--min=1", "--max=3", "--cpu-percent=70");
                await firstComputation(python);
            }),
        );
        await helm("uninstall", "dask", "--namespace", "dask", "--wait");
        await kubectl("delete", "namespace", "dask", "--ignore-not-found");
        await namespaceGone("dask");
        console.log(`run ${i + 1}: pulumi up + compute ${ours[i].toFixed(1)}s, helm install + autoscale + compute ${theirs[i].toFixed(1)}s`);
    }
    await removeStack(STACK);

    const fmt = (v: number[]) => `${median(v).toFixed(1)} s (${v.map((t) => t.toFixed(1)).join(", ")})`;
    const text = [
        "# Benchmark: to a first computation on real pods",
        "",
        `Measured by \`npm run bench:realnode -- ${RUNS}\` on ${new Date().toISOString().slice(0, 10)}: ${RUNS} alternating runs on the`,
        "local real node (2 cores shared with the control plane), images already on the node. Both sides end when a",
        "Dask client on this host has computed a checked dask.array result through the scheduler's NodePort.",
        "",
        "| ours | median (runs) | compared with | median (runs) | ratio |",
        "| --- | --- | --- | --- | --- |",
        `| \`pulumi up\` + computation | ${fmt(ours)} | \`helm install --wait\` + \`kubectl autoscale\` + computation | ${fmt(theirs)} | ${(median(ours) / median(theirs)).toFixed(2)}× |`,
        "",
    ].join("\n");
    fs.writeFileSync(path.join(REPO, "bench", "RESULTS-realnode.md"), text);
    console.log(text);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
