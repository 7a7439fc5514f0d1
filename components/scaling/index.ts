// Scaling the workers: the metrics server, KEDA and the worker autoscaler.
export { MetricsServer, MetricsServerArgs, MetricsServerMode, METRICS_SERVER_CHART } from "./MetricsServer";
export { Keda, KedaArgs, KedaMode, KEDA_CHART } from "./Keda";
export { WorkerAutoscaler, WorkerAutoscalerArgs, WorkerAutoscalingArgs, ScaleDownArgs, AutoscalingMetric } from "./WorkerAutoscaler";
