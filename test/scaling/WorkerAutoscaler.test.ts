import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { find, installMocks, promiseOf, settle } from "../mocks";
import { WorkerAutoscaler, WorkerAutoscalerArgs } from "../../components/scaling/WorkerAutoscaler";
import { InvalidArgsError } from "../../components/common/validation";

const registered = installMocks();
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

describe("WorkerAutoscaler", () => {
    it("creates an autoscaling/v2 HPA on the given Deployment with a slow, rate-limited scale-down", async () => {
        const autoscaler = new WorkerAutoscaler("hpa-default", { namespace: "dask", deploymentName: pulumi.output("dask-worker") });
        await settle();
        const hpa = find(registered, HPA, "hpa-default-hpa");
        assert.deepEqual(hpa.inputs, {
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: { name: "dask-worker", namespace: "dask" },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "dask-worker" },
                minReplicas: 1,
                maxReplicas: 3,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
                behavior: {
                    scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: "Min", policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
                },
            },
        });
        assert.equal(await promiseOf(autoscaler.hpaName), "dask-worker");
    });

    it("passes the configured bounds, target and pace", async () => {
        new WorkerAutoscaler("hpa-custom", {
            namespace: "analytics",
            deploymentName: "team-worker",
            minReplicas: 2,
            maxReplicas: 10,
            targetCpuUtilization: 50,
            scaleDown: { stabilizationWindowSeconds: 30, podsPerPeriod: 2, periodSeconds: 15 },
        });
        await settle();
        const spec = find(registered, HPA, "hpa-custom-hpa").inputs.spec;
        assert.deepEqual([spec.minReplicas, spec.maxReplicas, spec.metrics[0].resource.target.averageUtilization], [2, 10, 50]);
        assert.deepEqual(spec.behavior.scaleDown, {
            stabilizationWindowSeconds: 30,
            selectPolicy: "Min",
            policies: [{ type: "Pods", value: 2, periodSeconds: 15 }],
        });
        assert.equal(spec.scaleTargetRef.name, "team-worker");
    });

    it("waits for whatever the caller made it depend on (the metrics server)", async () => {
        const metrics = new k8s.core.v1.Namespace("metrics-marker", {});
        new WorkerAutoscaler("hpa-ordered", { namespace: "dask", deploymentName: "dask-worker" }, { dependsOn: [metrics] });
        await settle();
        assert.deepEqual(find(registered, HPA, "hpa-ordered-hpa").dependencies, [await promiseOf(metrics.urn)]);
        assert.deepEqual(find(registered, HPA, "hpa-custom-hpa").dependencies, []);
    });

    const base = { namespace: "dask", deploymentName: "dask-worker" };
    const cases: [string, Partial<WorkerAutoscalerArgs>, string][] = [
        ["min above max", { minReplicas: 5, maxReplicas: 3 }, "minReplicas (5) must not exceed maxReplicas (3)"],
        ["min above the default max", { minReplicas: 4 }, "minReplicas (4) must not exceed maxReplicas (3)"],
        ["a CPU target of 0", { targetCpuUtilization: 0 }, "targetCpuUtilization (0) must be a whole number from 1 to 100"],
        ["a CPU target above 100", { targetCpuUtilization: 150 }, "targetCpuUtilization (150) must be a whole number from 1 to 100"],
        ["zero minimum", { minReplicas: 0 }, "minReplicas (0) must be a whole number from 1 to 2147483647 (the largest Kubernetes accepts)"],
        ["a fractional maximum", { maxReplicas: 2.5 }, "maxReplicas (2.5) must be a whole number from 1 to 2147483647 (the largest Kubernetes accepts)"],
        [
            "a negative window",
            { scaleDown: { stabilizationWindowSeconds: -1 } },
            "scaleDown.stabilizationWindowSeconds (-1) must be a whole number from 0 to 3600",
        ],
        ["a period above 30 minutes", { scaleDown: { periodSeconds: 3600 } }, "scaleDown.periodSeconds (3600) must be a whole number from 1 to 1800"],
    ];
    for (const [title, args, message] of cases) {
        it(`rejects ${title}`, () => {
            assert.throws(
                () => new WorkerAutoscaler("hpa-bad", { ...base, ...args }),
                (err: Error) => err instanceof InvalidArgsError && err.message.includes(message),
            );
        });
    }
});
