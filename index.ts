import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { AutoscalingMetric, DaskCluster, DaskClusterArgs, Keda, KubeconfigTarget, MetricsServer } from "./components/index";
import { stackOwner } from "./components/common/ownership";
import { StackSettings, checkCluster, loadStackConfig, stackFileLocation, stackFileValues } from "./config/index";

function readIfPresent(file: string): string | undefined {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/**
 * The cluster target, and what the Dask cluster waits for on it (its pods'
 * S3 access); the EKS one (and the AWS packages) loaded only when used.
 */
async function clusterTarget(settings: StackSettings) {
    const target = settings.target;
    if (target.kind === "eks") {
        const { EksTarget, S3Access } = await import("./components/eks");
        const eks = new EksTarget("cluster", target.args);
        // Before the pods: Pod Identity gives credentials only to pods started after the association.
        const s3 =
            settings.s3Access &&
            new S3Access("s3-access", { ...settings.s3Access, clusterName: eks.clusterName, clusterArn: eks.clusterArn, tags: target.args.tags });
        return {
            target: eks,
            daskDependsOn: s3 ? [s3] : [],
            cluster: pulumi.output({
                type: "eks",
                name: eks.clusterName,
                nodeAutoscaling: eks.nodeAutoscaling,
                oidcProviderArn: eks.oidcProviderArn,
                oidcProviderUrl: eks.oidcProviderUrl,
                s3AccessRoleArn: s3 ? s3.roleArn : null,
            }),
        };
    }
    const kubeconfig = new KubeconfigTarget("cluster", target.args);
    return { target: kubeconfig, daskDependsOn: [], cluster: pulumi.output({ type: "kubeconfig", context: kubeconfig.context }) };
}

// The HPA used to be a top-level WorkerAutoscaler "workers"; DaskCluster now
// owns it. The alias keeps the stacks' existing HPA (no replacement).
const keepAutoscalerUrn: pulumi.ResourceTransform = (args) =>
    args.type === "daskk8s:index:WorkerAutoscaler" && args.name === "dask-workers"
        ? { props: args.props, opts: pulumi.mergeOptions(args.opts, { aliases: [{ name: "workers", parent: pulumi.rootStackResource }] }) }
        : undefined;

/** The Dask args with the autoscaler ordered after KEDA (only the ScaledObject waits for it). */
function afterKeda(dask: DaskClusterArgs, keda: Keda | undefined): DaskClusterArgs {
    const autoscaling = dask.workers?.autoscaling;
    if (keda === undefined || autoscaling === undefined || (autoscaling.metric ?? AutoscalingMetric.Dask) !== AutoscalingMetric.Dask) {
        return dask;
    }
    return { ...dask, workers: { ...dask.workers, autoscaling: { ...autoscaling, kedaReady: keda.ready } } };
}

// An async program: Pulumi awaits it, so the checks against the cluster run
// before any resource is registered, and the returned object is the outputs.
// Data flows one way: stack config → settings (config/) → components.
export = async () => {
    const settings = loadStackConfig({
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        values: pulumi.runtime.allConfig(),
        stackFile: stackFileValues(readIfPresent(stackFileLocation(pulumi.getRootDirectory(), pulumi.getStack(), readIfPresent))),
    });
    await checkCluster(settings, { project: pulumi.getProject(), stack: pulumi.getStack(), owner: stackOwner() });

    const { target, cluster, daskDependsOn } = await clusterTarget(settings);
    const onCluster = { providers: [target.provider], transforms: target.transforms };
    const keda = settings.keda && new Keda("keda", settings.keda, onCluster);
    const dask = new DaskCluster("dask", afterKeda(settings.dask, keda), {
        ...onCluster,
        transforms: [...target.transforms, keepAutoscalerUrn],
        dependsOn: daskDependsOn,
    });
    const metricsServer = new MetricsServer("metrics-server", settings.metricsServer, onCluster);

    return {
        namespace: dask.namespace,
        schedulerAddress: dask.schedulerAddress,
        dashboard: dask.dashboard,
        jupyter: dask.jupyter,
        jupyterPassword: dask.jupyterPassword,
        workerDeploymentName: dask.workerDeploymentName,
        daskImageTag: dask.imageTag,
        // null rather than undefined: Pulumi drops undefined outputs with a warning.
        autoscalerName: dask.workerAutoscalerName.apply((name) => name ?? null),
        metricsServerMode: metricsServer.mode,
        kedaMode: keda ? keda.mode : null,
        kubeconfig: target.kubeconfig,
        cluster,
    };
};
