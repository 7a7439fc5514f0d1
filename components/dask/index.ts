// Deploying Dask: the chart, its images, the Jupyter login and the Services.
export { DaskCluster, DaskClusterArgs, DaskImageArgs, DaskJupyterArgs, DaskSchedulerArgs, DaskWorkersArgs, DASK_CHART } from "./DaskCluster";
export { DaskEntrypointsSetting } from "./daskImage";
export { ContainerResources, ExtraPackages, ResourceQuantities } from "./daskValues";
export { ServiceEndpoint, ServiceExposure, ServiceType } from "./serviceEndpoint";
