// The package's public surface: the components, their args and outputs. Every
// ComponentResource exported here is also a component of the multi-language
// plugin (PulumiPlugin.yaml); EksTarget lives in "./eks" so that neither needs
// the AWS packages.
export { DaskCluster, DaskClusterArgs, DaskImageArgs, DaskJupyterArgs, DaskSchedulerArgs, DaskWorkersArgs, DASK_CHART } from "./dask/index";
export { DaskEntrypointsSetting, ContainerResources, ExtraPackages, ResourceQuantities } from "./dask/index";
export { ServiceEndpoint, ServiceExposure, ServiceType } from "./dask/index";
export { KubeconfigTarget, KubeconfigTargetArgs } from "./cluster/index";
export { MetricsServer, MetricsServerArgs, MetricsServerMode, METRICS_SERVER_CHART } from "./scaling/index";
export { Keda, KedaArgs, KedaMode, KEDA_CHART } from "./scaling/index";
export { WorkerAutoscaler, WorkerAutoscalerArgs, WorkerAutoscalingArgs, ScaleDownArgs, AutoscalingMetric } from "./scaling/index";
export { ChartSource } from "./common/chartSource";
export { InvalidArgsError, ArgIssue } from "./common/validation";
