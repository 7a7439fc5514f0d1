// The stack program's resource layout up to 0.2 (commit d94d225): the worker
// autoscaler was a top-level WorkerAutoscaler "workers" next to DaskCluster
// "dask". Same project name as the stack program, so that the same stack can
// be upgraded to the current layout (test/integration/upgrade.test.ts).
import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, KubeconfigTarget, MetricsServer, WorkerAutoscaler } from "../../../components";

const config = new pulumi.Config();
const kubeconfig = config.requireObject<{ kubeconfigPath: string; context: string }>("kubeconfig");
const dask = config.requireObject<{ namespace: string; chart: { path: string } }>("dask");

const target = new KubeconfigTarget("cluster", kubeconfig);
const onCluster = { providers: [target.provider], transforms: target.transforms };
const cluster = new DaskCluster("dask", { namespace: dask.namespace, chart: dask.chart, jupyter: { enabled: false } }, onCluster);
const metricsServer = new MetricsServer("metrics-server", { mode: "existing" }, onCluster);
// CPU was the only metric then; since `dask` became the default, such a
// program says `metric: "cpu"` (or passes schedulerHttpAddress), or is refused.
new WorkerAutoscaler(
    "workers",
    { namespace: cluster.namespace, deploymentName: cluster.workerDeploymentName, metric: "cpu" },
    { ...onCluster, dependsOn: [metricsServer] },
);
