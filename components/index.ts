// The package's public surface: the components, their args and outputs. Every
// ComponentResource exported here is also a component of the multi-language
// plugin (PulumiPlugin.yaml); EksTarget lives in "./eks" so that neither needs
// the AWS packages.
export { DaskCluster, DaskClusterArgs, DaskImageArgs, DaskJupyterArgs, DaskSchedulerArgs, DaskWorkersArgs, DASK_CHART } from "./DaskCluster";
export { KubeconfigTarget, KubeconfigTargetArgs } from "./KubeconfigTarget";
export { MetricsServer, MetricsServerArgs, MetricsServerMode, METRICS_SERVER_CHART } from "./MetricsServer";
export { WorkerAutoscaler, WorkerAutoscalerArgs, ScaleDownArgs } from "./WorkerAutoscaler";
export { ChartSource } from "./chartSource";
export { DaskEntrypointsSetting } from "./daskImage";
export { ContainerResources, ExtraPackages, ResourceQuantities } from "./daskValues";
export { ServiceEndpoint, ServiceExposure, ServiceType } from "./serviceEndpoint";
export { InvalidArgsError, ArgIssue } from "./validation";
