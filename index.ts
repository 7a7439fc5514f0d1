import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, KubeconfigTarget, MetricsServer, WorkerAutoscaler } from "./components/index";
import { EksTarget } from "./components/eks";
import { stackOwner } from "./components/common/ownership";
import { checkCluster } from "./config/index";
import { loadStackConfig } from "./config/index";
import { secretConfigKeys, secureValuePaths } from "./config/index";

function readIfPresent(file: string): string | undefined {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

// An async program: Pulumi awaits it, so the checks against the cluster run
// before any resource is registered, and the returned object is the outputs.
export = async () => {
    const rawConfig = pulumi.runtime.allConfig();
    // Every setting is checked here, before any resource is registered.
    const settings = loadStackConfig({
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        values: rawConfig,
        secretKeys: secretConfigKeys(Object.keys(rawConfig)),
        securePaths: secureValuePaths(readIfPresent(path.join(pulumi.getRootDirectory(), `Pulumi.${pulumi.getStack()}.yaml`))),
    });
    await checkCluster(settings, { project: pulumi.getProject(), stack: pulumi.getStack(), owner: stackOwner() });

    const target = settings.target.kind === "eks"
        ? new EksTarget("cluster", settings.target.args)
        : new KubeconfigTarget("cluster", settings.target.args);
    const onCluster = { providers: [target.provider], transforms: target.transforms };

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

    return {
        namespace: dask.namespace,
        schedulerAddress: dask.schedulerAddress,
        dashboard: dask.dashboard,
        jupyter: dask.jupyter,
        jupyterPassword: dask.jupyterPassword,
        workerDeploymentName: dask.workerDeploymentName,
        daskImageTag: dask.imageTag,
        // null rather than undefined: Pulumi drops undefined outputs with a warning.
        autoscalerName: autoscaler ? autoscaler.hpaName : pulumi.output(null),
        metricsServerMode: metricsServer.mode,
        kubeconfig: target.kubeconfig,
        cluster: target instanceof EksTarget
            ? pulumi.output({ type: "eks", name: target.clusterName, oidcProviderArn: target.oidcProviderArn, oidcProviderUrl: target.oidcProviderUrl })
            : pulumi.output({ type: "kubeconfig", context: target.context }),
    };
};
