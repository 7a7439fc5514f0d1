// Scaling the workers: the metrics server and the worker autoscaler.
export { MetricsServer, MetricsServerArgs, MetricsServerMode, METRICS_SERVER_CHART } from "./MetricsServer";
export { WorkerAutoscaler, WorkerAutoscalerArgs, WorkerAutoscalingArgs, ScaleDownArgs } from "./WorkerAutoscaler";
