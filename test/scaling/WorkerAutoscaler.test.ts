import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { find, installMocks, promiseOf, settle } from "../mocks";
import { WorkerAutoscaler, WorkerAutoscalerArgs } from "../../components/scaling/WorkerAutoscaler";
import { InvalidArgsError } from "../../components/common/validation";

const registered = installMocks();
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const SCHEDULER = "http://dask-scheduler.dask.svc:80";

describe("WorkerAutoscaler on the Dask scheduler's target (metric dask, the default)", () => {
    it("creates a KEDA ScaledObject whose HPA keeps the scheduler's adaptive target, with a slow, rate-limited scale-down", async () => {
        const autoscaler = new WorkerAutoscaler("so-default", {
            namespace: "dask",
            deploymentName: pulumi.output("dask-worker"),
            schedulerHttpAddress: SCHEDULER,
        });
        await settle();
        assert.equal(registered.filter((r) => r.type === HPA && r.name.startsWith("so-default")).length, 0, "KEDA makes the HPA: the program does not");
        const scaledObject = find(registered, SCALED_OBJECT, "so-default-scaler");
        assert.deepEqual(scaledObject.inputs, {
            apiVersion: "keda.sh/v1alpha1",
            kind: "ScaledObject",
            metadata: { name: "dask-worker", namespace: "dask" },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "dask-worker" },
                minReplicaCount: 1,
                maxReplicaCount: 3,
                pollingInterval: 15,
                cooldownPeriod: 300,
                advanced: {
                    horizontalPodAutoscalerConfig: {
                        behavior: {
                            scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: "Min", policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
                        },
                    },
                    restoreToOriginalReplicaCount: false,
                },
                triggers: [
                    {
                        type: "metrics-api",
                        metricType: "AverageValue",
                        metadata: { url: `${SCHEDULER}/api/v1/adaptive_target`, format: "json", valueLocation: "workers", targetValue: "1" },
                    },
                ],
            },
        });
        assert.equal(await promiseOf(autoscaler.hpaName), "keda-hpa-dask-worker");
        assert.equal(await promiseOf(autoscaler.scaledObjectName), "dask-worker");
    });

    it("scales to zero when asked, polls as configured and waits as long for the last worker as for any", async () => {
        new WorkerAutoscaler("so-zero", {
            namespace: "analytics",
            deploymentName: "team-worker",
            schedulerHttpAddress: "http://team-scheduler.analytics.svc:8080",
            minReplicas: 0,
            maxReplicas: 12,
            pollingIntervalSeconds: 5,
            scaleDown: { stabilizationWindowSeconds: 60, podsPerPeriod: 3, periodSeconds: 15 },
        });
        await settle();
        const spec = find(registered, SCALED_OBJECT, "so-zero-scaler").inputs.spec;
        assert.deepEqual([spec.minReplicaCount, spec.maxReplicaCount, spec.pollingInterval, spec.cooldownPeriod], [0, 12, 5, 60]);
        assert.deepEqual(spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.policies, [{ type: "Pods", value: 3, periodSeconds: 15 }]);
        // Removed while at zero, it gives the workers back: a CPU HPA after it could not start from 0.
        assert.equal(spec.advanced.restoreToOriginalReplicaCount, true);
        assert.equal(spec.triggers[0].metadata.url, "http://team-scheduler.analytics.svc:8080/api/v1/adaptive_target");
    });

    it("is created after KEDA: whatever made kedaReady, and the caller's dependsOn", async () => {
        const kedaChart = new k8s.core.v1.Namespace("keda-marker", {});
        const other = new k8s.core.v1.Namespace("other-marker", {});
        new WorkerAutoscaler("so-ordered", { ...dask, kedaReady: kedaChart.metadata.apply(() => true) }, { dependsOn: [other] });
        new WorkerAutoscaler("so-after-keda", { ...dask, kedaReady: kedaChart.metadata.apply(() => true) });
        await settle();
        const urn = async (r: pulumi.Resource) => promiseOf(r.urn);
        assert.deepEqual(find(registered, SCALED_OBJECT, "so-ordered-scaler").dependencies.sort(), [await urn(kedaChart), await urn(other)].sort());
        assert.deepEqual(find(registered, SCALED_OBJECT, "so-after-keda-scaler").dependencies, [await urn(kedaChart)]);
        assert.deepEqual(find(registered, SCALED_OBJECT, "so-zero-scaler").dependencies, []);
    });
});

const dask = { namespace: "dask", deploymentName: "dask-worker", schedulerHttpAddress: SCHEDULER };

describe("WorkerAutoscaler on CPU (metric cpu)", () => {
    it("creates an autoscaling/v2 HPA on the given Deployment with a slow, rate-limited scale-down", async () => {
        const autoscaler = new WorkerAutoscaler("hpa-default", { namespace: "dask", deploymentName: pulumi.output("dask-worker"), metric: "cpu" });
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
        assert.equal(await promiseOf(autoscaler.scaledObjectName), undefined);
        assert.equal(registered.filter((r) => r.type === SCALED_OBJECT && r.name.startsWith("hpa-default")).length, 0);
    });

    it("passes the configured bounds, target and pace", async () => {
        new WorkerAutoscaler("hpa-custom", {
            metric: "cpu",
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
        new WorkerAutoscaler("hpa-ordered", { namespace: "dask", deploymentName: "dask-worker", metric: "cpu" }, { dependsOn: [metrics] });
        await settle();
        assert.deepEqual(find(registered, HPA, "hpa-ordered-hpa").dependencies, [await promiseOf(metrics.urn)]);
        assert.deepEqual(find(registered, HPA, "hpa-custom-hpa").dependencies, []);
    });
});

describe("WorkerAutoscaler arguments", () => {
    const base = { namespace: "dask", deploymentName: "dask-worker", schedulerHttpAddress: SCHEDULER };
    const cpu = { metric: "cpu" as const };
    const cases: [string, Partial<WorkerAutoscalerArgs>, string][] = [
        ["min above max", { minReplicas: 5, maxReplicas: 3 }, "minReplicas (5) must not exceed maxReplicas (3)"],
        ["min above the default max", { minReplicas: 4 }, "minReplicas (4) must not exceed maxReplicas (3)"],
        ["a CPU target of 0", { ...cpu, targetCpuUtilization: 0 }, "targetCpuUtilization (0) must be a whole number from 1 to 100"],
        ["a CPU target above 100", { ...cpu, targetCpuUtilization: 150 }, "targetCpuUtilization (150) must be a whole number from 1 to 100"],
        ["a negative minimum", { minReplicas: -1 }, "minReplicas (-1) must be a whole number from 0 to 2147483647 (the largest Kubernetes accepts)"],
        [
            "zero minimum on CPU",
            { ...cpu, minReplicas: 0 },
            'minReplicas (0) must be at least 1 with metric "cpu": an HPA on CPU cannot start a worker when none runs',
        ],
        ["a CPU target for the Dask metric", { targetCpuUtilization: 70 }, 'targetCpuUtilization (70) only applies when metric is "cpu" (it is "dask")'],
        ["a polling interval for CPU", { ...cpu, pollingIntervalSeconds: 10 }, 'pollingIntervalSeconds (10) only applies when metric is "dask" (it is "cpu")'],
        ["KEDA ordering for CPU", { ...cpu, kedaReady: true }, 'kedaReady (true) only applies when metric is "dask" (it is "cpu")'],
        ["a polling interval of 0", { pollingIntervalSeconds: 0 }, "pollingIntervalSeconds (0) must be a whole number from 1 to 3600"],
        ["an unknown metric", { metric: "memory" as never }, 'metric ("memory") must be one of "dask", "cpu"'],
        ["the Dask metric without a scheduler", { schedulerHttpAddress: undefined }, 'schedulerHttpAddress (unset) is required with metric "dask"'],
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
