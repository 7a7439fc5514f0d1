import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, KubeconfigTarget, MetricsServer, WorkerAutoscaler } from "./components/index";
import { EksTarget } from "./components/eks";
import * as fs from "fs";
import * as path from "path";
import { loadStackConfig } from "./config";
import { secretConfigKeys, secureValuePaths } from "./configSecrets";

const rawConfig = pulumi.runtime.allConfig();

// Every setting is checked here, before any resource is registered.
const settings = loadStackConfig({
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    values: rawConfig,
    secretKeys: secretConfigKeys(Object.keys(rawConfig)),
    securePaths: secureValuePaths(readIfPresent(path.join(pulumi.getRootDirectory(), `Pulumi.${pulumi.getStack()}.yaml`))),
});

function readIfPresent(file: string): string | undefined {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

const target = settings.target.kind === "eks"
    ? new EksTarget("cluster", settings.target.args)
    : new KubeconfigTarget("cluster", settings.target.args);
const onCluster = { providers: [target.provider] };

const configuredPassword = settings.jupyterPassword !== undefined ? new pulumi.Config().requireSecret("jupyterPassword") : undefined;
const dask = new DaskCluster("dask", {
    ...settings.dask,
    jupyter: { ...settings.dask.jupyter, ...(configuredPassword !== undefined ? { password: configuredPassword } : {}) },
}, onCluster);

const metricsServer = new MetricsServer("metrics-server", settings.metricsServer, onCluster);

const autoscaler = settings.autoscaling && new WorkerAutoscaler("workers", {
    ...settings.autoscaling,
    namespace: dask.namespace,
    deploymentName: dask.workerDeploymentName,
}, { ...onCluster, dependsOn: [metricsServer] });

export const namespace = dask.namespace;
export const schedulerAddress = dask.schedulerAddress;
export const dashboard = dask.dashboard;
export const jupyter = dask.jupyter;
export const jupyterPassword = dask.jupyterPassword;
export const workerDeploymentName = dask.workerDeploymentName;
export const daskImageTag = dask.imageTag;
// null rather than undefined: Pulumi drops undefined outputs with a warning.
export const autoscalerName = autoscaler ? autoscaler.hpaName : pulumi.output(null);
export const metricsServerMode = metricsServer.mode;
export const kubeconfig = target.kubeconfig;
export const cluster = target instanceof EksTarget
    ? pulumi.output({ type: "eks", name: target.clusterName, oidcProviderArn: target.oidcProviderArn, oidcProviderUrl: target.oidcProviderUrl })
    : pulumi.output({ type: "kubeconfig", context: target.context });
