// A Dask cluster on the real node whose image cannot be pulled, for
// test/integration/readiness.test.ts: `pulumi up` must fail on the
// Deployments' readiness, though the Services no longer wait. The provider's
// wait is cut from 10 minutes to `waitSeconds` so the test ends soon.
import * as pulumi from "@pulumi/pulumi";
import { DaskCluster, KubeconfigTarget } from "../../../components";

const config = new pulumi.Config();
const target = new KubeconfigTarget("cluster", { kubeconfigPath: config.require("kubeconfigPath") });
const shortWait: pulumi.ResourceTransform = (args) =>
    args.type === "kubernetes:apps/v1:Deployment"
        ? {
              props: {
                  ...args.props,
                  metadata: {
                      ...args.props.metadata,
                      annotations: { ...args.props.metadata?.annotations, "pulumi.com/timeoutSeconds": config.require("waitSeconds") },
                  },
              },
              opts: args.opts,
          }
        : undefined;

new DaskCluster(
    "dask",
    {
        namespace: config.require("namespace"),
        chart: { path: config.require("chartPath") },
        image: { repository: config.require("imageRepository") },
        jupyter: { enabled: false },
        workers: { replicas: 1 },
        values: config.requireObject<Record<string, unknown>>("values"),
    },
    { providers: [target.provider], transforms: [...target.transforms, shortWait] },
);
