// A stack of its own that uses the components from the package (not from
// relative source files) with its own Kubernetes provider.
import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, Keda, KubeconfigTarget } from "daskk8s";

const config = new pulumi.Config();
const chartPath = config.get("daskChartPath");
const kedaChartPath = config.get("kedaChartPath");

const cluster = new KubeconfigTarget("cluster", {
    kubeconfigPath: config.get("kubeconfigPath"),
    context: config.get("context"),
});
const onCluster = { providers: [cluster.provider], transforms: cluster.transforms };

// KEDA, once per cluster: the workers' autoscaler reads the Dask scheduler's
// own target through it.
const keda = new Keda("keda", { chart: kedaChartPath ? { path: kedaChartPath } : undefined }, onCluster);

const dask = new DaskCluster(
    "analytics",
    {
        namespace: "analytics",
        fullname: "analytics",
        chart: chartPath ? { path: chartPath } : undefined,
        jupyter: { enabled: false },
        workers: {
            // As many workers as the scheduler asks for, up to 4, none when idle;
            // the worker Deployment then has no fixed count. kedaReady creates
            // the ScaledObject once KEDA's CRDs exist (nothing else waits for KEDA).
            autoscaling: { maxReplicas: 4, minReplicas: 0, kedaReady: keda.ready },
            resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        },
    },
    onCluster,
);

export const schedulerAddress = dask.schedulerAddress;
export const workerDeploymentName = dask.workerDeploymentName;
export const workerAutoscalerName = dask.workerAutoscalerName;
