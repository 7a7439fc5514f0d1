// A stack of its own that uses the components from the package (not from
// relative source files) with its own Kubernetes provider.
import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, KubeconfigTarget } from "daskk8s";

const config = new pulumi.Config();
const chartPath = config.get("daskChartPath");

const cluster = new KubeconfigTarget("cluster", {
    kubeconfigPath: config.get("kubeconfigPath"),
    context: config.get("context"),
});
const onCluster = { providers: [cluster.provider], transforms: cluster.transforms };

const dask = new DaskCluster(
    "analytics",
    {
        namespace: "analytics",
        fullname: "analytics",
        chart: chartPath ? { path: chartPath } : undefined,
        jupyter: { enabled: false },
        workers: {
            // An HPA for the workers; the worker Deployment then has no fixed count.
            autoscaling: { maxReplicas: 4 },
            resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        },
    },
    onCluster,
);

export const schedulerAddress = dask.schedulerAddress;
export const workerDeploymentName = dask.workerDeploymentName;
export const workerAutoscalerName = dask.workerAutoscalerName;
