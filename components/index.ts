// The package's public surface: the components, their args and outputs.
export { DaskCluster, DaskClusterArgs, DaskImageArgs, DaskJupyterArgs, DaskSchedulerArgs, DaskWorkersArgs, DASK_CHART } from "./DaskCluster";
export { EksTarget, EksTargetArgs, EksNetworkArgs, DEFAULT_EKS_VERSION } from "./EksTarget";
export { KubeconfigTarget, KubeconfigTargetArgs } from "./KubeconfigTarget";
export { MetricsServer, MetricsServerArgs, MetricsServerMode, METRICS_SERVER_CHART } from "./MetricsServer";
export { WorkerAutoscaler, WorkerAutoscalerArgs, ScaleDownArgs } from "./WorkerAutoscaler";
export { ChartSource } from "./chartSource";
export { ContainerResources, ExtraPackages, ResourceQuantities } from "./daskValues";
export { ServiceEndpoint, ServiceExposure, ServiceType } from "./serviceEndpoint";
export { InvalidArgsError, ArgIssue } from "./validation";
