// One program with components that would share a cluster's objects, for
// test/integration/sharing.test.ts: config `scenario` picks which.
import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, KubeconfigTarget, MetricsServer } from "../../../components";

const config = new pulumi.Config();
const target = new KubeconfigTarget("cluster", { kubeconfigPath: config.require("kubeconfigPath") });
const onCluster = { providers: [target.provider], transforms: target.transforms };
// Without Jupyter (nothing generated), from the chart in the repository.
const small = { jupyter: { enabled: false }, workers: { replicas: 1 }, chart: { path: config.require("chartPath") } };

switch (config.require("scenario")) {
    case "same-dask-names":
        new DaskCluster("first", { ...small, namespace: "it-share-a" }, onCluster);
        new DaskCluster("second", { ...small, namespace: "it-share-a" }, onCluster);
        break;
    case "two-metrics-servers":
        new MetricsServer("one", { mode: "existing" }, onCluster);
        new MetricsServer("two", { namespace: "kube-system" }, onCluster);
        new MetricsServer("three", {}, onCluster);
        break;
    case "two-namespaces":
        new DaskCluster("a", { ...small, namespace: "it-share-a" }, onCluster);
        new DaskCluster("b", { ...small, namespace: "it-share-b" }, onCluster);
        break;
    default:
        throw new Error(`unknown scenario ${config.require("scenario")}`);
}
